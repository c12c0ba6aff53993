"""One definition, one finding: several Dockerfiles that ship the same program (a multi-arch and a
single-arch build, a glibc and an alpine variant) and get the same image finding are reported once, at the
one a compose service runs (else the first in path order), with the others as related locations. The
program is known by the code the image runs (its package, through the build's code link) and the name it
starts, so two images that start a binary named alike from different packages stay apart."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator

from viworks_lint.findings import Finding, Related
from viworks_lint.imagecode import image_code
from viworks_lint.jobs import compose_job
from viworks_lint.launch import launches
from viworks_lint.project import Build, Project, norm_path


def image_identity(project: Project, build: Build) -> tuple[str, ...] | None:
    """(package manifest, program names) of what the image of ``build`` runs; None when unknown."""
    code = image_code(project, build)
    started = launches(build) if build.dockerfile is not None else []
    if code is None or not code.packages or len(started) != 1:
        return None
    names = [posixpath.basename(started[0].program)]
    stage = build.dockerfile.final_stage(build.target) if build.dockerfile is not None else None
    cmd = stage.state.cmd if stage is not None else None
    if stage is not None and stage.state.entrypoint is not None and cmd is not None and cmd.json and cmd.args:
        names.append(posixpath.basename(cmd.args[0]))  # an entrypoint script and the program it is handed
    return (project.rel(code.packages[0].path), *names)


def fold_variants(project: Project, found: Iterable[tuple[Finding, list[Build]]]) -> Iterator[Finding]:
    """The findings, with those of the same kind (key before `:`, level, scope) on images of one program
    folded into one: the one whose image a compose service runs (it carries the fix), else the first by
    path."""
    groups: dict[tuple[object, ...], list[Finding]] = {}
    order: list[tuple[object, ...] | Finding] = []
    for finding, builds in found:
        shown = [b for b in builds if not compose_job(b)] or builds  # a `migrate` job beside the server
        ids = {image_identity(project, b) for b in shown}
        if not builds or None in ids or len(ids) != 1:
            order.append(finding)
            continue
        info = project.scopes.get(norm_path(finding.location.path))
        key = (finding.key.split(":", 1)[0], finding.level, info.scope if info else None, ids.pop())
        if key not in groups:
            order.append(key)
        groups.setdefault(key, []).append(finding)
    for item in order:
        if isinstance(item, Finding):
            yield item
            continue
        # the one a compose service runs (it carries the `init: true`-style fix) first, then one compose or CI
        # builds (not a standalone file, maybe kept only for reference), then by path
        same = sorted(
            groups[item],
            key=lambda f: (f.fix is None, _standalone(project, f), project.rel(f.location.path), f.location.line),
        )
        first, rest = same[0], same[1:]
        if not rest:
            yield first
            continue
        extra = tuple(
            Related(f.location, f"`{project.rel(f.location.path)}` builds the same program and has the same finding")
            for f in rest
        )
        yield Finding(first.rule_id, first.message, first.location, related=(*first.related, *extra), key=first.key,
                      level=first.level, extra=first.extra, fix=first.fix)  # fmt: skip


def _standalone(project: Project, finding: Finding) -> bool:
    from viworks_lint.imagescope import STANDALONE_REASON

    info = project.scopes.get(norm_path(finding.location.path))
    return info is not None and info.reason == STANDALONE_REASON
