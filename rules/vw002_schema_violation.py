"""VW002 schema-violation."""

from __future__ import annotations

from collections.abc import Iterator

from viworks_lint.findings import Finding, Level
from viworks_lint.project import Project
from viworks_lint.rule import Rule, RuleDocs, register


def check(project: Project) -> Iterator[Finding]:
    for p in project.problems:
        if p.rule_id == RULE.id:
            yield RULE.finding(p.message, p.location, key=p.key)


RULE = register(
    Rule(
        id="VW002",
        name="schema-violation",
        level=Level.ERROR,
        summary="A compose file violates the Compose Specification, or a Cargo manifest has the wrong shape.",
        docs=RuleDocs(
            what="Compose files are validated against the Compose Specification JSON schema after interpolation; "
            "every violation is reported at its own key, once (a value that fails does not also make its parent "
            "report the keys it holds), and a list that repeats an entry (compose's `uniqueItems`: two equal "
            "`environment` or `volumes` lines) says which entry. Cargo manifests are checked for the shapes Cargo "
            "requires: `[[bin]]` with a string `name`, string `path` values, arrays of tables for targets.",
            why="`docker compose` rejects a file that does not match the specification (`additional property "
            "healthchek not allowed`), and Cargo rejects a malformed manifest before building anything.",
            example='services:\n  api:\n    healthchek:          # typo: unknown key\n      test: ["CMD", "true"]',
            fix="Rename or move the key as the message says; check the Compose Specification or the Cargo "
            "reference for the expected shape.",
        ),
        check=check,
        tags=("input", "compose", "cargo"),
    )
)
