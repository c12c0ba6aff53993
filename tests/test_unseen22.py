"""Situations read on a twenty-second set of unseen repositories: a launcher that forwards signals to the app
(`dockerize -wait`), and more."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint, write
from tests.unseen_fixtures import CARGO, CONNECT, got

MAIN = "fn main() {}\n"
SPAWNS = 'fn main() {\n    let _c = std::process::Command::new("worker").spawn();\n}\n'


def _image(start: str) -> str:
    return (
        "FROM rust:1.80-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
        "FROM debian:bookworm-slim\nCOPY --from=build /src/target/release/shop /usr/local/bin/shop\n"
        f"USER nobody\n{start}\n"
    )


def test_vw402_dockerize_forwards_the_stop_signal_to_the_app(tmp_path: Path) -> None:
    """dockerize stays PID 1 and passes SIGTERM on to the command it starts: the app is not PID 1."""
    start = 'CMD ["dockerize", "-wait", "tcp://db:5432", "-timeout", "30s", "shop"]'
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": _image(start)})
    assert lint(root, ["VW402"]) == []
    # it reaps only the command it started: an app that spawns children still needs an init
    write(root, {"src/main.rs": SPAWNS})
    assert got(lint(root, ["VW402"]), root) == [("VW402", "Dockerfile", 8, "warning")]
    # a launcher that does not forward signals is no such thing
    write(root, {"src/main.rs": MAIN, "Dockerfile": _image('CMD ["wait-for", "db:5432", "--", "shop"]')})
    assert got(lint(root, ["VW402"]), root) == [("VW402", "Dockerfile", 8, "warning")]


def test_vw105_a_retired_crate_under_archive_is_not_built(tmp_path: Path) -> None:
    """A crate kept under `archive/`, outside the workspace, whose path dependencies moved away: nothing builds it;
    the same crate in the workspace (or depended on) is checked, and one under `examples/` is a note."""
    ws = '[workspace]\nmembers = ["api"]\n'
    old = '[package]\nname = "old"\nversion = "0.1.0"\n\n[dependencies]\ncommon = { path = "../common" }\n'
    root = write(tmp_path, {"Cargo.toml": ws, "api/Cargo.toml": CARGO, "api/src/main.rs": MAIN,
                            "archive/old/Cargo.toml": old, "archive/old/src/lib.rs": ""})
    assert lint(root, ["VW105"]) == []
    write(root, {"Cargo.toml": '[workspace]\nmembers = ["api", "archive/old"]\n'})
    assert got(lint(root, ["VW105"]), root) == [("VW105", "archive/old/Cargo.toml", 6, "error")]
    write(root, {"Cargo.toml": ws, "examples/old/Cargo.toml": old, "examples/old/src/lib.rs": ""})
    found = lint(root, ["VW105"])
    assert got(found, root) == [("VW105", "examples/old/Cargo.toml", 6, "note")]
    assert "belongs to an example (in `examples/`)" in found[0].message
    # an example another crate depends on is built with it
    write(root, {"api/Cargo.toml": CARGO + 'old = { path = "../examples/old" }\n'})
    assert got(lint(root, ["VW105"]), root) == [("VW105", "examples/old/Cargo.toml", 6, "error")]


GO_IMAGE = "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nFROM alpine\n" \
    "COPY --from=build /app /app\nCMD [\"/app\"]\n"


def test_vw309_a_go_service_is_only_a_note(tmp_path: Path) -> None:
    """How a Go service connects is not read: whether it exits when the database starts late is not known."""
    compose = (
        "services:\n  billing:\n    build: ./billing\n    environment:\n"
        "      DATABASE_URL: postgres://u:p@db/shop\n    depends_on:\n      - db\n"
        "  db:\n    image: postgres:16\n"
    )
    root = write(tmp_path, {"docker-compose.yml": compose, "billing/Dockerfile": GO_IMAGE,
                            "billing/go.mod": "module billing\n", "billing/main.go": "package main\n"})
    found = lint(root, ["VW309"])
    assert got(found, root) == [("VW309", "docker-compose.yml", 7, "note")]
    assert "runs no Rust code of this repository" in found[0].message


BB8 = (
    "use bb8::Pool;\nuse bb8_redis::RedisConnectionManager;\n#[tokio::main]\nasync fn main() {{\n"
    '    let url = std::env::var("REDIS_URL").unwrap();\n'
    "    let manager = RedisConnectionManager::new(url).unwrap();\n"
    "    let _pool = Pool::builder(){extra}.build(manager).await.unwrap();\n}}\n"
)


def test_vw309_a_bb8_pool_without_min_idle_opens_no_connection_at_start(tmp_path: Path) -> None:
    compose = (
        "services:\n  api:\n    build: .\n    environment:\n      REDIS_URL: redis://cache:6379\n"
        "    depends_on:\n      - cache\n  cache:\n    image: redis:7\n"
    )
    image = (
        "FROM rust:1.80-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
        "FROM debian:bookworm-slim\nCOPY --from=build /src/target/release/shop /usr/local/bin/shop\n"
        'USER nobody\nCMD ["shop"]\n'
    )
    deps = 'tokio = { version = "1", features = ["full"] }\nbb8 = "0.8"\nbb8-redis = "0.14"\n'
    root = write(tmp_path, {"Cargo.toml": CARGO + deps, "src/main.rs": BB8.format(extra=""),
                            "Dockerfile": image, "docker-compose.yml": compose})
    assert got(lint(root, ["VW309"]), root) == [("VW309", "docker-compose.yml", 7, "note")]
    # `min_idle` makes `build` open connections before it returns
    write(root, {"src/main.rs": BB8.format(extra=".min_idle(Some(1))")})
    assert got(lint(root, ["VW309"]), root) == [("VW309", "docker-compose.yml", 7, "warning")]


def test_vw309_a_stub_build_then_cargo_watch_compiles_the_app_at_start(tmp_path: Path) -> None:
    """`cargo build` of a stub `main` caches the dependencies; the sources come after it, so `cargo watch -x run`
    compiles the app when the container starts, long after the datastore is up."""
    image = (
        "FROM rust:1.76\nWORKDIR /app\nRUN cargo install cargo-watch\nCOPY Cargo.toml Cargo.toml\n"
        "RUN mkdir src && echo 'fn main() {}' > src/main.rs\nRUN cargo build\nCOPY src src\n"
        'CMD ["cargo", "watch", "-x", "run"]\n'
    )
    compose = (
        "services:\n  api:\n    build: .\n    environment:\n      DATABASE_URL: postgres://u:p@db/shop\n"
        "    depends_on:\n      - db\n  db:\n    image: postgres:16\n"
    )
    deps = 'tokio = { version = "1", features = ["full"] }\ntokio-postgres = "0.7"\n'
    connect = (
        "#[tokio::main]\nasync fn main() {\n"
        '    let url = std::env::var("DATABASE_URL").unwrap();\n'
        "    let _c = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();\n}\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO + deps, "src/main.rs": connect, "Dockerfile": image,
                            "docker-compose.yml": compose})
    assert lint(root, ["VW309"]) == []
    # the sources built into the image before `cargo watch`: it starts at once and races the database
    write(root, {"Dockerfile": image.replace("RUN cargo build\nCOPY src src\n", "COPY src src\nRUN cargo build\n")})
    assert got(lint(root, ["VW309"]), root) == [("VW309", "docker-compose.yml", 7, "warning")]


def test_vw204_a_subsection_runs_where_its_section_cd_left_the_terminal(tmp_path: Path) -> None:
    """`## Prepare` says `cd docker`; its `### Full stack` subsection's `mkdir -p ../storage` runs from there."""
    compose = "services:\n  app:\n    build: ..\n    user: \"1000\"\n    volumes:\n      - ../storage:/app/storage\n"
    doc = (
        "# Deploy\n\n## Prepare\n\nAll commands run from `docker/`:\n\n```bash\ncd docker\n```\n\n"
        "### Full stack\n\n```bash\nmkdir -p ../storage\n```\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "docker/docker-compose.yml": compose,
                            "docker/DEPLOY.md": doc, ".gitignore": "storage/\n"})
    found = lint(root, ["VW204"])
    assert got(found, root) == [("VW204", "docker/docker-compose.yml", 6, "note")]
    assert "mkdir -p ../storage" in found[0].message
    # a sibling section does not inherit another subsection's `cd`
    doc2 = (
        "# Deploy\n\n## Prepare\n\n### One\n\n```bash\ncd docker\n```\n\n"
        "### Two\n\n```bash\nmkdir -p ../storage\n```\n"
    )
    write(root, {"docker/DEPLOY.md": doc2})
    assert got(lint(root, ["VW204"]), root) == [("VW204", "docker/docker-compose.yml", 6, "error")]


