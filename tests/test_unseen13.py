"""Situations read on a thirteenth set of unseen repositories: development stacks that restart, dummy crates
named by a build argument, images tagged for tests, dot-named data folders, intermediate targets built to warm
the cache, placeholder hosts, backup copies, build-tool images and a production stack beside the default one."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint, write
from tests.unseen_fixtures import CARGO, IMAGE, got, scope_of

MAIN = "fn main() {}\n"
REDIS_MAIN = (
    "fn main() {\n    let url = std::env::var(\"REDIS_URL\").unwrap();\n"
    "    let c = redis::Client::open(url).unwrap();\n    let _x = c.get_connection().unwrap();\n}\n"
)



def test_vw309_a_stack_that_restarts_recovers(tmp_path: Path) -> None:
    compose = (
        "services:\n  api:\n    build: .\n    restart: unless-stopped\n    environment:\n"
        "      REDIS_URL: redis://cache:6379\n    depends_on:\n      - cache\n  cache:\n    image: redis:7\n"
    )
    files = {"Cargo.toml": CARGO + 'redis = "0.25"\n', "src/main.rs": REDIS_MAIN, "Dockerfile": IMAGE}
    root = write(tmp_path / "dev", {**files, "docker-compose.dev.yml": compose})
    assert [f.effective_level.value for f in lint(root, ["VW309"])] == ["note"]
    root = write(tmp_path / "prod", {**files, "compose.yaml": compose})
    assert [f.effective_level.value for f in lint(root, ["VW309"])] == ["note"]  # a deployment that restarts too
    policy = compose.replace("    restart: unless-stopped\n", "    deploy:\n      restart_policy:\n        condition: on-failure\n")
    root = write(tmp_path / "policy", {**files, "compose.yaml": policy})
    assert [f.effective_level.value for f in lint(root, ["VW309"])] == ["note"]
    root = write(tmp_path / "once", {**files, "compose.yaml": compose.replace("    restart: unless-stopped\n", "")})
    assert [f.effective_level.value for f in lint(root, ["VW309"])] == ["warning"]  # no restart: it stays down


def test_vw110_a_dummy_crate_named_by_a_build_argument(tmp_path: Path) -> None:
    image = (
        "ARG APP_NAME=shop\nFROM rust:1.80 AS builder\nARG APP_NAME\nRUN USER=root cargo new --bin $APP_NAME\n"
        "WORKDIR ./$APP_NAME\nCOPY Cargo.toml Cargo.lock ./\nRUN cargo build --release\nRUN rm src/*.rs\n"
        "COPY . ./\nRUN cargo build --release\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO, "Cargo.lock": "", "src/main.rs": MAIN, "Dockerfile": image})
    assert lint(root, ["VW110"]) == []
    write(root, {"Dockerfile": image.replace("RUN USER=root cargo new --bin $APP_NAME\n", "")})
    assert [f.rule_id for f in lint(root, ["VW110"])] == ["VW110"]  # no dummy: the first build has no source


def test_an_image_compose_tags_for_tests_is_no_shipped_image(tmp_path: Path) -> None:
    single = "FROM rust:1.80\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\nCMD [\"./target/release/shop\"]\n"
    compose = "services:\n  app:\n    build: .\n    image: acme/shop:tests\n"
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": single, "compose.yaml": compose})
    assert scope_of(root, "Dockerfile") == "test"
    write(root, {"compose.yaml": compose.replace(":tests", ":1.2")})
    assert scope_of(root, "Dockerfile") == "deploy"


def test_vw204_a_dot_named_target_of_a_plain_folder_is_a_folder(tmp_path: Path) -> None:
    compose = "services:\n  admin:\n    image: dpage/pgadmin4:8\n    volumes:\n      - ./pgadmin:/root/.pgadmin\n"
    root = write(tmp_path, {"compose.yaml": compose})
    # a data folder: Docker creates it (pgadmin runs as its own user: at most a note), no "file expected" error
    assert [f.effective_level.value for f in lint(root, ["VW204"])] == ["note"]
    write(root, {"compose.yaml": compose.replace("./pgadmin:/root/.pgadmin", "./.env:/app/.env")})
    assert [f.rule_id for f in lint(root, ["VW204"])] == ["VW204"]  # a dotfile on both sides is a file


def test_vw206_distroless_debian10_has_glibc_2_28(tmp_path: Path) -> None:
    image = IMAGE.replace("FROM debian:bookworm-slim", "FROM gcr.io/distroless/cc-debian10").replace(
        "rust:1.80-bookworm", "rust:1.80-bullseye")
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": image})
    found = lint(root, ["VW206"])
    assert [f.rule_id for f in found] == ["VW206"] and "glibc 2.28" in found[0].message


def test_stages_a_script_builds_first_to_warm_the_cache_are_no_images(tmp_path: Path) -> None:
    image = (
        "FROM node:20-alpine AS static_env\nWORKDIR /build\nRUN echo deps\n"
        "FROM rust:1.80-bookworm AS rust_builder\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
        "FROM debian:bookworm-slim AS runtime\nCOPY --from=static_env /build /app/static\n"
        "COPY --from=rust_builder /src/target/release/shop /app/shop\nCMD [\"/app/shop\"]\n"
    )
    script = (
        "docker build -t app:static_env --target static_env . && \\\n"
        "docker build -t app:rust_builder --target rust_builder . && \\\ndocker build -t app:local .\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": image, "docker-build.sh": script})
    assert got(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 8, "warning")]  # the runtime stage only


def test_vw208_a_number_is_no_host(tmp_path: Path) -> None:
    compose = (
        "services:\n  api:\n    build: .\n    environment:\n      - app__redis_addr=1\n"
        "      - app__cache_redis_addr=cahce:6379\n  cache:\n    image: redis:7\n"
    )
    main = (
        'fn main() {\n    let _a = std::env::var("app__redis_addr");\n'
        '    let _b = std::env::var("app__cache_redis_addr");\n}\n'
    )
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": main, "Dockerfile": IMAGE, "compose.yaml": compose})
    assert [f.location.line for f in lint(root, ["VW208"])] == [6]  # the misspelt `cahce`, not the placeholder


def test_backup_copies_and_build_tool_images(tmp_path: Path) -> None:
    tool = (
        "FROM rust:1.90\nWORKDIR /app\nRUN cargo install sqlx-cli\nCOPY . .\n"
        "CMD [\"cargo\", \"sqlx\", \"prepare\"]\n"
    )
    root = write(tmp_path, {
        "Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile.sqlx-prepare": tool,
        "Dockerfile.search.backup": "FROM debian:bookworm-slim\nCOPY missing /x\nCMD [\"/x\"]\n",
    })
    assert scope_of(root, "Dockerfile.sqlx-prepare") == "toolchain"
    assert lint(root, ["VW102", "VW401"]) == []  # the backup copy is not read


def test_the_default_compose_file_beside_a_production_one_is_the_local_stack(tmp_path: Path) -> None:
    local = "services:\n  db:\n    image: postgres:16\n    ports: ['5432:5432']\n  api:\n    build: .\n"
    prod = "services:\n  db:\n    image: postgres:16\n  api:\n    build: .\n    restart: always\n"
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": IMAGE,
                            "docker-compose.yml": local, "docker-compose.production.yml": prod})
    assert scope_of(root, "docker-compose.yml") == "dev"
    assert scope_of(root, "docker-compose.production.yml") == "deploy"
    write(root, {"docker-compose.production.yml": "services:\n  worker:\n    build: .\n"})
    assert scope_of(root, "docker-compose.yml") == "deploy"  # no stack of the same services: no claim
