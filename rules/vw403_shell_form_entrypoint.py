"""VW403 shell-form-entrypoint."""

from __future__ import annotations

from collections.abc import Iterator

from viworks_lint.bashexec import execs_tail, image_shells
from viworks_lint.dockerutil import commands, text_location
from viworks_lint.findings import Finding, Level, Related
from viworks_lint.fixes import Applicability, Fix, ReplaceText, safe_fix
from viworks_lint.location import Location
from viworks_lint.packages import SHELLS
from viworks_lint.parsers.dockerfile import Dockerfile, Instruction, Stage, token_location
from viworks_lint.platforms import runs_on_platform
from viworks_lint.project import Build, Project
from viworks_lint.rule import Rule, RuleDocs, register
from viworks_lint.scripts import entry_script, main_instructions, script_argv
from viworks_lint.scripttail import NOT_APP, script_tail


def _starts_with_exec(text: str) -> bool:
    cmds = commands(text)
    return bool(cmds) and cmds[0][:1] == ["exec"] and len(cmds) == 1


def _script_finding(project: Project, build: Build, df: Dockerfile, stage: Stage, instr: Instruction) -> Finding | None:
    script, rest = script_argv(list(instr.args))
    if script is None:
        cmds = commands(rest[2]) if len(rest) > 2 else []
        if len(cmds) > 1 and cmds[-1][:1] != ["exec"] and not execs_tail(rest, image_shells(project, df, stage)):
            return RULE.finding(
                f"{instr.cmd} runs `{rest[0]} {rest[1]}` with several commands and the last one is not `exec`'d: "
                "the shell stays PID 1 and does not forward SIGTERM to the app, so `docker stop` waits out the "
                "timeout and kills it; start the last command with `exec`",
                text_location(df, instr, rest[0]),
                key=f"{stage.label}:{instr.cmd}:sh-c",
            )
        return None
    found = entry_script(project, build, stage, instr)
    if found is None:
        return None
    host, text = found.host, found.text
    tail = script_tail(text)
    if tail is None:
        return None
    shown = '"$@"' if tail.program in ("$@", '"$@"') else tail.program
    fix = None
    if not tail.prefixed:
        fix = safe_fix(
            f"start `{shown}` with `exec` in `{script}`", ReplaceText(host, tail.line, tail.col, "", "exec ")
        )
    return RULE.finding(
        f"entrypoint script `{script}` starts `{shown}` without `exec`: the script's shell stays PID 1, SIGTERM from "
        f"`docker stop` never reaches the app and it is killed after the timeout; write `exec {shown} …`",
        Location(host, tail.line, tail.col, tail.line, tail.end_col),
        key=f"script:{host.name}:{tail.program}",
        related=(Related(instr.location, f"{instr.cmd} runs the script"),),
        fix=fix,
    )


def _shell_form_fix(df: Dockerfile, instr: Instruction, text: str) -> Fix | None:
    """``exec`` in front of a shell form that is one plain command (not a builtin, no assignments)."""
    cmds = commands(text)
    if len(cmds) != 1 or not cmds[0] or "=" in cmds[0][0] or cmds[0][0] in NOT_APP or cmds[0][0] in SHELLS:
        return None
    if any(c in text for c in "|&;<>`(\n"):
        return None
    loc = token_location(df, instr, cmds[0][0])
    if (loc.line, loc.col) == (instr.location.line, instr.location.col):
        return None  # not found as written
    return safe_fix(f"start the {instr.cmd} with `exec`", ReplaceText(loc.path, loc.line, loc.col, "", "exec "))


def check(project: Project) -> Iterator[Finding]:
    for df, stage, builds, instr in main_instructions(project):
        if not instr.json:
            text = instr.args[0] if instr.args else ""
            if _starts_with_exec(text) or text.lstrip().startswith("exec "):
                continue
            if execs_tail(["/bin/sh", "-c", text], image_shells(project, df, stage)):
                continue  # BusyBox's `sh -c` hands its process to the command: the app is PID 1 (VW402's concern)
            platform = runs_on_platform(project, df, stage, builds)
            everyone = platform is not None and platform.platform.signals_every_process
            yield RULE.finding(
                f'{instr.cmd} uses the shell form: Docker runs it as `/bin/sh -c "…"`, so the shell is PID 1 and '
                "SIGTERM from `docker stop` never reaches the app (it is killed after the timeout, without a "
                f'graceful shutdown); use the exec form `{instr.cmd} ["…"]` or start it with `exec`'
                + (
                    f"; it is built for {platform.platform.name} ({platform.evidence}), where {platform.platform.init}"
                    if everyone and platform is not None
                    else ""
                ),
                text_location(df, instr, instr.cmd),
                key=f"{stage.label}:{instr.cmd}:shell",
                fix=_shell_form_fix(df, instr, text),
                level=Level.NOTE if everyone else None,
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
            "in shell form, unless the command starts with `exec`; an exec-form `ENTRYPOINT`/`CMD` that runs `sh -c` "
            "with several commands (silent for `bash -c` when the image's bash is 5.1 or newer, per `distro_bash` in "
            "`rules/images.json`, and the last command of an `&&`/`||`/`;` list is a simple command with no "
            "redirection and no `trap` in the text: bash execs it in its own place since 5.1, bash NEWS 5.1 item 1b "
            "and `optimize_connection_fork` in builtins/evalstring.c; `sh` is dash and keeps forking); silent too for "
            "a shell form, or `sh -c`, on an image whose `sh` is BusyBox's ash (its base image lists `busybox` among "
            "its tools in `rules/images.json`: Alpine, Wolfi, distroless `:debug`) when the text is one simple "
            "command, or a list ending in one, with no `trap`: ash execs that last command in its own place "
            "(`EV_EXIT` in shell/ash.c; checked with BusyBox 1.35), so the app is PID 1 and VW402 judges it; an "
            "entrypoint script COPY'd from the build context (found through the COPY that puts it at the ENTRYPOINT "
            "path, past `tini`/`dumb-init`/`gosu` wrappers) whose last command starts a program without `exec`. When "
            "an exec-form ENTRYPOINT exists, CMD is only its arguments and is not reported; scripts that `trap` "
            "signals, end in `wait` or a control structure are not claimed. A note for an image built for a platform "
            "that sends the stop signal to every process (`signals_every_process` in `rules/platforms.json`: Heroku's "
            "dyno manager), where the app gets it whatever PID 1 is.",
            why="`/bin/sh` as PID 1 ignores SIGTERM and does not pass it on, so `docker stop` and every rolling "
            "deploy wait the full grace period and SIGKILL the backend: in-flight requests are cut and "
            "connection pools are never closed cleanly.",
            example="ENTRYPOINT /usr/local/bin/app --config /etc/app.toml\n"
            '# or docker-entrypoint.sh ending in: /usr/local/bin/app "$@"',
            fix='Use the exec form (`ENTRYPOINT ["/usr/local/bin/app"]`), or `exec` the last command '
            '(`exec /usr/local/bin/app "$@"`).',
            fix_safety="Safe. For an entrypoint script whose last command starts a program (no variable "
            "assignments in front of it), the fix writes `exec ` before that command; for a shell-form "
            "`ENTRYPOINT`/`CMD` that is one plain command (no pipes, lists, redirections or substitutions), before "
            "the command. `exec` makes the shell replace itself with the program: the same program runs with the "
            "same arguments, environment and exit code, and now receives the signals as PID 1. Since the command "
            "is the last one, nothing after it is skipped.",
        ),
        check=check,
        tags=("hardening", "runtime", "dockerfile"),
        fixable=(Applicability.SAFE,),
    )
)
