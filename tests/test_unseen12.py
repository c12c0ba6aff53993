"""Situations read on a twelfth set of unseen repositories: the MongoDB driver waits for a late server."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint, write
from tests.unseen_fixtures import CARGO, IMAGE

MONGO_MAIN = (
    "#[tokio::main]\nasync fn main() {\n"
    '    let url = std::env::var("MONGODB_URI").unwrap();\n'
    "    let client = mongodb::Client::with_uri_str(&url).await.unwrap();\n"
    '    client.list_database_names(None, None).await.expect("mongo");\n}\n'
)
PG_MAIN = (
    "#[tokio::main]\nasync fn main() {\n"
    '    let url = std::env::var("DATABASE_URL").unwrap();\n'
    "    let _c = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();\n}\n"
)


def test_vw309_the_mongodb_driver_waits_for_a_late_server(tmp_path: Path) -> None:
    compose = (
        "services:\n  api:\n    build: .\n    environment:\n      MONGODB_URI: mongodb://db:27017\n"
        "    depends_on:\n      - db\n  db:\n    image: mongo:7\n"
    )
    root = write(tmp_path / "mongo", {
        "Cargo.toml": CARGO + 'mongodb = "2"\ntokio = { version = "1", features = ["full"] }\n',
        "src/main.rs": MONGO_MAIN, "Dockerfile": IMAGE, "compose.yaml": compose,
    })
    found = lint(root, ["VW309"])
    assert [f.effective_level.value for f in found] == ["note"] and "serverSelectionTimeoutMS" in found[0].message
    # the same start with tokio-postgres connects once and fails at once
    pg = compose.replace("MONGODB_URI: mongodb://db:27017", "DATABASE_URL: postgres://u:p@db/app").replace(
        "mongo:7", "postgres:16\n    environment:\n      POSTGRES_USER: u\n      POSTGRES_PASSWORD: p\n"
        "      POSTGRES_DB: app"
    )
    root = write(tmp_path / "pg", {
        "Cargo.toml": CARGO + 'tokio-postgres = "0.7"\ntokio = { version = "1", features = ["full"] }\n',
        "src/main.rs": PG_MAIN, "Dockerfile": IMAGE, "compose.yaml": pg,
    })
    assert [f.effective_level.value for f in lint(root, ["VW309"])] == ["warning"]


MOVED = (
    "FROM rust:1.80-bookworm AS builder\nWORKDIR /build\nCOPY . .\nRUN cargo build --release && \\\n"
    "    mkdir -p /runtime/usr/local/bin && mv target/release/shop /runtime/usr/local/bin && \\\n"
    "    mv /build/bin/entrypoint.sh /runtime/usr/local/bin\n"
    "FROM debian:bookworm-slim\nCOPY --from=builder /runtime /\nUSER nobody\nENTRYPOINT [\"entrypoint.sh\"]\n"
)
FORWARDS = "#!/bin/bash\ntrap 'kill -TERM $PID' TERM\nshop &\nPID=$!\nwait $PID\n"


def test_vw402_an_entrypoint_a_builder_moves_into_place_is_read(tmp_path: Path) -> None:
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": "fn main() { loop {} }\n", "Dockerfile": MOVED,
                            "bin/entrypoint.sh": FORWARDS})
    assert lint(root, ["VW402"]) == []  # the script traps SIGTERM, forwards it and waits
    write(root, {"bin/entrypoint.sh": "#!/bin/bash\nshop &\nPID=$!\nwait $PID\n"})
    assert [f.rule_id for f in lint(root, ["VW402"])] == ["VW402"]


def test_vw309_an_r2d2_pool_new_waits_like_its_builder(tmp_path: Path) -> None:
    main = (
        "fn main() {\n    let url = std::env::var(\"DATABASE_URL\").unwrap();\n"
        "    let manager = diesel::r2d2::ConnectionManager::<diesel::PgConnection>::new(url);\n"
        "    let _pool = r2d2::Pool::new(manager).expect(\"db pool\");\n}\n"
    )
    compose = (
        "services:\n  api:\n    build: .\n    environment:\n      DATABASE_URL: postgres://u:p@db/app\n"
        "    depends_on:\n      - db\n  db:\n    image: postgres:16\n    environment:\n"
        "      POSTGRES_USER: u\n      POSTGRES_PASSWORD: p\n      POSTGRES_DB: app\n"
    )
    deps = 'diesel = { version = "2", features = ["postgres", "r2d2"] }\nr2d2 = "0.8"\n'
    root = write(tmp_path, {"Cargo.toml": CARGO + deps, "src/main.rs": main, "Dockerfile": IMAGE,
                            "compose.yaml": compose})
    assert [f.effective_level.value for f in lint(root, ["VW309"])] == ["note"]


def test_vw002_a_repeated_list_entry_is_one_clear_finding(tmp_path: Path) -> None:
    compose = (
        "services:\n  mq:\n    image: emqx/emqx:5.3.2\n    environment:\n      - A=1\n      - A=1\n"
        "    volumes:\n      - data:/data\nvolumes:\n  data:\n"
    )
    root = write(tmp_path, {"compose.yaml": compose})
    found = lint(root, ["VW002"])
    assert [(f.location.line, "listed twice" in f.message) for f in found] == [(4, True)]


def test_a_documented_generator_writes_the_env_file_and_the_config(tmp_path: Path) -> None:
    compose = (
        "services:\n  web:\n    image: nginx:1.27\n    volumes:\n      - ./nginx.conf:/etc/nginx/nginx.conf:ro\n"
        "    environment:\n      APP_DOMAIN: ${APP_DOMAIN}\n"
    )
    setup = (
        "# Setup\n\n```sh\ncargo run --bin tool env create -o .env\n"
        "cargo run --bin tool env build-nginx-conf -o nginx.conf\n```\n"
    )
    root = write(tmp_path, {"compose.yaml": compose, ".gitignore": ".env\nnginx.conf\n"})
    # the git-ignored config is each deployment's own (a note); the variable nothing defines is a warning
    assert sorted(f.effective_level.value for f in lint(root, ["VW202", "VW204"])) == ["note", "warning"]
    write(root, {"SETUP.md": setup})
    assert sorted(f.effective_level.value for f in lint(root, ["VW202", "VW204"])) == ["note", "note"]


def test_a_command_line_tool_service_without_a_subcommand_reads_nothing_at_start(tmp_path: Path) -> None:
    main = (
        "use clap::{Parser, Subcommand};\n#[derive(Parser)]\nstruct Cli {\n    #[command(subcommand)]\n"
        "    cmd: Option<Cmd>,\n    #[arg(long)]\n    docker_service: bool,\n}\n"
        "#[derive(Subcommand)]\nenum Cmd {\n    Create,\n}\n"
        "fn create() {\n    let _h = std::env::var(\"POSTGRES_HOST\").unwrap();\n}\n"
        "fn main() {\n    let cli = Cli::parse();\n    match cli.cmd {\n        Some(Cmd::Create) => create(),\n"
        "        None => {}\n    }\n}\n"
    )
    image = IMAGE.replace('CMD ["shop"]', 'ENTRYPOINT ["shop"]')
    compose = "services:\n  cli:\n    build: .\n    command: [\"--docker-service\"]\n"
    root = write(tmp_path, {"Cargo.toml": CARGO + 'clap = { version = "4", features = ["derive"] }\n',
                            "src/main.rs": main, "Dockerfile": image, "compose.yaml": compose})
    assert _cli(root) is True
    write(root, {"compose.yaml": compose.replace('["--docker-service"]', '["create"]')})
    assert _cli(root) is False  # it runs a subcommand: what that reads, it reads at start


def _cli(root: Path) -> bool:
    from viworks_lint.config import load_config
    from viworks_lint.oneshot import cli_service
    from viworks_lint.project import Project

    project = Project(root, load_config(root))
    return cli_service(project, next(svc for _c, svc in project.services()))


def test_a_stock_web_server_serving_a_built_front_end_is_aux(tmp_path: Path) -> None:
    front = (
        "FROM rust:1.80 AS build\nRUN cargo install trunk\nWORKDIR /src\nCOPY . .\nRUN trunk build --release\n"
        "FROM nginx:alpine-slim\nCOPY --from=build /src/dist /usr/share/nginx/html\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN_FRONT, "Dockerfile": front,
                            "compose.yaml": "services:\n  front:\n    build: .\n    ports: ['80:80']\n"})
    assert lint(root, ["VW401"]) == []
    write(root, {"Dockerfile": front + "COPY --from=build /src/target/release/shop /usr/local/bin/shop\n"
                                       "CMD [\"shop\"]\n"})
    assert [f.rule_id for f in lint(root, ["VW401"])] == ["VW401"]  # it runs the repository's binary


MAIN_FRONT = "fn main() {}\n"


def test_a_key_tool_output_named_without_a_dot_is_created_too(tmp_path: Path) -> None:
    compose = "services:\n  git:\n    image: gitea/gitea:1.22\n    volumes:\n      - ./id_ed25519:/keys/id_ed25519:ro\n"
    script = "#!/bin/sh\nssh-keygen -t ed25519 -f id_ed25519 -N ''\n"
    root = write(tmp_path, {"compose.yaml": compose, "setup.sh": script})
    found = lint(root, ["VW204"])
    assert [f.effective_level.value for f in found] == ["note"] and "ssh-keygen" in found[0].message
