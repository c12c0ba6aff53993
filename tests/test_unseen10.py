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
