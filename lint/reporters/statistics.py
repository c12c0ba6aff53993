"""``--statistics``: how many findings each rule has, most first (like ruff's ``--statistics``).

Text::

    3  VW401  runs-as-root          warning
    1  VW101  cargo-target-missing  error

With ``--format json``, a list of ``{"rule", "name", "level", "count"}``."""

from __future__ import annotations

import json
from collections import Counter

from viworks_lint.reporters.base import Item, Report, prepare, summary


def render(report: Report, fmt: str) -> str:
    p = prepare(report)
    counts = Counter(item.rule_id for item in p.items)
    first: dict[str, Item] = {}
    for item in p.items:
        first.setdefault(item.rule_id, item)
    order = sorted(counts, key=lambda rule: (-counts[rule], rule))
    if fmt == "json":
        data = [
            {"rule": r, "name": first[r].rule_name, "level": first[r].level.value, "count": counts[r]} for r in order
        ]
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    width_n = max((len(str(n)) for n in counts.values()), default=1)
    width_name = max((len(first[r].rule_name) for r in order), default=0)
    rows = [
        f"{counts[r]:>{width_n}}  {r}  {first[r].rule_name:<{width_name}}  {first[r].level.value}".rstrip()
        for r in order
    ]
    return "\n".join([*rows, summary(p)]) + "\n"
