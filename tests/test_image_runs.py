"""VW401 runs-as-root and VW402 no-init-process on what the image really runs: silent when the entrypoint
drops root before it execs the app (su-exec, gosu, setpriv, ...) as a user the image has, and for keep-alive
placeholder boxes (`tail -f /dev/null`) that run no program of their own."""

from __future__ import annotations

from pathlib import Path

from viworks_lint.config import load_config
from viworks_lint.findings import Finding
from viworks_lint.project import Project

from tests.helpers import lint, where, write

CARGO = '[package]\nname = "svc"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\ntokio = "1"\n'
MAIN = "fn main() {}\n"


def _dockerfile(setup: str, start: str) -> str:
    return (
        "FROM rust:1.83 AS build\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\n"
        f"FROM alpine:3.20\n{setup}\n"
        "COPY --from=build /app/target/release/svc /usr/local/bin/svc\n"
        "COPY entrypoint.sh /usr/local/bin/entrypoint.sh\n"
        f"{start}\n"
    )


def _project(root: Path, dockerfile: str, script: str) -> Path:
    return write(root, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": dockerfile, "entrypoint.sh": script})


SCRIPT = '#!/bin/sh\nset -e\nchown -R app:app /data\n# drop root\nexec su-exec app "$@"\n'
SETUP = "RUN apk add --no-cache su-exec && addgroup -S app && adduser -S app -G app"
START = 'ENTRYPOINT ["entrypoint.sh"]\nCMD ["svc"]'


def test_entrypoint_that_drops_to_a_created_user_is_silent(tmp_path: Path) -> None:
    root = _project(tmp_path, _dockerfile(SETUP, START), SCRIPT)
    assert where(lint(root, ["VW401"]), root) == []


def test_gosu_in_the_exec_form_itself_is_silent(tmp_path: Path) -> None:
    setup = "RUN apk add --no-cache gosu && adduser -S -u 10001 app"
    root = _project(tmp_path, _dockerfile(setup, 'ENTRYPOINT ["gosu", "10001", "svc"]'), SCRIPT)
    assert where(lint(root, ["VW401"]), root) == []


def test_drop_to_a_configured_user_without_exec_is_silent_for_root_and_left_to_vw403(tmp_path: Path) -> None:
    """`gosu "$APP_USER" sh -c …` as the last line: the app runs as that user (no VW401); the script's shell stays
    PID 1 (VW403 on the script's last line), which VW402 does not repeat as "no init"."""
    script = '#!/bin/sh\nset -e\nchown -R "$APP_USER" /data\ngosu "$APP_USER" sh -c "svc --serve"\n'
    setup = "RUN apk add --no-cache gosu"
    root = _project(tmp_path, _dockerfile(setup, 'ENTRYPOINT ["/bin/sh", "/usr/local/bin/entrypoint.sh"]'), script)
    assert where(lint(root, ["VW401", "VW402", "VW403"]), root) == [("VW403", "entrypoint.sh", 4)]


def test_init_in_the_shipped_compose_is_enough_whatever_a_benchmark_compose_does(tmp_path: Path) -> None:
    root = _project(tmp_path, _dockerfile("USER 1000", 'ENTRYPOINT ["svc"]'), SCRIPT)
    write(root, {
        "docker-compose.yml": "services:\n  svc:\n    build: .\n    init: true\n",
        "bench/docker-compose.yml": "services:\n  svc:\n    build: ..\n",
    })
    assert lint(root, ["VW402"]) == []
    (root / "docker-compose.yml").write_text("services:\n  svc:\n    build: .\n")
    assert where(lint(root, ["VW402"]), root) == [("VW402", "Dockerfile", 9)]


def test_drop_to_a_user_the_image_never_creates_is_reported_at_the_drop(tmp_path: Path) -> None:
    """alpine has no `app` account and nothing creates one: su-exec fails at start, reported where it drops."""
    root = _project(tmp_path, _dockerfile("RUN apk add --no-cache su-exec", START), SCRIPT)
    found = lint(root, ["VW401"])
    assert where(found, root) == [("VW401", "entrypoint.sh", 5)]
    assert "no such user" in found[0].message and "`alpine:3.20` has none" in found[0].message


def test_drop_to_an_account_the_os_image_has_or_a_package_creates_is_silent(tmp_path: Path) -> None:
    script = '#!/bin/sh\nexec su-exec nobody "$@"\n'
    root = _project(tmp_path, _dockerfile("RUN apk add --no-cache su-exec", START), script)
    assert lint(root, ["VW401"]) == []
    script = '#!/bin/sh\nexec su-exec nginx "$@"\n'
    root = _project(tmp_path / "pkg", _dockerfile("RUN apk add --no-cache su-exec nginx", START), script)
    assert lint(root, ["VW401"]) == []


def test_drop_on_a_base_that_brings_its_own_accounts_is_silent(tmp_path: Path) -> None:
    """`FROM node:20-slim` has a `node` user that no RUN of this file creates: a drop, not root and not broken."""
    dockerfile = _dockerfile("RUN apk add --no-cache su-exec", START).replace("FROM alpine:3.20", "FROM node:20-slim")
    script = '#!/bin/sh\nexec su-exec node "$@"\n'
    root = _project(tmp_path, dockerfile, script)
    assert lint(root, ["VW401"]) == []


def test_drop_only_on_one_branch_is_reported(tmp_path: Path) -> None:
    script = '#!/bin/sh\nif [ "$1" = svc ]; then\n  exec su-exec app "$@"\nfi\nexec "$@"\n'
    root = _project(tmp_path, _dockerfile(SETUP, START), script)
    assert where(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 5)]


