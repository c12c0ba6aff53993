"""GitHub Actions workflow commands (``::error file=...::message``), one per finding.

Escaping follows the Actions toolkit: in the message ``%``, CR and LF are percent-encoded; in
property values ``:`` and ``,`` are encoded as well.
"""

from __future__ import annotations

from viworks_lint.findings import Level
from viworks_lint.reporters.base import Item, Prepared, Report, last_line, prepare

COMMANDS = {Level.ERROR: "error", Level.WARNING: "warning", Level.NOTE: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(p: Prepared, item: Item) -> str:
    loc = item.location
    props: list[tuple[str, str]] = [("file", item.path), ("line", str(loc.line))]
    end_line = last_line(loc)
    # GitHub only honours columns for single-line annotations.
    if end_line == loc.line:
        props.append(("col", str(loc.col)))
    props.append(("endLine", str(end_line)))
    if loc.end_line == loc.line and loc.end_col is not None and loc.end_col > loc.col:
        props.append(("endColumn", str(loc.end_col)))
    title = f"{item.rule_id} {item.rule_name}".strip()
    props.append(("title", title))
    message = item.finding.message
    for rel in item.finding.related:
        rloc = rel.location
        message += f"\nnote: {p.path(rloc.path)}:{rloc.line}:{rloc.col}: {rel.message}"
    prop_text = ",".join(f"{k}={escape_property(v)}" for k, v in props)
    return f"::{COMMANDS[item.level]} {prop_text}::{escape_data(message)}"


def render(report: Report) -> str:
    p = prepare(report)
    return "".join(_command(p, item) + "\n" for item in p.items)
