"""Points of a second read of the round that followed the twenty-second set of unseen repositories: each change
keeps its claim where the defect is real and makes none where it is not shown."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint, where, write

CARGO = '[package]\nname = "svc"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n'
MAIN = "fn main() {}\n"


def _drop(root: Path, setup: str, user: str = "app") -> list[tuple[str, str, int]]:
    image = (
        "FROM rust:1.83 AS build\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\n"
        f"FROM alpine:3.20\n{setup}\n"
        "COPY --from=build /app/target/release/svc /usr/local/bin/svc\n"
        "COPY entrypoint.sh /usr/local/bin/entrypoint.sh\n"
        'ENTRYPOINT ["entrypoint.sh"]\nCMD ["svc"]\n'
    )
    script = f'#!/bin/sh\nexec su-exec {user} "$@"\n'
    write(root, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": image, "entrypoint.sh": script})
    return where(lint(root, ["VW401"]), root)


def test_a_path_that_spells_the_user_creates_no_user(tmp_path: Path) -> None:
    """`mkdir -p /app/data` names no user: the drop to `app` still fails."""
    assert _drop(tmp_path, "RUN apk add --no-cache su-exec && mkdir -p /app/data") == [("VW401", "entrypoint.sh", 2)]


def test_what_may_create_the_user_makes_no_claim(tmp_path: Path) -> None:
    """A package that creates its account, an `adduser` of a variable, a setup script: the user may exist."""
    assert _drop(tmp_path / "pg", "RUN apk add --no-cache su-exec postgresql16", "postgres") == []
    assert _drop(tmp_path / "arg", 'ARG APP_USER=app\nRUN apk add --no-cache su-exec && adduser -D "$APP_USER"') == []
    assert _drop(tmp_path / "script", "COPY setup.sh /tmp/\nRUN apk add --no-cache su-exec && sh /tmp/setup.sh") == []


OLD = '[package]\nname = "old"\nversion = "0.1.0"\n\n[dependencies]\ncommon = { path = "../common" }\n'


def test_vw105_a_retired_folder_crate_that_something_builds_is_checked(tmp_path: Path) -> None:
    """A crate under `legacy/` that the workspace uses through `[workspace.dependencies]`, or `[patch]`, or that
    the compose build compiles, is built: its broken path dependency breaks the build."""
    app = CARGO + "old = { workspace = true }\n"
    ws = '[workspace]\nmembers = ["app"]\n\n[workspace.dependencies]\nold = { path = "legacy/old" }\n'
    root = write(tmp_path / "wsdep", {"Cargo.toml": ws, "app/Cargo.toml": app, "app/src/main.rs": MAIN,
                                      "legacy/old/Cargo.toml": OLD, "legacy/old/src/lib.rs": ""})
    assert where(lint(root, ["VW105"]), root) == [("VW105", "legacy/old/Cargo.toml", 6)]
    patch = '[workspace]\nmembers = ["app"]\n\n[patch.crates-io]\nold = { path = "legacy/old" }\n'
    root = write(tmp_path / "patch", {"Cargo.toml": patch, "app/Cargo.toml": CARGO + 'old = "1"\n',
                                      "app/src/main.rs": MAIN, "legacy/old/Cargo.toml": OLD,
                                      "legacy/old/src/lib.rs": ""})
    assert where(lint(root, ["VW105"]), root) == [("VW105", "legacy/old/Cargo.toml", 6)]
    image = "FROM rust:1.83\nWORKDIR /src\nCOPY . .\nRUN cd legacy/old && cargo build --release\n"
    root = write(tmp_path / "built", {"Cargo.toml": '[workspace]\nmembers = ["app"]\n', "app/Cargo.toml": CARGO,
                                      "app/src/main.rs": MAIN, "legacy/old/Cargo.toml": OLD,
                                      "legacy/old/src/lib.rs": "", "Dockerfile": image,
                                      "docker-compose.yml": "services:\n  old:\n    build: .\n"})
    assert where(lint(root, ["VW105"]), root) == [("VW105", "legacy/old/Cargo.toml", 6)]


def _logs(root: Path, extra: str = "", files: dict[str, str] | None = None, image_extra: str = "") -> list[str]:
    compose = "services:\n  api:\n    build: .\n    volumes:\n      - ./logs:/app/logs\n" + extra
    image = (
        "FROM rust:1.83 AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\nFROM debian:bookworm-slim\n"
        f"COPY --from=build /src/target/release/svc /usr/local/bin/svc\n{image_extra}USER nobody\nCMD [\"svc\"]\n"
    )
    write(root, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "docker-compose.yml": compose, "Dockerfile": image,
                 ".gitignore": "logs/\n", **(files or {})})
    return [f.effective_level.value for f in lint(root, ["VW204"])]


def test_vw204_the_folder_reaches_the_app_by_other_routes(tmp_path: Path) -> None:
    """A command argument, an env_file value, a mounted settings file, or the working directory: the app may
    write there, so the "permission denied" error stays."""
    assert _logs(tmp_path / "none") == ["note"]
    assert _logs(tmp_path / "cmd", '    command: ["svc", "--log-dir", "/app/logs"]\n') == ["error"]
    assert _logs(tmp_path / "envfile", "    env_file: app.env\n", {"app.env": "LOG_DIR=/app/logs\n"}) == ["error"]
    mounted = '      - ./settings.toml:/etc/svc.toml:ro\n'
    assert _logs(tmp_path / "conf", mounted, {"settings.toml": 'log_dir = "/app/logs"\n'}) == ["error"]
    assert _logs(tmp_path / "wd", image_extra="WORKDIR /app/logs\n") == ["error"]


SERVE = (
    "#[actix_web::main]\nasync fn main() -> std::io::Result<()> {\n"
    "    let _admin = std::net::TcpListener::bind((\"127.0.0.1\", 9901))?;\n"
    '    actix_web::HttpServer::new(|| actix_web::App::new()).bind(("{HOST}", 8080))?.run().await\n}\n'
)


def test_vw207_a_standalone_image_is_claimed_only_when_every_listener_is_loopback(tmp_path: Path) -> None:
    image = (
        "FROM rust:1.83 AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\nFROM debian:bookworm-slim\n"
        'COPY --from=build /src/target/release/svc /usr/local/bin/svc\nUSER nobody\nCMD ["svc"]\n'
    )
    files = {"Cargo.toml": CARGO + 'actix-web = "4"\n', "Dockerfile": image}
    root = write(tmp_path / "admin", {**files, "src/main.rs": SERVE.replace("{HOST}", "0.0.0.0")})
    assert lint(root, ["VW207"]) == []  # a local admin port beside the server on every interface
    root = write(tmp_path / "both", {**files, "src/main.rs": SERVE.replace("{HOST}", "127.0.0.1")})
    assert [f.location.line for f in lint(root, ["VW207"])] == [3, 4]
    write(root, {"deploy/run.sh": "docker run -d --network host acme/svc\n"})
    assert lint(root, ["VW207"]) == []  # run on the host's network: loopback is the host's


def test_vw309_a_bb8_pool_of_another_datastore_says_nothing_about_redis(tmp_path: Path) -> None:
    code = (
        "use bb8::Pool;\nuse bb8_postgres::PostgresConnectionManager;\n#[tokio::main]\nasync fn main() {\n"
        '    let url = std::env::var("REDIS_URL").unwrap();\n'
        "    let client = redis::Client::open(url).unwrap();\n"
        "    let _c = client.get_multiplexed_async_connection().await.unwrap();\n"
        '    let m = PostgresConnectionManager::new_from_stringlike("host=db", tokio_postgres::NoTls).unwrap();\n'
        "    let _p = Pool::builder().build(m).await.unwrap();\n}\n"
    )
    compose = (
        "services:\n  api:\n    build: .\n    environment:\n      REDIS_URL: redis://cache:6379\n"
        "    depends_on:\n      - cache\n  cache:\n    image: redis:7\n"
    )
    image = (
        "FROM rust:1.83 AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\nFROM debian:bookworm-slim\n"
        'COPY --from=build /src/target/release/svc /usr/local/bin/svc\nUSER nobody\nCMD ["svc"]\n'
    )
    deps = 'tokio = { version = "1", features = ["full"] }\nredis = "0.27"\nbb8 = "0.8"\nbb8-postgres = "0.8"\n'
    root = write(tmp_path, {"Cargo.toml": CARGO + deps, "src/main.rs": code, "Dockerfile": image,
                            "docker-compose.yml": compose})
    assert [f.effective_level.value for f in lint(root, ["VW309"])] == ["warning"]


def test_a_cd_in_the_title_section_does_not_move_later_sections(tmp_path: Path) -> None:
    compose = "services:\n  app:\n    build: .\n    user: \"1000\"\n    volumes:\n      - ./data:/app/data\n"
    readme = (
        "# Acme app\n\n```bash\ncd frontend && npm run dev\n```\n\n## Run the stack\n\n```bash\nmkdir -p data\n"
        "docker compose up\n```\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "docker-compose.yml": compose,
                            "README.md": readme, "frontend/package.json": "{}", ".gitignore": "data/\n"})
    assert [f.effective_level.value for f in lint(root, ["VW204"])] == ["note"]


def test_vw102_a_missing_file_copied_twice_is_not_a_folder(tmp_path: Path) -> None:
    image = (
        "FROM rust:1.83 AS build\nWORKDIR /src\nCOPY Cargo.toml ./\nCOPY src ./src\nCOPY settings.toml ./\n"
        "RUN cargo build --release\nFROM debian:bookworm-slim\nCOPY settings.toml /etc/svc/\n"
        'COPY --from=build /src/target/release/svc /usr/local/bin/svc\nCMD ["svc"]\n'
    )
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": image})
    found = lint(root, ["VW102"])
    assert [f.location.line for f in found] == [5, 8]
    assert not any("folder" in f.message for f in found)


STUB_IMAGE = (
    "FROM rust:1.83 AS build\nWORKDIR /app\nCOPY Cargo.toml Cargo.lock ./\n"
    'RUN mkdir src && echo "fn main() {}" > src/main.rs && cargo build --release{stub_tail}\n'
    "{between}COPY src ./src\nRUN {final}\n"
    "FROM debian:bookworm-slim\nCOPY --from=build /app/target/release/svc /usr/local/bin/svc\nCMD [\"svc\"]\n"
)


def _stale(tmp: Path, final: str = "cargo build --release", between: str = "", stub_tail: str = "") -> list[int]:
    image = STUB_IMAGE.replace("{final}", final).replace("{between}", between).replace("{stub_tail}", stub_tail)
    write(tmp, {"Cargo.toml": CARGO, "Cargo.lock": "", "src/main.rs": MAIN, "Dockerfile": image})
    return [f.location.line for f in lint(tmp, ["VW210"]) if "stub" in f.message]


def test_vw210_stub_mitigations_are_read_by_command_position(tmp_path: Path) -> None:
    """What makes cargo rebuild, wherever it sits among the RUN's commands; and what does not."""
    assert _stale(tmp_path / "bare") == [6]
    assert _stale(tmp_path / "fetch", "cargo fetch && touch src/main.rs && cargo build --release") == []
    assert _stale(tmp_path / "clean", "cargo clean -p svc --release && cargo build --release") == []
    rmreg = " && rm -f target/release/deps/svc* && rm -rf /usr/local/cargo/registry"
    assert _stale(tmp_path / "rmreg", stub_tail=rmreg) == []
    # another target folder, other flags: the second build compiles everything
    assert _stale(tmp_path / "tdir", "cargo build --release --target-dir /out") == []
    assert _stale(tmp_path / "flags", between='ENV RUSTFLAGS="-C target-cpu=native"\n') == []
    # not a refresh: the uplifted binary is linked again from deps/, `touch -a` sets the access time only, a
    # touch before the COPY is undone by the COPY's older modification time
    assert _stale(tmp_path / "uplift", between="RUN rm target/release/svc\n") == [7]
    assert _stale(tmp_path / "atime", "touch -a src/main.rs && cargo build --release") == [6]
    assert _stale(tmp_path / "early", between="RUN touch src/main.rs\n") == [7]
    # a later build after a refresh ships the real binary
    later = "cargo build --release\nRUN touch src/main.rs && cargo build --release"
    assert _stale(tmp_path / "later", later) == []


