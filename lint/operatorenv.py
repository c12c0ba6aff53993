"""A compose file the README hands to operators as a template: a step that copies or runs it tells the reader
to fill in its environment variables (`Copy compose.yml … and fill in the environment variables`), and the README
names the variable (a configuration table): the operator supplies it, by design."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from viworks_lint.docruns import DOC_NAMES
from viworks_lint.location import Location
from viworks_lint.parsers.common import ReadError, read_text

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
    first = compose.files[0]
    for folder in dict.fromkeys((first.parent, project.root)):
        try:
            docs = sorted(p for p in folder.iterdir() if p.is_file() and DOC_NAMES.match(p.name))
        except OSError:
            continue
        for doc in docs:
            found = _naming_line(doc, first.name, name)
            if found is not None:
                return found
    return None


def _naming_line(doc: Path, compose_name: str, name: str) -> Location | None:
    try:
        text = read_text(doc) if doc.stat().st_size <= 512_000 else ""
    except (OSError, ReadError):
        return None
    told = False
    for m in re.finditer(rf"(?<![\w.-]){re.escape(compose_name)}(?![\w-])", text):
        if _FILL.search(text, max(0, m.start() - _NEAR), m.end() + _NEAR):
            told = True
            break
    if not told:
        return None
    var = re.compile(rf"(?<![\w$]){re.escape(name)}(?!\w)")
    for i, line in enumerate(text.splitlines(), 1):
        if var.search(line):
            return Location(doc, i, 1)
    return None
