"""VW003 suppression-unused. Reported by the engine once every other rule has run."""

from __future__ import annotations

from collections.abc import Iterator

from viworks_lint.findings import Finding, Level
from viworks_lint.project import Project
from viworks_lint.rule import Rule, RuleDocs, register


def check(project: Project) -> Iterator[Finding]:
    # The engine knows which suppressions matched a finding; it reports the others under this rule.
    yield from ()


RULE = register(
    Rule(
        id="VW003",
        name="suppression-unused",
        level=Level.NOTE,
        summary="A `viworks-lint: ignore=` comment suppresses nothing, or names an unknown rule.",
        docs=RuleDocs(
            what="A suppression comment whose rule reported nothing on the covered line (or file), or that names "
            "a rule id or name viworks-lint does not have. Off by default: enable it with "
            "`--report-unused-suppressions` or `report-unused-suppressions = true` in the config.",
            why="Stale suppressions hide the next real defect on that line, and a misspelt id suppresses nothing.",
            example=(
                '# viworks-lint: ignore=VW310 -- no such rule\nHEALTHCHECK --start-period=10s CMD ["/app", "check"]'
            ),
            fix="Delete the comment, or correct the rule id.",
        ),
        check=check,
        tags=("input",),
    )
)
