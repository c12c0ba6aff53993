"""One line per finding, for CI logs and editors' problem matchers:

    compose.yaml:47:35: VW302 healthcheck of service `backend` requests `/health`, ...

then the summary sentence."""

from __future__ import annotations

from viworks_lint.reporters.base import Report, prepare, summary
from viworks_lint.reporters.text import BOLD, LEVEL_COLORS, RESET


def render(report: Report) -> str:
    p = prepare(report)
    lines = []
    for item in p.items:
        loc = item.location
        where = f"{item.path}:{loc.line}:{loc.col}:"
        rule = item.rule_id
        if report.color:
            where, rule = f"{BOLD}{where}{RESET}", f"{LEVEL_COLORS[item.level]}{rule}{RESET}"
        message = " ".join(item.finding.message.split())  # one line, whatever the message holds
        lines.append(f"{where} {rule} {message}")
    lines.append(summary(p))
    return "\n".join(lines) + "\n"
