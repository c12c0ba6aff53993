"""Situations read on a twenty-eighth set of repositories, and defects earlier sets showed the linter missed."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint, write
from tests.unseen_fixtures import CARGO, IMAGE, got


def test_vw207_a_warp_server_run_on_the_loopback_address(tmp_path: Path) -> None:
    code = (
        "use warp::Filter;\n#[tokio::main]\nasync fn main() {\n"
        "    let port: u16 = std::env::var(\"PORT\").ok().and_then(|p| p.parse().ok()).unwrap_or(3030);\n"
        "    let routes = warp::path(\"health\").map(|| \"ok\");\n"
        "    warp::serve(routes).run(([127, 0, 0, 1], port)).await;\n}\n"
    )
    compose = "services:\n  web:\n    build: .\n    ports: ['3030:3030']\n"
    cargo = CARGO + 'warp = "0.3"\ntokio = { version = "1", features = ["full"] }\n'
    root = write(tmp_path, {"Cargo.toml": cargo, "src/main.rs": code, "Dockerfile": IMAGE, "compose.yaml": compose})
    assert got(lint(root, ["VW207"]), root) == [("VW207", "src/main.rs", 6, "error")]
    write(root, {"src/main.rs": code.replace("[127, 0, 0, 1]", "[0, 0, 0, 0]")})
    assert lint(root, ["VW207"]) == []
    # a `run` of anything else is no listener
    write(root, {"src/main.rs": code.replace("warp::serve(routes)", "other::serve(routes)")})
    assert lint(root, ["VW207"]) == []


def test_vw304_curl_in_a_python_or_node_slim_image(tmp_path: Path) -> None:
    hc = "    healthcheck:\n      test: [\"CMD\", \"curl\", \"-f\", \"http://localhost:8000/health\"]\n"
    compose = "services:\n  ml:\n    build: ./ml\n" + hc + "  ui:\n    build: ./ui\n" + hc.replace("8000", "3000")
    py = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\nCMD [\"python\", \"serve.py\"]\n"
    node = "FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"server.js\"]\n"
    root = write(tmp_path, {"compose.yaml": compose, "ml/Dockerfile": py, "ml/requirements.txt": "flask\n",
                            "ml/serve.py": "print()\n", "ui/Dockerfile": node, "ui/server.js": "\n"})
    assert got(lint(root, ["VW304"]), root) == [("VW304", "compose.yaml", 5, "error"),
                                                ("VW304", "compose.yaml", 9, "error")]
    # the full images (buildpack-deps) have curl; a slim one that installs it has it too
    write(root, {"ml/Dockerfile": py.replace("python:3.12-slim", "python:3.12"),
                 "ui/Dockerfile": node.replace("RUN npm ci", "RUN apt-get update && apt-get install -y curl && npm ci")})
    assert lint(root, ["VW304"]) == []
    # BusyBox wget in the alpine variants, curl not
    write(root, {"ml/Dockerfile": py.replace("python:3.12-slim", "python:3.12-alpine"),
                 "compose.yaml": compose.replace('"curl", "-f"', '"wget", "-q", "--spider"', 1)})
    assert lint(root, ["VW304"]) == []
    write(root, {"ml/Dockerfile": py.replace("python:3.12-slim", "python:3.12-alpine3.20")})
    assert [f.location.line for f in lint(root, ["VW304"])] == []
    write(root, {"compose.yaml": compose})
    assert [f.location.line for f in lint(root, ["VW304"])] == [5]
    # the default tags are known (buildpack-deps: curl and wget), not merely unknown
    from viworks_lint.images import lookup

    assert {"curl", "wget"} <= lookup("python:3.12").tools and "curl" not in lookup("python:3.12-slim").tools
    assert {"curl", "wget"} <= lookup("node:20").tools and "curl" not in lookup("node:20-slim").tools
    # a program a pip (npm) package installs may be on PATH: only the system's own tools are claimed
    celery = compose.replace('"curl", "-f", "http://localhost:8000/health"', '"celery", "inspect", "ping"', 1)
    write(root, {"compose.yaml": celery, "ml/Dockerfile": py, "ui/Dockerfile": node})
    assert [f.location.line for f in lint(root, ["VW304"])] == [9]  # the node image's curl still fires


def test_vw309_a_toolchain_image_with_no_command_runs_none_of_the_code(tmp_path: Path) -> None:
    image = "FROM rust:1.80\nCOPY ./src ./src\nCOPY ./Cargo.toml ./Cargo.toml\nEXPOSE 3000\n"
    compose = (
        "services:\n  db:\n    image: postgres:16\n  api:\n    build: .\n    depends_on:\n      - db\n"
        "    environment:\n      DATABASE_URL: postgres://u:p@db/shop\n"
    )
    code = "fn main() {\n    let _u = std::env::var(\"DATABASE_URL\").unwrap();\n}\n"
    root = write(tmp_path, {"Cargo.toml": CARGO + 'tokio-postgres = "0.7"\n', "src/main.rs": code, "Dockerfile": image,
                            "compose.yaml": compose})
    assert lint(root, ["VW309"]) == []
    # a command given by compose runs something: the claim stands
    write(root, {"compose.yaml": compose + "    command: [\"/usr/local/bin/shop\"]\n"})
    assert [f.rule_id for f in lint(root, ["VW309"])] == ["VW309"]


def test_vw204_a_user_given_by_variables_with_non_root_defaults(tmp_path: Path) -> None:
    compose = (
        "services:\n  feed:\n    image: acme/feed:1\n    user: ${UID:-1000}:${GID:-1000}\n"
        "    volumes:\n      - ./podcasts:/app/podcasts\n"
    )
    root = write(tmp_path, {".gitignore": "/podcasts\n", "compose.yaml": compose})
    assert got(lint(root, ["VW204"]), root) == [("VW204", "compose.yaml", 6, "error")]
    for user in ("${PUID:-0}", "${PUID}", "${UID}:${GID}", "root"):
        write(root, {"compose.yaml": compose.replace("${UID:-1000}:${GID:-1000}", user)})
        assert lint(root, ["VW204"]) == [], user  # root by default, or a user nothing tells
    write(root, {"compose.yaml": compose.replace("${UID:-1000}:${GID:-1000}", "${APP_UID:-1000}")})
    assert [f.rule_id for f in lint(root, ["VW204"])] == ["VW204"]
    write(root, {".env": "APP_UID=0\n"})  # the project's .env gives it root
    assert lint(root, ["VW204"]) == []


def test_a_compose_variant_whose_command_takes_a_dash_f_is_still_a_project_of_its_own(tmp_path: Path) -> None:
    from viworks_lint.composefiles import standalone_compose

    variant = (
        "services:\n  lb:\n    image: haproxy:2.9\n    command: [\"haproxy\", \"-f\", \"/etc/haproxy.cfg\"]\n"
        "    healthcheck:\n      test: curl -f http://localhost/ || exit 1\n"
    )
    root = write(tmp_path, {"docker-compose.loadbalanced.yml": variant})
    assert standalone_compose(root / "docker-compose.loadbalanced.yml")
    # a comment that shows it given with -f: an overlay, combined by whoever runs it
    write(root, {"docker-compose.loadbalanced.yml": "# docker compose -f docker-compose.yml -f "
                                                   "docker-compose.loadbalanced.yml up\n" + variant})
    assert not standalone_compose(root / "docker-compose.loadbalanced.yml")
    write(root, {"docker-compose.loadbalanced.yml": variant.replace("services:\n", "services:  # use with -f base.yml\n")})
    assert not standalone_compose(root / "docker-compose.loadbalanced.yml")
    write(root, {"docker-compose.loadbalanced.yml": "include:\n  - base.yml\n" + variant})
    assert not standalone_compose(root / "docker-compose.loadbalanced.yml")


def test_an_image_named_for_another_binary_of_the_repository_is_not_this_images(tmp_path: Path) -> None:
    """`svix/svix-server` runs the repository's `svix-server`, not its `svix` command-line tool: the server's
    compose service says nothing of how the tool's image is run."""
    cli = (
        "use clap::{Parser, Subcommand};\n#[derive(Parser)]\nstruct Cli {\n    #[command(subcommand)]\n"
        "    cmd: Cmd,\n}\n#[derive(Subcommand)]\nenum Cmd {\n    Send,\n}\n"
        "fn main() {\n    let cli = Cli::parse();\n    match cli.cmd {\n        Cmd::Send => println!(\"sent\"),\n    }\n}\n"
    )
    image = IMAGE.replace("shop", "svix")
    compose = "services:\n  backend:\n    image: docker.io/acme/svix-server:1\n    ports: ['8071:8071']\n"
    cargo = CARGO.replace('name = "shop"', 'name = "svix"') + 'clap = { version = "4", features = ["derive"] }\n'
    root = write(tmp_path, {"Cargo.toml": cargo, "src/main.rs": cli, "Dockerfile": image,
                            "server/Cargo.toml": CARGO.replace('name = "shop"', 'name = "svix-server"'),
                            "server/src/main.rs": "fn main() {}\n", "compose.yaml": compose})
    assert [f.effective_level.value for f in lint(root, ["VW402"])] == ["note"]  # a command-line tool
    # an image named for the tool itself is the tool's image, run as a service
    write(root, {"compose.yaml": compose.replace("svix-server:1", "svix:1")})
    assert [f.effective_level.value for f in lint(root, ["VW402"])] == ["warning"]


