"""Dockerfiles → stages and instructions, parsed with BuildKit's own grammar (the ``dockerfile``
package binds BuildKit's Go parser), with ARG/ENV substitution and stage inheritance resolved."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import dockerfile as bk
from viworks_lint.location import Location
from viworks_lint.parsers.common import Problem, ReadError, read_text
from viworks_lint.parsers.dockerexec import EXEC_FORM, exec_form
from viworks_lint.parsers.dockerfile import Dockerfile, Heredoc, Instruction, Stage
from viworks_lint.parsers.dockerlex import lexer_safe, unknown_problem, widen_unknown
from viworks_lint.parsers.dockerstages import make_stage
from viworks_lint.parsers.dockersubst import expand

KNOWN = {
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
}
# instructions whose arguments Docker expands with ARG/ENV values at build time
EXPANDS = {"ADD", "COPY", "ENV", "EXPOSE", "FROM", "LABEL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR", "ARG"}


def _instr_location(path: Path, lines: tuple[str, ...], start: int, end: int) -> Location:
    text = lines[start - 1] if 0 < start <= len(lines) else ""
    col = len(text) - len(text.lstrip()) + 1
    last = lines[end - 1] if 0 < end <= len(lines) else text
    return Location(path, start, col, end, len(last.rstrip()) + 1 if last.strip() else col + 1)


_STAGE_NAME = re.compile(r"^[a-z][a-z0-9\-_.]*$")


def _from_problem(path: Path, lines: tuple[str, ...], line: int, args: tuple[str, ...]) -> Problem | None:
    """BuildKit's own check of FROM's words (instructions/parse.go ``parseBuildStageName``), worded as
    BuildKit words it: a FROM line with a trailing ``# comment`` fails the build here."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    if len(args) == 3 and args[1].lower() == "as":
        if _STAGE_NAME.match(args[2].lower()):
            return None
        msg = f"invalid name for build stage: {json.dumps(args[2])}, name can't start with a number or contain symbols"
        at = text.find(args[2])
    elif len(args) == 1:
        return None
    else:
        msg = "FROM requires either one or three arguments"
        extra = args[3] if len(args) > 3 and args[1].lower() == "as" else args[1]
        at = text.find(extra, text.find(args[0]) + len(args[0])) if args[0] in text else -1
    hint = ""
    if "#" in args[1:]:
        hint = (
            "; Dockerfiles have no end-of-line comments, so `#` and the words after it are more arguments of "
            "FROM: move the comment to its own line above"
        )
    col = at + 1 if at >= 0 else len(text) - len(text.lstrip()) + 1
    end = col + len(text[at:].rstrip()) if at >= 0 else col + 4
    return Problem(
        "VW001",
        f"dockerfile parse error on line {line}: {msg}{hint}",
        Location(path, line, col, line, end),
        key="from-args",
    )


