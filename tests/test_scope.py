"""Deployment scope: every compose file and Dockerfile gets one (with a reason), config can set it, and
hardening rules report only on what ships."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from viworks_lint.cli import cli
from viworks_lint.config import load_config
from viworks_lint.findings import Level
from viworks_lint.project import Project
from viworks_lint.scope import Scope

from tests.helpers import lint, where, write

CARGO = '[package]\nname = "shop-api"\nversion = "0.1.0"\nedition = "2021"\n'
RUST_IMAGE = (
    "FROM rust:1.80 AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
    "FROM debian:bookworm-slim\nCOPY --from=build /src/target/release/shop-api /usr/local/bin/\n"
    'CMD ["shop-api"]\n'
)


def _project(root: Path) -> Project:
    return Project(root, load_config(root))


def _scopes(root: Path) -> dict[str, tuple[str, str]]:
    project = _project(root)
    return {project.rel(p): (i.scope.value, i.reason) for p, i in project.scopes.items()}


def test_scope_by_name_folder_and_build(tmp_path: Path) -> None:
    write(tmp_path, {
        "Cargo.toml": CARGO,
        "src/main.rs": "fn main() {}\n",
        "compose.yaml": "services:\n  api:\n    build: .\n  db:\n    image: postgres:16\n",
        "docker-compose.dev.yml": "services:\n  api:\n    build:\n      context: .\n      dockerfile: Dockerfile.dev\n",
        "examples/standalone/compose.yaml": "services:\n  api:\n    image: shop-api:latest\n",
        ".devcontainer/Dockerfile": "FROM mcr.microsoft.com/devcontainers/rust:1\n",
        "Dockerfile": RUST_IMAGE,
        "Dockerfile.dev": "FROM rust:1.80\nWORKDIR /src\n",
        "frontend/Dockerfile": "FROM node:20 AS build\nRUN npm ci && npm run build\nFROM nginx:1.27\n"
                               "COPY --from=build /app/dist /usr/share/nginx/html\n",
        "tools/Dockerfile.cross": "FROM ghcr.io/cross-rs/aarch64-unknown-linux-gnu:0.2.5\nRUN apt-get update\n",
    })
    got = _scopes(tmp_path)
    assert got["compose.yaml"] == ("deploy", "compose project")
    assert got["docker-compose.dev.yml"] == ("dev", "named docker-compose.dev.yml")
    assert got["examples/standalone/compose.yaml"] == ("dev", "in folder examples/")
    assert got[".devcontainer/Dockerfile"] == ("dev", "in folder .devcontainer/")
    assert got["Dockerfile"] == ("deploy", "built by compose.yaml service api")
    assert got["Dockerfile.dev"] == ("dev", "named Dockerfile.dev")
    assert got["frontend/Dockerfile"] == ("aux", "runs no Rust code of this repository (FROM nginx:1.27)")
    assert got["tools/Dockerfile.cross"] == ("toolchain", "named Dockerfile.cross")
    project = _project(tmp_path)
    assert project.scope_of(tmp_path / "docker-compose.dev.yml") is Scope.DEV
    assert project.scope_of(tmp_path / "src/main.rs") is Scope.DEPLOY  # not a compose file or Dockerfile


def test_scope_by_content(tmp_path: Path) -> None:
    write(tmp_path, {
        "Cargo.toml": CARGO,
        "src/main.rs": "fn main() {}\n",
        # the app runs on the host (`cargo run`); compose only starts its database
        "compose.yaml": "services:\n  db:\n    image: postgres:16\n    ports: [\"5432:5432\"]\n"
                        "  cache:\n    image: redis:7\n",
        "hot/compose.yaml": "services:\n  api:\n    image: rust:1.80\n    working_dir: /src\n"
                            "    command: cargo watch -x run\n    volumes:\n      - ..:/src\n",
        "runner/Dockerfile": "FROM rust:1.80\nWORKDIR /src\nCOPY . .\nCMD [\"cargo\", \"test\", \"--all\"]\n",
        "wasm/Dockerfile": "FROM rust:1.80-bookworm\nRUN rustup target add wasm32-unknown-unknown\n",
    })
    got = _scopes(tmp_path)
    assert got["compose.yaml"] == ("dev", "only runs infrastructure images (postgres, redis); the app runs on the host")
    assert got["hot/compose.yaml"] == ("dev", "runs cargo watch with .. bind-mounted")
    assert got["runner/Dockerfile"] == ("test", "its final stage runs cargo test")
    assert got["wasm/Dockerfile"] == ("toolchain", "its final stage runs no program of its own (FROM rust:1.80-bookworm)")


def test_scope_set_by_config(tmp_path: Path) -> None:
    write(tmp_path, {
        ".viworks-lint.toml": '[scope]\n"deploy/local/**" = "deploy"\n"compose.yaml" = "ci"\n',
        "compose.yaml": "services:\n  api:\n    image: shop-api\n",
        "deploy/local/compose.yaml": "services:\n  api:\n    image: shop-api\n",
    })
    got = _scopes(tmp_path)
    assert got["compose.yaml"] == ("ci", "set by config for compose.yaml")
    assert got["deploy/local/compose.yaml"] == ("deploy", "set by config for deploy/local/compose.yaml")


def test_bad_scope_in_config_is_a_config_error(tmp_path: Path) -> None:
    write(tmp_path, {".viworks-lint.toml": '[scope]\n"x" = "prod"\n', "compose.yaml": "services: {}\n"})
    result = CliRunner().invoke(cli, [str(tmp_path)])
    assert result.exit_code == 2 and "scope" in result.output


def test_hardening_rules_report_only_on_deploy(tmp_path: Path) -> None:
    write(tmp_path, {
        "Cargo.toml": CARGO,
        "src/main.rs": "fn main() {}\n",
        "compose.yaml": "services:\n  api:\n    build: .\n    environment:\n      DATABASE_URL: postgres://db/shop\n"
                        "  db:\n    image: postgres:16\n    ports: [\"5432:5432\"]\n",
        "docker-compose.dev.yml": "services:\n  api:\n    build:\n      context: .\n      dockerfile: Dockerfile.dev\n"
                                  "    environment:\n      JWT_SECRET: dev-only-secret-value\n"
                                  "  db:\n    image: postgres:16\n    ports: [\"5433:5432\"]\n",
        "Dockerfile": RUST_IMAGE,
        "Dockerfile.dev": "FROM rust:1.80\nWORKDIR /src\nCMD cargo run\n",
        "web/Dockerfile": "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD npm start\n",
        "web/package.json": "{}\n",
        "ops/Dockerfile": 'FROM debian:bookworm-slim\nCOPY backup.sh /usr/local/bin/\nCMD ["backup.sh"]\n',
        "ops/backup.sh": "#!/bin/sh\n",
    })
    found = lint(tmp_path, ["VW4"])
    assert where(found, tmp_path) == [
        ("VW401", "Dockerfile", 5),
        ("VW401", "ops/Dockerfile", 1),
        ("VW402", "Dockerfile", 7),
        ("VW402", "ops/Dockerfile", 3),
        ("VW405", "compose.yaml", 8),
    ]
    levels = {(f.rule_id, f.location.path.relative_to(tmp_path).as_posix(), f.level) for f in found}
    assert ("VW401", "Dockerfile", Level.WARNING) in levels
    # deploy, but runs no binary of this repository (a backup script): a note only
    assert ("VW401", "ops/Dockerfile", Level.NOTE) in levels
    assert all(f.scope == "deploy" for f in found)


def test_scope_in_json_and_sarif(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    image: shop-api\n    env_file: api.env\n",
        "docker-compose.test.yml": "services:\n  api:\n    image: shop-api\n    env_file: test.env\n",
    })
    out = CliRunner().invoke(cli, [str(tmp_path), "--format", "json", "--select", "VW203"]).output
    scopes = {f["path"]: f["scope"] for f in json.loads(out)["findings"]}
    assert scopes == {"compose.yaml": "deploy", "docker-compose.test.yml": "test"}
    out = CliRunner().invoke(cli, [str(tmp_path), "--format", "sarif", "--select", "VW203"]).output
    results = json.loads(out)["runs"][0]["results"]
    assert sorted(r["properties"]["scope"] for r in results) == ["deploy", "test"]


# ---------------------------------------------------------------- a whole project


STOREFRONT = Path(__file__).parent / "fixtures" / "scope" / "storefront"


def test_storefront_reports_exactly_its_two_defects() -> None:
    """Dev, test, CI, example, devcontainer and frontend files, env templates copied by the Makefile and a
    production overlay that only the Makefile combines with the base: two real defects, in the overlay."""
    found = lint(STOREFRONT)
    defects = [
        (f.rule_id, f.location.path.relative_to(STOREFRONT).as_posix(), f.location.line, f.effective_level.value)
        for f in found
        if f.effective_level is not Level.NOTE
    ]
    assert defects == [
        ("VW202", "deploy/docker-compose.prod.yml", 6, "warning"),  # SMTP_HOST: no template defines it
        ("VW204", "deploy/docker-compose.prod.yml", 16, "error"),  # the nginx config is default.conf
    ]
    notes = sorted((f.rule_id, f.location.path.name, f.location.line) for f in found if f.effective_level is Level.NOTE)
    assert notes == [
        ("VW202", "docker-compose.prod.yml", 3),  # deploy/.env.prod comes from its template (Makefile deploy)
        ("VW202", "docker-compose.yml", 2),  # .env comes from .env.example (Makefile setup)
        ("VW204", "docker-compose.prod.yml", 17),  # ./certs is made by `mkdir -p` in Makefile setup
    ]
    assert {f.scope for f in found} == {"deploy"}


def test_storefront_scopes() -> None:
    got = {path: scope for path, (scope, _why) in _scopes(STOREFRONT).items()}
    assert got == {
        ".devcontainer/Dockerfile": "dev",
        "Dockerfile": "deploy",
        "Dockerfile.dev": "dev",
        "deploy/docker-compose.prod.yml": "deploy",
        "docker-compose.dev.yml": "dev",
        "docker-compose.test.yml": "test",
        "docker-compose.yml": "deploy",
        "e2e/Dockerfile": "test",
        "examples/minimal/docker-compose.yml": "dev",
        "frontend/Dockerfile": "aux",
    }
    project = _project(STOREFRONT)
    combined = [[project.rel(f) for f in c.files] for c in project.composes if len(c.files) > 1]
    assert ["docker-compose.yml", "deploy/docker-compose.prod.yml"] in combined


def test_test_folder_wins_over_a_production_word_in_the_name(tmp_path: Path) -> None:
    write(tmp_path, {"tests/e2e/docker-compose.prod.yml": "services:\n  api:\n    image: shop\n"})
    assert _scopes(tmp_path)["tests/e2e/docker-compose.prod.yml"] == ("test", "in folder e2e/")


def test_scope_by_use_in_ci_and_wrappers(tmp_path: Path) -> None:
    write(tmp_path, {
        ".github/workflows/ci.yml": "jobs:\n  integration:\n    runs-on: ubuntu-latest\n    steps:\n"
                                   "      - run: docker compose -f docker/services.yml up -d\n"
                                   "      - run: docker compose -f docker/ship.yml config\n",
        "Makefile": "release:\n\tdocker compose -f docker/ship.yml up -d\n",
        "docker/services.yml": "services:\n  db:\n    image: postgres:16\n",
        "docker/ship.yml": "services:\n  api:\n    image: shop\n",
        "compose.yaml": "services:\n  api:\n    image: shop\n",
        ".github/workflows/smoke.yml": "jobs:\n  smoke:\n    steps:\n      - run: docker compose up -d\n",
    })
    got = _scopes(tmp_path)
    assert got["docker/services.yml"] == ("test", "run only for test by .github/workflows/ci.yml (job integration)")
    assert got["docker/ship.yml"] == ("deploy", "run by Makefile (target release)")
    assert got["compose.yaml"] == ("deploy", "compose project")  # the default project stays what ships


def test_tutorial_folders_are_dev(tmp_path: Path) -> None:
    write(tmp_path, {"config/tutorials/grafana/docker-compose.yml": "services:\n  g:\n    image: grafana/grafana\n"})
    assert _scopes(tmp_path)["config/tutorials/grafana/docker-compose.yml"] == ("dev", "in folder tutorials/")


def test_docs_folders_and_dev_image_stacks_are_dev(tmp_path: Path) -> None:
    devel = (
        "services:\n  app:\n    build:\n      context: .\n      dockerfile: Dockerfile-devel\n"
        "    volumes:\n      - ./:/app\n    depends_on: [db]\n"
        "    environment:\n      - DATABASE_URL=postgres://app:app@db/app\n"
        "  db:\n    image: postgres:16\n    ports:\n      - \"5432:5432\"\n"
    )
    write(tmp_path, {
        "Cargo.toml": CARGO,
        "src/main.rs": "fn main() {}\n",
        "docker-compose.yml": devel,
        "Dockerfile-devel": "FROM nixos/nix\nWORKDIR /app\nENTRYPOINT [\"nix-shell\"]\n",
        "Dockerfile": RUST_IMAGE,
        "deploy/compose.yaml": "services:\n  api:\n    build:\n      context: ..\n      dockerfile: Dockerfile\n",
        "docs/content/files/compose.nginx.yaml": "services:\n  nginx:\n    image: nginx:1.27\n"
                                                 "    volumes:\n      - ./nginx.conf:/etc/nginx/nginx.conf:ro\n",
    })
    (tmp_path / "test/unix-socket").mkdir(parents=True)
    (tmp_path / "test/unix-socket/Dockerfile.unix-socket").write_text("FROM debian:bookworm-slim\nCMD [\"/app\"]\n")
    (tmp_path / "docker-compose.unix-socket.yml").write_text(
        "services:\n  app:\n    build:\n      context: .\n      dockerfile: test/unix-socket/Dockerfile.unix-socket\n"
        "    environment:\n      APP_SECRET: 7f9c2ba4e88f827d616045507605853e\n"
    )
    got = _scopes(tmp_path)
    assert got["docker-compose.yml"] == ("dev", "only builds development or test images (Dockerfile-devel)")
    assert got["docker-compose.unix-socket.yml"][0] == "dev"  # its only image lives in a test folder
    assert got["docs/content/files/compose.nginx.yaml"] == ("dev", "in folder docs/")
    assert got["deploy/compose.yaml"][0] == "deploy"  # builds the real Dockerfile
    found = lint(tmp_path, ["VW309", "VW405", "VW204"])
    # the nix-shell box starts no app (no VW309), the stack is dev (no VW405), the docs snippet's missing
    # nginx.conf is supplied by its reader (a note)
    assert [(f.rule_id, f.effective_level.value) for f in found] == [("VW204", "note")]


def test_stack_building_a_deploy_image_stays_deploy(tmp_path: Path) -> None:
    write(tmp_path, {
        "Cargo.toml": CARGO,
        "src/main.rs": "fn main() {}\n",
        "compose.yaml": "services:\n  api:\n    build: .\n  tools:\n    build:\n      context: .\n"
                        "      dockerfile: dev.Dockerfile\n",
        "Dockerfile": RUST_IMAGE,
        "dev.Dockerfile": "FROM rust:1.80\nWORKDIR /src\n",
    })
    assert _scopes(tmp_path)["compose.yaml"] == ("deploy", "compose project")


def test_image_shipping_a_prebuilt_repo_binary_is_not_aux(tmp_path: Path) -> None:
    shipped = (
        "FROM bitnami/minideb:bookworm\nARG TARGETARCH\nWORKDIR /app\nCOPY target_${TARGETARCH}/shop-api /app/shop-api\n"
        "RUN install_packages ca-certificates curl\nENTRYPOINT [\"/app/shop-api\"]\n"
    )
    write(tmp_path, {
        "Cargo.toml": CARGO,
        "src/main.rs": "fn main() {}\n",
        "Dockerfile": shipped,
        "proxy/Dockerfile": "FROM bitnami/nginx:1.27\nCOPY nginx.conf /opt/bitnami/nginx/conf/\n",
    })
    got = _scopes(tmp_path)
    assert got["Dockerfile"][0] == "deploy"
    assert got["proxy/Dockerfile"][0] == "aux"
    assert [f.rule_id for f in lint(tmp_path, ["VW401"])] == ["VW401"]


RELEASE_WORKFLOW = """name: release
on:
  push:
    tags: ["v*"]
