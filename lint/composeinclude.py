"""Compose files other compose files pull in with a top-level ``include:``. An included file is interpolated
with the including project's variables (its ``.env``) merged with its own ``env_file`` (by default the ``.env``
of its own project directory), as compose-go's include loader does."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from viworks_lint.parsers.common import ReadError, read_text
from viworks_lint.project import norm_path

if TYPE_CHECKING:
    from viworks_lint.project import Project

_INCLUDE = re.compile(r"^include\s*:", re.M)


@dataclass(frozen=True)
class Inclusion:
    """``includer`` pulls the file in. Its variables are the including project's (``inherited``: the includer's
    ``.env``, and what its own includers give it) merged with ``own``: the include entry's ``env_file`` list, or
    the ``.env`` of its project directory (the file's folder, or the entry's ``project_directory``)."""

    includer: Path
    inherited: tuple[Path, ...]
    own: tuple[Path, ...]


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _entries(path: Path) -> list[tuple[list[str], list[str], str | None]]:
    """(paths, env files, project directory) of each entry of ``path``'s top-level ``include:``."""
    try:
        text = read_text(path)
    except (ReadError, OSError):
        return []
    if not _INCLUDE.search(text):
        return []
    try:
        data: Any = YAML(typ="safe").load(text)
    except (YAMLError, ValueError, RecursionError):
        return []
    if not isinstance(data, dict):
        return []
    entries = data.get("include")
    out: list[tuple[list[str], list[str], str | None]] = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, str):
            out.append(([entry], [], None))
        elif isinstance(entry, dict):
            folder = entry.get("project_directory")
            out.append(
                (
                    _strings(entry.get("path")),
                    _strings(entry.get("env_file")),
                    folder if isinstance(folder, str) else None,
                )
            )
    return out


def inclusions(project: Project) -> dict[Path, list[Inclusion]]:
    """Included compose file → who includes it, read once per project."""
    cache: dict[Path, list[Inclusion]] | None = project.__dict__.get("_compose_inclusions")
    if cache is not None:
        return cache
    cache = {}
    files = [f for g in project.discovered.compose_groups for f in g] + list(project.discovered.compose_variants)
    for includer in dict.fromkeys(norm_path(f) for f in files):
        base = includer.parent
        for paths, env_files, folder in _entries(includer):
            if any("$" in p or "://" in p for p in [*paths, *env_files, folder or ""]):
                continue  # interpolated or remote (oci://, git): not a file here
            own = tuple(norm_path(base / e) for e in env_files)
            for p in paths:
                included = norm_path(base / p)
                home = norm_path(base / folder) if folder is not None else included.parent
                cache.setdefault(included, []).append(
                    Inclusion(includer, (norm_path(base / ".env"),), own or (home / ".env",))
                )
    # nested includes: what includes the includer gives its variables on (A includes B includes C)
    for _ in range(3):
        for included, found in cache.items():
            cache[included] = [
                Inclusion(i.includer, tuple(dict.fromkeys([*i.inherited, *_above(cache, i.includer)])), i.own)
                for i in found
            ]
    project.__dict__["_compose_inclusions"] = cache
    return cache


def _above(cache: dict[Path, list[Inclusion]], path: Path) -> list[Path]:
    """The env files the files that include ``path`` pass on to it."""
    return [e for i in cache.get(path, ()) for e in (*i.inherited, *i.own)]