def test_compose_files_a_script_collects_in_a_bash_array_are_one_project(tmp_path: Path) -> None:
    script = (
        "#!/usr/bin/env bash\nset -euo pipefail\ncd \"$(dirname \"$0\")/../bdd\"\n"
        "COMPOSE_FILES=(-f docker-compose.yml)\ncase \"$1\" in\n  all|server)\n"
        "    COMPOSE_FILES+=(-f docker-compose.server.yml) ;;\nesac\n"
        "docker compose \"${COMPOSE_FILES[@]}\" \\\n  up --build --exit-code-from tests tests\n"
    )
    root = write(tmp_path, {
        "bdd/docker-compose.yml": "services:\n  tests:\n    image: acme/tests:1\n    depends_on:\n      - server\n",
        "bdd/docker-compose.server.yml": "services:\n  server:\n    image: acme/server:1\n",
        "scripts/run-bdd.sh": script,
    })
    assert lint(root, ["VW306"]) == []
    # without the script, the default file on its own names a service it does not define
    (root / "scripts/run-bdd.sh").unlink()
    assert got(lint(root, ["VW306"]), root) == [("VW306", "bdd/docker-compose.yml", 5, "error")]


def test_shell_arrays_over_several_lines_keep_each_file_once() -> None:
    from viworks_lint.wrapperlines import shell_arrays

    text = "ALL=(\n  -f a.yml\n  -f b.yml # the server\n)\nALL+=(-f a.yml -f c.yml)\nNAMES=(x y)\n"
    assert shell_arrays(text) == {"ALL": "-f a.yml -f b.yml -f c.yml", "NAMES": "x y"}
    # assigned in two branches: one set or the other, not both
    branches = "if [ \"$1\" = prod ]; then\n  FILES=(-f a.yml -f prod.yml)\nelse\n  FILES=(-f a.yml -f dev.yml)\nfi\n"
    assert shell_arrays(branches) == {}


