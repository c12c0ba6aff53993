"""Situations read on a twenty-fifth set of unseen repositories: stop signals handed to a library the repository
does not hold, and more."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint, write
from tests.unseen_fixtures import CARGO, IMAGE, got

LISTENER = (
    "use common::{termination::stop_signal_listener, util::Id};\n\n#[tokio::main]\nasync fn main() {\n"
    "    let stop = tokio::spawn(stop_signal_listener());\n    serve().await;\n    let _ = stop.await;\n}\n"
    "async fn serve() {\n    let l = tokio::net::TcpListener::bind(\"0.0.0.0:8080\").await.unwrap();\n"
    "    loop {\n        let _ = l.accept().await;\n    }\n}\n"
)


def test_vw402_stop_signals_handed_to_a_library_is_a_note(tmp_path: Path) -> None:
    """`stop_signal_listener()` of a git dependency: its source is not read, its name says what it does."""
    cargo = CARGO + 'common = { git = "https://example.com/common.git" }\ntokio = "1"\n'
    root = write(tmp_path, {"Cargo.toml": cargo, "src/main.rs": LISTENER, "Dockerfile": IMAGE})
    found = lint(root, ["VW402"])
    assert got(found, root) == [("VW402", "Dockerfile", 8, "note")]
    assert "hands the stop signals to `common::stop_signal_listener`" in found[0].message
    assert [(r.location.path.name, r.location.line) for r in found[0].related] == [("main.rs", 5)]
    # the same name in a library of the repository is read, and it handles nothing: a warning
    local = CARGO + 'common = { path = "common" }\ntokio = "1"\n'
    write(root, {"Cargo.toml": local, "common/Cargo.toml": CARGO.replace("shop", "common"),
                 "common/src/lib.rs": "pub mod termination {\n    pub async fn stop_signal_listener() {}\n}\n"})
    assert got(lint(root, ["VW402"]), root) == [("VW402", "Dockerfile", 8, "warning")]
    # a function of that name the app defines itself is read too
    own = LISTENER.replace("use common::{termination::stop_signal_listener, util::Id};\n", "") + (
        "async fn stop_signal_listener() {}\n"
    )
    write(root, {"Cargo.toml": cargo, "src/main.rs": own})
    assert got(lint(root, ["VW402"]), root) == [("VW402", "Dockerfile", 8, "warning")]
    # an app that starts child processes, even ones it waits for, may leave grandchildren to PID 1
    spawning = LISTENER + 'fn convert() {\n    let _ = std::process::Command::new("magick").status();\n}\n'
    write(root, {"src/main.rs": spawning})
    assert got(lint(root, ["VW402"]), root) == [("VW402", "Dockerfile", 8, "warning")]


TOOLCHAIN_FIRST = (
    "FROM rust:1.80 AS dirs\nWORKDIR /code\nCOPY . .\n"
    "FROM dirs AS builder\nRUN cargo build --release\n"
    "FROM debian:bookworm-slim AS api\nCOPY --from=builder /code/target/release/shop /usr/local/bin/shop\n"
    "USER nobody\nCMD [\"shop\"]\n"
)


def _workflow(run: str) -> str:
    return (
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
        "      - run: |\n          docker build --target=dirs -t server-tests .\n"
        f"          {run}\n"
        "  images:\n    runs-on: ubuntu-latest\n    steps:\n      - run: docker build --target api -t acme/api . "
        "&& docker push acme/api\n"
    )


def test_vw401_a_stage_ci_builds_only_to_run_the_tests_in_is_not_shipped(tmp_path: Path) -> None:
    """`docker build --target dirs -t server-tests` then `docker run server-tests cargo test`: a test image."""
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": TOOLCHAIN_FIRST,
                            ".github/workflows/ci.yml": _workflow("docker run -i server-tests cargo test")})
    assert lint(root, ["VW401"]) == []
    write(root, {".github/workflows/ci.yml": _workflow("docker run --rm server-tests /bin/sh -c 'cargo test'")})
    assert lint(root, ["VW401"]) == []
    # an image CI runs for anything else may be what someone ships
    write(root, {".github/workflows/ci.yml": _workflow("docker run -d -p 8080:8080 server-tests ./serve")})
    assert got(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 1, "warning")]


def _waits_for(image: str) -> str:
    return (
        "services:\n  app:\n    build: .\n    depends_on:\n      media:\n        condition: service_healthy\n"
        f"  media:\n    image: {image}\n"
    )


def test_vw305_an_image_only_dependency_is_judged_by_what_its_image_defines(tmp_path: Path) -> None:
    """Official images define no HEALTHCHECK (an error); one the data file knows defines one is fine; any other
    image may define one, so it is only a note."""
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": IMAGE,
                            "compose.yaml": _waits_for("postgres:16")})
    assert got(lint(root, ["VW305"]), root) == [("VW305", "compose.yaml", 5, "error")]
    write(root, {"compose.yaml": _waits_for("docker.io/library/redis:7")})
    assert got(lint(root, ["VW305"]), root) == [("VW305", "compose.yaml", 5, "error")]
    write(root, {"compose.yaml": _waits_for("jellyfin/jellyfin:10.10")})
    assert lint(root, ["VW305"]) == []
    write(root, {"compose.yaml": _waits_for("ghcr.io/acme/media:1")})
    found = lint(root, ["VW305"])
    assert got(found, root) == [("VW305", "compose.yaml", 5, "note")]
    assert "whether its image `ghcr.io/acme/media:1` defines one of its own is not known" in found[0].message
    # an image the data file knows to define none (Bitnami's), or one under Google's Hub mirror: errors
    for image in ("bitnami/postgresql:16", "mirror.gcr.io/library/postgres:16"):
        write(root, {"compose.yaml": _waits_for(image)})
        assert got(lint(root, ["VW305"]), root) == [("VW305", "compose.yaml", 5, "error")]


def _broker(host: str) -> str:
    return (
        "services:\n  app:\n    build: .\n    environment:\n"
        f"      - RABBITMQ_HOST={host}\n      - RABBITMQ_VHOST=staging\n"
        "  rabbit:\n    image: rabbitmq:3\n    environment:\n      RABBITMQ_DEFAULT_VHOST: staging\n"
    )


def test_vw208_a_rabbitmq_vhost_is_no_host(tmp_path: Path) -> None:
    """`RABBITMQ_VHOST=staging` names a virtual host of the broker, not a machine to connect to."""
    reads = 'fn main() {\n    let _h = std::env::var("RABBITMQ_HOST");\n    let _v = std::env::var("RABBITMQ_VHOST");\n}\n'
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": reads, "Dockerfile": IMAGE,
                            "compose.yaml": _broker("rabbit")})
    assert lint(root, ["VW208"]) == []
    write(root, {"compose.yaml": _broker("rabit")})
    assert got(lint(root, ["VW208"]), root) == [("VW208", "compose.yaml", 5, "error")]


XITCA = (
    "use xitca_web::{handler::handler_service, route::get, App};\n\nfn main() -> std::io::Result<()> {\n"
    '    App::new()\n        .at("/", get(handler_service(|| async { "ok" })))\n        .serve()\n'
    '        .bind("0.0.0.0:8080")?\n        .run()\n        .wait()\n}\n'
)


def test_vw402_xitca_web_stops_on_sigterm_by_itself(tmp_path: Path) -> None:
    """xitca-web's server listens for SIGTERM unless `.disable_signal()`: only zombie reaping is missing."""
    root = write(tmp_path, {"Cargo.toml": CARGO + 'xitca-web = "0.6"\n', "src/main.rs": XITCA, "Dockerfile": IMAGE})
    found = lint(root, ["VW402"])
    assert got(found, root) == [("VW402", "Dockerfile", 8, "note")]
    assert "xitca-web's `HttpServer` stops it on SIGTERM by itself" in found[0].message
    write(root, {"src/main.rs": XITCA.replace(".run()", ".disable_signal()\n        .run()")})
    assert got(lint(root, ["VW402"]), root) == [("VW402", "Dockerfile", 8, "warning")]


