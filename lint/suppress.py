"""Suppression comments: ``viworks-lint: ignore=VW301,VW302 -- reason`` on the flagged line or the
line above; ``viworks-lint: ignore-file=VW401`` for a whole file. ``#`` comments in compose YAML,
Dockerfiles (own-line comments only), .dockerignore, .env and Cargo.toml; ``//`` comments in Rust."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from viworks_lint.location import Location

_DIRECTIVE = re.compile(
    r"viworks-lint:\s*(?P<kind>ignore-file|ignore)\s*=\s*(?P<ids>[A-Za-z0-9_-]+(?:\s*,\s*[A-Za-z0-9_-]+)*)"
    r"(?:\s+--\s*(?P<reason>.*))?"
)


@dataclass
class Suppression:
    path: Path
    line: int  # the comment's line
    ids: tuple[str, ...]
    file_wide: bool
    own_line: bool  # the comment is alone on its line (so it covers the next line too)
    reason: str
    location: Location
    used: set[str] = field(default_factory=set)

    def covers(self, rule_id: str, rule_name: str, line: int) -> bool:
        if not any(i.upper() == rule_id or i.lower() == rule_name for i in self.ids):
            return False
        if self.file_wide:
            return True
        return line == self.line or (self.own_line and line == self.line + 1)


def _comment_start(line: str, rust: bool) -> int:
    """Index where a comment starts, skipping quoted strings; -1 when there is none."""
    quote = ""
    i = 0
    while i < len(line):
        c = line[i]
        if quote:
            if c == "\\" and quote == '"':
                i += 2
                continue
            if c == quote:
                quote = ""
        elif c == '"' or (c == "'" and not rust):
            quote = c
        elif (rust and line.startswith("//", i)) or (not rust and c == "#"):
            return i
        i += 1
    return -1


def scan(path: Path, lines: list[str] | tuple[str, ...], *, dockerfile: bool = False) -> list[Suppression]:
    """Suppression comments of a file. In a Dockerfile only a line that starts with ``#`` is a comment:
    text after an instruction is part of it (Docker has no end-of-line comments), so it suppresses
    nothing."""
    rust = path.suffix == ".rs"
    out: list[Suppression] = []
    for n, text in enumerate(lines, start=1):
        if "viworks-lint:" not in text:
            continue
        start = _comment_start(text, rust)
        if start == -1 or (dockerfile and text[:start].strip()):
            continue
        comment = text[start:]
        m = _DIRECTIVE.search(comment)
        if not m:
            continue
        ids = tuple(i.strip() for i in m.group("ids").split(",") if i.strip())
        col = start + m.start() + 1
        out.append(
            Suppression(
                path=path,
                line=n,
                ids=ids,
                file_wide=m.group("kind") == "ignore-file",
                own_line=not text[:start].strip(),
                reason=(m.group("reason") or "").strip(),
                location=Location(path, n, col, n, start + m.end() + 1),
            )
        )
    return out
