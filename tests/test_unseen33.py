"""Situations read on a thirty-third set of repositories and on what earlier sets left open."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint, write
from tests.unseen_fixtures import CARGO, got, scope_of

ROOTFS = (
    "FROM rust:1.83-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
    "FROM gcr.io/distroless/cc-debian12:nonroot AS base\n"
    "FROM busybox:1.36 AS cleaner\nCOPY --from=base / /clean\nRUN rm -r /clean/usr/lib/*-linux-gnu/libgomp*\n"
    "FROM scratch\nCOPY --from=cleaner /clean /\n"
    "COPY --from=build /src/target/release/shop /home/nonroot/shop\nUSER nonroot\n"
    'ENTRYPOINT ["/home/nonroot/shop"]\n'
)


def test_vw206_a_root_file_system_another_stage_assembled_is_copied_onto_slash(tmp_path: Path) -> None:
    """`COPY --from=base / /clean` in a busybox stage, then `COPY --from=cleaner /clean /` in `scratch`: the
    scratch image gets the distroless root file system (glibc included), not a file named `/clean`."""
    files = {"Dockerfile": ROOTFS, "Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n"}
    root = write(tmp_path / "tree", files)
    assert got(lint(root, ["VW206"]), root) == []
    # a file the earlier stage made is still a file: the binary copied to `/` leaves scratch without a C library
    lone = ROOTFS.replace("COPY --from=base / /clean\n", "COPY --from=base /tmp/marker /clean\n")
    root = write(tmp_path / "file", {**files, "Dockerfile": lone})
    assert got(lint(root, ["VW206"]), root) == [("VW206", "Dockerfile", 9, "error")]


def test_code_text_keeps_code_after_strings_that_look_like_comments(tmp_path: Path) -> None:
    """`"/static/*path"` and `"http://…"` are strings: the code after them is code (a server start the readers of
    the comment-free text look for), while real comments still go."""
    from viworks_lint.signals import code_text  # the comment-free reading of lint/rust/literals.py

    src = (
        'let app = Router::new().route("/static/*path", get(files)); // a comment\n'
        'let url = "http://0.0.0.0:3000"; axum::serve(listener, app).await?;\n'
        "let c = '\"'; /* gone */ let accept = \"*/*\";\n"
        'let raw = r#"a " // b"#; tokio::signal::ctrl_c().await?;\n'
    )
    path = tmp_path / "main.rs"
    path.write_text(src)
    text = code_text(path)
    assert "axum::serve(listener, app)" in text and "ctrl_c()" in text and 'accept = "*/*"' in text
    assert "a comment" not in text and "gone" not in text
    assert [len(line) for line in text.splitlines()] == [len(line) for line in src.splitlines()]


INCLUDED = (
    "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_USER: ${POSTGRES_USER}\n"
    "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}\n      POSTGRES_DB: ${POSTGRES_DB}\n"
)


def test_vw202_an_included_compose_file_gets_the_including_projects_dotenv(tmp_path: Path) -> None:
    """`include: [infra/compose/docker-compose.db.yml]` in the root compose file: compose interpolates the included
    file with the root project's `.env` too, not only a `.env` beside the included file."""
    files = {
        "compose.yaml": "include:\n  - infra/compose/docker-compose.db.yml\n",
        "infra/compose/docker-compose.db.yml": INCLUDED,
        ".env": "POSTGRES_USER=app\nPOSTGRES_PASSWORD=secret\nPOSTGRES_DB=app\n",
    }
    root = write(tmp_path / "root-env", files)
    assert got(lint(root, ["VW202"]), root) == []
    # the long syntax with its own env_file: that file and the root's `.env`, not the `.env` beside the file
    entry = "include:\n  - path: infra/compose/docker-compose.db.yml\n    env_file: infra/db.env\n"
    long = {**files, "compose.yaml": entry, "infra/db.env": "POSTGRES_USER=app\nPOSTGRES_PASSWORD=secret\n",
            ".env": "POSTGRES_DB=app\n"}
    root = write(tmp_path / "long", long)
    assert got(lint(root, ["VW202"]), root) == []
    beside = {**long, ".env": "X=1\n", "infra/compose/.env": "POSTGRES_DB=app\n"}
    root = write(tmp_path / "beside", beside)
    assert got(lint(root, ["VW202"]), root) == [("VW202", "infra/compose/docker-compose.db.yml", 7, "warning")]
    # nothing includes it: the root `.env` is not its project's
    alone = {**files, "compose.yaml": "services:\n  web:\n    image: nginx:1.27\n"}
    root = write(tmp_path / "alone", alone)
    assert [f.location.line for f in lint(root, ["VW202"]) if f.effective_level.value == "warning"] == [5, 7]