def test_vw401_a_docker_api_client_needs_the_engines_socket(tmp_path: Path) -> None:
    """An app built on `bollard` that the project runs with the socket mounted (its README's `docker run -v
    /var/run/docker.sock:…`) needs root or the socket's group: a note. A compose service that runs it without the
    socket, a repository that never mounts it, or a `DOCKER_HOST` elsewhere: the warning stays."""
    image = IMAGE.replace("USER nobody\n", "")
    readme = "# shop\n\n    docker run -v /var/run/docker.sock:/var/run/docker.sock acme/shop\n"
    root = write(tmp_path, {"Cargo.toml": CARGO + 'bollard = "0.18"\n', "src/main.rs": "fn main() {}\n",
                            "Dockerfile": image, "README.md": readme})
    found = lint(root, ["VW401"])
    assert got(found, root) == [("VW401", "Dockerfile", 5, "note")]
    assert "its code is a Docker API client (`bollard`)" in found[0].message
    write(root, {"compose.yaml": "services:\n  app:\n    build: .\n"})
    assert got(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 5, "warning")]
    (root / "compose.yaml").unlink()
    write(root, {"Dockerfile": image.replace("CMD", "ENV DOCKER_HOST=tcp://socket-proxy:2375\nCMD")})
    assert got(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 5, "warning")]
    # an optional client no default feature enables is not built
    write(root, {"Dockerfile": image, "Cargo.toml": CARGO + 'bollard = { version = "0.18", optional = true }\n'})
    assert got(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 5, "warning")]
    write(root, {"Cargo.toml": CARGO + 'bollard = "0.18"\n', "README.md": "# shop\n"})
    assert got(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 5, "warning")]