def test_drop_tool_the_image_lacks_is_reported(tmp_path: Path) -> None:
    setup = "RUN adduser -S app"
    root = _project(tmp_path, _dockerfile(setup, START), SCRIPT)
    assert where(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 5)]


COMPOSE_CMD = "services:\n  api:\n    build: .\n    command: [\"./target/debug/svc\"]\n"
BOX = "FROM rust:1.83\nCOPY . /work\nWORKDIR /work\nRUN cargo build\n{start}\n"


def _scope(root: Path, rel: str) -> str:
    project = Project(root, load_config(root))
    return next(i.scope.value for p, i in project.scopes.items() if project.rel(p) == rel)


def test_keep_alive_box_is_toolchain_scope_and_silent(tmp_path: Path) -> None:
    for n, start in enumerate(('ENTRYPOINT ["tail", "-f", "/dev/null"]', 'CMD ["sleep", "infinity"]',
                               'CMD sh -c "while true; do sleep 3600; done"')):
        root = write(tmp_path / str(n), {"Cargo.toml": CARGO, "src/main.rs": MAIN,
                                         "Dockerfile": BOX.format(start=start)})
        assert _scope(root, "Dockerfile") == "toolchain"
        assert where(lint(root, ["VW401", "VW402"]), root) == []


def test_box_that_runs_its_binary_or_gets_a_compose_command_is_checked(tmp_path: Path) -> None:
    root = write(tmp_path / "a", {"Cargo.toml": CARGO, "src/main.rs": MAIN,
                                  "Dockerfile": BOX.format(start='CMD ["./target/debug/svc"]')})
    assert _scope(root, "Dockerfile") == "deploy"
    assert where(lint(root, ["VW401", "VW402"]), root) == [("VW401", "Dockerfile", 1), ("VW402", "Dockerfile", 5)]
    root = write(tmp_path / "b", {"Cargo.toml": CARGO, "src/main.rs": MAIN,
                                  "Dockerfile": BOX.format(start='CMD ["sleep", "infinity"]'),
                                  "compose.yaml": COMPOSE_CMD})
    assert _scope(root, "Dockerfile") == "deploy"
    assert [f.rule_id for f in lint(root, ["VW401"])] == ["VW401"]


RUNTIME = "FROM rust:1.83 AS build\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\n" \
    "FROM {base}\nCOPY --from=build /app/target/release/svc /usr/local/bin/svc\nCMD [\"svc\"]\n"


def test_variants_of_one_image_are_one_finding(tmp_path: Path) -> None:
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN,
                            "Dockerfile": RUNTIME.format(base="debian:bookworm-slim"),
                            "Dockerfile.alpine": RUNTIME.format(base="alpine:3.20")})
    found = lint(root, ["VW401"])
    assert where(found, root) == [("VW401", "Dockerfile", 5)]
    assert [r.location.path.name for r in found[0].related] == ["Dockerfile.alpine"]
    assert found[0].key == "nouser:1"


