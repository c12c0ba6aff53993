"""A deploy script's working directory: `cd "$(dirname "$0")/.."` (and `SCRIPT_DIR=$(cd … && pwd)`) holds for
the lines after it, so the compose project it combines is found and linted as it is deployed."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint, where, write

CARGO = '[package]\nname = "ledger"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\naxum = "0.7"\n'
MAIN = (
    "use axum::{routing::get, Router};\n"
    "#[tokio::main]\nasync fn main() {\n"
    '    let app = Router::new().route("/health", get(|| async { "ok" }));\n'
    '    let l = tokio::net::TcpListener::bind("0.0.0.0:8080").await.unwrap();\n'
    "    axum::serve(l, app).await.unwrap();\n}\n"
)
BASE = "services:\n  api:\n    build: .\n    init: true\n"
PROD = (
    "services:\n  api:\n    restart: always\n    healthcheck:\n"
    '      test: ["CMD", "curl", "-fsS", "http://localhost:8080/healthz"]\n'  # 5
    "      start_period: 20s\n"
)
DOCKERFILE = (
    "FROM rust:1.80 AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
    "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl\nRUN useradd -r app\n"
    "COPY --from=build /src/target/release/ledger /usr/local/bin/ledger\nUSER app\n"
    'CMD ["ledger"]\n'
)


def _project(tmp_path: Path, script: str) -> Path:
    return write(tmp_path, {
        "Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": DOCKERFILE,
        "compose.yaml": BASE, "deploy/compose.prod.yaml": PROD, "deploy/up.sh": script,
    })


def test_cd_to_the_repository_root_holds_for_the_next_lines(tmp_path: Path) -> None:
    root = _project(tmp_path, (
        "#!/usr/bin/env bash\nset -euo pipefail\n"
        'cd "$(dirname "$0")/.."\n'
        "docker compose -f compose.yaml -f deploy/compose.prod.yaml up -d\n"
    ))
    assert ("VW302", "deploy/compose.prod.yaml", 5) in where(lint(root, ["VW302"]), root)


def test_script_dir_variable_from_cd_and_pwd(tmp_path: Path) -> None:
    root = _project(tmp_path, (
        "#!/bin/sh\n"
        'SCRIPT_DIR="$(cd "$(dirname "$0")" && pwd)"\n'
        'docker compose -f "$SCRIPT_DIR/../compose.yaml" -f "$SCRIPT_DIR/compose.prod.yaml" up -d\n'
    ))
    assert ("VW302", "deploy/compose.prod.yaml", 5) in where(lint(root, ["VW302"]), root)


def test_cd_inside_one_line_does_not_leak_and_pushd_moves(tmp_path: Path) -> None:
    # the first line's `cd` is in a subshell: the next line still runs in deploy/, where there is no
    # compose.yaml, so nothing is combined and the overlay alone claims nothing
    root = _project(tmp_path, (
        "#!/bin/sh\n"
        "(cd .. && ls)\n"
        "docker compose -f compose.yaml -f deploy/compose.prod.yaml up -d\n"
    ))
    assert where(lint(root, ["VW302"]), root) == []
    root2 = _project(tmp_path / "b", (
        "#!/bin/sh\n"
        'pushd "$(dirname "$0")/.." >/dev/null\n'
        "docker compose -f compose.yaml -f deploy/compose.prod.yaml up -d\n"
    ))
    assert ("VW302", "deploy/compose.prod.yaml", 5) in where(lint(root2, ["VW302"]), root2)


def test_overlay_paths_resolve_against_the_first_files_folder(tmp_path: Path) -> None:
    root = _project(tmp_path, (
        "#!/usr/bin/env bash\ncd \"$(dirname \"$0\")/..\"\n"
        "docker compose --env-file deploy/.env.prod -f compose.yaml -f deploy/compose.prod.yaml up -d\n"
    ))
    write(root, {
        "deploy/compose.prod.yaml": PROD + "  proxy:\n    image: nginx:1.27\n    volumes:\n"
        "      - ./nginx/site.conf:/etc/nginx/conf.d/default.conf:ro\n"  # 10: beside the overlay only
        "      - ./deploy/nginx/site.conf:/etc/nginx/conf.d/other.conf:ro\n",  # 11: written right
        "deploy/nginx/site.conf": "server { listen 80; }\n",
    })
    found = [f for f in lint(root, ["VW204"]) if f.level.value == "error"]
    assert [(f.location.path.relative_to(root).as_posix(), f.location.line) for f in found] == [
        ("deploy/compose.prod.yaml", 10)
    ]
    assert "write `./deploy/nginx/site.conf`" in found[0].message


def test_env_file_of_every_run_replaces_the_dotenv(tmp_path: Path) -> None:
    # compose reads `.env` only when no `--env-file` is given: the production run takes its variables from the
    # env file the script names (a template here), never from the development `.env` template
    root = _project(tmp_path, (
        "#!/usr/bin/env bash\ncd \"$(dirname \"$0\")/..\"\n"
        "cp -n deploy/.env.prod.example deploy/.env.prod\n"
        "docker compose --env-file deploy/.env.prod -f compose.yaml -f deploy/compose.prod.yaml up -d\n"
    ))
    write(root, {
        "deploy/compose.prod.yaml": PROD + "    environment:\n      SECRET_KEY: ${SECRET_KEY}\n",  # 8
        "deploy/.env.prod.example": "SECRET_KEY=\n",
        ".env.example": "SECRET_KEY=dev\n",
        "README.md": "    cp .env.example .env\n    docker compose up\n",
        ".gitignore": ".env\ndeploy/.env.prod\n",
    })
    notes = [f.message for f in lint(root, ["VW202"]) if f.location.path.name == "compose.prod.yaml"]
    assert len(notes) == 1 and "`deploy/.env.prod` is not in the repository" in notes[0], notes


def test_a_service_in_two_projects_is_named_once(tmp_path: Path) -> None:
    root = _project(tmp_path, (
        "#!/usr/bin/env bash\ncd \"$(dirname \"$0\")/..\"\n"
        "docker compose -f compose.yaml -f deploy/compose.prod.yaml up -d\n"
    ))
    write(root, {
        "compose.yaml": BASE + "    environment:\n      DATABASE_URL: postgres://app:pw@db:5432/app\n"
        "    depends_on:\n      - db\n  db:\n    image: postgres:16\n",
        "compose.override.yaml": "services:\n  api:\n    environment:\n      RUST_LOG: debug\n",
        "Cargo.toml": CARGO + 'tokio-postgres = "0.7"\n',
        "src/db.rs": "pub async fn open(url: &str) {\n"
        "    let (_c, _conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();\n}\n",
        "src/main.rs": "mod db;\n" + MAIN.replace(
            "async fn main() {\n", "async fn main() {\n    db::open(&std::env::var(\"DATABASE_URL\").unwrap()).await;\n"
        ),
    })
    found = lint(root, ["VW309"])
    assert len(found) == 1 and found[0].message.startswith("service `api` connects"), [f.message for f in found]
