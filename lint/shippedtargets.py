"""Targets of a multi-target Dockerfile that do not ship: the workflows and scripts that ship the Dockerfile build
other targets, and only development or test compose files build this one."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from viworks_lint.hostbuild import declared_targets
from viworks_lint.imagescope import stage_at
from viworks_lint.project import norm_path
from viworks_lint.scope import Scope

if TYPE_CHECKING:
    from viworks_lint.parsers.dockerfile import Dockerfile
    from viworks_lint.project import Project


def unshipped_target_at(project: Project, path: Path, df: Dockerfile, line: int) -> bool:
    """The line is in a target stage that only development or test compose files build, while the workflows and
    scripts that ship the Dockerfile build other targets (`docker build --target api-runtime` in CI; the compose
    file of the quick start builds `worker-runtime` too): nothing ships that stage's image."""
    stage = stage_at(df, line)
    if stage is None or stage.name is None:
        return False
    known = declared_targets(project, path)
    if declared_targets(project, path, templated=True) - known:
        return False  # a target a variable names (`--target "$tgt"`) may be this one
    shipped = {t.lower() for t in known}
    if not shipped or "" in shipped or stage.name in shipped:
        return False
    if any(stage in df.lineage(df.stage(t) or stage) for t in shipped):
        return False  # a shipped target is built on top of it
    builders = [b for b in project.builds_of(df) if (b.target or "").lower() == stage.name]
    if not builders or any(b.service is None for b in builders):
        return False
    for b in builders:
        assert b.service is not None
        info = project.scope_info(norm_path(b.service.file))
        if info is None or info.scope is Scope.DEPLOY:
            return False
    return True
