"""VW104 build-path-missing."""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from viworks_lint.composeruns import run_only
from viworks_lint.devstack import doc_snippet
from viworks_lint.findings import Finding, Level, Related
from viworks_lint.movedcopy import run_or_named
from viworks_lint.parsers.compose import AdditionalContext, ComposeProject, Service
from viworks_lint.project import Project
from viworks_lint.rule import Rule, RuleDocs, register
from viworks_lint.submodules import missing_submodule

# additional_contexts values that are not paths on this machine
_NOT_LOCAL = ("docker-image://", "service:", "target:", "oci-layout://", "git@", "github.com/")


def _rel(project: Project, path: Path) -> str:
    try:
        return path.relative_to(project.root).as_posix() or "."
    except ValueError:
        return path.as_posix()


def _is_local(value: str) -> bool:
    low = value.strip().lower()
    return bool(low) and "://" not in low and not low.startswith(_NOT_LOCAL) and not low.endswith(".git")


def _nearest_existing(path: Path) -> Path | None:
    for parent in path.parents:
        if parent.is_dir():
            return parent
    return None


def _hint(project: Project, path: Path) -> str:
    """Suggest same-named entries one level up or down when the path is only slightly wrong."""
    parent = _nearest_existing(path)
    if parent is None:
        return ""
    try:
        names = sorted(p.name for p in parent.iterdir())
    except OSError:
        return ""
    missing_part = path.relative_to(parent).parts[0]
    close = difflib.get_close_matches(missing_part, names, n=1, cutoff=0.6)
    if close:
        return f"; did you mean `{_rel(project, parent / close[0])}`?"
    return f"; `{_rel(project, parent)}` exists but has no `{missing_part}`"


def _context(project: Project, compose: ComposeProject, svc: Service) -> Iterator[Finding]:
    spec = svc.build
    if spec is None or spec.context is None:
        return
    ctx = spec.context
    related = (Related(svc.location, f"service `{svc.name}`"),)
    if not ctx.is_dir():
        state = "is a file, not a directory" if ctx.exists() else "does not exist"
        yield RULE.finding(
            f"build context `{spec.context_raw}` of service `{svc.name}` {state} (resolved to "
            f"`{_rel(project, ctx)}`, relative to the compose project directory); `docker compose build` fails "
            f'with "unable to prepare context"{_hint(project, ctx) if not ctx.exists() else ""}',
            spec.context_location,
            key=f"context:{svc.name}",
            related=related,
        )
        return
    if spec.inline is None and spec.dockerfile is not None and not spec.dockerfile.is_file():
        df = spec.dockerfile
        root = project.root.resolve()
        if not ctx.resolve().is_relative_to(root) and not df.exists():
            # `context: ..` with `dockerfile: glin-explorer/backend/Dockerfile`: the context is a folder of several
            # checkouts, this one named by its folder name, which a clone under another name does not match
            yield RULE.finding(
                f"Dockerfile `{spec.dockerfile_raw or 'Dockerfile'}` of service `{svc.name}` is not at "
                f"`{_rel(project, df)}`, but the build context `{spec.context_raw}` is outside the repository: it "
                "holds other checkouts under names this clone cannot tell, so build from that layout",
                spec.dockerfile_location or spec.location,
                key=f"dockerfile:{svc.name}",
                related=related,
                level=Level.NOTE,
            )
            return
        if spec.dockerfile_raw:
            state = "is a directory" if df.is_dir() else "does not exist"
            msg = (
                f"Dockerfile `{spec.dockerfile_raw}` of service `{svc.name}` {state}: compose resolves it "
                f"relative to the build context `{spec.context_raw}`, i.e. `{_rel(project, df)}`"
                f"{_hint(project, df) if not df.exists() else ''}"
            )
            meant = (compose.project_dir / spec.dockerfile_raw).resolve()
            if not df.exists() and meant.is_file() and not spec.dockerfile_raw.startswith("/"):
                # written relative to the compose file's folder, as a path in the compose file reads
                fixed = os.path.relpath(meant, ctx.resolve()).replace(os.sep, "/")
                msg += (
                    f"; `{_rel(project, meant)}` exists, so the path was written from the compose file's folder: "
                    f"write `dockerfile: {fixed}`"
                )
            loc = spec.dockerfile_location or spec.location
        else:
            msg = (
                f"service `{svc.name}` builds `{spec.context_raw}` without `dockerfile:`, so compose looks for "
                f"`{_rel(project, df)}`, which does not exist; add the file or set `build.dockerfile`"
            )
            loc = spec.context_location
        yield RULE.finding(msg, loc, key=f"dockerfile:{svc.name}", related=related)
    for ac in spec.additional_contexts:
        yield from _additional(project, compose, svc, ac)