def test_vw109_one_finding_per_crate_and_a_library_named_otherwise(tmp_path: Path) -> None:
    """`log` used in two files is one finding with the other use related; `simplex` from `smplx-std` (a library
    named otherwise than its package) is no claim."""
    cargo = CARGO + 'smplx-std = "0.0.5"\n'
    main = 'mod a;\nfn main() { log::info!("x"); simplex::run(); }\n'
    root = write(tmp_path, {"Cargo.toml": cargo, "src/main.rs": main, "src/a.rs": 'pub fn f() { log::warn!("y"); }\n'})
    found = lint(root, ["VW109"])
    assert [(f.location.path.name, "1 more file uses it" in f.message) for f in found] == [("a.rs", True)]
    assert [r.location.path.name for r in found[0].related if "used here too" in r.message] == ["main.rs"]


def test_vw209_a_tool_used_only_on_one_branch_of_an_if_is_no_claim(tmp_path: Path) -> None:
    """wait-for-it.sh runs `nc` only when `timeout` is busybox's; on Debian it uses bash's /dev/tcp."""
    script = (
        "#!/usr/bin/env bash\nwait_for() {\n  if [[ $ISBUSY -eq 1 ]]; then\n    nc -z \"$HOST\" \"$PORT\"\n"
        "  else\n    (echo -n > /dev/tcp/$HOST/$PORT) >/dev/null 2>&1\n  fi\n}\nwait_for\nexec \"$@\"\n"
    )
    image = (
        "FROM rust:1.83 AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\nFROM debian:bookworm-slim\n"
        "COPY --from=build /src/target/release/svc /usr/local/bin/svc\nCOPY wait.sh /wait.sh\n"
        'ENTRYPOINT ["/wait.sh"]\nCMD ["svc"]\n'
    )
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": image, "wait.sh": script})
    (root / "wait.sh").chmod(0o755)
    assert [f for f in lint(root, ["VW209"]) if "nc" in f.message] == []
    # the same tool outside any branch runs on every start
    write(root, {"wait.sh": script.replace("wait_for\nexec", "nc -z db 5432\nexec")})
    (root / "wait.sh").chmod(0o755)
    assert [f.location.line for f in lint(root, ["VW209"]) if "`nc`" in f.message] == [9]


