"""VW202 interpolation-unset."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from viworks_lint.findings import Finding, Level
from viworks_lint.parsers.compose import ComposeProject
from viworks_lint.project import Project
from viworks_lint.rule import Rule, RuleDocs, register


def _sources(project: Project, compose: ComposeProject) -> str:
    def rel(p: Path) -> str:
        try:
            return p.relative_to(project.root).as_posix()
        except ValueError:
            return p.name

    if not compose.env_sources:
        return "there is no `.env` next to the compose file and no `--env-file`"
    files = ", ".join(f"`{rel(p)}`" for p in compose.env_sources)
    return f"neither {files} nor the config's `provided-env` sets it"


def check(project: Project) -> Iterator[Finding]:
    for compose in project.composes:
        seen: dict[str, int] = {}
        for ref in compose.var_refs:
            if ref.resolved or ref.has_default:
                continue
            n = seen.get(ref.name, 0)
            seen[ref.name] = n + 1
            key = f"{ref.name}#{n}"
            written = f"${{{ref.name}{ref.modifier}{ref.argument}}}" if ref.modifier else f"${{{ref.name}}}"
            if ref.is_required:
                f = RULE.finding(
                    f"`{written}` requires `{ref.name}`, but {_sources(project, compose)}: "
                    "`docker compose` refuses to start; define it in `.env`, pass `--env-file`, or list it under "
                    "`provided-env` if the deploy environment exports it",
                    ref.location,
                    key=key,
                )
                yield replace(f, level=Level.ERROR)
                continue
            yield RULE.finding(
                f"`{ref.name}` is interpolated without a default, but {_sources(project, compose)}: compose "
                f"substitutes an empty string; set it in `.env`, write `${{{ref.name}:-default}}`, or list it "
                "under `provided-env` if the deploy environment exports it",
                ref.location,
                key=key,
            )


RULE = register(
    Rule(
        id="VW202",
        name="interpolation-unset",
        level=Level.WARNING,
        summary="A compose `${VAR}` has no default and nothing defines VAR (compose substitutes an empty string).",
        docs=RuleDocs(
            what="Every `${VAR}` / `$VAR` in a compose file is resolved the way `docker compose` resolves it: from "
            "the `.env` next to the first compose file, `--env-file` files and the variables listed in config as "
            "`provided-env`. A reference without a default (`${VAR:-d}`, `${VAR-d}`) to a variable none of them "
            "defines is a warning; `${VAR:?msg}` / `${VAR?msg}` is an error because compose refuses to start. "
            "`$$VAR` is an escape and never a reference.",
            why="Compose prints a warning nobody reads and substitutes an empty string: `DATABASE_URL` becomes "
            "`postgres://app:@db/app`, the backend fails authentication and restarts in a loop.",
            example="environment:\n  JWT_SECRET: ${JWT_SECRET}      # no .env entry, no default",
            fix="Define the variable in `.env` (or the `--env-file` you deploy with), give it a default with "
            "`${VAR:-value}`, or add it to `provided-env` in `.viworks-lint.toml` when CI or the host exports it.",
        ),
        check=check,
        tags=("compose", "config"),
    )
)
