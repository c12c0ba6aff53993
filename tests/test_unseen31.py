"""Situations read on a thirty-first set of repositories and on what earlier sets left open."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint, write
from tests.unseen_fixtures import CARGO, CONNECT, IMAGE, got, scope_of

RELEASE = (
    "#!/bin/bash\nset -euo pipefail\nWORK=$(pwd)\nOUT=\"${WORK}/docker\"\n"
    "mkdir -p \"${OUT}/out\"\ncargo build --release\ncp target/release/api \"${OUT}/out/api\"\n"
    "cp -r assets \"${OUT}/assets\"\n"
    "cd \"${OUT}\"\ndocker buildx build -f Dockerfile.release -t ghcr.io/acme/api:latest --push .\n"
)
SHIPPED = (
    "FROM debian:bookworm-slim\nCOPY ./out/api /usr/local/bin/api\nCOPY ./assets /srv/assets\nUSER nobody\n"
    "CMD [\"api\"]\n"
)


def test_vw102_a_script_that_moves_into_a_folder_named_by_variables_builds_there(tmp_path: Path) -> None:
    """`WORK=$(pwd)`, `OUT="${WORK}/docker"`, `cd "${OUT}"`, `docker buildx build -f Dockerfile.release .` in
    `bin/release.sh`: the context is `docker/` (not the root, where `assets/` happens to be), the `-f` file is read
    from there, and what the script copies in is made on the host first."""
    root = write(tmp_path, {"docker/Dockerfile.release": SHIPPED, "bin/release.sh": RELEASE, "assets/logo.svg": "<svg/>",
                            "Cargo.toml": '[package]\nname = "api"\nversion = "0.1.0"\n', "src/main.rs": "fn main() {}\n"})
    found = lint(root, ["VW102"])
    assert got(found, root) == [("VW102", "docker/Dockerfile.release", 2, "note"),
                                ("VW102", "docker/Dockerfile.release", 3, "note")]
    assert "in the build context `docker`; `bin/release.sh`" in found[0].message
    # the script builds in another folder: nothing says the context is `docker/`, so it is where the sources are
    write(root, {"bin/release.sh": RELEASE.replace('cd "${OUT}"', 'cd "${WORK}/packaging"')})
    found = lint(root, ["VW102"])
    assert [(f.location.line, "build context `.`" in f.message) for f in found] == [(2, True)]


def test_an_image_only_service_runs_the_image_a_makefile_tags(tmp_path: Path) -> None:
    """`make docker-build` runs `docker build -t shop .`; the production compose file runs `image: shop:latest`:
    that service runs this Dockerfile's image, so its curl healthcheck needs curl in it."""
    prod = (
        "services:\n  app:\n    image: shop:latest\n    ports: ['8000:8000']\n    healthcheck:\n"
        "      test: [\"CMD\", \"curl\", \"-f\", \"http://localhost:8000/health\"]\n      start_period: 10s\n"
    )
    make = ".PHONY: docker-build\ndocker-build:\n\tdocker build -t shop .\n"
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": IMAGE,
                            "compose.yaml": "services:\n  app:\n    build: .\n", "compose.prod.yaml": prod,
                            "Makefile": make})
    assert got(lint(root, ["VW304"]), root) == [("VW304", "compose.prod.yaml", 6, "error")]
    # a tag the Makefile does not build, or one built from another Dockerfile: not known to be this image
    write(root, {"Makefile": make.replace("-t shop .", "-t shop-tools -f tools/Dockerfile tools")})
    assert lint(root, ["VW304"]) == []


def test_a_step_is_shown_as_the_repository_reads_it_not_with_this_machines_paths(tmp_path: Path) -> None:
    """`SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"`, `mkdir -p "$SCRIPT_DIR/telemetry"`: the
    note names the folder inside the repository, never the absolute path of the checkout."""
    run = ('#!/bin/bash\nSCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"\nOUT="$SCRIPT_DIR/telemetry"\n'
           'mkdir -p "$OUT"\ndocker compose up -d\n')
    compose = "services:\n  collector:\n    image: otel/opentelemetry-collector:0.100.0\n    volumes:\n" \
              "      - ./telemetry:/telemetry\n"
    root = write(tmp_path, {"tools/trace/run.sh": run, "tools/trace/docker-compose.yml": compose})
    found = lint(root, ["VW204"])
    assert found, "the mount's source is made by the script: a note naming the step"
    assert all(str(tmp_path) not in f.message for f in found)
    assert "`mkdir -p ./tools/trace/telemetry` in tools/trace/run.sh" in found[0].message