def test_vw207_port_probes_written_as_match_or_if_let_are_no_listener(tmp_path: Path) -> None:
    probes = (
        "use std::net::{SocketAddr, TcpListener};\n"
        "fn free(port: u16) -> bool {\n    let addr = SocketAddr::from(([127, 0, 0, 1], port));\n"
        "    match TcpListener::bind(addr) {\n        Ok(_) => true,\n        Err(_) => false,\n    }\n}\n"
        "fn free2(port: u16) -> bool {\n"
        "    if let Ok(_) = TcpListener::bind((\"127.0.0.1\", port)) { true } else { false }\n}\n"
        "fn free3(port: u16) -> bool {\n    TcpListener::bind((\"127.0.0.1\", port)).ok().is_some()\n}\n"
        "fn main() {\n    let _ = (free(1), free2(2), free3(3));\n"
        "    let _l = TcpListener::bind(\"0.0.0.0:8080\").unwrap();\n}\n"
    )
    compose = "services:\n  svc:\n    build: .\n    ports: [\"8080:8080\"]\n"
    image = (
        "FROM rust:1.83 AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\nFROM debian:bookworm-slim\n"
        'COPY --from=build /src/target/release/svc /usr/local/bin/svc\nCMD ["svc"]\n'
    )
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": probes, "Dockerfile": image,
                            "docker-compose.yml": compose})
    assert lint(root, ["VW207"]) == []
    # a listener the code keeps on loopback is still one
    write(root, {"src/main.rs": probes.replace('"0.0.0.0:8080"', '"127.0.0.1:8080"')})
    assert [f.location.line for f in lint(root, ["VW207"])] == [17]


