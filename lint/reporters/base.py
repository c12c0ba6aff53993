"""Reporter input and helpers shared by every output format.

A reporter is a function ``render(report: Report) -> str``. This module defines :class:`Report`
(what the engine hands over) and :func:`prepare`, which turns it into a sorted list of
:class:`Item` with everything the formats have in common already worked out: the level, the
path relative to the project root, the rule's metadata and a line-independent fingerprint.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath

from viworks_lint.findings import HELP, REDACT, REDACT_SPANS, Finding, Level, decode_redact_spans
from viworks_lint.location import Location
from viworks_lint.rule import Rule

SourceReader = Callable[[Path], Sequence[str] | None]
Redactions = dict[Path, dict[int, list[tuple[int, int | None]]]]

TOOL_NAME = "viworks-lint"
TOOL_URI = "https://github.com/viworks/viworks-lint"
FINGERPRINT_KEY = "viworksFingerprint/v1"


@dataclass(frozen=True)
class Report:
    findings: Sequence[Finding]  # each has .level set (Level), .location.path absolute
    rules: Sequence[Rule]  # every rule that ran (SARIF driver.rules lists these; results use ruleIndex)
    root: Path  # project root: paths shown relative to it (posix); paths outside root absolute
    tool_version: str
    color: bool = False
    # Returns a file's lines (for snippets/fingerprints). The default reads the file
    # (utf-8, errors=replace), cached, None on failure.
    source: SourceReader | None = None
    files_checked: int = 0
    baselined: int | None = None  # findings left out because the baseline lists them (None: no baseline)
    baseline_stale: int = 0  # baseline entries that matched no finding
    # compose files judged not deployed (path, scope, reason): hardening rules stay silent on them
    not_deployed: Sequence[tuple[Path, str, str]] = ()


# --------------------------------------------------------------------------------------------
# Source access


MAX_SNIPPET_FILE = 10 * 1024 * 1024


def read_lines(path: Path) -> list[str] | None:
    """A file's lines without line terminators, or ``None`` if it cannot be read."""
    try:
        if not path.is_file() or path.stat().st_size > MAX_SNIPPET_FILE:
            return None  # FIFOs, devices, huge files: no snippet rather than a hang
        data = path.read_bytes()
    except OSError:
        return None
    return data.decode("utf-8", errors="replace").splitlines()


class SourceCache:
    """Per-render cache in front of ``Report.source`` (or :func:`read_lines`)."""

    def __init__(self, reader: SourceReader | None, redact: Redactions | None = None) -> None:
        self._reader: SourceReader = reader if reader is not None else read_lines
        self._cache: dict[Path, Sequence[str] | None] = {}
        # path → {line: [(column, end column or None for the end of the line)]}: secret text, never shown
        self._redact = redact or {}

    def lines(self, path: Path) -> Sequence[str] | None:
        if path not in self._cache:
            try:
                lines = self._reader(path)
            except (OSError, UnicodeError, ValueError):
                lines = None
            if lines is not None and path in self._redact:
                lines = list(lines)
                for lineno, spans in self._redact[path].items():
                    if 0 < lineno <= len(lines):
                        text = lines[lineno - 1]
                        for col, end in spans:
                            stop = len(text) if end is None else min(end - 1, len(text))
                            text = (
                                text[: col - 1]
                                + "".join(c if c.isspace() else "*" for c in text[col - 1 : stop])
                                + text[stop:]
                            )
                        lines[lineno - 1] = text
            self._cache[path] = lines
        return self._cache[path]

    def line(self, path: Path, lineno: int) -> str | None:
        """Line ``lineno`` (1-based) without its terminator, or ``None`` if unavailable."""
        lines = self.lines(path)
        if lines is None or lineno < 1 or lineno > len(lines):
            return None
        return lines[lineno - 1].rstrip("\r\n")


# --------------------------------------------------------------------------------------------
# Paths


def _absolute(path: Path, root: Path) -> Path:
    return path if path.is_absolute() else root / path


def relative_to_root(path: Path, root: Path) -> PurePath | None:
    """``path`` relative to ``root``, or ``None`` when it lies outside the root."""
    path = _absolute(path, root)
    try:
        return path.relative_to(root)
    except ValueError:
        pass
    try:
        return path.resolve().relative_to(root.resolve())
    except (ValueError, OSError):
        return None


def display_path(path: Path, root: Path) -> str:
    """Posix path relative to ``root``; absolute (posix) when outside it."""
    rel = relative_to_root(path, root)
    if rel is None:
        return _absolute(path, root).as_posix()
    text = rel.as_posix()
    return text if text != "." else path.name or "."


# --------------------------------------------------------------------------------------------
# Levels, counts and wording


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


@dataclass(frozen=True)
class Counts:
    errors: int = 0
    warnings: int = 0
    notes: int = 0

    @property
    def total(self) -> int:
        return self.errors + self.warnings + self.notes


def count_levels(levels: Sequence[Level]) -> Counts:
    return Counts(
        errors=sum(1 for lv in levels if lv is Level.ERROR),
        warnings=sum(1 for lv in levels if lv is Level.WARNING),
        notes=sum(1 for lv in levels if lv is Level.NOTE),
    )