CELERY = (
    "#[tokio::main]\nasync fn main() -> Result<(), celery::error::CeleryError> {\n"
    "    let app = celery::app!(broker = RedisBroker { std::env::var(\"REDIS_URL\").unwrap() }, tasks = [],\n"
    "        task_routes = []).await?;\n"
    "    app.consume_from(&[\"jobs\"]).await?;\n    Ok(())\n}\n"
)


def test_vw402_a_celery_consumer_stops_on_sigterm_by_itself(tmp_path: Path) -> None:
    """rusty-celery's consumer selects on SIGTERM and shuts down warmly; its `Beat` scheduler does not."""
    root = write(tmp_path, {"Cargo.toml": CARGO + 'celery = "0.5"\ntokio = { version = "1", features = ["full"] }\n',
                            "src/main.rs": CELERY, "Dockerfile": IMAGE})
    found = lint(root, ["VW402"])
    assert got(found, root) == [("VW402", "Dockerfile", 8, "note")]
    assert "rusty-celery's `Celery::consume` stops it on SIGTERM by itself" in found[0].message
    beat = CELERY.replace("app.consume_from(&[\"jobs\"]).await?;", "let mut beat = celery::beat!(broker = RedisBroker "
                          "{ String::new() }, tasks = [], task_routes = []).await?;\n    beat.start().await?;")
    write(root, {"src/main.rs": beat})
    assert got(lint(root, ["VW402"]), root) == [("VW402", "Dockerfile", 8, "warning")]