def test_vw209_a_compose_entrypoint_interpreter_runs_the_command_script(tmp_path: Path) -> None:
    """`entrypoint: "/bin/bash"` with `command: [/setup.sh]`: bash reads the script, whose exec bit does not
    matter; without the entrypoint the command runs the script itself, which needs it."""
    compose = ("services:\n  setup:\n    build:\n      context: .\n      dockerfile: Dockerfile.setup\n"
               "    entrypoint: \"/bin/bash\"\n    command:\n      - /setup.sh\n    volumes:\n"
               "      - ./bin/setup.sh:/setup.sh\n")
    root = write(tmp_path, {"Dockerfile.setup": "FROM debian:bookworm-slim\nRUN apt-get update\n",
                            "bin/setup.sh": "#!/bin/bash\necho ready\n", "compose.yaml": compose})
    (root / "bin/setup.sh").chmod(0o644)
    assert lint(root, ["VW209"]) == []
    write(root, {"compose.yaml": compose.replace("    entrypoint: \"/bin/bash\"\n", "")})
    assert got(lint(root, ["VW209"]), root) == [("VW209", "bin/setup.sh", 1, "error")]
    # `sh -c /setup.sh` runs the file itself: it needs the bit
    write(root, {"compose.yaml": compose.replace('entrypoint: "/bin/bash"', 'entrypoint: ["/bin/sh", "-c"]')})
    assert got(lint(root, ["VW209"]), root) == [("VW209", "bin/setup.sh", 1, "error")]


def test_vw110_a_path_dependency_a_pre_build_hook_copies_into_the_context(tmp_path: Path) -> None:
    """`cp -r ../operator ./` in the image folder's hook, the folder git-ignored there, then `COPY operator
    ./operator`: the stage has what the hook copies (VW102's note), so the path dependency is not claimed."""
    df = ("FROM rust:1.85-bookworm AS builder\nWORKDIR /\nCOPY operator ./operator\nWORKDIR /build\n"
          "COPY Cargo.toml Cargo.lock ./\nCOPY src ./src\nRUN cargo install --path .\n"
          "FROM debian:bookworm-slim\nCOPY --from=builder /usr/local/cargo/bin/conductor /usr/local/bin/\n"
          "USER nobody\nCMD [\"conductor\"]\n")
    cargo = ('[package]\nname = "conductor"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n'
             'controller = { path = "../operator" }\n')
    files = {"conductor/Dockerfile": df, "conductor/Cargo.toml": cargo, "conductor/Cargo.lock": "version = 3\n",
             "conductor/src/main.rs": "fn main() {}\n", "conductor/.gitignore": "operator/\n",
             "conductor/pre-build-hook.sh": "#!/bin/sh\ncp -r ../operator ./\n",
             "operator/Cargo.toml": '[package]\nname = "controller"\nversion = "0.1.0"\n',
             "operator/src/lib.rs": "pub fn run() {}\n",
             ".github/workflows/image.yml": "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n"
                                            "      - run: cd conductor && ./pre-build-hook.sh\n"
                                            "      - run: docker build -t conductor conductor\n"}
    root = write(tmp_path, files)
    assert lint(root, ["VW110"]) == []
    assert [f.level.value for f in lint(root, ["VW102"])] == ["note"]
    # without the hook and the ignore entry nothing puts it there: the path dependency is outside the context
    (root / "conductor/pre-build-hook.sh").unlink()
    (root / "conductor/.gitignore").unlink()
    assert {f.rule_id for f in lint(root, ["VW110"])} == {"VW110"}
    # a CI step that merely names the folder (`cargo test` in it) puts nothing in the context
    write(root, {".github/workflows/image.yml": files[".github/workflows/image.yml"].replace(
        "cd conductor && ./pre-build-hook.sh", "cd operator && cargo test")})
    assert {f.rule_id for f in lint(root, ["VW110"])} == {"VW110"}


