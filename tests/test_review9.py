"""Points a reviewer who wrote none of the code raised on the nineteenth round of changes, each shown on a small
project: what the new silences must not hide."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint, write
from tests.unseen_fixtures import CARGO, CONNECT, IMAGE, got

MAIN = "fn main() {}\n"
DEPS = 'tokio = { version = "1", features = ["full"] }\ntokio-postgres = "0.7"\n'
BUILD = "FROM rust:1.80-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"


def test_busybox_sh_runs_a_script_whose_shell_stays_pid_1(tmp_path: Path) -> None:
    image = BUILD + (
        "FROM alpine:3.20\nCOPY --from=build /src/target/release/shop /usr/local/bin/shop\n"
        "COPY --chmod=755 entrypoint.sh /entrypoint.sh\nUSER nobody\nCMD /entrypoint.sh\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": image,
                            "entrypoint.sh": "#!/bin/sh\necho starting\n/usr/local/bin/shop\n"})
    assert [f.rule_id for f in lint(root, ["VW403"])] == ["VW403"]


def test_a_scratch_image_needs_the_loader_beside_libc(tmp_path: Path) -> None:
    image = BUILD + (
        "FROM scratch\nCOPY --from=build /lib/x86_64-linux-gnu/libc.so.6 /lib/x86_64-linux-gnu/\n"
        "COPY --from=build /src/target/release/shop /shop\nENTRYPOINT [\"/shop\"]\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": image})
    assert got(lint(root, ["VW206"]), root) == [("VW206", "Dockerfile", 5, "error")]


def test_a_worker_with_an_optional_terminal_ui_is_no_command_line_tool(tmp_path: Path) -> None:
    main = (
        "mod ui;\n#[tokio::main]\nasync fn main() {\n    if std::env::args().any(|a| a == \"--tui\") {\n"
        "        ui::run();\n        return;\n    }\n    loop {\n        tokio::time::sleep(std::time::Duration::from_secs(5)).await;\n"
        "    }\n}\n"
    )
    ui = "pub fn run() {\n    crossterm::terminal::enable_raw_mode().unwrap();\n}\n"
    root = write(tmp_path, {"Cargo.toml": CARGO + 'tokio = { version = "1", features = ["full"] }\ncrossterm = "0.28"\n',
                            "src/main.rs": main, "src/ui.rs": ui, "Dockerfile": IMAGE.replace("USER nobody\n", "")})
    assert [(f.rule_id, f.effective_level.value) for f in lint(root, ["VW401"])] == [("VW401", "warning")]


def test_a_client_in_an_included_file_is_linked(tmp_path: Path) -> None:
    compose = (
        "services:\n  api:\n    build: .\n    environment:\n      DATABASE_URL: postgres://u:p@db/shop\n"
        "    depends_on: [db]\n  db:\n    image: postgres:16\n"
    )
    main = 'mod database {\n    include!("infra/database.rs");\n}\nfn main() {}\n'
    root = write(tmp_path, {"Cargo.toml": CARGO + DEPS, "src/main.rs": main, "src/infra/database.rs": CONNECT,
                            "Dockerfile": IMAGE, "compose.yaml": compose})
    assert [f.rule_id for f in lint(root, ["VW309"])] == ["VW309"]


def test_an_empty_dockerfile_a_platform_config_deploys_is_no_placeholder(tmp_path: Path) -> None:
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile.worker": "# TODO: worker image\n"})
    assert got(lint(root, ["VW001"]), root) == [("VW001", "Dockerfile.worker", 1, "note")]
    write(root, {"fly.toml": "app = \"shop\"\n[build]\ndockerfile = \"Dockerfile.worker\"\n"})
    assert got(lint(root, ["VW001"]), root) == [("VW001", "Dockerfile.worker", 1, "error")]


def test_vw204_a_missing_file_mounted_over_a_dot_d_folder_is_still_a_file(tmp_path: Path) -> None:
    compose = "services:\n  web:\n    image: nginx:1.27\n    volumes:\n      - ./nginx/proxy.conf:/etc/nginx/conf.d\n"
    root = write(tmp_path, {"compose.yaml": compose})
    assert got(lint(root, ["VW204"]), root) == [("VW204", "compose.yaml", 5, "error")]


def test_a_target_variable_set_in_another_job_is_not_this_steps(tmp_path: Path) -> None:
    from viworks_lint.hostbuild import cli_builds

    workflow = (
        "jobs:\n  migrator:\n    steps:\n      - run: |\n          app=migrator\n"
        "          docker build --target $app .\n"
        "  apps:\n    strategy:\n      matrix:\n        app: [api, worker]\n    steps:\n      - run: |\n"
        "          docker build --target $app .\n"
    )
    assert [parsed.target for _file, parsed in cli_builds(workflow)] == ["migrator", "$app"]


def test_vw404_the_app_side_copy_of_a_stock_datastores_demo_password_is_a_demo_default(tmp_path: Path) -> None:
    compose = (
        "services:\n  api:\n    build: .\n    environment:\n      MONGO_PASSWORD: dni@123\n"
        "  mongo:\n    image: mongo:7\n    environment:\n      MONGO_INITDB_ROOT_USERNAME: dni\n"
        "      MONGO_INITDB_ROOT_PASSWORD: dni@123\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": IMAGE, "compose.yaml": compose})
    assert [f.effective_level.value for f in lint(root, ["VW404"])] == ["note", "note"]
    # a real-looking value on the app, not the datastore's: a warning
    write(root, {"compose.yaml": compose.replace("MONGO_PASSWORD: dni@123", "MONGO_PASSWORD: Zq8#vT2!pLw9xR4m")})
    assert sorted(f.effective_level.value for f in lint(root, ["VW404"])) == ["note", "warning"]


def test_vw401_an_explicit_user_root_whose_comment_gives_the_need(tmp_path: Path) -> None:
    image = BUILD + (
        "FROM debian:bookworm-slim\nCOPY --from=build /src/target/release/shop /shop\n"
        "# Run as root to allow /dev/kvm and TAP management\nUSER root\nCMD [\"/shop\"]\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": image})
    assert got(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 8, "note")]
    write(root, {"Dockerfile": image.replace("# Run as root to allow /dev/kvm and TAP management",
                                             "# switch to root to install the runtime packages")})
    assert got(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 8, "warning")]


def test_vw402_the_published_image_a_compose_service_runs_with_init(tmp_path: Path) -> None:
    compose = "services:\n  feed:\n    image: ghcr.io/acme/shop:latest\n    init: true\n    ports: ['8080:8080']\n"
    image = IMAGE.replace('CMD ["shop"]', 'CMD ["/usr/local/bin/shop"]')
    root = write(tmp_path, {"Cargo.toml": CARGO + 'tokio = { version = "1", features = ["full"] }\n',
                            "src/main.rs": "#[tokio::main]\nasync fn main() {\n    loop {}\n}\n", "Dockerfile": image,
                            "compose.yaml": compose})
    assert lint(root, ["VW402"]) == []
    write(root, {"compose.yaml": compose.replace("    init: true\n", "")})
    assert [f.rule_id for f in lint(root, ["VW402"])] == ["VW402"]


def test_busybox_sh_c_running_sh_c_hands_over_twice(tmp_path: Path) -> None:
    image = BUILD.replace("rust:1.80-bookworm", "rust:1.80-alpine") + (
        "FROM alpine:3.20\nCOPY --from=build /src/target/release/shop /app/shop\nUSER nobody\n"
        "ENV APP_BIN=/app/shop\nCMD sh -c ${APP_BIN}\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": image})
    assert [f.rule_id for f in lint(root, ["VW402", "VW403"])] == ["VW402"]


def test_an_os_image_without_cmd_that_compose_runs_by_its_published_name_ships(tmp_path: Path) -> None:
    image = BUILD + "FROM alpine:3.20\nCOPY --from=build /src/target/release/shop .\n"
    compose = "services:\n  shop:\n    image: acme/shop:2\n    command: ./shop\n    ports: ['8080:8080']\n"
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": image, "compose.yaml": compose})
    assert [(f.rule_id, f.effective_level.value) for f in lint(root, ["VW401"])] == [("VW401", "warning")]


def test_vw110_after_a_copy_from_a_wrong_context_still_explains_it(tmp_path: Path) -> None:
    image = (
        "FROM rust:1.80 AS planner\nWORKDIR /app\nCOPY Cargo.toml ./\nCOPY api/Cargo.toml api/Cargo.toml\n"
        "RUN cargo build --release\n"
    )
    ws = '[workspace]\nmembers = ["api"]\n'
    compose = "services:\n  api:\n    build: ./api\n"
    root = write(tmp_path, {"Cargo.toml": ws, "api/Cargo.toml": CARGO, "api/src/main.rs": MAIN,
                            "api/Dockerfile": image, "compose.yaml": compose})
    # the sources exist in the repository, only not in the context compose gives: VW110 names the context
    assert "VW110" in {f.rule_id for f in lint(root, ["VW102", "VW110"])}


def test_vw201_a_user_env_mounted_at_run_time_holds_whatever_the_user_puts_there(tmp_path: Path) -> None:
    code = "fn main() {\n    dotenvy::dotenv().ok();\n    let _t = std::env::var(\"DISCORD_TOKEN\").expect(\"token\");\n}\n"
    compose = "services:\n  bot:\n    build: .\n    volumes:\n      - ./.env:/.env:ro\n"
    root = write(tmp_path, {"Cargo.toml": CARGO + 'dotenvy = "0.15"\n', "src/main.rs": code, "Dockerfile": IMAGE,
                            ".gitignore": ".env\n", "compose.yaml": compose})
    assert lint(root, ["VW201"]) == []


def test_vw110_a_dot_folder_copied_from_a_wrong_context_is_no_stale_path(tmp_path: Path) -> None:
    image = (
        "FROM rust:1.80 AS build\nWORKDIR /app\nCOPY Cargo.toml ./\nCOPY .shared/proto .shared/proto\n"
        "RUN cargo build --release\n"
    )
    ws = '[workspace]\nmembers = ["api"]\n'
    root = write(tmp_path, {"Cargo.toml": ws, "api/Cargo.toml": CARGO, "api/src/main.rs": MAIN,
                            ".shared/proto/a.proto": "syntax = \"proto3\";\n", "api/Dockerfile": image,
                            "compose.yaml": "services:\n  api:\n    build: ./api\n"})
    # `.shared/proto` is in the repository, only not in the context compose gives: VW110 still explains it
    assert "VW110" in {f.rule_id for f in lint(root, ["VW102", "VW110"])}