def test_a_readme_that_gives_the_datastore_url_on_localhost_documents_a_local_credential(tmp_path: Path) -> None:
    compose = (
        "services:\n  node:\n    image: acme/node:1\n    environment:\n      postgres_host: postgres\n"
        "      postgres_pass: let-me-in\n  postgres:\n    image: postgres:16\n    ports:\n      - '5432:5432'\n"
        "    environment:\n      POSTGRES_USER: graph\n      POSTGRES_PASSWORD: let-me-in\n"
    )
    readme = "# Local node\n\nYou can reach:\n\n- Postgres: `postgresql://graph:let-me-in@localhost:5432/graph`\n"
    root = write(tmp_path, {"docker/docker-compose.yml": compose, "docker/README.md": readme})
    found = lint(root, ["VW404", "VW405"])
    assert sorted((f.rule_id, f.effective_level.value) for f in found) == [
        ("VW404", "note"), ("VW404", "note"), ("VW405", "note")]
    assert "the README beside it gives its address on the host" in next(f for f in found if f.rule_id == "VW405").message
    # a command of the datastore's own client against the published port documents it as well
    write(root, {"docker/README.md": "# Local node\n\n```sh\npsql -h 127.0.0.1 -p 5432 -U graph < schema.sql\n```\n"})
    assert [f.effective_level.value for f in lint(root, ["VW405"])] == ["note"]
    write(root, {"docker/README.md": "# Local node\n\n```sh\npsql -h 127.0.0.1 -p 5433 -U graph < schema.sql\n```\n"})
    assert [f.effective_level.value for f in lint(root, ["VW405"])] == ["warning"]
    write(root, {"docker/README.md": "# Local node\n\nRun `docker compose up`.\n"})
    levels = sorted((f.rule_id, f.effective_level.value) for f in lint(root, ["VW404", "VW405"]))
    assert levels == [("VW404", "warning"), ("VW404", "warning"), ("VW405", "warning")]


def test_vw104_a_service_of_a_toolbox_compose_file_nothing_runs_is_a_stale_entry(tmp_path: Path) -> None:
    compose = (
        "services:\n  gen-rust:\n    build:\n      context: .\n      dockerfile: Dockerfile-rust\n"
        "    command: bash -c \"cd rust && make all\"\n"
        "  gen-python:\n    build:\n      context: .\n      dockerfile: Dockerfile-python\n"
        "    command: bash -c \"cd python && make all\"\n"
    )
    makefile = "python:\n\tdocker compose run --rm gen-python\n\nrust:\n\tcd rust && make\n"
    root = write(tmp_path, {"api/docker-compose.yml": compose, "api/Dockerfile-python": "FROM python:3.12\n",
                            "api/Makefile": makefile})
    found = lint(root, ["VW104"])
    assert got(found, root) == [("VW104", "api/docker-compose.yml", 5, "note")]
    assert "only as `docker compose run` of `gen-python`" in found[0].message
    # a run of the service itself (or an `up`) builds it: the error stands
    for line in ("\tdocker compose run --rm gen-rust\n", "\tdocker compose up\n",
                 "\tdocker compose run --rm -e \"MSG=hello world\" gen-rust\n"):
        write(root, {"api/Makefile": makefile.replace("\tcd rust && make\n", line)})
        assert got(lint(root, ["VW104"]), root) == [("VW104", "api/docker-compose.yml", 5, "error")]