def test_a_compose_file_moved_without_its_paths_that_nothing_runs_is_advice(tmp_path: Path) -> None:
    """`docker/old/compose.yaml` mounts `./scripts/init.sql` and builds `.`: both exist from the repository root,
    not beside it, and no script, CI step or document names the file: a stale copy, its breakage only advice."""
    stale = ("services:\n  api:\n    build: .\n  db:\n    image: postgres:16\n    volumes:\n"
             "      - ./scripts/init.sql:/docker-entrypoint-initdb.d/init.sql\n")
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": IMAGE,
                            "scripts/init.sql": "create table t (id int);\n", "docker/old/compose.yaml": stale,
                            "compose.yaml": "services:\n  api:\n    build: .\n"})
    found = lint(root, ["VW104", "VW204"])
    assert got(found, root) == [("VW104", "docker/old/compose.yaml", 3, "note"),
                                ("VW204", "docker/old/compose.yaml", 7, "note")]
    assert "a copy moved without its paths" in found[0].message
    # a README that runs it makes it a file someone uses: its broken paths are defects
    write(root, {"README.md": "Run `docker compose -f docker/old/compose.yaml up`.\n"})
    assert {f.level.value for f in lint(root, ["VW104", "VW204"])} == {"error"}
    (root / "README.md").unlink()
    write(root, {"docker/old/README.md": "```\ndocker compose up -d\n```\n"})
    assert {f.level.value for f in lint(root, ["VW104", "VW204"])} == {"error"}


def test_scope_a_subfolder_stack_of_other_languages_programs_is_aux(tmp_path: Path) -> None:
    """`apps/chat/compose.yaml` builds a Node server beside postgres: a side project of the repository, whose
    published port and password are not the Rust app's deployment (hardening silent); its breakage still counts."""
    compose = ("services:\n  server:\n    build: ./server\n    environment:\n"
               "      DATABASE_URL: postgres://chat:chat@db/chat\n    depends_on: [db]\n  db:\n    image: postgres:16\n"
               "    environment:\n      POSTGRES_PASSWORD: chat\n    ports:\n      - \"5432:5432\"\n")
    node = "FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"index.js\"]\n"
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": IMAGE,
                            "apps/chat/compose.yaml": compose, "apps/chat/server/Dockerfile": node,
                            "apps/chat/server/index.js": "\n"})
    assert scope_of(root, "apps/chat/compose.yaml") == "aux"
    assert lint(root, ["VW405"]) == []
    # the same stack building the repository's Rust image is its deployment
    write(root, {"apps/chat/compose.yaml": compose.replace("build: ./server", "build: ../..")})
    assert scope_of(root, "apps/chat/compose.yaml") == "deploy"


def test_vw101_a_scratch_crate_whose_source_folder_is_ignored_as_a_whole(tmp_path: Path) -> None:
    """`temp/*` in `.gitignore` beside a committed `temp/Cargo.toml` whose `[lib]` is `src/lib.rs`: a harness writes
    the sources there (note); a `bin/` rule that ignores `src/bin/worker.rs` is no such folder (error)."""
    manifest = '[package]\nname = "temp"\nversion = "0.1.0"\n\n[lib]\npath = "src/lib.rs"\n'
    root = write(tmp_path, {"compiler/temp/Cargo.toml": manifest, "compiler/.gitignore": "temp/*\n"})
    assert got(lint(root, ["VW101"]), root) == [("VW101", "compiler/temp/Cargo.toml", 6, "note")]
    worker = '[package]\nname = "shop"\nversion = "0.1.0"\n\n[[bin]]\nname = "worker"\npath = "src/bin/worker.rs"\n'
    write(root, {"compiler/temp/Cargo.toml": worker, "compiler/.gitignore": "bin/\n"})
    (root / "compiler/temp/src").mkdir(exist_ok=True)
    assert [f.level.value for f in lint(root, ["VW101"])] == ["error"]


