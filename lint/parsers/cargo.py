"""A Cargo manifest as a typed model: its package, the targets Cargo compiles, its dependencies and the
workspace it declares, each with where the manifest writes it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from viworks_lint.location import Location
from viworks_lint.parsers.common import Problem
from viworks_lint.parsers.tomlpos import TomlPositions


@dataclass(frozen=True)
class Target:
    kind: str  # lib | bin | example | test | bench | build
    name: str | None
    path: Path | None  # the file Cargo will compile (explicit or inferred); None when it cannot be found
    candidates: tuple[Path, ...]  # where Cargo looks for it (explicit path: just that one)
    explicit_path: str | None  # the `path = "…"` text, when given
    declared: bool  # written in the manifest (False: auto-discovered)
    location: Location  # the `path` value, else the `name` value, else the section header

    @property
    def exists(self) -> bool:
        return self.path is not None


@dataclass(frozen=True)
class Dependency:
    name: str  # the key in the manifest
    package: str  # the crate's real name (`package = "…"` renames)
    section: str  # dependencies | dev-dependencies | build-dependencies (target.* folded in)
    location: Location
    path_raw: str | None = None
    path: Path | None = None
    path_location: Location | None = None
    workspace: bool = False
    features: tuple[str, ...] = ()
    default_features: bool = True
    optional: bool = False
    version: str | None = None  # the version requirement, when the manifest gives one


@dataclass(frozen=True)
class Workspace:
    location: Location
    members: tuple[tuple[str, Location], ...]
    exclude: tuple[str, ...]
    package: Mapping[str, Any]  # [workspace.package], inheritable fields
    dependencies: Mapping[str, Any]  # [workspace.dependencies]


@dataclass(frozen=True)
class Manifest:
    path: Path
    positions: TomlPositions
    data: Mapping[str, Any]
    package_name: str | None = None
    package_location: Location | None = None
    edition: str | None = None
    edition_location: Location | None = None
    rust_version: str | None = None
    rust_version_location: Location | None = None
    lib: Target | None = None
    targets: tuple[Target, ...] = ()
    build_script: Target | None = None
    workspace: Workspace | None = None
    dependencies: tuple[Dependency, ...] = ()
    inherits: tuple[str, ...] = ()  # package fields given as `x.workspace = true`
    problems: tuple[Problem, ...] = ()

    @property
    def dir(self) -> Path:
        return self.path.parent

    @property
    def is_virtual(self) -> bool:
        return self.package_name is None

    def bin_names(self) -> set[str]:
        return {t.name for t in self.targets if t.kind == "bin" and t.name}

    def metadata(self, tool: str) -> Mapping[str, Any] | None:
        for section in ("workspace", "package"):
            sec = self.data.get(section)
            if isinstance(sec, Mapping):
                meta = sec.get("metadata")
                if isinstance(meta, Mapping) and isinstance(meta.get(tool), Mapping):
                    out: Mapping[str, Any] = meta[tool]
                    return out
        return None