def test_vw401_an_image_the_repository_runs_only_as_a_one_off_command(tmp_path: Path) -> None:
    image = IMAGE.replace("USER nobody\n", "EXPOSE 8080\n").replace('CMD ["shop"]', 'ENTRYPOINT ["shop"]')
    makefile = (
        "DOCKER=docker\n\ncli-build:\n\t$(DOCKER) build -f Dockerfile.cli -t shop-cli .\n\n"
        "cli-register: cli-build\n\t$(DOCKER) run -i --rm --net shop_backend --link shop_db shop-cli register -u admin\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile.cli": image,
                            "Makefile": makefile})
    found = lint(root, ["VW401"])
    assert got(found, root) == [("VW401", "Dockerfile.cli", 5, "note")]
    assert "one-off command" in found[0].message
    # detached, or pushed somewhere: a service after all
    write(root, {"Makefile": makefile.replace("run -i --rm", "run -d --rm")})
    assert got(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile.cli", 5, "warning")]
    write(root, {"Makefile": makefile + "\npush:\n\t$(DOCKER) push shop-cli\n"
                 .replace("push shop-cli", "build -f Dockerfile.cli -t shop-cli --push .")})
    assert got(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile.cli", 5, "warning")]


def test_vw210_the_stale_stub_finding_gives_its_own_help(tmp_path: Path) -> None:
    from tests.test_review10 import STUB_IMAGE

    image = STUB_IMAGE.replace("{final}", "cargo build --release").replace("{between}", "").replace("{stub_tail}", "")
    root = write(tmp_path, {"Cargo.toml": CARGO, "Cargo.lock": "", "src/main.rs": "fn main() {}\n", "Dockerfile": image})
    found = [f for f in lint(root, ["VW210"]) if "stub" in f.message]
    assert len(found) == 1
    assert "touch /app/src/main.rs" in found[0].extra["help"] and "Await" not in found[0].extra["help"]
    assert "(a `restart:` policy starts it again, in a loop)" in found[0].message


def test_vw401_a_one_off_run_is_foreground_without_ports_and_every_run_counts(tmp_path: Path) -> None:
    image = IMAGE.replace("USER nobody\n", "").replace('CMD ["shop"]', 'ENTRYPOINT ["shop"]')
    makefile = "build:\n\tdocker build -f Dockerfile.cli -t shop-cli .\n\nrun:\n\tdocker run {flags} shop-cli serve\n"
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile.cli": image})
    for flags, level in (("--rm -it", "note"), ("-dit --rm", "warning"), ("--rm -p 8080:8080", "warning"),
                         ("--rm --network host", "warning"), ("--rm --network=backend", "note")):
        write(root, {"Makefile": makefile.format(flags=flags)})
        assert [f.effective_level.value for f in lint(root, ["VW401"])] == [level], flags
    # a tag only CI knows (`-t $IMAGE`) says nothing of how the image is run
    write(root, {"Makefile": makefile.format(flags="--rm -it").replace("-t shop-cli", "-t $IMAGE")
                 .replace("run --rm -it shop-cli", "run --rm -it $IMAGE")})
    assert [f.effective_level.value for f in lint(root, ["VW401"])] == ["warning"]
    # a detached run in another file (a deploy script) makes it a service
    write(root, {"Makefile": makefile.format(flags="--rm -it"),
                 "scripts/deploy.sh": "#!/bin/sh\ndocker run -d --restart unless-stopped shop-cli serve\n"})
    assert [f.effective_level.value for f in lint(root, ["VW401"])] == ["warning"]


def test_a_root_compose_file_is_linted_alone_even_when_ci_adds_an_overlay(tmp_path: Path) -> None:
    workflow = (
        "on: push\njobs:\n  e2e:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
        "      - run: docker compose -f docker-compose.yml -f docker-compose.ci.yml up -d\n"
    )
    root = write(tmp_path, {
        "docker-compose.yml": "services:\n  api:\n    image: acme/api:1\n    depends_on:\n      - cache\n",
        "docker-compose.ci.yml": "services:\n  cache:\n    image: redis:7\n",
        ".github/workflows/e2e.yml": workflow,
    })
    assert got(lint(root, ["VW306"]), root) == [("VW306", "docker-compose.yml", 5, "error")]  # a bare `up` fails


def test_vw301_the_healthcheck_of_an_image_ci_publishes_stays_a_warning(tmp_path: Path) -> None:
    image = "FROM debian:bookworm-slim\nHEALTHCHECK --interval=5s --retries=3 CMD [\"/app\", \"health\"]\nCMD [\"/app\"]\n"
    workflow = (
        "on: push\njobs:\n  release:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
        "      - uses: docker/build-push-action@v6\n        with:\n          context: .\n          push: true\n"
        "          tags: ghcr.io/acme/shop:latest\n"
    )
    root = write(tmp_path, {"Dockerfile": image})
    assert [f.effective_level.value for f in lint(root, ["VW301"])] == ["note"]  # nothing runs it here
    write(root, {".github/workflows/release.yml": workflow})
    assert [f.effective_level.value for f in lint(root, ["VW301"])] == ["warning"]  # whoever pulls it may wait


def test_vw401_the_published_image_run_privileged_by_the_repositorys_compose(tmp_path: Path) -> None:
    image = IMAGE.replace("USER nobody\n", "").replace("shop", "powermeter")
    cargo = CARGO.replace('name = "shop"', 'name = "powermeter"')
    compose = (
        "services:\n  powermeter:\n    image: acme/powermeter:1\n    privileged: true\n    volumes:\n"
        "      - type: bind\n        source: /sys/class/powercap\n        target: /sys/class/powercap\n"
    )
    root = write(tmp_path, {"Cargo.toml": cargo, "src/main.rs": "fn main() {}\n", "Dockerfile": image,
                            "docker-compose/docker-compose.yaml": compose})
    assert [f.effective_level.value for f in lint(root, ["VW401"])] == ["note"]
    write(root, {"docker-compose/docker-compose.yaml": compose.replace("    privileged: true\n", "")})
    assert [f.effective_level.value for f in lint(root, ["VW401"])] == ["warning"]


def test_scope_a_compose_file_the_contributors_guide_runs_is_the_developers_stack(tmp_path: Path) -> None:
    from tests.unseen_fixtures import scope_of

    compose = "services:\n  db:\n    image: postgres:16\n    ports: ['5432:5432']\n  core:\n    build: .\n"
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": IMAGE,
                            "docker-compose.yaml": compose,
                            "CONTRIBUTING.md": "# Contributing\n\n1. Build\n\n```\ndocker-compose build\n```\n\n"
                                               "2. Run\n\n```\ndocker-compose up\n```\n",
                            "README.md": "# Core\n\nDeploy it with the setup script of our deployment repository.\n"})
    assert scope_of(root, "docker-compose.yaml") == "dev"
    # combined with an overlay by the guide, the base file is not the developers' alone
    write(root, {"CONTRIBUTING.md": "# Contributing\n\n```\ndocker compose -f docker-compose.yaml -f dev.yaml up\n```\n",
                 "dev.yaml": "services:\n  core:\n    environment:\n      RUST_LOG: debug\n"})
    assert scope_of(root, "docker-compose.yaml") == "deploy"
    # the README's quick start runs it too: it is how users run it
    write(root, {"README.md": "# Core\n\n## Quick start\n\n```\ndocker compose up -d\n```\n",
                 "CONTRIBUTING.md": "# Contributing\n\n```\ndocker-compose up\n```\n"})
    assert scope_of(root, "docker-compose.yaml") == "deploy"