def test_vw102_the_git_folder_of_a_submodule_not_checked_out_is_a_note(tmp_path: Path) -> None:
    """`COPY .git/modules/ui/`: the submodule's git folder appears with the same `git submodule update --init`."""
    root = write(tmp_path, {
        ".gitmodules": "[submodule \"ui\"]\n\tpath = ui\n\turl = https://example.com/ui.git\n",
        "Dockerfile": "FROM node:22\nCOPY ui/ ./\nCOPY .git/modules/ui/ /app/.git/modules/ui/\n",
    })
    (root / "ui").mkdir()
    (root / ".git").mkdir()
    assert got(lint(root, ["VW102"]), root) == [("VW102", "Dockerfile", 3, "note")]
    # another folder of .git is no submodule's
    write(root, {"Dockerfile": "FROM node:22\nCOPY .git/modules/web/ /app/.git/modules/web/\n"})
    assert got(lint(root, ["VW102"]), root) == [("VW102", "Dockerfile", 2, "error")]


def test_vw101_a_git_ignored_target_path_is_a_generated_source(tmp_path: Path) -> None:
    """`path = ".tuono/main.rs"`, git-ignored: a generator writes it before `cargo build`."""
    cargo = CARGO.replace("[dependencies]\n", '[[bin]]\nname = "shop"\npath = ".tuono/main.rs"\n\n[dependencies]\n')
    root = write(tmp_path, {"Cargo.toml": cargo, ".gitignore": "target/\n.tuono/\n"})
    found = lint(root, ["VW101"])
    assert got(found, root) == [("VW101", "Cargo.toml", 8, "note")]
    assert "the path is git-ignored, so it is a generated file" in found[0].message
    write(root, {".gitignore": "target/\n"})
    assert got(lint(root, ["VW101"]), root) == [("VW101", "Cargo.toml", 8, "error")]


def test_vw205_a_base_pinned_by_digest_alone_is_no_release_we_know(tmp_path: Path) -> None:
    """`ubuntu@sha256:…` may be any release: no OpenSSL claim from what `ubuntu:latest` ships."""
    cargo = CARGO + 'openssl = "0.10"\n'
    main = "fn main() {\n    let _b = openssl::ssl::SslConnector::builder(openssl::ssl::SslMethod::tls());\n}\n"
    image = (
        "FROM rust:1.61.0 AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
        "FROM ubuntu@sha256:5f4bdc3467537cbbe563e80db2c3ec95d548a9145d64453b06939c4592d67b6d\n"
        "RUN apt-get update && apt-get install -y ca-certificates\n"
        "COPY --from=build /src/target/release/shop /usr/local/bin/shop\nUSER nobody\nCMD [\"shop\"]\n"
    )
    root = write(tmp_path, {"Cargo.toml": cargo, "src/main.rs": main, "Dockerfile": image})
    assert lint(root, ["VW205", "VW206"]) == []
    write(root, {"Dockerfile": image.replace("ubuntu@sha256:", "ubuntu:24.04@sha256:")})
    assert [f.rule_id for f in lint(root, ["VW205"])] == ["VW205"]


def test_vw102_a_script_that_moves_into_the_context_and_writes_the_file_builds_it_first(tmp_path: Path) -> None:
    """`cd "$ROOT/docker-proxy"`, `cat common.conf > proxy.conf`, `docker build .`: the file exists for the build."""
    script = (
        '#!/bin/bash\nROOT=$(dirname "$0")\ncd "$ROOT/docker-proxy"\ncat common.conf > proxy.conf\n'
        "docker build -t acme/proxy .\n"
    )
    root = write(tmp_path, {"scripts/test/docker-proxy/Dockerfile": "FROM nginx:1.27\nCOPY proxy.conf /etc/nginx/conf.d/\n",
                            "scripts/test/docker-proxy/common.conf": "# shared\n",
                            "scripts/test/build_proxy.sh": script})
    found = lint(root, ["VW102"])
    assert got(found, root) == [("VW102", "scripts/test/docker-proxy/Dockerfile", 2, "note")]
    assert "`scripts/test/build_proxy.sh`, which builds this image, produces it on the host first" in found[0].message
    write(root, {"scripts/test/build_proxy.sh": script.replace('cd "$ROOT/docker-proxy"', 'cd "$ROOT/other"')})
    assert got(lint(root, ["VW102"]), root) == [("VW102", "scripts/test/docker-proxy/Dockerfile", 2, "error")]