def test_vw402_a_framework_whose_signals_the_code_turns_off_for_a_library(tmp_path: Path) -> None:
    """`.disable_signals()` on actix-web with no handler in the repository and another library (a git runtime
    crate) that starts the server: that library likely stops it (note); a `ctrl_c` handler in sight that misses
    SIGTERM is the defect (warning)."""
    main = ("use actix_web::{App, HttpServer};\n\n#[actix_web::main]\nasync fn main() -> std::io::Result<()> {\n"
            "    let server = HttpServer::new(|| App::new()).bind((\"0.0.0.0\", 8080))?.disable_signals().run();\n"
            "    forge_runtime::Runtime::new().serve(server).await\n}\n")
    cargo = CARGO + 'actix-web = "4"\nforge-runtime = { git = "https://example.com/forge.git" }\n'
    image = IMAGE.replace('CMD ["shop"]', 'ENTRYPOINT ["shop"]')
    root = write(tmp_path, {"Cargo.toml": cargo, "src/main.rs": main, "Dockerfile": image})
    found = lint(root, ["VW402"])
    assert [f.level.value for f in found] == ["note"]
    assert "turns actix-web's `HttpServer`'s own SIGTERM handling off" in found[0].message
    # no library that runs the app: nothing stops it on SIGTERM
    write(root, {"Cargo.toml": CARGO + 'actix-web = "4"\nserde = "1"\n',
                 "src/main.rs": main.replace("forge_runtime::Runtime::new().serve(server).await", "server.await")})
    assert [f.level.value for f in lint(root, ["VW402"])] == ["warning"]
    write(root, {"Cargo.toml": cargo})
    ctrl_c = main.replace("    forge_runtime::Runtime::new().serve(server).await\n",
                          "    tokio::signal::ctrl_c().await?;\n    server.await\n")
    write(root, {"src/main.rs": ctrl_c})
    assert [f.level.value for f in lint(root, ["VW402"])] == ["warning"]


def test_vw402_actix_stops_on_sigint_too_under_stopsignal_sigint(tmp_path: Path) -> None:
    """`STOPSIGNAL SIGINT` on an actix-web server: actix handles SIGINT, SIGTERM and SIGQUIT, so only reaping is
    missing (note); a framework that stops on SIGTERM alone (Rocket) does not stop on SIGINT (warning)."""
    main = ("use actix_web::{App, HttpServer};\n\n#[actix_web::main]\nasync fn main() -> std::io::Result<()> {\n"
            "    HttpServer::new(|| App::new()).bind((\"0.0.0.0\", 8080))?.run().await\n}\n")
    image = IMAGE.replace('CMD ["shop"]', 'EXPOSE 8080\nSTOPSIGNAL SIGINT\nCMD ["shop"]')
    root = write(tmp_path, {"Cargo.toml": CARGO + 'actix-web = "4"\n', "src/main.rs": main, "Dockerfile": image})
    found = lint(root, ["VW402"])
    assert [f.level.value for f in found] == ["note"] and "stops it on SIGINT by itself" in found[0].message
    rocket = "#[rocket::launch]\nfn rocket() -> _ {\n    rocket::build()\n}\n"
    write(root, {"Cargo.toml": CARGO + 'rocket = "0.5"\n', "src/main.rs": rocket})
    assert [f.level.value for f in lint(root, ["VW402"])] == ["warning"]


def test_a_service_no_command_of_the_repository_starts_gets_advice(tmp_path: Path) -> None:
    """The Makefile starts only `postgres` (`docker compose up -d postgres`) and runs the app on the host: what is
    wrong with the `gateway` service nobody starts is advice; a target that starts it makes it a defect."""
    compose = ("services:\n  postgres:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: pw\n"
               "  gateway:\n    build: .\n    environment:\n      DATABASE_URL: postgres://app:pw@postgres/app\n"
               "      MODEL_MAP: ${MODEL_MAP}\n")
    make = "run-postgres:\n\tdocker compose up -d postgres\n\nrun:\n\tcargo run\n"
    cargo = CARGO + 'tokio = { version = "1", features = ["full"] }\ntokio-postgres = "0.7"\n'
    root = write(tmp_path, {"Cargo.toml": cargo, "src/main.rs": CONNECT, "Dockerfile": IMAGE,
                            "compose.yaml": compose, "Makefile": make})
    found = lint(root, ["VW202", "VW309"])
    assert got(found, root) == [("VW202", "compose.yaml", 10, "note"), ("VW309", "compose.yaml", 6, "note")]
    assert all("no command of the repository starts `gateway`" in f.message for f in found)
    write(root, {"Makefile": make + "\nstack:\n\tdocker compose up -d gateway\n"})
    assert got(lint(root, ["VW202", "VW309"]), root) == [("VW202", "compose.yaml", 10, "warning"),
                                                         ("VW309", "compose.yaml", 6, "warning")]
    # a CI job that starts the database for `cargo test` says nothing of how the stack is run
    (root / "Makefile").unlink()
    write(root, {".github/workflows/test.yml": "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n"
                 "      - run: docker compose up -d postgres\n      - run: cargo test\n"})
    assert got(lint(root, ["VW202", "VW309"]), root) == [("VW202", "compose.yaml", 10, "warning"),
                                                         ("VW309", "compose.yaml", 6, "warning")]