def test_a_dockerfile_of_a_crate_commented_out_of_the_workspace_is_a_leftover(tmp_path: Path) -> None:
    image = (
        "FROM rust:1.80-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
        "FROM debian:bookworm-slim\nCOPY --from=build /src/target/release/feeds /usr/local/bin/feeds\n"
        'CMD ["feeds"]\n'
    )
    workspace = '[workspace]\nmembers = [\n    "api",\n    # "feeds"\n]\n'
    root = write(tmp_path, {"Cargo.toml": workspace, "api/Cargo.toml": CARGO.replace('"shop"', '"api"'),
                            "api/src/main.rs": "fn main() {}\n", "feeds/Cargo.toml": CARGO.replace('"shop"', '"feeds"'),
                            "feeds/src/main.rs": "fn main() {}\n", "feeds/Dockerfile": image})
    found = lint(root, ["VW401"])
    assert [f.effective_level.value for f in found] == ["note"]
    assert "commented out of the workspace's `members` (`Cargo.toml:4`)" in found[0].message
    write(root, {"Cargo.toml": workspace.replace('    # "feeds"\n', '    "feeds",\n')})
    assert [f.effective_level.value for f in lint(root, ["VW401"])] == ["warning"]
    write(root, {"Cargo.toml": '[workspace]\nmembers = [\n    "*",\n    # "feeds",\n]\n'})
    assert [f.effective_level.value for f in lint(root, ["VW401"])] == ["warning"]  # a glob keeps it a member