def test_scope_a_compose_header_for_a_local_developer_environment_is_dev(tmp_path: Path) -> None:
    """`# … sets up local developer environment.`: hardening of that stack is not what ships."""
    stack = (
        "services:\n  app:\n    build: .\n    depends_on:\n      db:\n        condition: service_healthy\n"
        "  db:\n    image: postgres:16\n    ports:\n      - \"5432:5432\"\n    environment:\n"
        "      POSTGRES_PASSWORD: secret\n    healthcheck:\n      test: [\"CMD\", \"pg_isready\"]\n"
    )
    header = "###\n# This is example docker compose that sets up local developer environment.\n###\n\n"
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": IMAGE,
                            "deployment/compose/docker-compose.yml": header + stack.replace("build: .", "build: ../..")})
    assert lint(root, ["VW405"]) == []
    write(root, {"deployment/compose/docker-compose.yml": stack.replace("build: .", "build: ../..")})
    assert [f.rule_id for f in lint(root, ["VW405"])] == ["VW405"]


CHAT_COMMANDS = (
    "use clap::{Parser, Subcommand};\n\n#[derive(Parser)]\nstruct Command {\n    #[command(subcommand)]\n"
    "    action: Action,\n}\n\n#[derive(Subcommand)]\nenum Action {\n    Remind,\n    Leave,\n}\n\n"
    "fn on_message(words: Vec<String>) {\n    let _ = Command::try_parse_from(words);\n}\n\n"
    "fn main() {\n    let sum: u32 = \"1\".parse().unwrap();\n    on_message(vec![sum.to_string()]);\n}\n"
)


def test_vw401_clap_subcommands_of_chat_messages_make_no_command_line_tool(tmp_path: Path) -> None:
    """A bot parses chat messages with clap (`try_parse_from(words)`): its own command line has no subcommands."""
    image = IMAGE.replace("USER nobody\n", "")
    root = write(tmp_path, {"Cargo.toml": CARGO + 'clap = { version = "4", features = ["derive"] }\n',
                            "src/main.rs": CHAT_COMMANDS, "Dockerfile": image})
    assert got(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 5, "warning")]
    # `Command::parse()` reads the process's arguments: a command-line tool
    write(root, {"src/main.rs": CHAT_COMMANDS.replace("on_message(vec![sum.to_string()]);", "let _c = Command::parse();")})
    found = lint(root, ["VW401"])
    assert got(found, root) == [("VW401", "Dockerfile", 5, "note")]
    assert "it runs a command-line tool" in found[0].message


def test_vw209_a_program_named_bare_that_lives_off_path(tmp_path: Path) -> None:
    """`COPY … .` into `WORKDIR /api_server`, then `CMD ["shop"]`: Docker looks `shop` up on PATH only."""
    image = (
        "FROM rust:1.80-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
        "FROM debian:bookworm-slim\nWORKDIR /api_server\nCOPY --from=build /src/target/release/shop .\n"
        "USER nobody\nCMD [\"shop\"]\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": image})
    found = lint(root, ["VW209"])
    assert got(found, root) == [("VW209", "Dockerfile", 9, "error")]
    assert "`/api_server` is not on PATH" in found[0].message
    assert [(r.location.line, r.message) for r in found[0].related] == [(7, "COPY puts it at `/api_server/shop`")]
    # on PATH, by its path, or with the folder added to PATH: fine
    for fixed in (image.replace("COPY --from=build /src/target/release/shop .", "COPY --from=build "
                                "/src/target/release/shop /usr/local/bin/"),
                  image.replace('CMD ["shop"]', 'CMD ["./shop"]'),
                  image.replace("WORKDIR /api_server\n", "WORKDIR /api_server\nENV PATH=/api_server:/usr/bin:/bin\n"),
                  image.replace("WORKDIR /api_server\n", "WORKDIR /api_server\nENV PATH=/api_server:$PATH\n")):
        write(root, {"Dockerfile": fixed})
        assert lint(root, ["VW209"]) == []
    # a base image whose contents are not known: no claim
    write(root, {"Dockerfile": image.replace("debian:bookworm-slim", "ghcr.io/acme/runtime:1")})
    assert lint(root, ["VW209"]) == []


