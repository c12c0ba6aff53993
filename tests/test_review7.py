"""What a second read of the eleventh to thirteenth sets' changes showed must still be reported."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint, write
from tests.unseen_fixtures import CARGO, IMAGE, got, scope_of

MAIN = "fn main() {}\n"
RUNTIME = (
    "FROM rust:1.80-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
    "FROM debian:bookworm-slim\nCOPY --from=build /src/target/release/shop /usr/local/bin/shop\nCMD [\"shop\"]\n"
)



def test_a_member_dockerfile_whose_sources_are_all_in_its_folder_keeps_that_context(tmp_path: Path) -> None:
    image = "FROM rust:1.80\nWORKDIR /app\nCOPY Cargo.toml ./\nCOPY src ./src\nRUN cargo build --release -p api\n"
    root = write(tmp_path, {
        "Cargo.toml": '[workspace]\nmembers = ["api"]\n', "api/Cargo.toml": CARGO.replace("shop", "api"),
        "api/src/main.rs": MAIN, "api/Dockerfile": image,
    })
    assert lint(root, ["VW102", "VW110"]) == []


def test_a_tool_that_reads_its_variable_in_main_before_the_dispatch_is_checked(tmp_path: Path) -> None:
    main = (
        "use clap::{Parser, Subcommand};\n#[derive(Parser)]\nstruct Cli {\n    #[command(subcommand)]\n"
        "    cmd: Option<Cmd>,\n}\n#[derive(Subcommand)]\nenum Cmd {\n    Create,\n}\n"
        "fn main() {\n    let _db = std::env::var(\"DATABASE_URL\").expect(\"DATABASE_URL\");\n"
        "    let cli = Cli::parse();\n    match cli.cmd {\n        Some(Cmd::Create) => {}\n        None => {}\n    }\n}\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO + 'clap = { version = "4", features = ["derive"] }\n',
                            "src/main.rs": main, "Dockerfile": IMAGE, "compose.yaml": "services:\n  sync:\n    build: .\n"})
    assert [f.rule_id for f in lint(root, ["VW201"])] == ["VW201"]


def test_an_echo_into_the_env_file_shows_what_it_holds(tmp_path: Path) -> None:
    compose = "services:\n  web:\n    image: nginx:1.27\n    environment:\n      MODE: ${APP_MODE}\n      R: ${REGION}\n"
    readme = "# App\n\n```sh\necho \"APP_MODE=changeme\" > .env\ndocker compose up\n```\n"
    root = write(tmp_path, {"compose.yaml": compose, ".gitignore": ".env\n", "README.md": readme})
    assert "warning" in [f.effective_level.value for f in lint(root, ["VW202"])]  # REGION is set by nothing


def test_an_image_that_migrates_then_starts_the_app_ships(tmp_path: Path) -> None:
    image = (
        "FROM rust:1.80\nWORKDIR /app\nRUN cargo install sqlx-cli\nCOPY . .\nRUN cargo build --release\n"
        "CMD [\"sh\", \"-c\", \"cargo sqlx migrate run && ./target/release/shop\"]\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": image})
    assert scope_of(root, "Dockerfile") == "deploy"


def test_a_production_file_that_pulls_the_image_keeps_the_dockerfile_deployed(tmp_path: Path) -> None:
    local = "services:\n  api:\n    build: .\n    image: ghcr.io/acme/shop:latest\n  db:\n    image: postgres:16\n"
    prod = "services:\n  api:\n    image: ghcr.io/acme/shop:latest\n    restart: unless-stopped\n" \
           "  db:\n    image: postgres:16\n"
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": RUNTIME,
                            "docker-compose.yml": local, "docker-compose.prod.yml": prod})
    assert scope_of(root, "docker-compose.yml") == "dev"
    assert got(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 5, "warning")]


def test_a_case_on_a_functions_argument_is_no_dispatch(tmp_path: Path) -> None:
    script = (
        "#!/bin/sh\nwait_for() {\n  case \"$1\" in\n    postgres) nc -z db 5432 ;;\n  esac\n}\n"
        "wait_for postgres\nexec /app/shop\n"
    )
    image = (
        "FROM rust:1.80-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
        "FROM debian:bookworm-slim\nCOPY --from=build /src/target/release/shop /app/shop\n"
        "COPY --chmod=755 run.sh /app/run.sh\nUSER nobody\nENTRYPOINT [\"/app/run.sh\"]\nCMD [\"serve\"]\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "run.sh": script, "Dockerfile": image})
    assert got(lint(root, ["VW209"]), root) == [("VW209", "run.sh", 4, "error")]


def test_vw308_docker_sets_hostname(tmp_path: Path) -> None:
    compose = (
        "services:\n  web:\n    image: nginx:1.27\n    healthcheck:\n"
        "      test: [\"CMD\", \"curl\", \"-fs\", \"http://$$HOSTNAME/health\"]\n      start_period: 5s\n"
    )
    root = write(tmp_path, {"compose.yaml": compose})
    assert [f.rule_id for f in lint(root, ["VW308"])] == ["VW308"]


def test_a_branch_tag_is_no_developmentscope_of(tmp_path: Path) -> None:
    compose = "services:\n  api:\n    build: .\n    image: registry.acme.io/shop:develop\n    ports: ['80:8080']\n"
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": RUNTIME, "compose.yaml": compose})
    assert scope_of(root, "Dockerfile") == "deploy"


def test_a_path_dependency_outside_the_repository_is_not_linted(tmp_path: Path) -> None:
    shared = '[package]\nname = "shared"\nversion = "0.1.0"\n\n[[bin]]\nname = "x"\npath = "src/missing.rs"\n'
    write(tmp_path, {"shared/Cargo.toml": shared})
    root = write(tmp_path / "app", {"Cargo.toml": CARGO + 'shared = { path = "../shared" }\n', "src/main.rs": MAIN})
    assert lint(root, ["VW101"]) == []


def test_a_build_line_to_uncomment_under_a_live_image_service_retires_nothing(tmp_path: Path) -> None:
    compose = "services:\n  api:\n    image: ghcr.io/acme/shop:latest\n    # build: .\n"
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": RUNTIME, "compose.yaml": compose})
    assert got(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 5, "warning")]


def test_build_lines_to_uncomment_under_an_anchored_or_editor_commented_service(tmp_path: Path) -> None:
    anchored = ("services:\n  api01: &api\n    image: acme/shop:1.0\n    # build:\n    #   context: .\n"
                "    #   dockerfile: Dockerfile\n    restart: unless-stopped\n")
    root = write(tmp_path / "a", {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": RUNTIME,
                                  "docker-compose.yml": anchored})
    assert got(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 5, "warning")]
    toggled = ("services:\n  ingest:\n    image: acme/ingest\n    #Uncomment below to build locally\n"
               "#    build:\n#      context: .\n#      dockerfile: Dockerfile\n    restart: on-failure\n")
    root = write(tmp_path / "b", {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": RUNTIME,
                                  "docker-compose.yml": toggled})
    assert got(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 5, "warning")]


def test_an_early_project_not_ready_for_production_still_ships(tmp_path: Path) -> None:
    readme = "# Game\n\nThis project is in early development and is not ready for production use.\n"
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": RUNTIME, "README.md": readme})
    assert scope_of(root, "Dockerfile") == "deploy"


def test_a_test_runner_target_and_an_unknown_base_get_no_hardening_claim(tmp_path: Path) -> None:
    image = (
        "FROM rust:1.80-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
        "FROM build AS tests\nCMD [\"cargo\", \"test\"]\n"
        "FROM debian:bookworm-slim AS runtime\nCOPY --from=build /src/target/release/shop /usr/local/bin/shop\n"
        "CMD [\"shop\"]\n"
    )
    compose = "services:\n  tests:\n    build:\n      context: .\n      target: tests\n  api:\n    build: .\n"
    root = write(tmp_path / "a", {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": image,
                                  "compose.yaml": compose})
    assert got(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 7, "warning")]  # the runtime only
    unknown = "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nCOPY shop /usr/local/bin/shop\nCMD [\"shop\"]\n"
    root = write(tmp_path / "b", {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": unknown})
    assert lint(root, ["VW401"]) == []  # the base it inherits its user from is not known
