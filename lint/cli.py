"""Command line: ``viworks-lint [PATH]...``.

This module only declares the options and dispatches: each option becomes a field of
:class:`~viworks_lint.options.Options` with the same name; :mod:`viworks_lint.runner` does the run,
:mod:`viworks_lint.ruleinfo` answers ``--list-rules`` and ``--explain``. Options are declared in groups
(what to lint, which rules, output, exit status, baseline, information) so each concern has one place."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from viworks_lint import __version__
from viworks_lint.fixcli import FIX_OPTIONS
from viworks_lint.options import COLOR_MODES, EXIT_ERROR, EXIT_OK, FAIL_LEVELS, Options
from viworks_lint.showcli import SHOW_OPTIONS

FORMATS = ("text", "concise", "json", "sarif", "github", "gitlab", "mermaid")  # mermaid: --show-project only

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]

WHAT_TO_LINT: list[Decorator] = [
    click.argument("paths", nargs=-1, type=click.Path(path_type=Path)),
    click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path),
        help="Config file (default: .viworks-lint.toml of each project, or [workspace.metadata.viworks-lint] "
        "in its root Cargo.toml).",
    ),
    click.option(
        "-f",
        "--compose-file",
        "compose_files",
        multiple=True,
        type=click.Path(path_type=Path),
        help="Compose file to lint as one project, in merge order (repeatable).",
    ),
    click.option(
        "--env-file",
        "env_files",
        multiple=True,
        type=click.Path(path_type=Path),
        help="Extra file of variables for compose interpolation, like `docker compose --env-file`.",
    ),
]

WHICH_RULES: list[Decorator] = [
    click.option(
        "--select",
        multiple=True,
        metavar="IDS",
        help="Only run these rules: ids, prefixes (VW4) or names, comma-separated.",
    ),
    click.option("--ignore", multiple=True, metavar="IDS", help="Do not run these rules (ids, prefixes or names)."),
    click.option(
        "--report-unused-suppressions", is_flag=True, help="Report suppression comments that suppress nothing (VW003)."
    ),
]

OUTPUT: list[Decorator] = [
    click.option(
        "--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True, help="Output format."
    ),
    click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write the report to FILE instead of standard output (missing folders are created).",
    ),
    click.option(
        "--statistics",
        is_flag=True,
        help="Show how many findings each rule has instead of the findings (text or json).",
    ),
    click.option(
        "--color",
        type=click.Choice(COLOR_MODES),
        default="auto",
        show_default=True,
        help="Colour the text output: auto (on a terminal; FORCE_COLOR/CLICOLOR_FORCE force it, NO_COLOR disables it).",
    ),
    click.option("--no-color", is_flag=True, help="Same as --color never."),
]

EXIT_STATUS: list[Decorator] = [
    click.option(
        "--fail-level",
        type=click.Choice(FAIL_LEVELS),
        default="warning",
        show_default=True,
        help="Exit 1 when a finding is at this level or above.",
    ),
    click.option("--exit-zero", is_flag=True, help="Exit 0 even when problems are found."),
]

BASELINE: list[Decorator] = [
    click.option(
        "--baseline",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Report only findings not listed in this baseline file (config key `baseline`).",
    ),
    click.option(
        "--write-baseline",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Record every current finding in FILE as the baseline and exit 0.",
    ),
]

CACHE: list[Decorator] = [
    click.option(
        "--cache-dir",
        type=click.Path(file_okay=False, path_type=Path),
        expose_value=False,
        callback=lambda ctx, _param, value: ctx.meta.__setitem__("cache_dir", value),
        help="Where to keep the cache (default: $XDG_CACHE_HOME/viworks-lint or ~/.cache/viworks-lint).",
    ),
    click.option(
        "--no-cache",
        is_flag=True,
        expose_value=False,
        callback=lambda ctx, _param, value: ctx.meta.__setitem__("no_cache", value),
        help="Neither read nor write the cache.",
    ),
]

INFORMATION: list[Decorator] = [
    click.option("--list-rules", is_flag=True, help="List every rule and exit (--format json for JSON)."),
    click.option("--explain", metavar="ID", help="Explain a rule (id or name) and exit."),
    click.version_option(__version__, "--version", prog_name="viworks-lint"),
]

OPTION_GROUPS = (
    WHAT_TO_LINT,
    WHICH_RULES,
    OUTPUT,
    EXIT_STATUS,
    BASELINE,
    CACHE,
    FIX_OPTIONS,
    SHOW_OPTIONS,
    INFORMATION,
)


def _with_options(func: Callable[..., Any]) -> Callable[..., Any]:
    for group in reversed(OPTION_GROUPS):
        for decorate in reversed(group):
            func = decorate(func)
    return func


class Command(click.Command):
    """Reports click's usage errors in the same style as every other error (``viworks-lint: error:``)."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except click.ClickException as exc:
            from viworks_lint.usage import from_click

            sys.exit(from_click(exc))
        except click.exceptions.Abort:
            click.echo("viworks-lint: interrupted", err=True)
            sys.exit(130)
        sys.exit(code if isinstance(code, int) else EXIT_OK)