def test_vw204_a_folder_the_app_never_names_is_a_note(tmp_path: Path) -> None:
    """`./logs:/app/logs` for a non-root container whose code logs to stderr: nothing writes there."""
    compose = (
        "services:\n  api:\n    build: .\n    volumes:\n      - ./uploads:/app/uploads\n      - ./logs:/app/logs\n"
    )
    code = 'fn main() {\n    let _ = std::fs::write("/app/uploads/x", b"");\n}\n'
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": code, "docker-compose.yml": compose,
                            "Dockerfile": _image('CMD ["shop"]'), ".gitignore": "uploads/\nlogs/\n"})
    assert got(lint(root, ["VW204"]), root) == [
        ("VW204", "docker-compose.yml", 5, "error"), ("VW204", "docker-compose.yml", 6, "note"),
    ]
    # a variable that passes the path (a file appender's folder) is a use
    write(root, {"docker-compose.yml": compose + "    environment:\n      LOG_DIR: /app/logs\n"})
    assert got(lint(root, ["VW204"]), root) == [
        ("VW204", "docker-compose.yml", 5, "error"), ("VW204", "docker-compose.yml", 6, "error"),
    ]


FALLBACK = (
    "fn main() {\n"
    '    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| {\n'
    '        let host = std::env::var("POSTGRES_HOST").unwrap_or_else(|_| "localhost".into());\n'
    '        let user = std::env::var("POSTGRES_USER").expect("POSTGRES_USER");\n'
    '        format!("postgres://{user}@{host}/shop")\n'
    "    });\n"
    '    let _c = postgres::Client::connect(&url, postgres::NoTls).unwrap();\n}\n'
)


