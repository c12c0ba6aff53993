"""Findings a maintainer would not act on drop to a note (or stay silent), with the look-alike that keeps its
level next to each: a stock datastore's healthcheck (VW301), a secret file the repository already publishes
(VW406)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.helpers import lint, write
from viworks_lint.findings import Finding


def _levels(findings: list[Finding], root: Path) -> list[tuple[str, str, int, str]]:
    return sorted(
        (f.rule_id, f.location.path.relative_to(root).as_posix(), f.location.line, f.level.value) for f in findings
    )


# ---------------------------------------------------------------- VW301 on a stock datastore image

PG_HC = (
    "    healthcheck:\n"
    "      test: [\"CMD-SHELL\", \"pg_isready -U app\"]\n"
    "      interval: 5s\n"
    "      retries: 5\n"
)


def test_vw301_stock_postgres_healthcheck_is_a_note(tmp_path: Path) -> None:
    write(tmp_path, {"compose.yaml": f"services:\n  db:\n    image: postgres:16\n{PG_HC}"})
    found = lint(tmp_path, ["VW301"])
    assert _levels(found, tmp_path) == [("VW301", "compose.yaml", 4, "note")]
    assert "`postgres:16` is a stock PostgreSQL image" in found[0].message


def test_vw301_datastore_running_the_repos_init_scripts_keeps_the_warning(tmp_path: Path) -> None:
    compose = ("services:\n  db:\n    image: postgres:16\n    volumes:\n"
               "      - ./sql:/docker-entrypoint-initdb.d:ro\n" + PG_HC
               + "  api:\n    image: acme/api\n    depends_on:\n      db:\n        condition: service_healthy\n")
    # a shell script, or a long SQL dump, can take long on the first start
    write(tmp_path / "a", {"compose.yaml": compose, "sql/001.sql": "create table t (id int);\n",
                           "sql/002-seed.sh": "#!/bin/sh\npsql -f /seed/big.sql\n"})
    assert _levels(lint(tmp_path / "a", ["VW301"]), tmp_path / "a") == [("VW301", "compose.yaml", 6, "warning")]
    write(tmp_path / "b", {"compose.yaml": compose, "sql/001.sql": "insert into t values (1);\n" * 150})
    assert _levels(lint(tmp_path / "b", ["VW301"]), tmp_path / "b") == [("VW301", "compose.yaml", 6, "warning")]


def test_vw301_datastore_with_a_small_sql_init_is_a_note(tmp_path: Path) -> None:
    # a few CREATE TABLEs run in well under a second: the stock image is ready as fast as without them
    write(tmp_path, {
        "compose.yaml": "services:\n  db:\n    image: postgres:16\n    volumes:\n"
                        "      - ./init.sql:/docker-entrypoint-initdb.d/init.sql\n" + PG_HC,
        "init.sql": "create table users (id serial primary key);\ncreate table posts (id serial primary key);\n",
    })
    found = lint(tmp_path, ["VW301"])
    assert _levels(found, tmp_path) == [("VW301", "compose.yaml", 6, "note")]
    assert "only 2 lines of plain SQL" in found[0].message


def test_vw301_other_image_only_services_keep_the_warning(tmp_path: Path) -> None:
    # keycloak is slow to start, and an image-only app (published by CI) is the repository's own program
    hc = ("    healthcheck:\n      test: [\"CMD\", \"curl\", \"-f\", \"http://localhost:8080/health\"]\n"
          "      interval: 5s\n")
    write(tmp_path, {
        "compose.yaml": f"services:\n  auth:\n    image: quay.io/keycloak/keycloak:25.0\n{hc}"
                        f"  api:\n    image: ghcr.io/acme/api:1.4\n{hc}"
                        "    depends_on:\n      auth:\n        condition: service_healthy\n"
                        "  gateway:\n    image: nginx:1.27\n    depends_on:\n      api:\n"
                        "        condition: service_healthy\n"
                        f"  grafana:\n    image: grafana/grafana:11.0.0\n{hc}",
    })
    # keycloak and the api gate a start (`service_healthy`); nobody waits for grafana's health
    assert _levels(lint(tmp_path, ["VW301"]), tmp_path) == [
        ("VW301", "compose.yaml", 4, "warning"), ("VW301", "compose.yaml", 9, "warning"),
        ("VW301", "compose.yaml", 22, "note")]


# ---------------------------------------------------------------- VW406 on a secret file the repository publishes

KEY = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"


def _secret_copy_project(root: Path) -> Path:
    return write(root, {
        "Cargo.toml": '[package]\nname = "server"\nversion = "0.1.0"\nedition = "2021"\n',
        "src/main.rs": "fn main() {}\n",
        "Dockerfile": "FROM rust:1.83 AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
                      "FROM debian:bookworm-slim\nWORKDIR /app\nCOPY resources/ ./resources/\n"
                      "COPY --from=build /src/target/release/server /app/server\nUSER 1000\n"
                      "CMD [\"/app/server\"]\n",
        ".dockerignore": "target/\n",
        "resources/jwt.pem": KEY,
        "resources/config.toml": "port = 8080\n",
    })


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@e", "HOME": str(root), "PATH": "/usr/bin:/bin"})


def test_vw406_secret_committed_to_the_repository_is_a_note(tmp_path: Path) -> None:
    root = _secret_copy_project(tmp_path)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    found = lint(root, ["VW406"])
    assert _levels(found, root) == [("VW406", "Dockerfile", 7, "note")]
    assert "committed to the repository" in found[0].message and "BEGIN" not in found[0].message


def test_vw406_untracked_secret_keeps_the_warning(tmp_path: Path) -> None:
    root = _secret_copy_project(tmp_path)
    _git(root, "init", "-q")
    _git(root, "add", "Cargo.toml", "src", "Dockerfile", ".dockerignore", "resources/config.toml")  # the key is on disk only, as on a deploy host
    found = lint(root, ["VW406"])
    assert _levels(found, root) == [("VW406", "Dockerfile", 7, "warning")]
    assert "committed" not in found[0].message


# ---------------------------------------------------------------- VW301 when the probes already allow a slow start


def test_vw301_is_a_note_when_interval_times_retries_already_covers_more_than_the_fix(tmp_path: Path) -> None:
    def hc(extra: str) -> str:
        return "    healthcheck:\n      test: [\"CMD\", \"/app\", \"health\"]\n" + extra
    tight = hc("      interval: 10s\n      retries: 3\n")
    slow = hc("      interval: 1m\n")
    many = hc("      interval: 5s\n      retries: 7\n")
    write(tmp_path, {
        "Dockerfile": "FROM debian:bookworm-slim\nCMD [\"/app\"]\n",
        "compose.yaml": "services:\n"
                        f"  tight:\n    build: .\n{tight}"
                        f"  slow:\n    build: .\n{slow}"
                        f"  defaults:\n    build: .\n{hc('')}"
                        f"  many:\n    build: .\n{many}"
                        "  web:\n    image: nginx:1.27\n    depends_on:\n"  # waits for all four to be healthy
                        + "".join(f"      {n}:\n        condition: service_healthy\n"
                                  for n in ("tight", "slow", "defaults", "many")),
    })
    found = lint(tmp_path, ["VW301"])
    assert _levels(found, tmp_path) == [
        ("VW301", "compose.yaml", 4, "warning"),   # 30 s of failing probes: a slow start is cut short
        ("VW301", "compose.yaml", 10, "note"),     # 1m × 3 (default retries)
        ("VW301", "compose.yaml", 15, "note"),     # Docker's defaults: 30s × 3
        ("VW301", "compose.yaml", 19, "note"),     # 5s × 7 = 35 s, more than the 30 s the fix adds
    ]
    assert "probes already fail for 180s" in next(f.message for f in found if f.location.line == 10)
    # exactly 30 s (10s × 3, the most common probe): a backend that migrates first can need that long
    write(tmp_path / "even", {"Dockerfile": "FROM debian:bookworm-slim\n"
                                            "HEALTHCHECK --interval=10s --retries=3 CMD [\"/app\", \"health\"]\n"
                                            "CMD [\"/app\"]\n",
                              "compose.yaml": "services:\n  api:\n    build: .\n  web:\n    image: nginx:1.27\n"
                                              "    depends_on:\n      api:\n        condition: service_healthy\n"})
    assert _levels(lint(tmp_path / "even", ["VW301"]), tmp_path / "even") == [("VW301", "Dockerfile", 2, "warning")]
    # nothing waits for it to be healthy, and nothing else acts on its health: advice
    write(tmp_path / "even", {"compose.yaml": "services:\n  api:\n    build: .\n"})
    found = lint(tmp_path / "even", ["VW301"])
    assert _levels(found, tmp_path / "even") == [("VW301", "Dockerfile", 2, "note")]
    assert "gates nothing" in found[0].message


def test_vw301_dockerfile_healthcheck_budget_and_compose_inheritance(tmp_path: Path) -> None:
    write(tmp_path, {
        "Dockerfile": "FROM debian:bookworm-slim\n"
                      "HEALTHCHECK --interval=5s --retries=3 CMD [\"/app\", \"health\"]\nCMD [\"/app\"]\n",
        "slow/Dockerfile": "FROM debian:bookworm-slim\nHEALTHCHECK --interval=2m CMD [\"/app\", \"health\"]\n"
                           "CMD [\"/app\"]\n",
        # the compose healthcheck sets only retries: it inherits the image's 5s interval (5s × 20 = 100 s)
        "compose.yaml": "services:\n  api:\n    build: .\n    healthcheck:\n      retries: 20\n"
                        "  other:\n    build: slow\n"
                        "  web:\n    image: nginx:1.27\n    depends_on:\n      api:\n        condition: service_healthy\n"
                        "      other:\n        condition: service_healthy\n",
    })
    assert _levels(lint(tmp_path, ["VW301"]), tmp_path) == [
        ("VW301", "Dockerfile", 2, "warning"),
        ("VW301", "compose.yaml", 4, "note"),
        ("VW301", "slow/Dockerfile", 2, "note"),
    ]


# ---------------------------------------------------------------- VW002: one bad value, no invented unknown keys


def test_vw002_a_null_value_does_not_make_valid_keys_unknown(tmp_path: Path) -> None:
    # `depends_on:` with its entry mis-indented: depends_on is null and `init-job` is a stray key; `ports`
    # and `healthcheck` are valid keys and must not be reported as unknown
    write(tmp_path, {
        "compose.yaml": "services:\n  init-job:\n    image: busybox\n  db:\n    depends_on:\n    init-job:\n"
                        "      condition: service_completed_successfully\n    image: postgres:16\n"
                        "    ports:\n      - 127.0.0.1:5432:5432\n"
                        "    healthcheck:\n      test: [\"CMD\", \"pg_isready\"]\n      start_period: 10s\n",
    })
    found = lint(tmp_path, ["VW002"])
    assert sorted((f.location.line, f.message) for f in found) == [
        (5, "services.db.depends_on: expected array, got null"),
        (6, "unknown key 'init-job' in services.db (not in the Compose Specification)"),
    ]


# ---------------------------------------------------------------- VW404: values the file documents as examples


def test_vw404_documented_examples_and_self_declared_insecure_values(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    image: acme/api\n    environment:\n"
                        "      ADMIN_PASSWORD: rustfs-admin-91  # CHANGEME\n"
                        "      # IMPORTANT: change the secret key in production\n"
                        "      ROCKET_SECRET_KEY: hPRYyVRiMyxpw5sBB1XeCMN1kFsDCqKvBi2QJxBVHQk=\n"
                        "      CATALOG_PASSWORD: This-is-NOT-Secure!\n"
                        "      STRIPE_API_KEY: sk_live_51Hq9k2LkdIwHu7ix\n",
    })
    assert [f.location.line for f in lint(tmp_path, ["VW404"])] == [9]


# ---------------------------------------------------------------- VW401 on a privileged service


def test_vw401_is_a_note_when_the_service_runs_privileged(tmp_path: Path) -> None:
    files = {
        "Cargo.toml": '[package]\nname = "probe"\nversion = "0.1.0"\nedition = "2021"\n',
        "src/main.rs": "fn main() {}\n",
        "Dockerfile": "FROM rust:1.83 AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
                      "FROM debian:bookworm-slim\nCOPY --from=build /src/target/release/probe /probe\n"
                      "CMD [\"/probe\"]\n",
    }
    priv = write(tmp_path / "priv", {**files, "compose.yaml": "services:\n  probe:\n    build: .\n    privileged: true\n"})
    assert _levels(lint(priv, ["VW401"]), priv) == [("VW401", "Dockerfile", 5, "note")]
    plain = write(tmp_path / "plain", {**files, "compose.yaml": "services:\n  probe:\n    build: .\n"})
    assert _levels(lint(plain, ["VW401"]), plain) == [("VW401", "Dockerfile", 5, "warning")]


# ---------------------------------------------------------------- scope: a compose file that says it is for development


def test_compose_header_comment_declares_a_dev_stack(tmp_path: Path) -> None:
    stack = ("services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: Zq8vK2mW9xLp\n"
             "    ports:\n      - \"5432:5432\"\n  api:\n    image: acme/api\n    environment:\n"
             "      DATABASE_URL: postgres://postgres@db/postgres\n")
    dev = write(tmp_path / "dev", {"compose.yaml": "# Development stack: local dev and integration tests only\n"
                                                   + stack})
    assert {(f.rule_id, f.level.value) for f in lint(dev, ["VW404", "VW405"])} <= {("VW405", "note")}
    prod = write(tmp_path / "prod", {"compose.yaml": "# Production stack\n" + stack})
    assert {(f.rule_id, f.level.value) for f in lint(prod, ["VW404", "VW405"])} == {
        ("VW404", "warning"), ("VW405", "warning")}


def test_vw404_password_equal_to_the_user_or_database_name_is_a_demo_credential(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  db:\n    image: postgres:16\n    environment:\n"
                        "      POSTGRES_USER: docker\n      POSTGRES_DB: posts\n      POSTGRES_PASSWORD: docker\n"
                        "  cache:\n    image: redis:7\n    environment:\n      REDIS_USER: cache\n"
                        "      REDIS_PASSWORD: Hq7zP2vLm9Kd\n",
    })
    assert [f.location.line for f in lint(tmp_path, ["VW404"])] == [12]


def test_vw404_dockerfile_env_under_a_changeme_comment_is_an_example(tmp_path: Path) -> None:
    write(tmp_path, {
        "Dockerfile": "FROM debian:bookworm-slim\n# CHANGEME before production\nENV API_TOKEN=Hq7zP2vLm9KdQ3\n"
                      "ENV DB_PASSWORD=Zq8vK2mW9xLp\nCMD [\"/app\"]\n",
    })
    assert [f.location.line for f in lint(tmp_path, ["VW404"])] == [4]


def test_vw301_a_one_line_dump_is_no_small_init(tmp_path: Path) -> None:
    dump = "insert into t values " + ",".join(f"({i})" for i in range(4000)) + ";\n"
    write(tmp_path, {
        "compose.yaml": "services:\n  db:\n    image: postgres:16\n    volumes:\n"
                        "      - ./init.sql:/docker-entrypoint-initdb.d/init.sql\n" + PG_HC
                        + "  api:\n    image: acme/api\n    depends_on:\n      db:\n        condition: service_healthy\n",
        "init.sql": dump,
    })
    assert _levels(lint(tmp_path, ["VW301"]), tmp_path) == [("VW301", "compose.yaml", 6, "warning")]
