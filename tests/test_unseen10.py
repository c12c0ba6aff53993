"""Situations read on a tenth set of unseen repositories: a workspace member built from its own folder, and
a stage that rewrites its manifest before it builds."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint, write

MEMBER = '[package]\nname = "backend"\nversion = "0.1.0"\nedition = "2021"\n'


def test_vw110_a_workspace_member_built_from_its_own_folder_is_a_package(tmp_path: Path) -> None:
    image = "FROM rust:1.80\nCOPY . .\nRUN cargo build --release\nCMD [\"/target/release/backend\"]\n"
    root = write(tmp_path, {
        "Cargo.toml": '[workspace]\nmembers = ["backend", "backend/migration"]\n',
        "backend/Cargo.toml": MEMBER, "backend/src/main.rs": "fn main() {}\n",
        "backend/migration/Cargo.toml": MEMBER.replace("backend", "migration"),
        "backend/migration/src/main.rs": "fn main() {}\n",
        "backend/Dockerfile": image,
        "compose.yaml": "services:\n  api:\n    build: ./backend\n",
    })
    assert lint(root, ["VW110"]) == []  # the root workspace is not in the context: cargo builds the package alone
    write(root, {"backend/Cargo.toml": MEMBER.replace('edition = "2021"', "edition.workspace = true")})
    assert [f.rule_id for f in lint(root, ["VW110"])] == []  # inherits: no claim either way (root unseen)


def test_vw106_no_claim_after_a_run_rewrites_the_manifest(tmp_path: Path) -> None:
    sed = "RUN sed -i \"2s/.*/members = [\\\"shared\\\", \\\"leader\\\"]/\" Cargo.toml\n"
    image = (
        "FROM rust:1.80 AS builder\n"
        "RUN mkdir -p shared/src && touch shared/src/lib.rs && mkdir -p leader/src && "
        "echo \"fn main() {}\" > leader/src/main.rs\n"
        "COPY Cargo.toml .\n" + sed +
        "COPY shared/Cargo.toml ./shared/Cargo.toml\nCOPY examples/leader/Cargo.toml ./leader/Cargo.toml\n"
        "RUN cargo build --release --bin leader\n"
        "FROM debian:bookworm-slim\nCOPY --from=builder /target/release/leader /leader\nCMD [\"/leader\"]\n"
    )
    root = write(tmp_path, {
        "Cargo.toml": '[workspace]\nmembers = ["shared"]\nresolver = "2"\n',
        "shared/Cargo.toml": MEMBER.replace("backend", "shared"), "shared/src/lib.rs": "",
        "examples/leader/Cargo.toml": MEMBER.replace("backend", "leader"),
        "examples/leader/src/main.rs": "fn main() {}\n", "examples/leader.Dockerfile": image,
    })
    assert lint(root, ["VW106"]) == []
    assert _manifests_of_runs(root) == [None]  # the stage's manifest is not the repository's: no claim
    write(root, {"examples/leader.Dockerfile": image.replace(sed, "")})
    assert _manifests_of_runs(root) == ["Cargo.toml"]  # without the rewrite, the run reads the root manifest


def _manifests_of_runs(root: Path) -> list[str | None]:
    from viworks_lint.config import load_config
    from viworks_lint.crates import built_code
    from viworks_lint.project import Project

    project = Project(root, load_config(root))
    return [
        project.rel(r.manifest.path) if r.manifest is not None else None
        for b in project.builds
        for r in built_code(project, b).runs
    ]


CARGO = '[package]\nname = "shop"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n'


def test_vw205_trixie_slim_has_libssl(tmp_path: Path) -> None:
    image = (
        "FROM rust:1.90 AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
        "FROM debian:{runtime}\nCOPY --from=build /src/target/release/shop /usr/local/bin/shop\nCMD [\"shop\"]\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO + 'openssl = "0.10"\n', "src/main.rs": "use openssl as _;\nfn main() {}\n",
                            "Dockerfile": image.replace("{runtime}", "trixie-slim")})
    assert [f for f in lint(root, ["VW205"]) if "libssl" in f.message] == []  # APT 3 links OpenSSL
    write(root, {"Dockerfile": image.replace("{runtime}", "bookworm-slim").replace("rust:1.90", "rust:1.80-bookworm")})
    assert [f.rule_id for f in lint(root, ["VW205"]) if "libssl" in f.message] == ["VW205"]


def test_compose_command_scripts_and_cargo_runs(tmp_path: Path) -> None:
    image = (
        "FROM rust:1.80 AS builder\nRUN apt-get update && apt-get install -y postgresql-client\n"
        "RUN cargo +nightly install --target x86_64-unknown-linux-gnu diesel_cli "
        "--features postgres\nWORKDIR /app\nRUN USER=root cargo init --vcs none\nCOPY Cargo.toml ./\n"
        "RUN cargo build --release\nCOPY . ./\nRUN cargo build --release\n"
    )
    compose = (
        "services:\n  web:\n    build: {context: ., target: builder}\n"
        "    command: ./setup-db.sh cargo run --release\n    depends_on: [db]\n    environment:\n"
        "      DATABASE_URL: postgres://app:pw@db/app\n  db:\n    image: postgres:16\n    environment:\n"
        "      POSTGRES_USER: app\n      POSTGRES_PASSWORD: pw\n      POSTGRES_DB: app\n"
    )
    script = "#!/bin/sh\nuntil psql \"$DATABASE_URL\" -c '\\\\q'; do sleep 1; done\ndiesel migration run\nexec \"$@\"\n"
    code = 'fn main() { let _u = std::env::var("DATABASE_URL").unwrap(); }\n'
    root = write(tmp_path, {"Cargo.toml": CARGO + 'tokio-postgres = "0.7"\n', "src/main.rs": code,
                            "Dockerfile": image, "compose.yaml": compose, "setup-db.sh": script})
    (root / "setup-db.sh").chmod(0o755)
    got = [(f.rule_id, f.scope) for f in lint(root) if f.effective_level.value != "note"]
    assert got == []  # no VW110 (`cargo init` made src/), VW209 (`diesel` installed), VW309 (the script waits)
    from viworks_lint.config import load_config
    from viworks_lint.project import Project

    project = Project(root, load_config(root))
    assert project.scope_of(root / "compose.yaml").value == "dev"  # its compose command runs `cargo run`


def test_vw402_tokio_graceful_shutdown_catches_sigterm(tmp_path: Path) -> None:
    code = (
        "use tokio_graceful_shutdown::Toplevel;\n#[tokio::main]\nasync fn main() {\n"
        "    Toplevel::new(|_s| async {}).catch_signals().handle_shutdown_requests(1000).await.unwrap();\n}\n"
    )
    image = (
        "FROM rust:1.80-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
        "FROM debian:bookworm-slim\nCOPY --from=build /src/target/release/shop /usr/local/bin/shop\n"
        "USER nobody\nEXPOSE 8080\nENTRYPOINT [\"shop\"]\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO + 'tokio-graceful-shutdown = "0.15"\ntokio = "1"\n',
                            "src/main.rs": code, "Dockerfile": image})
    assert [f.effective_level.value for f in lint(root, ["VW402"])] == ["note"]
    write(root, {"src/main.rs": code.replace(".catch_signals()", "")})
    assert [f.effective_level.value for f in lint(root, ["VW402"])] == ["warning"]


def test_vw405_a_readme_that_starts_the_infrastructure_for_a_host_run_app(tmp_path: Path) -> None:
    compose = (
        "services:\n  app:\n    build: .\n    environment:\n      DATABASE_URL: postgres://app:pw@db/app\n"
        "  db:\n    image: postgres:16\n    ports: ['5432:5432']\n"  # 7
        "  storage:\n    image: minio/minio\n    command: server /data\n"
    )
    code = (
        "#[tokio::main]\nasync fn main() {\n    let _p = sqlx::PgPool::connect(&std::env::var(\"DATABASE_URL\")"
        ".unwrap()).await.unwrap();\n}\n"
    )
    readme = "## Backend\n\n```sh\ndocker compose up -d db storage\ncargo run\n```\n"
    root = write(tmp_path, {"Cargo.toml": CARGO + 'sqlx = { version = "0.7", features = ["postgres"] }\n',
                            "src/main.rs": code, "compose.yaml": compose, "README.md": readme})
    assert [f.effective_level.value for f in lint(root, ["VW405"])] == ["note"]
    write(root, {"README.md": readme.replace("up -d db storage", "up -d db app")})
    assert [f.effective_level.value for f in lint(root, ["VW405"])] == ["warning"]


def test_vw405_a_quick_start_and_a_later_cargo_run_are_different_sections(tmp_path: Path) -> None:
    compose = (
        "services:\n  api:\n    image: example/api:1\n    environment:\n      DATABASE_URL: postgres://app:pw@db/app\n"
        "    depends_on: [db]\n  db:\n    image: postgres:16\n    ports: ['5432:5432']\n"  # 8
    )
    readme = (
        "# App\n\n## Quick start\n\n```sh\ndocker compose up -d\n```\n\n"
        "## Development\n\n```sh\ncargo run\n```\n"
    )
    root = write(tmp_path, {"compose.yaml": compose, "README.md": readme})
    assert [f.effective_level.value for f in lint(root, ["VW405"])] == ["warning"]  # the quick start runs the app
    write(root, {"README.md": "# App\n\n## Development\n\n```sh\n# the database\ndocker compose up -d db\n"
                              "# the app, on the host\ncargo run\n```\n"})  # shell comments are no headings
    assert [f.effective_level.value for f in lint(root, ["VW405"])] == ["note"]


def test_a_file_the_docs_run_is_not_test_only_because_a_test_script_runs_it(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "docker-compose.full.yml": "services:\n  db:\n    image: postgres:16\n",
        "scripts/test.sh": '#!/bin/sh\nROOT="$(cd "$(dirname "$0")/.." && pwd)"\n'
        'docker compose -f "$ROOT/docker-compose.full.yml" up -d\ncargo test\n',
    })
    from viworks_lint.config import load_config
    from viworks_lint.project import Project

    assert Project(root, load_config(root)).scope_of(root / "docker-compose.full.yml").value == "test"
    write(root, {"docs/deployment.md": "# Deployment\n\n```sh\ndocker-compose -f docker-compose.full.yml up -d\n```\n"})
    assert Project(root, load_config(root)).scope_of(root / "docker-compose.full.yml").value == "deploy"


def test_vw203_a_readme_names_the_root_env_not_a_subfolders(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "compose.yaml": "services:\n  shop:\n    image: example/shop:1\n    env_file: ./shop/.env\n",
        ".gitignore": ".env\n", "README.md": "Create `.env` with your settings.\n",
    })
    assert [f.effective_level.value for f in lint(root, ["VW203"])] == ["error"]
    write(root, {"README.md": "Create `shop/.env` with your settings.\n"})
    assert [f.effective_level.value for f in lint(root, ["VW203"])] == ["note"]


def test_vw106_template_placeholders_are_not_binaries(tmp_path: Path) -> None:
    image = (
        "FROM rust:1.80 AS builder\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\n"
        "FROM debian:bookworm-slim\nCOPY --from=builder /app/target/release/{{project-name}} /app/\n"
        'CMD ["/app/{{project-name}}"]\n'
    )
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": image})
    assert lint(root, ["VW106"]) == []
    write(root, {"Dockerfile": image.replace("{{project-name}}", "old-name")})
    assert [f.rule_id for f in lint(root, ["VW106"])] == ["VW106"]


def test_documented_runs_neither_override_content_nor_come_from_a_tools_readme(tmp_path: Path) -> None:
    from viworks_lint.config import load_config
    from viworks_lint.project import Project

    root = write(tmp_path, {
        "Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n",
        "infra/compose.yaml": "services:\n  db:\n    image: postgres:16\n",
        "infra/test.sh": "#!/bin/sh\ndocker compose -f compose.yaml up -d\ncargo test\n",
        "README.md": "## Run\n\n```sh\ndocker compose -f infra/compose.yaml up -d\ncargo run\n```\n",
        "tools/loader/docker-compose.yml": "services:\n  app:\n    image: example/loader:1\n",
        "tools/loader/e2e.sh": "#!/bin/sh\ndocker compose up -d\n",
        "tools/loader/README.md": "```sh\ndocker compose up -d\n```\n",
    })
    project = Project(root, load_config(root))
    assert project.scope_of(root / "infra/compose.yaml").value == "dev"  # infrastructure only: the app runs on the host
    assert project.scope_of(root / "tools/loader/docker-compose.yml").value == "test"  # e2e.sh; a tool's README


def test_forgejo_and_gitea_workflows_are_ci_wrappers(tmp_path: Path) -> None:
    workflow = (
        "on: push\njobs:\n  image:\n    runs-on: docker\n    steps:\n      - uses: actions/checkout@v4\n"
        "      - run: cargo build --release && cp target/release/shop docker/release/shop\n"
        "      - uses: docker/build-push-action@v5\n        with:\n          context: ./docker/release\n"
        "          push: true\n"
    )
    image = "FROM alpine:3.20\nCOPY shop /usr/local/bin/shop\nUSER nobody\nCMD [\"shop\"]\n"
    for folder in (".forgejo", ".gitea"):
        root = write(tmp_path / folder, {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n",
                                         "docker/release/Dockerfile": image,
                                         f"{folder}/workflows/publish.yaml": workflow})
        found = lint(root, ["VW102"])
        assert [f.effective_level.value for f in found] == ["note"], folder
        assert "which builds this image, produces it on the host first" in found[0].message, folder
    # no workflow builds it: still a note (the image compiles nothing and runs the file), but without a step to name
    root = write(tmp_path / "none", {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n",
                                     "docker/release/Dockerfile": image})
    found = lint(root, ["VW102"])
    assert [f.effective_level.value for f in found] == ["note"]
    assert "the image compiles nothing and runs this file as its program" in found[0].message