def test_same_binary_name_from_different_packages_stays_apart(tmp_path: Path) -> None:
    files: dict[str, str] = {}
    for pkg in ("a", "b"):
        files[f"{pkg}/Cargo.toml"] = CARGO.replace('name = "svc"', f'name = "{pkg}"') + \
            '\n[[bin]]\nname = "svc"\npath = "src/main.rs"\n'
        files[f"{pkg}/src/main.rs"] = MAIN
        files[f"{pkg}/Dockerfile"] = RUNTIME.format(base="debian:bookworm-slim")
    root = write(tmp_path, files)
    assert where(lint(root, ["VW401"]), root) == [("VW401", "a/Dockerfile", 5), ("VW401", "b/Dockerfile", 5)]


JOB = """#[tokio::main]
async fn main() {
    let rows = vec![1, 2, 3];
    for row in rows {
        println!("backfilled {row}");
    }
}
"""
WORKER = JOB.replace("    let rows", "    loop {\n        poll().await;\n    }\n    let rows") + "async fn poll() {}\n"
CLI = """use clap::{Parser, Subcommand};

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command { Deploy, Status }

fn main() {
    let _cli = Cli::parse();
}
"""


def _lv(f: Finding) -> str | None:
    return f.level.value if f.level else None


def _image(root: Path, main: str, extra: str = "") -> Path:
    return write(root, {"Cargo.toml": CARGO, "src/main.rs": main,
                        "Dockerfile": RUNTIME.format(base="debian:bookworm-slim") + extra})


def test_one_shot_job_vw402_is_a_note_that_says_why(tmp_path: Path) -> None:
    found = lint(_image(tmp_path / "job", JOB), ["VW401", "VW402"])
    assert [(f.rule_id, _lv(f)) for f in found] == [("VW401", "warning"), ("VW402", "note")]
    assert "one-shot job that runs to completion" in found[1].message
    found = lint(_image(tmp_path / "worker", WORKER), ["VW402"])
    assert [(f.rule_id, _lv(f)) for f in found] == [("VW402", "warning")]
    found = lint(_image(tmp_path / "exposed", JOB, "EXPOSE 8080\n"), ["VW402"])
    assert [(f.rule_id, _lv(f)) for f in found] == [("VW402", "warning")]


def test_cli_tool_image_is_a_note_for_root_and_init(tmp_path: Path) -> None:
    found = lint(_image(tmp_path / "cli", CLI), ["VW401", "VW402"])
    assert [(f.rule_id, _lv(f)) for f in found] == [("VW401", "note"), ("VW402", "note")]
    assert "command-line tool" in found[0].message
    served = write(tmp_path / "served", {"Cargo.toml": CARGO, "src/main.rs": CLI,
                                         "Dockerfile": RUNTIME.format(base="debian:bookworm-slim"),
                                         "compose.yaml": "services:\n  cli:\n    build: .\n    restart: always\n"})
    assert [(f.rule_id, _lv(f)) for f in lint(served, ["VW401"])] == [("VW401", "warning")]


SOCK = "services:\n  agent:\n    {how}\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n"


def test_service_that_mounts_the_docker_socket_makes_root_a_note(tmp_path: Path) -> None:
    agent = {"Cargo.toml": CARGO.replace('name = "svc"', 'name = "agent"'), "src/main.rs": "fn main() {}\n",
             "Dockerfile": RUNTIME.format(base="debian:bookworm-slim").replace("svc", "agent")}
    built = write(tmp_path / "built", {**agent, "compose.yaml": SOCK.format(how="build: .")})
    found = lint(built, ["VW401"])
    assert [_lv(f) for f in found] == ["note"] and "Docker socket" in found[0].message
    published = write(tmp_path / "pub", {**agent, "compose.yaml": SOCK.format(how="image: ghcr.io/acme/shop-agent:2")})
    assert [_lv(f) for f in lint(published, ["VW401"])] == ["note"]
    plain = write(tmp_path / "plain", {**agent, "compose.yaml": "services:\n  agent:\n    build: .\n"})
    assert [_lv(f) for f in lint(plain, ["VW401"])] == ["warning"]
    other = write(tmp_path / "other", {**agent, "compose.yaml": SOCK.format(how="image: portainer/portainer-ce")})
    assert [_lv(f) for f in lint(other, ["VW401"])] == ["warning"]


