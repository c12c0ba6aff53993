"""VW402 no-init-process against the Rust code the image runs: silent when the app handles SIGTERM itself
and starts no child process, kept (with a message that says why) otherwise, and not repeated on a shell-form
ENTRYPOINT/CMD that VW403 reports."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint, where, write
from viworks_lint.findings import Level

DOCKERFILE = """FROM rust:1.83 AS build
WORKDIR /app
COPY . .
RUN cargo build --release
FROM debian:bookworm-slim
COPY --from=build /app/target/release/svc /usr/local/bin/svc
USER 1000
CMD ["svc"]
"""

COMPOSE = "services:\n  api:\n    build: .\n    ports:\n      - \"8080:8080\"\n"


def _cargo(deps: str) -> str:
    return f'[package]\nname = "svc"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n{deps}'


def _project(root: Path, main: str, deps: str = 'tokio = "1"\n', *, compose: bool = True,
             extra: dict[str, str] | None = None, dockerfile: str = DOCKERFILE) -> Path:
    files = {"Cargo.toml": _cargo(deps), "src/main.rs": main, "Dockerfile": dockerfile, **(extra or {})}
    if compose:
        files["compose.yaml"] = COMPOSE
    return write(root, files)


ACTIX = """use actix_web::{get, App, HttpServer};

#[get("/ping")]
async fn ping() -> &'static str { "pong" }

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    HttpServer::new(|| App::new().service(ping)).bind("0.0.0.0:8080")?.run().await
}
"""

AXUM_SIGTERM = """use axum::{routing::get, Router};
use tokio::signal::unix::{signal, SignalKind};

