"""Library packages of the repository that its code takes by git URL or from crates.io rather than by path (a
monorepo's shared launcher): their source is here too, so what they do can be read here."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from viworks_lint.parsers.cargo import Manifest
    from viworks_lint.project import Project


def used_with_submodules(used: frozenset[str], lib_files: frozenset[str], m: Manifest) -> set[str]:
    """The library's files the code uses: the modules it names, the files below them (`launcher/launch.rs` of a
    used `launcher`), and the crate root (`lib.rs`)."""
    root = m.lib.path if m.lib is not None and m.lib.path is not None else m.dir / "src" / "lib.rs"
    dirs = {Path(f).parent if Path(f).name == "mod.rs" else Path(f).with_suffix("") for f in used}
    out = set(used)
    for f in lib_files:
        path = Path(f)
        if path == root or any(path.is_relative_to(d) for d in dirs):
            out.add(f)
    return out


def local_copies(project: Project, packages: tuple[Manifest, ...]) -> tuple[Manifest, ...]:
    """Library packages of the repository that ``packages`` take as a git dependency of this very repository (the
    URL names the repository: its folder or its `origin` remote) or as a crates.io dependency of a package the
    repository publishes (a crates.io name is one crate), rather than by path (a monorepo's shared launcher): their
    source is here, so what they do with signals is read there, the modules the code names and the repository
    libraries they use by path."""
    from viworks_lint.code import path_deps
    from viworks_lint.cratedeps import dependency_path

    libraries = {m.package_name: m for m in project.manifests.values() if m.package_name and m.lib is not None}
    seen = {m.path for m in packages}
    out: list[Manifest] = []
    for m in packages:
        for dep in m.dependencies:
            local = libraries.get(dep.package) if dep.section == "dependencies" else None
            if local is None or local.path in seen or dependency_path(project, m, dep) is not None:
                continue
            if not _same_source(project, m, dep.name, local):
                continue
            seen.add(local.path)
            out.extend((local, *path_deps(project, local, seen)))
    return tuple(out)


def _same_source(project: Project, m: Manifest, name: str, local: Manifest) -> bool:
    table = m.data.get("dependencies")
    spec: Any = table.get(name) if isinstance(table, dict) else None
    if isinstance(spec, dict) and spec.get("workspace") is True:
        ws = project.workspace_root(m)
        spec = ws.workspace.dependencies.get(name) if ws is not None and ws.workspace is not None else None
    if isinstance(spec, dict) and isinstance(spec.get("git"), str):
        repo = spec["git"].rstrip("/").removesuffix(".git").rsplit("/", 1)[-1]
        return bool(repo) and (repo == project.root.name or _origin_names(project, repo))
    if isinstance(spec, dict) and any(k in spec for k in ("registry", "path", "git")):
        return False  # another registry's crate of that name
    # a crates.io name is one crate: the repository's publishable package of that name is its source (another
    # version of it, the one the repository develops)
    package = local.data.get("package")
    return isinstance(package, dict) and package.get("publish", True) is not False


def _origin_names(project: Project, repo: str) -> bool:
    """The repository's `origin` remote (`.git/config`) names ``repo``."""
    try:
        text = (project.root / ".git" / "config").read_text("utf-8", errors="replace")[:20000]
    except OSError:
        return False
    return re.search(rf"url\s*=\s*\S*(?<![\w.-]){re.escape(repo)}(?:\.git)?/?(?:\s|$|/repo\b)", text) is not None