def test_scope_a_traffic_simulator_is_a_test_tool(tmp_path: Path) -> None:
    root = write(tmp_path, {"simulator/Dockerfile": IMAGE, "loadgen/Dockerfile": IMAGE, "ingestor/Dockerfile": IMAGE})
    assert scope_of(root, "simulator/Dockerfile") == "test"
    assert scope_of(root, "loadgen/Dockerfile") == "test"
    assert scope_of(root, "ingestor/Dockerfile") == "deploy"


def test_a_tag_built_after_a_cd_or_from_two_dockerfiles_links_no_image(tmp_path: Path) -> None:
    """`cd web && docker build -t web .` builds `web/Dockerfile`, not the root one; a tag two Dockerfiles are
    built to is not known to be either."""
    prod = ("services:\n  web:\n    image: web:latest\n    healthcheck:\n"
            "      test: [\"CMD\", \"curl\", \"-f\", \"http://localhost:8000/health\"]\n      start_period: 10s\n")
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": IMAGE,
                            "web/Dockerfile": "FROM nginx:1.27\n", "compose.prod.yaml": prod,
                            "Makefile": "web:\n\tcd web && docker build -t web .\n"})
    assert lint(root, ["VW304"]) == []
    write(root, {"Makefile": "web:\n\tdocker build -t web .\n\tdocker build -t web -f web/Dockerfile web\n"})
    assert lint(root, ["VW304"]) == []
    write(root, {"Makefile": "web:\n\tdocker build -t web .\n"})
    assert [f.rule_id for f in lint(root, ["VW304"])] == ["VW304"]


def test_vw110_a_host_made_file_hides_nothing_else_the_stage_lacks(tmp_path: Path) -> None:
    """A git-ignored `.env` the host writes is no folder of sources: the `src/` the stage never copies is still
    what the build lacks."""
    df = ("FROM rust:1.85-bookworm AS builder\nWORKDIR /build\nCOPY .env .env\nCOPY Cargo.toml ./\n"
          "RUN cargo build --release\nFROM debian:bookworm-slim\n"
          "COPY --from=builder /build/target/release/shop /usr/local/bin/\nUSER nobody\nCMD [\"shop\"]\n")
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": df,
                            ".gitignore": ".env\n"})
    assert [f.rule_id for f in lint(root, ["VW110"])] == ["VW110"]


def test_vw406_an_image_compose_builds_where_it_runs_and_nothing_pushes(tmp_path: Path) -> None:
    """`COPY .env .env` into an image compose builds on the host that runs it, pushed nowhere: who can read its
    layers can read the file there too (note); a service that names it under a registry may push it (warning)."""
    df = IMAGE.replace("USER nobody\n", "COPY .env .env\nUSER nobody\n")
    compose = "services:\n  api:\n    build: .\n    image: api\n"
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": df,
                            ".env": "DB_PASSWORD=s3cr3t-Value\n", "compose.yaml": compose})
    found = lint(root, ["VW406"])
    assert [f.level.value for f in found] == ["note"] and "nothing pushes it" in found[0].message
    write(root, {"compose.yaml": compose.replace("image: api", "image: ghcr.io/acme/api")})
    assert [f.level.value for f in lint(root, ["VW406"])] == ["warning"]


def test_scope_a_readme_sentence_that_calls_the_compose_file_the_development_setup(tmp_path: Path) -> None:
    """`see the [docker-compose.yml](/docker-compose.yml) file that is used for local development`: a dev stack;
    a sentence that gives it to production is not; a compose snippet to paste is no stack of its own."""
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": IMAGE,
                            "docker-compose.yml": "services:\n  api:\n    build: .\n",
                            "push/docker-compose.snippet.yml": "services:\n  push:\n    build: ./push\n",
                            "README.md": "You need a database; take a look at the [docker-compose.yml](/docker-compose.yml) "
                                         "file that is used for local development.\n"})
    assert scope_of(root, "docker-compose.yml") == "dev"
    # a snippet to paste is no project of its own: its paths are the host file's
    assert lint(root, ["VW104"]) == []
    write(root, {"README.md": "The docker-compose.yml runs the production stack; use it for development too.\n"})
    assert scope_of(root, "docker-compose.yml") == "deploy"


