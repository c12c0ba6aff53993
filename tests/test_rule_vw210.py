"""VW210 app-exits-at-once: entrypoint scripts that background the app, `main`s that drop or spawn the
server and return; every "stays silent for" case."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import lint, where, write

DOCKERFILE_SCRIPT = """FROM rust:1.83-slim-bookworm AS builder
WORKDIR /src
COPY . .
RUN cargo build --release

FROM debian:bookworm-slim
COPY --from=builder /src/target/release/api /usr/local/bin/api
COPY --chmod=755 docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
USER 10001
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
"""

COMPOSE = "services:\n  api:\n    build: .\n    restart: unless-stopped\n"
MANIFEST = '[package]\nname = "api"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n{deps}'
MAIN_OK = "fn main() {}\n"


def _script_project(root: Path, script: str) -> Path:
    return write(
        root,
        {
            "compose.yaml": COMPOSE,
            "Dockerfile": DOCKERFILE_SCRIPT,
            "Cargo.toml": MANIFEST.format(deps=""),
            "src/main.rs": MAIN_OK,
            "docker-entrypoint.sh": script,
        },
    )


def test_script_backgrounds_the_app_and_ends(tmp_path: Path) -> None:
    _script_project(tmp_path, "#!/bin/sh\nset -e\necho 'starting'\n/usr/local/bin/api --port 8080 &\necho started\n")
    findings = lint(tmp_path, ["VW210"])
    assert where(findings, tmp_path) == [("VW210", "docker-entrypoint.sh", 4)]
    f = findings[0]
    assert (f.location.col, f.location.end_col) == (1, 19)
    assert "background" in f.message and "`/usr/local/bin/api`" in f.message
    assert f.related[0].location.path.name == "Dockerfile" and f.related[0].location.line == 10


def test_script_nohup_then_sleep(tmp_path: Path) -> None:
    _script_project(tmp_path, "#!/bin/bash\nnohup api > /var/log/api.log 2>&1 &\nsleep 2\nexit 0\n")
    assert where(lint(tmp_path, ["VW210"]), tmp_path) == [("VW210", "docker-entrypoint.sh", 2)]


@pytest.mark.parametrize(
    "script",
    [
        "#!/bin/sh\nredis-server --daemonize no &\nexec /usr/local/bin/api\n",  # helper, then exec app
        "#!/bin/sh\n/usr/local/bin/api &\nwait\n",  # wait
        "#!/bin/sh\n/usr/local/bin/api &\nPID=$!\ntrap 'kill $PID' TERM\nwait $PID\n",  # wait on the pid
        "#!/bin/sh\nworker &\n/usr/local/bin/api\n",  # the app in the foreground
        "#!/bin/sh\n/usr/local/bin/api &\ntail -f /dev/null\n",  # a foreground program keeps it up
        "#!/bin/sh\n/usr/local/bin/api &\nwhile true; do sleep 60; done\n",  # blocking loop
        "#!/bin/sh\n/usr/local/bin/api &\nsleep infinity\n",
        '#!/bin/sh\nif [ -n "$DEBUG" ]; then api & fi\nexec api\n',  # not at the top level
        '#!/bin/sh\nexec /usr/local/bin/api "$@"\n',  # nothing backgrounded
        "#!/bin/sh\n/usr/local/bin/api &\nmonitor_forever\n",  # an unknown program after it
    ],
)
def test_script_silent(tmp_path: Path, script: str) -> None:
    _script_project(tmp_path, script)
    assert lint(tmp_path, ["VW210"]) == []


def test_script_unparseable_or_binary_no_claim(tmp_path: Path) -> None:
    _script_project(tmp_path, "#!/bin/sh\napi & \nif then fi ((\n")
    assert lint(tmp_path, ["VW210"]) == []
    (tmp_path / "docker-entrypoint.sh").write_bytes(b"#!/bin/sh\napi &\n\x00\x01\x02")
    assert lint(tmp_path, ["VW210"]) == []


def test_shell_form_and_sh_c(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": "FROM alpine:3.20\nCOPY api /usr/local/bin/api\nCMD /usr/local/bin/api & echo up\n",
            "api": "binary",
            "sub/Dockerfile": 'FROM alpine:3.20\nCOPY api /api\nENTRYPOINT ["sh", "-c", "/api & sleep 1"]\n',
            "sub/api": "binary",
        },
    )
    assert where(lint(tmp_path, ["VW210"]), tmp_path) == [("VW210", "Dockerfile", 3), ("VW210", "sub/Dockerfile", 3)]


def test_shell_form_with_exec_silent(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": "FROM alpine:3.20\nCOPY api /usr/local/bin/api\nCMD cron & exec /usr/local/bin/api\n",
            "api": "binary",
        },
    )
    assert lint(tmp_path, ["VW210"]) == []


# ---------------------------------------------------------------- Rust main

DOCKERFILE_BIN = """FROM rust:1.83-slim-bookworm AS builder
WORKDIR /src
COPY . .
RUN cargo build --release

