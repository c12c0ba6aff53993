"""VW405: a datastore port the repository itself points a host-run app or tool at is a note naming the evidence
(an env template no container gets, a task file's env, a README that starts only the datastore and runs the app
with cargo); production stacks and files given to containers keep the warning."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint, write

_COMPOSE = (
    "services:\n  api:\n    build: .\n    ports:\n      - \"8080:8080\"\n    environment:\n"
    "      DATABASE_URL: postgres://app:${DB_PASSWORD:-x}@db:5432/app\n    depends_on: [db]\n"
    "  db:\n    image: postgres:16\n    environment:\n      POSTGRES_USER: app\n"
    "      POSTGRES_PASSWORD: ${DB_PASSWORD:-x}\n    ports:\n      - \"5432:5432\"\n"
)
_DOCKERFILE = "FROM debian:bookworm-slim\nCOPY api /usr/local/bin/api\nCMD [\"api\"]\n"


def _levels(root: Path) -> list[tuple[int, str]]:
    return [(f.location.line, f.level.value) for f in lint(root, ["VW405"])]


def test_an_env_template_with_a_localhost_url_is_no_evidence_beside_a_networked_app(tmp_path: Path) -> None:
    """The `api` service uses the database over the compose network; an env template's `localhost:5432` (the
    sqlx CLI's, a host-run `cargo run`) does not make the published port the stack's way in."""
    env = "DATABASE_URL=postgres://app:x@localhost:5432/app\n"
    write(tmp_path / "a", {"compose.yaml": _COMPOSE, "Dockerfile": _DOCKERFILE, ".env.example": env})
    found = lint(tmp_path / "a", ["VW405"])
    assert [(f.location.line, f.level.value) for f in found] == [(15, "warning")]
    # the template of a file compose gives the app, which takes its URL: not host-run evidence
    given = _COMPOSE.replace("    depends_on: [db]\n", "    env_file: .env\n    depends_on: [db]\n").replace(
        "    environment:\n      DATABASE_URL: postgres://app:${DB_PASSWORD:-x}@db:5432/app\n", ""
    )
    write(tmp_path / "b", {"compose.yaml": given, "Dockerfile": _DOCKERFILE, ".env.example": env, ".env": env})
    assert [level for _line, level in _levels(tmp_path / "b")] == ["warning"]
    # the same file, but the app's own `environment:` overrides the URL: the file's value is the host's
    shadowed = _COMPOSE.replace("    depends_on: [db]\n", "    env_file: .env\n    depends_on: [db]\n")
    write(tmp_path / "b2", {"compose.yaml": shadowed, "Dockerfile": _DOCKERFILE, ".env": env})
    assert [level for _line, level in _levels(tmp_path / "b2")] == ["note"]
    # a production stack: the env file of local runs does not make its datastore port a way in
    write(tmp_path / "c", {"compose.prod.yaml": _COMPOSE, "Dockerfile": _DOCKERFILE, ".env.example": env})
    assert _levels(tmp_path / "c") == [(15, "warning")]
    # another port (the host app talks to a second database): no evidence for this one
    write(tmp_path / "d", {"compose.yaml": _COMPOSE, "Dockerfile": _DOCKERFILE,
                           ".env.example": env.replace("5432", "6543")})
    assert _levels(tmp_path / "d") == [(15, "warning")]


def test_cargo_make_env_with_host_and_published_port(tmp_path: Path) -> None:
    compose = _COMPOSE.replace("      - \"5432:5432\"\n", "      - ${DB_PORT_OUTER}:5432\n")
    tasks = (
        "[env]\nDB_PORT_OUTER = \"5432\"\n\n[tasks.set-env-local.env]\nDATABASE_HOST = \"localhost\"\n"
        "DATABASE_PORT = \"${DB_PORT_OUTER}\"\n\n[tasks.run]\nextend = \"set-env-local\"\ncommand = \"cargo\"\n"
        "args = [\"run\"]\n"
    )
    write(tmp_path / "a", {"compose.yaml": compose, "Dockerfile": _DOCKERFILE, "Makefile.toml": tasks})
    found = lint(tmp_path / "a", ["VW405"])
    assert [f.level.value for f in found] == ["note"]
    assert "`DATABASE_HOST=localhost` in `Makefile.toml`" in found[0].message
    write(tmp_path / "b", {"compose.yaml": compose, "Dockerfile": _DOCKERFILE,
                           "Makefile.toml": tasks.replace("\"localhost\"", "\"db\"")})
    assert [f.level.value for f in lint(tmp_path / "b", ["VW405"])] == ["warning"]


def test_readme_that_starts_only_the_datastore_and_runs_cargo(tmp_path: Path) -> None:
    readme = "# API\n\n```sh\ndocker compose up -d db\ncargo run\n```\n"
    write(tmp_path / "a", {"compose.yaml": _COMPOSE, "Dockerfile": _DOCKERFILE, "README.md": readme})
    found = lint(tmp_path / "a", ["VW405"])
    assert [f.level.value for f in found] == ["note"]
    assert "`docker compose up -d db` then `cargo run` in `README.md`" in found[0].message
    # the whole stack is started: the app reaches the database over the compose network
    write(tmp_path / "b", {"compose.yaml": _COMPOSE, "Dockerfile": _DOCKERFILE,
                           "README.md": readme.replace("up -d db", "up -d")})
    assert [f.level.value for f in lint(tmp_path / "b", ["VW405"])] == ["warning"]


def test_a_service_that_reaches_the_datastore_through_the_host_makes_it_a_note(tmp_path: Path) -> None:
    """`host.docker.internal:5432` (or `X_HOST=host.docker.internal` beside `X_PORT=5432`): the service reaches the
    datastore through the published port, as a host-networked one does. A frontend on container port 80 mapped to
    3000 does not make the stack a production one."""
    via_url = _COMPOSE.replace("@db:5432/app", "@host.docker.internal:5432/app") + (
        "  web:\n    image: nginx:1.27\n    ports:\n      - \"3000:80\"\n")
    write(tmp_path / "a", {"compose.yaml": via_url, "Dockerfile": _DOCKERFILE})
    found = lint(tmp_path / "a", ["VW405"])
    assert _levels(tmp_path / "a") == [(15, "note")]
    assert "reaches it through `host.docker.internal:5432`" in found[0].message
    via_host = _COMPOSE.replace(
        "      DATABASE_URL: postgres://app:${DB_PASSWORD:-x}@db:5432/app\n",
        "      PG_HOST: host.docker.internal\n      PG_PORT: \"5432\"\n")
    write(tmp_path / "b", {"compose.yaml": via_host, "Dockerfile": _DOCKERFILE})
    assert [lv for _line, lv in _levels(tmp_path / "b")] == ["note"]
    write(tmp_path / "c", {"compose.yaml": _COMPOSE, "Dockerfile": _DOCKERFILE})
    assert _levels(tmp_path / "c") == [(15, "warning")]  # over the compose network: only exposure