def test_vw208_vw201_the_fallback_of_a_variable_compose_sets_is_never_read(tmp_path: Path) -> None:
    """`POSTGRES_HOST` (default `localhost`) and `POSTGRES_USER` are read only when `DATABASE_URL` is unset."""
    compose = (
        "services:\n  api:\n    build: .\n    environment:\n      DATABASE_URL: postgres://u:p@db/shop\n"
        "  db:\n    image: postgres:16\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO + 'postgres = "0.19"\n', "src/main.rs": FALLBACK,
                            "Dockerfile": _image('CMD ["shop"]'), "docker-compose.yml": compose})
    assert lint(root, ["VW201", "VW208"]) == []
    # without DATABASE_URL the fallback runs: its default points at the container itself, its `expect` fails
    write(root, {"docker-compose.yml": compose.replace("      DATABASE_URL: postgres://u:p@db/shop\n",
                                                       "      RUST_LOG: info\n")})
    assert {f.rule_id for f in lint(root, ["VW201", "VW208"])} == {"VW201", "VW208"}


def test_vw102_sources_under_one_missing_folder_are_one_finding(tmp_path: Path) -> None:
    image = (
        "FROM node:20 AS web\nWORKDIR /app\nCOPY frontend/package.json ./\nRUN npm install\nCOPY frontend ./\n"
        "RUN npm run build\n"
        "FROM rust:1.80-bookworm AS build\nWORKDIR /src\nCOPY Cargo.toml Cargo.lock ./\nCOPY src ./src\n"
        "COPY migrations ./migrations\nRUN cargo build --release\n"
        "FROM debian:bookworm-slim\nCOPY --from=build /src/target/release/shop /usr/local/bin/shop\n"
        "COPY --from=web /app/dist /srv\nCOPY config.toml /etc/shop.toml\nUSER nobody\nCMD [\"shop\"]\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": image, "Cargo.lock": "",
                            "migrations/1.sql": ""})
    found = lint(root, ["VW102"])
    assert got(found, root) == [("VW102", "Dockerfile", 3, "error"), ("VW102", "Dockerfile", 16, "error")]
    assert [r.location.line for r in found[0].related if r.message.startswith("also under")] == [5]


