"""Findings: what a rule reports."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from viworks_lint.fixes import Fix
from viworks_lint.location import Location

HELP = "help"  # Finding.extra key: fix advice for this finding (else the rule's documented fix)
REDACT = "redact"  # Finding.extra key: the flagged line holds a secret after the span; never shown
# Finding.extra key: exact spans holding a secret (in any file of the finding), never shown; the value is
# made by redact_spans()
REDACT_SPANS = "redact_spans"


def redact_spans(spans: list[tuple[Location, int]]) -> str:
    """Encode (start location, length) spans for ``Finding.extra[REDACT_SPANS]``."""
    return "\n".join(f"{loc.path}\t{loc.line}\t{loc.col}\t{loc.col + n}" for loc, n in spans if n > 0)


def decode_redact_spans(text: str) -> list[tuple[str, int, int, int]]:
    out: list[tuple[str, int, int, int]] = []
    for row in text.split("\n"):
        parts = row.rsplit("\t", 3)
        if len(parts) == 4 and all(p.isdecimal() for p in parts[1:]):
            out.append((parts[0], int(parts[1]), int(parts[2]), int(parts[3])))
    return out


class Level(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True)
class Related:
    """A secondary location of a cross-file finding (e.g. the compose service of an env read)."""

    location: Location
    message: str


@dataclass(frozen=True)
class Finding:
    """One defect. ``key`` identifies the defect independently of its line number (it feeds the
    SARIF partial fingerprint), e.g. the env var name or the COPY source; defaults to the message."""

    rule_id: str
    message: str
    location: Location
    related: tuple[Related, ...] = ()
    key: str = ""
    level: Level | None = None  # filled in by the engine from the rule (and config overrides)
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    scope: str | None = field(default=None, compare=False)  # deployment scope of the file, set by the engine
    fix: Fix | None = field(default=None, compare=False, hash=False)  # what --fix may do about it

    @property
    def effective_level(self) -> Level:
        return self.level if self.level is not None else Level.ERROR
