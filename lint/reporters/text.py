"""Human-readable output.

::

    compose.yaml:12:5: error VW101 [cargo-target-missing] message
      12 |     image: backend
         |     ^~~~~~~~~~~~~~
      = note: Dockerfile:3:1: related message
      = help: how to fix it


    Found 1 problem (1 error) in 5 files.
"""

from __future__ import annotations

from viworks_lint.findings import Level
from viworks_lint.reporters.base import (
    Item,
    Prepared,
    Report,
    abs_path,
    help_text,
    prepare,
    sanitize_line,
    summary,
)

RESET = "\x1b[0m"
BOLD = "\x1b[1m"
BLUE = "\x1b[34m"
LEVEL_COLORS = {
    Level.ERROR: "\x1b[1;31m",
    Level.WARNING: "\x1b[1;33m",
    Level.NOTE: "\x1b[1;36m",
}


class _Style:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, code: str, text: str) -> str:
        return f"{code}{text}{RESET}" if self.enabled and text else text


def _marker(line: str, item: Item) -> tuple[str, str]:
    """The displayable source line and the caret marker beneath it."""
    loc = item.location
    shown, starts = sanitize_line(line)
    n = len(line)
    start = min(max(loc.col, 1) - 1, n)
    if loc.end_line is None or loc.end_line != loc.line or loc.end_col is None:
        # Multi-line span, or no end given: mark to the end of the first line.
        end = n
    else:
        end = min(max(loc.end_col - 1, start), n)
    width = max(starts[end] - starts[start], 1)
    return shown.rstrip(), " " * starts[start] + "^" + "~" * (width - 1)


def _render_item(p: Prepared, item: Item, style: _Style) -> list[str]:
    loc = item.location
    level_color = LEVEL_COLORS[item.level]
    # `path:line:col: ID name message`; the level labels the span marker below (and colours it on a TTY)
    head = [style(level_color, item.rule_id)]
    if item.rule_name:
        head.append(item.rule_name)
    head.append(item.finding.message)
    out = [f"{style(BOLD, f'{item.path}:{loc.line}:{loc.col}:')} " + " ".join(head)]
    line = p.sources.line(abs_path(loc.path, p.report.root), loc.line)
    if line is not None:
        shown, caret = _marker(line, item)
        number = str(loc.line)
        pad = " " * len(number)
        out.append(f"  {style(BLUE, number + ' |')} {shown}".rstrip())
        out.append(f"  {style(BLUE, pad + ' |')} {style(level_color, caret + ' ' + item.level.value)}")
    else:
        out.append(f"  {style(BLUE, '=')} {style(level_color, item.level.value)}")
    for rel in item.finding.related:
        rloc = rel.location
        where = f"{p.path(rloc.path)}:{rloc.line}:{rloc.col}:"
        out.append(f"  {style(BLUE, '=')} {style(BOLD, 'note:')} {where} {rel.message}")
    advice = help_text(item)
    if advice:
        out.append(f"  {style(BLUE, '=')} {style(BOLD, 'help:')} {advice}")
    return out


def render(report: Report) -> str:
    p = prepare(report)
    style = _Style(report.color)
    blocks = ["\n".join(_render_item(p, item, style)) for item in p.items]
    blocks.append(style(BOLD, summary(p)))
    judged = not_deployed_lines(p)
    if judged:
        blocks[-1] += "\n" + "\n".join(judged)
    return "\n\n".join(blocks) + "\n"


MAX_JUDGED = 6


def not_deployed_lines(p: Prepared) -> list[str]:
    """The compose files judged not deployed, and why: a quiet report on them is not a clean bill of health."""
    judged = sorted(p.report.not_deployed)
    if not judged:
        return []
    out = ["Judged not deployed, so the hardening rules (VW4xx) skip them (`[scope]` in the config overrides):"]
    out += [f"  {p.path(path)}: {scope}, {reason}" for path, scope, reason in judged[:MAX_JUDGED]]
    if len(judged) > MAX_JUDGED:
        out.append(f"  and {len(judged) - MAX_JUDGED} more (--show-project lists every file's scope)")
    return out
