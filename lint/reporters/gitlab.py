"""GitLab Code Quality report (a JSON list of Code Climate style issues)."""

from __future__ import annotations

import json
from typing import Any

from viworks_lint.findings import Level
from viworks_lint.reporters.base import TOOL_NAME, Item, Report, last_line, prepare

SEVERITIES = {Level.ERROR: "critical", Level.WARNING: "minor", Level.NOTE: "info"}

# Code Climate categories, chosen from a rule's tags; "Bug Risk" otherwise.
_CATEGORY_BY_TAG = {
    "security": "Security",
    "performance": "Performance",
    "style": "Style",
    "compatibility": "Compatibility",
    "portability": "Compatibility",
    "clarity": "Clarity",
    "complexity": "Complexity",
    "duplication": "Duplication",
}


def _categories(item: Item) -> list[str]:
    tags = item.rule.tags if item.rule is not None else ()
    found = sorted({_CATEGORY_BY_TAG[t] for t in tags if t in _CATEGORY_BY_TAG})
    return found or ["Bug Risk"]


def _issue(item: Item) -> dict[str, Any]:
    loc = item.location
    label = f"{item.rule_id} {item.rule_name}".strip()
    return {
        "type": "issue",
        "engine_name": TOOL_NAME,
        "check_name": item.rule_id,
        "description": f"{item.finding.message} [{label}]",
        "categories": _categories(item),
        "severity": SEVERITIES[item.level],
        "fingerprint": item.fingerprint,
        "location": {
            "path": item.path,
            "lines": {"begin": loc.line, "end": last_line(loc)},
        },
    }


def to_data(report: Report) -> list[dict[str, Any]]:
    return [_issue(item) for item in prepare(report).items]


def render(report: Report) -> str:
    return json.dumps(to_data(report), indent=2, ensure_ascii=False) + "\n"
