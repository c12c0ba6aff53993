"""The pages of the repository's documentation site (`docs/`, `book/`, `website/` … at the root, Markdown and
MDX, as discovery found them), and where one of them tells the reader to create a file the repository git-ignores."""

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
_SKIP = frozenset({"node_modules", "target", "build", "dist", "vendor", "public", "static", "assets", "out"})
# a sentence that tells the reader to put a file in place
_CREATE = re.compile(r"\b(?:create|copy|add|write|make|fill|put|place|populate|rename|set\s+up|provide)\b", re.I)


def _walk_order(rel: tuple[str, ...]) -> tuple[tuple[int, str], ...]:
    """A sort key that lists a folder's files before its subfolders, as a top-down walk does."""
    return (*((1, part) for part in rel[:-1]), (0, rel[-1]))


def doc_pages(project: Project) -> list[tuple[Path, list[str]]]:
    """Each documentation page with its lines (read once per run; at most 400 pages of up to 512 KB): the pages
    discovery found (it skips git-ignored folders and dependency trees) under a documentation folder at the root,
    outside hidden, dependency and build folders of the site."""
    cached: list[tuple[Path, list[str]]] | None = project.__dict__.get("_doc_pages")
    if cached is not None:
        return cached
    found: list[tuple[tuple[str, ...], Path]] = []
    for page in project.discovered.wrappers:
        try:
            rel = page.relative_to(project.root).parts
        except ValueError:
            continue
        if len(rel) < 2 or rel[0].lower() not in DOC_DIRS:
            continue
        if any(part in _SKIP or part.startswith(".") for part in rel[1:-1]) or not is_doc(page, project.root):
            continue
        found.append((rel, page))
    out: list[tuple[Path, list[str]]] = []
    for _rel, page in sorted(found, key=lambda item: _walk_order(item[0])):
        if len(out) >= _MAX_PAGES:
            break
        try:
            if page.stat().st_size <= _MAX_BYTES:
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
