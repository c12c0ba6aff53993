"""VW203 env-file-missing."""

from __future__ import annotations

from collections.abc import Iterator

from viworks_lint.findings import Finding, Level
from viworks_lint.project import Project
from viworks_lint.rule import Rule, RuleDocs, register


def check(project: Project) -> Iterator[Finding]:
    for compose, svc in project.services():
        for ref in svc.env_files:
            if not ref.required or not ref.raw or ref.path.is_file():
                continue
            if ref.raw.startswith(("/", "~")) or "$" in ref.raw:
                continue  # a path on the deploy host, or built from a variable: no claim
            what = "is a directory, not a file" if ref.path.is_dir() else "does not exist"
            try:
                shown = ref.path.relative_to(compose.project_dir).as_posix()
            except ValueError:
                shown = ref.raw
            yield RULE.finding(
                f"`env_file` `{ref.raw}` of service `{svc.name}` {what} (resolved against the project directory: "
                f"`{shown}`): `docker compose up` refuses to start; create it, fix the path, or mark it optional "
                "with `required: false`",
                ref.location,
                key=f"{svc.name}:{ref.raw}",
            )


RULE = register(
    Rule(
        id="VW203",
        name="env-file-missing",
        level=Level.ERROR,
        summary="An `env_file` path of a compose service is not on disk.",
        docs=RuleDocs(
            what="Each `env_file` entry of a service (short string or long `path:` form) is resolved against the "
            "compose project directory and must be a file. Entries with `required: false` are optional and "
            "never reported; absolute paths (a file on the deploy host) and paths built from variables are not "
            "claimed.",
            why="Compose refuses to create the service (`env file …/backend.env not found`), so the whole stack "
            "fails to come up; typical after renaming `.env.example` or deploying from a fresh clone where the "
            "file is git-ignored.",
            example="services:\n  backend:\n    env_file: ./config/backend.env     # file not in the repo",
            fix="Create the file (commit an example and copy it during deploy), fix the path, or use "
            "`env_file: [{path: ./config/backend.env, required: false}]` if the values are optional.",
        ),
        check=check,
        tags=("compose", "config"),
    )
)
