"""SARIF 2.1.0 output, accepted by GitHub code scanning.

Paths are expressed relative to the ``%SRCROOT%`` base (the project root, declared in
``run.originalUriBaseIds``); files outside the root get absolute ``file:`` URIs. Every result
carries a ``partialFingerprints`` entry that does not depend on its line number (see
:func:`viworks_lint.reporters.base.base_fingerprint`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from viworks_lint.findings import HELP, Level
from viworks_lint.location import Location
from viworks_lint.reporters.base import (
    FINGERPRINT_KEY,
    TOOL_NAME,
    TOOL_URI,
    Item,
    Prepared,
    Report,
    abs_path,
    last_line,
    prepare,
    relative_to_root,
)
from viworks_lint.rule import Rule

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
SRCROOT = "%SRCROOT%"
# the category GitHub code scanning files the analysis under (everything before the last "/")
AUTOMATION_ID = "viworks-lint/"

# GitHub code scanning: `problem.severity` for quality rules, `security-severity` (CVSS-like
# score) only for rules tagged "security".
PROBLEM_SEVERITY = {Level.ERROR: "error", Level.WARNING: "warning", Level.NOTE: "recommendation"}
SECURITY_SEVERITY = {Level.ERROR: "7.5", Level.WARNING: "5.0", Level.NOTE: "2.0"}


def sentence(text: str) -> str:
    """``text`` stripped and ended as a sentence (SARIF messages must be): a period is added unless it
    already ends with ``.``, ``?`` or ``!`` (never ``?.``)."""
    text = text.strip()
    if not text:
        return text
    return text if text.endswith((".", "?", "!")) else text + "."


def pascal_case(name: str) -> str:
    """``cargo-target-missing`` -> ``CargoTargetMissing`` (SARIF convention for rule names)."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^0-9A-Za-z]+", name) if part)


def _fence(code: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", code)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}\n{code.rstrip()}\n{ticks}"


def _rule_descriptor(rule: Rule) -> dict[str, Any]:
    docs = rule.docs
    what, why, fix = sentence(docs.what), sentence(docs.why), sentence(docs.fix)
    text = "\n\n".join(
        part
        for part in (
            what,
            f"Why: {why}" if why else "",
            f"Example:\n{docs.example.rstrip()}" if docs.example.strip() else "",
            f"Fix: {fix}" if fix else "",
        )
        if part
    )
    markdown = "\n\n".join(
        part
        for part in (
            f"**{rule.id} `{rule.name}`**: {what}" if what else f"**{rule.id} `{rule.name}`**",
            f"**Why.** {why}" if why else "",
            f"**Example.**\n\n{_fence(docs.example)}" if docs.example.strip() else "",
            f"**Fix.** {fix}" if fix else "",
        )
        if part
    )
    properties: dict[str, Any] = {
        "tags": sorted(set(rule.tags)),
        "precision": "high",
        "problem.severity": PROBLEM_SEVERITY[rule.level],
        "lintName": rule.name,
    }
    if rule.security_severity is not None:
        properties["security-severity"] = f"{rule.security_severity:.1f}"
    elif "security" in rule.tags:
        properties["security-severity"] = SECURITY_SEVERITY[rule.level]
    return {
        "id": rule.id,
        "name": pascal_case(rule.name) or rule.id,
        "shortDescription": {"text": sentence(rule.summary or rule.name)},
        "fullDescription": {"text": sentence(docs.what or rule.summary or rule.name)},
        "help": {"text": text or sentence(rule.summary), "markdown": markdown or sentence(rule.summary)},
        "helpUri": rule.help_uri,
        "defaultConfiguration": {"level": rule.level.value, "enabled": rule.default_enabled},
        "properties": properties,
    }


def _unknown_rule_descriptor(rule_id: str, level: Level) -> dict[str, Any]:
    text = f"Finding reported by {TOOL_NAME} under rule {rule_id}."
    return {
        "id": rule_id,
        "name": pascal_case(rule_id) or rule_id,
        "shortDescription": {"text": text},
        "fullDescription": {"text": text},
        "help": {"text": text, "markdown": text},
        "helpUri": TOOL_URI,
        "defaultConfiguration": {"level": level.value},
        "properties": {"tags": [], "precision": "high", "problem.severity": PROBLEM_SEVERITY[level]},
    }


def root_uri(root: Path) -> str:
    uri = root.resolve().as_uri() if not root.is_absolute() else root.as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _artifact_location(path: Path, root: Path) -> dict[str, Any]:
    rel = relative_to_root(path, root)
    if rel is None or rel.as_posix() in ("", "."):
        return {"uri": abs_path(path, root).as_uri()}
    return {"uri": quote(rel.as_posix(), safe="/"), "uriBaseId": SRCROOT}


def _region(p: Prepared, loc: Location) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": loc.line, "startColumn": loc.col}
    end_line = loc.end_line if loc.end_line is not None else loc.line
    region["endLine"] = max(end_line, loc.line)
    if loc.end_col is not None:
        end_col = loc.end_col
        if region["endLine"] == loc.line:
            end_col = max(end_col, loc.col + 1)
        region["endColumn"] = end_col
    if last_line(loc) < region["endLine"]:
        # Ends just after a line break: end the region at the end of the previous line instead.
        prev = p.sources.line(abs_path(loc.path, p.report.root), last_line(loc))
        if prev is not None:
            region["endLine"] = last_line(loc)
            region["endColumn"] = max(len(prev) + 1, loc.col + 1) if region["endLine"] == loc.line else len(prev) + 1
    snippet = _snippet(p, loc.path, region)
    if snippet is not None and snippet.strip():
        region["snippet"] = {"text": snippet}
    return region


def _snippet(p: Prepared, path: Path, region: dict[str, Any]) -> str | None:
    """The text the region covers (endColumn exclusive; absent means to the end of the line)."""
    lines = p.sources.lines(abs_path(path, p.report.root))
    first, last = region["startLine"], region["endLine"]
    if lines is None or first > len(lines) or last > len(lines) + 1:
        return None
    # A span may end at column 1 of the line after the last one (end of file).
    chunk = [lines[n - 1].rstrip("\r\n") if n <= len(lines) else "" for n in range(first, last + 1)]
    if "endColumn" in region:
        chunk[-1] = chunk[-1][: region["endColumn"] - 1]
    chunk[0] = chunk[0][region["startColumn"] - 1 :]
    return "\n".join(chunk)


def _physical(p: Prepared, loc: Location) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": _artifact_location(loc.path, p.report.root),
            "region": _region(p, loc),
        }
    }