CACHE_IMAGE = (
    "FROM rust:1.83 AS build\nWORKDIR /app\nCOPY Cargo.toml Cargo.lock ./\n"
    'RUN mkdir src && echo "fn main() {}" > src/main.rs\nRUN cargo build --release\n'
    "COPY .cargo .cargo\nCOPY src src\nRUN touch src/main.rs && cargo build --release\n"
    'FROM debian:bookworm-slim\nCOPY --from=build /app/target/release/svc /usr/local/bin/svc\nCMD ["svc"]\n'
)


def _vw110(root: Path, config: str, image: str = CACHE_IMAGE) -> list[int]:
    write(root, {"Cargo.toml": CARGO, "Cargo.lock": "", "src/main.rs": MAIN, "Dockerfile": image,
                 ".cargo/config.toml": config})
    return [f.location.line for f in lint(root, ["VW110"])]


def test_vw110_only_soft_settings_are_spared_and_only_for_a_stub_build(tmp_path: Path) -> None:
    cfg = '[build]\nrustflags = ["--cfg", "tracing_unstable"]\n'
    assert _vw110(tmp_path / "soft", cfg) == []
    # a registry after the flags still breaks the stub build, whatever the order in the file
    registry = cfg + '\n[registries.acme]\nindex = "sparse+https://crates.acme.dev/"\n'
    assert _vw110(tmp_path / "registry", registry) == [5]
    # a cfg a dependency's feature refuses to compile without (tokio's taskdump)
    assert _vw110(tmp_path / "gated", '[build]\nrustflags = ["--cfg", "tokio_unstable"]\n') == [5]
    # no stub: the first build is the real one, a later `cargo install` of a tool changes nothing
    real = (
        "FROM rust:1.83 AS build\nWORKDIR /app\nCOPY Cargo.toml Cargo.lock ./\nCOPY src src\n"
        "RUN cargo build --release\nCOPY .cargo .cargo\nRUN cargo install sqlx-cli\n"
        'FROM debian:bookworm-slim\nCOPY --from=build /app/target/release/svc /usr/local/bin/svc\nCMD ["svc"]\n'
    )
    assert _vw110(tmp_path / "real", cfg, real) == [5]


