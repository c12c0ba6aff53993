"""The file-level seed rules: positive, negative and every "stays silent for" case."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import FIXTURES, lint, where, write

RUST_MAIN = 'fn main() {\n    println!("hi");\n}\n'


def _pkg(name: str = "app", extra: str = "") -> str:
    return f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n{extra}'


# ---------------------------------------------------------------- VW101 cargo-target-missing


def test_vw101_explicit_bin_path_missing(tmp_path: Path) -> None:
    write(tmp_path, {
        "Cargo.toml": _pkg(extra='\n[[bin]]\nname = "app"\npath = "src/main.rs"\n\n'
                                  '[[bin]]\nname = "test-minimal"\npath = "test_minimal.rs"\n'),
        "src/main.rs": RUST_MAIN,
    })
    findings = lint(tmp_path, ["VW101"])
    assert where(findings, tmp_path) == [("VW101", "Cargo.toml", 12)]
    f = findings[0]
    assert (f.location.col, f.location.end_col) == (8, 25)
    assert "test_minimal.rs" in f.message and "test-minimal" in f.message


def test_vw101_inferred_targets_missing(tmp_path: Path) -> None:
    write(tmp_path, {
        "Cargo.toml": _pkg(extra='\n[[bin]]\nname = "migrate"\n\n[[example]]\nname = "demo"\n\n'
                                  '[[test]]\nname = "api"\n\n[[bench]]\nname = "speed"\n\n[lib]\nname = "core"\n'),
        "src/main.rs": RUST_MAIN,
    })
    found = where(lint(tmp_path, ["VW101"]), tmp_path)
    assert found == [("VW101", "Cargo.toml", n) for n in (7, 10, 13, 16, 18)]


def test_vw101_build_script_missing(tmp_path: Path) -> None:
    write(tmp_path, {"Cargo.toml": _pkg(extra='build = "build/main.rs"\n'), "src/main.rs": RUST_MAIN})
    assert where(lint(tmp_path, ["VW101"]), tmp_path) == [("VW101", "Cargo.toml", 5)]


def test_vw101_silent_for_existing_inferred_and_auto_targets(tmp_path: Path) -> None:
    write(tmp_path, {
        "Cargo.toml": _pkg(extra='autobins = false\n\n[[bin]]\nname = "migrate"\n\n[[bin]]\nname = "worker"\n\n'
                                  '[[example]]\nname = "demo"\n'),
        "src/main.rs": RUST_MAIN,
        "src/lib.rs": "",
        "src/bin/migrate.rs": RUST_MAIN,
        "src/bin/worker/main.rs": RUST_MAIN,
        "src/bin/unlisted.rs": RUST_MAIN,  # autobins = false: not a target, not an error
        "examples/demo.rs": RUST_MAIN,
        "tests/smoke.rs": "",
        "build.rs": RUST_MAIN,
    })
    assert lint(tmp_path, ["VW101"]) == []


def test_vw101_workspace_member_paths_resolve_from_member(tmp_path: Path) -> None:
    write(tmp_path, {
        "Cargo.toml": '[workspace]\nmembers = ["crates/*"]\nresolver = "2"\n',
        "crates/api/Cargo.toml": _pkg("api", '\n[[bin]]\nname = "api-server"\npath = "src/server.rs"\n'),
        "crates/api/src/server.rs": RUST_MAIN,
        "crates/worker/Cargo.toml": _pkg("worker", '\n[[bin]]\nname = "worker"\npath = "src/gone.rs"\n'),
        "crates/worker/src/main.rs": RUST_MAIN,
    })
    assert where(lint(tmp_path, ["VW101"]), tmp_path) == [("VW101", "crates/worker/Cargo.toml", 8)]


# ---------------------------------------------------------------- VW102 copy-source-missing

COMPOSE_CTX = """services:
  api:
    build:
      context: ./backend
      dockerfile: ../docker/Dockerfile.api
