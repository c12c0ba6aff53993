"""Fixture text several test modules share: a minimal Rust package, the image that builds it, code that
connects to PostgreSQL at start, and the findings as (rule, path, line, level) tuples."""

from __future__ import annotations

from pathlib import Path

from viworks_lint.findings import Finding

CARGO = '[package]\nname = "shop"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n'
IMAGE = (
    "FROM rust:1.80-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
    "FROM debian:bookworm-slim\nCOPY --from=build /src/target/release/shop /usr/local/bin/shop\n"
    'USER nobody\nCMD ["shop"]\n'
)
CONNECT = (
    "#[tokio::main]\nasync fn main() {\n"
    '    let url = std::env::var("DATABASE_URL").unwrap();\n'
    "    let _c = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();\n}\n"
)


def got(found: list[Finding], root: Path) -> list[tuple[str, str, int, str]]:
    """(rule, path relative to root, line, effective level) of each finding, sorted."""
    return sorted(
        (f.rule_id, f.location.path.relative_to(root).as_posix(), f.location.line, f.effective_level.value)
        for f in found
    )


def scope_of(root: Path, rel: str) -> str:
    """The scope the linter gives the file at ``rel``."""
    from viworks_lint.config import load_config
    from viworks_lint.project import Project

    info = Project(root, load_config(root)).scope_info(root / rel)
    assert info is not None
    return info.scope.value