jobs:
  docker:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Build and push
        uses: docker/build-push-action@v6
        with:
          context: .
          file: ./Dockerfile.kafka
          push: true
          tags: shop/shop-api:kafka
"""


def test_image_a_release_workflow_pushes_is_deploy_although_test_compose_builds_it(tmp_path: Path) -> None:
    test_compose = "services:\n  api:\n    build:\n      context: .\n      dockerfile: Dockerfile.kafka\n"
    write(tmp_path, {
        "Cargo.toml": CARGO,
        "src/main.rs": "fn main() {}\n",
        "docker-compose-test.yaml": test_compose,
        "Dockerfile.kafka": RUST_IMAGE,
        ".github/workflows/release.yml": RELEASE_WORKFLOW,
    })
    got = _scopes(tmp_path)
    assert got["Dockerfile.kafka"] == ("deploy", "built and pushed by .github/workflows/release.yml:10")
    assert [f.rule_id for f in lint(tmp_path, ["VW401"])] == ["VW401"]
    # only built in CI (no push), or pushed by a workflow named for tests: the test compose decides
    for name, text in (
        ("release.yml", RELEASE_WORKFLOW.replace("push: true", "push: false")),
        ("test-images.yml", RELEASE_WORKFLOW.replace("name: release", "name: test images")),
    ):
        (tmp_path / ".github/workflows/release.yml").unlink(missing_ok=True)
        write(tmp_path, {f".github/workflows/{name}": text})
        assert _scopes(tmp_path)["Dockerfile.kafka"][0] == "test", name
        assert lint(tmp_path, ["VW401"]) == []
        (tmp_path / f".github/workflows/{name}").unlink()


def test_released_dockerfile_with_an_unusual_name_is_linted_as_deploy(tmp_path: Path) -> None:
    # the release workflow (which GitHub runs
    # even with a tab inside `${{ }}`, where a YAML parser gives up) names it and pushes it
    release = (
        "FROM alpine AS builder\nARG VER\nRUN wget https://example.com/shop-api-${VER}.tar.gz && "
        "tar -xf shop-api-${VER}.tar.gz && mv shop-api /bin/\n"
        "FROM scratch\nCOPY --from=builder /bin/shop-api /bin/shop-api\nENTRYPOINT [\"/bin/shop-api\"]\n"
    )
    workflow = RELEASE_WORKFLOW.replace("          context: .\n", "").replace("./Dockerfile.kafka", "Dockerfile-release")
    workflow = workflow.replace("tags: shop/shop-api:kafka", "tags: ${{ github.repository_owner\t}}/shop-api")
    write(tmp_path, {
        "Cargo.toml": CARGO,
        "src/main.rs": "fn main() {}\n",
        "Dockerfile-release": release,
        "Dockerfile-notes": "Notes on building the images\n\nFROM scratch keeps them small.\n",  # prose: not one
        ".github/workflows/release.yml": workflow,
    })
    got = _scopes(tmp_path)
    assert got["Dockerfile-release"][0] == "deploy"
    assert "Dockerfile-notes" not in got
    assert where(lint(tmp_path, ["VW401"]), tmp_path) == [("VW401", "Dockerfile-release", 4)]


def test_toolchain_container_started_by_hand_is_a_dev_stack(tmp_path: Path) -> None:
    dockerfile = (
        "FROM rust:1.82 AS development\nWORKDIR /app\nCOPY . .\n"
        "FROM rust:1.82\nRUN cargo install sqlx-cli\n"
    )
    compose = (
        "services:\n  app:\n    build:\n      context: .\n      target: development\n"
        "    volumes:\n      - ./src:/app/src\n    stdin_open: true\n    tty: true\n"
        "  db:\n    image: postgres:16\n    ports:\n      - \"5432:5432\"\n"
    )
    write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": dockerfile,
                     "compose.yaml": compose})
    scope, reason = _scopes(tmp_path)["compose.yaml"]
    assert scope == "dev"
    assert reason == "builds stage `development` of rust:1.82 that runs no program of its own, with ./src bind-mounted"
    assert lint(tmp_path, ["VW405"]) == []
    # the same stage with a program to run (its own CMD, or the service's command) ships
    for variant in (
        dockerfile.replace("COPY . .\n", "COPY . .\nCMD [\"./start.sh\"]\n", 1),
        dockerfile.replace("WORKDIR /app", "WORKDIR /app\nENTRYPOINT [\"/app/shop-api\"]", 1),
    ):
        write(tmp_path, {"Dockerfile": variant})
        assert _scopes(tmp_path)["compose.yaml"] == ("deploy", "compose project")
    write(tmp_path, {"Dockerfile": dockerfile,
                     "compose.yaml": compose.replace("    tty: true\n", "    tty: true\n    command: [\"shop-api\"]\n")})
    assert _scopes(tmp_path)["compose.yaml"] == ("deploy", "compose project")
    assert [f.rule_id for f in lint(tmp_path, ["VW405"])] == ["VW405"]


PER_ARCH = (
    "FROM {base} AS builder-amd64\nCOPY ./target/x86_64-unknown-linux-musl/release/shop-api /shop-api\n"
    "FROM {base} AS builder-arm64\nCOPY ./target/aarch64-unknown-linux-musl/release/shop-api /shop-api\n"
    "ARG TARGETARCH\nFROM builder-$TARGETARCH\nENTRYPOINT [\"/shop-api\"]\n"
)


def test_stage_picked_by_targetarch_is_resolved_when_every_candidate_agrees(tmp_path: Path) -> None:
    from viworks_lint.parsers.dockerparse import parse_dockerfile

    write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n",
                     "Containerfile.scratch": PER_ARCH.format(base="scratch")})
    df = parse_dockerfile(tmp_path / "Containerfile.scratch")
    final = df.stages[-1]
    assert (final.parent, final.alternatives, df.root_base(final)) == (0, (0, 1), "scratch")
    # the image ships the repository's binary: root is certain, so a warning (was a note)
    found = lint(tmp_path, ["VW401"])
    assert [(f.rule_id, f.level) for f in found] == [("VW401", Level.WARNING)]
    assert "FROM builder-$TARGETARCH" in found[0].message


def test_stage_picked_by_targetarch_stays_unresolved_when_candidates_differ(tmp_path: Path) -> None:
    from viworks_lint.parsers.dockerparse import parse_dockerfile

    differ = PER_ARCH.format(base="alpine").replace(
        "FROM alpine AS builder-arm64\n", "FROM alpine AS builder-arm64\nUSER 1000\n"
    )
    other = PER_ARCH.format(base="scratch").replace("FROM scratch AS builder-arm64", "FROM alpine AS builder-arm64")
    user_arg = PER_ARCH.format(base="scratch").replace("$TARGETARCH", "$FLAVOUR")
    for text in (differ, other, user_arg):
        write(tmp_path, {"Containerfile": text})
        final = parse_dockerfile(tmp_path / "Containerfile").stages[-1]
        assert (final.parent, final.alternatives) == (None, ()), text


def test_image_a_script_builds_and_pushes_is_deploy(tmp_path: Path) -> None:
    script = (
        "#!/bin/sh\nset -e\ndocker build -f docker/Dockerfile.api \\\n  -t registry.example.com/shop-api:$TAG .\n"
        "docker push registry.example.com/shop-api:$TAG\n"
    )
    test_compose = "services:\n  api:\n    build:\n      context: .\n      dockerfile: docker/Dockerfile.api\n"
    write(tmp_path, {
        "Cargo.toml": CARGO,
        "src/main.rs": "fn main() {}\n",
        "tests/compose.yaml": test_compose.replace("context: .", "context: .."),
        "docker/Dockerfile.api": RUST_IMAGE,
        "scripts/publish.sh": script,
    })
    assert _scopes(tmp_path)["docker/Dockerfile.api"] == ("deploy", "built and pushed by scripts/publish.sh:3")
    write(tmp_path, {"scripts/publish.sh": script.replace("docker push", "docker run")})  # built, not pushed
    assert _scopes(tmp_path)["docker/Dockerfile.api"][0] == "test"


def test_toolchain_image_that_installs_a_file_watcher_with_the_source_mounted_is_dev(tmp_path: Path) -> None:
    """The image installs cargo-watch and starts through a script the compose file does not show; the source is
    bind-mounted over its copy: a development stack. Without the mount, the same image is what ships."""
    dockerfile = ("FROM rust:1.80-slim\nRUN cargo install cargo-watch\nCOPY ./app /usr/src/app\nCOPY start.sh /start.sh\n"
                  "WORKDIR /usr/src/app\nCMD [\"bash\", \"/start.sh\"]\n")
    write(tmp_path, {
        "app/Cargo.toml": CARGO,
        "app/src/main.rs": "fn main() {}\n",
        "Dockerfile": dockerfile,
        "start.sh": "#!/bin/bash\ncargo watch -x run\n",
        "docker-compose.yml": "services:\n  api:\n    build: .\n    volumes:\n      - ./app/:/usr/src/app\n",
        "prod/Dockerfile": dockerfile,
        "prod/app/Cargo.toml": CARGO,
        "prod/app/src/main.rs": "fn main() {}\n",
        "prod/start.sh": "#!/bin/bash\nexec cargo run --release\n",
        "prod/docker-compose.yml": "services:\n  api:\n    build: .\n",
    })
    got = _scopes(tmp_path)
    assert got["docker-compose.yml"] == ("dev", "its image installs cargo-watch and ./app/ is bind-mounted over the source")
    assert got["prod/docker-compose.yml"][0] == "deploy"


def test_file_watcher_installed_only_for_a_dev_build_argument_does_not_make_the_stack_dev(tmp_path: Path) -> None:
    dockerfile = ("FROM rust:1.80-slim\nARG BUILD_ENV=prod\n"
                  "RUN if [ \"$BUILD_ENV\" = \"dev\" ]; then cargo install cargo-watch; fi\n"
                  "COPY . /app\nWORKDIR /app\nCMD [\"bash\", \"/app/start.sh\"]\n")
    write(tmp_path, {
        "api/Cargo.toml": CARGO,
        "api/src/main.rs": "fn main() {}\n",
        "api/Dockerfile": dockerfile,
        "docker-compose.yml": "services:\n  api:\n    build: ./api\n    volumes:\n      - ./api:/app\n",
    })
    assert _scopes(tmp_path)["docker-compose.yml"][0] == "deploy"


def test_bake_graph_step_from_a_named_context_is_toolchain(tmp_path: Path) -> None:
    """`FROM input`, where a bake file passes `input` in as a context: a compile/test step of the build graph,
    not an image anyone runs. The same Dockerfile with a program of its own is still checked."""
    step = "FROM input AS cargo\nWORKDIR /src\nCOPY . .\nRUN cargo build --release && cargo test\n"
    bake = ('target "cargo" {\n  dockerfile = "docker/Dockerfile.cargo"\n  contexts = {\n'
            '    input = "target:rust"\n  }\n}\n')
    write(tmp_path, {
        "Cargo.toml": CARGO,
        "src/main.rs": "fn main() {}\n",
        "docker/bake.hcl": bake,
        "docker/Dockerfile.cargo": step,
        "docker/Dockerfile.run": step + "CMD [\"/src/target/release/app\"]\n",
    })
    got = _scopes(tmp_path)
    assert got["docker/Dockerfile.cargo"][0] == "toolchain"
    assert "bake build context" in got["docker/Dockerfile.cargo"][1]
    assert got["docker/Dockerfile.run"][0] == "deploy"
    assert where(lint(tmp_path, ["VW401"]), tmp_path) == [("VW401", "docker/Dockerfile.run", 1)]


def test_files_a_compose_file_extends_are_fragments_not_projects(tmp_path: Path) -> None:
    """`extends: {file: docker-compose.${MODE:-build}.yml}`: both candidate files are parts of the main project,
    whose variables come from its own env file; neither is linted as a project of its own."""
    write(tmp_path, {
        "docker-compose.yml": "services:\n  api:\n    extends:\n      file: docker-compose.${MODE:-build}.yml\n"
                              "      service: api\n",
        "docker-compose.build.yml": "services:\n  api:\n    image: acme/api:${TAG}\n",
        "docker-compose.ecr.yml": "services:\n  api:\n    image: ${ECR_URL}/api:${TAG}\n",
        ".env": "TAG=1.0\n",
    })
    got = _scopes(tmp_path)
    assert "docker-compose.ecr.yml" not in got and "docker-compose.build.yml" not in got
    assert lint(tmp_path, ["VW202"]) == []


DRONE = """kind: pipeline
name: default
steps:
  - name: test
    image: rust:1.80
    commands:
      - cargo test
