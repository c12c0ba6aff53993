"""VW304 healthcheck-tool-missing."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from viworks_lint.dockerutil import commands, text_location
from viworks_lint.findings import Finding, Level, Related
from viworks_lint.location import Location, line_span
from viworks_lint.packages import SHELLS, ImageContents
from viworks_lint.parsers.compose import Service
from viworks_lint.parsers.dockerfile import Dockerfile, Instruction
from viworks_lint.project import Build, Project
from viworks_lint.rule import Rule, RuleDocs, register
from viworks_lint.stagecontents import build_contents, image_contents, stage_contents

_SHELL_BUILTINS = {"exit", "echo", "test", "[", "true", "false", ":", "printf", "kill", "cd", "exec", "command"}
_WRAPPERS = {"exec", "timeout", "env", "nice", "nohup", "command"}


@dataclass(frozen=True)
class _Problem:
    program: str  # what is missing ("/bin/sh" or a program name)
    shell: bool  # the missing thing is the shell CMD-SHELL needs
    script: str | None = None  # the script whose `#!` line names ``program``


def _interpreter(script: Path) -> str | None:
    """The program a script's `#!` line starts (`/usr/bin/env bash` → `bash`)."""
    try:
        with script.open("rb") as fh:
            first = fh.readline(256).decode("utf-8", errors="replace").strip()
    except OSError:
        return None
    if not first.startswith("#!"):
        return None
    words = first[2:].split()
    if words and posixpath.basename(words[0]) == "env":
        words = [w for w in words[1:] if not w.startswith("-")]
    return words[0] if words else None


def _shebang_problem(img: ImageContents, program: str) -> _Problem | None:
    host = img.host_file(program)
    interp = _interpreter(host) if host is not None else None
    if interp is None or "$" in interp or img.has_program(interp) is not False:
        return None
    return _Problem(interp, False, program)


def _first_program(text: str) -> str | None:
    cmds = commands(text)
    if not cmds:
        return None
    words = cmds[0]
    i = 0
    while i < len(words):
        w = words[i]
        if "=" in w and not w.startswith("-") and w.split("=", 1)[0].isidentifier():
            i += 1
        elif posixpath.basename(w) in _WRAPPERS:
            i += 1
            while i < len(words) and (words[i].startswith("-") or words[i][:1].isdecimal()):
                i += 1
        else:
            return None if "$" in w else w
    return None


def _missing(img: ImageContents, shell_form: bool, argv: list[str]) -> _Problem | None:
    """What the healthcheck needs that the image lacks: the shell (shell forms), then the program."""
    if shell_form:
        if img.has_shell() is False:
            return _Problem("/bin/sh", True)
        program = _first_program(" ".join(argv))
        if program is None or program in _SHELL_BUILTINS:
            return None
    else:
        if not argv or "$" in argv[0]:
            return None
        program = argv[0]
        if posixpath.basename(program) in SHELLS and "-c" in argv[1:2]:
            if img.has_program(program) is False:
                return _Problem(program, False)
            inner = _first_program(argv[2]) if len(argv) > 2 else None
            if inner is None or inner in _SHELL_BUILTINS:
                return None
            program = inner
    if img.has_program(program) is False:
        return _Problem(program, False)
    return _shebang_problem(img, program)


def _advice(img: ImageContents, problem: _Problem) -> str:
    if problem.shell:
        return (
            'use the exec form `["CMD", …]` with a program the image has, e.g. a `healthcheck` subcommand of '
            "the app binary"
        )
    name = posixpath.basename(problem.program)
    tools = img.tools()
    if img.facts.package_manager in ("apt", "apk", "dnf", "microdnf", "yum"):
        how = f"install it in the final stage ({img.how_to_install(name)})"
        if name == "curl" and "wget" in tools:
            how += " or use `wget -q --spider` (busybox has it)"
        return how
    return (
        "the image has no package manager: copy a static binary in (`COPY --from=…`) or give the app a "
        "`healthcheck` subcommand and run that"
    )


def _describe(img: ImageContents) -> str:
    if img.stage is not None:
        return f"the image (final stage FROM `{img.base}`)"
    return f"the image `{img.base}`"


def _compose_location(svc: Service, problem: _Problem) -> Location | None:
    hc_node = svc.node.get("healthcheck")
    test = hc_node.get("test") if hc_node is not None else None
    if test is None:
        return None
    if not test.is_list:
        return test.loc if problem.shell else line_span(test.loc, problem.script or problem.program)
    elements = test.elements()
    if problem.shell and elements:
        return line_span(elements[0].loc, "CMD-SHELL")
    shown = problem.script or problem.program
    for el in elements[1:]:
        if shown in (el.raw or el.text() or ""):
            return line_span(el.loc, shown)
    return elements[0].loc if elements else test.loc


def _compose_checks(project: Project) -> Iterator[Finding]:
    for _compose, svc in project.services():
        hc = svc.healthcheck
        if hc is None or hc.disabled or hc.kind not in ("CMD", "CMD-SHELL"):
            continue
        build = project.build_of_service(svc)
        img: ImageContents | None
        if build is not None:
            img = build_contents(project, build)
        elif svc.image and "$" not in svc.image:
            img = image_contents(project, svc.image)
        else:
            img = None
        if img is None or not img.complete:
            continue
        problem = _missing(img, hc.kind == "CMD-SHELL", list(hc.command))
        if problem is None:
            continue
        loc = _compose_location(svc, problem) or hc.location
        yield _finding(f"healthcheck of service `{svc.name}`", img, problem, loc, f"compose:{svc.name}", ())