@click.command(
    cls=Command,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Exit status: 0 nothing at the fail level (default: warning) or above, 1 problems found, 2 usage, "
    "config or internal error. Docs: `viworks-lint --explain ID`.",
)
@_with_options
def cli(**params: Any) -> int:
    """Lint a Rust + Docker compose project for the defects that break builds, loop restarts and fail
    healthchecks. PATH defaults to the current directory; the project root is the nearest folder up with
    .git or .viworks-lint.toml."""
    _apply_cache_options()
    opts = Options.from_click(params)
    if opts.list_rules:
        from viworks_lint.ruleinfo import list_rules

        click.echo(list_rules("json" if opts.fmt == "json" else "text"), nl=False)
        return EXIT_OK
    if opts.explain is not None:
        from viworks_lint.ruleinfo import explain, suggest
        from viworks_lint.usage import error

        text = explain(opts.explain)
        if text is None:
            close = suggest(opts.explain)
            hint = f"did you mean {close}? see --list-rules" if close else "see --list-rules"
            return error(f"unknown rule {opts.explain!r}", hint)
        click.echo(text, nl=False)
        return EXIT_OK
    if opts.show_project or opts.fmt == "mermaid":
        from viworks_lint import showcli

        if not opts.show_project:
            from viworks_lint.usage import error

            return error("--format mermaid is for --show-project", "run `viworks-lint --show-project --format mermaid`")
        return showcli.run(opts)
    if opts.fix or opts.diff or opts.unsafe_fixes:
        from viworks_lint import fixcli  # never replayed: fixes need a lint of the files as they are

        return fixcli.run(opts)
    from viworks_lint import replay

    return replay.run(opts, _lint)


def _lint(opts: Options) -> int:
    from viworks_lint.runner import run  # imports the parsers and every rule: only when not replayed

    return run(opts)


def _apply_cache_options() -> None:
    """``--no-cache`` wins over ``--cache-dir``; with neither, the default set up by :func:`main` stays."""
    from viworks_lint import cache

    meta = click.get_current_context().meta
    if meta.get("no_cache"):
        cache.configure(None)
    elif meta.get("cache_dir") is not None:
        cache.configure(Path(meta["cache_dir"]).absolute())


def main() -> None:
    from viworks_lint import cache

    cache.configure(cache.default_dir())  # the command caches by default; the library does not
    try:
        cli()
    except KeyboardInterrupt:
        click.echo("viworks-lint: interrupted", err=True)
        sys.exit(130)
    except SystemExit:
        raise
    except BaseException as exc:  # never a traceback for a user, unless they ask
        if os.environ.get("VIWORKS_LINT_DEBUG"):
            raise
        click.echo(
            f"viworks-lint: error: internal error: {exc.__class__.__name__}: {exc} "
            "(set VIWORKS_LINT_DEBUG=1 for a traceback)",
            err=True,
        )
        sys.exit(EXIT_ERROR)
