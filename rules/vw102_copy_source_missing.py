"""VW102 copy-source-missing."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from viworks_lint.dockerutil import (
    CopySource,
    clean_source,
    commands,
    copy_sources,
    escapes_context,
    match_context,
    reachable_stages,
    run_text,
)
from viworks_lint.filesteps import Step
from viworks_lint.findings import Finding, Level, Related
from viworks_lint.hostbuild import host_lockfile_step, host_step
from viworks_lint.parsers.dockerfile import Instruction, token_location
from viworks_lint.project import Build, Project, norm_path
from viworks_lint.rule import Rule, RuleDocs, register
from viworks_lint.submodules import missing_submodule


def _related(build: Build) -> tuple[Related, ...]:
    svc = build.service
    if svc is None or svc.build is None:
        return ()
    return (Related(svc.build.context_location, f"build context of service `{svc.name}`"),)


def _wildcard(value: str) -> bool:
    return any(c in value for c in "*?[")


_SECRET_DIRS = frozenset({"ssl", "tls", "certs", "cert", "certificates", "secrets", "keys", "private"})
_SECRET_EXTS = (".pem", ".key", ".p12", ".pfx", ".jks", ".keystore")  # not `.crt`: a public certificate is committed


def _secret_material(path: str) -> str | None:
    """What a missing source holds when its name says TLS certificates or keys (`ssl/`, `certs/`,
    `server.key`): material never committed, put in place by whoever builds."""
    name = path.rstrip("/").rsplit("/", 1)[-1].lower()
    if name in _SECRET_DIRS:
        return f"TLS or key material (`{name}/`)"
    if name.endswith(_SECRET_EXTS):
        return f"a certificate or key (`{name}`)"
    return None


def _copied_elsewhere(project: Project, build: Build) -> Step | None:
    """A wrapper or CI step that copies the Dockerfile of a build no compose service runs into another
    folder (`cp frontend/Dockerfile.release build-context/Dockerfile`): it is built there."""
    if build.service is not None or build.dockerfile_path is None:
        return None
    want = norm_path(build.dockerfile_path)
    for steps in project.wrappers.created.values():
        for step in steps:
            if step.source is not None and norm_path(step.source) == want:
                return step
    return None


def check(project: Project) -> Iterator[Finding]:
    for build in project.builds:
        df = build.dockerfile
        if df is None or not build.context.is_dir():
            continue
        missing: list[Finding] = []
        present = 0
        for stage in reachable_stages(df, build.target):
            for instr in stage.instructions:
                sources = list(copy_sources(instr))
                for src in sources:
                    if not src.resolved:
                        continue
                    plain: list[Finding] = []
                    found = list(_check_source(project, build, src, len(sources), plain))
                    present += not found and not plain
                    missing.extend(plain)
                    yield from (f for f in found if f not in plain)
        # a source someone suppressed is its own finding, so the suppression covers it alone
        kept = _suppressed(df.path, missing) if len(missing) > 1 else []  # one source: nothing to fold
        foldable = [f for f in missing if f not in kept]
        yield from kept
        if len(foldable) > 1 and len(foldable) > present:
            yield _fold(project, build, foldable)
        else:
            yield from _fold_folders(project, build, foldable)


def _suppressed(path: Path, found: list[Finding]) -> list[Finding]:
    """The findings whose line a `viworks-lint: ignore=VW102` comment covers."""
    from viworks_lint.suppress import scan

    try:
        lines = path.read_text("utf-8", errors="replace").splitlines()
    except OSError:
        return []
    sups = scan(path, lines, dockerfile=True)
    name = "copy-source-missing"
    return [f for f in found if any(s.covers("VW102", name, f.location.line) for s in sups)]


_BIN_DIRS = ("/usr/local/bin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/sbin")


def _prebuilt_program(build: Build, instr: Instruction, source: str) -> str | None:
    """The program the image runs (its ENTRYPOINT, else its CMD) when ``instr`` of the final stage copies it from
    ``source`` and no stage compiles anything: the Dockerfile packages a binary built elsewhere."""
    df = build.dockerfile
    final = df.final_stage() if df is not None else None
    if df is None or final is None or instr not in final.instructions or instr.flag("from"):
        return None
    if build.service is not None or "." in posixpath.basename(source):
        return None  # compose builds it from a clone; a script or a config file (`backup.sh`) is no build output
    if any(i.cmd == "RUN" and _COMPILES.search(run_text(i)) for st in df.stages for i in st.instructions):
        return None
    starter = final.state.entrypoint or final.state.cmd
    if starter is None or not starter.args:
        return None
    shell = commands(starter.args[0]) if not starter.json else []
    words = list(starter.values) if starter.json else shell[0] if shell else []
    if not words:
        return None
    program, dest, name = words[0], instr.values[-1], posixpath.basename(source.rstrip("/"))
    placed = posixpath.join(dest, name) if dest.endswith("/") or len(instr.values) > 2 else dest
    if program == placed or (
        "/" not in program and posixpath.dirname(placed) in _BIN_DIRS and posixpath.basename(placed) == program
    ):
        return program
    return None


# a RUN that compiles or fetches a program: then the image may make the file itself
_COMPILES = re.compile(r"\b(?:cargo|rustc|cross|go\s+build|make|gcc|cc|cmake|curl|wget)\b")


def _fold(project: Project, build: Build, missing: list[Finding]) -> Finding:
    """Most sources of one build missing from its context: the context is not the folder the Dockerfile was
    written for, one mistake; one finding at the first (the build stops there), the others related."""
    first = missing[0]
    others = tuple(Related(f.location, "also missing from this context") for f in missing[1:])
    more = "1 more source of this build is" if len(others) == 1 else f"{len(others)} more sources of this build are"
    return replace(
        first,
        message=f"{first.message}; {more} missing from it too (related locations): check "
        f"that `{project.rel(build.context)}` is the context this Dockerfile expects",
        related=first.related + others,
    )


def _fold_folders(project: Project, build: Build, missing: list[Finding]) -> Iterator[Finding]:
    """Sources under one folder the context lacks altogether (`COPY frontend/package.json ./`, then `COPY frontend
    ./`): one missing folder, one fix; a finding at the first COPY (the build stops there), the others related."""
    groups: dict[str, list[Finding]] = {}
    for f in missing:
        cleaned = clean_source(f.key.removeprefix("missing:"))
        top = cleaned.split("/", 1)[0]
        if top and top not in (".", "..") and not (build.context / top).exists():
            groups.setdefault(top, []).append(f)
        else:
            groups.setdefault(f"\0{id(f)}", []).append(f)
    for top, found in groups.items():
        deeper = any("/" in clean_source(f.key.removeprefix("missing:")).rstrip("/") for f in found)
        if len(found) == 1 or top.startswith("\0") or not deeper:
            yield from found  # one source, or a file copied twice (no sub-path shows `top` is a folder)
            continue
        first = found[0]
        others = tuple(Related(f.location, f"also under `{top}/`") for f in found[1:])
        yield replace(
            first,
            message=f"{first.message}; the folder `{top}/` is not in it at all, so "
            + ("the other COPY from it fails" if len(others) == 1 else f"{len(others)} more COPY from it fail")
            + " too (related locations)",
            related=first.related + others,
        )


def _check_source(
    project: Project, build: Build, src: CopySource, count: int, plain: list[Finding]
) -> Iterator[Finding]:
    assert build.dockerfile is not None
    instr, ctx = src.instr, project.rel(build.context)
    if match_context(build.context, src.value):
        return  # `../x` is cleaned to `x` by BuildKit, so it is found
    loc = token_location(build.dockerfile, instr, src.raw)
    cleaned = clean_source(src.value)
    shown = src.raw if src.raw == src.value else f"{src.raw}` (= `{src.value}"
    if escapes_context(src.value):
        shown += f"`, which BuildKit reads as `{cleaned}"
    if _wildcard(cleaned):
        if count > 1:
            return  # BuildKit copies nothing for an empty wildcard; the other sources are the copy
        yield RULE.finding(
            f"{instr.cmd} source pattern `{shown}` matches no file in the build context `{ctx}`: BuildKit allows "
            "an empty wildcard and copies nothing, so check that nothing is expected there",
            loc,
            key=f"empty:{src.value}",
            related=_related(build),
            level=Level.NOTE,
        )
        return
    what = f"{instr.cmd} source `{shown}` does not exist in the build context `{ctx}`"
    if any(a.startswith("#") for a in instr.args[1:-1]):
        yield RULE.finding(
            f"{what}; Dockerfiles have no end-of-line comments, so `#` and the words after it are more sources "
            f"and the last word is the destination (`{instr.args[-1]}`): move the comment to its own line above",
            loc,
            key=f"missing:{src.value}",
            related=_related(build),
        )
        return
    target = build.context / cleaned
    sub = missing_submodule(project, target)
    if sub is not None:
        yield RULE.finding(
            f"{what}: it is in git submodule `{sub}`, which is not checked out here "
            "(`git submodule update --init` before building)",
            loc,
            key=f"submodule:{src.value}",
            related=_related(build),
            level=Level.NOTE,
        )
        return
    moved = _copied_elsewhere(project, build)
    if moved is not None:
        yield RULE.finding(
            f"{what}; but {moved.describe()} copies this Dockerfile into another folder and builds it there, from a "
            "context that step assembles, so this context is not the one it is built from",
            loc,
            key=f"moved:{src.value}",
            related=(*_related(build), Related(moved.location, "the step that copies the Dockerfile")),
            level=Level.NOTE,
        )
        return
    secret = _secret_material(cleaned)
    if secret and not project.is_gitignored(target):
        yield RULE.finding(
            f"{what}; it holds {secret}, which repositories often keep out of git: whoever builds the image "
            "puts it in place first (mounting it at run time, as a compose secret or a read-only volume, keeps "
            "the key out of the image)",
            loc,
            key=f"secret:{src.value}",
            related=_related(build),
            level=Level.NOTE,
        )
        return
    lockfile = cleaned.rsplit("/", 1)[-1] == "Cargo.lock" and project.is_gitignored(target)
    if lockfile and not host_lockfile_step(project, build.dockerfile_path, build.context):
        yield RULE.finding(
            what + "; `.gitignore` keeps it out of git and no build step makes it, so every fresh clone and CI "
            "checkout fails here: commit `Cargo.lock` (Cargo's advice for applications) or use `COPY Cargo.lock*`",
            loc,
            key=f"lockfile:{src.value}",
            related=_related(build),
        )
        return
    if project.is_gitignored(target):
        yield RULE.finding(
            what + "; it is git-ignored, so it must be produced on the host before "
            "`docker build` (a fresh clone or CI checkout will not have it)",
            loc,
            key=f"ignored:{src.value}",
            related=_related(build),
            level=Level.NOTE,
        )
        return
    step = host_step(project, build.dockerfile_path, build.context, cleaned)
    if step is not None:
        yield RULE.finding(
            f"{what}; `{project.rel(step.wrapper)}`, which builds this image, produces it on the host first, "
            "so a plain `docker build` from a fresh clone will not have it",
            loc,
            key=f"hostbuilt:{src.value}",
            related=(*_related(build), Related(step.location, "the step that builds the image")),
            level=Level.NOTE,
        )
        return
    program = _prebuilt_program(build, instr, cleaned)
    if program is not None:
        yield RULE.finding(
            f"{what}; the image compiles nothing and runs this file as its program (`{program}`): a binary built "
            "before `docker build` (by a release job or `cargo build` on the host) and put into the context, so "
            "a plain `docker build` from a fresh clone will not have it",
            loc,
            key=f"prebuilt:{src.value}",
            related=_related(build),
            level=Level.NOTE,
        )
        return
    if escapes_context(src.value):
        what += " (the `../` is misleading: BuildKit never reads above the context)"
    # a source simply absent from the context: the caller may fold several of one build into one finding
    plain.append(RULE.finding(what, loc, key=f"missing:{src.value}", related=_related(build)))


RULE = register(
    Rule(
        id="VW102",
        name="copy-source-missing",
        level=Level.ERROR,
        summary="A COPY/ADD source matches nothing in the build context (or escapes it).",
        docs=RuleDocs(
            what="Each `COPY`/`ADD` source of the stages a build really runs is matched against the build context "
            "that compose gives the Dockerfile (`build.context`, with `build.dockerfile` relative to it), or the "
            "Dockerfile's own directory when no service builds it (or the nearest parent directory, up to the project "
            "root, where its sources are, as with `docker build -f docker/Dockerfile .`). Wildcards, ARG/ENV "
            "substitution and multi-source forms are honoured with BuildKit's semantics, as its source shows: every "
            "source is joined to the context root and cleaned (`system.NormalizePath(\"/\", src)` in "
            "`frontend/dockerfile/dockerfile2llb/convert_copy.go`), so `../x` means `x` and is only reported when `x` "
            "is missing; and every COPY is built with `AllowEmptyWildcard: true`, which "
            "`solver/llbsolver/file/backend.go` turns into copying nothing, so a wildcard that matches nothing is "
            "fine beside another source and at most a note when it is the only one. When more sources of one build "
            "are missing than are found, the context is the mistake: one finding at the first, the others related. "
            "Sources under one folder the context lacks altogether (`COPY frontend/package.json ./`, later `COPY "
            "frontend ./`) are one finding too, at the first. Stays silent for `--from=` copies, URLs in `ADD` and "
            "heredocs. Only a note for sources made on the host before `docker build`: git-ignored build outputs "
            "(`target/release/app`, or a folder whose every entry a `.gitignore` ignores: `app/*`), files a CI "
            "workflow, Makefile, justfile or script that builds this image names (it builds or downloads them first, "
            "e.g. `actions/download-artifact` with `path: bin/`; a root `Dockerfile` counts as built by a "
            "`docker/build-push-action` step with `context: .` and no `file:`, or by `docker build .` without `-f`), "
            "and files in a git submodule that is not checked out (or in its git folder, `.git/modules/<name>`). A "
            "git-ignored `Cargo.lock` is no build output: unless a build step makes it, the COPY fails on every fresh "
            "clone, so it stays an error. Also only a note: a Dockerfile that no compose service builds and that a "
            "wrapper or CI step copies into another folder to build there (`cp frontend/Dockerfile.release "
            "build-context/Dockerfile`, GitLab CI files a pipeline includes, `ci/*.gitlab-ci.yml`, count), and TLS or "
            "key material kept out of git on purpose (a missing `ssl/`, `certs/`, `keys/`, `secrets/` folder or "
            "`*.pem`/`*.key`/`*.p12` file; a public `*.crt` is committed, so a missing one stays an error), and the "
            "program of an image that compiles nothing: the final stage copies the file to the path its ENTRYPOINT "
            "(or CMD) runs (`COPY ./server /usr/local/bin/server` with `CMD [\"server\"]`) and no RUN builds or "
            "fetches anything, so the Dockerfile only packages a binary a release job or the host built (not when a "
            "compose service builds the image from a clone, nor for a file with an extension such as `backup.sh`).",
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
