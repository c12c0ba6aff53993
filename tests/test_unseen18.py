"""Situations read on an eighteenth set of unseen repositories: a front end served by nginx that shares an env file
with the backend, a compose file that only builds an image running `cargo run`, and an entrypoint that starts the
app in the background as its user and waits for it."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint, write
from tests.unseen_fixtures import CARGO, CONNECT, IMAGE, got, scope_of

MAIN = "fn main() {}\n"
DEPS = 'tokio = { version = "1", features = ["full"] }\ntokio-postgres = "0.7"\n'


def test_vw309_an_nginx_front_end_with_a_shared_env_file_connects_to_nothing(tmp_path: Path) -> None:
    front = "FROM node:20 AS build\nWORKDIR /w\nCOPY . .\nRUN npm ci && npm run build\n" \
        "FROM nginx:alpine-slim\nCOPY --from=build /w/dist /usr/share/nginx/html\n"
    compose = (
        "services:\n  frontend:\n    build: ./frontend\n    env_file: app.env\n"
        "  backend:\n    build: .\n    env_file: app.env\n    depends_on:\n      db:\n        condition: service_healthy\n"
        "  db:\n    image: postgres:16\n    healthcheck:\n      test: [\"CMD\", \"pg_isready\"]\n      start_period: 10s\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO + DEPS, "src/main.rs": CONNECT, "Dockerfile": IMAGE,
                            "frontend/Dockerfile": front, "frontend/package.json": "{}\n", "compose.yaml": compose,
                            "app.env": "DATABASE_URL=postgres://u:p@db/shop\n"})
    assert lint(root, ["VW309"]) == []
    # the same front end image with a program of its own (a node server) may connect: it is checked
    write(root, {"frontend/Dockerfile": front + 'CMD ["node", "server.js"]\n'})
    assert [f.message.split("`")[1] for f in lint(root, ["VW309"])] == ["frontend"]


def test_a_compose_file_that_only_builds_a_cargo_run_image_is_a_dev_stack(tmp_path: Path) -> None:
    image = "FROM rust:1.80\nWORKDIR /app\nCOPY . .\nCMD [\"cargo\", \"run\"]\n"
    compose = "services:\n  web:\n    build: .\n  db:\n    image: postgres:16\n    ports: ['5432:5432']\n"
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": image, "compose.yaml": compose})
    assert scope_of(root, "compose.yaml") == "dev"
    write(root, {"Dockerfile": IMAGE})
    assert scope_of(root, "compose.yaml") == "deploy"


def test_vw401_an_app_started_in_the_background_as_its_user_and_waited_for(tmp_path: Path) -> None:
    script = "#!/bin/sh\nnginx\ngosu app /app/shop &\nPID=$!\nwait $PID\n"
    image = (
        "FROM rust:1.80-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
        "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y gosu nginx && useradd app\n"
        "COPY --from=build /src/target/release/shop /app/shop\nCOPY --chmod=0755 start.sh /start.sh\n"
        "CMD [\"/start.sh\"]\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": image, "start.sh": script})
    assert lint(root, ["VW401"]) == []
    write(root, {"start.sh": script.replace("wait $PID\n", "sleep 1\n")})  # nothing waits: no claim of a drop
    assert got(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 5, "warning")]


def test_a_dockerfile_whose_header_calls_it_an_example_is_dev_when_nothing_builds_it(tmp_path: Path) -> None:
    header = "# An example Dockerfile showing how to build a Rust executable and ship it in Alpine.\n"
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": header + IMAGE})
    assert scope_of(root, "Dockerfile") == "dev"
    write(root, {"compose.yaml": "services:\n  api:\n    build: .\n"})
    assert scope_of(root, "Dockerfile") == "deploy"  # a compose file builds it: it is what the stack runs


def test_vw205_an_https_client_a_dependency_uses_only_in_its_build_script(tmp_path: Path) -> None:
    lock = (
        "version = 3\n\n[[package]]\nname = \"shop\"\nversion = \"0.1.0\"\ndependencies = [\"{dep}\"]\n\n"
        "[[package]]\nname = \"{dep}\"\nversion = \"8.0.0\"\n"
        "source = \"registry+https://github.com/rust-lang/crates.io-index\"\ndependencies = [\"reqwest\"]\n\n"
        "[[package]]\nname = \"reqwest\"\nversion = \"0.12.0\"\n"
        "source = \"registry+https://github.com/rust-lang/crates.io-index\"\ndependencies = [\"native-tls\"]\n\n"
        "[[package]]\nname = \"native-tls\"\nversion = \"0.2.0\"\n"
        "source = \"registry+https://github.com/rust-lang/crates.io-index\"\n"
    )
    image = IMAGE.replace("USER nobody\n", "")
    files = {"Dockerfile": image}
    root = write(tmp_path / "a", {**files, "Cargo.toml": CARGO + 'utoipa-swagger-ui = "8"\n',
                                  "src/main.rs": "use utoipa_swagger_ui as _;\n" + MAIN,
                                  "Cargo.lock": lock.replace("{dep}", "utoipa-swagger-ui")})
    assert [f for f in lint(root, ["VW205"]) if "CA certificates" in f.message] == []
    # a crate whose reqwest is its own, in the binary: the CA store is needed
    root = write(tmp_path / "b", {**files, "Cargo.toml": CARGO + 'octo = "8"\n',
                                  "src/main.rs": "use octo as _;\n" + MAIN, "Cargo.lock": lock.replace("{dep}", "octo")})
    assert [f.rule_id for f in lint(root, ["VW205"]) if "CA certificates" in f.message] == ["VW205"]


def test_vw201_a_helper_only_tests_reach_is_no_runtime_read(tmp_path: Path) -> None:
    helpers = (
        "pub fn setup_test_db() -> String {\n    std::env::var(\"TEST_DATABASE_URL\").expect(\"set it in .env.test\")\n}\n"
    )
    tests = (
        "use crate::helpers::setup_test_db;\nfn create_test_app() -> String {\n    setup_test_db()\n}\n"
        "#[test]\nfn it_works() {\n    let _ = create_test_app();\n}\n"
    )
    main = "pub mod helpers;\npub mod tests;\nfn main() {}\n"
    compose = "services:\n  api:\n    build: .\n"
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": main, "src/helpers.rs": helpers, "src/tests.rs": tests,
                            "Dockerfile": IMAGE, "compose.yaml": compose})
    assert lint(root, ["VW201"]) == []
    # called by main as well: the program reads it at start
    write(root, {"src/main.rs": main.replace("fn main() {}", "fn main() {\n    let _ = helpers::setup_test_db();\n}")})
    assert [f.rule_id for f in lint(root, ["VW201"])] == ["VW201"]


def test_vw309_a_short_sql_schema_in_the_init_folder_does_not_outlast_a_waiting_pool(tmp_path: Path) -> None:
    code = (
        "use sqlx::postgres::PgPoolOptions;\n#[tokio::main]\nasync fn main() {\n"
        "    let url = std::env::var(\"DATABASE_URL\").unwrap();\n"
        "    let _p = PgPoolOptions::new().connect(&url).await.unwrap();\n}\n"
    )
    compose = (
        "services:\n  api:\n    build: .\n    environment:\n      DATABASE_URL: postgres://u:p@db/shop\n"
        "    depends_on: [db]\n  db:\n    image: postgres:16\n    volumes:\n"
        "      - ./init.sql:/docker-entrypoint-initdb.d/init.sql\n"
    )
    cargo = CARGO + 'tokio = { version = "1", features = ["full"] }\nsqlx = { version = "0.7", features = ["postgres"] }\n'
    schema = "CREATE TABLE items (id serial PRIMARY KEY, name text);\n"
    root = write(tmp_path, {"Cargo.toml": cargo, "src/main.rs": code, "Dockerfile": IMAGE, "compose.yaml": compose,
                            "init.sql": schema})
    assert [f.effective_level.value for f in lint(root, ["VW309"])] == ["note"]
    write(root, {"init.sql": schema * 400})  # a long dump: the first start may outlast the pool's 30 s
    assert [f.effective_level.value for f in lint(root, ["VW309"])] == ["warning"]



def test_vw402_an_image_a_test_stack_also_builds_from_its_own_folder(tmp_path: Path) -> None:
    code = (
        "#[tokio::main]\nasync fn main() {\n    let mut t = tokio::signal::unix::signal("
        "tokio::signal::unix::SignalKind::terminate()).unwrap();\n    t.recv().await;\n}\n"
    )
    image = (
        "FROM rust:1.80-bookworm AS builder\nWORKDIR /src\nCOPY . .\nRUN cargo build --release -p shop\n"
        "FROM debian:bookworm-slim\nCOPY --from=builder /src/target/release/shop /usr/local/bin/shop\nEXPOSE 80\n"
        "ENTRYPOINT [\"shop\"]\n"
    )
    cargo = CARGO + 'tokio = { version = "1", features = ["full"] }\n'
    # a test stack builds the same Dockerfile from its own folder, where no Cargo.toml is: that build is not linked
    tests = "services:\n  shop:\n    build:\n      context: .\n      dockerfile: ../Dockerfile\n"
    root = write(tmp_path, {"Cargo.toml": cargo, "src/main.rs": code, "Dockerfile": image,
                            "compose.yaml": "services:\n  shop:\n    build: .\n", "tests/compose.yaml": tests})
    assert lint(root, ["VW402"]) == []  # its code stops on SIGTERM and starts no child
    write(root, {"src/main.rs": "#[tokio::main]\nasync fn main() {\n    std::future::pending::<()>().await;\n}\n"})
    assert [f.rule_id for f in lint(root, ["VW402"])] == ["VW402"]


def test_vw309_a_lazy_sqlx_pool_built_in_a_library_crate_opens_nothing_at_start(tmp_path: Path) -> None:
    lib = (
        "use sqlx::postgres::PgPoolOptions;\npub fn pool(url: &str) -> sqlx::PgPool {\n"
        "    PgPoolOptions::new().max_connections(5).{call}(url).unwrap()\n}}\n"
    )
    main = "fn main() {\n    let url = std::env::var(\"DATABASE_URL\").unwrap();\n    let _p = db::pool(&url);\n}\n"
    cargo = CARGO + 'db = { path = "db" }\n'
    db_cargo = '[package]\nname = "db"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\nsqlx = "0.7"\n'
    compose = (
        "services:\n  api:\n    build: .\n    environment:\n      DATABASE_URL: postgres://u:p@db/shop\n"
        "    depends_on: [db]\n  db:\n    image: postgres:16\n"
    )
    files = {"Cargo.toml": cargo, "src/main.rs": main, "db/Cargo.toml": db_cargo, "Dockerfile": IMAGE,
             "compose.yaml": compose}
    root = write(tmp_path / "lazy", {**files, "db/src/lib.rs": lib.replace("{call}", "connect_lazy").replace("}}", "}")})
    assert [f.effective_level.value for f in lint(root, ["VW309"])] in ([], ["note"])
    root = write(tmp_path / "plain", {**files, "db/src/lib.rs": lib.replace("{call}", "connect_blocking").replace("}}", "}")})
    assert [f.effective_level.value for f in lint(root, ["VW309"])] == ["warning"]
