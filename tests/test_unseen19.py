"""Situations read on a nineteenth set of unseen repositories: an image built on a Dev Container base, a service
that waits for its datastore through a migration job, busybox's `sh -c` that hands its process to the app, a
documented `docker compose up` of the datastores alone, and more."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint, write
from tests.unseen_fixtures import CARGO, CONNECT, IMAGE, got, scope_of

MAIN = "fn main() {}\n"
DEPS = 'tokio = { version = "1", features = ["full"] }\ntokio-postgres = "0.7"\n'


def test_an_image_built_on_a_dev_container_base_is_a_workspace(tmp_path: Path) -> None:
    image = (
        "FROM mcr.microsoft.com/devcontainers/rust:latest\nUSER root\n"
        "COPY target/release/shop /shop\nENTRYPOINT /shop\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "images/rust/Dockerfile": image})
    assert scope_of(root, "images/rust/Dockerfile") == "dev"
    assert [f for f in lint(root, ["VW401", "VW403"]) if f.effective_level.value == "warning"] == []
    # the same image on a runtime base ships the binary: its hardening is reported
    write(root, {"images/rust/Dockerfile": image.replace("mcr.microsoft.com/devcontainers/rust:latest", "debian:12")})
    assert scope_of(root, "images/rust/Dockerfile") == "deploy"
    assert {f.rule_id for f in lint(root, ["VW401", "VW403"])} == {"VW401", "VW403"}


def _chain(app_dep: str) -> str:
    return (
        "services:\n  api:\n    build: .\n    environment:\n      DATABASE_URL: postgres://u:p@db/shop\n"
        f"    depends_on:\n{app_dep}"
        "  migrate:\n    image: migrate/migrate\n    depends_on:\n      db:\n        condition: service_healthy\n"
        "  db:\n    image: postgres:16\n    healthcheck:\n      test: [\"CMD\", \"pg_isready\"]\n"
    )


def test_vw309_a_datastore_a_dependency_waits_for_is_healthy_before_the_app_starts(tmp_path: Path) -> None:
    root = write(tmp_path, {"Cargo.toml": CARGO + DEPS, "src/main.rs": CONNECT, "Dockerfile": IMAGE,
                            "compose.yaml": _chain("      - migrate\n")})
    assert lint(root, ["VW309"]) == []
    # a dependency that waits for nothing: the database may still be starting
    write(root, {"compose.yaml": _chain("      - migrate\n").replace(
        "    depends_on:\n      db:\n        condition: service_healthy\n", "    depends_on: [db]\n")})
    assert got(lint(root, ["VW309"]), root) == [("VW309", "compose.yaml", 2, "warning")]


def _alpine(cmd: str, base: str = "alpine:3.20") -> str:
    return (
        "FROM rust:1.80-alpine AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
        f"FROM {base}\nCOPY --from=build /src/target/release/shop /usr/local/bin/shop\nUSER nobody\n{cmd}\n"
    )


def _rules(root: Path) -> list[tuple[str, int]]:
    return sorted((f.rule_id, f.location.line) for f in lint(root, ["VW402", "VW403"]))


def test_vw403_busybox_sh_execs_the_last_simple_command(tmp_path: Path) -> None:
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": _alpine("CMD shop --port 80")})
    # ash replaces itself with `shop`: no shell is PID 1, the app is, and it has no init (VW402)
    assert _rules(root) == [("VW402", 8)]
    write(root, {"Dockerfile": _alpine('ENTRYPOINT ["/bin/sh", "-c", "cd /data && shop"]')})
    assert _rules(root) == [("VW402", 8)]
    # a pipeline, a command after the app, or a trap keep the shell as PID 1
    for cmd in ("CMD shop | tee /log", "CMD shop; echo stopped", "CMD trap 'echo bye' TERM; shop"):
        write(root, {"Dockerfile": _alpine(cmd)})
        assert _rules(root) == [("VW403", 8)], cmd
    # Debian's sh is dash, which forks
    write(root, {"Dockerfile": _alpine("CMD shop --port 80", base="debian:bookworm-slim")})
    assert _rules(root) == [("VW403", 8)]


def test_vw405_a_readme_step_that_starts_the_datastores_by_name_then_runs_the_app(tmp_path: Path) -> None:
    compose = (
        "services:\n  api:\n    build: .\n    environment:\n      DATABASE_URL: postgres://u:p@db/shop\n"
        "  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: p\n    ports:\n      - \"5432:5432\"\n"
    )
    readme = (
        "# Shop\n\n## Quick start\n\n### 2. Start the database\n\n```bash\ndocker compose up -d db\n```\n\n"
        "### 3. Start the server\n\n```bash\ncargo run\n```\n"
    )
    files = {"Cargo.toml": CARGO + DEPS, "src/main.rs": CONNECT, "Dockerfile": IMAGE, "compose.yaml": compose}
    root = write(tmp_path, {**files, "README.md": readme})
    assert got(lint(root, ["VW405"]), root) == [("VW405", "compose.yaml", 11, "note")]
    # a bare `docker compose up -d` under the first heading starts the whole stack: the app uses the network
    write(root, {"README.md": readme.replace("up -d db", "up -d")})
    assert got(lint(root, ["VW405"]), root) == [("VW405", "compose.yaml", 11, "warning")]


def test_vw204_a_missing_folder_mounted_as_a_dot_d_directory_is_no_file(tmp_path: Path) -> None:
    compose = "services:\n  db:\n    image: postgres:16\n    volumes:\n      - ./migrations:/docker-entrypoint-initdb.d\n"
    root = write(tmp_path, {"compose.yaml": compose})
    assert [f.effective_level.value for f in lint(root, ["VW204"])] == ["note"]
    # one init script mounted as a file: postgres finds a directory where it expects the script
    write(root, {"compose.yaml": compose.replace(":/docker-entrypoint-initdb.d", "/init.sql:/docker-entrypoint-initdb.d/init.sql")})
    assert got(lint(root, ["VW204"]), root) == [("VW204", "compose.yaml", 5, "error")]


def test_vw110_a_placeholder_main_leaves_a_target_when_the_repo_has_only_src_bin(tmp_path: Path) -> None:
    image = (
        "FROM rust:1.80\nWORKDIR /app\nCOPY Cargo.toml ./\nRUN mkdir src && echo 'fn main() {}' > src/main.rs\n"
        "RUN cargo build\n"
    )
    files = {"Cargo.toml": CARGO, "src/lib.rs": "pub fn f() {}\n", "src/bin/serve.rs": MAIN, "Dockerfile": image}
    root = write(tmp_path, files)
    assert lint(root, ["VW110"]) == []
    # no placeholder: nothing but the library is left to build, and the stage lacks it
    write(root, {"Dockerfile": image.replace("RUN mkdir src && echo 'fn main() {}' > src/main.rs\n", "")})
    assert got(lint(root, ["VW110"]), root) == [("VW110", "Dockerfile", 4, "error")]


def test_vw102_the_program_of_an_image_that_compiles_nothing_is_built_before_docker_build(tmp_path: Path) -> None:
    image = "FROM alpine:3.20\nCOPY ./server /usr/local/bin/server\nCOPY ./static /app/static\nCMD [\"server\"]\n"
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": image})
    assert got(lint(root, ["VW102"]), root) == [("VW102", "Dockerfile", 2, "note"), ("VW102", "Dockerfile", 3, "error")]
    # a stage that compiles: the file was meant to come from the context
    write(root, {"Dockerfile": "FROM rust:1.80 AS build\nRUN cargo build --release\n" + image})
    assert [(f.location.line, f.effective_level.value) for f in lint(root, ["VW102"])] == [(4, "error")]


def test_vw001_an_empty_named_dockerfile_nothing_builds_is_a_placeholder(tmp_path: Path) -> None:
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": IMAGE,
                            "infra/docker/renderer.Dockerfile": ""})
    assert got(lint(root, ["VW001"]), root) == [("VW001", "infra/docker/renderer.Dockerfile", 1, "note")]
    # a compose service builds it: the build fails
    write(root, {"compose.yaml": "services:\n  renderer:\n    build:\n      context: .\n"
                                 "      dockerfile: infra/docker/renderer.Dockerfile\n"})
    assert got(lint(root, ["VW001"]), root) == [("VW001", "infra/docker/renderer.Dockerfile", 1, "error")]


def test_vw301_a_built_service_whose_health_nothing_waits_for_or_acts_on(tmp_path: Path) -> None:
    hc = "    healthcheck:\n      test: [\"CMD\", \"wget\", \"-q\", \"--spider\", \"http://localhost:8080/health\"]\n" \
         "      interval: 5s\n      retries: 3\n"
    compose = "services:\n  api:\n    build: .\n" + hc
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": IMAGE, "compose.yaml": compose})
    assert got(lint(root, ["VW301"]), root) == [("VW301", "compose.yaml", 4, "note")]
    # a front end waits for it to be healthy: a slow start keeps it from starting
    waits = compose + "  web:\n    image: nginx:1.27\n    depends_on:\n      api:\n        condition: service_healthy\n"
    write(root, {"compose.yaml": waits})
    assert got(lint(root, ["VW301"]), root) == [("VW301", "compose.yaml", 4, "warning")]
    # an autoheal sidecar restarts it when it turns unhealthy
    write(root, {"compose.yaml": compose.replace("    build: .\n", "    build: .\n    labels:\n      autoheal: \"true\"\n")})
    assert got(lint(root, ["VW301"]), root) == [("VW301", "compose.yaml", 6, "warning")]


def test_stages_a_ci_step_builds_with_a_target_named_by_a_shell_variable_ship(tmp_path: Path) -> None:
    image = (
        "FROM rust:1.80-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
        "FROM debian:bookworm-slim AS base\nWORKDIR /opt\n"
        "FROM base AS tools\nCOPY --from=build /src/target/release/shop bin/\nCMD [\"false\"]\n"
        "FROM base AS worker\nCOPY --from=build /src/target/release/shop bin/\nCMD [\"bin/shop\", \"work\"]\n"
        "FROM base AS api\nCOPY --from=build /src/target/release/shop bin/\nUSER nobody\nCMD [\"bin/shop\"]\n"
    )
    step = "      - run: |\n          app={app}\n          docker build -t reg/shop:$app --target $app .\n" \
           "          docker push reg/shop:$app\n"
    workflow = "on: push\njobs:\n  ship:\n    runs-on: ubuntu-latest\n    steps:\n" + "".join(
        step.format(app=a) for a in ("tools", "worker", "api"))
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": image,
                            ".github/workflows/ship.yml": workflow})
    found = got(lint(root, ["VW401", "VW402"]), root)
    # `worker` runs as root; `tools` does nothing of its own (`CMD ["false"]`): advice, and no PID 1 claim
    assert ("VW401", "Dockerfile", 10, "warning") in found and ("VW401", "Dockerfile", 7, "note") in found
    assert not [f for f in found if f[0] == "VW402" and f[2] == 9]
    # a variable the step does not set: which stage it builds is not known, only the last one is checked
    write(root, {".github/workflows/ship.yml": workflow.replace("          app=", "          # app=")})
    assert not [f for f in got(lint(root, ["VW401"]), root) if f[2] in (7, 10)]


def test_vw309_a_client_named_only_in_a_file_no_mod_declares_is_not_linked(tmp_path: Path) -> None:
    compose = (
        "services:\n  gateway:\n    build: .\n    environment:\n      REDIS_URL: redis://cache:6379\n"
        "    depends_on: [cache]\n  cache:\n    image: redis:7\n"
    )
    orphan = "pub fn client() -> redis::Client {\n    redis::Client::open(\"redis://cache\").unwrap()\n}\n"
    root = write(tmp_path, {"Cargo.toml": CARGO + 'redis = "0.25"\n', "src/main.rs": MAIN,
                            "src/caching.rs": orphan, "Dockerfile": IMAGE, "compose.yaml": compose})
    assert lint(root, ["VW309"]) == []
    # the binary declares the module: it links the client
    write(root, {"src/main.rs": "mod caching;\n" + MAIN})
    assert [f.rule_id for f in lint(root, ["VW309"])] == ["VW309"]


def test_an_os_image_with_no_command_runs_no_program_of_its_own(tmp_path: Path) -> None:
    image = (
        "FROM rust:1.80-alpine AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
        "FROM alpine:3.20 AS packager\nCOPY --from=build /src/target/release/shop /builds/shop\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "build/Dockerfile": image})
    assert scope_of(root, "build/Dockerfile") == "toolchain"
    assert [f for f in lint(root, ["VW401", "VW402"]) if f.effective_level.value == "warning"] == []
    # a compose service gives it the program to run: a service image
    write(root, {"compose.yaml": "services:\n  shop:\n    build:\n      context: .\n      dockerfile: build/Dockerfile\n"
                                 "    command: [\"/builds/shop\"]\n"})
    assert scope_of(root, "build/Dockerfile") == "deploy"
    assert [f.rule_id for f in lint(root, ["VW401"])] == ["VW401"]


def test_vw206_a_scratch_image_that_copies_glibc_in_from_its_builder_has_a_libc(tmp_path: Path) -> None:
    image = (
        "FROM rust:1.80-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
        "FROM scratch\nCOPY --from=build /src/target/release/shop /shop\n"
        "COPY --from=build /lib/x86_64-linux-gnu/libc.so.6 /lib/x86_64-linux-gnu/\n"
        "COPY --from=build /lib64/ld-linux-x86-64.so.2 /lib64/\nENTRYPOINT [\"/shop\"]\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": image})
    assert lint(root, ["VW206"]) == []
    write(root, {"Dockerfile": image.replace("COPY --from=build /lib/x86_64-linux-gnu/libc.so.6 /lib/x86_64-linux-gnu/\n", "")
                 .replace("COPY --from=build /lib64/ld-linux-x86-64.so.2 /lib64/\n", "")})
    assert got(lint(root, ["VW206"]), root) == [("VW206", "Dockerfile", 5, "error")]


def test_vw110_a_cargo_config_that_only_tunes_crates_io_and_jobs_is_not_needed(tmp_path: Path) -> None:
    config = '[build]\njobs = 8\nrustc-wrapper = "sccache"\n\n[registries.crates-io]\nprotocol = "sparse"\n'
    image = "FROM rust:1.80\nWORKDIR /app\nCOPY Cargo.toml ./\nCOPY src src\nRUN cargo build --release\n"
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": image, ".cargo/config.toml": config})
    assert lint(root, ["VW110"]) == []
    # an alternative registry the build resolves from is needed
    write(root, {".cargo/config.toml": config + '\n[registries.internal]\nindex = "sparse+https://crates.example.com/"\n'})
    assert [f.rule_id for f in lint(root, ["VW110"])] == ["VW110"]


def test_a_terminal_ui_is_run_by_a_person_and_quits(tmp_path: Path) -> None:
    tui = (
        "use crossterm::terminal::enable_raw_mode;\nfn main() {\n    enable_raw_mode().unwrap();\n"
        "    loop {\n        break;\n    }\n}\n"
    )
    image = IMAGE.replace("USER nobody\n", "")
    root = write(tmp_path, {"Cargo.toml": CARGO + 'crossterm = "0.28"\n', "src/main.rs": tui, "Dockerfile": image})
    assert [(f.rule_id, f.effective_level.value) for f in lint(root, ["VW401", "VW402"])] == [
        ("VW401", "note"), ("VW402", "note")]
    # the same event loop with no terminal UI keeps running: a service
    write(root, {"src/main.rs": tui.replace("enable_raw_mode().unwrap();", "").replace("use crossterm::terminal::enable_raw_mode;\n", "")})
    assert [(f.rule_id, f.effective_level.value) for f in lint(root, ["VW401", "VW402"])] == [
        ("VW401", "warning"), ("VW402", "warning")]


def test_vw201_a_user_written_env_the_image_takes_along_holds_what_the_readme_lists(tmp_path: Path) -> None:
    code = (
        "fn main() {\n    dotenvy::dotenv().ok();\n    let _db = std::env::var(\"DATABASE_URL\").expect(\"db\");\n"
        "    let _key = std::env::var(\"STEAM_API_KEY\").expect(\"key\");\n}\n"
    )
    image = "FROM rust:1.80\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\nCMD [\"./target/release/shop\"]\n"
    readme = "# Shop\n\nSet up a .env in the backend dir:\n\n```\nDATABASE_URL=postgres://u:p@db/shop\n```\n"
    root = write(tmp_path, {"backend/Cargo.toml": CARGO + 'dotenvy = "0.15"\n', "backend/src/main.rs": code,
                            "backend/Dockerfile": image, ".gitignore": ".env\n", "README.md": readme,
                            "compose.yaml": "services:\n  backend:\n    build: ./backend\n"})
    # `COPY . .` takes the user's .env along: DATABASE_URL is in it, STEAM_API_KEY is not
    assert [f.message.split("`")[1] for f in lint(root, ["VW201"])] == ["STEAM_API_KEY"]
    # a .dockerignore that keeps .env out of the image: neither is set
    write(root, {"backend/.dockerignore": ".env\n"})
    assert sorted(f.message.split("`")[1] for f in lint(root, ["VW201"])) == ["DATABASE_URL", "STEAM_API_KEY"]


def test_a_cargo_make_task_that_builds_a_target_stage_makes_it_an_image(tmp_path: Path) -> None:
    image = (
        "FROM rust:1.80-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
        "FROM debian:bookworm-slim AS worker\nCOPY --from=build /src/target/release/shop /shop\nCMD [\"/shop\"]\n"
        "FROM debian:bookworm-slim AS api\nCOPY --from=build /src/target/release/shop /shop\nUSER nobody\n"
        "CMD [\"/shop\"]\n"
    )
    tasks = "[tasks.build-worker]\nscript = '''\ndocker build --target worker . -t reg/worker\n'''\n"
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": image, "Makefile.toml": tasks})
    assert ("VW401", "Dockerfile", 5, "warning") in got(lint(root, ["VW401"]), root)
    write(root, {"Makefile.toml": "[tasks.fmt]\ncommand = \"cargo\"\nargs = [\"fmt\"]\n"})
    assert got(lint(root, ["VW401"]), root) == []  # only the last stage, which sets a user


def test_a_compose_file_whose_app_is_told_it_runs_in_development_is_the_developers_stack(tmp_path: Path) -> None:
    compose = (
        "services:\n  api:\n    build: .\n    environment:\n      ENVIRONMENT: development\n"
        "      DATABASE_URL: postgres://u:p@db/shop\n  db:\n    image: postgres:16\n"
        "    environment:\n      POSTGRES_PASSWORD: p\n    ports:\n      - \"5432:5432\"\n"
    )
    image = IMAGE.replace("USER nobody\n", "")
    root = write(tmp_path, {"Cargo.toml": CARGO + DEPS, "src/main.rs": CONNECT, "Dockerfile": image,
                            "compose.yaml": compose})
    assert scope_of(root, "compose.yaml") == "dev"
    assert scope_of(root, "Dockerfile") == "deploy"  # the image it builds may ship elsewhere
    assert [f for f in got(lint(root, ["VW405", "VW401"]), root) if f[3] != "note"] == [
        ("VW401", "Dockerfile", 5, "warning")]
    write(root, {"compose.yaml": compose.replace("ENVIRONMENT: development", "ENVIRONMENT: production")})
    assert scope_of(root, "compose.yaml") == "deploy"
    assert ("VW405", "compose.yaml", 12, "warning") in got(lint(root, ["VW405"]), root)


def test_vw306_a_service_a_sibling_file_of_the_same_project_name_defines(tmp_path: Path) -> None:
    storage = "name: shop\nservices:\n  db:\n    image: postgres:16\n"
    services = "name: shop\nservices:\n  api:\n    image: shop-api\n    depends_on:\n      - db\n"
    make = "up:\n\tdocker compose -f docker/storage.yaml up -d\n\tdocker compose -f docker/services.yaml up -d\n"
    root = write(tmp_path, {"docker/storage.yaml": storage, "docker/services.yaml": services, "Makefile": make})
    assert got(lint(root, ["VW306"]), root) == [("VW306", "docker/services.yaml", 6, "note")]
    write(root, {"docker/storage.yaml": storage.replace("name: shop", "name: other")})
    assert got(lint(root, ["VW306"]), root) == [("VW306", "docker/services.yaml", 6, "error")]


def test_vw309_sea_orm_and_sqlx_cli_retry_while_the_database_starts(tmp_path: Path) -> None:
    compose = (
        "services:\n  api:\n    build: .\n    environment:\n      DATABASE_URL: postgres://u:p@db/shop\n"
        "    depends_on: [db]\n  migrate:\n    build:\n      context: .\n      dockerfile: migrate.Dockerfile\n"
        "    environment:\n      DATABASE_URL: postgres://u:p@db/shop\n    depends_on: [db]\n"
        "  db:\n    image: postgres:16\n"
    )
    sea = (
        "#[tokio::main]\nasync fn main() {\n    let url = std::env::var(\"DATABASE_URL\").unwrap();\n"
        "    let _db = sea_orm::Database::connect(url).await.unwrap();\n}\n"
    )
    migrate = "FROM rust:1.80\nRUN cargo install sqlx-cli\nCMD sqlx database create && sqlx migrate run\n"
    root = write(tmp_path, {"Cargo.toml": CARGO + 'tokio = { version = "1", features = ["full"] }\nsea-orm = "1"\n',
                            "src/main.rs": sea, "Dockerfile": IMAGE, "migrate.Dockerfile": migrate,
                            "compose.yaml": compose})
    assert [f for f in got(lint(root, ["VW309"]), root) if f[3] != "note"] == []
    # a client that connects once and fails: the race is real
    write(root, {"src/main.rs": CONNECT, "Cargo.toml": CARGO + DEPS,
                 "migrate.Dockerfile": migrate.replace("sqlx database create && sqlx migrate run", "./migrate")})
    assert [(f[1], f[2], f[3]) for f in got(lint(root, ["VW309"]), root)] == [
        ("compose.yaml", 6, "warning"), ("compose.yaml", 13, "warning")]


def test_vw110_is_silent_after_a_copy_whose_source_the_context_lacks(tmp_path: Path) -> None:
    image = (
        "FROM rust:1.80\nWORKDIR /app\nCOPY Cargo.toml ./\nCOPY services/api/Cargo.toml services/api/\n"
        "RUN cargo build --release\n"
    )
    ws = '[workspace]\nmembers = ["crates/api"]\n'
    root = write(tmp_path, {"Cargo.toml": ws, "crates/api/Cargo.toml": CARGO, "crates/api/src/main.rs": MAIN,
                            "Dockerfile": image})
    assert [f.rule_id for f in lint(root, ["VW102", "VW110"])] == ["VW102"]  # the build stops at line 4
    write(root, {"Dockerfile": image.replace("COPY services/api/Cargo.toml services/api/\n", "")})
    assert [f.rule_id for f in lint(root, ["VW102", "VW110"])] == ["VW110"]


def test_vw110_the_stub_main_does_not_hide_what_the_real_build_embeds(tmp_path: Path) -> None:
    image = (
        "FROM rust:1.80\nWORKDIR /app\nCOPY Cargo.toml ./\n"
        "RUN mkdir src && echo 'fn main() {}' > src/main.rs && cargo build --release\n"
        "COPY src ./src\nRUN cargo build --release --bin serve\n"
    )
    lib = 'pub static M: &str = include_str!("../migrations/0001.sql");\n'
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/lib.rs": lib, "src/bin/serve.rs": MAIN,
                            "migrations/0001.sql": "select 1;\n", "Dockerfile": image})
    assert got(lint(root, ["VW110"]), root) == [("VW110", "Dockerfile", 6, "error")]


def test_vw301_up_wait_and_traefik_act_on_health(tmp_path: Path) -> None:
    compose = (
        "services:\n  api:\n    build: .\n    healthcheck:\n      test: [\"CMD\", \"/shop\", \"health\"]\n"
        "      interval: 5s\n      retries: 3\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": IMAGE, "compose.yaml": compose})
    assert got(lint(root, ["VW301"]), root) == [("VW301", "compose.yaml", 4, "note")]
    assert "and restarted" not in lint(root, ["VW301"])[0].message
    write(root, {"deploy.sh": "#!/bin/sh\ndocker compose up -d --build --wait\n"})
    assert got(lint(root, ["VW301"]), root) == [("VW301", "compose.yaml", 4, "warning")]
    (root / "deploy.sh").unlink()
    write(root, {"compose.yaml": compose + "  proxy:\n    image: traefik:v3.1\n"})
    assert got(lint(root, ["VW301"]), root) == [("VW301", "compose.yaml", 4, "warning")]


def test_vw201_a_user_written_env_counts_only_when_the_code_loads_it(tmp_path: Path) -> None:
    code = "fn main() {\n    let _k = std::env::var(\"JWT_SECRET\").expect(\"key\");\n}\n"
    image = "FROM rust:1.80\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\nCMD [\"./target/release/shop\"]\n"
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": code, "Dockerfile": image, ".gitignore": ".env\n",
                            ".env.example": "JWT_SECRET=change-me\n", "compose.yaml": "services:\n  api:\n    build: .\n"})
    assert [f.rule_id for f in lint(root, ["VW201"])] == ["VW201"]  # nothing reads a .env
    write(root, {"src/main.rs": "fn main() {\n    dotenvy::dotenv().ok();\n" + code.split("\n", 1)[1],
                 "Cargo.toml": CARGO + 'dotenvy = "0.15"\n'})
    assert [f.rule_id for f in lint(root, ["VW201"])] == ["VW201"]  # a bare template tells no one to make it
    write(root, {"README.md": "# Shop\n\n```sh\ncp .env.example .env\ndocker compose up --build\n```\n"})
    assert lint(root, ["VW201"]) == []  # the documented step makes it from the template; the image takes it along


def test_review_prebuilt_note_and_no_command_scope_stop_where_compose_builds_the_image(tmp_path: Path) -> None:
    image = "FROM alpine:3.20\nCOPY ./server /usr/local/bin/server\nCMD [\"server\"]\n"
    compose = "services:\n  api:\n    build: .\n"
    root = write(tmp_path / "a", {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": image, "compose.yaml": compose})
    assert got(lint(root, ["VW102"]), root) == [("VW102", "Dockerfile", 2, "error")]  # a clone cannot build it
    script = image.replace("./server /usr/local/bin/server", "backup.sh /usr/local/bin/backup.sh").replace(
        '"server"', '"backup.sh"')
    root = write(tmp_path / "b", {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": script})
    assert got(lint(root, ["VW102"]), root) == [("VW102", "Dockerfile", 2, "error")]  # a script is no build output
    nocmd = (
        "FROM rust:1.80 AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
        "FROM debian:bookworm-slim\nCOPY --from=build /src/target/release/shop /usr/local/bin/shop\n"
    )
    root = write(tmp_path / "c", {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": nocmd, "compose.yaml": compose})
    assert scope_of(root, "Dockerfile") == "deploy"  # compose runs it