def test_vw202_a_committed_env_dev_beside_an_ignored_dotenv_is_the_values_to_copy(tmp_path: Path) -> None:
    """`.env` is git-ignored and `.env.dev` holds every variable (with `export` lines): one note that names the
    copy, not a warning per variable."""
    files = {
        "compose.yaml": INCLUDED,
        ".gitignore": ".env\n",
        ".env.dev": "export POSTGRES_USER=app\nexport POSTGRES_PASSWORD=secret\nexport POSTGRES_DB=app\n",
    }
    root = write(tmp_path, files)
    found = lint(root, ["VW202"])
    assert got(found, root) == [("VW202", "compose.yaml", 5, "note")]
    assert "`.env.dev`" in found[0].message
    # a `.env.dev` the repository ignores too is someone's own file, not the template it hands out
    write(root, {".gitignore": ".env\n.env.dev\n"})
    assert not any("the template beside it" in f.message for f in lint(root, ["VW202"]))


BUNDLE = (
    "services:\n  migrate:\n    image: postgres:16-alpine\n    command: [\"/run-migrations.sh\"]\n"
    "    volumes:\n      - ./docker/run-migrations.sh:/run-migrations.sh:ro\n"
)
PACKAGE = (
    "#!/usr/bin/env bash\nset -euo pipefail\nrepo_root=\"$(cd \"$(dirname \"$0\")/..\" && pwd)\"\n"
    "bundle_dir=\"${1:-${repo_root}/dist/bundle}\"\n"
    "copy_file() { mkdir -p \"$(dirname \"$2\")\"; cp \"$1\" \"$2\"; }\n"
    "copy_file \"${repo_root}/docker/run-migrations.sh\" \"${bundle_dir}/docker/run-migrations.sh\"\n"
    "tar -czf bundle.tgz -C \"${bundle_dir}\" .\n"
)


def test_vw204_a_bundle_folder_a_packaging_script_fills_from_the_repository(tmp_path: Path) -> None:
    """`dist/bundle/compose.yaml` mounts `./docker/run-migrations.sh`; `scripts/package.sh`, which names
    `dist/bundle`, copies `docker/run-migrations.sh` of the repository there: a note naming that line."""
    files = {"dist/bundle/compose.yaml": BUNDLE, "docker/run-migrations.sh": "#!/bin/sh\n",
             "scripts/package.sh": PACKAGE}
    root = write(tmp_path / "bundle", files)
    found = lint(root, ["VW204"])
    assert got(found, root) == [("VW204", "dist/bundle/compose.yaml", 6, "note")]
    assert "scripts/package.sh" in found[0].message and "copy_file" in found[0].message
    # a script that copies a file of another name there (`run-migrations.sh.bak`) creates nothing it mounts
    other = PACKAGE.replace("/docker/run-migrations.sh\" \"${bundle_dir}/docker/run-migrations.sh",
                            "/docker/run-migrations.sh\" \"${bundle_dir}/docker/run-migrations.sh.bak")
    other = other.replace("${repo_root}/docker/run-migrations.sh\"", "${repo_root}/docker/run-migrations.sh.bak\"")
    root = write(tmp_path / "other", {**files, "scripts/package.sh": other})
    assert got(lint(root, ["VW204"]), root) == [("VW204", "dist/bundle/compose.yaml", 6, "error")]
    # a script that names the folder but copies the file elsewhere (`/etc/…`) puts nothing in the bundle
    elsewhere = "#!/bin/sh\n# see dist/bundle\nsudo cp docker/run-migrations.sh /usr/local/bin/run-migrations.sh\n"
    root = write(tmp_path / "elsewhere", {**files, "scripts/package.sh": elsewhere})
    assert got(lint(root, ["VW204"]), root) == [("VW204", "dist/bundle/compose.yaml", 6, "error")]


TARGETS = (
    "FROM rust:1.83-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
    "FROM debian:bookworm-slim AS api-runtime\nCOPY --from=build /src/target/release/api /usr/local/bin/api\n"
    'CMD ["api"]\n'
    "FROM debian:bookworm-slim AS worker-runtime\nCOPY --from=build /src/target/release/worker /usr/local/bin/worker\n"
    'CMD ["worker"]\n'
)
QUICKSTART = (
    "services:\n  api:\n    build:\n      context: .\n      target: api-runtime\n    ports: [\"8080:8080\"]\n"
    "  worker:\n    build:\n      context: .\n      target: worker-runtime\n"
)
PRODUCTION = "services:\n  api:\n    image: ${API_IMAGE}\n    ports: [\"8080:8080\"]\n    restart: always\n"
DEPLOY = (
    "on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
    "      - run: docker build --target api-runtime --tag \"$API_IMAGE\" .\n"
)