LIB = """pub async fn spawn_workers() {
    let mut set = tokio::task::JoinSet::new();
    set.spawn(async { tick().await });
    while set.join_next().await.is_some() {}
}

pub async fn backfill() -> usize {
    let mut n = 0;
    loop {
        n += 1;
        if n > 10 { break n; }
    }
}

async fn tick() {}
"""


def _job(root: Path, job: str) -> Path:
    return write(root, {
        "Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "src/lib.rs": LIB, "src/bin/job.rs": job,
        "Dockerfile": RUNTIME.format(base="debian:bookworm-slim").replace("release/svc", "release/job")
                      .replace('CMD ["svc"]', 'CMD ["job"]').replace("/usr/local/bin/svc", "/usr/local/bin/job"),
    })


def test_job_that_hands_over_to_a_library_worker_pool_stays_a_warning(tmp_path: Path) -> None:
    call = "#[tokio::main]\nasync fn main() {{\n    svc::{}().await;\n}}\n"
    once = lint(_job(tmp_path / "once", call.format("backfill")), ["VW402"])
    assert [_lv(f) for f in once] == ["note"]  # the helper's own loop ends
    pool = lint(_job(tmp_path / "pool", call.format("spawn_workers")), ["VW402"])
    assert [_lv(f) for f in pool] == ["warning"]


def test_image_that_only_installs_a_registry_tool_runs_no_code_of_the_repository(tmp_path: Path) -> None:
    """`cargo install sqlx-cli` on a rust base, then `sqlx migrate run`: a migration job with a third-party
    tool, so root and init are advice; an image that builds the repository's crate stays a warning."""
    migrate = ("FROM rust:1.80-alpine\nRUN cargo install sqlx-cli --no-default-features --features postgres\n"
               "WORKDIR /migrations\nCOPY migrations ./migrations\nCMD [\"sqlx\", \"migrate\", \"run\"]\n")
    root = write(tmp_path, {
        "Cargo.toml": CARGO, "src/main.rs": MAIN, "migrations/0001_init.sql": "create table t (id int);\n",
        "Dockerfile.migrate": migrate,
        "Dockerfile": "FROM rust:1.80-alpine\nCOPY . /app\nWORKDIR /app\nRUN cargo install --path .\nCMD [\"svc\"]\n",
    })
    found = lint(root, ["VW401", "VW402"])
    levels = sorted((where([f], root)[0][1], f.rule_id, f.effective_level.value) for f in found)
    assert ("Dockerfile", "VW401", "warning") in levels
    assert [x for x in levels if x[0] == "Dockerfile.migrate"] == [
        ("Dockerfile.migrate", "VW401", "note"), ("Dockerfile.migrate", "VW402", "note"),
    ]


def test_drop_to_a_variable_that_the_image_sets_to_root_is_no_drop(tmp_path: Path) -> None:
    script = '#!/bin/sh\nexec gosu "$RUN_AS" /usr/local/bin/svc\n'
    setup = "RUN apk add --no-cache gosu\nENV RUN_AS=root"
    root = _project(tmp_path, _dockerfile(setup, 'ENTRYPOINT ["entrypoint.sh"]'), script)
    assert where(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 5)]


def test_nightly_cargo_build_from_a_subfolder_still_builds_the_repository(tmp_path: Path) -> None:
    dockerfile = ("FROM rustlang/rust:nightly-slim\nWORKDIR /srv\nCOPY backend/ ./\nRUN cargo +nightly build --release\n"
                  "CMD [\"/srv/target/release/svc\"]\n")
    root = write(tmp_path, {"backend/Cargo.toml": CARGO, "backend/src/main.rs": MAIN, "Dockerfile": dockerfile})
    found = lint(root, ["VW401"])
    assert [(f.rule_id, f.effective_level.value) for f in found] == [("VW401", "warning")]
