"""A compose file the README hands to operators as a template: a step that copies or runs it tells the reader
to fill in its environment variables (`Copy compose.yml … and fill in the environment variables`), and the README
names the variable (a configuration table): the operator supplies it, by design."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from viworks_lint.conventions import doc_lines, docs_in
from viworks_lint.location import Location

if TYPE_CHECKING:
    from viworks_lint.parsers.compose import ComposeProject
    from viworks_lint.project import Project

_FILL = re.compile(
    r"\b(?:fill\s+(?:in|out)|set\s+(?:up\s+)?|provide|add|configure|adjust|edit|update)\s+(?:the\s+|your\s+|all\s+"
    r"(?:the\s+)?|any\s+)?(?:required\s+|necessary\s+)?env(?:ironment)?(?:[\s_-]+var(?:iable)?s?)?\b",
    re.IGNORECASE,
)
_NEAR = 300  # characters between the step's compose file name and its instruction


def operator_fills(project: Project, compose: ComposeProject, name: str) -> Location | None:
    """Where the README (of the root or of the compose file's folder) names ``name`` when one of its steps tells
    the reader to fill in the environment variables of this compose file; None otherwise."""
    var = re.compile(rf"(?<![\w$]){re.escape(name)}(?!\w)")
    for doc, lines in _telling_docs(project, compose):
        for i, line in enumerate(lines, 1):
            if var.search(line):
                return Location(doc, i, 1)
    return None


def _telling_docs(project: Project, compose: ComposeProject) -> list[tuple[Path, list[str]]]:
    """The README-like documents of the compose file's folder and the root, with their lines, that name the
    compose file within a few lines of telling the reader to fill in its environment variables (read once per
    compose file, however many variables are asked about)."""
    first = compose.files[0]
    cache: dict[Path, list[tuple[Path, list[str]]]] = project.__dict__.setdefault("_operator_docs", {})
    if first in cache:
        return cache[first]
    named = re.compile(rf"(?<![\w.-]){re.escape(first.name)}(?![\w-])")
    out: list[tuple[Path, list[str]]] = []
    for doc in docs_in(first.parent, project.root):
        lines = doc_lines(doc)
        text = "\n".join(lines)
        if any(_FILL.search(text, max(0, m.start() - _NEAR), m.end() + _NEAR) for m in named.finditer(text)):
            out.append((doc, lines))
    cache[first] = out
    return out