---
kind: pipeline
name: release
steps:
  - name: publish
    image: plugins/docker
    settings:
      repo: shop/shop-api
      dockerfile: Dockerfile.kafka
"""


def test_image_a_drone_pipeline_pushes_is_deploy_although_test_compose_builds_it(tmp_path: Path) -> None:
    """Drone's `plugins/docker` step builds `dockerfile` and pushes `repo` (the older `pipeline:` map, with a
    step name given twice, as well): the image ships."""
    test_compose = "services:\n  api:\n    build:\n      context: .\n      dockerfile: Dockerfile.kafka\n"
    write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "docker-compose-test.yaml": test_compose,
                     "Dockerfile.kafka": RUST_IMAGE, ".drone.yml": DRONE})
    assert _scopes(tmp_path)["Dockerfile.kafka"] == ("deploy", "built and pushed by .drone.yml:12")
    # a separator with a comment, and the plugin named with its registry and a tag
    write(tmp_path, {".drone.yml": DRONE.replace("---\n", "--- # release\n").replace(
        "image: plugins/docker", "image: docker.io/plugins/docker:20")})
    assert _scopes(tmp_path)["Dockerfile.kafka"] == ("deploy", "built and pushed by .drone.yml:12")
    old = ("pipeline:\n  build:\n    image: rust:1.80\n    commands: [cargo build]\n  build:\n    image: rust:1.80\n"
           "    commands: [cargo build --release]\n  package:\n    image: plugins/docker\n    repo: shop/shop-api\n"
           "    dockerfile: Dockerfile.kafka\n")
    write(tmp_path, {".drone.yml": old})
    assert _scopes(tmp_path)["Dockerfile.kafka"] == ("deploy", "built and pushed by .drone.yml:9")
    write(tmp_path, {".drone.yml": old.replace("    dockerfile: Dockerfile.kafka\n", "    dry_run: true\n"
                                                "    dockerfile: Dockerfile.kafka\n")})
    assert _scopes(tmp_path)["Dockerfile.kafka"][0] == "test"


def test_text_output_names_the_compose_files_judged_not_deployed(tmp_path: Path) -> None:
    write(tmp_path, {
        "Cargo.toml": CARGO,
        "src/main.rs": "fn main() {}\n",
        "compose.yaml": "services:\n  api:\n    build: .\n",
        "docker-compose.dev.yml": "services:\n  api:\n    build: .\n    ports:\n      - \"5432:5432\"\n",
        "Dockerfile": RUST_IMAGE,
    })
    cache = tmp_path.parent / f"{tmp_path.name}-cache"
    outputs = []
    for _ in range(2):  # a cold run and a run answered from the cache say the same
        result = CliRunner().invoke(cli, [str(tmp_path), "--cache-dir", str(cache), "--exit-zero"])
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    assert outputs[0] == outputs[1]
    tail = outputs[0].split("\n\n")[-1].splitlines()
    assert tail[1].startswith("Judged not deployed, so the hardening rules (VW4xx) skip them")
    assert tail[2:] == ["  docker-compose.dev.yml: dev, named docker-compose.dev.yml"]
    # a project whose compose files all ship says nothing of the kind
    (tmp_path / "docker-compose.dev.yml").unlink()
    assert "Judged not deployed" not in CliRunner().invoke(cli, [str(tmp_path), "--no-cache"]).output