def test_vw203_a_git_ignored_env_file_of_a_compose_file_nothing_runs_is_the_operators(tmp_path: Path) -> None:
    compose = (
        "services:\n  grafana:\n    image: grafana/grafana:11\n    env_file:\n      - .env.grafana\n"
        "    volumes:\n      - ~/docker/grafana:/var/lib/grafana\n"
    )
    root = write(tmp_path, {"docker-compose.yml": compose, ".gitignore": "**/*.env*\n"})
    found = lint(root, ["VW203"])
    assert [f.effective_level.value for f in found] == ["note"]
    assert "it mounts `~/docker/grafana` from the operator's home folder" in found[0].message
    # without the home-folder mount, a deployed stack whose file is missing fails: the error stands
    named = compose.replace("~/docker/grafana:", "grafana:") + "volumes:\n  grafana:\n"
    write(root, {"docker-compose.yml": named})
    assert [f.effective_level.value for f in lint(root, ["VW203"])] == ["error"]
    write(root, {"docker-compose.yml": compose})
    # a README that runs it: a fresh clone fails at `docker compose up`
    write(root, {"README.md": "# Stack\n\n## Run\n\n```sh\ndocker compose up -d\n```\n"})
    assert [f.effective_level.value for f in lint(root, ["VW203"])] == ["error"]
    # not git-ignored: a file the repository lacks
    write(root, {"README.md": "# Stack\n", ".gitignore": "target/\n"})
    assert [f.effective_level.value for f in lint(root, ["VW203"])] == ["error"]