def test_a_target_only_the_quick_start_stack_builds_while_ci_ships_another(tmp_path: Path) -> None:
    """CI builds `--target api-runtime`, `infra/production/api.compose.yml` runs it (`image: ${API_IMAGE}`); the root
    compose file, the local stack, also builds `worker-runtime`: hardening stays on `api-runtime` only."""
    files = {
        "Dockerfile": TARGETS, "docker-compose.yml": QUICKSTART, "infra/production/api.compose.yml": PRODUCTION,
        ".github/workflows/deploy.yml": DEPLOY, "Cargo.toml": CARGO.replace("shop", "api"),
        "src/main.rs": "fn main() {}\n", "src/bin/worker.rs": "fn main() {}\n",
    }
    root = write(tmp_path / "ships", files)
    assert scope_of(root, "docker-compose.yml") == "dev"
    assert scope_of(root, "infra/production/api.compose.yml") == "deploy"  # `${API_IMAGE}` may be the app's image
    assert got(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 5, "warning")]
    # a target the workflow names by a variable (`--target "$tgt"` in a loop) may be this one
    looped = DEPLOY + '      - run: for tgt in worker-runtime; do docker build --target "$tgt" -t "acme/$tgt" .; done\n'
    root = write(tmp_path / "looped", {**files, ".github/workflows/deploy.yml": looped})
    assert [f[2] for f in got(lint(root, ["VW401"]), root)] == [5, 8]
    # an override fragment in a production folder (no image, no build) is no production stack
    fragment = {k: v for k, v in files.items() if k != "infra/production/api.compose.yml"}
    fragment["deploy/prod/docker-compose.yml"] = "services:\n  api:\n    environment:\n      RUST_LOG: info\n"
    assert scope_of(write(tmp_path / "fragment", fragment), "docker-compose.yml") == "deploy"
    # a variable only in a datastore's tag leaves its name known: still a file of infrastructure only
    infra = "services:\n  db:\n    image: postgres:${PG_VERSION:-16}\n    ports: [\"5432:5432\"]\n"
    write(root, {"infra/docker-compose.db.yml": infra})
    assert scope_of(root, "infra/docker-compose.db.yml") == "dev"
    # no workflow ships a target: both are what the Dockerfile is for
    del files[".github/workflows/deploy.yml"]
    root = write(tmp_path / "both", files)
    assert [f[2] for f in got(lint(root, ["VW401"]), root)] == [5, 8]


SSO = (
    "async fn callback_listener(port: Option<u16>) -> tokio::net::TcpListener {\n"
    "    let addr = format!(\n        \"127.0.0.1:{}\",\n        port.unwrap_or(0) // 0: the OS picks a free port\n"
    "    );\n    tokio::net::TcpListener::bind(&addr).await.unwrap()\n}\n\n"
    "#[tokio::main]\nasync fn main() {\n    let _cb = callback_listener(None).await;\n"
    "    let l = tokio::net::TcpListener::bind(\"0.0.0.0:8080\").await.unwrap();\n"
    "    axum::serve(l, axum::Router::new()).await.unwrap();\n}\n"
)


def test_vw207_a_loopback_listener_whose_port_defaults_to_zero_is_ephemeral(tmp_path: Path) -> None:
    """`format!("127.0.0.1:{}", port.unwrap_or(0))` with `port` a parameter: the OS picks a port unless a caller
    names one, a local callback listener, not the service's port."""
    files = {"compose.yaml": "services:\n  api:\n    build: .\n    ports: [\"8080:8080\"]\n",
             "Dockerfile": IMAGE_API, "Cargo.toml": CARGO.replace("shop", "api") + 'tokio = "1"\naxum = "0.7"\n',
             "src/main.rs": SSO}
    root = write(tmp_path / "zero", files)
    assert lint(root, ["VW207"]) == []
    root = write(tmp_path / "fixed", {**files, "src/main.rs": SSO.replace("unwrap_or(0)", "unwrap_or(9000)")})
    assert got(lint(root, ["VW207"]), root) == [("VW207", "src/main.rs", 6, "error")]
    # a port read from the environment that defaults to 0 is the service's port when compose sets it
    read = "    let port: Option<u16> = std::env::var(\"PORT\").ok().and_then(|p| p.parse().ok());\n"
    env = SSO.replace("async fn callback_listener(port: Option<u16>)", "async fn callback_listener()")
    env = env.replace("    let addr = format!(", read + "    let addr = format!(").replace("(None)", "()")
    root = write(tmp_path / "env", {**files, "src/main.rs": env})
    assert [f.rule_id for f in lint(root, ["VW207"])] == ["VW207"]


IMAGE_API = (
    "FROM rust:1.83-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
    "FROM debian:bookworm-slim\nCOPY --from=build /src/target/release/api /usr/local/bin/api\n"
    'USER nobody\nCMD ["api"]\n'
)


SERVER = (
    "#[tokio::main]\nasync fn main() {\n"
    "    // let database_url = std::env::var(\"DATABASE_URL\").unwrap();\n"
    "    let l = tokio::net::TcpListener::bind(\"0.0.0.0:8080\").await.unwrap();\n"
    "    axum::serve(l, axum::Router::new()).await.unwrap();\n}\n"
)


