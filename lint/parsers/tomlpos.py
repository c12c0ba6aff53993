"""Source positions for TOML keys and table headers.

tomlkit parses the document (and reports syntax errors with line/column); it keeps no positions, so this
module scans the same text line by line, skipping string and array contents, to map
``(table, index, key)`` to lines and columns."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from viworks_lint.location import Location


@dataclass
class TomlPositions:
    path: Path
    headers: dict[tuple[str, int], Location] = field(default_factory=dict)
    keys: dict[tuple[str, int, str], tuple[Location, Location]] = field(default_factory=dict)
    duplicates: list[tuple[str, Location]] = field(default_factory=list)  # keys/tables defined twice

    def header(self, table: str, index: int = 0) -> Location | None:
        return self.headers.get((table, index))

    def key(self, table: str, key: str, index: int = 0) -> Location | None:
        hit = self.keys.get((table, index, key))
        return hit[0] if hit else None

    def value(self, table: str, key: str, index: int = 0) -> Location | None:
        hit = self.keys.get((table, index, key))
        return hit[1] if hit else None

    def best(self, table: str, key: str | None = None, index: int = 0) -> Location:
        """The value of key, else the key, else the table header, else the file start."""
        if key is not None:
            loc = self.value(table, key, index) or self.key(table, key, index)
            if loc is not None:
                return loc
        return self.header(table, index) or Location(self.path)


def _split_key(text: str) -> list[str]:
    parts: list[str] = []
    buf = ""
    quote = ""
    for c in text:
        if quote:
            if c == quote:
                quote = ""
            else:
                buf += c
        elif c in "\"'":
            quote = c
        elif c == ".":
            parts.append(buf.strip())
            buf = ""
        else:
            buf += c
    parts.append(buf.strip())
    return [p for p in parts if p != ""]


def _value_end(line: str, start: int) -> int:
    """End (exclusive) of a simple value starting at ``start`` (a string, or a bare token)."""
    if start >= len(line):
        return start
    c = line[start]
    if c in "\"'":
        j = start + 1
        while j < len(line):
            if line[j] == "\\" and c == '"':
                j += 2
                continue
            if line[j] == c:
                return j + 1
            j += 1
        return len(line)
    if c in "[{":
        return start + 1
    j = start
    while j < len(line) and line[j] not in " \t#,]}":
        j += 1
    return j


def scan(path: Path, text: str) -> TomlPositions:
    pos = TomlPositions(path)
    counts: dict[str, int] = {}
    table = ""
    index = 0
    lines = text.splitlines()
    depth = 0  # open brackets of a multi-line array / inline table
    in_ml: str | None = None  # inside a multi-line string
    for n, line in enumerate(lines, start=1):
        if in_ml is not None:
            if in_ml in line:
                in_ml = None
            continue
        s = line.strip()
        if depth > 0:
            depth += _bracket_delta(line)
            continue
        if not s or s.startswith("#"):
            continue
        col = len(line) - len(line.lstrip()) + 1
        if s.startswith("[[") and "]]" in s:
            name = ".".join(_split_key(s[2 : s.index("]]")]))
            index = counts.get(name, 0)
            counts[name] = index + 1
            table = name
            pos.headers[(table, index)] = Location(path, n, col, n, col + s.index("]]") + 2)
            continue
        if s.startswith("[") and "]" in s:
            table = ".".join(_split_key(s[1 : s.index("]")]))
            index = 0
            if (table, 0) in pos.headers:
                pos.duplicates.append((f"[{table}]", Location(path, n, col, n, col + s.index("]") + 1)))
            pos.headers.setdefault((table, 0), Location(path, n, col, n, col + s.index("]") + 1))
            continue
        eq = _find_eq(line)
        if eq == -1:
            continue
        keyparts = _split_key(line[:eq])
        if not keyparts:
            continue
        kstart = col
        vstart = eq + 1
        while vstart < len(line) and line[vstart] in " \t":
            vstart += 1
        vend = _value_end(line, vstart)
        full = [table] if table else []
        sub = ".".join(full + keyparts[:-1])
        klen = len(line[:eq].rstrip()) - (kstart - 1)
        kloc = Location(path, n, kstart, n, kstart + max(klen, 1))
        vloc = Location(path, n, vstart + 1, n, vend + 1) if vstart < len(line) else kloc
        ident = (sub, index if not keyparts[:-1] else 0, keyparts[-1])
        if ident in pos.keys:
            pos.duplicates.append((".".join([*keyparts]), kloc))
        pos.keys.setdefault(ident, (kloc, vloc))
        # inline table keys: dependency = { path = "..." }
        rest = line[vstart:]
        if rest.startswith("{"):
            _inline_keys(pos, path, n, line, vstart, ".".join([*full, *keyparts]))
        for marker in ('"""', "'''"):
            if rest.startswith(marker) and rest.count(marker) == 1:
                in_ml = marker
        depth = max(_bracket_delta(rest), 0) if rest[:1] in "[{" else 0
    return pos


def _inline_keys(pos: TomlPositions, path: Path, n: int, line: str, start: int, table: str) -> None:
    j = start + 1
    while j < len(line):
        eq = line.find("=", j)
        if eq == -1:
            return
        keytext = line[j:eq].strip().strip(",").strip()
        if not keytext or any(c in keytext for c in "{}[]\"'"):
            return
        vstart = eq + 1
        while vstart < len(line) and line[vstart] == " ":
            vstart += 1
        vend = _value_end(line, vstart)
        kcol = line.index(keytext, j) + 1
        pos.keys.setdefault(
            (table, 0, keytext),
            (Location(path, n, kcol, n, kcol + len(keytext)), Location(path, n, vstart + 1, n, vend + 1)),
        )
        if vstart < len(line) and line[vstart] in "[{":
            return
        j = vend + 1


def _find_eq(line: str) -> int:
    quote = ""
    for i, c in enumerate(line):
        if quote:
            if c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c == "=":
            return i
        elif c == "#":
            return -1
    return -1


def _bracket_delta(text: str) -> int:
    depth = 0
    quote = ""
    for c in text:
        if quote:
            if c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c == "#":
            break
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
    return depth
