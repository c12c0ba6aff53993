"""Run the selected rules over a project: levels, per-file ignores, suppressions, unused-suppression
reports. Rules never see configuration; the engine applies it to what they yield."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from viworks_lint.findings import Finding, Level
from viworks_lint.imagescope import (
    STANDALONE_REASON,
    dev_stage_at,
    test_stage_at,
    test_target_at,
    toolchain_stage_at,
)
from viworks_lint.location import Location
from viworks_lint.merge import merge_shared
from viworks_lint.parsers.common import MAX_FILE_BYTES
from viworks_lint.project import Project, norm_path
from viworks_lint.rule import Rule, all_rules
from viworks_lint.shippedtargets import unshipped_target_at
from viworks_lint.suppress import Suppression, scan

# a Dockerfile out of step with the code (it copies a binary no cargo run builds): a sign nobody builds it any
# more; a missing source (VW102) may be one the builder puts in place, so it says nothing of that
_BUILD_BREAKERS = frozenset({"VW106"})


def matches(rule: Rule, selector: str) -> bool:
    sel = selector.strip()
    if sel.upper() == "ALL":
        return True
    if sel.lower() == rule.name:
        return True
    return rule.id.startswith(sel.upper()) and sel.upper().startswith("VW")


def select_rules(rules: Sequence[Rule], select: Iterable[str], ignore: Iterable[str]) -> list[Rule]:
    select = list(select)
    ignore = list(ignore)
    out = []
    for r in rules:
        if select:
            if not any(matches(r, s) for s in select):
                continue
        elif not r.default_enabled:
            continue
        if any(matches(r, s) for s in ignore):
            continue
        out.append(r)
    return out


def unknown_selectors(selectors: Iterable[str]) -> list[str]:
    rules = all_rules()
    return [s for s in selectors if not any(matches(r, s) for r in rules)]


@dataclass
class Result:
    findings: list[Finding]
    rules: list[Rule]
    errors: list[str] = field(default_factory=list)  # internal errors (a rule crashed)
    suppressed: int = 0
    out_of_scope: int = 0  # hardening findings on files that do not ship (dev, test, ci, toolchain, aux)


class Engine:
    def __init__(self, project: Project, rules: Sequence[Rule], *, report_unused_suppressions: bool = False) -> None:
        self.project = project
        self.rules = list(rules)
        self.report_unused = report_unused_suppressions
        self._suppressions: dict[Path, list[Suppression]] = {}
        cfg = project.config
        self._per_file = []
        if cfg.per_file_ignores:
            import pathspec  # only for configs with per-file ignores

            self._per_file = [
                (pathspec.GitIgnoreSpec.from_lines([glob]), sels) for glob, sels in cfg.per_file_ignores.items()
            ]

    def suppressions(self, path: Path) -> list[Suppression]:
        if path not in self._suppressions:
            try:
                data = path.read_bytes() if path.is_file() and path.stat().st_size <= MAX_FILE_BYTES else b""
                text = data.decode("utf-8", errors="replace") if b"viworks-lint:" in data else ""
            except OSError:
                text = ""
            is_dockerfile = norm_path(path) in self.project.dockerfiles
            self._suppressions[path] = scan(path, text.splitlines(), dockerfile=is_dockerfile) if text else []
        return self._suppressions[path]

    def _rel(self, path: Path) -> str | None:
        try:
            return path.relative_to(self.project.root).as_posix()
        except ValueError:
            return None

    def run(self) -> Result:
        result = Result([], self.rules)
        seen: set[tuple[str, Path, int, int, str]] = set()
        cfg = self.project.config
        for rule in self.rules:
            level = cfg.level_for(rule.id, rule.level)
            if level is None:
                continue
            try:
                produced = list(rule.check(self.project))
            except Exception as exc:  # a rule bug must not take the other rules down
                result.errors.append(f"internal error in rule {rule.id} ({rule.name}): {exc.__class__.__name__}: {exc}")
                continue
            for f in produced:
                ident = (f.rule_id, f.location.path, f.location.line, f.location.col, f.message)
                if ident in seen:
                    continue
                seen.add(ident)
                if self._ignored_by_path(rule, f.location.path) or self._suppressed(rule, f):
                    result.suppressed += 1
                    continue
                own = f.level if f.level is not None and rule.id not in cfg.levels else None
                scoped = self._scoped(rule, replace(f, level=own or level))
                if scoped is None:
                    result.out_of_scope += 1
                    continue
                result.findings.append(scoped)
        services: dict[str, list[Location]] = {}
        for _compose, svc in self.project.services():
            services.setdefault(svc.name, []).append(svc.location)
        result.findings = merge_shared(result.findings, services)
        result.findings = self._unbuildable(result.findings)
        result.findings = self._disabled(result.findings)
        result.findings = self._moved(result.findings)
        result.findings = self._not_started(result.findings)
        result.findings = self._demo(result.findings)
        if self.report_unused:
            result.findings.extend(self._unused())
        result.findings.sort(key=lambda f: (str(f.location.path), f.location.line, f.location.col, f.rule_id))
        return result

    def _moved(self, findings: list[Finding]) -> list[Finding]:
        """Findings in a compose file moved to a subfolder without its paths (most exist from a folder above
        it) that nothing runs or names: nobody runs it from where it is, so what is wrong with it is advice."""
        from viworks_lint.movedcopy import init_scaffold, moved_copy

        def why(f: Finding) -> str | None:
            path = f.location.path
            moved = moved_copy(self.project, path) if path.suffix in (".yml", ".yaml") else None
            if moved is None:
                scaffold = init_scaffold(self.project, path) if path.suffix in (".yml", ".yaml") else None
                if scaffold is None:
                    return None
                return (
                    f"but `{self.project.rel(path)}` is a scaffold {scaffold} whose Dockerfile is gone, and no "
                    "script, CI step or document runs or names it: a leftover nobody runs"
                )
            above, example = moved
            return (
                f"but no script, CI step or document runs or names `{self.project.rel(path)}`, and the paths it names "
                f"resolve from `{self.project.rel(above)}` (`{example}` is missing beside it, not there): a copy moved "
                "without its paths, which nobody runs from here"
            )

        return _as_advice(findings, why)

    def _not_started(self, findings: list[Finding]) -> list[Finding]:
        """Start-up, health and hardening findings (VW2xx–VW4xx) inside the block of a compose service that no
        command of the repository starts, when every command that starts services of its compose project names
        them (`docker compose up -d postgres` in a Makefile) or selects profiles (`--profile web up`) that leave it
        out: what is wrong with a service nobody starts is advice; build findings too (VW1xx) when a profile hides
        it, since compose does not build it either."""
        from viworks_lint.notstarted import unstarted_blocks

        blocks = unstarted_blocks(self.project)

        def why(f: Finding) -> str | None:
            if f.rule_id[:3] not in ("VW1", "VW2", "VW3", "VW4"):
                return None
            loc = f.location
            hit = next((b for b in blocks.get(norm_path(loc.path), ()) if b.first <= loc.line <= b.last), None)
            if hit is None or (f.rule_id.startswith("VW1") and not hit.profiled):
                return None  # `docker compose build` builds a service no command starts, unless a profile hides it
            if hit.profiled:
                return (
                    f"but `{hit.service}` sits behind profiles no command of the repository selects, so compose "
                    f"neither builds nor starts it (they start {hit.started}: {hit.where})"
                )
            return f"but no command of the repository starts `{hit.service}` (they start {hit.started}: {hit.where})"

        return _as_advice(findings, why) if blocks else findings

    def _demo(self, findings: list[Finding]) -> list[Finding]:
        """A repository whose README presents it as a demo, a sample or a proof of concept, that publishes no image
        (no CI workflow or script pushes one) and deploys no compose file (no wrapper or CI step runs one for
        deployment): its hardening findings are notes, since nothing it builds is deployed as it stands."""
        from viworks_lint.composeuses import deployed_by_wrapper
        from viworks_lint.readmeintro import demo_repository
        from viworks_lint.releases import releases

        hardening = [f for f in findings if f.rule_id.startswith("VW4") and f.effective_level is not Level.NOTE]
        why = demo_repository(self.project) if hardening else None
        if why is None or releases(self.project) or deployed_by_wrapper(self.project) is not None:
            return findings
        return [
            replace(f, level=Level.NOTE, message=f"{f.message}; {why} and publishes no image: only advice")
            if f in hardening
            else f
            for f in findings
        ]

    def _disabled(self, findings: list[Finding]) -> list[Finding]:
        """Findings in a Dockerfile that builds only crates the workspace comments out of its `members`: the
        image is a leftover of a switched-off crate, so what is wrong with it is advice."""
        from viworks_lint.retired import disabled_member

        memo: dict[Path, str | None] = {}

        def why(f: Finding) -> str | None:
            path = f.location.path
            df = self.project.dockerfiles.get(path)
            if df is None:
                return None
            if path not in memo:
                memo[path] = disabled_member(self.project, df)
            where = memo[path]
            if where is None:
                return None
            return (
                f"the crate this Dockerfile builds is commented out of the workspace's `members` ({where}), so the "
                "image is a leftover"
            )

        return _as_advice(findings, why)

    def _unbuildable(self, findings: list[Finding]) -> list[Finding]:
        """A Dockerfile nothing builds (no compose service, script or CI step) that cannot build as it is (it
        copies a binary no cargo run builds, VW106; or any Dockerfile that cannot build in a repository with no
        binary at all), or that was retired (the line that built it is commented
        out, or a Dockerfile compose or CI builds ships its binaries now): its hardening findings are notes,
        since the image it describes is not the one anyone ships; so are the start-up failures (VW2xx) of a retired
        one, which nobody runs."""
        from viworks_lint.retired import retired

        broken: dict[Path, str] = {}
        for f in findings:
            if f.rule_id in _BUILD_BREAKERS and f.effective_level is Level.ERROR:
                broken.setdefault(f.location.path, f"it cannot build as it is ({f.rule_id} at line {f.location.line})")
        retirement: dict[Path, str | None] = {}  # read once per Dockerfile, and only for one nothing builds

        def retired_why(path: Path) -> str | None:
            if path not in retirement:
                df = self.project.dockerfiles.get(path)
                retirement[path] = retired(self.project, df) if df is not None else None
            return retirement[path]

        # a repository with no binary at all ships none of these images any more (a crate that became a library)
        binless = not any(m.bin_names() for m in self.project.manifests.values())
        out: list[Finding] = []
        for f in findings:
            path = f.location.path
            hardening = f.rule_id.startswith("VW4")
            info = self.project.scope_info(path) if hardening or f.rule_id.startswith("VW2") else None
            if info is None or info.kind != "dockerfile" or f.effective_level is Level.NOTE:
                out.append(f)
                continue
            if not hardening:  # a start-up failure of an image nobody may run any more
                if info.reason == STANDALONE_REASON and (why := retired_why(path)):
                    error = f.effective_level is Level.ERROR  # a crash stays an error: the guess may be wrong
                    f = replace(
                        f,
                        level=f.level if error else Level.NOTE,
                        message=f"{f.message}; no compose file, script or CI step builds this Dockerfile and {why}, "
                        + ("so it may be retired" if error else "so nobody runs this image: only advice"),
                    )
            elif binless and path in broken:
                f = replace(
                    f,
                    level=Level.NOTE,
                    message=f"{f.message}; the repository builds no binary at all, so this image, which "
                    f"{broken[path]}, ships nothing: only advice",
                )
            elif info.reason == STANDALONE_REASON and (why := broken.get(path) or retired_why(path)):
                f = replace(
                    f,
                    level=Level.NOTE,
                    message=f"{f.message}; no compose file, script or CI step builds this Dockerfile and {why}, so "
                    "this is only advice",
                )
            out.append(f)
        return out

    def _scoped(self, rule: Rule, f: Finding) -> Finding | None:
        """Tag a finding with the deployment scope of its file (or of the compose file / Dockerfile it is
        about, for findings in code or env files); hardening rules report only on ``deploy``, and on
        images only when they run a binary of this repository (other images: a note)."""
        from viworks_lint.scope import Scope, most_deployed

        project = self.project
        about = f.location.path
        info = project.scope_info(about)
        if info is None:
            # a finding in a script or code file takes the scope of the most deployed file it is about
            candidates = [(i, r.location.path) for r in f.related if (i := project.scope_info(r.location.path))]
            info = most_deployed(i for i, _ in candidates)
            about = next((p for i, p in candidates if i is info), about)
        f = replace(f, scope=info.scope.value) if info is not None else f
        if not rule.hardening or info is None:
            return f
        if info.scope is not Scope.DEPLOY:
            return None
        line = f.location.line if about == f.location.path else None
        df = project.dockerfiles.get(about) if info.kind == "dockerfile" else None
        if df is not None and line is not None and (
            test_stage_at(df, line)
            or dev_stage_at(df, line)
            or test_target_at(project, df, line, rule.id)
            or toolchain_stage_at(project, df, line, rule.id)
        ):
            # a test-runner, development-server or toolchain target stage: nothing that stage runs is shipped
            return None
        if df is not None and line is not None and unshipped_target_at(project, about, df, line):
            return None  # a target only a development stack builds, beside the targets CI ships
        if info.kind == "dockerfile" and not project.runs_repo_binary(about, line) and f.level != Level.NOTE:
            return replace(f, level=Level.NOTE)
        return f

    def _ignored_by_path(self, rule: Rule, path: Path) -> bool:
        if not self._per_file:
            return False
        rel = self._rel(path)
        if rel is None:
            return False
        return any(spec.match_file(rel) and any(matches(rule, s) for s in sels) for spec, sels in self._per_file)

    def _suppressed(self, rule: Rule, finding: Finding) -> bool:
        hit = False
        for sup in self.suppressions(finding.location.path):
            if sup.covers(rule.id, rule.name, finding.location.line):
                for ident in sup.ids:
                    if ident.upper() == rule.id or ident.lower() == rule.name:
                        sup.used.add(ident)
                hit = True
        return hit

    def _unused(self) -> list[Finding]:
        known = {r.id for r in all_rules()} | {r.name for r in all_rules()}
        ran = {r.id for r in self.rules} | {r.name for r in self.rules}
        vw003 = next((r for r in all_rules() if r.id == "VW003"), None)
        if vw003 is None:
            return []
        out: list[Finding] = []
        for path in self._suppression_files():
            for sup in self.suppressions(path):
                for ident in sup.ids:
                    norm = ident.upper() if ident.upper().startswith("VW") else ident.lower()
                    if norm not in known:
                        msg = f"suppression names unknown rule {ident!r}"
                    elif norm in ran and ident not in sup.used:
                        msg = f"suppression of {ident} matches no finding; remove it"
                    else:
                        continue
                    out.append(
                        Finding(
                            "VW003",
                            msg,
                            sup.location,
                            key=f"{ident}@{sup.line}",
                            level=self.project.config.level_for("VW003", vw003.level) or Level.NOTE,
                        )
                    )
        return out

    def _suppression_files(self) -> list[Path]:
        """Every linted file that may hold suppressions."""
        d = self.project.discovered
        files: set[Path] = set(d.dockerfiles) | set(d.dockerignores) | set(d.manifests) | set(d.env_files)
        for group in d.compose_groups:
            files.update(group)
        from viworks_lint.code import analyzed_files

        files.update(Path(f) for f in analyzed_files(self.project))
        return sorted(files)


def _as_advice(findings: list[Finding], why: Callable[[Finding], str | None]) -> list[Finding]:
    """Each error or warning for which ``why`` gives a reason becomes a note that says it (`…; <why>: only
    advice`); notes and the rest are kept as they are."""
    out: list[Finding] = []
    for f in findings:
        reason = why(f) if f.effective_level is not Level.NOTE else None
        out.append(replace(f, level=Level.NOTE, message=f"{f.message}; {reason}: only advice") if reason else f)
    return out