def test_vw208_a_variable_only_commented_out_code_or_another_binary_reads(tmp_path: Path) -> None:
    """`DATABASE_URL` names host `db`, which no service is; the started binary `server` reads it only in a
    commented-out line, the `db_test` binary reads it, and a helper takes a `database_url` parameter: the app
    connects to nothing."""
    files = {
        "compose.yaml": "services:\n  api:\n    build: .\n    entrypoint: /usr/local/bin/server\n"
                        "    environment:\n      DATABASE_URL: postgres://app:pw@db:5432/app\n",
        "Dockerfile": IMAGE_API.replace("release/api /usr/local/bin/api", "release/server /usr/local/bin/server"),
        "Cargo.toml": CARGO.replace("shop", "api") + 'tokio = "1"\naxum = "0.7"\n',
        "src/lib.rs": "pub async fn connect(\n    database_url: &str,\n) -> usize {\n    database_url.len()\n}\n",
        "src/bin/server.rs": SERVER,
        "src/bin/db_test.rs": "fn main() { let _u = std::env::var(\"DATABASE_URL\").unwrap(); }\n",
    }
    root = write(tmp_path / "unread", files)
    assert lint(root, ["VW208"]) == []
    # a struct with a field of that name (filled by a configuration loader from the variable) reads it
    field = {**files, "src/lib.rs": files["src/lib.rs"] + "pub struct Settings { pub database_url: String }\n"}
    root = write(tmp_path / "field", field)
    assert got(lint(root, ["VW208"]), root) == [("VW208", "compose.yaml", 6, "error")]
    read = {**files, "src/bin/server.rs": SERVER.replace("    // let database_url", "    let database_url")}
    root = write(tmp_path / "read", read)
    assert got(lint(root, ["VW208"]), root) == [("VW208", "compose.yaml", 6, "error")]


STUB_DX = (
    "FROM rust:1.88 AS builder\nWORKDIR /build\nCOPY Cargo.toml Cargo.lock ./\n"
    "RUN mkdir src && echo \"fn main() {}\" > src/main.rs\nRUN cargo build --release && rm -rf src\n"
    "COPY . .\nRUN dx build --release\n"
    "FROM debian:bookworm-slim\nCOPY --from=builder /build/target/dx/shop/release/web /app\nCMD [\"/app/shop\"]\n"
)


def test_vw110_a_dependency_cache_build_without_the_configs_build_target_only_caches_less(tmp_path: Path) -> None:
    """`.cargo/config.toml` sets `[build] target`; the stub build before `COPY . .` lacks it and builds for the host
    into `target/release`, and the real build (`dx build`, which runs cargo itself) has it: nothing fails."""
    files = {"Dockerfile": STUB_DX, "Cargo.toml": CARGO, "Cargo.lock": "", "src/main.rs": "fn main() {}\n",
             ".cargo/config.toml": '[build]\ntarget = "x86_64-unknown-linux-gnu"\n'}
    root = write(tmp_path / "stub", files)
    assert lint(root, ["VW110"]) == []
    # no stub: the one build there is lacks the target it is configured for
    plain = STUB_DX.replace("RUN mkdir src && echo \"fn main() {}\" > src/main.rs\n", "COPY src src\n")
    root = write(tmp_path / "plain", {**files, "Dockerfile": plain})
    assert [f.rule_id for f in lint(root, ["VW110"])] == ["VW110"]


def test_scope_a_service_with_its_source_and_cargos_target_mounted_is_a_development_one(tmp_path: Path) -> None:
    """`./src:/code/src` bind-mounted and a named volume over `/code/target`: a compiler's setup in the container,
    whatever the image's CMD says now; the source mount alone does not say so."""
    compose = ("services:\n  api:\n    build: .\n    ports: [\"8000:8000\"]\n    volumes:\n"
               "      - ./src:/code/src\n      - cache:/code/target\nvolumes:\n  cache: {}\n")
    files = {"compose.yaml": compose, "Dockerfile": IMAGE_API, "Cargo.toml": CARGO.replace("shop", "api"),
             "src/main.rs": "fn main() {}\n"}
    root = write(tmp_path / "dev", files)
    assert scope_of(root, "compose.yaml") == "dev"
    root = write(tmp_path / "src-only", {**files, "compose.yaml": compose.replace("      - cache:/code/target\n", "")})
    assert scope_of(root, "compose.yaml") == "deploy"


CARRIER = (
    "FROM rust:1.83-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
    "FROM busybox:1.36 AS agent-init\nCOPY --from=build /src/target/release/agent /usr/local/bin/agent\n"
    'ENTRYPOINT ["/usr/local/bin/agent"]\n'
)
INIT_AGENT = (
    "services:\n  init-agent:\n    build:\n      context: .\n      target: agent-init\n    volumes:\n"
    "      - agent_bin:/opt/agent\n    entrypoint: [\"/bin/sh\", \"-c\", \"cp /usr/local/bin/agent /opt/agent/agent && "
    "chmod +x /opt/agent/agent && /usr/local/bin/agent --version > /opt/agent/version && echo copied\"]\n"
    "    restart: \"no\"\n"
    "  worker:\n    image: python:3.12-slim\n    command: [\"/agent/agent\"]\n"
    "    volumes:\n      - agent_bin:/agent:ro\n"
    "    depends_on:\n      init-agent:\n        condition: service_completed_successfully\n"
    "volumes:\n  agent_bin: {}\n"
)


