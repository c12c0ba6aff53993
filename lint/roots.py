"""Where a run's project is, and which of its findings to report.

Every form of the command finds the project root the same way, from the directory named (or the
current one): the nearest ancestor holding ``.git`` or ``.viworks-lint.toml``; without one, the nearest
ancestor holding a compose file or a root ``Cargo.toml`` with ``[workspace]`` (the outer of the two
when both are found, since a compose project builds the crates below it); without those, likewise the
nearest ancestor holding a Dockerfile or a ``Cargo.toml``; without any, the directory itself. The
whole project is linted (the rules are cross-file); the paths named only narrow what is reported.
Output paths are relative to that root, whatever the working directory."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from viworks_lint.config import CONFIG_NAME
from viworks_lint.discover import COMPOSE_BASES, is_dockerfile_name
from viworks_lint.project import norm_path as absolute

STRONG_MARKERS = (".git", CONFIG_NAME)
_WORKSPACE = re.compile(r"^\s*\[workspace\]", re.MULTILINE)


def is_cargo_workspace(directory: Path) -> bool:
    manifest = directory / "Cargo.toml"
    try:
        return manifest.is_file() and bool(_WORKSPACE.search(manifest.read_text("utf-8", errors="replace")))
    except OSError:
        return False


def has_compose_file(directory: Path) -> bool:
    return any((directory / name).is_file() for name in COMPOSE_BASES)


def has_dockerfile(directory: Path) -> bool:
    try:
        return any(is_dockerfile_name(p.name) and p.is_file() for p in directory.iterdir())
    except OSError:
        return False


def find_project_root(start: Path) -> Path:
    """The project ``start`` (a directory) belongs to; see the module docstring."""
    compose_dir = workspace_dir = dockerfile_dir = manifest_dir = None
    for d in [start, *start.parents]:
        if any((d / marker).exists() for marker in STRONG_MARKERS):
            return d
        if compose_dir is None and has_compose_file(d):
            compose_dir = d
        if workspace_dir is None and is_cargo_workspace(d):
            workspace_dir = d
        if manifest_dir is None and (d / "Cargo.toml").is_file():
            manifest_dir = d
        if dockerfile_dir is None and has_dockerfile(d):
            dockerfile_dir = d
    for tier in ((compose_dir, workspace_dir), (dockerfile_dir, manifest_dir)):
        found = [d for d in tier if d is not None]
        if found:
            return min(found, key=lambda d: len(d.parts))
    return start


@dataclass(frozen=True)
class Scope:
    """The project root (linted whole) and the paths whose findings are reported (all when empty)."""

    root: Path
    only: tuple[Path, ...] = ()

    def wants(self, path: Path) -> bool:
        return not self.only or any(path == p or p in path.parents for p in self.only)

    def describe(self) -> str:
        """What was searched, for messages: the root, and the named paths below it."""
        if not self.only:
            return str(self.root)
        named = ", ".join(_shown(p, self.root) for p in self.only)
        return f"{named} (project root {self.root})"


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix() or "."
    except ValueError:
        return str(path)


def resolve_scope(paths: list[Path], cwd: Path | None = None) -> Scope:
    """``viworks-lint``, ``viworks-lint .``, ``viworks-lint sub/`` and ``viworks-lint sub/file`` all find
    the root the same way; they differ only in what is reported."""
    here = absolute(cwd if cwd is not None else Path.cwd())
    named = [absolute(p) for p in paths] or [here]
    dirs = [p if p.is_dir() else p.parent for p in named]
    roots = list(dict.fromkeys(find_project_root(d) for d in dirs))
    if len(roots) > 1:  # their common folder is no project: linting it would walk whatever else is there
        from viworks_lint.usage import UsageFailure

        shown = ", ".join(str(r) for r in roots)
        raise UsageFailure(
            f"the paths belong to different projects ({shown})", "lint each project with its own viworks-lint run"
        )
    root = find_project_root(Path(os.path.commonpath([str(d) for d in dirs])))
    if any(p == root for p in named):
        return Scope(root)
    return Scope(root, only=tuple(named))
