"""The ``--fix``, ``--unsafe-fixes`` and ``--diff`` options, and their run.

``--diff`` plans the fixes of one lint and prints them as a unified diff (nothing is written; exit 1
when there is a diff). ``--fix`` writes them, lints again and repeats while a round still changes
something (a fix left out because it overlapped another gets its turn; at most a few rounds), then
the remaining findings are reported as usual, followed by what was fixed."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from viworks_lint.findings import Finding
from viworks_lint.options import EXIT_FINDINGS, EXIT_OK, Options
from viworks_lint.usage import UsageFailure, info

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]

FIX_OPTIONS: list[Decorator] = [
    click.option("--fix", is_flag=True, help="Apply the safe fixes, then report what is left."),
    click.option("--unsafe-fixes", is_flag=True, help="With --fix or --diff: apply the unsafe fixes too."),
    click.option("--diff", is_flag=True, help="Print what --fix would change as a unified diff; write nothing."),
]

MAX_ROUNDS = 4

Lint = Callable[[], Sequence[Finding]]


@dataclass
class FixOutcome:
    findings: list[Finding]  # what the last lint found (to report)
    fixed: int = 0
    files: set[Path] = field(default_factory=set)
    unsafe_more: int = 0  # findings an --unsafe-fixes run would fix as well
    notes: list[str] = field(default_factory=list)  # fixes left out, files not written
    diff: str = ""


def _where(f: Finding, shown: Path) -> str:
    try:
        rel = f.location.path.relative_to(shown).as_posix()
    except ValueError:
        rel = f.location.path.as_posix()
    return f"{rel}:{f.location.line}:{f.location.col}"


def diff_run(lint: Lint, root: Path, shown: Path, *, unsafe: bool) -> FixOutcome:
    from viworks_lint.fix import plan_fixes, unified_diff

    findings = list(lint())
    plan = plan_fixes(findings, root, unsafe=unsafe)
    out = FixOutcome(findings, fixed=len(plan.fixed), files=set(plan.changes), unsafe_more=len(plan.unsafe_hidden))
    out.diff = unified_diff(plan, shown)
    out.notes = [f"{_where(f, shown)}: {f.rule_id} fix not applied: {why}" for f, why in plan.skipped]
    return out


def fix_run(lint: Lint, root: Path, shown: Path, *, unsafe: bool) -> FixOutcome:
    from viworks_lint.fix import plan_fixes, write_plan

    findings = list(lint())
    out = FixOutcome(findings)
    skipped: dict[tuple[str, str], str] = {}
    for _round in range(MAX_ROUNDS):
        plan = plan_fixes(findings, root, unsafe=unsafe)
        for f, why in plan.skipped:
            skipped[(f.rule_id, _where(f, shown))] = why
        if not plan.changes:
            break
        problems = write_plan(plan)
        out.notes.extend(problems)
        out.fixed += len(plan.fixed)
        out.files.update(plan.changes)
        findings = list(lint())
        if problems:
            break
    out.findings = findings
    out.unsafe_more = 0 if unsafe else sum(1 for f in findings if f.fix is not None and not f.fix.safe)
    remaining = {(f.rule_id, _where(f, shown)) for f in findings}
    out.notes[:0] = [
        f"{where}: {rule} fix not applied: {why}"
        for (rule, where), why in skipped.items()
        if (rule, where) in remaining
    ]
    return out


def summary(outcome: FixOutcome, *, diff: bool) -> str:
    n = outcome.fixed
    noun = "problem" if n == 1 else "problems"
    files = len(outcome.files)
    verb = "Would fix" if diff else "Fixed"
    if n:
        text = f"{verb} {n} {noun} in {files} file{'s' if files != 1 else ''}"
    else:
        text = "No fixes to apply" if diff else "No fixes applied"
    if outcome.unsafe_more:
        text += f"; {outcome.unsafe_more} more with --unsafe-fixes"
    return text + "."


def run(opts: Options) -> int:
    from viworks_lint.runner import guarded

    return guarded(_run)(opts)


def _run(opts: Options) -> int:
    from viworks_lint import cache, runner

    if opts.unsafe_fixes and not (opts.fix or opts.diff):
        raise UsageFailure("--unsafe-fixes needs --fix or --diff")
    cache.configure(None)  # fixes come from a lint of the files as they are now (cached findings carry none)
    scope, config = runner.start(opts)

    def lint_once() -> list[Finding]:
        linted = runner.lint(scope, config, opts)
        return [f for f in linted.findings if scope.wants(f.location.path)]

    if opts.diff:
        outcome = diff_run(lint_once, scope.root, scope.root, unsafe=opts.unsafe_fixes)
        for note in outcome.notes:
            info(note)
        sys.stdout.write(outcome.diff)
        sys.stdout.flush()
        info(summary(outcome, diff=True))
        return EXIT_FINDINGS if outcome.diff else EXIT_OK
    outcome = fix_run(lint_once, scope.root, scope.root, unsafe=opts.unsafe_fixes)
    for note in outcome.notes:
        info(note)
    code = runner.run(opts)  # the report of what is left
    click.echo(summary(outcome, diff=False), err=opts.fmt != "text" or opts.output is not None)
    return code
