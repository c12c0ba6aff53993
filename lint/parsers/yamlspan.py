"""Where a YAML scalar or flow collection ends in the source text.

ruamel.yaml gives the start of every key and value; the end is found here by reading the text the way
YAML does for each style: double-quoted (``\\`` escapes, may span lines), single-quoted (``''`` is a
quote), block scalars (``|`` / ``>`` and the more-indented lines below), plain scalars (to a comment,
a ``:`` after a key, a flow indicator inside ``[ ]`` / ``{ }``, or the end of the line; multi-line
plain scalars continue over the lines their words are on) and flow collections (to the matching
bracket). Positions are 0-based (line, column); the returned end column is exclusive."""

from __future__ import annotations

from collections.abc import Sequence

MAX_SCAN_LINES = 10_000


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _skip_properties(text: str, col: int) -> int:
    """Past anchors (``&a``) and tags (``!!str``) before the value itself."""
    while col < len(text) and text[col] in "&!":
        while col < len(text) and not text[col].isspace():
            col += 1
        while col < len(text) and text[col] == " ":
            col += 1
    return col


def _quoted(lines: Sequence[str], line: int, col: int, quote: str) -> tuple[int, int] | None:
    i = col + 1
    for n in range(line, min(len(lines), line + MAX_SCAN_LINES)):
        text = lines[n]
        while i < len(text):
            ch = text[i]
            if quote == '"' and ch == "\\":
                i += 2
                continue
            if ch == quote:
                if quote == "'" and i + 1 < len(text) and text[i + 1] == "'":
                    i += 2
                    continue
                return n, i + 1
            i += 1
        i = 0
    return None


def _block(lines: Sequence[str], line: int, col: int) -> tuple[int, int]:
    header = lines[line]
    end = (line, len(header.split(" #", 1)[0].rstrip()))
    parent = _indent(header)
    content: int | None = None
    for n in range(line + 1, min(len(lines), line + MAX_SCAN_LINES)):
        text = lines[n]
        if not text.strip():
            continue
        if content is None:
            content = _indent(text)
            if content <= parent:
                break
        if _indent(text) < content:
            break
        end = (n, len(text.rstrip()))
    return end


def _token_end(text: str, col: int, *, flow: bool, key: bool) -> int:
    """End of a plain scalar on its first line."""
    i = col
    while i < len(text):
        ch = text[i]
        if ch == "#" and i > col and text[i - 1] in " \t":
            break
        ends_key = i + 1 == len(text) or text[i + 1] in " \t" or (flow and text[i + 1] in ",[]{}")
        if ch == ":" and ends_key and (key or flow):
            break
        if flow and ch in ",[]{}":
            break
        i += 1
    return len(text[col:i].rstrip()) + col


def _plain(lines: Sequence[str], line: int, col: int, flow: bool, key: bool, value: str | None) -> tuple[int, int]:
    text = lines[line]
    end = _token_end(text, col, flow=flow, key=key)
    words = value.split() if value else []
    if key or not words or " ".join(text[col:end].split()) == " ".join(words):
        return line, end
    # a plain scalar folded over several lines: follow its words
    n, i = line, col
    for word in words:
        while True:
            at = lines[n].find(word, i)
            if at != -1:
                i = at + len(word)
                break
            n, i = n + 1, 0
            if n >= len(lines) or n > line + MAX_SCAN_LINES:
                return line, end
    return n, i


def _flow_collection(lines: Sequence[str], line: int, col: int) -> tuple[int, int] | None:
    depth = 0
    n, i = line, col
    while n < len(lines) and n < line + MAX_SCAN_LINES:
        text = lines[n]
        while i < len(text):
            ch = text[i]
            if ch in "\"'":
                closed = _quoted(lines, n, i, ch)
                if closed is None:
                    return None
                n, i = closed
                text = lines[n]
                continue
            if ch == "#" and (i == 0 or text[i - 1] in " \t"):
                break
            if ch in "[{":
                depth += 1
            elif ch in "]}":
                depth -= 1
                if depth == 0:
                    return n, i + 1
            i += 1
        n, i = n + 1, 0
    return None


def value_end(
    lines: Sequence[str], line: int, col: int, *, flow: bool = False, key: bool = False, value: str | None = None
) -> tuple[int, int] | None:
    """The end of the scalar (or flow collection) starting at ``line``/``col``, or None when the text
    there is not what the parser saw (then the caller keeps its own guess)."""
    if not 0 <= line < len(lines) or col > len(lines[line]):
        return None
    text = lines[line]
    col = _skip_properties(text, col)
    if col >= len(text):
        return None
    ch = text[col]
    if ch in "\"'":
        return _quoted(lines, line, col, ch)
    if ch in "[{":
        return _flow_collection(lines, line, col)
    if ch in "|>" and not key:
        return _block(lines, line, col)
    return _plain(lines, line, col, flow, key, value)