def summary_sentence(counts: Counts, files_checked: int, baselined: int | None = None, stale: int = 0) -> str:
    """``Found 3 problems (2 errors, 1 warning) in 5 files.`` / ``No problems found in 5 files.``; with a
    baseline, ``Found 1 new problem (1 error) in 5 files; 6 baselined, 1 stale baseline entry.``"""
    files = plural(files_checked, "file")
    new = "new " if baselined is not None else ""
    if counts.total == 0:
        text = f"No {new}problems found in {files}"
    else:
        parts = [
            plural(n, word)
            for n, word in ((counts.errors, "error"), (counts.warnings, "warning"), (counts.notes, "note"))
            if n
        ]
        problems = "problem" if counts.total == 1 else "problems"
        text = f"Found {counts.total} {new}{problems} ({', '.join(parts)}) in {files}"
    if baselined is not None:
        text += f"; {baselined} baselined"
        if stale:
            entries = "baseline entry no longer matches" if stale == 1 else "baseline entries no longer match"
            text += f", {stale} {entries} (prune with --write-baseline)"
    return text + "."


# --------------------------------------------------------------------------------------------
# Fingerprints


def normalize_whitespace(text: str) -> str:
    return " ".join(text.split())


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def base_fingerprint(finding: Finding, rel_path: str, line_text: str | None) -> str:
    """Hash of what identifies a finding independently of its line number: the rule, the file,
    the finding's key (its message when the key is empty) and the whitespace-normalised text of
    the flagged line."""
    key = finding.key or finding.message
    return _digest("v1", finding.rule_id, rel_path, key, normalize_whitespace(line_text or ""))


def fingerprint(base: str, occurrence: int) -> str:
    """Final fingerprint: the base hash, disambiguated by the occurrence counter among findings
    sharing that base (counted in report order). 32 hex digits."""
    return _digest(base, str(occurrence))[:32]


# --------------------------------------------------------------------------------------------
# Prepared report


@dataclass(frozen=True)
class Item:
    """A finding with everything the formats share worked out."""

    finding: Finding
    level: Level
    path: str  # display path (relative posix, or absolute when outside the root)
    rule: Rule | None
    fingerprint: str
    line_hash: str = ""  # GitHub's primaryLocationLineHash form: 16 hex digits of the base, ":" occurrence

    @property
    def location(self) -> Location:
        return self.finding.location

    @property
    def rule_id(self) -> str:
        return self.finding.rule_id

    @property
    def rule_name(self) -> str:
        return self.rule.name if self.rule is not None else ""




def help_text(item: Item) -> str:
    """How to fix the finding: its own advice when the rule gives one, else the rule's documented fix."""
    own = item.finding.extra.get(HELP, "")
    if own:
        return own
    return item.rule.docs.fix.strip() if item.rule is not None else ""


@dataclass(frozen=True)
class Prepared:
    report: Report
    items: list[Item]
    counts: Counts
    sources: SourceCache

    def path(self, path: Path) -> str:
        return display_path(path, self.report.root)


def sort_key(path: str, loc: Location, finding: Finding) -> tuple[str, int, int, int, int, str, str]:
    return (
        path,
        loc.line,
        loc.col,
        loc.end_line if loc.end_line is not None else loc.line,
        loc.end_col if loc.end_col is not None else 0,
        finding.rule_id,
        finding.message,
    )


def _redactions(report: Report) -> Redactions:
    out: Redactions = {}
    for f in report.findings:
        if f.extra.get(REDACT):
            loc = f.location
            col = loc.end_col if loc.end_col is not None and (loc.end_line in (None, loc.line)) else loc.col
            out.setdefault(_absolute(loc.path, report.root), {}).setdefault(loc.line, []).append((col, None))
        for path, line, col, end in decode_redact_spans(f.extra.get(REDACT_SPANS, "")):
            out.setdefault(_absolute(Path(path), report.root), {}).setdefault(line, []).append((col, end))
    return out


def prepare(report: Report) -> Prepared:
    sources = SourceCache(report.source, _redactions(report))
    rules = {r.id: r for r in report.rules}
    keyed = []
    for f in report.findings:
        path = display_path(f.location.path, report.root)
        keyed.append((sort_key(path, f.location, f), path, f))
    keyed.sort(key=lambda t: t[0])

    seen: dict[str, int] = {}
    items: list[Item] = []
    for _, path, f in keyed:
        line_text = sources.line(_absolute(f.location.path, report.root), f.location.line)
        base = base_fingerprint(f, path, line_text)
        occurrence = seen.get(base, 0)
        seen[base] = occurrence + 1
        items.append(
            Item(
                f,
                f.effective_level,
                path,
                rules.get(f.rule_id),
                fingerprint(base, occurrence),
                f"{base[:16]}:{occurrence + 1}",
            )
        )
    return Prepared(report, items, count_levels([i.level for i in items]), sources)


def summary(p: Prepared) -> str:
    return summary_sentence(p.counts, p.report.files_checked, p.report.baselined, p.report.baseline_stale)


def last_line(loc: Location) -> int:
    """The last line a span actually covers: a span ending at column 1 of a later line (i.e. just
    after a line break) ends on the line before."""
    end = loc.end_line if loc.end_line is not None else loc.line
    if end > loc.line and loc.end_col == 1:
        end -= 1
    return max(end, loc.line)


def abs_path(path: Path, root: Path) -> Path:
    """``path`` made absolute against ``root`` (findings should already be absolute)."""
    return _absolute(path, root)


# --------------------------------------------------------------------------------------------
# Display width (for caret markers under source lines)


def char_width(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    return sum(char_width(c) for c in text)


def sanitize_line(text: str, tabsize: int = 8) -> tuple[str, list[int]]:
    """Expand tabs and neutralise control characters in a source line.

    Returns the displayable text and, for each code point of ``text`` (plus one past the end),
    the display column (0-based) at which it starts.
    """
    out: list[str] = []
    starts: list[int] = []
    col = 0
    for ch in text:
        starts.append(col)
        if ch == "\t":
            n = tabsize - (col % tabsize)
            out.append(" " * n)
            col += n
            continue
        if ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0:
            ch = "?"
        out.append(ch)
        col += char_width(ch)
    starts.append(col)
    return "".join(out), starts