def test_vw208_a_default_network_declared_external_is_shared_with_other_projects(tmp_path: Path) -> None:
    """`networks: {default: {external: {name: storiqa}}}`: `users` may be a service of a sibling repository."""
    stack = (
        "services:\n  app:\n    build: .\n    environment:\n      - DATABASE_URL=postgres://app:pw@users-db:5432/app\n"
        "networks:\n  default:\n    external:\n      name: storiqa\n"
    )
    reads = 'fn main() {\n    let _u = std::env::var("DATABASE_URL");\n}\n'
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": reads, "Dockerfile": IMAGE, "compose.yaml": stack})
    assert lint(root, ["VW208"]) == []
    write(root, {"compose.yaml": stack.split("networks:")[0]})
    assert got(lint(root, ["VW208"]), root) == [("VW208", "compose.yaml", 5, "error")]


def test_vw205_a_crate_only_an_orphan_file_names_is_not_linked(tmp_path: Path) -> None:
    """`diesel` with `postgres`, named only in a `schema.rs` no `mod` declares: rustc links no libpq."""
    cargo = CARGO + 'diesel = { version = "2", features = ["postgres"] }\n'
    schema = "diesel::table! {\n    links (id) {\n        id -> Int4,\n    }\n}\n"
    root = write(tmp_path, {"Cargo.toml": cargo, "src/main.rs": "fn main() {}\n", "src/schema.rs": schema,
                            "Dockerfile": IMAGE})
    assert lint(root, ["VW205"]) == []
    write(root, {"src/main.rs": "mod schema;\n\nfn main() {}\n"})
    found = lint(root, ["VW205"])
    assert [f.rule_id for f in found] == ["VW205"] and "libpq" in found[0].message


def test_vw102_a_cd_counts_only_into_the_context_itself_and_before_its_build(tmp_path: Path) -> None:
    """The folder the script moves into must be the context (not one of the same name), and the build of `.`
    must come while it is there; indented `pushd "$(dirname "$0")/…" >/dev/null` counts too."""
    df = "FROM nginx:1.27\nCOPY proxy.conf /etc/nginx/conf.d/\n"
    script = ('#!/bin/bash\nbuild() {\n    pushd "$(dirname "$0")/docker-proxy" >/dev/null  # into the context\n'
              "    cat common.conf > proxy.conf\n    docker build -t acme/proxy .\n    popd\n}\nbuild\n")
    root = write(tmp_path, {"scripts/docker-proxy/Dockerfile": df, "scripts/build.sh": script})
    assert got(lint(root, ["VW102"]), root) == [("VW102", "scripts/docker-proxy/Dockerfile", 2, "note")]
    # another folder named like it, and a build of `.` after moving back out: not this context's build
    other = ("#!/bin/bash\ncd crates/docker-proxy && cargo test && echo proxy.conf\ncd ../..\n"
             "docker build -t root .\n")
    write(root, {"scripts/build.sh": other})
    assert got(lint(root, ["VW102"]), root) == [("VW102", "scripts/docker-proxy/Dockerfile", 2, "error")]


def test_config_declares_that_an_own_image_defines_a_healthcheck(tmp_path: Path) -> None:
    """`[base-images."…"] healthcheck = true` tells VW305 what the linter cannot know of a team's own image."""
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": IMAGE,
                            "compose.yaml": _waits_for("registry.example.com/team/media:1"),
                            ".viworks-lint.toml": '[base-images."registry.example.com/team/media"]\nhealthcheck = true\n'})
    assert lint(root, ["VW305"]) == []


def test_clap_parse_from_the_process_arguments_is_a_command_line(tmp_path: Path) -> None:
    """`let args = env::args_os().collect(); Cli::parse_from(args)`: still the program's own command line."""
    image = IMAGE.replace("USER nobody\n", "")
    main = CHAT_COMMANDS.replace("on_message(vec![sum.to_string()]);",
                                 "let args: Vec<_> = std::env::args_os().collect();\n    let _c = Command::parse_from(args);")
    root = write(tmp_path, {"Cargo.toml": CARGO + 'clap = { version = "4", features = ["derive"] }\n',
                            "src/main.rs": main, "Dockerfile": image})
    assert got(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 5, "note")]


