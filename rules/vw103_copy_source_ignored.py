"""VW103 copy-source-ignored."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from viworks_lint.dockerutil import copy_sources, escapes_context, match_context, reachable_stages
from viworks_lint.findings import Finding, Level, Related
from viworks_lint.fixes import AppendLine, Applicability, unsafe_fix
from viworks_lint.parsers.dockerfile import token_location
from viworks_lint.parsers.dockerignore import DockerIgnore, IgnorePattern
from viworks_lint.project import Build, Project
from viworks_lint.rule import Rule, RuleDocs, register

_WALK_LIMIT = 20000  # entries looked at inside one excluded directory before giving up (no claim)


def _survivor(di: DockerIgnore, context: Path, rel: str) -> bool | None:
    """Does anything below the excluded directory ``rel`` get re-included by a ``!pattern``?
    None when the directory is too large to tell."""
    if not any(p.negated for p in di.patterns):
        return False
    seen = 0
    for dirpath, dirnames, filenames in os.walk(context / rel):
        base = Path(dirpath).relative_to(context).as_posix()
        for name in (*dirnames, *filenames):
            seen += 1
            if seen > _WALK_LIMIT:
                return None
            if not di.excluded(f"{base}/{name}"):
                return True
    return False


def _decision(di: DockerIgnore, context: Path, rel: str) -> IgnorePattern | None:
    """The pattern that removes ``rel`` from the context, or None when ``rel`` (or, for a directory,
    something inside it) reaches the build."""
    if rel in (".", ""):
        return None
    pat = di.deciding(rel)
    if pat is None or pat.negated:
        return None
    if (context / rel).is_dir() and _survivor(di, context, rel) is not False:
        return None
    return pat


def _related(project: Project, build: Build, pats: list[IgnorePattern]) -> tuple[Related, ...]:
    out = [
        Related(p.location, f"`{p.text}` in {project.rel(p.location.path)} excludes it from the build context")
        for p in pats
    ]
    svc = build.service
    if svc is not None and svc.build is not None:
        out.append(Related(svc.build.context_location, f"build context of service `{svc.name}`"))
    return tuple(out)


def check(project: Project) -> Iterator[Finding]:
    for build in project.builds:
        df = build.dockerfile
        if df is None or not build.context.is_dir():
            continue
        di = project.dockerignore_for(build)
        if di is None or not di.patterns:
            continue
        ignore_file = project.rel(di.path)
        ctx = project.rel(build.context)
        for stage in reachable_stages(df, build.target):
            for instr in stage.instructions:
                for src in copy_sources(instr):
                    if not src.resolved or escapes_context(src.value):
                        continue
                    matches = match_context(build.context, src.value)
                    if not matches:
                        continue  # nothing on disk: VW102's finding
                    deciding: list[IgnorePattern] = []
                    for rel in matches:
                        pat = _decision(di, build.context, rel)
                        if pat is None:
                            break
                        if pat not in deciding:
                            deciding.append(pat)
                    else:
                        shown = f"`{src.raw}`" if src.raw == src.value else f"`{src.raw}` (= `{src.value}`)"
                        pats = ", ".join(f"`{p.text}` (line {p.location.line})" for p in deciding)
                        if len(matches) == 1:
                            kind = "directory" if (build.context / matches[0]).is_dir() else "file"
                            what = (
                                f"{instr.cmd} source {shown} exists in the build context `{ctx}` (a {kind}), "
                                f"but {ignore_file} excludes it with {pats}"
                            )
                        else:
                            listed = ", ".join(f"`{m}`" for m in matches[:5]) + (", …" if len(matches) > 5 else "")
                            what = (
                                f"{instr.cmd} source pattern {shown} matches {listed} in the build context "
                                f"`{ctx}`, but {ignore_file} excludes every one of them with {pats}"
                            )
                        again = matches[0] if len(matches) == 1 else src.value.lstrip("/")
                        wildcard = any(c in src.value for c in "*?[")
                        msg = (
                            f"{what}; BuildKit never sends excluded files, so the wildcard matches nothing and "
                            "copies nothing (an empty wildcard is allowed): the build goes on without them. If the "
                            f"image needs them, remove or narrow the pattern, or add `!{again}` after it"
                            if wildcard
                            else f'{what}; BuildKit never sends excluded files, so the build fails with "not found". '
                            f"Remove or narrow the pattern, or add `!{again}` after it"
                        )
                        yield RULE.finding(
                            msg,
                            token_location(df, instr, src.raw),
                            key=f"ignored:{src.value}",
                            related=_related(project, build, deciding),
                            fix=unsafe_fix(f"re-include `{again}` in {ignore_file}", AppendLine(di.path, f"!{again}")),
                            level=Level.NOTE if wildcard else None,
                        )


RULE = register(
    Rule(
        id="VW103",
        name="copy-source-ignored",
        level=Level.ERROR,
        summary="A COPY/ADD source exists in the build context but .dockerignore excludes all of it.",
        docs=RuleDocs(
            what="Each `COPY`/`ADD` source that matches files in the build context is checked against the "
            "`.dockerignore` that applies to the build (`<Dockerfile>.dockerignore` next to the Dockerfile wins over "
            "`.dockerignore` at the context root), with Docker's matching rules: `**`, `!` exceptions, the last "
            "matching pattern wins, and a pattern that matches a directory excludes everything in it. The rule fires "
            "only when every match is excluded. A directory source with only some files excluded, or with a file "
            "re-included by a later `!pattern`, is fine. A wildcard source whose every match is excluded (`COPY "
            "Cargo.lock* ./` under `*.lock`) matches nothing, which BuildKit allows: a note, the build goes on "
            "without those files.",
            why="The file is on disk, so the build works in a local `cargo build` and the Dockerfile looks right, "
            'but BuildKit never sends it: the build stops with `failed to compute cache key: "/Cargo.lock": '
            "not found` and the service keeps its old image.",
            example="# .dockerignore\n*.lock\n\n# Dockerfile\nCOPY Cargo.toml Cargo.lock ./",
            fix="Delete or narrow the `.dockerignore` pattern, or re-include the file with `!Cargo.lock` after it.",
            fix_safety="Unsafe. The fix appends `!<source>` to the `.dockerignore` that applies to the build (the "
            "last matching pattern wins, so the end of the file is where an exception takes effect). The build "
            "context then carries the file again, which is what the COPY needs; but the pattern may have been "
            "there on purpose (a secret, a large directory, a file meant to be generated inside the build), so "
            "check that the file belongs in the image.",
        ),
        check=check,
        tags=("build", "dockerfile"),
        fixable=(Applicability.UNSAFE,),
    )
)