def _finding(
    who: str, img: ImageContents, problem: _Problem, loc: Location, key: str, related: tuple[Related, ...]
) -> Finding:
    if problem.shell:
        what = f"{who} is a shell command (`CMD-SHELL`/shell form), but {_describe(img)} has no `/bin/sh`"
    elif problem.script is not None:
        what = (
            f"{who} runs `{problem.script}`, whose `#!` line starts `{problem.program}`, which "
            f"{_describe(img)} does not have"
        )
    else:
        what = f"{who} runs `{problem.program}`, which {_describe(img)} does not have"
    return RULE.finding(
        f"{what}: every probe fails with `executable file not found` and the container is marked unhealthy; "
        + _advice(img, problem),
        loc,
        key=f"{key}:{problem.program}",
        related=related,
    )


def _overridden(build: Build) -> bool:
    svc = build.service
    return svc is not None and svc.healthcheck is not None and (svc.healthcheck.disabled or bool(svc.healthcheck.test))


def _dockerfile_checks(project: Project) -> Iterator[Finding]:
    done: set[int] = set()
    for df in project.dockerfiles.values():
        builds = project.builds_of(df)
        for build in builds:
            stage = df.final_stage(build.target)
            instr = stage.state.healthcheck if stage is not None else None
            if stage is None or instr is None or id(instr) in done or len(instr.args) < 2 or instr.exec_error:
                continue
            covering = [b for b in builds if df.final_stage(b.target) is stage]
            if covering and all(_overridden(b) for b in covering):
                continue
            done.add(id(instr))
            img = stage_contents(project, df, stage)
            if not img.complete:
                continue
            yield from _dockerfile_check(df, instr, img, covering)


def _dockerfile_check(
    df: Dockerfile, instr: Instruction, img: ImageContents, covering: list[Build]
) -> Iterator[Finding]:
    shell_form = not instr.json
    argv = list(instr.args[1:])
    problem = _missing(img, shell_form, argv)
    if problem is None:
        return
    shown = problem.script or problem.program
    loc = text_location(df, instr, "CMD") if problem.shell else text_location(df, instr, shown)
    related = tuple(
        Related(b.service.location, f"service `{b.service.name}` runs this image") for b in covering if b.service
    )
    yield _finding("HEALTHCHECK", img, problem, loc, "dockerfile", related)


def check(project: Project) -> Iterator[Finding]:
    yield from _compose_checks(project)
    yield from _dockerfile_checks(project)


RULE = register(
    Rule(
        id="VW304",
        name="healthcheck-tool-missing",
        level=Level.ERROR,
        summary="The healthcheck runs a program (or needs a shell) the image does not have.",
        docs=RuleDocs(
            what="The program a compose `healthcheck.test` (argv[0] of `CMD`, the first command of `CMD-SHELL` or of "
            "`sh -c`) or a Dockerfile `HEALTHCHECK` runs must exist in the final image: in its base image "
            "(`rules/images.json`: Debian-slim has no curl, nor do the slim variants of `python` and `node`, which "
            "purge the curl/wget they fetch with; Alpine has busybox `wget`/`nc` but no curl; the default `python` "
            "and `node` tags, built on buildpack-deps, have both; distroless and scratch have no shell and no tools), "
            "installed by a package manager in the final stage or a stage it is built FROM, copied in (`COPY --from=… "
            "/usr/bin/curl`), or written by a RUN (`curl -o`, `ln -s`, `chmod +x`). `CMD-SHELL` and shell-form "
            "`HEALTHCHECK` need `/bin/sh`. The app binary itself (any path COPY'd into the image) is fine, and so is "
            "a program a language package may have put on PATH once the image runs `pip`, `npm`, `gem` or the like "
            "(`celery`, `uvicorn`, `pm2`): then only the system's own tools (`curl`, `wget`, `nc`, …) are claimed. A "
            "script the healthcheck runs that was copied from the build context (on its own or in a copied directory) "
            "must also find the interpreter its `#!` line names (`#!/bin/bash` in alpine or busybox fails). "
            "Image-only services are checked only when the image's tool list is known (e.g. `postgres` has "
            "`pg_isready`, `redis` has `redis-cli`). Stays silent for: images whose contents are not fully known (an "
            "unknown base, a RUN that installs what it cannot read), variables in the program, directories copied "
            "over a bin directory, and scripts whose `#!` line is missing or names a program the image has.",
            why='Docker runs the probe, gets `exec: "curl": executable file not found in $PATH`, and marks the '
            "container unhealthy: `depends_on: service_healthy` dependants never start and orchestrators "
            "restart a perfectly working service.",
            example='FROM debian:bookworm-slim\n...\nHEALTHCHECK CMD ["curl", "-f", "http://localhost:8080/health"]',
            fix="Install the tool in the final stage (`apt-get install -y --no-install-recommends curl`), use one "
            "the base has (`wget -q --spider` on Alpine), or add a `healthcheck` subcommand to the binary and run "
            '`["CMD", "/usr/local/bin/app", "healthcheck"]`.',
        ),
        check=check,
        tags=("health", "compose", "dockerfile"),
    )
)
