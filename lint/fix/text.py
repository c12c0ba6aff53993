"""Text changes as splices (offset ranges of the original text): the one way every fixer writes, so
what a fix does not touch stays byte for byte as it was."""

from __future__ import annotations

from dataclasses import dataclass

from viworks_lint.fixes import AppendLine, ReplaceText

_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./~%")


class FixError(Exception):
    """A fix cannot be applied to the text as it is (reason in the message)."""


@dataclass(frozen=True, order=True)
class Splice:
    start: int  # offsets into the original text
    end: int
    new: str


def newline_of(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def line_starts(text: str) -> list[int]:
    """Offset of the start of every line (1-based line n starts at ``starts[n - 1]``)."""
    starts = [0]
    pos = text.find("\n")
    while pos != -1:
        starts.append(pos + 1)
        pos = text.find("\n", pos + 1)
    return starts


def line_text(text: str, starts: list[int], line: int) -> str:
    """Line ``line`` (1-based) without its line break."""
    begin = starts[line - 1]
    end = starts[line] - 1 if line < len(starts) else len(text)
    return text[begin:end].rstrip("\r")


def replace_splice(text: str, starts: list[int], edit: ReplaceText) -> Splice:
    if not 0 < edit.line <= len(starts):
        raise FixError(f"line {edit.line} is past the end of the file")
    line = line_text(text, starts, edit.line)
    col = edit.col - 1
    if col < 0 or col > len(line):
        raise FixError(f"column {edit.col} is past the end of line {edit.line}")
    if not edit.old:
        at = starts[edit.line - 1] + col
        return Splice(at, at, edit.new)
    pos = line.find(edit.old, col)
    while pos != -1 and edit.whole and pos + len(edit.old) < len(line) and line[pos + len(edit.old)] in _WORD:
        pos = line.find(edit.old, pos + 1)
    if pos == -1:
        raise FixError(f"`{edit.old}` is not written as such on line {edit.line} (it may come from a variable)")
    at = starts[edit.line - 1] + pos
    return Splice(at, at + len(edit.old), edit.new)


def append_splice(text: str, edit: AppendLine) -> Splice:
    nl = newline_of(text)
    lead = nl if text and not text.endswith("\n") else ""
    return Splice(len(text), len(text), f"{lead}{edit.text}{nl}")


def overlaps(a: Splice, b: Splice) -> bool:
    """Two changes that touch the same characters (two insertions at one point do not)."""
    if a.start == a.end or b.start == b.end:
        return a.start < b.end and b.start < a.end
    return a.start < b.end and b.start < a.end


def apply_splices(text: str, splices: list[Splice]) -> str:
    """Apply non-overlapping splices; insertions at the same offset keep their given order."""
    order = sorted(range(len(splices)), key=lambda i: (splices[i].start, splices[i].end, i))
    out: list[str] = []
    pos = 0
    for i in order:
        s = splices[i]
        if s.start < pos:
            raise FixError("two changes overlap")
        out.append(text[pos : s.start])
        out.append(s.new)
        pos = s.end
    out.append(text[pos:])
    return "".join(out)
