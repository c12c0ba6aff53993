"""Rules read the project as Docker, BuildKit, Cargo and compose do, not too literally: each case has
a positive and a look-alike that must stay silent (or drop to a note)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint, where, write
from viworks_lint.findings import Level

SECRET = "s3cr3t-Value-9f8e7d"


# ---------------------------------------------------------------- VW404 hardcoded-secret


def test_vw404_secret_word_must_end_the_name(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    image: app\n    environment:\n"
                        f"      PICTRS__SERVER__API_KEY: {SECRET}\n"
                        f"      DB_PASS: {SECRET}\n"
                        "      TOKEN_INFO_URL: https://auth.example.com/tokeninfo\n"
                        "      STRIPE_PUBLISHABLE_KEY: pk_live_51Habc\n"
                        "      AWS_ACCESS_KEY_ID: AKIAEXAMPLE\n"
                        "      OPENAI_MAX_TOKENS: \"4096\"\n"
                        "      SECRET_KEY_BASE_LENGTH: \"64\"\n",
    })
    assert where(lint(tmp_path, ["VW404"]), tmp_path) == [("VW404", "compose.yaml", 5), ("VW404", "compose.yaml", 6)]


def test_vw404_silent_for_placeholders(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    image: app\n    environment:\n"
                        "      JWT_SECRET: <your-jwt-secret>\n"
                        "      API_TOKEN: \"{{ api_token }}\"\n"
                        "      DB_PASSWORD: changeme\n"
                        "      SMTP_PASSWORD: CHANGE_ME\n"
                        "      OPENAI_API_KEY: your-openai-key\n"
                        "      GITHUB_TOKEN: xxxxxxxx\n",
        "Dockerfile": "FROM debian:bookworm-slim\nENV APP_SECRET=please-change-me\n",
    })
    assert lint(tmp_path, ["VW404"]) == []


# ---------------------------------------------------------------- VW405 datastore-port-published

_APP_USES_DB = (
    "services:\n"
    "  api:\n"
    "    image: ghcr.io/acme/api:1.4\n"
    "    environment:\n"
    "      DATABASE_URL: postgres://app:pw@db:5432/app\n"
    "  db:\n"
    "    image: postgres:16\n"
    "    ports:\n"
    "      - \"5432:5432\"\n"
)


def test_vw405_warning_when_a_service_uses_the_datastore(tmp_path: Path) -> None:
    write(tmp_path, {"compose.yaml": _APP_USES_DB})
    [f] = lint(tmp_path, ["VW405"])
    assert f.level == Level.WARNING and "`api` reaches it over the compose network" in f.message


def test_vw405_depends_on_counts_as_use(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  worker:\n    build: .\n    depends_on: [cache]\n"
                        "  cache:\n    image: redis:7\n    ports: [\"6379:6379\"]\n",
        "Dockerfile": "FROM debian:bookworm-slim\nCMD [\"/worker\"]\n",
    })
    [f] = lint(tmp_path, ["VW405"])
    assert f.level == Level.WARNING
    assert "Redis runs without a password: anyone who can reach the host can read and change its data" in f.message


def test_vw405_note_when_only_the_host_app_uses_it(tmp_path: Path) -> None:
    write(tmp_path, {
        "docker-compose.yml": "services:\n  db:\n    image: postgres:16\n    environment:\n"
                              "      POSTGRES_HOST_AUTH_METHOD: trust\n    ports:\n      - \"5432:5432\"\n",
    })
    [f] = lint(tmp_path, ["VW405"])
    assert f.level == Level.NOTE
    assert "`POSTGRES_HOST_AUTH_METHOD=trust` lets anyone log in without a password" in f.message
    assert "app on the host" in f.message


def test_vw405_redis_with_password_is_not_called_open(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    image: app\n    environment:\n      REDIS_URL: redis://:pw@cache:6379\n"
                        "  cache:\n    image: redis:7\n    command: redis-server --requirepass pw\n"
                        "    ports: [\"6379:6379\"]\n",
    })
    [f] = lint(tmp_path, ["VW405"])
    assert f.level == Level.WARNING and "without a password" not in f.message
