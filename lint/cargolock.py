"""Cargo facts that span more than one manifest: the workspace a package belongs to and its members,
fields a package inherits from ``[workspace.package]``, the packages a ``cargo build`` in a Dockerfile
selects, and the ``Cargo.lock`` next to the workspace root."""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit
from viworks_lint.crates import CargoRun, package_spec_name
from viworks_lint.location import Location
from viworks_lint.parsers.cargo import Manifest
from viworks_lint.project import Project

_VERSION_LINE = re.compile(r"^(\s*version\s*=\s*)(\d+)\s*(?:#.*)?$")


@dataclass(frozen=True)
class Lockfile:
    path: Path
    version: int | None  # top-level `version = N` (absent in the v1/v2 formats)
    version_location: Location | None
    packages: frozenset[str]  # names of every [[package]] in the dependency graph
    versions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # name -> versions locked


def read_lockfile(path: Path) -> Lockfile | None:
    """A Cargo.lock, or None when it is missing or not valid TOML."""
    try:
        text = path.read_text("utf-8")
        data: Any = tomlkit.parse(text).unwrap()
    except Exception:  # missing, unreadable or invalid: nothing to say about it
        return None
    if not isinstance(data, Mapping):
        return None
    version = data.get("version")
    loc: Location | None = None
    if isinstance(version, int) and not isinstance(version, bool):
        for n, line in enumerate(text.splitlines(), start=1):
            if line.lstrip().startswith("["):
                break
            m = _VERSION_LINE.match(line)
            if m:
                col = len(m.group(1)) + 1
                loc = Location(path, n, col, n, col + len(m.group(2)))
                break
    else:
        version = None
    pkgs = data.get("package")
    versions: dict[str, tuple[str, ...]] = {}
    for p in pkgs if isinstance(pkgs, list) else []:
        if isinstance(p, Mapping) and isinstance(p.get("name"), str):
            v = p.get("version")
            versions[p["name"]] = (*versions.get(p["name"], ()), *((v,) if isinstance(v, str) else ()))
    return Lockfile(path, version, loc, frozenset(versions), versions)


def workspace_root_of(project: Project, manifest: Manifest) -> Manifest:
    """The workspace root of a package, or the package itself when it is in no workspace."""
    return project.workspace_root(manifest) or manifest


def lockfile_for(project: Project, manifest: Manifest) -> Lockfile | None:
    """The Cargo.lock Cargo uses for ``manifest``: next to its workspace root."""
    return read_lockfile(workspace_root_of(project, manifest).dir / "Cargo.lock")


def workspace_members(project: Project, manifest: Manifest) -> list[Manifest]:
    """Every package of the workspace ``manifest`` belongs to (the root too, when it is a package)."""
    root = workspace_root_of(project, manifest)
    out = [] if root.is_virtual else [root]
    if root.workspace is None:
        return out
    for m in project.manifests.values():
        if m is not root and not m.is_virtual and project.workspace_root(m) is root:
            out.append(m)
    return out


def package_field(project: Project, manifest: Manifest, name: str) -> tuple[str | None, Location | None]:
    """A ``[package]`` field (``edition``, ``rust-version``) with where it is written, following
    ``name.workspace = true`` to ``[workspace.package]``."""
    if name in manifest.inherits:
        root = project.workspace_root(manifest)
        if root is None or root.workspace is None:
            return None, None
        value = root.workspace.package.get(name)
        if not isinstance(value, str):
            return None, None
        return value, root.positions.best("workspace.package", name)
    if name == "edition":
        return manifest.edition, manifest.edition_location
    if name == "rust-version":
        return manifest.rust_version, manifest.rust_version_location
    value = manifest.data.get("package", {}).get(name) if isinstance(manifest.data.get("package"), Mapping) else None
    return (value, manifest.positions.best("package", name)) if isinstance(value, str) else (None, None)


def _run_text(run: CargoRun) -> str:
    return run.instr.original


def run_selects_workspace(run: CargoRun) -> bool:
    """``--workspace`` (or its old spelling ``--all``) in the cargo command."""
    return re.search(r"(?<![\w-])--(?:workspace|all)(?![\w-])", _run_text(run)) is not None


def run_packages(project: Project, run: CargoRun, *, exact: bool) -> list[Manifest]:
    """Packages a cargo run compiles. ``exact=False`` over-approximates (every member of the workspace,
    narrowed only by ``-p``); ``exact=True`` follows Cargo's default selection: the package in the
    directory cargo runs in, or every member (``default-members``) from a virtual workspace root."""
    if run.manifest is None:
        return []
    members = workspace_members(project, run.manifest)
    if run.packages:
        wanted = {package_spec_name(p) for p in run.packages}
        return [m for m in members if m.package_name in wanted]
    if not exact or run_selects_workspace(run):
        return members
    if run.bins:  # `--bin x` compiles the package that has that binary
        owners = [m for m in members if m.bin_names() & set(run.bins)]
        if owners:
            return owners
    if run.manifest.workspace is None:  # cargo runs inside a member (or a lone package)
        return [run.manifest]
    defaults = _default_members(run.manifest)
    if defaults is not None:
        return [m for m in members if _is_default(run.manifest, m, defaults)]
    return members if run.manifest.is_virtual else [run.manifest]


def _default_members(root: Manifest) -> list[str] | None:
    """``workspace.default-members`` patterns, or None when the root sets none."""
    ws = root.data.get("workspace")
    dm = ws.get("default-members") if isinstance(ws, Mapping) else None
    if not isinstance(dm, list):
        return None
    return [posixpath.normpath(d) for d in dm if isinstance(d, str)]


def _is_default(root: Manifest, member: Manifest, patterns: list[str]) -> bool:
    try:
        rel = member.dir.relative_to(root.dir).as_posix() or "."
    except ValueError:
        return False
    return any(fnmatch.fnmatchcase(rel, p) for p in patterns)