def test_vw303_only_a_listen_address_of_a_program_in_front_of_the_app_is_spared(tmp_path: Path) -> None:
    code = (
        "#[tokio::main]\nasync fn main() {\n"
        '    let l = tokio::net::TcpListener::bind("0.0.0.0:8080").await.unwrap();\n'
        "    axum::serve(l, axum::Router::new()).await.unwrap();\n}\n"
    )
    deps = 'tokio = { version = "1", features = ["full"] }\naxum = "0.7"\n'

    def probe(cmd: str, compose_cmd: str = "") -> list[int]:
        image = (
            "FROM rust:1.83 AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\nFROM debian:bookworm-slim\n"
            f"COPY --from=build /src/target/release/svc /usr/local/bin/svc\nCMD {cmd}\n"
        )
        compose = (
            "services:\n  api:\n    build: .\n"
            '    healthcheck:\n      test: ["CMD", "curl", "-f", "http://localhost:3000/health"]\n' + compose_cmd
        )
        files = {"Cargo.toml": CARGO + deps, "src/main.rs": code, "Dockerfile": image, "docker-compose.yml": compose}
        root = write(tmp_path / str(abs(hash(cmd + compose_cmd))), files)
        return [f.location.line for f in lint(root, ["VW303"])]

    assert probe('["svc"]') == [5]
    assert probe('["svc", "--port", "3000"]') == [5]  # the app's own argument, which its code never reads
    assert probe('["envoy-wrapper", "--upstream", "http://auth:3000", "svc"]') == [5]  # a URL, not a listener
    assert probe('["socat", "TCP-LISTEN:3000,fork", "TCP:127.0.0.1:8080"]') == []  # socat listens on 3000
    # compose `command:` replaces the CMD that named the port
    assert probe('["socat", "TCP-LISTEN:3000,fork", "TCP:127.0.0.1:8080"]', '    command: ["svc"]\n') == [5]