def _split_env_args(instr_args: tuple[str, ...], cmd: str) -> list[tuple[str, str | None]]:
    """ENV/ARG key/value pairs. BuildKit gives ENV as a flat (key, value, key, value...) tuple and ARG
    as ``KEY=value`` or ``KEY`` words."""
    if cmd == "ENV":
        return [
            (instr_args[i], instr_args[i + 1] if i + 1 < len(instr_args) else "") for i in range(0, len(instr_args), 2)
        ]
    pairs: list[tuple[str, str | None]] = []
    for a in instr_args:
        key, has, val = a.partition("=")
        pairs.append((key, val if has else None))
    return pairs


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def parse_dockerfile(path: Path, text: str | None = None) -> Dockerfile:
    problems: list[Problem] = []
    if text is None:
        try:
            text = read_text(path)
        except ReadError as exc:
            return Dockerfile(path, (), (), {}, {}, (exc.problem,))
    lines = tuple(text.splitlines())
    directives: dict[str, str] = {}
    for line in lines:
        s = line.strip()
        if not s.startswith("#"):
            break
        body = s[1:].strip()
        key, has, val = body.partition("=")
        if has and key.strip().lower() in ("syntax", "escape", "check"):
            directives[key.strip().lower()] = val.strip()
        else:
            break
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in lines):
        problems.append(Problem("VW001", "Dockerfile has no instructions", Location(path), key="empty"))
        return Dockerfile(path, lines, (), {}, directives, tuple(problems))
    safe_text, marks = lexer_safe(text)
    try:
        commands = bk.parse_string(safe_text)
    except Exception as exc:  # GoParseError and anything else the binding raises
        msg = str(exc).strip() or exc.__class__.__name__
        err_line = 1
        if isinstance(exc, UnicodeDecodeError):
            # the binding cannot decode its own result for some non-ASCII arguments (HEALTHCHECK àb):
            # its byte offset is no line number; point at the first non-ASCII line instead
            msg = "the parser fails on the non-ASCII text of an instruction"
            err_line = next((n for n, ln in enumerate(lines, start=1) if not ln.isascii()), 1)
        else:
            at = re.search(r"\bline (\d+)", msg)
            if at is not None:
                err_line = min(int(at.group(1)), max(len(lines), 1))
        problems.append(Problem("VW001", f"Dockerfile does not parse: {msg}", Location(path, err_line, 1), key="parse"))
        return Dockerfile(path, lines, (), {}, directives, tuple(problems))

    global_args: dict[str, str | None] = {}
    preamble: list[Instruction] = []
    stages: list[Stage] = []
    cur: dict[str, object] | None = None
    cur_instrs: list[Instruction] = []
    scope: dict[str, str | None] = {}

    env_values: dict[int, dict[str, str]] = {}  # ENV instruction → its values, expanded with ARGs in scope

    def finish() -> None:
        if cur is None:
            return
        stages.append(make_stage(cur, tuple(cur_instrs), stages, env_values))

    # the VW001 for a run of unknown "instructions" with no valid one between them (one finding per run:
    # the lines of one broken construct, such as a heredoc body the parser did not recognise)
    unknown_run: int | None = None
    last_known: Any = None  # the last parser node that is a real instruction
    for c in commands:
        if not c.cmd:  # a dangling line continuation: BuildKit yields a node without a keyword
            continue
        if marks.written:
            c = c._replace(
                original=marks.restore(c.original),
                value=[marks.restore(v) for v in c.value],
                flags=[marks.restore(f) for f in c.flags],
                heredocs=[h._replace(content=marks.restore(h.content)) for h in c.heredocs],
            )
        cmd = c.cmd.upper()
        loc = _instr_location(path, lines, c.start_line, c.end_line)
        if cmd not in KNOWN:
            if unknown_run is not None:
                problems[unknown_run] = widen_unknown(problems[unknown_run], loc)
            else:
                unknown_run = len(problems)
                problems.append(unknown_problem(path, loc, c.cmd, last_known))
            continue
        unknown_run, last_known = None, c
        heredocs = tuple(Heredoc(h.name, h.content) for h in c.heredocs)
        args = tuple(c.value)
        json_form = bool(c.json)
        exec_error: str | None = None
        if cmd in EXEC_FORM and not heredocs:
            args, json_form, exec_error = exec_form(cmd, c.original, tuple(c.flags), args, json_form)
        expanded: tuple[str, ...] = ()
        missing: set[str] = set()
        if cmd in EXPANDS:
            env_now = dict(scope) if cur is not None else dict(global_args)
            parts = []
            for a in args:
                val, miss = expand(a, env_now)
                parts.append(val)
                missing |= miss
            expanded = tuple(parts)
        instr = Instruction(
            cmd,
            args,
            tuple(c.flags),
            json_form,
            c.original,
            loc,
            heredocs,
            c.sub_cmd,
            expanded,
            frozenset(missing),
            exec_error,
        )
        if cmd == "FROM":
            if not args:
                problems.append(Problem("VW001", "FROM needs an image", loc, key="from"))
                continue
            bad_from = _from_problem(path, lines, c.start_line, args)
            if bad_from is not None:
                problems.append(bad_from)
            finish()
            cur_instrs = []
            base_raw = args[0]
            base, miss = expand(base_raw, global_args)
            name = args[2].lower() if len(args) >= 3 and args[1].upper() == "AS" else None
            cur = {
                "index": len(stages),
                "name": name,
                "base_raw": base_raw,
                "base": base,
                "resolved": not miss,
                "from": instr,
                "platform": instr.flag("platform"),
            }
            # ENV (not ARG) of a stage this one is built FROM is in scope here
            parent = next((st for st in stages if st.name is not None and st.name == base.lower()), None)
            scope = {k: v for k, (v, _i) in parent.state.env.items()} if parent is not None else {}
            continue
        if cur is None:
            if cmd == "ARG":
                for k, v in _split_env_args(args, cmd):
                    global_args[k] = _unquote(expand(v, global_args)[0]) if v is not None else None
                preamble.append(instr)
            else:
                problems.append(
                    Problem(
                        "VW001",
                        f"{cmd} before the first FROM (only ARG may come before FROM)",
                        loc,
                        key=f"prefrom:{cmd}",
                    )
                )
            continue
        if cmd == "ARG":
            for k, v in _split_env_args(args, cmd):
                if v is not None:
                    scope[k] = _unquote(expand(v, scope)[0])
                else:
                    scope[k] = global_args.get(k)
        elif cmd == "ENV":
            values: dict[str, str] = {}
            for k, v in _split_env_args(args, cmd):
                scope[k] = values[k] = _unquote(expand(v or "", scope)[0])
            env_values[id(instr)] = values
        elif cmd in ("COPY", "ADD") and len(args) < 2:
            problems.append(Problem("VW001", f"{cmd} needs a source and a destination", loc, key=f"args:{cmd}"))
        cur_instrs.append(instr)
    finish()
    if not stages and not problems:
        problems.append(Problem("VW001", "Dockerfile has no FROM instruction", Location(path), key="nofrom"))
    return Dockerfile(path, lines, tuple(stages), global_args, directives, tuple(problems), tuple(preamble))
