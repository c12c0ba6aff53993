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
    """``includer`` pulls the file in; ``env_files`` are the files its variables come from besides its own
    project directory's ``.env`` (the includer's ``.env``, or the include entry's ``env_file``)."""

    includer: Path
    env_files: tuple[Path, ...]


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _entries(path: Path) -> list[tuple[list[str], list[str]]]:
    """(paths, env files) of each entry of ``path``'s top-level ``include:``."""
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
    out: list[tuple[list[str], list[str]]] = []
    for entry in data.get("include") or [] if isinstance(data.get("include"), list) else []:
        if isinstance(entry, str):
            out.append(([entry], []))
        elif isinstance(entry, dict):
            out.append((_strings(entry.get("path")), _strings(entry.get("env_file"))))
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
        for paths, env_files in _entries(includer):
            if any("$" in p or "://" in p for p in paths):
                continue  # interpolated or remote (oci://, git): not a file here
            given = tuple(norm_path(base / e) for e in env_files if "$" not in e)
            for p in paths:
                cache.setdefault(norm_path(base / p), []).append(
                    Inclusion(includer, given or (norm_path(base / ".env"),))
                )
    project.__dict__["_compose_inclusions"] = cache
    return cache
