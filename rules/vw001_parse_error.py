"""VW001 parse-error."""

from __future__ import annotations

from collections.abc import Iterator

from viworks_lint.code import parse_errors
from viworks_lint.findings import Finding, Level
from viworks_lint.project import Project
from viworks_lint.rule import Rule, RuleDocs, register


def check(project: Project) -> Iterator[Finding]:
    for p in project.problems:
        if p.rule_id == RULE.id:
            yield RULE.finding(p.message, p.location, key=p.key)
    for loc in parse_errors(project):
        yield RULE.finding(
            "Rust source does not parse here; its routes and env reads may be incomplete", loc, key="rust"
        )


RULE = register(
    Rule(
        id="VW001",
        name="parse-error",
        level=Level.ERROR,
        summary="A compose file, Dockerfile, Cargo.toml, .dockerignore, .env or Rust file cannot be parsed.",
        docs=RuleDocs(
            what="A project file is not valid YAML, TOML, Dockerfile syntax or UTF-8 text, is binary, empty, "
            "unreadable, or too large to lint. The finding points at the position the parser stopped.",
            why="docker compose, BuildKit and Cargo refuse the whole file, so nothing in it is deployed; the other "
            "rules cannot check what could not be read.",
            example='services:\n  api:\n    image: api\n   ports: ["8080:8080"]   # bad indentation',
            fix="Correct the syntax at the reported position; every other file is still linted meanwhile.",
        ),
        check=check,
        tags=("input",),
    )
)