def test_vw204_a_deploy_job_copies_the_file_into_the_servers_checkout(tmp_path: Path) -> None:
    compose = (
        "services:\n  web:\n    image: nginx:1.27\n    volumes:\n      - ./deploy/auth.htpasswd:/etc/nginx/auth:ro\n"
    )
    workflow = (
        "jobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n"
        '          printf "%s" "$HTPASSWD" > "$RUNNER_TEMP/auth.htpasswd"\n'
        '          scp "$RUNNER_TEMP/auth.htpasswd" "deploy@$HOST:$DEPLOY_PATH/deploy/auth.htpasswd"\n'
        '          scp compose.yml "deploy@$HOST:$DEPLOY_PATH/compose.yml"\n'
    )
    root = write(tmp_path, {"compose.yml": compose, "deploy/nginx.conf": "", ".github/workflows/deploy.yml": workflow})
    found = lint(root, ["VW204"])
    assert got(found, root) == [("VW204", "compose.yml", 5, "note")]
    assert "scp" in found[0].message
    # a copy to an absolute server folder says nothing about this checkout
    write(root, {".github/workflows/deploy.yml": workflow.replace("$DEPLOY_PATH/deploy/", "/etc/")})
    assert got(lint(root, ["VW204"]), root) == [("VW204", "compose.yml", 5, "error")]
    # nor does a folder where nothing shows the repository's compose runs
    no_compose = workflow.replace('          scp compose.yml "deploy@$HOST:$DEPLOY_PATH/compose.yml"\n', "")
    write(root, {".github/workflows/deploy.yml": no_compose})
    assert got(lint(root, ["VW204"]), root) == [("VW204", "compose.yml", 5, "error")]


LOOPBACK = (
    "#[actix_web::main]\nasync fn main() -> std::io::Result<()> {\n"
    '    let port = std::env::var("PORT").unwrap_or("8090".to_string());\n'
    '    let address = format!("{HOST}:{}", port);\n'
    "    actix_web::HttpServer::new(|| actix_web::App::new()).bind(address)?.run().await\n}\n"
)


def test_vw207_an_image_no_compose_runs_that_binds_loopback_literally(tmp_path: Path) -> None:
    """A shipped image (CI pushes it) whose code binds `127.0.0.1` is unreachable through `docker run -p`."""
    workflow = (
        "on: push\njobs:\n  image:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: docker build . -t acme/shop && docker push acme/shop\n"
    )
    deps = 'actix-web = "4"\n'
    root = write(tmp_path, {"Cargo.toml": CARGO + deps, "src/main.rs": LOOPBACK.replace("{HOST}", "127.0.0.1"),
                            "Dockerfile": _image('CMD ["shop"]'), ".github/workflows/image.yml": workflow})
    assert got(lint(root, ["VW207"]), root) == [("VW207", "src/main.rs", 5, "error")]
    write(root, {"src/main.rs": LOOPBACK.replace("{HOST}", "0.0.0.0")})
    assert lint(root, ["VW207"]) == []


PROBE = (
    "fn free(port: u16) -> bool {\n"
    '    std::net::TcpListener::bind(("127.0.0.1", port)).is_ok()\n'
    "}\n"
    "#[actix_web::main]\nasync fn main() -> std::io::Result<()> {\n"
    "    let _ = free(9000);\n"
    '    actix_web::HttpServer::new(|| actix_web::App::new()).bind(("0.0.0.0", 8080))?.run().await\n}\n'
)


def test_vw207_a_port_probe_and_a_cli_image_are_no_listener(tmp_path: Path) -> None:
    """`bind(…).is_ok()` checks that a port is free and drops the listener; an image whose default command is
    `--help` is a command-line tool, whose subcommand's local echo server is its own helper."""
    deps = 'actix-web = "4"\n'
    root = write(tmp_path, {"Cargo.toml": CARGO + deps, "src/main.rs": PROBE, "Dockerfile": _image('CMD ["shop"]')})
    assert lint(root, ["VW207"]) == []
    cli = _image('ENTRYPOINT ["shop"]\nCMD ["--help"]')
    write(root, {"src/main.rs": LOOPBACK.replace("{HOST}", "127.0.0.1"), "Dockerfile": cli})
    assert lint(root, ["VW207"]) == []


