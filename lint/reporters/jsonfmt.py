"""Machine-readable JSON output (stable: sorted findings, fixed key order, indent 2)."""

from __future__ import annotations

import json
from typing import Any

from viworks_lint.location import Location
from viworks_lint.reporters.base import TOOL_NAME, Item, Prepared, Report, help_text, prepare

JSON_FORMAT_VERSION = 1


def _span(p: Prepared, loc: Location) -> dict[str, Any]:
    return {
        "path": p.path(loc.path),
        "line": loc.line,
        "column": loc.col,
        "end_line": loc.end_line,
        "end_column": loc.end_col,
    }


def _finding(p: Prepared, item: Item) -> dict[str, Any]:
    f = item.finding
    span = _span(p, f.location)
    span["path"] = item.path
    return {
        "rule": item.rule_id,
        "name": item.rule_name,
        "level": item.level.value,
        "message": f.message,
        **span,
        "related": [{**_span(p, r.location), "message": r.message} for r in f.related],
        "key": f.key,
        "fingerprint": item.fingerprint,
        "scope": f.scope,
        "help": help_text(item),
    }


def to_data(report: Report) -> dict[str, Any]:
    p = prepare(report)
    return {
        "tool": TOOL_NAME,
        "version": report.tool_version,
        "format_version": JSON_FORMAT_VERSION,
        "findings": [_finding(p, item) for item in p.items],
        "summary": {
            "total": p.counts.total,
            "errors": p.counts.errors,
            "warnings": p.counts.warnings,
            "notes": p.counts.notes,
            "files_checked": report.files_checked,
            "baselined": report.baselined,
            "baseline_stale": report.baseline_stale if report.baselined is not None else None,
        },
    }


def render(report: Report) -> str:
    return json.dumps(to_data(report), indent=2, ensure_ascii=False) + "\n"
