"""What the root README says of the whole repository: a demonstration or sample (hardening findings are then
advice), or a toy or learning example not for production (files nothing else gives a scope are then `dev`)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from viworks_lint.project import Project

_TOY = re.compile(
    r"\b(?:do\s+not|don't|never)\s+use\s+(?:this|it)\s+in\s+production\b|\bnot\s+(?:meant|intended)\s+"
    r"for\s+production\b|\b(?:toy|learning)\s+(?:example|project)\b",  # not "not ready for production (yet)"
    re.IGNORECASE,
)


# a repository that describes itself as a demonstration: "This is a demo project", "This repository is a sample
# web application", "This repo serves as an example of how to …", "A demo web application made with …" (opening
# a sentence), "a proof-of-concept chat program", "a simple web app to demonstrate how to use …"; not "a demo
# server runs at …" or "built to demonstrate how fast …"
_KIND = r"(?:demo|example|sample|toy|poc|proof[- ]of[- ]concept)"
_DEMO = re.compile(
    r"\b(?:this|the)\s+(?:repo(?:sitory)?|project|app(?:lication)?|code(?:base)?)\s+(?:is|serves\s+as)\s+an?\s+"
    r"(?:[\w-]+\s+){0,2}?" + _KIND + r"\b"
    r"|\bthis\s+is\s+an?\s+(?:[\w-]+\s+){0,2}?" + _KIND + r"\b"
    r"|(?:^|[.!]\s+|#\s*)an?\s+(?:[\w-]+\s+){0,2}?" + _KIND + r"\s+(?:[\w-]+\s+){0,2}?(?:app|application|project)\b"
    r"|\b" + _KIND + r"\s+(?:[\w-]+\s+){0,2}?(?:app|application|project|program)\s*$"
    r"|\bto\s+demo(?:n)?strate\s+how\s+to\b",
    re.IGNORECASE | re.MULTILINE,
)


def demo_repository(project: Project) -> str | None:
    """The root README's introduction (its title and first section) presents the repository as a demo, a sample or
    a proof of concept: why, else None."""
    for name in ("README.md", "README", "readme.md", "Readme.md", "ReadMe.md", "README.rst"):
        path = project.root / name
        try:
            text = path.read_text("utf-8", errors="replace")[:1500] if path.is_file() else ""
        except OSError:
            continue
        if not text:
            continue
        headings = [m.start() for m in re.finditer(r"^#{1,6}\s", text, re.MULTILINE)]
        intro = text[: headings[1]] if len(headings) > 1 else text[:800]
        m = _DEMO.search(intro)
        return f"the README presents it as \"{' '.join(m.group(0).split())}\"" if m is not None else None
    return None


def not_for_production(project: Project) -> str | None:
    """The root README says the whole repository is a toy or learning example, not for production: files that
    nothing else gives a scope are then `dev`."""
    for name in ("README.md", "README", "readme.md", "README.rst"):
        path = project.root / name
        try:
            text = path.read_text("utf-8", errors="replace")[:20000] if path.is_file() else ""
        except OSError:
            continue
        m = _TOY.search(text)
        if m is not None:
            return f"the README says \"{' '.join(m.group(0).split())}\""
    return None
