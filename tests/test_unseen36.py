"""Situations read on a thirty-sixth set of repositories."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint, write
from tests.unseen_fixtures import CARGO, IMAGE, got, scope_of

REDIS_MAIN = (
    "use std::sync::Arc;\n"
    "fn HANDLER(client: &Arc<redis::Client>) -> redis::RedisResult<()> {\n"
    "    let mut con = client.get_connection()?;\n"
    "    redis::cmd(\"SET\").arg(\"k\").arg(1).query(&mut con)\n"
    "}\n"
    "fn main() {\n"
    "    let url = std::env::var(\"REDIS_URL\").unwrap();\n"
    "    let client = Arc::new(redis::Client::open(url).unwrap());\n"
    "    loop { let _ = HANDLER(&client); }\n"
    "}\n"
)
REDIS_STACK = (
    "services:\n  web:\n    build: .\n    environment:\n      REDIS_URL: redis://redis:6379\n"
    "  redis:\n    image: redis:7\n"
)


def test_vw309_a_connection_a_request_handler_opens_is_no_start_up_connection(tmp_path: Path) -> None:
    """`redis::Client::open` in `main` connects to nothing; `post_new`, the handler that stores a new entry, opens
    the connection per request: a late Redis fails a request, not the start (a note at most). A function named
    `new_connection` or `init_store` runs while the app starts."""
    files = {"Cargo.toml": CARGO + 'redis = "0.23"\n', "Dockerfile": IMAGE, "compose.yaml": REDIS_STACK}
    cases = (("post_new", "note"), ("new_comment", "note"), ("new_connection", "warning"), ("init_store", "warning"))
    for name, level in cases:
        root = write(tmp_path / name, {**files, "src/main.rs": REDIS_MAIN.replace("HANDLER", name)})
        assert got(lint(root, ["VW309"]), root) == [("VW309", "compose.yaml", 2, level)], name


PROD_STACK = (
    "services:\n  api:\n    build: .\n    environment:\n      DATABASE_URL: postgres://app:${DB_PASSWORD}@db/app\n"
    "      RUST_LOG: ${LOG_LEVEL}\n  db:\n    image: postgres:16\n"
)


def test_vw202_a_git_ignored_dotenv_the_developer_tooling_loads_is_each_users_own(tmp_path: Path) -> None:
    """`.env` is git-ignored and the repository's direnv `.envrc` sources it (or the justfile loads it with `set
    dotenv-load`): each user keeps their own, so the names it would define are notes; with nothing loading it, a
    name no file defines is a warning."""
    files = {
        "Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": IMAGE, "compose.yaml": PROD_STACK,
        ".gitignore": "target\n.env\n",
    }
    for name, extra in (
        ("direnv", {".envrc": "use flake\nset -a && source .env && set +a\n"}),
        ("just", {"justfile": "set dotenv-load\nset dotenv-required\n\nup:\n    docker compose up -d\n"}),
        ("plain", {}),
        ("other", {".envrc": "source .env.local\n"}),
    ):
        root = write(tmp_path / name, {**files, **extra})
        level = "warning" if name in ("plain", "other") else "note"
        # the password is a secret, best exported by the shell that runs compose: a note either way
        expected = [("VW202", "compose.yaml", 5, "note"), ("VW202", "compose.yaml", 6, level)]
        assert got(lint(root, ["VW202"]), root) == expected, name


WATCHED = (
    "services:\n  api:\n    build: .\n    profiles: [local]\n    depends_on: [db]\n"
    "    environment:\n      DATABASE_URL: postgres://app:app@db/app\n"
    "    develop:\n      watch:\n        - action: rebuild\n          path: src\n"
    "  db:\n    image: postgres:16\n    ports: [\"15432:5432\"]\n    environment:\n      POSTGRES_PASSWORD: app\n"
)


def test_scope_a_stack_whose_built_services_all_run_under_compose_watch_behind_a_profile_is_dev(
    tmp_path: Path,
) -> None:
    """Every service built here has `develop: watch` and a profile: a plain `up` starts the datastores for an app
    run on the host, `--profile local watch` is the editing loop. The published database port is how the host
    reaches it (VW405 stays silent). Without the profile, a plain `up` runs the app: it may ship."""
    main = 'fn main() {\n    let url = std::env::var("DATABASE_URL").unwrap();\n    println!("{url}");\n}\n'
    files = {"Cargo.toml": CARGO, "src/main.rs": main, "Dockerfile": IMAGE, "compose.yaml": WATCHED}
    root = write(tmp_path / "watched", files)
    assert scope_of(root, "compose.yaml") == "dev"
    assert got(lint(root, ["VW405"]), root) == []
    root = write(tmp_path / "shipped", {**files, "compose.yaml": WATCHED.replace("    profiles: [local]\n", "")})
    assert scope_of(root, "compose.yaml") == "deploy"
    assert got(lint(root, ["VW405"]), root) == [("VW405", "compose.yaml", 13, "warning")]
    # a deploy target that runs the profile: the watched services ship too
    make = "deploy:\n\tdocker compose --profile local up -d --build\n"
    root = write(tmp_path / "deployed", {**files, "Makefile": make})
    assert scope_of(root, "compose.yaml") == "deploy"
    assert got(lint(root, ["VW405"]), root) == [("VW405", "compose.yaml", 14, "warning")]


def test_vw309_a_service_whose_command_starts_another_program_of_the_image_is_advice(tmp_path: Path) -> None:
    """The image builds the Rust binary, but the service's command starts another program in it (a Go gateway, a
    Node script): how that program connects is not read, so a missing readiness wait is only advice."""
    stack = (
        "services:\n  gateway:\n    build: .\n    command: ./gateway\n    depends_on: [redis]\n"
        "    environment:\n      REDIS_URL: redis://redis:6379\n  redis:\n    image: redis:7\n"
    )
    main = 'fn main() {\n    let c = redis::Client::open(std::env::var("REDIS_URL").unwrap()).unwrap();\n' \
        '    let _ = c.get_connection().unwrap();\n}\n'
    files = {"Cargo.toml": CARGO + 'redis = "0.23"\n', "src/main.rs": main, "Dockerfile": IMAGE, "compose.yaml": stack}
    root = write(tmp_path / "other", files)
    found = lint(root, ["VW309"])
    assert got(found, root) == [("VW309", "compose.yaml", 5, "note")]
    assert "starts a program that is not one of the Rust binaries" in found[0].message
    root = write(tmp_path / "own", {**files, "compose.yaml": stack.replace("    command: ./gateway\n", "")})
    assert got(lint(root, ["VW309"]), root) == [("VW309", "compose.yaml", 4, "warning")]
    # a shell that execs the binary, or a script that does, starts the Rust program: a warning still
    shell = stack.replace("command: ./gateway", 'command: ["sh", "-c", "shop --check && exec shop"]')
    root = write(tmp_path / "shell", {**files, "compose.yaml": shell})
    assert got(lint(root, ["VW309"]), root) == [("VW309", "compose.yaml", 5, "warning")]
    script = stack.replace("command: ./gateway", 'entrypoint: ["/entrypoint.sh"]')
    image = IMAGE.replace('CMD ["shop"]\n', 'COPY entrypoint.sh /entrypoint.sh\nCMD ["shop"]\n')
    root = write(tmp_path / "script", {**files, "compose.yaml": script, "Dockerfile": image,
                                       "entrypoint.sh": '#!/bin/sh\nset -e\nexec shop "$@"\n'})
    assert got(lint(root, ["VW309"]), root) == [("VW309", "compose.yaml", 5, "warning")]


def test_vw102_a_folder_whose_every_entry_is_git_ignored_is_a_host_build_output(tmp_path: Path) -> None:
    """`docker/.gitignore` says `app/*`: git keeps nothing of `docker/app`, so a fresh clone has no such folder;
    `COPY ./app /app` takes what the maintainer assembles on the host (a note). Ignoring only some entries
    (`app/*.log`) says nothing of the folder."""
    files = {
        "Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n",
        "docker/Dockerfile": 'FROM debian:bookworm-slim\nCOPY ./app /app\nUSER nobody\nCMD ["/app/shop"]\n',
        "docker/.gitignore": ".env\napp/*\n",
        "compose.yaml": "services:\n  shop:\n    build: docker\n",
    }
    root = write(tmp_path / "all", files)
    assert got(lint(root, ["VW102"]), root) == [("VW102", "docker/Dockerfile", 2, "note")]
    root = write(tmp_path / "some", {**files, "docker/.gitignore": ".env\napp/*.log\n"})
    assert got(lint(root, ["VW102"]), root) == [("VW102", "docker/Dockerfile", 2, "error")]


def test_vw402_a_volo_thrift_server_handles_sigterm_itself(tmp_path: Path) -> None:
    """The generated `ItemServiceServer::new(service).layer(..).run(addr).await` of volo-thrift selects on SIGTERM,
    SIGINT and SIGHUP and shuts down gracefully: as PID 1 only reaping is missing (a note). The same binary
    without volo-thrift among its dependencies, or whose server is not started, says nothing of the kind."""
    main = (
        "#[volo::main]\nasync fn main() {\n    let addr = volo::net::Address::from(([0, 0, 0, 0], 80));\n"
        "    gen::auth::ItemServiceServer::new(AuthImpl)\n        .layer(LogLayer)\n        .run(addr)\n"
        "        .await\n        .unwrap();\n}\n"
    )
    image = IMAGE.replace('USER nobody\nCMD ["shop"]\n', 'EXPOSE 80\nUSER nobody\nCMD ["/usr/local/bin/shop"]\n')
    files = {"Cargo.toml": CARGO + 'volo = "0.10"\nvolo-thrift = "0.10"\n', "src/main.rs": main, "Dockerfile": image}
    root = write(tmp_path / "volo", files)
    found = lint(root, ["VW402"])
    assert got(found, root) == [("VW402", "Dockerfile", 9, "note")]
    assert "volo-thrift's `Server::run`" in found[0].message
    root = write(tmp_path / "other", {**files, "Cargo.toml": CARGO + 'volo = "0.10"\n'})
    assert got(lint(root, ["VW402"]), root) == [("VW402", "Dockerfile", 9, "warning")]


def test_vw405_a_host_tool_a_task_file_runs_reads_the_dotenv_localhost_url(tmp_path: Path) -> None:
    """The app reaches postgres over the compose network, and the root `.env` (which no service gets) points at
    `localhost:5432`: alone that may be the sqlx CLI's leftover, but a Makefile target that runs `sqlx migrate
    run` on the host reads it, so the published port is the repository's own way in (a note)."""
    stack = (
        "services:\n  api:\n    build: .\n    environment:\n      DATABASE_URL: postgres://app:pw@db:5432/app\n"
        "  db:\n    image: postgres:16\n    ports:\n      - 5432:5432\n    environment:\n      POSTGRES_PASSWORD: pw\n"
    )
    files = {
        "Cargo.toml": CARGO, "Dockerfile": IMAGE, "compose.yaml": stack,
        "src/main.rs": 'fn main() {\n    let url = std::env::var("DATABASE_URL").unwrap();\n'
                       '    println!("{url}");\n}\n',
        ".env": "DATABASE_URL=postgres://app:pw@localhost:5432/app\n",
    }
    root = write(tmp_path / "plain", files)
    assert got(lint(root, ["VW405"]), root) == [("VW405", "compose.yaml", 9, "warning")]
    make = "migrate:\n\tdocker compose up -d\n\tsqlx migrate run --source migrations\n"
    root = write(tmp_path / "make", {**files, "Makefile": make})
    found = lint(root, ["VW405"])
    assert got(found, root) == [("VW405", "compose.yaml", 9, "note")]
    assert "which `sqlx migrate` of `Makefile` reads" in found[0].message
    # a `diesel.toml` at the root: the diesel CLI runs on the host and reads that `.env`
    root = write(tmp_path / "diesel", {**files, "diesel.toml": '[print_schema]\nfile = "src/schema.rs"\n'})
    found = lint(root, ["VW405"])
    assert got(found, root) == [("VW405", "compose.yaml", 9, "note")]
    assert "which the diesel CLI (`diesel.toml`) reads" in found[0].message


def test_scope_readme_sections_with_setext_headings(tmp_path: Path) -> None:
    """`Running a development server` underlined with `---` is a section heading, as `## Running …` is: the
    compose file the README runs under it is a development stack. Under `Quick start` it is how users run it."""
    readme = (
        "Shop\n====\nA shop.\n\nMission\n-------\nSell things.\n\n{heading}\n{line}\n"
        "Build the binary first, then:\n```\ndocker-compose up --build\n```\n"
    )
    files = {
        "Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": IMAGE,
        "compose.yaml": "services:\n  shop:\n    build: .\n    ports: [\"8000:8000\"]\n",
    }
    for heading, scope in (("Running a development server", "dev"), ("Quick start", "deploy")):
        text = readme.format(heading=heading, line="-" * len(heading))
        root = write(tmp_path / scope, {**files, "README.md": text})
        assert scope_of(root, "compose.yaml") == scope, heading


FED = (
    "services:\n  web:\n    build: .\n    profiles: [web]\n"  # 1-4
    "  mastodon:\n    build: ./vendor/mastodon\n    profiles: [mastodon]\n"  # 5-7
    "  runner:\n    build: ./tests_federation\n    profiles: [testing]\n    depends_on: [api]\n"  # 8-11
)


def test_services_behind_profiles_no_command_selects_are_advice_even_for_build_findings(tmp_path: Path) -> None:
    """Every command of the repository runs `--profile web up` (or names a service the file lacks, which compose
    refuses): `mastodon` and `runner` sit behind profiles nothing selects, so compose neither builds nor starts
    them, and their missing build contexts and unknown dependency are advice. A CI job that selects `testing`
    does run `runner`: its findings keep their level."""
    just = (
        "fed-up:\n    docker compose -f compose.fed.yml --profile web up --build -d\n"
        "fed-reload:\n    docker compose -f compose.fed.yml --profile web up old_web -d\n"
    )
    files = {
        "Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": IMAGE, "compose.fed.yml": FED,
        "Justfile": just,
    }
    root = write(tmp_path / "just", files)
    expected = [("VW104", "compose.fed.yml", 6, "note"), ("VW104", "compose.fed.yml", 9, "note"),
                ("VW306", "compose.fed.yml", 11, "note")]
    assert got(lint(root, ["VW104", "VW306"]), root) == expected
    ci = (
        "on: push\njobs:\n  fed:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
        "      - run: docker compose -f compose.fed.yml --profile testing run runner\n"
    )
    root = write(tmp_path / "ci", {**files, ".github/workflows/fed.yml": ci})
    expected = [("VW104", "compose.fed.yml", 6, "note"), ("VW104", "compose.fed.yml", 9, "error"),
                ("VW306", "compose.fed.yml", 11, "error")]
    assert got(lint(root, ["VW104", "VW306"]), root) == expected
    # `--profile '*'` selects every profile, and a `build` target builds the profiles it selects
    errors = [("VW104", "compose.fed.yml", 6, "error"), ("VW104", "compose.fed.yml", 9, "error"),
              ("VW306", "compose.fed.yml", 11, "error")]
    star = just + "all-up:\n    docker compose -f compose.fed.yml --profile '*' up -d\n"
    root = write(tmp_path / "star", {**files, "Justfile": star})
    assert got(lint(root, ["VW104", "VW306"]), root) == errors
    build = just + "build-all:\n    docker compose -f compose.fed.yml --profile mastodon --profile testing build\n"
    root = write(tmp_path / "build", {**files, "Justfile": build})
    assert got(lint(root, ["VW104", "VW306"]), root) == errors


def test_vw404_a_relative_path_to_a_key_file_is_no_secret(tmp_path: Path) -> None:
    """`WEBPUSH_VAPID_KEY: data/vapid.pem` names the file the app opens; `SESSION_KEY: k3y-8f2a9c` is the key."""
    stack = (
        "services:\n  app:\n    build: .\n    environment:\n      WEBPUSH_VAPID_KEY: data/vapid.pem\n"
        "      JWT_PRIVATE_KEY: keys/jwt.key\n      SESSION_KEY: k3y-8f2a9c71d\n"
    )
    files = {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": IMAGE, "compose.yaml": stack}
    root = write(tmp_path, files)
    assert got(lint(root, ["VW404"]), root) == [("VW404", "compose.yaml", 7, "warning")]


def test_vw401_a_builder_stage_a_compose_service_runs_cargo_test_in_is_a_test_container(tmp_path: Path) -> None:
    """`test-runner` builds `target: builder` (no program of its own) and runs `cargo test` in it: no shipped
    image; the same stage a service runs the app in (`command: /src/target/release/shop`) is one."""
    dockerfile = (
        "FROM rust:1.80-slim AS builder\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
        "FROM debian:bookworm-slim AS runtime\nCOPY --from=builder /src/target/release/shop /usr/local/bin/shop\n"
        'USER nobody\nCMD ["shop"]\n'
    )
    stack = (
        "services:\n  shop:\n    build: .\n  test-runner:\n    profiles: [test]\n    build:\n      context: .\n"
        "      target: builder\n    command: cargo test -- --nocapture\n"
    )
    files = {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": dockerfile, "compose.yaml": stack}
    root = write(tmp_path / "test", files)
    assert got(lint(root, ["VW401"]), root) == []
    # a secret in the builder's text ships with the runtime stage built from it
    arg = "ARG CARGO_REGISTRIES_ACME_TOKEN=cio_Zr8vQ2mX7pL4kW9n\n"
    token = dockerfile.replace("WORKDIR /src\n", "WORKDIR /src\n" + arg, 1)
    root = write(tmp_path / "token", {**files, "Dockerfile": token})
    assert got(lint(root, ["VW401", "VW404"]), root) == [("VW404", "Dockerfile", 3, "warning")]
    stack = stack.replace("cargo test -- --nocapture", "/src/target/release/shop")
    root = write(tmp_path / "app", {**files, "compose.yaml": stack})
    assert got(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 1, "warning")]


def test_vw201_a_read_in_a_library_function_nothing_calls_is_never_made(tmp_path: Path) -> None:
    """`Config::from_env` of the workspace's library expects `DATABASE_URL`, but no code of the repository calls
    it: the binary builds its config from a file. Once the binary calls it, the read is made at start."""
    lib = (
        "pub struct Config { pub url: String }\nimpl Config {\n    pub fn from_env() -> Self {\n"
        '        let url = std::env::var("DATABASE_URL").expect("DATABASE_URL must be set");\n'
        "        Config { url }\n    }\n    pub fn from_file(p: &str) -> Self { Config { url: p.to_string() } }\n}\n"
    )
    main = 'fn main() {\n    let c = shop::Config::from_file("/etc/shop.toml");\n    println!("{}", c.url);\n}\n'
    files = {
        "Cargo.toml": CARGO, "src/lib.rs": lib, "src/main.rs": main, "Dockerfile": IMAGE,
        "compose.yaml": "services:\n  shop:\n    build: .\n",
    }
    root = write(tmp_path / "dead", files)
    assert got(lint(root, ["VW201"]), root) == []
    called = main.replace('Config::from_file("/etc/shop.toml")', "Config::from_env()")
    root = write(tmp_path / "called", {**files, "src/main.rs": called})
    assert got(lint(root, ["VW201"]), root) == [("VW201", "src/lib.rs", 4, "error")]
    # a trait method is called by code outside the repository (`Default::default` through `unwrap_or_default()`)
    default = lib.replace("impl Config {\n    pub fn from_env() -> Self {",
                          "impl Default for Config {\n    fn default() -> Self {")
    from_file = "    pub fn from_file(p: &str) -> Self { Config { url: p.to_string() } }\n}\n"
    default = default.replace(from_file, "}\nimpl Config {\n" + from_file)
    uses = 'fn main() {\n    let c: Option<shop::Config> = None;\n    println!("{}", c.unwrap_or_default().url);\n}\n'
    traited = {**files, "src/lib.rs": default, "src/main.rs": uses}
    root = write(tmp_path / "trait", traited)
    assert got(lint(root, ["VW201"]), root) == [("VW201", "src/lib.rs", 4, "error")]
    # an attribute macro's generated code calls the function (Leptos `#[server(ResetPassword, "/api")]`)
    attr = '    #[server(FromEnv, "/api")]\n'
    served = lib.replace("    pub fn from_env() -> Self {", attr + "    pub fn from_env() -> Self {")
    root = write(tmp_path / "macro", {**files, "src/lib.rs": served})
    assert got(lint(root, ["VW201"]), root) == [("VW201", "src/lib.rs", 5, "error")]


def test_vw404_a_value_that_describes_itself_as_secure_is_a_demo_default(tmp_path: Path) -> None:
    """`MyVerySecureAPIKey` and `supersecretkey` are made of words, not drawn at random: demo defaults to change
    before deploying (a note); a random-looking key stays a warning."""
    stack = (
        "services:\n  app:\n    build: .\n    environment:\n      TRACKER__API_KEY: \"MyVerySecureAPIKey\"\n"
        "      JWT_SECRET: supersecretkey\n      SESSION_KEY: Qh7vN2pX9wLk4TzR\n"
    )
    files = {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": IMAGE, "compose.yaml": stack}
    root = write(tmp_path, files)
    assert got(lint(root, ["VW404"]), root) == [
        ("VW404", "compose.yaml", 5, "note"), ("VW404", "compose.yaml", 6, "note"),
        ("VW404", "compose.yaml", 7, "warning"),
    ]


def test_vw203_the_readme_of_the_folder_above_documents_the_git_ignored_env_file(tmp_path: Path) -> None:
    """`docker/README.md` says `compose/.env` is each machine's own, git-ignored: the missing file of
    `docker/compose/docker-compose.yml` is documented (a note); with no document naming it, it is an error."""
    files = {
        "Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": IMAGE, ".gitignore": "target\n.env\n",
        "docker/compose/docker-compose.yml": "services:\n  shop:\n    build: ../..\n    env_file:\n      - .env\n",
    }
    root = write(tmp_path / "bare", files)
    assert got(lint(root, ["VW203"]), root) == [("VW203", "docker/compose/docker-compose.yml", 5, "error")]
    readme = "# Docker\n\n- `compose/.env` is this machine's configuration and is ignored by git.\n"
    root = write(tmp_path / "doc", {**files, "docker/README.md": readme})
    assert got(lint(root, ["VW203"]), root) == [("VW203", "docker/compose/docker-compose.yml", 5, "note")]


INIT_COMPOSE = (
    "# Comments are provided throughout this file to help you get started.\n"
    "# If you need more help, visit the Docker compose reference guide at\n"
    "# https://docs.docker.com/go/compose-spec-reference/\n"
    "services:\n  server:\n    build:\n      context: .\n      target: final\n    ports:\n      - 4000:4000\n"
)


def test_vw104_a_docker_init_scaffold_left_in_a_crate_folder_is_advice(tmp_path: Path) -> None:
    """`server/compose.yaml` still carries the header `docker init` wrote, its `server/Dockerfile` is gone (the
    root Dockerfile builds the workspace), and nothing runs it: a leftover (a note). Run by a script, it is what
    someone uses: an error."""
    files = {
        "Cargo.toml": '[workspace]\nmembers = ["server"]\n', "server/Cargo.toml": CARGO,
        "server/src/main.rs": "fn main() {}\n", "Dockerfile": IMAGE,
        "compose.yaml": "services:\n  server:\n    build: .\n", "server/compose.yaml": INIT_COMPOSE,
        "README.md": "# Shop\n\nSee [the server](/server/Readme.md). Run `docker compose up --build`.\n",
    }
    root = write(tmp_path / "left", files)
    assert got(lint(root, ["VW104"]), root) == [("VW104", "server/compose.yaml", 7, "note")]
    run = {**files, "Makefile": "dev:\n\tdocker compose -f server/compose.yaml up --build\n"}
    root = write(tmp_path / "run", run)
    assert got(lint(root, ["VW104"]), root) == [("VW104", "server/compose.yaml", 7, "error")]
    # its Dockerfile still there: the scaffold is what the folder builds, no leftover
    from viworks_lint.config import load_config
    from viworks_lint.movedcopy import init_scaffold
    from viworks_lint.project import Project

    root = write(tmp_path / "left", files)
    assert init_scaffold(Project(root, load_config(root)), root / "server/compose.yaml") == "generated by `docker init`"
    root = write(tmp_path / "kept", {**files, "server/Dockerfile": IMAGE})
    assert init_scaffold(Project(root, load_config(root)), root / "server/compose.yaml") is None


CD_WORKFLOW = (
    "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
    "      - uses: docker/bake-action@v5\n        with:\n          push: true\n          files: |\n"
    "            compose.yml\n            compose.override.yml\n"
    "  deploy:\n    needs: build\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
    "      - run: scp -o StrictHostKeyChecking=no compose.yml nginx.conf root@${{ vars.HOST }}:~\n"
    "      - uses: appleboy/ssh-action@master\n        with:\n          script: |\n"
    "            docker compose pull\n            docker compose up -d\n"
)


def test_an_override_the_deploy_step_leaves_behind_is_dev_and_bake_pushes_its_builds(tmp_path: Path) -> None:
    """CD copies `compose.yml` to the server without `compose.override.yml` and runs `docker compose up` there: the
    override (the builds, the published database port) is the developer's; its datastore port is no exposure. The
    images `docker/bake-action` pushes from both files still ship: their hardening findings stay."""
    base = "services:\n  api:\n    image: acme/api:latest\n  pg:\n    image: postgres:16\n"
    override = (
        "services:\n  api:\n    build:\n      context: .\n  pg:\n    ports:\n      - \"5432:5432\"\n"
        "    environment:\n      POSTGRES_PASSWORD: postgres\n"
    )
    image = IMAGE.replace("USER nobody\n", "")
    files = {
        "Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": image, "compose.yml": base,
        "compose.override.yml": override, ".github/workflows/cd.yml": CD_WORKFLOW,
    }
    root = write(tmp_path / "cd", files)
    assert scope_of(root, "compose.override.yml") == "dev"
    assert scope_of(root, "Dockerfile") == "deploy"
    assert got(lint(root, ["VW401", "VW405"]), root) == [("VW401", "Dockerfile", 5, "warning")]
    # copied along with the base file, the override runs on the server too
    both = CD_WORKFLOW.replace("compose.yml nginx.conf", "compose.yml compose.override.yml nginx.conf")
    root = write(tmp_path / "both", {**files, ".github/workflows/cd.yml": both})
    assert scope_of(root, "compose.override.yml") == "deploy"
    assert got(lint(root, ["VW401", "VW405"]), root) == [
        ("VW401", "Dockerfile", 5, "warning"), ("VW405", "compose.override.yml", 7, "note")]  # no service uses it


def test_vw201_a_git_ignored_env_a_later_stage_copies_by_name_holds_what_is_not_written_here(tmp_path: Path) -> None:
    """The builder takes the context along (`ADD . ./`) and the final stage copies its `.env` by name; the file is
    git-ignored and nothing writes out its names: whoever builds the image has one, and the app loads it with
    `dotenvy::dotenv()`, so a read it may hold is no claim. When the README writes out some names, the others
    are still missing."""
    dockerfile = (
        "FROM rust:1.80 AS builder\nWORKDIR /app\nADD . ./\nRUN cargo build --release\n"
        "FROM debian:bookworm-slim\nWORKDIR /srv\nCOPY --from=builder /app/target/release/shop ./shop\n"
        'COPY --from=builder /app/.env ./.env\nUSER nobody\nCMD ["./shop"]\n'
    )
    main = (
        "fn main() {\n    dotenvy::dotenv().ok();\n"
        '    let user = std::env::var("PG_USER").expect("PG_USER must be set");\n    println!("{user}");\n}\n'
    )
    files = {
        "Cargo.toml": CARGO + 'dotenvy = "0.15"\n', "src/main.rs": main, "Dockerfile": dockerfile,
        ".gitignore": "target\n.env\n", "compose.yaml": "services:\n  shop:\n    build: .\n",
    }
    root = write(tmp_path / "unwritten", files)
    assert got(lint(root, ["VW201"]), root) == []
    readme = "# Shop\n\nSet up a `.env` file:\n\n```\nPG_HOST=db\n```\n"
    root = write(tmp_path / "written", {**files, "README.md": readme})
    assert got(lint(root, ["VW201"]), root) == [("VW201", "src/main.rs", 3, "error")]


def test_page_intro_and_sections_read_setext_headings_front_matter_and_list_items(tmp_path: Path) -> None:
    """A page's intro ends at its second setext heading; YAML front matter is no heading; a list item followed by a
    thematic break (`---`) is no heading, so its inline command stays a command of the section above."""
    from viworks_lint.devdocs import _page_intro
    from viworks_lint.docruns import front_matter_end
    from viworks_lint.wrapperlines import logical_lines

    page = (
        "Shop\n====\nThis guide sets up the local development environment.\n\n"
        "Production\n----------\nDeploy with `docker compose up -d`.\n"
    )
    path = tmp_path / "README.md"
    path.write_text(page)
    intro = _page_intro(path)
    assert "local development environment" in intro and "Deploy with" not in intro
    path.write_text("---\ntitle: Docker Compose\n---\n\n" + page)
    assert "Deploy with" not in _page_intro(path)
    assert front_matter_end(["---", "title: Docs", "---", "text"]) == 3
    assert front_matter_end(["---", "Some prose here.", "---", "text"]) == 0  # two thematic breaks
    text = "## Run it\n\n- Run `docker compose up`\n---\nMore.\n"
    lines = logical_lines(Path("README.md"), text, "docs")
    assert [(n, label) for n, _t, label, _i in lines] == [(3, "§1:run it")]


def test_vw002_entries_that_only_repeat_once_their_variables_are_empty_are_no_duplicates(tmp_path: Path) -> None:
    """`${HOST_PORT_REST}:${DOCKER_PORT_REST}` and `${HOST_PORT_GRPC}:${DOCKER_PORT_GRPC}` both read `:` with the
    variables unset; set, they differ (VW202 names the variables). Two literal entries that repeat are refused."""
    stack = (
        "services:\n  web:\n    image: acme/web:1\n    ports:\n      - ${HOST_PORT_REST}:${DOCKER_PORT_REST}\n"
        "      - ${HOST_PORT_GRPC}:${DOCKER_PORT_GRPC}\n"
    )
    root = write(tmp_path / "vars", {"compose.yaml": stack})
    assert got(lint(root, ["VW002"]), root) == []
    literal = stack.replace("${HOST_PORT_REST}:${DOCKER_PORT_REST}", "8080:80").replace(
        "${HOST_PORT_GRPC}:${DOCKER_PORT_GRPC}", "8080:80")
    root = write(tmp_path / "literal", {"compose.yaml": literal})
    assert got(lint(root, ["VW002"]), root) == [("VW002", "compose.yaml", 4, "error")]
    # a list entry that is itself a list is read, not hashed (no crash): compose refuses the list
    root = write(tmp_path / "nested", {"compose.yaml": "services:\n  api:\n    ports: ['.', '.', []]\n"})
    assert {r for r, *_ in got(lint(root, ["VW002"]), root)} == {"VW002"}


def test_vw307_a_links_alias_is_a_name_the_proxy_reaches(tmp_path: Path) -> None:
    """`links: [frontend:fe]` lets nginx reach `frontend` as `fe`: `proxy_pass http://fe:3000` names a service. A
    name neither a service nor an alias is still unknown."""
    conf = (
        "events {}\nhttp {\n  server {\n    listen 80;\n    location / {\n      proxy_pass http://fe:3000;\n"
        "    }\n  }\n}\n"
    )
    stack = (
        "services:\n  frontend:\n    image: node:20\n  proxy:\n    image: nginx:1.27\n    links:\n"
        "      - frontend:fe\n    volumes:\n      - ./nginx.conf:/etc/nginx/nginx.conf:ro\n    ports:\n      - 80:80\n"
    )
    root = write(tmp_path / "alias", {"compose.yaml": stack, "nginx.conf": conf})
    assert got(lint(root, ["VW307"]), root) == []
    root = write(tmp_path / "none", {"compose.yaml": stack.replace("frontend:fe", "frontend"), "nginx.conf": conf})
    assert [r for r, *_ in got(lint(root, ["VW307"]), root)] == ["VW307"]


def test_vw202_an_image_only_deployment_file_with_a_git_ignored_env_is_the_servers(tmp_path: Path) -> None:
    """A compose file that only runs the repository's published images, beside a git-ignored `.env` and no template:
    a deployment file for a server whose operator keeps that `.env` (notes). A file that builds the app is what a
    clone runs: a name nothing defines is a warning."""
    stack = (
        "services:\n  api:\n    image: ghcr.io/acme/shop:latest\n    environment:\n"
        "      FRONTEND_URL: ${FRONTEND_URL}\n"
    )
    files = {
        "Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": IMAGE, ".gitignore": "target\n.env*\n",
        "compose.yaml": stack,
    }
    root = write(tmp_path / "image", files)
    assert got(lint(root, ["VW202"]), root) == [("VW202", "compose.yaml", 5, "note")]
    built = stack.replace("    image: ghcr.io/acme/shop:latest\n", "    build: .\n")
    root = write(tmp_path / "built", {**files, "compose.yaml": built})
    assert got(lint(root, ["VW202"]), root) == [("VW202", "compose.yaml", 5, "warning")]


def test_vw401_an_image_whose_default_command_asks_a_program_for_its_usage_is_a_tool(tmp_path: Path) -> None:
    """`CMD ["/usr/local/bin/shop", "-h"]` prints the tool's usage, as `CMD ["help"]` after an ENTRYPOINT does: run
    with a command, it ends with it (a note). The same image started with `serve` is a warning."""
    image = IMAGE.replace('USER nobody\nCMD ["shop"]\n', 'CMD ["/usr/local/bin/shop", "-h"]\n')
    files = {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": image}
    root = write(tmp_path / "help", files)
    assert got(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 5, "note")]
    served = image.replace('"-h"]', '"serve"]\nEXPOSE 8080\n')
    root = write(tmp_path / "serve", {**files, "Dockerfile": served})
    assert got(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 5, "warning")]
