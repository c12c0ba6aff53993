"""``.dockerignore`` files, matched the way Docker's build context loader matches them: each pattern is
cleaned like Go's filepath.Clean, ``*``/``?``/``[...]`` follow filepath.Match (``*`` stops at ``/``),
``**`` matches any number of directories, ``!`` re-includes, and the last matching pattern wins. A
pattern also excludes everything below a directory it matches."""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from viworks_lint.location import Location
from viworks_lint.parsers.common import Problem, ReadError, read_text


@dataclass(frozen=True)
class IgnorePattern:
    text: str  # cleaned pattern
    negated: bool
    location: Location


@dataclass(frozen=True)
class DockerIgnore:
    path: Path
    patterns: tuple[IgnorePattern, ...]
    problems: tuple[Problem, ...] = ()

    def excluded(self, rel: str) -> bool:
        """Is the context-relative posix path ``rel`` left out of the build context?"""
        pat = self.deciding(rel)
        return pat is not None and not pat.negated

    def keeps_inside(self, rel: str, folder: Path, limit: int = 500) -> bool:
        """An excluded directory some of whose files a later `!` pattern brings back (`*` then `!.sqlx/**`): the
        directory reaches the build with those files. Looks at up to ``limit`` files under ``folder``."""
        if not any(p.negated for p in self.patterns):
            return False
        seen = 0
        for top, _dirs, files in os.walk(folder):
            for name in files:
                seen += 1
                if seen > limit:
                    return False
                sub = Path(top, name).relative_to(folder).as_posix()
                if not self.excluded(f"{rel.strip('/')}/{sub}"):
                    return True
        return False

    def deciding(self, rel: str) -> IgnorePattern | None:
        """The last pattern that matches ``rel`` or one of its parent directories."""
        rel = rel.strip("/")
        parents = _parents(rel)
        result: IgnorePattern | None = None
        for pat in self.patterns:
            rx = _compile(pat.text)
            if rx.match(rel) or any(rx.match(p) for p in parents):
                result = pat
        return result


def _parents(rel: str) -> list[str]:
    parts = rel.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


@lru_cache(maxsize=4096)
def _compile(pattern: str) -> re.Pattern[str]:
    out = ["^"]
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            if pattern.startswith("**", i):
                i += 2
                if i < n and pattern[i] == "/":
                    i += 1
                    out.append("(?:.*/)?")
                else:
                    out.append(".*")
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            close = pattern.find("]", i + 1)
            if close == -1:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1 : close]
                if body.startswith("^"):
                    body = "!" + body[1:]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = close
        elif c == "\\" and i + 1 < n:
            out.append(re.escape(pattern[i + 1]))
            i += 1
        else:
            out.append(re.escape(c))
        i += 1
    out.append("$")
    try:
        return re.compile("".join(out))
    except re.error:
        return re.compile(re.escape(pattern) + "$")


def clean(pattern: str) -> str:
    p = posixpath.normpath(pattern.replace("\\", "/")) if pattern else pattern
    return p.lstrip("/") if p not in ("/", ".") else p


def parse_dockerignore(path: Path, text: str | None = None) -> DockerIgnore:
    if text is None:
        try:
            text = read_text(path)
        except ReadError as exc:
            return DockerIgnore(path, (), (exc.problem,))
    patterns: list[IgnorePattern] = []
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        body = line[1:].strip() if negated else line
        if not body:
            continue
        col = raw.index(line[0]) + 1
        patterns.append(IgnorePattern(clean(body), negated, Location(path, n, col, n, col + len(line))))
    return DockerIgnore(path, tuple(patterns))
