"""The scope compose files get from how the repository's wrappers run them (a CI job, a make target or a
script named for tests, development or deployment; the project's own documentation), and whether a workflow or
script runs compose on another host over ssh."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from viworks_lint.scope import SCOPE_ORDER, Scope, label_scope

if TYPE_CHECKING:
    from viworks_lint.project import Project

def deployed_by_wrapper(project: Project) -> str | None:
    """Where a wrapper, script or CI step (not the documentation) runs a compose file of the repository for
    deployment (`ssh host docker compose up -d`, `make deploy`), else None."""
    uses = compose_uses(project).values()
    found = next((u.where for u in uses if u.scope is Scope.DEPLOY and not u.documented), None)
    return found or ("a workflow or script that runs compose over ssh" if remote_compose_run(project) else None)


_REMOTE_COMPOSE = re.compile(r"\bssh\b[^\n]*\bdocker[ -]compose\b|\bdocker[ -]compose\b[^\n]*\bup\b[^\n]*\bssh\b")


def remote_compose_run(project: Project) -> bool:
    """A CI workflow or script runs compose on another host over ssh (`ssh deploy@host 'docker compose up -d'`):
    which of the repository's compose files it runs there cannot be told, so none is taken for a local stack."""
    from viworks_lint.hostbuild import wrappers

    found: bool | None = project.__dict__.get("_remote_compose_run")
    if found is None:
        found = project.__dict__["_remote_compose_run"] = any(_REMOTE_COMPOSE.search(w.text) for w in wrappers(project))
    return found


class Use(NamedTuple):
    scope: Scope
    where: str
    documented: bool = False  # a run the project's documentation shows, under no heading naming a scope


def compose_uses(project: Project) -> dict[Path, Use]:
    """The scope a compose file gets from how the repository's wrappers run it: a CI job, a make target or
    script named for tests, development or deployment. A file any deploy use runs is ``deploy`` (read once)."""
    cached: dict[Path, Use] | None = project.__dict__.get("_compose_uses")
    if cached is None:
        cached = project.__dict__["_compose_uses"] = _read_uses(project)
    return cached


def _read_uses(project: Project) -> dict[Path, Use]:
    from viworks_lint.composefiles import default_compose
    from viworks_lint.project import norm_path

    found: dict[Path, list[Use]] = {}
    for inv in project.wrappers.invocations:
        scope = label_scope(inv.label)
        if scope is None and inv.kind == "ci":
            scope = Scope.CI
        # the project's own documentation (the root README, a top-level docs folder; not a tool's README deep in
        # the tree) shows how it is run; what for is `documented_dev`'s question
        top = project.rel(inv.location.path).split("/")
        documented = inv.kind == "docs" and (len(top) == 1 or top[0].lower() in ("docs", "doc", "documentation"))
        if documented:
            scope = Scope.DEPLOY
        elif inv.kind == "docs":
            continue
        if scope is None:
            continue
        for f in inv.files or default_compose(project, inv.cwd):
            found.setdefault(norm_path(f), []).append(Use(scope, inv.where, documented))
    out: dict[Path, Use] = {}
    for path, items in found.items():
        if any(u.scope is Scope.DEV for u in items) or all(u.documented for u in items):
            # a documented run says less than a dev task that runs it, and alone it says nothing new
            items = [u for u in items if not u.documented]
        if not items:
            continue
        deploy = next((u for u in items if u.scope is Scope.DEPLOY), None)
        if deploy is not None:
            # a run the docs show outweighs a test script's, not what the file itself is (infrastructure only)
            out[path] = Use(Scope.DEPLOY, f"run by {deploy.where}", deploy.documented)
        else:
            least = min(items, key=lambda u: SCOPE_ORDER[u.scope])
            out[path] = Use(least.scope, f"run only for {least.scope.value} by {least.where}")
    return out