def test_vw401_a_drop_inside_the_branches_a_script_ends_with(tmp_path: Path) -> None:
    """`if [ "$1" = /bin/app ]; then …; if [ "$(id -u)" = 0 ]; then exec su-exec app "$@"; fi; else eval "$@"; fi`:
    the image's own command runs as `app`."""
    script = ('#!/bin/sh\nset -e\nif [ "$1" = "/usr/local/bin/shop" ]; then\n    chown -R app /data\n'
              '    if [ "$(id -u)" = "0" ]; then\n        exec su-exec app "$@"\n    fi\nelse\n    eval "${@}"\nfi\n')
    image = (
        "FROM rust:1.80-alpine AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
        "FROM alpine:3.20\nRUN apk add --no-cache su-exec && adduser -D -H app\n"
        "COPY --from=build /src/target/release/shop /usr/local/bin/shop\nCOPY entrypoint.sh /entrypoint.sh\n"
        'ENTRYPOINT ["/entrypoint.sh"]\nCMD ["/usr/local/bin/shop"]\n'
    )
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": image,
                            "entrypoint.sh": script})
    assert lint(root, ["VW401"]) == []
    write(root, {"entrypoint.sh": script.replace('exec su-exec app "$@"', 'exec "$@"')})
    assert got(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 5, "warning")]


def test_compose_template_values_and_placeholders(tmp_path: Path) -> None:
    """A compose file a tool renders (`{{ config.data_dir }}:/data`) names a path, not a volume (VW306); a value
    in braces (`{your-db-password}`) stands for the secret (VW404); a missing folder of a container that runs as
    root is its data (VW204: no finding at all)."""
    stack = (
        "services:\n  app:\n    build: .\n    volumes:\n      - \"{{ config.data_dir }}:/var/lib/app/data\"\n"
        "      - ./media:/media\n    environment:\n      DB_PASSWORD: \"{your-db-password}\"\n"
    )
    image = IMAGE.replace("USER nobody\n", "")
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": image,
                            "compose.yaml": stack})
    assert lint(root, ["VW306", "VW404", "VW204"]) == []
    write(root, {"compose.yaml": stack.replace('"{{ config.data_dir }}', "appdata").replace("{your-db-password}", "s3cr3t-Pa55")})
    assert sorted(f.rule_id for f in lint(root, ["VW306", "VW404", "VW204"])) == ["VW306", "VW404"]
    # the same folder for a container that runs as a user: the note stays
    write(root, {"Dockerfile": IMAGE})
    assert "VW204" in [f.rule_id for f in lint(root, ["VW204"])]


def test_vw309_the_mongodb_driver_need_not_be_listed_in_depends_on(tmp_path: Path) -> None:
    """The driver finds its servers in the background and retries a name that does not resolve yet."""
    from tests.test_unseen12 import MONGO_MAIN

    compose = (
        "services:\n  api:\n    build: .\n    environment:\n      MONGODB_URI: mongodb://db:27017\n"
        "  db:\n    image: mongo:7\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO + 'mongodb = "2"\ntokio = { version = "1", features = ["full"] }\n',
                            "src/main.rs": MONGO_MAIN, "Dockerfile": IMAGE, "compose.yaml": compose})
    assert [f.effective_level.value for f in lint(root, ["VW309"])] == ["note"]


def test_vw402_a_binary_that_starts_its_librarys_server_stops_with_it(tmp_path: Path) -> None:
    """`src/bin/shop.rs` runs `shop::web::run()`, where actix-web's `HttpServer` starts: the note; a worker binary
    that never names the `web` module is another program (a warning)."""
    cargo = CARGO.replace("[dependencies]\n", '[[bin]]\nname = "shop"\n\n[[bin]]\nname = "worker"\n\n[dependencies]\n')
    web = ("pub async fn run() -> std::io::Result<()> {\n    actix_web::HttpServer::new(|| actix_web::App::new())\n"
           '        .bind("0.0.0.0:8080")?\n        .run()\n        .await\n}\n')
    root = write(tmp_path, {"Cargo.toml": cargo + 'actix-web = "4"\n', "src/lib.rs": "pub mod web;\npub mod jobs;\n",
                            "src/web.rs": web, "src/jobs.rs": "pub fn work() {\n    loop {}\n}\n",
                            "src/bin/shop.rs": "use shop::web;\n\n#[actix_web::main]\nasync fn main() {\n"
                                               "    web::run().await.unwrap();\n}\n",
                            "src/bin/worker.rs": "fn main() {\n    let web = http::StatusCode::OK;\n    println!(\"{web}\");\n"
                                                 "    loop {\n        shop::jobs::work();\n    }\n}\n",
                            "Dockerfile": IMAGE})
    assert got(lint(root, ["VW402"]), root) == [("VW402", "Dockerfile", 8, "note")]
    worker = IMAGE.replace("release/shop /usr/local/bin/shop", "release/worker /usr/local/bin/worker")
    write(root, {"Dockerfile": worker.replace('CMD ["shop"]', 'CMD ["worker"]')})
    assert got(lint(root, ["VW402"]), root) == [("VW402", "Dockerfile", 8, "warning")]


