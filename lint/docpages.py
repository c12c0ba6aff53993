"""The pages of the repository's documentation site (`docs/`, `book/`, `website/` … at the root, Markdown and
MDX, read recursively), and where one of them tells the reader to create a file the repository git-ignores."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from viworks_lint.docruns import DOC_DIRS, is_doc
from viworks_lint.location import Location
from viworks_lint.parsers.common import ReadError, read_text

if TYPE_CHECKING:
    from viworks_lint.project import Project

_MAX_PAGES = 400
_MAX_BYTES = 512_000


def doc_pages(project: Project) -> list[tuple[Path, list[str]]]:
    """Each documentation page with its lines (read once per run; at most 400 pages of up to 512 KB)."""
    cached: list[tuple[Path, list[str]]] | None = project.__dict__.get("_doc_pages")
    if cached is not None:
        return cached
    out: list[tuple[Path, list[str]]] = []
    try:
        folders = sorted(p for p in project.root.iterdir() if p.is_dir() and p.name.lower() in DOC_DIRS)
    except OSError:
        folders = []
    for folder in folders:
        for page in sorted(folder.rglob("*")):
            if len(out) >= _MAX_PAGES:
                break
            try:
                if not page.is_file() or not is_doc(page, project.root) or page.stat().st_size > _MAX_BYTES:
                    continue
                out.append((page, read_text(page).splitlines()))
            except (OSError, ReadError):
                continue
    project.__dict__["_doc_pages"] = out
    return out


def page_naming(project: Project, path: Path) -> Location | None:
    """The first line of a documentation page that names the file ``path`` (`.env.proposer`), on a page that
    also names the file's folder (`the fault-proof directory`) when the file is not at the root: the page
    tells each operator to write it."""
    name = re.compile(rf"(?<![\w.-]){re.escape(path.name)}(?![\w-])")
    try:
        folder = path.parent.relative_to(project.root).as_posix()
    except ValueError:
        return None
    folder = "" if folder == "." else folder
    where = re.compile(rf"(?<![\w.-]){re.escape(folder)}(?![\w-])") if folder else None
    for page, lines in doc_pages(project):
        if where is not None and not any(where.search(line) for line in lines):
            continue
        for i, line in enumerate(lines, 1):
            if name.search(line):
                return Location(page, i, 1)
    return None