def _escape_brackets(text: str) -> str:
    return text.replace("[", "\\[").replace("]", "\\]")


def message_text(message: str, related: list[str]) -> str:
    """The result message, with each related location linked (``[service `backend`](1)``, SARIF's
    embedded links, which GitHub shows as links to the cross-file evidence). Brackets in link text are
    escaped, and in the message itself where they could read as a link."""
    text = sentence(message)
    if re.search(r"\]\(", text):
        text = _escape_brackets(text)
    if related:
        links = ", ".join(f"[{_escape_brackets(m.strip().rstrip('.'))}]({n})" for n, m in enumerate(related, 1))
        text = f"{text} Related: {links}." if text else f"Related: {links}."
    return text


def _result(p: Prepared, item: Item, rule_index: int) -> dict[str, Any]:
    f = item.finding
    related = [rel.message or f"related location {n}" for n, rel in enumerate(f.related, 1)]
    result: dict[str, Any] = {
        "ruleId": item.rule_id,
        "ruleIndex": rule_index,
        "level": item.level.value,
        "message": {"text": message_text(f.message, related) or f"{item.rule_id}."},
        "locations": [_physical(p, f.location)],
        "partialFingerprints": {FINGERPRINT_KEY: item.fingerprint, "primaryLocationLineHash": item.line_hash},
    }
    if f.scope is not None:
        result["properties"] = {"scope": f.scope}
    own = f.extra.get(HELP, "")
    if own:  # this finding's own fix advice (the rule's help is the general one)
        result.setdefault("properties", {})["help"] = own
    if f.related:
        locations = []
        for n, rel in enumerate(f.related, start=1):
            entry = _physical(p, rel.location)
            entry["id"] = n
            entry["message"] = {"text": sentence(rel.message) or "Related location."}
            locations.append(entry)
        result["relatedLocations"] = locations
    return result


def to_data(report: Report) -> dict[str, Any]:
    p = prepare(report)
    descriptors: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for rule in sorted(report.rules, key=lambda r: r.id):
        if rule.id not in index:
            index[rule.id] = len(descriptors)
            descriptors.append(_rule_descriptor(rule))
    for item in p.items:
        if item.rule_id not in index:
            index[item.rule_id] = len(descriptors)
            descriptors.append(_unknown_rule_descriptor(item.rule_id, item.level))

    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "semanticVersion": report.tool_version,
                "version": report.tool_version,
                "informationUri": TOOL_URI,
                "rules": descriptors,
            }
        },
        "automationDetails": {"id": AUTOMATION_ID},
        "invocations": [{"executionSuccessful": True}],
        "originalUriBaseIds": {SRCROOT: {"uri": root_uri(report.root)}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(p, item, index[item.rule_id]) for item in p.items],
    }
    return {"$schema": SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def render(report: Report) -> str:
    return json.dumps(to_data(report), indent=2, ensure_ascii=False) + "\n"
