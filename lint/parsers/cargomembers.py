"""A workspace's members on disk, as Cargo finds them: the directories a ``members`` glob matches, one path
segment at a time, and whether the workspace's ``exclude`` leaves a directory out."""

from __future__ import annotations

import fnmatch
import os
import posixpath
from pathlib import Path

from viworks_lint.parsers.cargo import Manifest


def member_dirs(root: Path, pattern: str) -> list[Path]:
    """Directories matching a member glob, one path segment at a time (``*``, ``?``, ``[..]``)."""
    current = [root]
    for part in posixpath.normpath(pattern).split("/"):
        nxt: list[Path] = []
        for d in current:
            if part in (".", ""):
                nxt.append(d)
            elif part == "..":
                nxt.append(d.parent)
            elif not any(c in part for c in "*?["):
                if (d / part).is_dir():
                    nxt.append(d / part)
            else:
                try:
                    names = sorted(os.listdir(d))
                except OSError:
                    continue
                nxt.extend(d / n for n in names if fnmatch.fnmatchcase(n, part) and (d / n).is_dir())
        current = nxt
    return current


def member_excluded(root: Manifest, directory: Path) -> bool:
    ws = root.workspace
    if ws is None:
        return False
    d = _norm(directory)
    for ex in ws.exclude:
        base = _norm(root.dir / ex)
        if d == base or base in d.parents:
            return True
    return False


def _norm(path: Path) -> Path:
    return Path(os.path.normpath(path.absolute()))
