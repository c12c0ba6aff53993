"""More situations read on unseen public repositories: swarm stacks, retry loops, env files baked into the
image, stale EXPOSE lines, documented local files, justfile dotenv loading, crates declared but never used."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint, write
from tests.unseen_fixtures import CARGO, CONNECT, IMAGE, got

SQLX = 'sqlx = { version = "0.7", features = ["postgres", "runtime-tokio"] }\ntokio = "1"\n'
STACK = (
    "services:\n  api:\n    build: .\n    environment:\n      DATABASE_URL: postgres://app:pw@db/app\n"
    "  db:\n    image: postgres:16\n"
)


def _app(root: Path, files: dict[str, str]) -> Path:
    base = {"Cargo.toml": CARGO + 'tokio-postgres = "0.7"\ntokio = "1"\n', "src/main.rs": CONNECT,
            "Dockerfile": IMAGE, "compose.yaml": STACK}
    return write(root, {**base, **files})


def test_vw309_swarm_stacks_and_hand_written_retries(tmp_path: Path) -> None:
    plain = _app(tmp_path / "plain", {})
    assert [r for r, *_ in got(lint(plain, ["VW309"]), plain)] == ["VW309"]
    swarm = _app(tmp_path / "swarm", {"deploy.sh": "#!/bin/sh\ndocker stack deploy -c compose.yaml shop\n"})
    assert lint(swarm, ["VW309"]) == []  # swarm ignores depends_on and restarts the task
    retry = _app(tmp_path / "retry", {"src/main.rs": (
        "#[tokio::main]\nasync fn main() {\n"
        '    let url = std::env::var("DATABASE_URL").unwrap();\n    let _c = loop {\n'
        "        match tokio_postgres::connect(&url, tokio_postgres::NoTls).await {\n"
        "            Ok(c) => break c,\n"
        "            Err(_) => tokio::time::sleep(std::time::Duration::from_secs(1)).await,\n        }\n    };\n}\n"
    )})
    assert lint(retry, ["VW309"]) == []


def test_vw201_an_env_file_copy_dot_puts_in_the_image(tmp_path: Path) -> None:
    code = (
        "fn main() {\n    dotenvy::dotenv().ok();\n"
        '    let _k = std::env::var("API_KEY").expect("API_KEY");\n}\n'
    )
    image = "FROM rust:1.80\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\nRUN cargo clean -p shop\n" \
            'CMD ["./target/release/shop"]\n'
    root = write(tmp_path, {
        "Cargo.toml": CARGO + 'dotenvy = "0.15"\n', "src/main.rs": code, "Dockerfile": image,
        "compose.yaml": "services:\n  api:\n    build: .\n", ".env": "API_KEY=k-123\n",
    })
    assert lint(root, ["VW201"]) == []  # `COPY . .` took `.env` along; a later RUN does not remove it
    write(root, {".dockerignore": ".env\n"})
    assert [f.rule_id for f in lint(root, ["VW201"])] == ["VW201"]


def test_vw303_a_stale_expose_is_a_note_once(tmp_path: Path) -> None:
    code = 'fn main() { let _l = std::net::TcpListener::bind("0.0.0.0:8080").unwrap(); }\n'
    image = IMAGE.replace("USER nobody\n", "USER nobody\nEXPOSE 80\n")  # 8
    compose = "services:\n  api1:\n    build: .\n    network_mode: host\n  api2:\n    build: .\n    network_mode: host\n"
    root = write(tmp_path / "a", {"Cargo.toml": CARGO, "src/main.rs": code, "Dockerfile": image,
                                  "compose.yaml": compose})
    assert got(lint(root, ["VW303"]), root) == [("VW303", "Dockerfile", 8, "note")]
    traefik = "services:\n  api:\n    build: .\n    labels:\n      - traefik.enable=true\n"
    root2 = write(tmp_path / "b", {"Cargo.toml": CARGO, "src/main.rs": code, "Dockerfile": image,
                                   "compose.yaml": traefik})
    assert got(lint(root2, ["VW303"]), root2) == [("VW303", "Dockerfile", 8, "error")]


def test_vw203_a_gitignored_env_file_the_readme_asks_for(tmp_path: Path) -> None:
    compose = "services:\n  api:\n    image: example/api:1\n    env_file: docker.env\n"
    root = write(tmp_path, {"compose.yaml": compose, ".gitignore": "docker.env\n",
                            "README.md": "Create a `docker.env` file with the database settings.\n"})
    assert got(lint(root, ["VW203"]), root) == [("VW203", "compose.yaml", 4, "note")]
    write(root, {".gitignore": "target/\n"})  # not ignored on purpose: it is simply missing
    assert got(lint(root, ["VW203"]), root) == [("VW203", "compose.yaml", 4, "error")]


def test_readme_install_folder_steps_and_stack_exports(tmp_path: Path) -> None:
    compose = (
        "services:\n  proxy:\n    image: traefik:3.0\n    command: --certificatesresolvers.le.acme.email=${EMAIL}\n"
        "    volumes:\n      - ./acme.json:/acme.json\n"
    )
    readme = (
        "## Install\n\n```sh\nmkdir -p /srv/app\ncd /srv/app\nwget https://example.org/compose.yaml\n"
        "touch acme.json\nexport EMAIL=me@example.org\ndocker stack deploy -c compose.yaml app\n```\n"
    )
    root = write(tmp_path, {"compose.yaml": compose, "README.md": readme})
    assert got(lint(root, ["VW202", "VW204"]), root) == [("VW204", "compose.yaml", 6, "note")]


def test_ci_compose_action_and_justfile_dotenv_load(tmp_path: Path) -> None:
    workflow = (
        "on: push\njobs:\n  store:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
        "      - uses: hoverkraft-tech/compose-action@v2\n        with:\n          compose-file: tools/stack.yaml\n"
    )
    root = write(tmp_path / "ci", {".github/workflows/ci.yml": workflow,
                                   "tools/stack.yaml": "services:\n  r:\n    image: redis:7\n    ports: ['6379:6379']\n"})
    from viworks_lint.config import load_config
    from viworks_lint.project import Project

    project = Project(root, load_config(root))
    assert project.scope_of(root / "tools/stack.yaml").value == "ci"
    compose = "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_USER: ${PG_USER}\n"
    just = write(tmp_path / "just", {
        "justfile": "set dotenv-load := true\n\ndb:\n    docker compose -f infra/compose.yaml up -d\n",
        "infra/compose.yaml": compose, ".env.example": "PG_USER=app\n",
        "README.md": "    cp .env.example .env\n", ".gitignore": ".env\n",
    })
    assert [lvl for *_, lvl in got(lint(just, ["VW202"]), just)] == ["note"]  # from the root .env template
    write(just, {"justfile": "db:\n    docker compose -f infra/compose.yaml up -d\n"})
    assert [lvl for *_, lvl in got(lint(just, ["VW202"]), just)] == ["warning"]


def test_vw205_a_declared_crate_no_code_uses_links_nothing(tmp_path: Path) -> None:
    cargo = CARGO + 'diesel = { version = "2", features = ["postgres"] }\n'
    image = (
        "FROM rust:1.80-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
        "FROM debian:bookworm-slim\nCOPY --from=build /src/target/release/shop /usr/local/bin/shop\n"
        'CMD ["shop"]\n'
    )
    root = write(tmp_path, {"Cargo.toml": cargo, "src/main.rs": "fn main() {}\n", "Dockerfile": image})
    assert lint(root, ["VW205"]) == []
    write(root, {"src/main.rs": "use diesel::prelude::*;\nfn main() {}\n"})
    assert [f.rule_id for f in lint(root, ["VW205"])] == ["VW205"]


def test_vw205_names_the_libssl_of_the_release_the_binary_was_built_on(tmp_path: Path) -> None:
    # buster-slim has no libssl (bullseye-slim does: its PAM modules pull in Kerberos, which links libssl1.1)
    cargo = CARGO + 'openssl = "0.10"\n'
    image = (
        "FROM rust:1.70-buster AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
        "FROM debian:buster-slim\nCOPY --from=build /src/target/release/shop /usr/local/bin/shop\n"
        'CMD ["shop"]\n'
    )
    root = write(tmp_path, {"Cargo.toml": cargo, "src/main.rs": "use openssl::ssl;\nfn main() {}\n",
                            "Dockerfile": image})
    msgs = [f.message for f in lint(root, ["VW205"]) if "libssl" in f.message]
    assert msgs and "libssl.so.1.1" in msgs[0] and "libssl1.1" in msgs[0], msgs


def test_vw110_a_missing_input_of_two_stages_is_one_finding(tmp_path: Path) -> None:
    image = (
        "FROM rust:1.80 AS planner\nWORKDIR /src\nCOPY api api\nWORKDIR /src/api\nRUN cargo build --release\n"  # 5
        "FROM rust:1.80 AS builder\nWORKDIR /src\nCOPY --from=planner /src/api/Cargo.toml /tmp/\n"
        "COPY api api\nWORKDIR /src/api\nRUN cargo build --release\n"  # 11
        "FROM debian:bookworm-slim\nCOPY --from=builder /src/api/target/release/api /api\nCMD [\"/api\"]\n"
    )
    root = write(tmp_path, {
        "api/Cargo.toml": CARGO.replace('"shop"', '"api"') + 'shared = { path = "../shared" }\n',
        "api/src/main.rs": "fn main() {}\n",
        "shared/Cargo.toml": CARGO.replace('"shop"', '"shared"'), "shared/src/lib.rs": "",
        "Dockerfile": image,
    })
    assert [(r, n) for r, _p, n, _lvl in got(lint(root, ["VW110"]), root)] == [("VW110", 5)]


def test_vw309_redis_connections_a_handler_opens_per_request(tmp_path: Path) -> None:
    compose = (
        "services:\n  api:\n    build: .\n    environment:\n      REDIS_URL: redis://cache:6379\n"
        "    depends_on: [cache]\n  cache:\n    image: redis:7\n"
    )
    handler = (
        "use redis::AsyncCommands;\n#[tokio::main]\nasync fn main() {\n"
        '    let client = redis::Client::open(std::env::var("REDIS_URL").unwrap()).unwrap();\n'
        "    serve(client).await;\n}\n"
        "async fn serve(_c: redis::Client) {}\n"
        "async fn list_entries(client: redis::Client) -> Vec<String> {\n"
        "    let mut conn = client.get_multiplexed_async_connection().await.unwrap();\n"
        '    conn.lrange("entries", 0, -1).await.unwrap()\n}\n'
    )
    files = {"Cargo.toml": CARGO + 'redis = { version = "0.25", features = ["tokio-comp"] }\ntokio = "1"\n',
             "src/main.rs": handler, "Dockerfile": IMAGE, "compose.yaml": compose}
    root = write(tmp_path / "handler", files)
    assert [lvl for *_, lvl in got(lint(root, ["VW309"]), root)] == ["note"]
    setup = handler.replace("async fn list_entries", "async fn connect_cache")
    root2 = write(tmp_path / "setup", {**files, "src/main.rs": setup})
    assert [lvl for *_, lvl in got(lint(root2, ["VW309"]), root2)] == ["warning"]


def test_hardening_of_a_dockerfile_nothing_builds_and_that_cannot_build_is_advice(tmp_path: Path) -> None:
    stale = (
        "FROM rust:1.80-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
        "FROM debian:bookworm-slim\nCOPY --from=build /src/target/release/old-name /usr/local/bin/app\n"
        'CMD ["app"]\n'
    )
    root = write(tmp_path / "a", {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": stale})
    levels = got(lint(root, ["VW106", "VW401", "VW402"]), root)
    assert levels == [("VW106", "Dockerfile", 6, "error"), ("VW401", "Dockerfile", 5, "note"),
                   ("VW402", "Dockerfile", 7, "note")]
    root2 = write(tmp_path / "b", {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": stale,
                                   "compose.yaml": "services:\n  app:\n    build: .\n"})
    levels2 = got(lint(root2, ["VW106", "VW401", "VW402"]), root2)
    assert [lvl for *_, lvl in levels2] == ["error", "warning", "warning"]  # compose builds it: fix both