def test_vw203_a_git_ignored_env_file_a_readme_tree_lists_under_its_folder(tmp_path: Path) -> None:
    """The README draws `secrets/` with `.env_deploy` in it and says what it holds: each user writes their own
    (note); with no such folder named, the bare file name is another file's."""
    compose = "services:\n  server:\n    build: .\n    env_file:\n      - secrets/.env_deploy\n"
    readme = "Set up the secrets:\n```\nsecrets/\n└── .env_deploy\n```\n- `.env_deploy` holds the server's variables.\n"
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": IMAGE,
                            "compose.yaml": compose, ".gitignore": "secrets/\n", "README.md": readme})
    assert got(lint(root, ["VW203"]), root) == [("VW203", "compose.yaml", 5, "note")]
    write(root, {"README.md": readme.replace("secrets/\n", "config\n")})
    assert got(lint(root, ["VW203"]), root) == [("VW203", "compose.yaml", 5, "error")]


def test_vw402_a_signal_named_in_a_log_message_handles_nothing(tmp_path: Path) -> None:
    """`ctrl_c().await` then `info!("… (SIGINT/SIGTERM)")`: only SIGINT is handled; the string names SIGTERM."""
    main = ("#[tokio::main]\nasync fn main() {\n    tokio::signal::ctrl_c().await.unwrap();\n"
            "    println!(\"Shutdown signal received (SIGINT/SIGTERM)\");\n    loop {}\n}\n")
    image = IMAGE.replace('CMD ["shop"]', 'EXPOSE 8080\nCMD ["shop"]')
    cargo = CARGO + 'tokio = { version = "1", features = ["full"] }\n'
    root = write(tmp_path, {"Cargo.toml": cargo, "src/main.rs": main, "Dockerfile": image})
    assert [f.level.value for f in lint(root, ["VW402"])] == ["warning"]
    # a URL in a string (`http://…`) starts no comment that would hide the handler after it
    write(root, {"src/main.rs": main.replace("tokio::signal::ctrl_c().await.unwrap();",
                                             "println!(\"see http://localhost:8080\");\n"
                                             "    let mut t = tokio::signal::unix::signal(\n"
                                             "        tokio::signal::unix::SignalKind::terminate()).unwrap();\n"
                                             "    t.recv().await;")})
    assert lint(root, ["VW402"]) == []


def test_an_image_deployed_to_heroku_runs_as_its_user_and_gets_sigterm_in_every_process(tmp_path: Path) -> None:
    """A CI step `akhileshns/heroku-deploy` with `usedocker: true` (or a `heroku.yml`) deploys the root Dockerfile:
    Heroku runs it as a non-root user and signals every process, so root and a shell-form CMD are advice."""
    image = IMAGE.replace("USER nobody\n", "").replace('CMD ["shop"]', "CMD shop --port $PORT")
    ci = ("on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
          "      - uses: akhileshns/heroku-deploy@v3.12.12\n        with:\n          heroku_app_name: shop\n"
          "          usedocker: true\n")
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": image,
                            ".github/workflows/deploy.yml": ci})
    found = lint(root, ["VW401", "VW403"])
    assert sorted((f.rule_id, f.level.value) for f in found) == [("VW401", "note"), ("VW403", "note")]
    assert all("built for Heroku" in f.message for f in found)
    (root / ".github/workflows/deploy.yml").unlink()
    found = lint(root, ["VW401", "VW403"])
    assert sorted((f.rule_id, f.level.value) for f in found) == [("VW401", "warning"), ("VW403", "warning")]
    write(root, {"heroku.yml": "build:\n  docker:\n    web: Dockerfile\n"})
    assert sorted(f.level.value for f in lint(root, ["VW401", "VW403"])) == ["note", "note"]


def test_scope_a_root_readme_line_about_the_root_compose_file_says_nothing_of_a_subfolders(tmp_path: Path) -> None:
    """`├── docker-compose.yml   # Full local development` in the root README is the root file's line: the
    `user-service/docker-compose.yml` of the same name keeps its own scope."""
    compose = "services:\n  api:\n    build: .\n"
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": IMAGE,
                            "docker-compose.yml": compose, "user-service/docker-compose.yml": compose.replace(".", "..", 1),
                            "README.md": "```\n├── docker-compose.yml   # Full local development\n```\n"})
    assert scope_of(root, "docker-compose.yml") == "dev"
    assert scope_of(root, "user-service/docker-compose.yml") == "deploy"