def test_vw309_only_the_background_client_itself_waits_for_a_late_broker(tmp_path: Path) -> None:
    """An sqlx pool for Postgres says nothing about Kafka: with the pure-Rust `kafka` crate (no background
    reconnects) a broker left out of `depends_on` stays a warning."""
    main = (
        "#[tokio::main]\nasync fn main() {\n"
        '    let _db = sqlx::PgPool::connect(&std::env::var("DATABASE_URL").unwrap()).await.unwrap();\n'
        '    let brokers = std::env::var("KAFKA_HOST").unwrap();\n'
        "    let _p = kafka::producer::Producer::from_hosts(vec![brokers]).create().unwrap();\n}\n"
    )
    compose = (
        "services:\n  api:\n    build: .\n    environment:\n      DATABASE_URL: postgres://u:p@db/app\n"
        "      KAFKA_HOST: broker:9092\n    depends_on:\n      db:\n        condition: service_healthy\n"
        "  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: p\n    healthcheck:\n"
        "      test: [\"CMD\", \"pg_isready\"]\n  broker:\n    image: apache/kafka:3.8.0\n"
    )
    cargo = CARGO + 'sqlx = { version = "0.8", features = ["postgres", "runtime-tokio"] }\nkafka = "0.10"\n'
    root = write(tmp_path, {"Cargo.toml": cargo + 'tokio = { version = "1", features = ["full"] }\n',
                            "src/main.rs": main, "Dockerfile": IMAGE, "compose.yaml": compose})
    found = [f for f in lint(root, ["VW309"]) if "broker" in f.message]
    assert [f.effective_level.value for f in found] == ["warning"]


def test_vw309_an_sqlx_pool_says_nothing_of_rabbitmq(tmp_path: Path) -> None:
    """lapin's `Connection::connect(…).await.unwrap()` beside an sqlx pool: the broker's first refusal stops it."""
    main = (
        "#[tokio::main]\nasync fn main() {\n"
        '    let _db = sqlx::PgPool::connect(&std::env::var("DATABASE_URL").unwrap()).await.unwrap();\n'
        '    let url = std::env::var("AMQP_URL").unwrap();\n'
        "    let _c = lapin::Connection::connect(&url, lapin::ConnectionProperties::default()).await.unwrap();\n}\n"
    )
    compose = (
        "services:\n  api:\n    build: .\n    environment:\n      DATABASE_URL: postgres://u:p@db/app\n"
        "      AMQP_URL: amqp://guest:guest@rabbit:5672\n    depends_on:\n      rabbit:\n"
        "        condition: service_started\n      db:\n        condition: service_healthy\n"
        "  db:\n    image: postgres:16\n    environment:\n      POSTGRES_USER: u\n      POSTGRES_PASSWORD: p\n"
        "      POSTGRES_DB: app\n    healthcheck:\n      test: [\"CMD\", \"pg_isready\"]\n"
        "  rabbit:\n    image: rabbitmq:3\n"
    )
    cargo = CARGO + 'sqlx = { version = "0.8", features = ["postgres", "runtime-tokio"] }\nlapin = "2"\n'
    root = write(tmp_path, {"Cargo.toml": cargo + 'tokio = { version = "1", features = ["full"] }\n',
                            "src/main.rs": main, "Dockerfile": IMAGE, "compose.yaml": compose})
    found = [f for f in lint(root, ["VW309"]) if "rabbit" in f.message]
    assert [f.effective_level.value for f in found] == ["warning"]


def test_clap_parse_handed_on_as_a_function_is_a_command_line(tmp_path: Path) -> None:
    """`ARGS.get_or_init(Command::parse)`: the parser runs on the process's arguments, called later."""
    image = IMAGE.replace("USER nobody\n", "")
    main = CHAT_COMMANDS.replace(
        "on_message(vec![sum.to_string()]);",
        "static ARGS: std::sync::OnceLock<Command> = std::sync::OnceLock::new();\n    let _c = ARGS.get_or_init(Command::parse);",
    )
    root = write(tmp_path, {"Cargo.toml": CARGO + 'clap = { version = "4", features = ["derive"] }\n',
                            "src/main.rs": main, "Dockerfile": image})
    assert got(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 5, "note")]


