"""One run of the linter: find the project(s), load their config, run the rules, apply the baseline,
render the report and decide the exit status. Options come in as :class:`~viworks_lint.options.Options`;
every problem that stops the run is a :class:`~viworks_lint.usage.UsageFailure` (exit 2)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from viworks_lint import __version__
from viworks_lint.baseline import Baseline, BaselineError, Entry, apply, load, to_text
from viworks_lint.config import Config, ConfigError, load_config
from viworks_lint.engine import select_rules, unknown_selectors
from viworks_lint.findings import Finding, Level
from viworks_lint.lintrun import RunOutput
from viworks_lint.lintrun import lint as run_project
from viworks_lint.options import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, Options
from viworks_lint.output import use_color, write_report
from viworks_lint.project import norm_path as absolute
from viworks_lint.reporters import Report, render
from viworks_lint.reporters.base import plural, prepare
from viworks_lint.roots import Scope, resolve_scope
from viworks_lint.rule import Rule, all_rules
from viworks_lint.ruleinfo import unknown_rule_message
from viworks_lint.usage import UsageFailure, error, info

LEVEL_RANK = {Level.NOTE: 1, Level.WARNING: 2, Level.ERROR: 3}
WHAT_IS_READ = "compose file, Dockerfile, Cargo.toml or .env file"


@dataclass
class Linted:
    """The findings of every project of a run, and what it read."""

    findings: list[Finding]
    rules: list[Rule]
    files: set[Path]
    errors: list[str]
    not_deployed: list[tuple[Path, str, str]] = field(default_factory=list)  # compose files judged not deployed


def guarded(func: Callable[[Options], int]) -> Callable[[Options], int]:
    """A run that reports a :class:`UsageFailure` in the one error style and exits 2."""

    def run(opts: Options) -> int:
        try:
            return func(opts)
        except UsageFailure as exc:
            return error(exc.message, exc.hint)

    return run


def start(opts: Options) -> tuple[Scope, Config]:
    """Check the paths named, find the project root, load its config and check the rule selectors."""
    for p in [*opts.paths, *opts.compose_files, *opts.env_files]:
        if not p.exists():
            raise UsageFailure(f"{p}: no such file or directory")
    scope = resolve_scope(list(opts.paths))
    config = _config(scope.root, opts.config_path)
    _check_selectors(opts)
    return scope, config


def _templates_hint(root: Path) -> str | None:
    """When the only project files are in template folders a script renders (skipped by discovery)."""
    from viworks_lint.discover import rendered_template

    try:
        folders = sorted(d for d in root.iterdir() if d.is_dir())
    except OSError:
        return None
    for d in folders:
        why = rendered_template(root, d)
        if why is not None:
            return f"`{d.name}/` is a template a script fills in ({why}), so it is skipped: lint the rendered project"
    return None


@guarded
def run(opts: Options) -> int:
    scope, config = start(opts)
    baseline_path = opts.baseline or (scope.root / config.baseline if config.baseline else None)
    baseline = _load_baseline(baseline_path) if baseline_path is not None and opts.write_baseline is None else None
    linted = lint(scope, config, opts)
    findings = [f for f in linted.findings if scope.wants(f.location.path)]
    files = {f for f in linted.files if scope.wants(f)}
    if not files and not findings:
        raise UsageFailure(
            f"nothing to lint: no {WHAT_IS_READ} in {scope.describe()}",
            _templates_hint(scope.root) or "run it in a project directory, or name the compose files with -f",
        )
    report = Report(
        findings=findings,
        rules=linted.rules,
        root=scope.root,
        tool_version=__version__,
        files_checked=len(files),
        not_deployed=[j for j in linted.not_deployed if scope.wants(j[0])],
    )
    if opts.write_baseline is not None:
        return _write_baseline(opts.write_baseline, report)
    if baseline is not None:
        report = _apply_baseline(baseline, report, scope, linted.rules)
    color = use_color(
        "never" if opts.no_color and opts.color == "auto" else opts.color,
        opts.fmt,
        to_file=opts.output is not None,
        to_terminal=sys.stdout.isatty(),
    )
    report = replace(report, color=color)
    if opts.statistics:
        from viworks_lint.reporters import statistics

        text = statistics.render(report, opts.fmt)
    else:
        text = render(opts.fmt, report)
    write_report(text, opts.output)
    for err in linted.errors:
        error(err)
    if linted.errors:
        return EXIT_ERROR
    return exit_status(report.findings, opts.fail_level, opts.exit_zero)


def exit_status(findings: Sequence[Finding], fail_level: str, exit_zero: bool = False) -> int:
    """1 when a finding is at ``fail_level`` or above (and not --exit-zero), else 0."""
    threshold = LEVEL_RANK[Level(fail_level)]
    failing = any(LEVEL_RANK[f.effective_level] >= threshold for f in findings)
    return EXIT_FINDINGS if failing and not exit_zero else EXIT_OK


# ------------------------------------------------------------------------------------------- config


def _config(root: Path, explicit: Path | None) -> Config:
    try:
        config = load_config(root, explicit)
    except ConfigError as exc:
        raise UsageFailure(f"config: {exc}") from None
    problem = config_problem(config, root)
    if problem is not None:
        raise UsageFailure(f"config: {config.source}: {problem}")
    return config


def config_problem(config: Config, root: Path) -> str | None:
    """What the schema cannot check: rule names that exist, files that exist."""
    checks: list[tuple[str, list[str]]] = [
        ("select", list(config.select)),
        ("ignore", list(config.ignore)),
        ("levels", list(config.levels)),
        *((f'per-file-ignores."{glob}"', list(sels)) for glob, sels in config.per_file_ignores.items()),
    ]
    for key, selectors in checks:
        bad = unknown_selectors(selectors)
        if bad:
            return f"`{key}`: {unknown_rule_message(bad, 'unknown rule')}"
    for key, files in (("compose-files", config.compose_files), ("env-files", config.env_files)):
        for f in files:
            if not (root / f).is_file():
                return f"`{key}`: {f} does not exist (paths are relative to {root})"
    return None


def _check_selectors(opts: Options) -> None:
    bad = unknown_selectors([*opts.select, *opts.ignore])
    if bad:
        raise UsageFailure(unknown_rule_message(bad))


# ------------------------------------------------------------------------------------------- linting


def lint(scope: Scope, config: Config, opts: Options) -> Linted:
    """Lint the project at the scope's root, and each subproject (a folder with its own
    ``.viworks-lint.toml``) with its own config. A finding belongs to the innermost project whose
    folder holds its file."""
    linted = Linted([], [], set(), [])
    pending: list[tuple[Path, Config, bool]] = [(scope.root, config, True)]
    ran: dict[str, Rule] = {}
    while pending:
        root, cfg, outer = pending.pop(0)
        rules = select_rules(all_rules(), opts.select or cfg.select, [*cfg.ignore, *opts.ignore])
        ran.update((r.id, r) for r in rules)

        def run_one(cfg: Config, root: Path = root, rules: list[Rule] = rules, outer: bool = outer) -> RunOutput:
            return run_project(
                root,
                cfg,
                rules,
                compose_files=[absolute(p) for p in opts.compose_files] if outer else [],
                env_files=[absolute(p) for p in opts.env_files] if outer else [],
                report_unused=opts.report_unused_suppressions or cfg.report_unused_suppressions,
            )

        out = run_one(cfg)
        subs = [] if opts.config_path is not None else subproject_roots(out.configs)
        if subs:  # lint again without the subprojects' folders; each is linted with its own config
            excluded = tuple(f"/{p.relative_to(root).as_posix()}/" for p in subs)
            out = run_one(replace(cfg, exclude=(*cfg.exclude, *excluded)))
            pending.extend((sub, _config(sub, None), False) for sub in subs)
        linted.findings.extend(f for f in out.findings if not _inside(f.location.path, subs))
        linted.files.update(f for f in out.files if not _inside(f, subs))
        linted.errors.extend(out.errors)
        linted.not_deployed.extend(j for j in out.not_deployed if not _inside(j[0], subs))
    linted.rules = [ran[k] for k in sorted(ran)]
    return linted


def subproject_roots(configs: list[Path]) -> list[Path]:
    """The outermost folders below the root with their own config."""
    dirs = sorted({absolute(p.parent) for p in configs})
    return [d for d in dirs if not any(o in d.parents for o in dirs)]


def _inside(path: Path, dirs: list[Path]) -> bool:
    return any(d in path.parents for d in dirs)


# ------------------------------------------------------------------------------------------- baseline


def _load_baseline(path: Path) -> Baseline:
    try:
        return load(path)
    except BaselineError as exc:
        raise UsageFailure(str(exc), "write one with --write-baseline FILE") from None


def _write_baseline(path: Path, report: Report) -> int:
    items = prepare(report).items
    write_report(to_text(items, __version__), path)
    info(f"wrote a baseline of {plural(len(items), 'finding')} to {path}")
    return EXIT_OK


def _apply_baseline(baseline: Baseline, report: Report, scope: Scope, rules: list[Rule]) -> Report:
    ran = {r.id for r in rules}

    def relevant(entry: Entry) -> bool:
        return entry.rule in ran and scope.wants(absolute(scope.root / entry.path))

    applied = apply(baseline, prepare(report).items, relevant)
    return replace(
        report,
        findings=[i.finding for i in applied.kept],
        baselined=applied.baselined,
        baseline_stale=applied.stale,
    )
