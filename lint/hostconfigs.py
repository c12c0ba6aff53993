"""Configuration files of the code that point a program on the host at a datastore port a compose file
publishes under another number (`127.0.0.1:9432` for `9432:5432`): only a program outside the compose network
reaches that port, so the published port is how the host-run app gets in."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from viworks_lint.discover import COMPOSE_BASES, COMPOSE_OVERRIDES, COMPOSE_VARIANT

if TYPE_CHECKING:
    from viworks_lint.datastores import Family
    from viworks_lint.project import Project

_SUFFIXES = (".toml", ".yaml", ".yml", ".json", ".ini", ".conf", ".properties")
_SKIP = frozenset({"target", "node_modules", ".git", "vendor", "dist", "build", ".venv", "venv"})
_MAX_FILES = 2000  # configuration files read under one folder
_MAX_BYTES = 256 * 1024
_LOOPBACK = ("localhost", "127.0.0.1", "[::1]")


def _loopback_texts(project: Project, folder: Path) -> list[tuple[Path, str]]:
    """The configuration files under ``folder`` (inside the repository; dependency, hidden and git-ignored folders
    left out) whose text names a loopback host, read once per run and folder."""
    from viworks_lint.project import norm_path

    cache: dict[Path, list[tuple[Path, str]]] = project.__dict__.setdefault("_loopback_configs", {})
    key = norm_path(folder)
    if key in cache:
        return cache[key]
    out: list[tuple[Path, str]] = []
    cache[key] = out
    if not key.is_relative_to(norm_path(project.root)):
        return out  # a compose file given with `-f ../elsewhere/compose.yaml`: not the repository's code
    read = 0
    for top, dirs, files in os.walk(key):
        base = Path(top)
        dirs[:] = sorted(
            d for d in dirs if d not in _SKIP and not d.startswith(".") and not project.is_gitignored(base / d)
        )
        for name in sorted(files):
            if not name.endswith(_SUFFIXES) or name in COMPOSE_BASES or name in COMPOSE_OVERRIDES:
                continue
            if COMPOSE_VARIANT.match(name):
                continue
            path = base / name
            try:
                if path.stat().st_size > _MAX_BYTES:
                    continue
                read += 1
                if read > _MAX_FILES:
                    return out
                text = path.read_text("utf-8", errors="replace")
            except OSError:
                continue
            if any(host in text for host in _LOOPBACK):
                out.append((path, text))
    return out


def config_naming_port(
    project: Project, folder: Path, fam: Family | None, ports: set[str], target: int | None
) -> str | None:
    """Where a configuration file under ``folder`` (the compose file's) gives the datastore's URL on the host at
    a published port that is not the container's own (`postgres://…@127.0.0.1:9432/db` in
    `server/config/base.toml`), for the message; None when the port is published under its own number (a URL of
    `localhost:5432` may mean anything) or no file names it."""
    from viworks_lint.hostaccess import url_hits

    if fam is None or target is None or not ports or str(target) in ports:
        return None
    for path, text in _loopback_texts(project, folder):
        if not any(f":{p}" in text for p in ports):
            continue
        hit = next(iter(url_hits(text, fam, ports, target)), None)
        if hit is not None:
            return f"`{hit}` in `{project.rel(path)}`"
    return None
