"""The build of a Dockerfile no compose service builds: the stages scripts or CI build it to (``--target``), and
its context (the one a wrapper or CI step gives it, else found from where its COPY sources are)."""

from __future__ import annotations

import re
from pathlib import Path

from viworks_lint.dockerutil import copy_sources, match_context, reachable_stages
from viworks_lint.hostbuild import declared_context, declared_targets
from viworks_lint.parsers.dockerfile import Dockerfile
from viworks_lint.project import Project, norm_path
from viworks_lint.releases import releases
from viworks_lint.scope import Scope, scope_from_name

# cargo commands that need the workspace root manifest: `cargo chef prepare`, a package picked with `-p`
_WHOLE_WORKSPACE = re.compile(
    r"\bcargo\s+chef\s+prepare\b|\bcargo\s+(?:\+\S+\s+)?build\b[^\n]*\s(?:-p|--package|--workspace)\b"
)


def standalone_targets(project: Project, df: Dockerfile) -> list[str | None]:
    """The stages scripts or CI build a Dockerfile no compose service builds to (``--target``, when each
    names a stage of it); else the last stage, as a plain ``docker build`` does."""
    names = {st.name.lower() for st in df.stages if st.name}
    targets = declared_targets(project, df.path)
    last = "" in targets  # also built to its last stage
    targets.discard("")
    if not targets or not all(t.lower() in names for t in targets):
        return [None]
    # a `--target test` stage CI runs is no image anyone ships
    shipped: list[str | None] = [
        t for t in sorted(targets) if (scope_from_name(t) or (Scope.DEPLOY, ""))[0] is Scope.DEPLOY
    ]
    if last:
        # stages the last one is built from, built on their own first to warm the cache, ship nothing
        feeding = {st.name.lower() for st in reachable_stages(df) if st.name}
        pushed = {(r.target or "").lower() for r in releases(project) if norm_path(r.dockerfile) == norm_path(df.path)}
        shipped = [t for t in shipped if t is not None and (t.lower() not in feeding or t.lower() in pushed)]
        return [*shipped, None]
    return shipped or [None]


def standalone_context(project: Project, df: Dockerfile) -> Path:
    """The context of a Dockerfile no compose service builds: the one a CI workflow, Makefile or script
    gives it (``docker build -f <it> <context>``, ``docker/build-push-action``), else its own directory,
    unless its COPY sources are only found higher up (``docker build -f docker/Dockerfile .`` from the repository
    root is common in CI); then the nearest ancestor, up to the project root, where most are found."""
    declared = declared_context(project, df.path)
    if declared is not None:
        return norm_path(declared)
    sources = [
        src.value
        for stage in reachable_stages(df)
        for instr in stage.instructions
        for src in copy_sources(instr)
        if src.resolved and not src.value.startswith("..")
    ]
    here = df.path.parent
    member = project.manifests.get(here / "Cargo.toml")
    ws = project.workspace_root(member) if member is not None and member.workspace is None else None
    runs = " ".join(i.original for st in df.stages for i in st.instructions if i.cmd == "RUN")
    whole = all(src.rstrip("/") in (".", "") for src in sources)  # `COPY . .` says nothing of the context
    if ws is not None and whole and _WHOLE_WORKSPACE.search(runs):
        return ws.dir  # a member's Dockerfile that plans or picks packages of the workspace: built from its root
    if not sources:
        return here
    best, best_score = here, sum(1 for s in sources if match_context(here, s))
    if best_score == len(sources):
        return here
    for parent in here.parents:
        try:
            parent.relative_to(project.root)
        except ValueError:
            break
        score = sum(1 for s in sources if match_context(parent, s))
        if score > best_score:
            best, best_score = parent, score
        if parent == project.root:
            break
    return best