def test_vw401_an_init_container_that_only_copies_its_binaries_into_a_volume(tmp_path: Path) -> None:
    """The compose service overrides the entrypoint with `sh -c "cp … /opt/agent/… && chmod …"` and exits: root
    writes into the volume Docker made; only advice. Running the agent itself as root stays a warning."""
    files = {"compose.yaml": INIT_AGENT, "Dockerfile": CARRIER, "Cargo.toml": CARGO.replace("shop", "agent"),
             "src/main.rs": "fn main() { loop { std::thread::sleep(std::time::Duration::from_secs(1)); } }\n"}
    root = write(tmp_path / "copies", files)
    found = lint(root, ["VW401"])
    assert got(found, root) == [("VW401", "Dockerfile", 5, "note")]
    assert "only copies the image's files into a volume" in found[0].message
    runs = INIT_AGENT.replace('"-c", "cp ', '"-c", "/usr/local/bin/agent serve; cp ').replace(
        'restart: "no"', "restart: always").replace("service_completed_successfully", "service_started")
    root = write(tmp_path / "runs", {**files, "compose.yaml": runs})
    assert got(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 5, "warning")]
    # `command:` alone goes to the image's ENTRYPOINT as arguments: the agent itself runs, as root
    handed = INIT_AGENT.replace("    entrypoint: [", "    command: [").replace("init-agent", "carrier")
    # (a restart policy of none: the service is a plain one, not a job others wait for)
    handed = handed.replace('    restart: "no"\n', "").replace("service_completed_successfully", "service_started")
    root = write(tmp_path / "handed", {**files, "compose.yaml": handed})
    assert got(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 5, "warning")]


def test_scope_a_stack_whose_database_keeps_its_data_in_tmpfs_is_throw_away(tmp_path: Path) -> None:
    """`tmpfs: /var/lib/postgresql/data` (or a long-form tmpfs volume there): every `down` loses the data, a stack
    for tests or a bug reproduction; a cache in tmpfs says nothing."""
    compose = (
        "services:\n  db:\n    image: postgres:16\n    tmpfs:\n      - /var/lib/postgresql/data\n"
        "  api:\n    build: .\n    depends_on: [db]\n"
    )
    files = {"compose.yaml": compose, "Dockerfile": IMAGE_API, "Cargo.toml": CARGO.replace("shop", "api"),
             "src/main.rs": "fn main() {}\n"}
    root = write(tmp_path / "short", files)
    assert scope_of(root, "compose.yaml") == "test" and scope_of(root, "Dockerfile") == "test"
    long = compose.replace("    tmpfs:\n      - /var/lib/postgresql/data\n",
                           "    volumes:\n      - type: tmpfs\n        target: /var/lib/postgresql/data\n")
    root = write(tmp_path / "long", {**files, "compose.yaml": long})
    assert scope_of(root, "compose.yaml") == "test"
    # a persistent database beside a tmpfs one behind a test profile: the stack keeps its data
    kept = "    volumes: [\"pg:/var/lib/postgresql/data\"]\n"
    mixed = compose.replace("    tmpfs:\n      - /var/lib/postgresql/data\n", kept)
    mixed += ("  db-test:\n    image: postgres:16\n    profiles: [test]\n    tmpfs:\n      - /var/lib/postgresql/data\n"
              "volumes:\n  pg: {}\n")
    assert scope_of(write(tmp_path / "mixed", {**files, "compose.yaml": mixed}), "compose.yaml") == "deploy"
    # the README runs it under a heading named for deployment: that is how users run it, whatever it loses
    readme = "# Shop\n\n## Docker deployment\n\n```sh\ndocker compose up -d\n```\n"
    root = write(tmp_path / "deployed", {**files, "README.md": readme})
    assert scope_of(root, "compose.yaml") == "deploy"
    cache = compose.replace("postgres:16", "redis:7").replace("/var/lib/postgresql/data", "/data")
    root = write(tmp_path / "cache", {**files, "compose.yaml": cache})
    assert scope_of(root, "compose.yaml") == "deploy"


MINISERVE = (
    "FROM rust:1.88 AS tools\nRUN RUSTFLAGS='-C target-feature=+crt-static' cargo install miniserve --root /opt\n"
    "WORKDIR /src\nCOPY . .\n"
    "RUN cargo build --release\n"
    "FROM node:22 AS site\nWORKDIR /app\nCOPY web .\nRUN npm ci && npm run build\n"
    "FROM debian:bookworm-slim\nCOPY --from=tools /opt/bin/miniserve /bin/miniserve\nCOPY --from=site /app/dist /srv\n"
    "COPY --from=tools /src/target/release/shop /bin/shop\nUSER 10001\nEXPOSE 8080\n"
    'HEALTHCHECK --start-period=5s CMD ["/bin/shop", "http://127.0.0.1:8080/"]\n'
    'ENTRYPOINT ["/bin/miniserve", "--index", "index.html", "-i", "0.0.0.0", "-p", "8080", "/srv"]\n'
)


