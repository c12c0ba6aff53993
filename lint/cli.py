"""Command line: ``viworks-lint [PATH]...``."""

from __future__ import annotations

import os
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click
from viworks_lint import __version__

if TYPE_CHECKING:
    from viworks_lint.config import Config

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FORMATS = ("text", "json", "sarif", "github", "gitlab")


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


PROJECT_MARKERS = (".viworks-lint.toml", ".git")


def _abs(path: Path) -> Path:
    return Path(os.path.normpath(path.absolute()))


def find_project_root(start: Path) -> Path:
    """The nearest directory from ``start`` up with a ``.viworks-lint.toml`` or ``.git``; else ``start``."""
    for d in [start, *start.parents]:
        if any((d / marker).exists() for marker in PROJECT_MARKERS):
            return d
    return start


@dataclass(frozen=True)
class Scope:
    """What to lint and what to report: the project root is always linted whole (the rules are
    cross-file); ``only`` narrows the findings reported to some files or a subdirectory."""

    root: Path
    scan: tuple[Path, ...] = ()  # explicit directories to walk instead of the whole root
    only: tuple[Path, ...] = ()

    def wants(self, path: Path) -> bool:
        return not self.only or any(path == p or p in path.parents for p in self.only)


def resolve_scope(paths: list[Path]) -> Scope:
    cwd = _abs(Path.cwd())
    if not paths:
        # like `git`: from a subdirectory, lint the whole project and report what is below here
        root = find_project_root(cwd)
        return Scope(root, only=(cwd,) if root != cwd else ())
    absolute = [_abs(p) for p in paths]
    if len(absolute) == 1 and absolute[0].is_dir():
        return Scope(absolute[0])
    if all(not p.is_dir() for p in absolute):
        # files: lint the project they belong to, report only on them
        common = Path(os.path.commonpath([str(p.parent) for p in absolute]))
        return Scope(find_project_root(common), only=tuple(absolute))
    common = Path(os.path.commonpath([str(p if p.is_dir() else p.parent) for p in absolute]))
    root = cwd if all(cwd == p or cwd in p.parents for p in absolute) else common
    return Scope(root, scan=tuple(absolute))


def _config_problem(config: Config, root: Path) -> str | None:
    """What the schema cannot check: rule names that exist, files that exist."""
    from viworks_lint.engine import unknown_selectors

    checks: list[tuple[str, list[str]]] = [
        ("select", list(config.select)),
        ("ignore", list(config.ignore)),
        ("levels", list(config.levels)),
        *((f'per-file-ignores."{glob}"', list(sels)) for glob, sels in config.per_file_ignores.items()),
    ]
    for key, selectors in checks:
        bad = unknown_selectors(selectors)
        if bad:
            return f"`{key}`: unknown rule {', '.join(repr(b) for b in bad)} (see --list-rules)"
    for key, files in (("compose-files", config.compose_files), ("env-files", config.env_files)):
        for f in files:
            if not (root / f).is_file():
                return f"`{key}`: {f} does not exist (paths are relative to {root})"
    return None


def report_root(root: Path) -> Path:
    """Paths are shown relative to the current directory when it contains the project or lies in it
    (so they can be opened from where the command ran), else relative to the project root."""
    cwd = _abs(Path.cwd())
    if root == cwd or cwd in root.parents or root in cwd.parents:
        return cwd
    return root


def _list_rules() -> str:
    from viworks_lint.rule import all_rules

    rules = all_rules()
    width = max(len(r.name) for r in rules)
    lines = [f"{r.id}  {r.name:<{width}}  {r.level.value:<7}  {r.summary}" for r in rules]
    return "\n".join(lines)


def _explain(ident: str) -> str | None:
    from viworks_lint.docs import suppress_help
    from viworks_lint.rule import get_rule

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
        f"{wrap(suppress_help(rule.id))}\n"
    )