"""


def test_vw102_context_from_compose_not_dockerfile_dir(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": COMPOSE_CTX,
        "backend/Cargo.toml": _pkg(),
        "backend/src/main.rs": RUST_MAIN,
        "docker/Cargo.toml.bak": "",
        "docker/Dockerfile.api": "FROM rust:1.83 AS build\nWORKDIR /app\nCOPY Cargo.toml ./\nCOPY src ./src\n"
                                 "COPY test_minimal.rs ./\nRUN cargo build --release\n",
    })
    findings = lint(tmp_path, ["VW102"])
    assert where(findings, tmp_path) == [("VW102", "docker/Dockerfile.api", 5)]
    f = findings[0]
    assert (f.location.col, f.location.end_col) == (6, 21)
    assert f.related and f.related[0].location.path == tmp_path / "compose.yaml"
    assert "backend" in f.message


def test_vw102_wildcards_args_multi_source_and_escape(tmp_path: Path) -> None:
    write(tmp_path, {
        "Dockerfile": "ARG APP=server\nFROM debian:bookworm-slim\nARG APP\nENV CONF_DIR=conf\n"
                      "COPY *.toml $CONF_DIR/ /etc/app/\n"  # both exist
                      "COPY ${APP}.yaml missing-*.txt /etc/app/\n"  # empty glob beside a source: BuildKit is fine
                      "COPY ../secrets/key.pem /etc/\n"  # BuildKit reads `secrets/key.pem`, which is missing
                      "COPY [\"conf/a b.ini\", \"/etc/app/\"]\n",
        "app.toml": "",
        "conf/base.ini": "",
        "conf/a b.ini": "",
        "server.yaml": "",
    })
    findings = lint(tmp_path, ["VW102"])
    assert where(findings, tmp_path) == [("VW102", "Dockerfile", 7)]
    assert "BuildKit reads as `secrets/key.pem`" in findings[0].message


def test_vw102_silent_cases(tmp_path: Path) -> None:
    write(tmp_path, {
        ".gitignore": "dist/\n",
        "Dockerfile": "FROM rust:1.83 AS builder\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
                      "FROM golang:1.22 AS tools\n"
                      "FROM debian:bookworm-slim AS dev\nCOPY dev-only.sh /\n"  # stage not built: no claim
                      "FROM debian:bookworm-slim\n"
                      "COPY --from=builder /src/target/release/app /usr/local/bin/app\n"
                      "COPY --from=alpine:3.20 /etc/os-release /tmp/\n"
                      "ADD https://example.com/archive.tar.gz /tmp/\n"
                      "COPY <<EOF /etc/motd\nhello\nEOF\n"
                      "ARG PROFILE\nCOPY build/${PROFILE}/app.bin /opt/\n"  # unknown build arg: no claim
                      "COPY .hidden-config /etc/\n",
        ".hidden-config": "",
        "Cargo.toml": _pkg(),
        "src/main.rs": RUST_MAIN,
    })
    assert lint(tmp_path, ["VW102"]) == []


def test_vw102_gitignored_build_output_is_a_note(tmp_path: Path) -> None:
    write(tmp_path, {
        ".gitignore": "/target\nartifacts/\n",
        "Dockerfile": "FROM debian:bookworm-slim\nCOPY target/release/app /usr/local/bin/app\n"
                      "COPY artifacts/ /opt/\nCOPY config.toml /etc/\n",
    })
    findings = lint(tmp_path, ["VW102"])
    levels = [(f.location.line, f.effective_level.value) for f in findings]
    assert levels == [(2, "note"), (3, "note"), (4, "error")]


def test_vw102_gitignored_cargo_lock_is_an_error_unless_a_step_makes_it(tmp_path: Path) -> None:
    dockerfile = ("FROM rust:1.80 AS build\nWORKDIR /app\nCOPY Cargo.toml Cargo.lock ./\nCOPY src src\n"
                  "RUN cargo build --release\n")
    write(tmp_path, {
        "api/.gitignore": "/target\nCargo.lock\n",
        "api/Cargo.toml": _pkg("api"),
        "api/src/main.rs": RUST_MAIN,
        "api/Dockerfile": dockerfile,
        # the same, but the Makefile that builds the image makes the lock file first
        "web/.gitignore": "/target\nCargo.lock\n",
        "web/Cargo.toml": _pkg("web"),
        "web/src/main.rs": RUST_MAIN,
        "web/Dockerfile": dockerfile,
        "web/Makefile": "image:\n\tcargo generate-lockfile\n\tdocker build -t web .\n",
    })
    findings = lint(tmp_path, ["VW102"])
    got = [(where([f], tmp_path)[0][1], f.effective_level.value) for f in findings]
    assert ("api/Dockerfile", "error") in got
    assert "commit `Cargo.lock`" in findings[0].message
    assert ("web/Dockerfile", "error") not in got


# ---------------------------------------------------------------- VW301


def test_vw301_compose_and_dockerfile(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    build: .\n    healthcheck:\n"
                        "      test: [\"CMD\", \"/app\", \"health\"]\n      interval: 5s\n"
                        "  db:\n    image: postgres:16\n    healthcheck:\n      test: [\"CMD\", \"pg_isready\"]\n"
                        "      start_period: 20s\n"
                        "  cache:\n    image: redis:7\n    healthcheck:\n      disable: true\n"
                        "  worker:\n    image: worker\n    healthcheck:\n      test: [\"NONE\"]\n",
        "Dockerfile": "FROM debian:bookworm-slim\nHEALTHCHECK CMD [\"/app\", \"health\"]\nCMD [\"/app\"]\n",
        "other/Dockerfile": "FROM debian:bookworm-slim\nHEALTHCHECK NONE\nCMD [\"/app\"]\n",
    })
    assert where(lint(tmp_path, ["VW301"]), tmp_path) == [("VW301", "Dockerfile", 2), ("VW301", "compose.yaml", 4)]


def test_vw301_compose_inherits_image_start_period(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    build: .\n    healthcheck:\n      interval: 5s\n",
        "Dockerfile": "FROM debian:bookworm-slim\nHEALTHCHECK --start-period=30s CMD [\"/app\", \"health\"]\n",
    })
    assert lint(tmp_path, ["VW301"]) == []


def test_vw301_dockerfile_silent_when_every_service_sets_start_period(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    build: .\n    healthcheck:\n      start_period: 40s\n",
        "Dockerfile": "FROM debian:bookworm-slim\nHEALTHCHECK CMD [\"/app\", \"health\"]\n",
    })
    assert lint(tmp_path, ["VW301"]) == []


# ---------------------------------------------------------------- VW401 / VW402


def test_vw401_positive_and_user_root(tmp_path: Path) -> None:
    write(tmp_path, {
        "a/Dockerfile": "FROM debian:bookworm-slim\nCMD [\"/app\"]\n",
        "b/Dockerfile": "FROM debian:bookworm-slim\nUSER app\nUSER root\nCMD [\"/app\"]\n",
    })
    assert where(lint(tmp_path, ["VW401"]), tmp_path) == [("VW401", "a/Dockerfile", 1), ("VW401", "b/Dockerfile", 3)]


def test_vw401_silent_cases(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    build: ./api\n    user: \"10001:10001\"\n"
                        "  db:\n    image: postgres:16\n",  # image-only: no claim
        "api/Dockerfile": "FROM debian:bookworm-slim\nCMD [\"/app\"]\n",
        "distroless/Dockerfile": "FROM gcr.io/distroless/cc-debian12:nonroot\nCMD [\"/app\"]\n",
        "chainguard/Dockerfile": "FROM cgr.dev/chainguard/static:latest\nCMD [\"/app\"]\n",
        "nginx/Dockerfile": "FROM nginxinc/nginx-unprivileged:1.27\nCOPY nginx.conf /etc/nginx/\n",
        "nginx/nginx.conf": "",
        "inherit/Dockerfile": "FROM debian:bookworm-slim AS base\nRUN useradd app\nUSER app\n"
                              "FROM base AS final\nCMD [\"/app\"]\n",
    })
    assert lint(tmp_path, ["VW401"]) == []


def test_vw402_positive_and_silent(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    build: ./api\n  web:\n    build: ./web\n    init: true\n"
                        "  db:\n    image: postgres:16\n",
        "api/Dockerfile": "FROM debian:bookworm-slim\nENTRYPOINT [\"/usr/local/bin/api\"]\n",
        "web/Dockerfile": "FROM debian:bookworm-slim\nCMD [\"/usr/local/bin/web\"]\n",
        "tini/Dockerfile": "FROM debian:bookworm-slim\nENTRYPOINT [\"/usr/bin/tini\", \"--\"]\nCMD [\"/app\"]\n",
        "dumb/Dockerfile": "FROM debian:bookworm-slim\nENTRYPOINT [\"dumb-init\", \"/app\"]\n",
        "inherits-cmd/Dockerfile": "FROM postgres:16\nCOPY init.sql /docker-entrypoint-initdb.d/\n",
        "inherits-cmd/init.sql": "",
        "s6/Dockerfile": "FROM lsiobase/alpine:3.20\nCMD [\"/app\"]\n",
    })
    assert where(lint(tmp_path, ["VW402"]), tmp_path) == [("VW402", "api/Dockerfile", 2)]


# ---------------------------------------------------------------- demo project


def test_demo_broken_finds_every_seed_defect() -> None:
    root = FIXTURES / "demo" / "broken"
    seeds = ["VW101", "VW102", "VW201", "VW301", "VW302", "VW401", "VW402"]
    assert where(lint(root, seeds), root) == [
        ("VW101", "backend/Cargo.toml", 13),
        ("VW102", "infrastructure/docker/Dockerfile.backend", 10),
        ("VW201", "backend/src/config.rs", 17),
        ("VW301", "compose.yaml", 46),
        ("VW302", "compose.yaml", 47),
        ("VW401", "infrastructure/docker/Dockerfile.backend", 13),
        ("VW402", "infrastructure/docker/Dockerfile.backend", 18),
    ]


def test_demo_fixed_is_clean() -> None:
    root = FIXTURES / "demo" / "fixed"
    assert lint(root) == []


def test_vw102_standalone_dockerfile_in_subdir_uses_the_context_its_sources_live_in(tmp_path: Path) -> None:
    # built in CI as `docker build -f docker/Dockerfile .`: the sources are at the root, one is missing
    write(tmp_path, {
        "docker/Dockerfile": "FROM rust:1.83\nWORKDIR /app\nCOPY Cargo.toml Cargo.lock ./\nCOPY src ./src\n"
                             "COPY migrations ./migrations\nRUN cargo build --release\n",
        "Cargo.toml": _pkg(),
        "Cargo.lock": "version = 3\n",
        "src/main.rs": RUST_MAIN,
    })
    findings = lint(tmp_path, ["VW102"])
    assert where(findings, tmp_path) == [("VW102", "docker/Dockerfile", 5)]
    assert "migrations" in findings[0].message


def test_standalone_compose_variants_are_linted_overlays_are_not(tmp_path: Path) -> None:
    write(tmp_path, {
        "docker-compose.yml": "services:\n  api:\n    image: api:1\n",
        "docker-compose.prod.yml": "services:\n  api:\n    image: api:1\n    healthcheck:\n"
                                   "      test: [\"CMD\", \"true\"]\n",  # complete: linted on its own
        "docker-compose.ci.yml": "services:\n  api:\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n",  # overlay
    })
    assert where(lint(tmp_path, ["VW301"]), tmp_path) == [("VW301", "docker-compose.prod.yml", 4)]


def test_discovery_dockerfile_names() -> None:
    from viworks_lint.discover import is_dockerfile_name

    for name in ("Dockerfile", "dockerfile", "Dockerfile.backend", "Dockerfile.prod", "api.Dockerfile", "x.dockerfile"):
        assert is_dockerfile_name(name), name
    for name in ("dockerfile.py", "Dockerfile.j2", "Dockerfile.md", "Dockerfile.dockerignore", "Dockerfile.rs",
                 "Dockerfile.template", "Dockerfiles", "docker-compose.yml"):
        assert not is_dockerfile_name(name), name


def test_discovery_dockerfile_like_names_are_read(tmp_path: Path) -> None:
    """`Dockerfile_meta`, `Dockerfile-release`, `api-dockerfile` are Dockerfiles when their text is one."""
    write(tmp_path, {
        "docker/Dockerfile_meta": "# syntax=docker/dockerfile:1\n\nARG BASE=debian:bookworm-slim\nFROM ${BASE}\n"
                                  "COPY meta-server /usr/bin/\n",
        "Dockerfile-release": "FROM scratch\nCOPY app /app\n",
        "api-dockerfile": "FROM alpine:3.20\nCOPY api /api\n",
        "Dockerfile-notes": "Notes\n=====\nFROM scratch keeps images small.\n",
        "Dockerfile_v2.md": "FROM scratch\n",
    })
    found = sorted(where(lint(tmp_path, ["VW102"]), tmp_path))
    assert found == [("VW102", "Dockerfile-release", 2), ("VW102", "api-dockerfile", 2),
                     ("VW102", "docker/Dockerfile_meta", 5)]


def test_compose_variant_that_belongs_to_a_file_set_is_not_linted_alone(tmp_path: Path) -> None:
    write(tmp_path, {
        "deploy/docker-compose.infra.yml": "services:\n  db:\n    image: postgres:16\n",
        "deploy/docker-compose.app.yml": "services:\n  api:\n    image: api:1\n    depends_on: [db]\n"
                                         "    healthcheck:\n      test: [\"CMD\", \"true\"]\n",
        "prod.compose.yml": "services:\n  web:\n    image: web:1\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n",
    })
    assert where(lint(tmp_path, ["VW301", "VW306"]), tmp_path) == [("VW301", "prod.compose.yml", 4)]


def test_vw301_zero_start_period_counts_as_none(tmp_path: Path) -> None:
    write(tmp_path, {"compose.yaml": "services:\n  a:\n    image: a:1\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n"
                                     "      start_period: 0s\n"})
    assert where(lint(tmp_path, ["VW301"]), tmp_path) == [("VW301", "compose.yaml", 4)]