def test_vw402_pid1_is_a_server_cargo_install_puts_in_built_on_actix(tmp_path: Path) -> None:
    """`cargo install miniserve`, an actix-web `HttpServer` with its default signal handling, is PID 1: it stops on
    SIGTERM by itself (rules/signal_frameworks.json `programs`); another installed program may not."""
    files = {"compose.yaml": "services:\n  web:\n    build: .\n    ports: [\"8080:8080\"]\n", "Dockerfile": MINISERVE,
             "web/package.json": "{}\n", "Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n"}
    root = write(tmp_path / "miniserve", files)
    found = lint(root, ["VW402"])
    assert [f.effective_level.value for f in found] == ["note"] and "actix-web" in found[0].message
    other = MINISERVE.replace("miniserve", "simple-http-server")
    root = write(tmp_path / "other", {**files, "Dockerfile": other})
    assert [f.effective_level.value for f in lint(root, ["VW402"])] == ["warning"]
    # another crate installed beside it (`cargo install sccache && cp …`) does not make the program miniserve's
    beside = MINISERVE.replace("install miniserve --root /opt", "install sccache && cp /bin/sh /opt/bin/miniserve")
    root = write(tmp_path / "beside", {**files, "Dockerfile": beside})
    assert [f.effective_level.value for f in lint(root, ["VW402"])] == ["warning"]


def test_vw104_a_documentation_example_compose_file_nothing_runs_in_place(tmp_path: Path) -> None:
    """`docs/compose/postgres/docker-compose.yml` builds `.` with no Dockerfile beside it: an example the reader
    copies next to their build; run from where it is by a script, it is a broken build again."""
    files = {"docs/compose/postgres/docker-compose.yml": "services:\n  api:\n    build: .\n",
             "Dockerfile": IMAGE_API, "Cargo.toml": CARGO.replace("shop", "api"), "src/main.rs": "fn main() {}\n"}
    root = write(tmp_path / "example", files)
    found = lint(root, ["VW104"])
    assert got(found, root) == [("VW104", "docs/compose/postgres/docker-compose.yml", 3, "note")]
    assert "example of the documentation (in `docs/`)" in found[0].message
    script = {"scripts/demo.sh": "#!/bin/sh\ndocker compose -f docs/compose/postgres/docker-compose.yml up -d\n"}
    root = write(tmp_path / "run", {**files, **script})
    assert got(lint(root, ["VW104"]), root) == [("VW104", "docs/compose/postgres/docker-compose.yml", 3, "error")]


BAKED_ENV = (
    "FROM rust:1.83-bookworm AS build\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\n"
    "FROM debian:bookworm-slim\nCOPY --from=build /app/target/release/api /api\nCOPY --from=build /app/.env .\n"
    'USER nobody\nCMD ["/api"]\n'
)
DOTENV_MAIN = (
    "fn main() {\n    dotenvy::dotenv().ok();\n"
    "    let host = std::env::var(\"HOST\").expect(\"HOST is not set in .env file\");\n    println!(\"{host}\");\n}\n"
)


def test_vw201_a_dotenv_file_a_later_stage_copies_out_of_the_build_stage(tmp_path: Path) -> None:
    """`COPY . .` in the build stage, `COPY --from=build /app/.env .` in the final one, and `dotenvy::dotenv()`:
    the container gets the git-ignored `.env` each deployment writes, whose names the template beside it gives."""
    files = {"compose.yaml": "services:\n  api:\n    build: .\n", "Dockerfile": BAKED_ENV, ".gitignore": ".env\n",
             ".env.example": "HOST=0.0.0.0\n", "Cargo.toml": CARGO.replace("shop", "api") + 'dotenvy = "0.15"\n',
             "src/main.rs": DOTENV_MAIN}
    root = write(tmp_path / "baked", files)
    assert lint(root, ["VW201"]) == []
    root = write(tmp_path / "other", {**files, ".env.example": "PORT=8080\n"})
    assert got(lint(root, ["VW201"]), root) == [("VW201", "src/main.rs", 3, "error")]


def test_vw401_an_image_only_a_one_shot_job_runs_that_another_service_waits_for(tmp_path: Path) -> None:
    """`init-db` loads seed data and exits; the indexer waits for it with `service_completed_successfully`: root
    lasts one run. An image a long-running service also runs stays a warning."""
    compose = (
        "services:\n  init-db:\n    build: .\n    restart: \"no\"\n"
        "  indexer:\n    image: acme/indexer:1\n    depends_on:\n      init-db:\n"
        "        condition: service_completed_successfully\n"
    )
    files = {"compose.yaml": compose, "Dockerfile": IMAGE_API.replace("USER nobody\n", ""),
             "Cargo.toml": CARGO.replace("shop", "api"), "src/main.rs": "fn main() {}\n"}
    root = write(tmp_path / "job", files)
    found = lint(root, ["VW401"])
    assert got(found, root) == [("VW401", "Dockerfile", 5, "note")] and "one-shot job" in found[0].message
    served = compose + "  api:\n    build: .\n    ports: [\"8080:8080\"]\n"
    root = write(tmp_path / "served", {**files, "compose.yaml": served})
    assert got(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 5, "warning")]