@click.command(
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Exit status: 0 no problem at error or warning level, 1 problems found, 2 usage, config or "
    "internal error. Docs: `viworks-lint --explain ID`.",
)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True, help="Output format.")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to FILE instead of standard output.",
)
@click.option(
    "--select",
    multiple=True,
    metavar="IDS",
    help="Only run these rules: ids, prefixes (VW4) or names, comma-separated.",
)
@click.option("--ignore", multiple=True, metavar="IDS", help="Do not run these rules (ids, prefixes or names).")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    help="Config file (default: .viworks-lint.toml, or [workspace.metadata.viworks-lint] in Cargo.toml).",
)
@click.option(
    "-f",
    "--compose-file",
    "compose_files",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Compose file to lint as one project, in merge order (repeatable).",
)
@click.option(
    "--env-file",
    "env_files",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Extra file of variables for compose interpolation, like `docker compose --env-file`.",
)
@click.option("--list-rules", is_flag=True, help="List every rule and exit.")
@click.option("--explain", metavar="ID", help="Explain a rule (id or name) and exit.")
@click.option("--no-color", is_flag=True, help="Never colour the output (NO_COLOR is honoured too).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when problems are found.")
@click.option(
    "--report-unused-suppressions", is_flag=True, help="Report suppression comments that suppress nothing (VW003)."
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    expose_value=False,
    callback=lambda ctx, _param, value: ctx.meta.__setitem__("cache_dir", value),
    help="Where to keep the cache (default: $XDG_CACHE_HOME/viworks-lint or ~/.cache/viworks-lint).",
)
@click.option(
    "--no-cache",
    is_flag=True,
    expose_value=False,
    callback=lambda ctx, _param, value: ctx.meta.__setitem__("no_cache", value),
    help="Neither read nor write the cache.",
)
@click.version_option(__version__, "--version", prog_name="viworks-lint")
def cli(
    paths: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    config_path: Path | None,
    compose_files: tuple[Path, ...],
    env_files: tuple[Path, ...],
    list_rules: bool,
    explain: str | None,
    no_color: bool,
    exit_zero: bool,
    report_unused_suppressions: bool,
) -> None:
    """Lint a Rust + Docker compose project for the defects that break builds, loop restarts and fail
    healthchecks. PATH defaults to the current directory."""
    _apply_cache_options()
    if list_rules:
        click.echo(_list_rules())
        sys.exit(EXIT_OK)
    if explain is not None:
        text = _explain(explain)
        if text is None:
            raise click.UsageError(f"unknown rule {explain!r}; see --list-rules")
        click.echo(text, nl=False)
        sys.exit(EXIT_OK)
    sys.exit(
        run(
            list(paths),
            fmt,
            output,
            _split(select),
            _split(ignore),
            config_path,
            list(compose_files),
            list(env_files),
            no_color,
            exit_zero,
            report_unused_suppressions,
        )
    )


def run(
    paths: list[Path],
    fmt: str,
    output: Path | None,
    select: list[str],
    ignore: list[str],
    config_path: Path | None,
    compose_files: list[Path],
    env_files: list[Path],
    no_color: bool,
    exit_zero: bool,
    report_unused: bool,
) -> int:
    from viworks_lint.config import ConfigError, load_config
    from viworks_lint.engine import select_rules, unknown_selectors
    from viworks_lint.findings import Level
    from viworks_lint.lintrun import lint
    from viworks_lint.reporters import Report, render
    from viworks_lint.rule import all_rules

    for p in [*paths, *compose_files, *env_files]:
        if not p.exists():
            click.echo(f"viworks-lint: error: {p}: no such file or directory", err=True)
            return EXIT_ERROR
    scope = resolve_scope(paths)
    root = scope.root
    try:
        config = load_config(root, config_path)
    except ConfigError as exc:
        click.echo(f"viworks-lint: config error: {exc}", err=True)
        return EXIT_ERROR
    bad = unknown_selectors([*select, *ignore])
    if bad:
        click.echo(f"viworks-lint: error: unknown rule selector(s): {', '.join(bad)} (see --list-rules)", err=True)
        return EXIT_ERROR
    problem = _config_problem(config, root)
    if problem is not None:
        click.echo(f"viworks-lint: config error: {config.source}: {problem}", err=True)
        return EXIT_ERROR
    rules = select_rules(all_rules(), select or config.select, [*config.ignore, *ignore])
    result = lint(
        root,
        config,
        rules,
        paths=list(scope.scan),
        compose_files=[_abs(p) for p in compose_files],
        env_files=[_abs(p) for p in env_files],
        report_unused=report_unused or config.report_unused_suppressions,
    )
    findings = [f for f in result.findings if scope.wants(f.location.path)]
    color = fmt == "text" and output is None and not no_color and not os.environ.get("NO_COLOR") and sys.stdout.isatty()
    report = Report(
        findings=findings,
        rules=rules,
        root=report_root(root),
        tool_version=__version__,
        color=color,
        files_checked=result.files_checked,
    )
    text = render(fmt, report)
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            click.echo(f"viworks-lint: error: cannot write {output}: {exc.strerror or exc}", err=True)
            return EXIT_ERROR
    else:
        sys.stdout.write(text)
        if text and not text.endswith("\n"):
            sys.stdout.write("\n")
        sys.stdout.flush()
    for err in result.errors:
        click.echo(f"viworks-lint: {err}", err=True)
    if result.errors:
        return EXIT_ERROR
    failing = [f for f in findings if f.level in (Level.ERROR, Level.WARNING)]
    return EXIT_FINDINGS if failing and not exit_zero else EXIT_OK


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
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("viworks-lint: interrupted", err=True)
        sys.exit(130)
    except SystemExit:
        raise
    except BaseException as exc:  # never a traceback for a user, unless they ask
        if os.environ.get("VIWORKS_LINT_DEBUG"):
            raise
        click.echo(
            f"viworks-lint: internal error: {exc.__class__.__name__}: {exc} (set VIWORKS_LINT_DEBUG=1 for a traceback)",
            err=True,
        )
        sys.exit(EXIT_ERROR)