def _additional(project: Project, compose: ComposeProject, svc: Service, ac: AdditionalContext) -> Iterator[Finding]:
    if not _is_local(ac.raw):
        return
    # compose resolves additional contexts like build.context: against the project directory
    path = Path(ac.raw).expanduser()
    if not path.is_absolute():
        path = compose.project_dir / path
    if path.exists():
        return
    yield RULE.finding(
        f"additional build context `{ac.name}: {ac.raw}` of service `{svc.name}` does not exist (resolved to "
        f"`{_rel(project, path)}`, relative to the compose project directory); the build fails before the "
        f"first `COPY --from={ac.name}`{_hint(project, path)}",
        ac.location,
        key=f"additional:{svc.name}:{ac.name}",
        related=(Related(svc.location, f"service `{svc.name}`"),),
    )


def _never_run(project: Project, compose: ComposeProject, svc: Service) -> str | None:
    """How the repository runs this compose file, when it runs it only as `docker compose run <service>` for
    services that neither are ``svc`` nor start it (`depends_on`): then nothing builds ``svc``; else None."""
    ran = run_only(project.compose_env(compose).invocations, frozenset(compose.services))
    if ran is None:
        return None
    needed, todo = set(ran), list(ran)
    while todo:
        other = compose.services.get(todo.pop())
        for ref in other.depends_on if other is not None else ():
            if ref.name not in needed:
                needed.add(ref.name)
                todo.append(ref.name)
    if svc.name in needed:
        return None
    shown = ", ".join(f"`{n}`" for n in sorted(ran)[:3]) + (", …" if len(ran) > 3 else "")
    return f"the repository runs this file only as `docker compose run` of {shown}, none of which starts it"


def check(project: Project) -> Iterator[Finding]:
    for compose, svc in project.services():
        found = list(_context(project, compose, svc))
        stale = _never_run(project, compose, svc) if found else None  # read only for a service with a finding
        shown = _doc_example(project, compose) if found and not stale else None
        ctx = svc.build.context if svc.build is not None else None
        sub = missing_submodule(project, ctx) if found and ctx is not None else None
        for f in found:
            if sub is not None:
                f = replace(
                    f,
                    message=f"{f.message}; but the build context is in the git submodule `{sub}`, which this "
                    "checkout does not have: `git submodule update --init` brings it (only advice)",
                    level=Level.NOTE,
                )
            elif stale:
                f = replace(f, message=f"{f.message}; {stale}: a stale entry (only advice)", level=Level.NOTE)
            elif shown:
                f = replace(f, message=f"{f.message}; {shown}", level=Level.NOTE)
            yield f


def _doc_example(project: Project, compose: ComposeProject) -> str | None:
    """The compose file is an example of the documentation (under `docs/`) that nothing runs where it is: the
    reader copies it beside their own build, so what it builds is found there."""
    if len(compose.files) != 1:
        return None
    path = compose.files[0]
    folder = doc_snippet(project.rel(path))
    if folder is None or run_or_named(project, path):
        return None
    return (
        f"the file is an example of the documentation (in `{folder}/`) that no script, CI step or document runs "
        "where it is: the reader copies it next to their build (only advice)"
    )


RULE = register(
    Rule(
        id="VW104",
        name="build-path-missing",
        level=Level.ERROR,
        summary="A compose build context, Dockerfile or additional context path does not exist.",
        docs=RuleDocs(
            what="`build.context` (or the short form `build: ./dir`) and local `build.additional_contexts` are "
            "resolved against the compose project directory, `build.dockerfile` against the build context (the "
            "default is `Dockerfile` in the context). Any of them missing is reported at the compose value (a note "
            "when the context lies in a git submodule the checkout lacks, `.gitmodules`); a "
            "`build.dockerfile` that exists when read from the compose file's folder instead (`context: ..` with "
            "`dockerfile: ../crates/api/Dockerfile`) gets the path to write in the message; a missing "
            "`build.dockerfile` under a context outside the repository (`context: ..`, a folder of several checkouts) "
            "is a note. A `Dockerfile` that is absent while a lowercase `dockerfile` sits beside it is not missing: "
            "BuildKit loads both names and uses the lowercase one (moby/buildkit frontend/dockerui, \"dockerfile is "
            "also supported casing moby/moby#10858\"; the docker CLI does the same for its default name), and the "
            "build is linked to that file. Remote contexts (git URLs, `https://…`) and `docker-image://`, `service:`, "
            "`target:` contexts are not paths and are not checked. When the repository runs the compose file only as "
            "`docker compose run <service>` (a toolbox of one-off containers, from a Makefile or script) and none of "
            "the services it runs is the one with the missing path or starts it through `depends_on`, nothing builds "
            "that service: a stale entry, a note. So is a compose file under a documentation folder (`docs/…`) that "
            "no script, CI step or document runs where it is: an example the reader copies next to their own build.",
            why="`docker compose up --build` stops before building anything (`unable to prepare context: path "
            '"./backnd" not found`, `failed to read dockerfile`), so none of the services are updated. '
            "A `dockerfile:` written relative to the compose file instead of the context is the usual cause.",
            example="services:\n  api:\n    build:\n      context: ./backend\n"
            "      dockerfile: infrastructure/docker/Dockerfile   # relative to ./backend, not to compose.yaml",
            fix="Correct the path (`dockerfile` is relative to `context`: `../infrastructure/docker/Dockerfile`), "
            "or create the missing directory or file.",
        ),
        check=check,
        tags=("build", "compose"),
    )
)