ECHO_DEPLOY = (
    "on: workflow_dispatch\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n"
    "      - uses: actions/checkout@v4\n      - run: |\n"
    "          echo \"BACKEND_IMAGE=ghcr.io/acme/api:latest\" >> .env.prod\n"
    "      - run: docker compose --env-file .env.prod -f compose.yaml -f compose.prod.yaml up -d\n"
)


def test_vw202_an_env_file_a_ci_step_writes_line_by_line(tmp_path: Path) -> None:
    """`echo "BACKEND_IMAGE=…" >> .env.prod` in the deploy job, then `docker compose --env-file .env.prod -f …`: the
    variable is set; one the step does not write is still unset."""
    files = {"compose.yaml": "services:\n  api:\n    image: acme/api:dev\n",
             "compose.prod.yaml": "services:\n  api:\n    image: ${BACKEND_IMAGE}\n",
             ".github/workflows/deploy.yml": ECHO_DEPLOY}
    root = write(tmp_path / "echoed", files)
    assert lint(root, ["VW202"]) == []
    other = files["compose.prod.yaml"].replace("BACKEND", "API")
    root = write(tmp_path / "other", {**files, "compose.prod.yaml": other})
    assert got(lint(root, ["VW202"]), root) == [("VW202", "compose.prod.yaml", 3, "warning")]


PLAIN_CLIENT = (
    "FROM rust:1.83-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
    "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends libssl3\n"
    "COPY --from=build /src/target/release/api /usr/local/bin/api\nUSER nobody\nCMD [\"api\"]\n"
)
CALLS = "fn main() {\n    let _r = reqwest::blocking::get(\"http://auth:4002/verify\");\n}\n"


def test_vw205_a_general_http_client_the_code_points_only_at_plain_http_services(tmp_path: Path) -> None:
    """`reqwest` with native-tls reads the CA store only for HTTPS; the code calls `http://auth:4002` and the service
    gets no https:// URL: advice. An https:// URL in the code makes it a warning again."""
    files = {"compose.yaml": "services:\n  api:\n    build: .\n    environment:\n      AUTH: http://auth:4002\n",
             "Dockerfile": PLAIN_CLIENT, "Cargo.toml": CARGO.replace("shop", "api") + 'reqwest = "0.11"\n',
             "src/main.rs": CALLS}
    root = write(tmp_path / "plain", files)
    found = lint(root, ["VW205"])
    assert got(found, root) == [("VW205", "Dockerfile", 5, "note")] and "https://" in found[0].message
    secure = CALLS.replace("http://auth:4002/verify", "https://api.stripe.com/v1/charges")
    root = write(tmp_path / "secure", {**files, "src/main.rs": secure})
    assert got(lint(root, ["VW205"]), root) == [("VW205", "Dockerfile", 5, "warning")]


def test_vw208_a_template_nothing_copies_into_place_does_not_outweigh_a_compose_default(tmp_path: Path) -> None:
    """`DATABASE_URL: ${DATABASE_URL:-postgres://app@db/app}` and a `.env.example` for running the app on the host
    (`…@localhost/app`) that no step copies: compose, with no `.env`, uses the default. A documented
    `cp .env.example .env` makes the template's value the one the container gets."""
    compose = ("services:\n  db:\n    image: postgres:16\n  api:\n    build: .\n    environment:\n"
               "      DATABASE_URL: ${DATABASE_URL:-postgres://app@db:5432/app}\n")
    files = {"compose.yaml": compose, "Dockerfile": IMAGE_API, ".gitignore": ".env\n",
             ".env.example": "DATABASE_URL=postgres://app@localhost:5432/app\n",
             "Cargo.toml": CARGO.replace("shop", "api"), "src/main.rs": CONNECT_MAIN}
    root = write(tmp_path / "default", files)
    assert lint(root, ["VW208"]) == []
    readme = "# Api\n\n```sh\ncp .env.example .env\ndocker compose up -d\n```\n"
    root = write(tmp_path / "copied", {**files, "README.md": readme})
    assert [f.rule_id for f in lint(root, ["VW208"])] == ["VW208"]


CONNECT_MAIN = (
    "fn main() {\n    let url = std::env::var(\"DATABASE_URL\").unwrap();\n"
    "    let _c = postgres::Client::connect(&url, postgres::NoTls).unwrap();\n}\n"
)


