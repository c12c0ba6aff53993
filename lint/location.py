"""Source positions. Every model node a finding can point at carries one."""

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
