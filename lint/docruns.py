"""Documentation pages as a record of how the repository runs compose. README-like files anywhere, and the
Markdown / MDX pages of a documentation folder (``docs/``, ``doc/``, ``docsite/``, ``website/``…), are read
like a script run from the repository root: their fenced code blocks. A page's paths often name the folder its
install steps create rather than the repository's (``-f komodo/app.compose.yaml --env-file komodo/compose.env``
after ``wget -P komodo …/compose/app.compose.yaml``): a compose file that does not resolve is matched by its
file name among the repository's compose files (when exactly one has that name), and an env file that does not
resolve by its file name among the files beside that compose file."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Collection
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from viworks_lint.composeruns import Invocation

DOC_NAMES = re.compile(
    r"^(readme|install|installation|deploy|deployment|setup|getting[-_]started|contributing|"
    r"development|hacking|self[-_]hosting|docker)[^/]*\.(md|rst|txt)$|^readme$",
    re.IGNORECASE,
)
FENCE = re.compile(r"^\s*(```|~~~)")  # a Markdown code fence line, opening or closing
# the underline of a Markdown setext heading: `===` (level 1) or `---` (level 2) below a line of text
SETEXT = re.compile(r"^ {0,3}(?:=+|-+)\s*$")

DOC_DIRS = frozenset({"docs", "doc", "documentation", "docsite", "website", "book", "guide", "guides"})
PAGE_SUFFIXES = (".md", ".mdx", ".markdown")


_NOT_HEADING_TEXT = re.compile(r"^\s*(?:[-*+>]\s|\d+[.)]\s)|\|")


def setext_heading(line: str, below: str | None) -> bool:
    """``line`` is the text of a setext heading: plain text (no list item, quote or table row) with an underline
    of `===` or `---` below it."""
    return (
        below is not None
        and SETEXT.match(below) is not None
        and line.strip() != ""
        and not line.startswith(("    ", "\t", "#"))
        and _NOT_HEADING_TEXT.search(line) is None
    )


def front_matter_end(lines: list[str]) -> int:
    """The index of the first line after a page's YAML front matter (`---` … `---` at the top), 0 without one:
    its closing `---` underlines no heading."""
    if not lines or lines[0].strip() != "---":
        return 0
    end = next((i for i in range(1, min(len(lines), 200)) if lines[i].strip() in ("---", "...")), 0)
    # YAML keys between the markers (`title: Docker Compose`); a thematic break and a later one hold prose
    keyed = end > 1 and all(not ln.strip() or ":" in ln or ln.startswith((" ", "-")) for ln in lines[1:end])
    return end + 1 if keyed else 0


def is_doc(path: Path, root: Path | None = None) -> bool:
    """A README-like file, an MDX page, or a Markdown page inside a documentation folder of the repository."""
    name = path.name
    if DOC_NAMES.match(name) or name.lower().endswith(".mdx"):
        return True
    if not name.lower().endswith(PAGE_SUFFIXES):
        return False
    folders = path.parent.parts
    if root is not None:
        with contextlib.suppress(ValueError):
            folders = path.parent.relative_to(root).parts
    return any(f.lower() in DOC_DIRS for f in folders)


def relocate(inv: Invocation, compose_files: Collection[Path]) -> Invocation:
    """A documentation command whose ``-f`` / ``--env-file`` paths name an install folder: the repository's
    files they stand for (unchanged when a path resolves, or when nothing or several files match its name)."""
    if inv.kind != "docs":
        return inv
    files = list(inv.files)
    for i, f in enumerate(files):
        if not f.is_file():
            same = {c for c in compose_files if c.name == f.name}
            if len(same) == 1:
                files[i] = same.pop()
    beside = files[0].parent if files else inv.cwd
    env_files = [e if e.is_file() or not (beside / e.name).is_file() else beside / e.name for e in inv.env_files]
    if files == list(inv.files) and env_files == list(inv.env_files):
        return inv
    return replace(inv, files=tuple(files), env_files=tuple(env_files))
