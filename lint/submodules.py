"""Git submodules: whether a path lies in a submodule that is not checked out (a clone without
`--recurse-submodules` leaves its folder empty)."""

from __future__ import annotations

import configparser
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from viworks_lint.project import Project


def missing_submodule(project: Project, path: Path) -> str | None:
    """The `.gitmodules` path of the git submodule ``path`` lies in, when that submodule is not checked out."""
    gm = project.root / ".gitmodules"
    if not gm.is_file():
        return None
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(gm.read_text(encoding="utf-8", errors="replace"))
    except configparser.Error:
        return None
    for section in parser.sections():
        sub = parser.get(section, "path", fallback=None)
        if not sub:
            continue
        sub_dir = project.root / sub.strip().strip("/")
        # `.git/modules/<name>`: the submodule's own git folder, made by the same `git submodule update --init`
        name = section.partition('"')[2].rstrip('"').strip() or sub.strip().strip("/")
        for folder in (sub_dir, project.root / ".git" / "modules" / name):
            try:
                path.relative_to(folder)
            except ValueError:
                continue
            checked_out = sub_dir.is_dir() and any(sub_dir.iterdir())
            return None if checked_out else sub.strip()
    return None