STUB = (
    "FROM rust:1.83 AS build\nWORKDIR /app\nCOPY Cargo.toml Cargo.lock ./\n"
    'RUN mkdir src && echo "fn main() {}" > src/main.rs\nRUN cargo build --release\n'
    "{between}COPY src ./src\n{before}RUN cargo build --release\n"
    "FROM debian:bookworm-slim\nCOPY --from=build /app/target/release/shop /usr/local/bin/shop\n"
    'USER nobody\nCMD ["shop"]\n'
)


def _stub(
    tmp: Path, between: str = "", before: str = "", files: dict[str, str] | None = None
) -> list[tuple[str, str, int, str]]:
    image = STUB.replace("{between}", between).replace("{before}", before)
    root = write(tmp, {"Cargo.toml": CARGO, "Cargo.lock": "", "src/main.rs": MAIN, "Dockerfile": image,
                       **(files or {})})
    return got(lint(root, ["VW210"]), root)


def test_vw210_the_second_build_finds_the_stub_binary_up_to_date(tmp_path: Path) -> None:
    """COPY keeps the checkout's modification times, older than the stub build: cargo keeps the stub binary
    (rust-lang/cargo#7181), and the image ships `fn main() {}`."""
    assert _stub(tmp_path / "bare") == [("VW210", "Dockerfile", 7, "error")]
    # what makes cargo rebuild: a touch, the stub's artifacts removed, before or after the copy
    assert _stub(tmp_path / "touch", before="RUN touch src/main.rs\n") == []
    assert _stub(tmp_path / "rm", between="RUN rm -f target/release/deps/shop*\n") == []
    # a library (or a build script) copied in after the stub is new, and rebuilds the binary that links it
    assert _stub(tmp_path / "lib", files={"src/lib.rs": "pub fn f() {}\n"}) == []
    # the lock removed: the next build resolves again
    assert _stub(tmp_path / "lock", between="RUN rm Cargo.lock\n") == []


def test_vw201_an_eager_or_second_closure_read_is_no_fallback(tmp_path: Path) -> None:
    """`unwrap_or(var("B").expect(..))` evaluates its argument always; `map_or_else`'s second closure runs when
    the first variable is set: both reads happen although compose sets the first variable."""
    compose = "services:\n  api:\n    build: .\n    environment:\n      PRIMARY: x\n"
    eager = (
        "fn main() {\n"
        '    let _a = std::env::var("PRIMARY").unwrap_or(std::env::var("SECONDARY").expect("SECONDARY"));\n}\n'
    )
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": eager, "Dockerfile": _image('CMD ["shop"]'),
                            "docker-compose.yml": compose})
    assert [f.rule_id for f in lint(root, ["VW201"])] == ["VW201"]
    second = (
        "fn main() {\n"
        '    let _a = std::env::var("PRIMARY").map_or_else(|_| 0, |_p| {\n'
        '        std::env::var("SECONDARY").expect("SECONDARY").len()\n'
        "    });\n}\n"
    )
    write(root, {"src/main.rs": second})
    assert [f.rule_id for f in lint(root, ["VW201"])] == ["VW201"]


def test_code_built_from_bind_mounts_of_the_context_is_linked(tmp_path: Path) -> None:
    """`docker init`'s Rust template builds with the sources bind-mounted (`RUN --mount=type=bind,source=src,…`):
    the service's code is still the repository's, so a variable it requires is checked."""
    image = (
        "FROM rust:1.83 AS build\nWORKDIR /app\n"
        "RUN --mount=type=bind,source=src,target=src \\\n"
        "    --mount=type=bind,source=Cargo.toml,target=Cargo.toml \\\n"
        "    --mount=type=cache,target=/app/target/ \\\n"
        "    cargo build --release && cp ./target/release/shop /bin/server\n"
        "FROM debian:bookworm-slim\nCOPY --from=build /bin/server /bin/\nUSER nobody\nCMD [\"/bin/server\"]\n"
    )
    code = 'fn main() {\n    let _k = std::env::var("API_KEY").expect("API_KEY");\n}\n'
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": code, "Dockerfile": image,
                            "docker-compose.yml": "services:\n  api:\n    build: .\n"})
    assert [(f.rule_id, f.location.line) for f in lint(root, ["VW201"])] == [("VW201", 2)]


