"""One definition, one finding. A value written once and used by several services (a YAML anchor, an
``x-`` block, a shared env file) makes each rule report the same place once per service. Findings of a
rule at the same span whose messages differ only in the service names they mention are merged into one
at the definition, naming every service, with the services as related locations."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from viworks_lint.findings import Finding, Level, Related
from viworks_lint.location import Location

_TICKED = re.compile(r"(`[^`]*`)")
_RANK = {Level.ERROR: 0, Level.WARNING: 1, Level.NOTE: 2}


def merge_shared(findings: Sequence[Finding], services: Mapping[str, Sequence[Location]]) -> list[Finding]:
    """``services``: service name → the locations of its definitions (to relate merged services)."""
    groups: dict[tuple[object, ...], list[Finding]] = {}
    for f in findings:
        loc = f.location
        groups.setdefault((f.rule_id, loc.path, loc.line, loc.col, loc.end_line, loc.end_col), []).append(f)
    out: list[Finding] = []
    for group in groups.values():
        merged = _merge(group, services) if len(group) > 1 else None
        out.extend([merged] if merged is not None else group)
    return out


def _merge(group: list[Finding], services: Mapping[str, Sequence[Location]]) -> Finding | None:
    parts = [_TICKED.split(f.message) for f in group]
    if len({len(p) for p in parts}) != 1:
        return None
    names: list[str] = []
    merged: list[str] = []
    for i, column in enumerate(zip(*parts, strict=True)):
        values = list(dict.fromkeys(column))
        if len(values) == 1:
            merged.append(values[0])
            continue
        ticked = [v[1:-1] for v in values if v.startswith("`") and v.endswith("`")]
        if i % 2 == 0 or len(ticked) != len(values) or not all(n in services for n in ticked):
            return None  # they differ in more than the service: separate claims
        names.extend(n for n in ticked if n not in names)
        merged.append(", ".join(values))
    text = "".join(merged)
    for n in names:  # "of service `a`, `b`" → "of services `a`, `b`"
        text = text.replace(f"service `{n}`", f"services `{n}`", 1) if f"service `{n}`" in text else text
    related: dict[Location, Related] = {}
    for f in group:
        for r in f.related:
            related.setdefault(r.location, r)
    path = group[0].location.path
    for n in names:
        for loc in services.get(n, ()):
            if loc.path == path:
                related.setdefault(loc, Related(loc, f"service `{n}` uses this definition"))
    first = min(group, key=lambda f: _RANK.get(f.effective_level, 3))
    return replace(first, message=text, related=tuple(related.values()), key=_common_key(group, names))


def _common_key(group: Iterable[Finding], names: list[str]) -> str:
    keys = [f.key for f in group]
    key = keys[0]
    for n in names:
        key = key.replace(f"{n}:", "", 1) if key.startswith(f"{n}:") else key
    return key
