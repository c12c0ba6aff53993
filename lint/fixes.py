"""Fixes a rule attaches to a finding, as edits that name *what* to change, not *how* a file format
spells it. The per-format fixers in ``viworks_lint.fix`` turn them into text changes that keep every
comment, blank line, key order, quoting style and indentation they do not touch.

- :class:`SetKey`: set a key path of a compose project (``services.api.init``) to a value; the compose
  fixer picks the file of the project that defines the deepest part of the path, and creates the
  missing mappings (a list-form ``environment:`` gets a ``NAME=value`` item).
- :class:`ReplaceText`: replace the text ``old`` found on a line at or after a column (an empty ``old``
  inserts ``new`` there): Dockerfiles, scripts, a URL or a port inside a YAML scalar.
- :class:`AppendLine`: add a line at the end of a line-oriented file (``.dockerignore``).
- :class:`AddDependency`: add a dependency to a table of a Cargo manifest."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path


class Applicability(str, enum.Enum):
    """``safe``: the change keeps the program's meaning apart from the defect (applied by ``--fix``);
    ``unsafe``: it may change behaviour or need a human decision (applied with ``--unsafe-fixes``)."""

    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True)
class SetKey:
    files: tuple[Path, ...]  # the compose project's files, in merge order
    keys: tuple[str, ...]  # e.g. ("services", "api", "healthcheck", "start_period")
    value: str | int | bool

    @property
    def paths(self) -> tuple[Path, ...]:
        return self.files


@dataclass(frozen=True)
class ReplaceText:
    path: Path
    line: int  # 1-based
    col: int  # 1-based; ``old`` is searched on ``line`` from here
    old: str  # "" inserts ``new`` at ``line``:``col``
    new: str
    whole: bool = False  # ``old`` must not be followed by a word or path character

    @property
    def paths(self) -> tuple[Path, ...]:
        return (self.path,)


@dataclass(frozen=True)
class AppendLine:
    path: Path
    text: str  # without the line break

    @property
    def paths(self) -> tuple[Path, ...]:
        return (self.path,)


@dataclass(frozen=True)
class AddDependency:
    manifest: Path
    table: str  # "dependencies", "dev-dependencies", "build-dependencies" or "target.'cfg(..)'.dependencies"
    name: str
    version: str | None = None  # "1.0.200"; None with ``workspace`` set
    workspace: bool = False  # ``name = { workspace = true }``

    @property
    def paths(self) -> tuple[Path, ...]:
        return (self.manifest,)


Edit = SetKey | ReplaceText | AppendLine | AddDependency


@dataclass(frozen=True)
class Fix:
    """What ``--fix`` does for one finding: all its edits are applied together, or none."""

    description: str
    edits: tuple[Edit, ...]
    applicability: Applicability = Applicability.SAFE

    @property
    def safe(self) -> bool:
        return self.applicability is Applicability.SAFE


def safe_fix(description: str, *edits: Edit) -> Fix:
    return Fix(description, tuple(edits), Applicability.SAFE)


def unsafe_fix(description: str, *edits: Edit) -> Fix:
    return Fix(description, tuple(edits), Applicability.UNSAFE)
