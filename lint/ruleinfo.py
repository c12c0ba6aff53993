"""``--list-rules`` (text or JSON), ``--explain ID`` and "did you mean" for rule selectors."""

from __future__ import annotations

import difflib
import json
import textwrap
from collections.abc import Iterable

from viworks_lint.rule import Rule, all_rules, get_rule


def list_rules(fmt: str = "text") -> str:
    rules = all_rules()
    if fmt == "json":
        data = [
            {
                "id": r.id,
                "name": r.name,
                "level": r.level.value,
                "summary": r.summary,
                "tags": sorted(set(r.tags)),
                "enabled_by_default": r.default_enabled,
                "help_uri": r.help_uri,
            }
            for r in rules
        ]
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    width = max(len(r.name) for r in rules)
    return "\n".join(f"{r.id}  {r.name:<{width}}  {r.level.value:<7}  {r.summary}" for r in rules) + "\n"


def explain(ident: str) -> str | None:
    from viworks_lint.docs import suppress_help

    rule = get_rule(ident)
    if rule is None:
        return None
    d = rule.docs

    def wrap(s: str) -> str:
        return textwrap.fill(s, 88)

    example = textwrap.indent(d.example, "    ")
    return (
        f"{rule.id} {rule.name} ({rule.level.value})\n\n{wrap(rule.summary)}\n\n"
        f"What it finds\n{wrap(d.what)}\n\nWhy it matters\n{wrap(d.why)}\n\n"
        f"Example\n{example}\n\nHow to fix\n{wrap(d.fix)}\n\n"
        f"{rule.fix_safety_heading}\n{wrap(rule.fix_safety_text)}\n\n"
        f"{wrap(suppress_help(rule.id))}\n"
    )


def suggest(selector: str, rules: Iterable[Rule] | None = None) -> str | None:
    """The rule id or name closest to a mistyped selector, if one is close."""
    rules = list(rules if rules is not None else all_rules())
    sel = selector.strip()
    if sel.upper().startswith("VW"):
        close = difflib.get_close_matches(sel.upper(), [r.id for r in rules], n=1, cutoff=0.6)
    else:
        names = [r.name for r in rules]
        close = difflib.get_close_matches(sel.lower(), names, n=1, cutoff=0.6)
        if not close:  # a fragment of a name: `start-period` → healthcheck-start-period-missing
            hits = [n for n in names if sel.lower() in n]
            close = hits[:1] if len(hits) == 1 else []
    return close[0] if close else None


def unknown_rule_message(bad: list[str], what: str = "unknown rule selector") -> str:
    """``unknown rule selector 'VW3O1' (did you mean VW301?); see --list-rules``"""
    parts = []
    for b in bad:
        hint = suggest(b)
        parts.append(f"{b!r} (did you mean {hint}?)" if hint else repr(b))
    return f"{what}{'s' if len(bad) > 1 else ''} {', '.join(parts)}; see --list-rules"