def test_vw405_an_environment_entry_that_takes_the_files_value_is_no_override(tmp_path: Path) -> None:
    compose = (
        "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: pass\n"
        "    ports:\n      - \"5432:5432\"\n  app:\n    build: .\n    env_file: .env\n    environment:\n"
        "      DATABASE_URL: ${DATABASE_URL}\n"
    )
    code = (
        "#[tokio::main]\nasync fn main() {\n"
        '    let url = std::env::var("DATABASE_URL").unwrap();\n'
        "    let _c = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();\n}\n"
    )
    image = (
        "FROM rust:1.83 AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\nFROM debian:bookworm-slim\n"
        'COPY --from=build /src/target/release/svc /usr/local/bin/svc\nCMD ["svc"]\n'
    )
    deps = 'tokio = { version = "1", features = ["full"] }\ntokio-postgres = "0.7"\n'
    root = write(tmp_path, {"Cargo.toml": CARGO + deps, "src/main.rs": code, "Dockerfile": image,
                            "docker-compose.yml": compose, ".env": "DATABASE_URL=postgres://u:pass@db:5432/x\n"})
    assert [f.effective_level.value for f in lint(root, ["VW405"])] == ["warning"]
    write(root, {".env": "DATABASE_URL=postgres://u:pass@localhost:5432/x\n"})
    assert all("which the containers override" not in f.message for f in lint(root, ["VW405"]))


def test_bind_mounts_spelled_src_and_ignored_files(tmp_path: Path) -> None:
    """BuildKit reads `src=` as `source=`; a file `.dockerignore` keeps out of the context is not in the mount."""
    image = (
        "FROM rust:1.83 AS build\nWORKDIR /app\n"
        "RUN --mount=type=bind,src=src,target=src --mount=type=bind,src=Cargo.toml,target=Cargo.toml \\\n"
        "    cargo build --release && cp target/release/svc /bin/server\n"
        'FROM debian:bookworm-slim\nCOPY --from=build /bin/server /bin/\nUSER nobody\nCMD ["/bin/server"]\n'
    )
    code = 'fn main() {\n    let _k = std::env::var("API_KEY").expect("API_KEY");\n}\n'
    files = {"Cargo.toml": CARGO, "src/main.rs": code, "Dockerfile": image,
             "docker-compose.yml": "services:\n  api:\n    build: .\n"}
    root = write(tmp_path / "src", files)
    assert [f.rule_id for f in lint(root, ["VW201"])] == ["VW201"]
    root = write(tmp_path / "ignored", {**files, ".dockerignore": "Cargo.toml\n"})
    assert lint(root, ["VW201"]) == []


def test_vw402_a_node_program_that_handles_sigterm_and_a_compose_job(tmp_path: Path) -> None:
    image = (
        "FROM rust:1.83 AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\nFROM node:22-slim\n"
        "COPY --from=build /src/target/release/svc /usr/local/bin/svc\nCOPY gateway/dist /app\n"
        'USER node\nCMD ["node", "/app/index.js"]\n'
    )
    js = 'const server = require("http").createServer();\nprocess.on("SIGTERM", () => server.close());\n'
    root = write(tmp_path / "node", {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": image,
                                     "gateway/dist/index.js": js})
    assert lint(root, ["VW402"]) == []
    write(root, {"gateway/dist/index.js": 'require("http").createServer().listen(3000);\n'})
    assert [f.effective_level.value for f in lint(root, ["VW402"])] == ["warning"]
    # an image compose runs only as a migration job that another service waits for
    job = (
        "FROM rust:1.83 AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\nFROM debian:bookworm-slim\n"
        'COPY --from=build /src/target/release/svc /usr/local/bin/svc\nUSER nobody\nCMD ["sqlx", "migrate", "run"]\n'
    )
    compose = (
        "services:\n  migrate:\n    build: .\n  api:\n    image: acme/api\n"
        "    depends_on:\n      migrate:\n        condition: service_completed_successfully\n"
    )
    root = write(tmp_path / "job", {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": job,
                                    "docker-compose.yml": compose})
    found = lint(root, ["VW402"])
    assert [(f.effective_level.value, "one-shot job (`migrate`" in f.message) for f in found] == [("note", True)]


