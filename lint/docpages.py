"""The pages of the repository's documentation site (`docs/`, `book/`, `website/` … at the root, Markdown and
MDX, read recursively), and where one of them tells the reader to create a file the repository git-ignores."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from viworks_lint.docruns import DOC_DIRS, is_doc
from viworks_lint.location import Location
from viworks_lint.parsers.common import ReadError, read_text

if TYPE_CHECKING:
    from viworks_lint.project import Project

_MAX_PAGES = 400
_MAX_ENTRIES = 20_000  # directory entries looked at before giving up (a docs site's node_modules)
_MAX_BYTES = 512_000
_SKIP = frozenset({"node_modules", "target", "build", "dist", "vendor", "public", "static", "assets", "out"})
# a sentence that tells the reader to put a file in place
_CREATE = re.compile(r"\b(?:create|copy|add|write|make|fill|put|place|populate|rename|set\s+up|provide)\b", re.I)


def doc_pages(project: Project) -> list[tuple[Path, list[str]]]:
    """Each documentation page with its lines (read once per run; at most 400 pages of up to 512 KB, found by a
    walk that skips dependency and build folders, hidden and git-ignored folders)."""
    cached: list[tuple[Path, list[str]]] | None = project.__dict__.get("_doc_pages")
    if cached is not None:
        return cached
    out: list[tuple[Path, list[str]]] = []
    try:
        folders = sorted(p for p in project.root.iterdir() if p.is_dir() and p.name.lower() in DOC_DIRS)
    except OSError:
        folders = []
    seen = 0
    for folder in folders:
        for top, dirs, files in os.walk(folder):
            base = Path(top)
            dirs[:] = sorted(
                d for d in dirs
                if d not in _SKIP and not d.startswith(".") and not project.is_gitignored(base / d)
            )
            for name in sorted(files):
                seen += 1
                if seen > _MAX_ENTRIES or len(out) >= _MAX_PAGES:
                    project.__dict__["_doc_pages"] = out
                    return out
                page = base / name
                try:
                    if not is_doc(page, project.root) or page.stat().st_size > _MAX_BYTES:
                        continue
                    out.append((page, read_text(page).splitlines()))
                except (OSError, ReadError):
                    continue
    project.__dict__["_doc_pages"] = out
    return out


def page_naming(project: Project, path: Path) -> Location | None:
    """The first line of a documentation page that tells the reader to put the file ``path`` in place: a line that
    names the file's path (`deploy/.env.proposer`), or its name on a page that writes its folder as a path
    (`deploy/`, `the `deploy` directory`; for a file at the root, its name not as part of a longer path), and that
    (or one of the two lines above it) says to create, copy, fill or add it."""
    try:
        folder = path.parent.relative_to(project.root).as_posix()
    except ValueError:
        return None
    folder = "" if folder == "." else folder
    name = re.compile(rf"(?<![\w./-]){re.escape(path.name)}(?![\w-])")
    full = re.compile(rf"(?<![\w.-]){re.escape(f'{folder}/{path.name}')}(?![\w-])") if folder else None
    where = (
        re.compile(rf"(?<![\w.-]){re.escape(folder)}/|`{re.escape(folder)}/?`\s*(?:directory|folder)?|"
                   rf"\b{re.escape(folder)}\s+(?:directory|folder)\b")
        if folder else None
    )
    for page, lines in doc_pages(project):
        placed = where is not None and any(where.search(line) for line in lines)
        for i, line in enumerate(lines, 1):
            said = (full is not None and full.search(line)) or (name.search(line) and (placed or not folder))
            # the line, or the one above it (a step's sentence before its list or code), says to put it in place:
            # `(from .env)` in a table of passwords names the file, it does not tell anyone to write it
            if said and any(_CREATE.search(x) for x in lines[max(0, i - 3) : i]):
                return Location(page, i, 1)
    return None