#[tokio::main]
async fn main() {
    let app = Router::new().route("/health", get(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await.unwrap();
    axum::serve(listener, app).with_graceful_shutdown(shutdown()).await.unwrap();
}

async fn shutdown() {
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        _ = term.recv() => {},
    }
}
"""

AXUM_CTRL_C = """use axum::{routing::get, Router};

#[tokio::main]
async fn main() {
    let app = Router::new().route("/health", get(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await.unwrap();
    // TODO: also stop on SignalKind::terminate()
    axum::serve(listener, app)
        .with_graceful_shutdown(async { tokio::signal::ctrl_c().await.unwrap() })
        .await
        .unwrap();
}
"""

AXUM_PLAIN = """use axum::{routing::get, Router};

#[tokio::main]
async fn main() {
    let app = Router::new().route("/health", get(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await.unwrap();
    axum::serve(listener, app).await.unwrap();
}
"""

SIGNAL_HOOK = """mod worker;

fn main() {
    let term = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGTERM, term.clone()).unwrap();
    worker::run(term);
}
"""

WORKER = """pub fn run(term: std::sync::Arc<std::sync::atomic::AtomicBool>) {
    while !term.load(std::sync::atomic::Ordering::Relaxed) {
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
}
"""

WORKER_SPAWNS = """use std::process::Command;

pub fn run(term: std::sync::Arc<std::sync::atomic::AtomicBool>) {
    while !term.load(std::sync::atomic::Ordering::Relaxed) {
        Command::new("/hooks/on-tick").spawn().unwrap();
    }
}
"""

CTRLC = """fn main() {
    ctrlc::set_handler(|| std::process::exit(0)).expect("handler");
    loop {
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
}
"""


def test_actix_default_signal_handling_is_a_note(tmp_path: Path) -> None:
    # actix-web's HttpServer stops on SIGTERM by default: only reaping is missing, which is advice
    root = _project(tmp_path, ACTIX, 'actix-web = "4"\n')
    found = lint(root, ["VW402"])
    assert where(found, root) == [("VW402", "Dockerfile", 8)]
    assert found[0].level is Level.NOTE
    assert "actix-web's `HttpServer` stops it on SIGTERM by itself" in found[0].message
    assert found[0].related[-1].location.path.name == "main.rs" and found[0].related[-1].location.line == 8


def test_actix_with_signals_disabled_is_a_warning(tmp_path: Path) -> None:
    main = ACTIX.replace(".run().await", ".disable_signals().run().await")
    root = _project(tmp_path, main, 'actix-web = "4"\n')
    found = lint(root, ["VW402"])
    assert where(found, root) == [("VW402", "Dockerfile", 8)]
    assert found[0].level is Level.WARNING and "SIGTERM may be ignored" in found[0].message


def test_actix_that_spawns_children_is_a_warning(tmp_path: Path) -> None:
    main = ACTIX.replace("async fn main() -> std::io::Result<()> {",
                         "async fn main() -> std::io::Result<()> {\n    std::process::Command::new(\"worker\").spawn()?;")
    root = _project(tmp_path, main, 'actix-web = "4"\n')
    found = lint(root, ["VW402"])
    assert [f.level for f in found] == [Level.WARNING]


ROCKET = """#[macro_use] extern crate rocket;

#[get("/")]
fn index() -> &'static str { "ok" }

#[launch]
fn rocket() -> _ {
    rocket::build().mount("/", routes![index])
}
"""


def test_rocket_05_default_signal_handling_is_a_note_and_04_is_a_warning(tmp_path: Path) -> None:
    new = _project(tmp_path / "new", ROCKET, 'rocket = "0.5.1"\n')
    assert [(f.level, "Rocket stops it on SIGTERM" in f.message) for f in lint(new, ["VW402"])] == [(Level.NOTE, True)]
    old = _project(tmp_path / "old", ROCKET, 'rocket = "0.4.11"\n')
    assert [f.level for f in lint(old, ["VW402"])] == [Level.WARNING]


PINGORA = """use pingora::server::Server;

fn main() {
    let mut server = Server::new(None).unwrap();
    server.bootstrap();
    server.run_forever();
}
"""


def test_pingora_run_forever_is_a_note_from_the_framework_data(tmp_path: Path) -> None:
    # rules/signal_frameworks.json: pingora's run_forever installs SIGTERM/SIGINT/SIGQUIT handlers
    proxy = _project(tmp_path / "proxy", PINGORA, 'pingora = "0.4"\n')
    found = lint(proxy, ["VW402"])
    assert [(f.level, "pingora's `Server::run_forever` stops it" in f.message) for f in found] == [(Level.NOTE, True)]
    # the same call name from some other crate is no framework's handler
    other = _project(tmp_path / "other", PINGORA.replace("use pingora::server::Server;", "use looper::Server;"),
                     'looper = "1"\n')
    assert [f.level for f in lint(other, ["VW402"])] == [Level.WARNING]


def test_stopsignal_sigint_with_a_ctrl_c_handler_is_silent(tmp_path: Path) -> None:
    dockerfile = DOCKERFILE.replace('CMD ["svc"]', 'STOPSIGNAL SIGINT\nCMD ["svc"]')
    root = _project(tmp_path / "int", AXUM_CTRL_C, 'axum = "0.7"\ntokio = "1"\n', dockerfile=dockerfile)
    assert lint(root, ["VW402"]) == []
    # the same code under the default SIGTERM stop signal is not handled
    plain = _project(tmp_path / "term", AXUM_CTRL_C, 'axum = "0.7"\ntokio = "1"\n')
    assert [f.level for f in lint(plain, ["VW402"])] == [Level.WARNING]


def test_compose_stop_signal_counts_too(tmp_path: Path) -> None:
    root = _project(tmp_path, AXUM_CTRL_C, 'axum = "0.7"\ntokio = "1"\n')
    (root / "compose.yaml").write_text(COMPOSE + "    stop_signal: SIGINT\n")
    assert lint(root, ["VW402"]) == []


def test_actix_with_its_own_sigterm_handler_is_silent(tmp_path: Path) -> None:
    main = ACTIX.replace("use actix_web", "use tokio::signal::unix::SignalKind;\nuse actix_web").replace(
        ".run().await", ".disable_signals().run().await"
    ) + "\nfn term() -> SignalKind {\n    SignalKind::terminate()\n}\n"
    root = _project(tmp_path, main, 'actix-web = "4"\ntokio = "1"\n')
    assert lint(root, ["VW402"]) == []


def test_silent_for_axum_graceful_shutdown_on_sigterm(tmp_path: Path) -> None:
    root = _project(tmp_path, AXUM_SIGTERM, 'axum = "0.7"\ntokio = { version = "1", features = ["full"] }\n')
    assert lint(root, ["VW402"]) == []


def test_ctrl_c_alone_is_not_enough(tmp_path: Path) -> None:
    # tokio::signal::ctrl_c is SIGINT only; a mention in a comment does not count either
    root = _project(tmp_path, AXUM_CTRL_C, 'axum = "0.7"\ntokio = { version = "1", features = ["full"] }\n')
    assert where(lint(root, ["VW402"]), root) == [("VW402", "Dockerfile", 8)]


def test_no_handler_is_reported(tmp_path: Path) -> None:
    root = _project(tmp_path, AXUM_PLAIN, 'axum = "0.7"\ntokio = { version = "1", features = ["full"] }\n')
    assert where(lint(root, ["VW402"]), root) == [("VW402", "Dockerfile", 8)]


def test_handler_only_in_tests_does_not_count(tmp_path: Path) -> None:
    main = AXUM_PLAIN + (
        "\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn term() {\n"
        "        let _ = tokio::signal::unix::SignalKind::terminate();\n    }\n}\n"
    )
    root = _project(tmp_path, main, 'axum = "0.7"\ntokio = { version = "1", features = ["full"] }\n')
    assert where(lint(root, ["VW402"]), root) == [("VW402", "Dockerfile", 8)]


def test_silent_for_signal_hook_in_a_module(tmp_path: Path) -> None:
    root = _project(tmp_path, SIGNAL_HOOK, 'signal-hook = "0.3"\n', extra={"src/worker.rs": WORKER})
    assert lint(root, ["VW402"]) == []


def test_handler_but_child_processes_is_reported_with_the_spawn(tmp_path: Path) -> None:
    root = _project(tmp_path, SIGNAL_HOOK, 'signal-hook = "0.3"\n', extra={"src/worker.rs": WORKER_SPAWNS})
    found = lint(root, ["VW402"])
    assert where(found, root) == [("VW402", "Dockerfile", 8)]
    assert "handles its stop signal itself" in found[0].message and "SIGTERM may be ignored" not in found[0].message
    spawn = found[0].related[-1]
    assert (spawn.location.path.name, spawn.location.line, spawn.message) == (
        "worker.rs", 5, "the app starts a child process here")


def test_build_script_commands_do_not_count(tmp_path: Path) -> None:
    build_rs = 'fn main() {\n    std::process::Command::new("git").status().unwrap();\n}\n'
    root = _project(tmp_path, AXUM_SIGTERM, 'axum = "0.7"\ntokio = "1"\n', extra={"build.rs": build_rs})
    assert lint(root, ["VW402"]) == []


def test_ctrlc_needs_the_termination_feature(tmp_path: Path) -> None:
    plain = _project(tmp_path / "plain", CTRLC, 'ctrlc = "3"\n')
    assert where(lint(plain, ["VW402"]), plain) == [("VW402", "Dockerfile", 8)]
    term = _project(tmp_path / "term", CTRLC, 'ctrlc = { version = "3", features = ["termination"] }\n')
    assert lint(term, ["VW402"]) == []


def test_standalone_image_uses_the_built_code(tmp_path: Path) -> None:
    handled = _project(tmp_path / "handled", AXUM_SIGTERM, 'axum = "0.7"\ntokio = "1"\n', compose=False)
    assert lint(handled, ["VW402"]) == []
    plain = _project(tmp_path / "plain", AXUM_PLAIN, 'axum = "0.7"\n', compose=False)
    assert where(lint(plain, ["VW402"]), plain) == [("VW402", "Dockerfile", 8)]


def test_prebuilt_binary_is_linked_by_its_name(tmp_path: Path) -> None:
    # a binary built outside Docker (host `cargo build`, a CI artifact): the repository's one package with a
    # binary of that name is the code it runs
    dockerfile = "FROM debian:bookworm-slim\nCOPY target/release/svc /usr/local/bin/svc\nCMD [\"svc\"]\n"
    root = _project(tmp_path / "named", AXUM_SIGTERM, 'axum = "0.7"\ntokio = "1"\n', dockerfile=dockerfile)
    assert lint(root, ["VW402"]) == []
    # a program no package builds: which code runs is unknown, so the handler in the repo proves nothing
    other = dockerfile.replace("svc", "gateway")
    root = _project(tmp_path / "other", AXUM_SIGTERM, 'axum = "0.7"\ntokio = "1"\n', dockerfile=other)
    found = lint(root, ["VW402"])
    assert where(found, root) == [("VW402", "Dockerfile", 3)]
    assert "SIGTERM may be ignored" in found[0].message


def test_cargo_install_output_copied_under_another_name_is_the_built_package(tmp_path: Path) -> None:
    # `cargo install --path .` puts the package's binary in /usr/local/cargo/bin; the final stage copies a
    # name the package does not have (the build then fails, VW106's business): the code is still the one package
    dockerfile = ("FROM rust:1.83 AS builder\nWORKDIR /src\nCOPY . .\nRUN cargo install --path .\n"
                  "FROM debian:bookworm-slim\nCOPY --from=builder /usr/local/cargo/bin/web /usr/local/bin/web\n"
                  "CMD [\"web\"]\n")
    handled = _project(tmp_path / "handled", AXUM_SIGTERM, 'axum = "0.7"\ntokio = "1"\n', compose=False,
                       dockerfile=dockerfile)
    assert lint(handled, ["VW402"]) == []
    plain = _project(tmp_path / "plain", AXUM_PLAIN, 'axum = "0.7"\n', compose=False, dockerfile=dockerfile)
    assert where(lint(plain, ["VW402"]), plain) == [("VW402", "Dockerfile", 7)]
    # several binaries: which one the copied name meant is unknown, so another binary's handler proves nothing
    several = _project(tmp_path / "several", AXUM_PLAIN, 'axum = "0.7"\ntokio = "1"\n', compose=False,
                       dockerfile=dockerfile, extra={"src/bin/worker.rs": AXUM_SIGTERM})
    assert where(lint(several, ["VW402"]), several) == [("VW402", "Dockerfile", 7)]


def test_shell_form_cmd_is_left_to_vw403(tmp_path: Path) -> None:
    shell = DOCKERFILE.replace('CMD ["svc"]', "CMD sleep 5 && svc")
    root = _project(tmp_path / "shell", AXUM_PLAIN, 'axum = "0.7"\n', dockerfile=shell)
    assert where(lint(root, ["VW402", "VW403"]), root) == [("VW403", "Dockerfile", 8)]
    sh_c = DOCKERFILE.replace('CMD ["svc"]', 'CMD ["sh", "-c", "migrate && svc"]')
    root = _project(tmp_path / "sh-c", AXUM_PLAIN, 'axum = "0.7"\n', dockerfile=sh_c)
    assert where(lint(root, ["VW402", "VW403"]), root) == [("VW403", "Dockerfile", 8)]
    # `exec` makes the app PID 1 again: VW402's question is back
    exec_form = DOCKERFILE.replace('CMD ["svc"]', "CMD exec svc")
    root = _project(tmp_path / "exec", AXUM_PLAIN, 'axum = "0.7"\n', dockerfile=exec_form)
    assert where(lint(root, ["VW402", "VW403"]), root) == [("VW402", "Dockerfile", 8)]


def test_bash_c_list_execs_its_last_command_from_bash_5_1(tmp_path: Path) -> None:
    """`bash -c "migrate && svc"`: bash ≥ 5.1 (Debian 11+, Ubuntu 22.04+) execs `svc` in its own place, so
    the app is PID 1 (VW402's question, not VW403's). `sh` (dash), bash 5.0 (Ubuntu 20.04), an unknown
    distribution, or a redirection on the last command keep the shell as PID 1."""
    bash_c = DOCKERFILE.replace('CMD ["svc"]', 'CMD ["bash", "-c", "migrate && svc"]')
    root = _project(tmp_path / "bookworm", AXUM_PLAIN, 'axum = "0.7"\n', dockerfile=bash_c)
    assert where(lint(root, ["VW402", "VW403"]), root) == [("VW402", "Dockerfile", 8)]
    for name, dockerfile in {
        "focal": bash_c.replace("debian:bookworm-slim", "ubuntu:20.04"),
        "unknown": bash_c.replace("debian:bookworm-slim", "example/runtime:1"),
        "dash": bash_c.replace('"bash"', '"sh"'),
        "redirect": bash_c.replace("&& svc", "&& svc >> /var/log/svc.log"),
    }.items():
        root = _project(tmp_path / name, AXUM_PLAIN, 'axum = "0.7"\n', dockerfile=dockerfile)
        assert where(lint(root, ["VW402", "VW403"]), root) == [("VW403", "Dockerfile", 8)], name


def test_entrypoint_script_is_followed_to_the_binary_it_runs(tmp_path: Path) -> None:
    # `ENTRYPOINT ["/entrypoint.sh"]` with `exec "$@"` and `CMD ["svc"]`: the binary is the CMD's
    dockerfile = ("FROM debian:bookworm-slim\nCOPY target/release/svc /usr/local/bin/svc\n"
                  "COPY --chmod=755 entrypoint.sh /entrypoint.sh\nUSER 1000\n"
                  "ENTRYPOINT [\"/entrypoint.sh\"]\nCMD [\"svc\"]\n")
    script = "#!/bin/sh\nset -e\nmkdir -p /tmp/data\nexec \"$@\"\n"
    root = _project(tmp_path / "handled", AXUM_SIGTERM, 'axum = "0.7"\ntokio = "1"\n', dockerfile=dockerfile,
                    extra={"entrypoint.sh": script})
    assert lint(root, ["VW402"]) == []
    root = _project(tmp_path / "plain", AXUM_PLAIN, 'axum = "0.7"\ntokio = "1"\n', dockerfile=dockerfile,
                    extra={"entrypoint.sh": script})
    assert where(lint(root, ["VW402"]), root) == [("VW402", "Dockerfile", 5)]


def test_children_the_app_waits_for_need_no_init(tmp_path: Path) -> None:
    # `.status()`/`.output()`/`wait_with_output()` reap the child: no zombie is left for an init to collect
    waited = WORKER_SPAWNS.replace(".spawn().unwrap();", ".status().unwrap();")
    root = _project(tmp_path, SIGNAL_HOOK, 'signal-hook = "0.3"\n', extra={"src/worker.rs": waited})
    assert lint(root, ["VW402"]) == []


def _picked_by_arg(root: Path, second_main: str) -> Path:
    pkg = '[package]\nname = "{n}"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\nactix-web = "4"\n'
    return write(root, {
        "Cargo.toml": '[workspace]\nmembers = ["api", "push"]\n',
        "api/Cargo.toml": pkg.format(n="api"), "api/src/main.rs": ACTIX,
        "push/Cargo.toml": pkg.format(n="push"), "push/src/main.rs": second_main,
        "entrypoint.sh": '#!/bin/sh\nexec "$BINARY" "$@"\n',
        "Dockerfile": "FROM rust:1.83 AS build\nARG CRATE\nWORKDIR /app\nCOPY . .\n"
                      "RUN cargo install --path $CRATE --root /app\n"
                      "FROM debian:bookworm-slim\nARG BINARY\nCOPY --from=build /app/bin /app/bin\n"
                      "COPY entrypoint.sh /app/entrypoint.sh\nENV BINARY=/app/bin/$BINARY\nUSER 1000\n"
                      'ENTRYPOINT ["/app/entrypoint.sh"]\n',
    })


def test_binary_picked_by_a_build_argument_among_framework_servers_is_a_note(tmp_path: Path) -> None:
    servers = _picked_by_arg(tmp_path / "servers", ACTIX)
    found = lint(servers, ["VW402"])
    assert [(f.level, "stops it on SIGTERM by itself" in f.message) for f in found] == [(Level.NOTE, True)]
    poller = "fn main() { loop { std::thread::sleep(std::time::Duration::from_secs(1)); } }\n"
    mixed = _picked_by_arg(tmp_path / "mixed", poller)
    assert [f.level for f in lint(mixed, ["VW402"])] == [Level.WARNING]


LOCO = """use loco_rs::cli;
use migration::Migrator;
use shop::app::App;

#[tokio::main]
async fn main() -> loco_rs::Result<()> {
    cli::main::<App, Migrator>().await
}
"""


def test_loco_stops_on_sigterm_from_0_13_2(tmp_path: Path) -> None:
    # rules/signal_frameworks.json: loco stops on SIGTERM, the server from 0.11 and a worker-only container from 0.13.2
    new = _project(tmp_path / "new", LOCO, 'loco-rs = "0.14"\ntokio = "1"\n')
    assert [(f.level, "loco's `Hooks::serve` stops it" in f.message) for f in lint(new, ["VW402"])] == [
        (Level.NOTE, True)
    ]
    old = _project(tmp_path / "old", LOCO, 'loco-rs = "0.12"\ntokio = "1"\n')
    assert [f.level for f in lint(old, ["VW402"])] == [Level.WARNING]
