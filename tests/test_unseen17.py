"""Situations read on a seventeenth set of unseen repositories: libssl in a rust slim image, an env template the
README names (`.env.save`), a compose file only `extends` reads, a user an entrypoint script creates before it
drops to it, a Kafka client that reconnects by itself, and a repository that presents itself as a demo."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint, write
from tests.unseen_fixtures import CARGO, got

MAIN = "fn main() {}\n"


def test_vw205_a_rust_slim_image_has_libssl_through_ca_certificates(tmp_path: Path) -> None:
    image = (
        "FROM rust:1.86-slim-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
        "FROM rust:1.86-slim-bookworm\nCOPY --from=build /src/target/release/shop /usr/local/bin/shop\n"
        "USER nobody\nCMD [\"shop\"]\n"
    )
    cargo = CARGO + 'openssl = "0.10"\n'
    root = write(tmp_path, {"Cargo.toml": cargo, "src/main.rs": "use openssl as _;\nfn main() {}\n", "Dockerfile": image})
    assert [f for f in lint(root, ["VW205"]) if "libssl" in f.message] == []
    # debian's slim image has neither ca-certificates nor openssl
    write(root, {"Dockerfile": image.replace("FROM rust:1.86-slim-bookworm\n", "FROM debian:bookworm-slim\n")})
    assert [f.rule_id for f in lint(root, ["VW205"]) if "libssl" in f.message] == ["VW205"]


def test_vw202_a_template_the_readme_names_documents_its_variables(tmp_path: Path) -> None:
    compose = "services:\n  bot:\n    image: acme/bot:1\n    environment:\n      API_BASE: ${API_BASE}\n"
    root = write(tmp_path, {".gitignore": ".env\n", "production/compose.yaml": compose,
                            ".env.save": "API_BASE=https://example.org\n",
                            "README.md": "# Bot\n\n## Deploy\n\n* Make a copy of [.env.save](.env.save)\n"})
    found = lint(root, ["VW202"])
    assert [(f.effective_level.value, ".env.save:1" in f.message) for f in found] == [("note", True)]
    write(root, {"README.md": "# Bot\n\nRun it.\n"})
    assert [f.effective_level.value for f in lint(root, ["VW202"])] == ["warning"]


def test_a_compose_file_only_extends_reads_is_no_project_of_its_own(tmp_path: Path) -> None:
    part = (
        "services:\n  user_db:\n    image: postgres:16\n    volumes:\n      - user_data:/var/lib/postgresql/data\n"
    )
    root_file = (
        "services:\n  user_db:\n    extends:\n      file: ./user/docker-compose.yml\n      service: user_db\n"
        "volumes:\n  user_data:\n"
    )
    root = write(tmp_path, {"docker-compose.yml": root_file, "user/docker-compose.yml": part})
    assert lint(root, ["VW306"]) == []
    # a part a wrapper runs on its own is linted on its own: the volume is undeclared there
    write(root, {"Makefile": "user:\n\tcd user && docker compose up -d\n"})
    assert [f.location.path.parent.name for f in lint(root, ["VW306"])] == ["user"]


def test_vw401_an_entrypoint_script_that_creates_the_user_it_drops_to(tmp_path: Path) -> None:
    script = (
        '#!/bin/sh\nset -e\nadduser --disabled-password --uid "$USER_ID" "app"\nchown -R "$USER_ID" /data\n'
        'exec /bin/su-exec app "$@"\n'
    )
    image = (
        "FROM rust:1.80-alpine AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
        "FROM alpine:3.20\nRUN apk add --no-cache su-exec\nCOPY --from=build /src/target/release/shop /usr/bin/shop\n"
        "COPY --chmod=0555 entry.sh /usr/local/bin/entry.sh\nENTRYPOINT [\"/usr/local/bin/entry.sh\"]\n"
        "CMD [\"/usr/bin/shop\"]\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": image, "entry.sh": script})
    assert lint(root, ["VW401"]) == []
    write(root, {"entry.sh": script.replace('adduser --disabled-password --uid "$USER_ID" "app"\n', "")})
    assert [f.rule_id for f in lint(root, ["VW401"])] == ["VW401"]  # `app` exists nowhere: no drop shown


def test_vw309_librdkafka_reconnects_in_the_background(tmp_path: Path) -> None:
    code = (
        "use rdkafka::config::ClientConfig;\nuse rdkafka::producer::FutureProducer;\n"
        "fn main() {\n    let host = std::env::var(\"KAFKA_HOST\").unwrap();\n"
        "    let _p: FutureProducer = ClientConfig::new().set(\"bootstrap.servers\", &host).create().unwrap();\n}\n"
    )
    compose = (
        "services:\n  ingress:\n    build: .\n    environment:\n      KAFKA_HOST: kafka:9092\n"
        "    depends_on: [kafka]\n  kafka:\n    image: bitnami/kafka:3.7\n"
    )
    from tests.unseen_fixtures import IMAGE

    root = write(tmp_path, {"Cargo.toml": CARGO + 'rdkafka = "0.36"\n', "src/main.rs": code, "Dockerfile": IMAGE,
                            "compose.yaml": compose})
    assert [f.effective_level.value for f in lint(root, ["VW309"])] == ["note"]


def test_hardening_of_a_repository_presented_as_a_demo_is_advice(tmp_path: Path) -> None:
    image = (
        "FROM rust:1.80-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
        "FROM debian:bookworm-slim\nCOPY --from=build /src/target/release/shop /usr/local/bin/shop\n"
        "EXPOSE 8080\nCMD [\"shop\"]\n"
    )
    readme = "# shop\n\nThis is a demo project of how to ship axum in Docker.\n\n## Run\n\n`docker build .`\n"
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": image, "README.md": readme})
    found = lint(root, ["VW401"])
    assert got(found, root) == [("VW401", "Dockerfile", 5, "note")]
    assert 'presents it as "This is a demo"' in found[0].message
    # a demo whose image a workflow pushes is deployed somewhere: a warning
    workflow = (
        "on: push\njobs:\n  img:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: docker/build-push-action@v6\n        with:\n          push: true\n          tags: acme/shop:1\n"
    )
    write(root, {".github/workflows/image.yml": workflow})
    assert got(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 5, "warning")]
    # "the demo" of a real application's README is no demo repository
    (root / ".github/workflows/image.yml").unlink()
    write(root, {"README.md": "# shop\n\nA shop. Try the demo at https://shop.example.\n"})
    assert got(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 5, "warning")]


def test_a_variant_dockerfile_a_bake_target_builds_is_not_retired(tmp_path: Path) -> None:
    debian = (
        "FROM rust:1.80-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
        "FROM debian:bookworm-slim\nCOPY --from=build /src/target/release/shop /usr/local/bin/shop\n"
        "USER nobody\nEXPOSE 8080\nCMD [\"shop\"]\n"
    )
    alpine = (
        "FROM rust:1.80-alpine AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
        "FROM alpine:3.20\nCOPY --from=build /src/target/release/shop /usr/local/bin/shop\nEXPOSE 8080\nCMD [\"shop\"]\n"
    )
    bake = 'target "alpine" {\n  context = "."\n  dockerfile = "docker/Dockerfile.alpine"\n}\n'
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "docker/Dockerfile": debian,
                            "docker/Dockerfile.alpine": alpine, "compose.yaml": "services:\n  api:\n    build:\n"
                            "      context: .\n      dockerfile: docker/Dockerfile\n", "docker-bake.hcl": bake})
    assert got(lint(root, ["VW401"]), root) == [("VW401", "docker/Dockerfile.alpine", 5, "warning")]
    (root / "docker-bake.hcl").unlink()  # nothing builds the variant: the compose-built Dockerfile supersedes it
    assert got(lint(root, ["VW401"]), root) == [("VW401", "docker/Dockerfile.alpine", 5, "note")]


def test_a_compose_file_the_readme_runs_to_install_is_no_dev_stack(tmp_path: Path) -> None:
    from tests.unseen_fixtures import scope_of

    compose = "services:\n  app:\n    image: acme/app:1\n"
    contributing = "# Contributing\n\n## Development setup\n\n```\ndocker compose up -d\n```\n"
    readme = "# App\n\n## Quick Start\n\n```\ndocker compose up -d\n```\n"
    root = write(tmp_path, {"docker-compose.yml": compose, "CONTRIBUTING.md": contributing})
    assert scope_of(root, "docker-compose.yml") == "dev"
    write(root, {"README.md": readme})
    assert scope_of(root, "docker-compose.yml") == "deploy"
    write(root, {"README.md": readme.replace("## Quick Start", "## Local development")})
    assert scope_of(root, "docker-compose.yml") == "dev"


def test_vw207_a_socket_addr_v4_variant_around_a_loopback_address(tmp_path: Path) -> None:
    code = (
        "use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};\nuse actix_web::{App, HttpServer};\n"
        "const PORT: u16 = 8080;\n#[actix_web::main]\nasync fn main() -> std::io::Result<()> {\n"
        "    HttpServer::new(|| App::new())\n"
        "        .bind(SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, PORT)))?\n        .run()\n        .await\n}\n"
    )
    from tests.unseen_fixtures import IMAGE

    compose = "services:\n  web:\n    build: .\n    ports: ['8080:8080']\n"
    root = write(tmp_path, {"Cargo.toml": CARGO + 'actix-web = "4"\n', "src/main.rs": code, "Dockerfile": IMAGE,
                            "compose.yaml": compose})
    assert got(lint(root, ["VW207"]), root) == [("VW207", "src/main.rs", 7, "error")]
    write(root, {"src/main.rs": code.replace("Ipv4Addr::LOCALHOST", "Ipv4Addr::UNSPECIFIED")})
    assert lint(root, ["VW207"]) == []


def test_a_dependency_caching_build_of_a_rewritten_manifest_does_not_hide_the_real_build(tmp_path: Path) -> None:
    image = (
        "FROM rust:1.80-bookworm AS builder\nWORKDIR /shop\nRUN cargo init --bin\nCOPY Cargo.* ./\n"
        "RUN sed -i '/^build/d' Cargo.toml\nRUN cargo build --release\nRUN rm -rf src/\nCOPY ./ ./\n"
        "RUN cargo build --release\n"
        "FROM debian:bookworm-slim\nCOPY --from=builder /shop/target/release/shop /shop\nUSER nobody\nCMD [\"/shop\"]\n"
    )
    from tests.unseen_fixtures import CONNECT

    cargo = CARGO + 'tokio = { version = "1", features = ["full"] }\ntokio-postgres = "0.7"\n'
    compose = (
        "services:\n  shop:\n    build: .\n    environment:\n      DATABASE_URL: postgres://u:p@db/shop\n"
        "  db:\n    image: postgres:16\n"
    )
    root = write(tmp_path, {"Cargo.toml": cargo, "src/main.rs": CONNECT, "Dockerfile": image, "compose.yaml": compose})
    from viworks_lint.config import load_config
    from viworks_lint.crates import built_code
    from viworks_lint.project import Project

    project = Project(root, load_config(root))
    built = built_code(project, project.builds[0])
    assert built.resolved and [m.package_name for m in built.runtime] == ["shop"]
    # without the later `COPY ./ ./`, the rewritten manifest is what builds: no claim on its binaries
    write(root, {"Dockerfile": image.replace("COPY ./ ./\nRUN cargo build --release\n", "")})
    project = Project(root, load_config(root))
    assert not built_code(project, project.builds[0]).resolved


def test_vw104_names_the_dockerfile_path_written_from_the_compose_folder(tmp_path: Path) -> None:
    compose = (
        "services:\n  indexer:\n    build:\n      context: ..\n      dockerfile: ../crates/indexer/Dockerfile\n"
    )
    root = write(tmp_path, {"infra/docker-compose.yaml": compose, "crates/indexer/Dockerfile": "FROM alpine:3.20\n"})
    found = lint(root, ["VW104"])
    assert [f.rule_id for f in found] == ["VW104"]
    assert found[0].message.endswith("write `dockerfile: crates/indexer/Dockerfile`")
    (root / "crates/indexer/Dockerfile").unlink()
    assert "write `dockerfile:" not in lint(root, ["VW104"])[0].message


def test_vw103_a_wildcard_whose_every_match_is_ignored_is_an_empty_wildcard(tmp_path: Path) -> None:
    image = "FROM rust:1.80\nWORKDIR /src\nCOPY Cargo.toml Cargo.lock* ./\nRUN touch Cargo.lock\n"
    root = write(tmp_path, {"Cargo.toml": CARGO, "Cargo.lock": "version = 3\n", ".dockerignore": "Cargo.lock\n",
                            "Dockerfile": image})
    assert [f.effective_level.value for f in lint(root, ["VW103"])] == ["note"]
    write(root, {"Dockerfile": image.replace("Cargo.lock*", "Cargo.lock")})
    assert [f.effective_level.value for f in lint(root, ["VW103"])] == ["error"]
