"""Source positions. Every model node a finding can point at carries one; :func:`line_span` narrows one to a
word written on its line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Location:
    """A span in a file. Lines and columns are 1-based; ``end_col`` is exclusive.

    ``path`` is absolute; reporters make it relative to the project root.
    """

    path: Path
    line: int = 1
    col: int = 1
    end_line: int | None = None
    end_col: int | None = None

    def with_span(self, end_line: int, end_col: int) -> Location:
        return Location(self.path, self.line, self.col, end_line, end_col)

    @staticmethod
    def of_token(path: Path, line: int, col: int, length: int) -> Location:
        """Location of a token of ``length`` characters starting at ``line``:``col``."""
        return Location(path, line, col, line, col + max(length, 1))


def line_span(loc: Location, needle: str) -> Location:
    """``needle`` on the line of ``loc``, searched from ``loc``'s column (a YAML scalar's location points
    at its opening quote, if any); ``loc`` itself when not found."""
    if not needle:
        return loc
    try:
        with open(loc.path, encoding="utf-8", errors="replace") as fh:
            for n, text in enumerate(fh, start=1):
                if n == loc.line:
                    at = text.find(needle, max(loc.col - 1, 0))
                    if at == -1:
                        return loc
                    return Location(loc.path, n, at + 1, n, at + 1 + len(needle))
    except OSError:
        pass
    return loc