def test_vw405_an_env_file_url_the_containers_override_is_the_hosts(tmp_path: Path) -> None:
    """`.env` says `DATABASE_URL=…@localhost:5432` and is the app's env_file, but the app's `environment:` sets its
    own: the file's value is for `cargo run` on the host, through the published port."""
    compose = (
        "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: pass\n"
        "    ports:\n      - \"5432:5432\"\n  app:\n    build: .\n    env_file: .env\n    environment:\n"
        "      DATABASE_URL: postgres://u:pass@db:5432/shop\n"
    )
    dotenv = "DATABASE_URL=postgres://u:pass@localhost:5432/shop\n"
    deps = 'tokio = { version = "1", features = ["full"] }\ntokio-postgres = "0.7"\n'
    root = write(tmp_path, {"Cargo.toml": CARGO + deps, "src/main.rs": CONNECT, "Dockerfile": _image('CMD ["shop"]'),
                            "docker-compose.yml": compose, ".env": dotenv})
    assert got(lint(root, ["VW405"]), root) == [("VW405", "docker-compose.yml", 7, "note")]
    # a file that points at the service's name: no evidence of a host-run app
    write(root, {".env": "DATABASE_URL=postgres://u:pass@db:5432/shop\n"})
    assert got(lint(root, ["VW405"]), root) == [("VW405", "docker-compose.yml", 7, "warning")]


def test_vw110_a_dependency_cache_build_before_the_cargo_config_is_copied(tmp_path: Path) -> None:
    """`.cargo/config.toml` only adds a `--cfg`: the stub build that caches dependencies works without it, and the
    real build after `COPY .cargo .cargo` has it."""
    image = (
        "FROM rust:1.83 AS build\nWORKDIR /app\nCOPY Cargo.toml Cargo.lock ./\n"
        'RUN mkdir src && echo "fn main() {}" > src/main.rs\nRUN cargo build --release\n'
        "COPY .cargo .cargo\nCOPY src src\nRUN touch src/main.rs && cargo build --release\n"
        "FROM debian:bookworm-slim\nCOPY --from=build /app/target/release/shop /usr/local/bin/shop\n"
        'USER nobody\nCMD ["shop"]\n'
    )
    cfg = '[build]\nrustflags = ["--cfg", "tracing_unstable"]\n'
    root = write(tmp_path, {"Cargo.toml": CARGO, "Cargo.lock": "", "src/main.rs": MAIN, "Dockerfile": image,
                            ".cargo/config.toml": cfg})
    assert lint(root, ["VW110"]) == []
    # no build has it: the image is compiled without the flag the code expects
    write(root, {"Dockerfile": image.replace("COPY .cargo .cargo\n", "")})
    assert [f.rule_id for f in lint(root, ["VW110"])] == ["VW110"]


def test_vw303_a_port_the_start_command_gives_another_program(tmp_path: Path) -> None:
    """`CMD ["gdbserver", "0.0.0.0:2345", "/app"]`: port 2345 is the debugger's, not a mismatch with the app's."""
    code = (
        "#[tokio::main]\nasync fn main() {\n"
        '    let l = tokio::net::TcpListener::bind("0.0.0.0:8080").await.unwrap();\n'
        "    axum::serve(l, axum::Router::new()).await.unwrap();\n}\n"
    )
    deps = 'tokio = { version = "1", features = ["full"] }\naxum = "0.7"\n'
    compose = "services:\n  api:\n    build: .\n    ports:\n      - \"8080:8080\"\n      - \"2345:2345\"\n"
    image = _image('CMD ["gdbserver", "0.0.0.0:2345", "/usr/local/bin/shop"]')
    root = write(tmp_path, {"Cargo.toml": CARGO + deps, "src/main.rs": code, "Dockerfile": image,
                            "docker-compose.yml": compose})
    assert lint(root, ["VW303"]) == []
    write(root, {"Dockerfile": _image('CMD ["shop"]')})
    assert got(lint(root, ["VW303"]), root) == [("VW303", "docker-compose.yml", 6, "error")]