def test_a_devenv_dockerfile_is_a_development_image(tmp_path: Path) -> None:
    from tests.unseen_fixtures import scope_of

    image = "FROM debian:12\nRUN apt-get update && apt-get install -y dropbear\nCMD [\"dropbear\", \"-F\"]\n"
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, ".docker/devenv.dockerfile": image})
    assert scope_of(root, ".docker/devenv.dockerfile") == "dev"


def test_vw206_a_target_variable_the_run_sets_to_musl_triples(tmp_path: Path) -> None:
    run = (
        'RUN if [ "$TARGETARCH" = "amd64" ]; then TARGET=x86_64-unknown-linux-musl; '
        "else TARGET=aarch64-unknown-linux-musl; fi; \\\n"
        '    cargo build --release --target "$TARGET" && cp "target/$TARGET/release/svc" target/release/svc\n'
    )
    image = (
        f"FROM rust:1.91-slim AS build\nARG TARGETARCH\nWORKDIR /src\nCOPY . .\n{run}"
        'FROM alpine:3.22\nCOPY --from=build /src/target/release/svc /usr/app/svc\nCMD ["/usr/app/svc"]\n'
    )
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": image})
    assert lint(root, ["VW206"]) == []
    write(root, {"Dockerfile": image.replace("aarch64-unknown-linux-musl", "aarch64-unknown-linux-gnu")})
    assert [f.rule_id for f in lint(root, ["VW206"])] == ["VW206"]


def test_a_compose_file_of_images_the_repositorys_ci_pushes_is_no_infrastructure_stack(tmp_path: Path) -> None:
    from tests.unseen_fixtures import scope_of

    compose = "services:\n  gateway:\n    image: ghcr.io/acme/shop-gateway:1.0\n  db:\n    image: postgres:16\n"
    workflow = (
        "on: push\njobs:\n  image:\n    runs-on: ubuntu-latest\n    env:\n      IMAGE_NAME: shop-gateway\n"
        "    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          push: true\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO.replace('"svc"', '"gw"'), "src/main.rs": MAIN,
                            "deploy/compose.yaml": compose})
    assert scope_of(root, "deploy/compose.yaml") == "dev"  # only others' images: the app runs on the host
    # a workflow that only runs a datastore as a service container names no image of the repository
    services = (
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    services:\n      db:\n        image: postgres:16\n"
        "    steps:\n      - run: docker build -t shop-api .\n"
    )
    write(root, {".github/workflows/test.yml": services, "deploy/compose.yaml": compose.replace(
        "  gateway:\n    image: ghcr.io/acme/shop-gateway:1.0\n", "  cache:\n    image: redis:7\n")})
    assert scope_of(root, "deploy/compose.yaml") == "dev"
    write(root, {".github/workflows/release.yml": workflow, "deploy/compose.yaml": compose})
    assert scope_of(root, "deploy/compose.yaml") == "deploy"


def test_vw201_a_clap_field_only_a_feature_compiles_is_no_claim(tmp_path: Path) -> None:
    code = (
        "use clap::Parser;\n#[derive(Parser)]\nstruct Config {\n"
        '    #[cfg(feature = "keycloak")]\n    #[clap(long, env)]\n    keycloak_url: String,\n'
        "    #[clap(long, env)]\n    database_url: String,\n}\n"
        "fn main() {\n    let _c = Config::parse();\n}\n"
    )
    cargo = CARGO + 'clap = { version = "4", features = ["derive", "env"] }\n\n[features]\nkeycloak = []\n'
    image = (
        "FROM rust:1.83 AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\nFROM debian:bookworm-slim\n"
        'COPY --from=build /src/target/release/svc /usr/local/bin/svc\nCMD ["svc"]\n'
    )
    root = write(tmp_path, {"Cargo.toml": cargo, "src/main.rs": code, "Dockerfile": image,
                            "docker-compose.yml": "services:\n  api:\n    build: .\n"})
    assert [f.message.split("`")[1] for f in lint(root, ["VW201"])] == ["DATABASE_URL"]