def test_hardening_is_silent_on_a_development_server_stage_beside_the_shipped_one(tmp_path: Path) -> None:
    image = (
        "FROM rust:1.82 AS dev\nWORKDIR /code\nRUN cargo install cargo-watch\nCOPY . .\nCMD cargo-watch -x run\n\n"
        "FROM rust:1.82 AS builder\nWORKDIR /code\nCOPY . .\nRUN cargo build --release\n\n"
        "FROM rust:1.82-slim AS prod\nCOPY --from=builder /code/target/release/shop /usr/local/bin/shop\n"
        'CMD ["shop"]\n'
    )
    compose = "services:\n  api:\n    build:\n      context: .\n      target: dev\n    volumes:\n      - ./:/code/\n"
    workflow = (
        "on: push\njobs:\n  ship:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
        "      - run: docker buildx build -t acme/shop:latest --push .\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": image,
                            "docker-compose.dev.yaml": compose, ".github/workflows/ship.yml": workflow})
    lines = sorted(f.location.line for f in lint(root, ["VW401", "VW403"]) if f.effective_level.value == "warning")
    assert lines == []  # not the cargo-watch `dev` stage (lines 1 and 5) the development compose file builds


def test_a_workflow_named_docker_compose_is_no_compose_file(tmp_path: Path) -> None:
    workflow = (
        "name: Docker Compose\non: push\njobs:\n  compose:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n      - run: docker compose up -d --wait\n"
    )
    root = write(tmp_path, {".github/workflows/docker-compose.yml": workflow,
                            "docker-compose.yml": "services:\n  db:\n    image: postgres:16\n"})
    assert lint(root, ["VW002", "VW306"]) == []
    from viworks_lint.config import load_config
    from viworks_lint.project import Project

    project = Project(root, load_config(root))
    assert [c.files[0].name for c in project.composes] == ["docker-compose.yml"]
    assert [i.subcommand for i in project.wrappers.invocations] == ["up"]  # read as the workflow it is


def test_vw202_a_variable_inside_its_own_alternate_value_is_never_unset(tmp_path: Path) -> None:
    compose = (
        "services:\n  node:\n    image: acme/node:1\n"
        "    command: run ${CHAIN_CONFIG:+--chain-config-path=${CHAIN_CONFIG}} ${PRESET:+--preset=${OTHER}}\n"
    )
    root = write(tmp_path, {"compose.yaml": compose})
    found = lint(root, ["VW202"])
    assert ["OTHER" in f.message for f in found] == [True]  # another variable in the alternate value still counts


def test_vw404_the_public_anvil_development_keys_are_no_secret(tmp_path: Path) -> None:
    key = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
    compose = "services:\n  deployer:\n    image: acme/deployer:1\n    environment:\n      EVM_PRIVATE_KEY: {v}\n"
    for written in (key, f'"{key}"', key[2:]):  # unquoted, YAML reads it as a number
        root = write(tmp_path / str(len(written)), {"compose.yaml": compose.format(v=written)})
        assert lint(root, ["VW404"]) == [], written
    root = write(tmp_path / "real", {"compose.yaml": compose.format(v=key.replace("ac09", "bd17"))})
    assert [f.rule_id for f in lint(root, ["VW404"])] == ["VW404"]


def test_vw110_config_rustflags_are_ignored_when_the_build_sets_rustflags(tmp_path: Path) -> None:
    image = (
        "FROM rust:1.80\nWORKDIR /app\nCOPY Cargo.toml ./\nCOPY src src\n"
        "RUN cargo build --release\nCMD [\"./target/release/shop\"]\n"
    )
    config = '[build]\nrustflags = ["--cfg", "tokio_unstable"]\n'
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": image,
                            ".cargo/config.toml": config})
    assert [f.rule_id for f in lint(root, ["VW110"])] == ["VW110"]  # the cfg the code may need is lost
    write(root, {"Dockerfile": image.replace("RUN cargo build", 'RUN RUSTFLAGS="--cfg tokio_unstable" cargo build')})
    assert lint(root, ["VW110"]) == []  # Cargo takes RUSTFLAGS and ignores every config rustflags
    write(root, {"Dockerfile": image.replace("RUN cargo build", 'ENV RUSTFLAGS="--cfg tokio_unstable"\nRUN cargo build')})
    assert lint(root, ["VW110"]) == []