def test_hold_out_27_fixes(tmp_path: Path) -> None:
    """A service that `extends:` one of another file may get its healthcheck there (VW305: no claim); a script
    handed to `sh` is opened from the working directory, no PATH lookup (VW209); a `src/lib.rs` the same RUN
    writes leaves a library target, so the absent `src/main.rs` is simply not built (VW110)."""
    waits = (
        "services:\n  app:\n    build: .\n    depends_on:\n      router:\n        condition: service_healthy\n"
        "  router:\n    extends:\n      file: compose/router.yml\n      service: router\n"
    )
    root = write(tmp_path / "a", {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": IMAGE,
                                  "compose.yaml": waits,
                                  "compose/router.yml": "services:\n  router:\n    image: acme/router:1\n    "
                                                        "healthcheck:\n      test: [\"CMD\", \"true\"]\n"})
    assert lint(root, ["VW305"]) == []
    same_file = waits.replace("      file: compose/router.yml\n", "") + "  base:\n    image: acme/router:1\n"
    write(root, {"compose.yaml": same_file.replace("service: router", "service: base")})
    assert [f.rule_id for f in lint(root, ["VW305"])] == ["VW305"]  # `base` has no healthcheck: nor has `router`

    image = (
        "FROM rust:1.80-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
        "FROM debian:bookworm-slim\nWORKDIR /migrate\nCOPY --from=build /src/target/release/shop /usr/local/bin/\n"
        "COPY wait.sh .\nUSER nobody\nCMD [\"sh\", \"wait.sh\", \"shop\"]\n"
    )
    root = write(tmp_path / "b", {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": image,
                                  "wait.sh": "#!/bin/sh\nexec \"$@\"\n"})
    assert lint(root, ["VW209"]) == []

    stub = (
        "FROM rust:1.80-bookworm AS build\nWORKDIR /build\nCOPY Cargo.toml ./\n"
        "RUN mkdir src \\\n    && echo \"// dummy\" > src/lib.rs \\\n    && cargo build --release\n"
        "COPY src src\nRUN cargo build --release\n"
        "FROM debian:bookworm-slim\nCOPY --from=build /build/target/release/shop /usr/local/bin/\nCMD [\"shop\"]\n"
    )
    root = write(tmp_path / "c", {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": stub})
    assert lint(root, ["VW110"]) == []
    write(root, {"Dockerfile": stub.replace('    && echo "// dummy" > src/lib.rs \\\n', "")})
    assert [f.rule_id for f in lint(root, ["VW110"])] == ["VW110"]


def test_vw305_extends_chains_and_cycles(tmp_path: Path) -> None:
    """`a` extends `b` extends `c`, which has the healthcheck: fine. A cycle of `extends:` gives none (and no hang)."""
    head = "services:\n  app:\n    image: acme/app:1\n    depends_on:\n      a:\n        condition: service_healthy\n"
    chain = head + ("  a:\n    extends:\n      service: b\n  b:\n    extends:\n      service: c\n  c:\n"
                    "    image: redis:7\n    healthcheck:\n      test: [\"CMD\", \"redis-cli\", \"ping\"]\n")
    root = write(tmp_path, {"compose.yaml": chain})
    assert lint(root, ["VW305"]) == []
    cycle = head + ("  a:\n    extends:\n      service: b\n  b:\n    extends:\n      service: c\n  c:\n"
                    "    extends:\n      service: a\n")
    write(root, {"compose.yaml": cycle})
    found = lint(root, ["VW305"])
    assert [f.rule_id for f in found] == ["VW305"] and "whether the image it runs defines one" in found[0].message



def test_scope_a_compose_file_that_builds_a_development_stage_is_dev(tmp_path: Path) -> None:
    """`target: ${DOCKER_BUILD_TARGET:-debug}`: the developers' stack (its hardening is not what ships); a
    `release` target beside it says the file is run for real."""
    stack = (
        "services:\n  app:\n    build:\n      context: .\n      target: ${DOCKER_BUILD_TARGET:-debug}\n"
        "    environment:\n      API_TOKEN: 3f9c2a7d81b64e05a1d7c4e9b2f80a6c\n"
    )
    image = "FROM rust:1.80-bookworm AS debug\nWORKDIR /src\nCOPY . .\nCMD [\"cargo\", \"run\"]\n"
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": image,
                            "compose.yaml": stack})
    assert lint(root, ["VW404"]) == []
    write(root, {"compose.yaml": stack + "  worker:\n    build:\n      context: .\n      target: release\n"})
    assert [f.rule_id for f in lint(root, ["VW404"])] == ["VW404"]


def test_a_home_folder_of_no_user_is_a_path_as_written(tmp_path: Path) -> None:
    """`env_file: ~0`, `~nouser/x:/x`: no such user, so no home folder to expand; no crash, and no claim on a
    home path (it is the deploying user's)."""
    root = write(tmp_path, {"compose.yaml": "services:\n  api:\n    image: acme/api:1\n    env_file: ~0\n"
                                            "    volumes:\n      - ~nouser/x:/x\n"})
    assert [f.rule_id for f in lint(root, None)] == []
