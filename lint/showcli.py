"""``--show-project``: print the model the rules read (text, JSON or a Mermaid flowchart) and exit 0."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click
from viworks_lint.options import EXIT_OK, Options
from viworks_lint.usage import UsageFailure

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]

SHOW_OPTIONS: list[Decorator] = [
    click.option(
        "--show-project",
        is_flag=True,
        help="Print what the linter linked (compose services → images → binaries → crates → routes, and the links "
        "it could not make) as text, JSON (--format json) or a Mermaid flowchart (--format mermaid); exit 0.",
    ),
]

SHOW_FORMATS = ("text", "json", "mermaid")


def run(opts: Options) -> int:
    from viworks_lint.runner import guarded

    return guarded(_run)(opts)


def _run(opts: Options) -> int:
    from viworks_lint import runner
    from viworks_lint.engine import Engine, select_rules
    from viworks_lint.output import write_report
    from viworks_lint.project import Project, norm_path
    from viworks_lint.projectview import build_view
    from viworks_lint.rule import all_rules
    from viworks_lint.viewrender import render_mermaid, render_text

    if opts.fmt not in SHOW_FORMATS:
        raise UsageFailure(f"--show-project prints text, json or mermaid, not {opts.fmt}")
    scope, config = runner.start(opts)
    project = Project(
        scope.root,
        config,
        compose_files=[norm_path(p) for p in opts.compose_files],
        env_files=[norm_path(p) for p in opts.env_files],
    )
    rules = select_rules(all_rules(), opts.select or config.select, [*config.ignore, *opts.ignore])
    findings = [f for f in Engine(project, rules).run().findings if scope.wants(f.location.path)]
    view = build_view(project, findings)
    if opts.fmt == "json":
        text = json.dumps(view, indent=2, ensure_ascii=False) + "\n"
    elif opts.fmt == "mermaid":
        text = render_mermaid(view)
    else:
        text = render_text(view)
    write_report(text, opts.output)
    return EXIT_OK