FROM debian:bookworm-slim
COPY --from=builder /src/target/release/api /usr/local/bin/api
USER 10001
ENTRYPOINT ["/usr/local/bin/api"]
"""


def _rust_project(
    root: Path, main: str, deps: str = 'actix-web = "4"\ntokio = { version = "1", features = ["full"] }\naxum = "0.7"\n'
) -> Path:
    return write(
        root,
        {
            "compose.yaml": COMPOSE,
            "Dockerfile": DOCKERFILE_BIN,
            "Cargo.toml": MANIFEST.format(deps=deps),
            "src/main.rs": main,
        },
    )


ACTIX_DROPPED = """use actix_web::{web, App, HttpServer};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    HttpServer::new(|| App::new().route("/", web::get().to(|| async { "ok" })))
        .bind(("0.0.0.0", 8080))?
        .run();
    log::info!("server started");
    Ok(())
}
"""

AXUM_SPAWNED = """use axum::{routing::get, Router};

#[tokio::main]
async fn main() {
    let app = Router::new().route("/health", get(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind("0.0.0.0:3000").await.unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    println!("listening on 3000");
}
"""

AXUM_UNUSED = """#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = tokio::net::TcpListener::bind("0.0.0.0:3000").await?;
    let server = axum::serve(listener, axum::Router::new());
    Ok(())
}
"""

ACTIX_BOUND_SPAWNED = """use actix_web::{App, HttpServer};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let server = HttpServer::new(|| App::new()).bind("0.0.0.0:8080")?.run();
    actix_web::rt::spawn(server);
    Ok(())
}
"""


@pytest.mark.parametrize(
    ("main", "line", "word"),
    [
        (ACTIX_DROPPED, 5, "never `.await`ed"),
        (AXUM_SPAWNED, 8, "spawned"),
        (AXUM_UNUSED, 4, "never `.await`ed"),
        (ACTIX_BOUND_SPAWNED, 5, "spawned"),
    ],
)
def test_rust_main_ends(tmp_path: Path, main: str, line: int, word: str) -> None:
    _rust_project(tmp_path, main)
    findings = lint(tmp_path, ["VW210"])
    assert where(findings, tmp_path) == [("VW210", "src/main.rs", line)]
    f = findings[0]
    assert word in f.message and "exit code 0" in f.message
    assert f.related[0].location.path.name == "main.rs" and f.related[1].location.path.name == "compose.yaml"


ACTIX_AWAITED = ACTIX_DROPPED.replace(
    '.run();\n    log::info!("server started");\n    Ok(())', ".run()\n        .await"
)
AXUM_HANDLE_AWAITED = AXUM_SPAWNED.replace("    tokio::spawn(", "    let handle = tokio::spawn(").replace(
    '    println!("listening on 3000");\n', '    println!("listening on 3000");\n    handle.await.unwrap();\n'
)
AXUM_SIGNAL = AXUM_SPAWNED.replace(
    '    println!("listening on 3000");\n', "    tokio::signal::ctrl_c().await.unwrap();\n"
)
AXUM_LOOP = AXUM_SPAWNED.replace(
    '    println!("listening on 3000");\n',
    "    loop {\n        tokio::time::sleep(std::time::Duration::from_secs(60)).await;\n    }\n",
)
ACTIX_JOIN = """use actix_web::{App, HttpServer};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let server = HttpServer::new(|| App::new()).bind("0.0.0.0:8080")?.run();
    let worker = tokio::spawn(async {});
    let _ = tokio::join!(server, worker);
    Ok(())
}
"""
ACTIX_SELECT = ACTIX_JOIN.replace(
    "tokio::join!(server, worker)", "tokio::select! { r = server => r, _ = worker => Ok(()) }"
)
ACTIX_LATER = """use actix_web::{App, HttpServer};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let server = HttpServer::new(|| App::new()).bind("0.0.0.0:8080")?.run();
    log::info!("started");
    server.await
}
"""
AXUM_GRACEFUL = """#[tokio::main]
async fn main() {
    let listener = tokio::net::TcpListener::bind("0.0.0.0:3000").await.unwrap();
    axum::serve(listener, axum::Router::new())
        .with_graceful_shutdown(async { tokio::signal::ctrl_c().await.unwrap() })
        .await
        .unwrap();
}
"""


@pytest.mark.parametrize(
    "main",
    [
        ACTIX_AWAITED,
        AXUM_HANDLE_AWAITED,
        AXUM_SIGNAL,
        AXUM_LOOP,
        ACTIX_JOIN,
        ACTIX_SELECT,
        ACTIX_LATER,
        AXUM_GRACEFUL,
    ],
)
def test_rust_main_silent(tmp_path: Path, main: str) -> None:
    _rust_project(tmp_path, main)
    assert lint(tmp_path, ["VW210"]) == []


def test_rust_actix_web_1_runs_synchronously(tmp_path: Path) -> None:
    _rust_project(tmp_path, ACTIX_DROPPED, deps='actix-web = "1.0"\n')
    assert lint(tmp_path, ["VW210"]) == []


def test_rust_other_binary_not_claimed(tmp_path: Path) -> None:
    """Only the binary the container runs: a dropped server in another bin is not this service's problem."""
    _rust_project(tmp_path, ACTIX_AWAITED)
    write(tmp_path, {"src/bin/tool.rs": ACTIX_DROPPED})
    assert lint(tmp_path, ["VW210"]) == []


