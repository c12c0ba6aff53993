"""``.env`` / ``env_file`` files as compose reads them: ``KEY=value``, ``export KEY=value``, comments,
single-quoted (literal) and double-quoted (escapes, may span lines) values, inline ``#`` comments."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from viworks_lint.location import Location
from viworks_lint.parsers.common import Problem


@dataclass(frozen=True)
class EnvEntry:
    name: str
    value: str | None  # None: the key is listed without "=" (taken from the shell, if set)
    location: Location


@dataclass(frozen=True)
class EnvFile:
    path: Path
    entries: tuple[EnvEntry, ...]
    problems: tuple[Problem, ...] = ()

    def as_dict(self) -> dict[str, str]:
        return {e.name: e.value for e in self.entries if e.value is not None}

    def names(self) -> set[str]:
        return {e.name for e in self.entries}


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "$": "$"}


def parse_env(path: Path, text: str) -> EnvFile:
    entries: list[EnvEntry] = []
    problems: list[Problem] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        raw = lines[i]
        lineno = i + 1
        i += 1
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(raw) - len(raw.lstrip())
        body = stripped
        if body.startswith("export ") or body.startswith("export\t"):
            body = body[7:].lstrip()
            indent = raw.index(body)
        yaml_style = _YAML_KEY.match(body)
        if yaml_style is not None:  # `KEY: value`: compose-go's dotenv parser ends a key at `=` or `:`
            body = yaml_style.group(1) + "=" + body[yaml_style.end() :]
        if "=" not in body:
            name = body.split()[0] if body.split() else body
            if _valid_name(name) and len(body.split()) == 1:
                entries.append(EnvEntry(name, None, Location(path, lineno, indent + 1, lineno, indent + 1 + len(name))))
            else:
                problems.append(
                    Problem(
                        "VW001",
                        f"invalid line in env file: expected KEY=value, got {stripped[:40]!r}",
                        Location(path, lineno, indent + 1, lineno, len(raw) + 1),
                        key="envline",
                    )
                )
            continue
        name, _, rest = body.partition("=")
        name = name.rstrip()
        loc = Location(path, lineno, indent + 1, lineno, indent + 1 + len(name))
        if not _valid_name(name):
            problems.append(Problem("VW001", f"invalid variable name {name[:40]!r} in env file", loc, key="envname"))
            continue
        rest = rest.lstrip()
        value: str
        if rest.startswith("'"):
            end = rest.find("'", 1)
            if end == -1:
                buf = [rest[1:]]
                while i < len(lines) and "'" not in lines[i]:
                    buf.append(lines[i])
                    i += 1
                if i < len(lines):
                    buf.append(lines[i][: lines[i].find("'")])
                    i += 1
                else:
                    problems.append(Problem("VW001", "unterminated single-quoted value", loc, key="quote"))
                value = "\n".join(buf)
            else:
                value = rest[1:end]
        elif rest.startswith('"'):
            value, consumed, closed = _double_quoted(rest[1:], lines, i)
            i += consumed
            if not closed:
                problems.append(Problem("VW001", "unterminated double-quoted value", loc, key="quote"))
        else:
            cut = rest.find(" #")
            value = (rest if cut == -1 else rest[:cut]).rstrip()
        entries.append(EnvEntry(name, value, loc))
    return EnvFile(path, tuple(entries), tuple(problems))


# a key ended by `:` before any `=` (compose-go `dotenv/parser.go`, locateKeyName: "library also supports yaml-style
# value declaration")
_YAML_KEY = re.compile(r"([A-Za-z0-9_.\-]+)[ \t]*:(?!//)")


def _valid_name(name: str) -> bool:
    return bool(name) and all(c.isalnum() or c in "_.-" for c in name) and not name[0].isdecimal()


def _double_quoted(first: str, lines: list[str], i: int) -> tuple[str, int, bool]:
    out: list[str] = []
    text = first
    consumed = 0
    while True:
        j = 0
        while j < len(text):
            c = text[j]
            if c == "\\" and j + 1 < len(text):
                out.append(_ESCAPES.get(text[j + 1], "\\" + text[j + 1]))
                j += 2
                continue
            if c == '"':
                return "".join(out), consumed, True
            out.append(c)
            j += 1
        if i + consumed >= len(lines):
            return "".join(out), consumed, False
        out.append("\n")
        text = lines[i + consumed]
        consumed += 1