def test_scope_an_image_a_makefile_builds_here_is_no_infrastructure(tmp_path: Path) -> None:
    """`image: acme/chat-api` beside postgres, and `make image` runs `docker build . -t acme/chat-api`: the file runs
    the app's own image, so it is no stack of infrastructure for an app run on the host."""
    compose = "services:\n  db:\n    image: postgres:16\n  api:\n    image: acme/chat-api\n    ports: [\"8080:8080\"]\n"
    files = {"docker-compose.yml": compose, "Dockerfile": IMAGE_API, "Cargo.toml": CARGO.replace("shop", "api"),
             "src/main.rs": "fn main() {}\n", "Makefile": "image:\n\tdocker build . -t acme/chat-api\n"}
    root = write(tmp_path / "built", files)
    assert scope_of(root, "docker-compose.yml") == "deploy"
    root = write(tmp_path / "pulled", {k: v for k, v in files.items() if k != "Makefile"})
    assert scope_of(root, "docker-compose.yml") == "dev"


def test_vw401_help_for_a_base_with_no_shell_is_a_numeric_user(tmp_path: Path) -> None:
    """On distroless nothing can run `useradd`: the finding's help says `USER 65532:65532` or the `:nonroot` tag."""
    image = IMAGE_API.replace("debian:bookworm-slim", "gcr.io/distroless/cc-debian12").replace("USER nobody\n", "")
    files = {"compose.yaml": "services:\n  api:\n    build: .\n", "Dockerfile": image,
             "Cargo.toml": CARGO.replace("shop", "api"), "src/main.rs": "fn main() {}\n"}
    root = write(tmp_path / "distroless", files)
    [f] = lint(root, ["VW401"])
    assert "USER 65532:65532" in str(f.extra) and ":nonroot" in str(f.extra)
    root = write(tmp_path / "debian", {**files, "Dockerfile": IMAGE_API.replace("USER nobody\n", "")})
    [f] = lint(root, ["VW401"])
    assert "65532" not in str(f.extra)


CLAP_CALL = (
    "use clap::Parser;\n#[derive(Parser)]\nstruct Args {\n    #[arg(long, env(\"IMMICH_API_KEY\"))]\n"
    "    api_key: String,\n}\nfn main() {\n    let a = Args::parse();\n    println!(\"{}\", a.api_key.len());\n}\n"
)


def test_vw201_clap_env_in_its_call_form_names_the_variable(tmp_path: Path) -> None:
    """`#[arg(long, env("IMMICH_API_KEY"))]` reads `IMMICH_API_KEY`, as `env = "IMMICH_API_KEY"` does, not the
    field's name: compose passing it is enough; not passing it is a finding that names it."""
    files = {"compose.yaml": "services:\n  api:\n    build: .\n    environment:\n      IMMICH_API_KEY: k\n",
             "Dockerfile": IMAGE_API, "src/main.rs": CLAP_CALL,
             "Cargo.toml": CARGO.replace("shop", "api") + 'clap = { version = "4", features = ["derive", "env"] }\n'}
    root = write(tmp_path / "passed", files)
    assert lint(root, ["VW201"]) == []
    root = write(tmp_path / "missing", {**files, "compose.yaml": "services:\n  api:\n    build: .\n"})
    found = lint(root, ["VW201"])
    assert [f.key for f in found] == ["IMMICH_API_KEY"]


def test_vw208_a_variable_only_test_code_reads(tmp_path: Path) -> None:
    """`DATABASE_URL_TEST=…@localhost…` in the shared env file is read only in a `#[cfg(test)]` module: the
    container's binary never connects with it."""
    main = (
        "fn main() {\n    let _u = std::env::var(\"DATABASE_URL\").unwrap();\n}\n"
        "#[cfg(test)]\nmod tests {\n    #[test]\n    fn t() {\n"
        "        let _u = std::env::var(\"DATABASE_URL_TEST\").unwrap();\n    }\n}\n"
    )
    files = {"compose.yaml": "services:\n  db:\n    image: postgres:16\n  api:\n    build: .\n    env_file: app.env\n",
             "app.env": "DATABASE_URL=postgres://app@db/app\nDATABASE_URL_TEST=postgres://app@localhost/test\n",
             "Dockerfile": IMAGE_API, "Cargo.toml": CARGO.replace("shop", "api"), "src/main.rs": main}
    root = write(tmp_path / "test-only", files)
    assert lint(root, ["VW208"]) == []
    root = write(tmp_path / "read", {**files, "src/main.rs": main.replace("#[cfg(test)]\n", "")})
    assert [f.rule_id for f in lint(root, ["VW208"])] == ["VW208"]
    # the test module in a file of its own: `#[cfg(test)] mod tests;` and `src/tests/mod.rs`
    outline = {**files, "src/main.rs": main.split("#[cfg(test)]")[0] + "#[cfg(test)]\nmod tests;\n",
               "src/tests/mod.rs": "#[test]\nfn t() {\n    let _u = std::env::var(\"DATABASE_URL_TEST\");\n}\n"}
    root = write(tmp_path / "outline", outline)
    assert lint(root, ["VW208"]) == []