def test_rust_broken_main_no_claim(tmp_path: Path) -> None:
    _rust_project(tmp_path, ACTIX_DROPPED.replace("Ok(())", "Ok(( fn"))
    assert lint(tmp_path, ["VW210"]) == []


def test_compose_sh_c_command(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "compose.yaml": "services:\n  api:\n    image: ghcr.io/acme/api:1\n"
            '    command: ["sh", "-c", "/app/migrate & /app/api & echo up"]\n'
            "  worker:\n    image: ghcr.io/acme/api:1\n"
            "    command: sh -c '/app/worker & exec /app/api'\n",
        },
    )
    findings = lint(tmp_path, ["VW210"])
    assert where(findings, tmp_path) == [("VW210", "compose.yaml", 4)]
    assert "`/app/api`" in findings[0].message


STARTUP = """use actix_web::{dev::Server, App, HttpServer};

pub fn run(address: &str) -> Result<Server, std::io::Error> {
    let server = HttpServer::new(|| App::new()).bind(address)?.run();
    Ok(server)
}

pub async fn serve(address: &str) -> std::io::Result<()> {
    HttpServer::new(|| App::new()).bind(address)?.run().await
}

pub fn blocking(address: &str) -> std::io::Result<()> {
    actix_web::rt::System::new().block_on(HttpServer::new(|| App::new()).bind(address)?.run())
}
"""


@pytest.mark.parametrize(
    ("main", "fires"),
    [
        (
            '#[actix_web::main]\nasync fn main() -> std::io::Result<()> {\n    api::run("0.0.0.0:8080")?;\n'
            "    Ok(())\n}\n",
            True,
        ),
        (
            '#[actix_web::main]\nasync fn main() -> std::io::Result<()> {\n    let _ = api::serve("0.0.0.0:8080");\n'
            "    Ok(())\n}\n",
            True,
        ),
        (
            '#[actix_web::main]\nasync fn main() -> std::io::Result<()> {\n    api::run("0.0.0.0:8080")?.await\n}\n',
            False,
        ),
        (
            '#[actix_web::main]\nasync fn main() -> std::io::Result<()> {\n    api::serve("0.0.0.0:8080").await\n}\n',
            False,
        ),
        (
            '#[actix_web::main]\nasync fn main() -> std::io::Result<()> {\n    api::blocking("0.0.0.0:8080")?;\n'
            "    Ok(())\n}\n",
            False,
        ),
    ],
)
def test_rust_server_made_by_a_library_function(tmp_path: Path, main: str, fires: bool) -> None:
    _rust_project(tmp_path, main)
    write(tmp_path, {"src/lib.rs": STARTUP})
    assert bool(lint(tmp_path, ["VW210"])) is fires
