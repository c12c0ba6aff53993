"""VW403 shell-form-entrypoint."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from viworks_lint.dockerutil import commands, final_stages
from viworks_lint.findings import Finding, Level, Related
from viworks_lint.location import Location
from viworks_lint.packages import SHELLS, text_location
from viworks_lint.parsers.dockerfile import Dockerfile, Instruction, Stage
from viworks_lint.project import Build, Project
from viworks_lint.rule import Rule, RuleDocs, register
from viworks_lint.stagefiles import image_path, stage_files

_INITS = {"tini", "tini-static", "dumb-init", "catatonit", "s6-svscan", "gosu", "su-exec"}
# commands a script ends with that do not start the app (or that hand over to it)
_NOT_APP = {
    "exec", "echo", "printf", "set", "export", "cd", "true", "false", ":", "exit", "return", "wait", "sleep", "trap",
    "unset", "shift", "source", ".", "mkdir", "chown", "chmod", "rm", "cp", "mv", "ln", "touch", "cat", "test", "[",
    "[[", "local", "readonly", "umask", "ulimit", "eval",
}  # fmt: skip


@dataclass(frozen=True)
class _Tail:
    """The last command of a script that starts a program without ``exec``."""

    program: str
    line: int
    col: int
    end_col: int


def _starts_with_exec(text: str) -> bool:
    cmds = commands(text)
    return bool(cmds) and cmds[0][:1] == ["exec"] and len(cmds) == 1


def _overridden(build: Build, field: str) -> bool:
    svc = build.service
    return svc is not None and getattr(svc, field) is not None


_PATH_DIRS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")


def _script_host_path(project: Project, build: Build, stage: Stage, script: str) -> Path | None:
    """The build-context file a COPY/ADD puts where the final image finds ``script`` (a bare name: any
    file copied under that name, or into a PATH directory)."""
    files = stage_files(project, build, stage)
    if "/" in script:
        candidates = [image_path(stage.state.workdir, script)]
    else:
        candidates = [p.dest for p in files.context_copies() if not p.tree and posixpath.basename(p.dest) == script]
        candidates += [f"{d}/{script}" for d in _PATH_DIRS]
    for cand in candidates:
        host = files.host_of(cand)
        if host is not None and host.is_file():
            return host
    return None


def _script_argv(argv: list[str]) -> tuple[str | None, list[str]]:
    """The script an exec-form ENTRYPOINT/CMD runs (past init wrappers), or the ``sh -c`` text."""
    i = 0
    while i < len(argv) and posixpath.basename(argv[i]) in _INITS:
        i += 1
        while i < len(argv) and (argv[i].startswith("-") or argv[i] == "--"):
            i += 1
        if posixpath.basename(argv[i - 1]) in ("gosu", "su-exec") and i < len(argv):
            i += 1  # the user argument
    rest = argv[i:]
    if not rest:
        return None, []
    if posixpath.basename(rest[0]) in SHELLS and len(rest) > 1:
        if rest[1].startswith("-") and "c" in rest[1]:
            return None, rest
        return rest[1], rest
    return rest[0], rest


def _tail(text: str) -> _Tail | None:
    """The last command of the script, when it starts a program without exec; None when it does not
    (or when the script handles signals itself with ``trap``, or cannot be followed)."""
    try:
        import bashlex  # builds its grammar tables on import: only when a script is read

        trees = bashlex.parse(text)
    except Exception:
        return _tail_fallback(text)
    if not trees or "trap " in text:
        return None
    node: Any = trees[-1]
    while node.kind == "list":
        parts = [p for p in node.parts if p.kind != "operator"]
        if not parts:
            return None
        node = parts[-1]
    if node.kind != "command":
        return None  # if/while/case/function/pipeline: no claim
    words = [p for p in node.parts if p.kind == "word"]
    if not words:
        return None
    first = words[0]
    if first.word in _NOT_APP or first.word.endswith("&"):
        return None
    if text[node.pos[1] :].lstrip().startswith("&"):
        return None  # backgrounded
    line = text.count("\n", 0, first.pos[0]) + 1
    col = first.pos[0] - (text.rfind("\n", 0, first.pos[0]) + 1) + 1
    return _Tail(first.word, line, col, col + (first.pos[1] - first.pos[0]))


def _tail_fallback(text: str) -> _Tail | None:
    lines = text.splitlines()
    for n in range(len(lines), 0, -1):
        s = lines[n - 1].strip()
        if not s or s.startswith("#"):
            continue
        if "trap " in text or s in ("fi", "done", "esac", "}", ";;") or s.endswith(("&", "\\", "then", "do")):
            return None
        words = s.split()
        if words[0] in _NOT_APP or "=" in words[0]:
            return None
        col = lines[n - 1].find(words[0]) + 1
        return _Tail(words[0], n, col, col + len(words[0]))
    return None


def _script_finding(project: Project, build: Build, df: Dockerfile, stage: Stage, instr: Instruction) -> Finding | None:
    script, rest = _script_argv(list(instr.args))
    if script is None:
        cmds = commands(rest[2]) if len(rest) > 2 else []
        if len(cmds) > 1 and cmds[-1][:1] != ["exec"]:
            return RULE.finding(
                f"{instr.cmd} runs `{rest[0]} {rest[1]}` with several commands and the last one is not `exec`'d: "
                "the shell stays PID 1 and does not forward SIGTERM to the app, so `docker stop` waits out the "
                "timeout and kills it; start the last command with `exec`",
                text_location(df, instr, rest[0]),
                key=f"{stage.label}:{instr.cmd}:sh-c",
            )
        return None
    host = _script_host_path(project, build, stage, script)
    if host is None:
        return None
    try:
        text = host.read_text("utf-8", errors="replace")
    except OSError:
        return None
    first_line = text.split("\n", 1)[0]
    if not (first_line.startswith("#!") and any(sh in first_line for sh in SHELLS)) and host.suffix != ".sh":
        return None
    tail = _tail(text)
    if tail is None:
        return None
    shown = '"$@"' if tail.program in ("$@", '"$@"') else tail.program
    return RULE.finding(
        f"entrypoint script `{script}` starts `{shown}` without `exec`: the script's shell stays PID 1, SIGTERM from "
        f"`docker stop` never reaches the app and it is killed after the timeout; write `exec {shown} …`",
        Location(host, tail.line, tail.col, tail.line, tail.end_col),
        key=f"script:{host.name}:{tail.program}",
        related=(Related(instr.location, f"{instr.cmd} runs the script"),),
    )


def check(project: Project) -> Iterator[Finding]:
    for df, stage, builds in final_stages(project):
        entry, cmd = stage.state.entrypoint, stage.state.cmd
        instr: Instruction | None = None
        if entry is not None and not all(_overridden(b, "entrypoint") for b in builds):
            instr = entry
        elif entry is None and cmd is not None and not all(_overridden(b, "command") for b in builds):
            instr = cmd
        if instr is None or instr.exec_error is not None:
            continue  # a broken exec form is VW212's finding
        if not instr.json:
            text = instr.args[0] if instr.args else ""
            if _starts_with_exec(text) or text.lstrip().startswith("exec "):
                continue
            yield RULE.finding(
                f'{instr.cmd} uses the shell form: Docker runs it as `/bin/sh -c "…"`, so the shell is PID 1 and '
                "SIGTERM from `docker stop` never reaches the app (it is killed after the timeout, without a "
                f'graceful shutdown); use the exec form `{instr.cmd} ["…"]` or start it with `exec`',
                text_location(df, instr, instr.cmd),
                key=f"{stage.label}:{instr.cmd}:shell",
            )
            continue
        for build in builds:
            found = _script_finding(project, build, df, stage, instr)
            if found is not None:
                yield found
                break


RULE = register(
    Rule(
        id="VW403",
        name="shell-form-entrypoint",
        level=Level.WARNING,
        summary="The app is started through a shell that does not forward signals (shell-form ENTRYPOINT/CMD, or "
        "an entrypoint script without `exec`).",
        docs=RuleDocs(
            what="In the stage an image is built to: an `ENTRYPOINT` in shell form, or (with no ENTRYPOINT) a `CMD` "
            "in shell form, unless the command starts with `exec`; an exec-form `ENTRYPOINT`/`CMD` that runs "
            "`sh -c` with several commands; an entrypoint script COPY'd from the build context (found through "
            "the COPY that puts it at the ENTRYPOINT path, past `tini`/`dumb-init`/`gosu` wrappers) whose last "
            "command starts a program without `exec`. When an exec-form ENTRYPOINT exists, CMD is only its "
            "arguments and is not reported; scripts that `trap` signals, end in `wait` or a control structure "
            "are not claimed.",
            why="`/bin/sh` as PID 1 ignores SIGTERM and does not pass it on, so `docker stop` and every rolling "
            "deploy wait the full grace period and SIGKILL the backend: in-flight requests are cut and "
            "connection pools are never closed cleanly.",
            example="ENTRYPOINT /usr/local/bin/app --config /etc/app.toml\n"
            '# or docker-entrypoint.sh ending in: /usr/local/bin/app "$@"',
            fix='Use the exec form (`ENTRYPOINT ["/usr/local/bin/app"]`), or `exec` the last command '
            '(`exec /usr/local/bin/app "$@"`).',
        ),
        check=check,
        tags=("hardening", "runtime", "dockerfile"),
    )
)
