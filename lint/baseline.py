"""Baselines: record today's findings, then report only new ones.

A baseline is a JSON file listing findings by their stable fingerprint (rule, file, key and the
text of the flagged line, not its number), so findings whose lines moved stay matched. Entries that
no longer match anything are counted as stale, so the file can be pruned by writing it again."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from viworks_lint.reporters.base import TOOL_NAME, Item

BASELINE_FORMAT = 1


class BaselineError(Exception):
    """The baseline file cannot be read or is not a baseline."""


@dataclass(frozen=True)
class Entry:
    fingerprint: str
    rule: str
    path: str


@dataclass(frozen=True)
class Baseline:
    entries: tuple[Entry, ...]

    @property
    def fingerprints(self) -> frozenset[str]:
        return frozenset(e.fingerprint for e in self.entries)


@dataclass(frozen=True)
class Applied:
    kept: list[Item]
    baselined: int
    stale: int


def to_text(items: list[Item], version: str) -> str:
    data: dict[str, Any] = {
        "tool": TOOL_NAME,
        "version": version,
        "baseline_format": BASELINE_FORMAT,
        "findings": [
            {
                "fingerprint": item.fingerprint,
                "rule": item.rule_id,
                "path": item.path,
                "line": item.location.line,
                "message": item.finding.message,
            }
            for item in items
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def load(path: Path) -> Baseline:
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"{path}: baseline file not found") from None
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(f"{path}: not a baseline (invalid JSON: {exc})") from None
    findings = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(findings, list) or data.get("tool") != TOOL_NAME:
        raise BaselineError(f"{path}: not a {TOOL_NAME} baseline (write one with --write-baseline)")
    entries = []
    for n, entry in enumerate(findings):
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            raise BaselineError(f"{path}: entry {n + 1} has no `fingerprint`")
        entries.append(Entry(entry["fingerprint"], str(entry.get("rule", "")), str(entry.get("path", ""))))
    return Baseline(tuple(entries))


def apply(baseline: Baseline, items: list[Item], relevant: Callable[[Entry], bool] | None = None) -> Applied:
    """Drop the items the baseline lists. ``relevant`` limits the stale count to entries this run could
    have matched (an entry of a rule not selected, or of a file not reported on, is not stale)."""
    known = baseline.fingerprints
    kept = [i for i in items if i.fingerprint not in known]
    seen = {i.fingerprint for i in items}
    stale = sum(1 for e in baseline.entries if e.fingerprint not in seen and (relevant is None or relevant(e)))
    return Applied(kept, len(items) - len(kept), stale)
