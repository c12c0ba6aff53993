"""VW102 copy-source-missing."""

from __future__ import annotations

from collections.abc import Iterator

from viworks_lint.dockerutil import copy_sources, escapes_context, match_context, reachable_stages
from viworks_lint.findings import Finding, Level, Related
from viworks_lint.parsers.dockerfile import token_location
from viworks_lint.project import Build, Project
from viworks_lint.rule import Rule, RuleDocs, register


def _related(build: Build) -> tuple[Related, ...]:
    svc = build.service
    if svc is None or svc.build is None:
        return ()
    return (Related(svc.build.context_location, f"build context of service `{svc.name}`"),)


def check(project: Project) -> Iterator[Finding]:
    for build in project.builds:
        df = build.dockerfile
        if df is None or not build.context.is_dir():
            continue
        ctx = project.rel(build.context)
        for stage in reachable_stages(df, build.target):
            for instr in stage.instructions:
                for src in copy_sources(instr):
                    if not src.resolved:
                        continue  # depends on a build argument we do not know: no claim
                    loc = token_location(df, instr, src.raw)
                    if escapes_context(src.value):
                        yield RULE.finding(
                            f"{instr.cmd} source `{src.raw}` is outside the build context `{ctx}`; "
                            "BuildKit cannot read files above the context directory",
                            loc,
                            key=f"escape:{src.raw}",
                            related=_related(build),
                        )
                        continue
                    if match_context(build.context, src.value):
                        continue
                    target = build.context / src.value.lstrip("/")
                    shown = src.raw if src.raw == src.value else f"{src.raw}` (= `{src.value}"
                    if any(c in src.value for c in "*?["):
                        what = f"{instr.cmd} source pattern `{shown}` matches no file in the build context `{ctx}`"
                    else:
                        what = f"{instr.cmd} source `{shown}` does not exist in the build context `{ctx}`"
                    if project.is_gitignored(target):
                        f = RULE.finding(
                            what + "; it is git-ignored, so it must be produced on the host before "
                            "`docker build` (a fresh clone or CI checkout will not have it)",
                            loc,
                            key=f"ignored:{src.value}",
                            related=_related(build),
                        )
                        yield Finding(f.rule_id, f.message, f.location, f.related, f.key, Level.NOTE)
                        continue
                    yield RULE.finding(what, loc, key=f"missing:{src.value}", related=_related(build))


RULE = register(
    Rule(
        id="VW102",
        name="copy-source-missing",
        level=Level.ERROR,
        summary="A COPY/ADD source matches nothing in the build context (or escapes it).",
        docs=RuleDocs(
            what="Each `COPY`/`ADD` source of the stages a build really runs is matched against the build context "
            "that compose gives the Dockerfile (`build.context`, with `build.dockerfile` relative to it), or "
            "the Dockerfile's own directory when no service builds it (or the nearest parent directory, up to "
            "the project root, where its sources are, as with `docker build -f docker/Dockerfile .`). "
            "Wildcards, ARG/ENV substitution and "
            "multi-source forms are honoured; a source above the context (`../x`) is an error too. "
            "`--from=` copies, URLs in `ADD` and heredocs are not checked; a missing source that `.gitignore` "
            "ignores (a build output such as `target/release/app`) is only a note.",
            why='BuildKit fails the build with `failed to compute cache key: "/test_minimal.rs": not found`; the '
            "service keeps its old image or never starts. With a context of `./backend` and the Dockerfile in "
            "`infrastructure/docker/`, paths are relative to `backend/`, not to the Dockerfile.",
            example="# compose: build: {context: ./backend, dockerfile: ../infrastructure/docker/Dockerfile.backend}\n"
            "COPY test_minimal.rs ./          # backend/test_minimal.rs was deleted",
            fix="Restore the file, correct the path relative to the build context, or remove the COPY.",
        ),
        check=check,
        tags=("build", "dockerfile"),
    )
)
