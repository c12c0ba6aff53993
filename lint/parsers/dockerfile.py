"""Dockerfiles → stages and instructions, parsed with BuildKit's own grammar (the ``dockerfile``
package binds BuildKit's Go parser), with ARG/ENV substitution and stage inheritance resolved."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dockerfile as bk
from viworks_lint.location import Location
from viworks_lint.parsers.common import Problem, ReadError, read_text
from viworks_lint.parsers.dockerlex import lexer_safe, unknown_problem, widen_unknown

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


@dataclass(frozen=True)
class Heredoc:
    name: str
    content: str


@dataclass(frozen=True)
class Instruction:
    cmd: str  # upper-case keyword
    args: tuple[str, ...]  # arguments as BuildKit split them (exec form: the JSON array items)
    flags: tuple[str, ...]  # "--from=builder", ...
    json: bool  # exec form
    original: str
    location: Location  # keyword start to end of the instruction's last line
    heredocs: tuple[Heredoc, ...] = ()
    sub_cmd: str | None = None  # ONBUILD's instruction
    expanded: tuple[str, ...] = ()  # args after ARG/ENV substitution (EXPANDS instructions only)
    unresolved: frozenset[str] = frozenset()  # variables in args with no known value
    # the text starts with `[` but is no JSON string array, so BuildKit runs it as shell form: why
    exec_error: str | None = None

    @property
    def start_line(self) -> int:
        return self.location.line

    @property
    def end_line(self) -> int:
        return self.location.end_line or self.location.line

    def flag(self, name: str) -> str | None:
        """Value of ``--name=value`` (``""`` for a bare ``--name``), or None when absent."""
        for f in self.flags:
            if f == f"--{name}":
                return ""
            if f.startswith(f"--{name}="):
                return f[len(name) + 3 :]
        return None

    @property
    def values(self) -> tuple[str, ...]:
        """Expanded args when this instruction expands variables, else the raw args."""
        return self.expanded if self.expanded else self.args


@dataclass(frozen=True)
class StageState:
    """What a stage's image carries at its end, inheritance from ``FROM <stage>`` included."""

    user: str | None = None
    user_instr: Instruction | None = None
    entrypoint: Instruction | None = None
    cmd: Instruction | None = None
    healthcheck: Instruction | None = None
    env: Mapping[str, tuple[str, Instruction]] = field(default_factory=dict)
    workdir: str = "/"
    shell: tuple[str, ...] = ("/bin/sh", "-c")


@dataclass(frozen=True)
class Stage:
    index: int
    name: str | None  # lower-cased "AS" name
    base_raw: str
    base: str  # after substituting global ARG defaults
    base_resolved: bool
    from_instr: Instruction
    instructions: tuple[Instruction, ...]
    parent: int | None  # index of the stage this one is built FROM, if any
    platform: str | None
    state: StageState
    # the stages a FROM built from a platform ARG (`FROM builder-$TARGETARCH`) may name, when they all carry the
    # same image state and base image: ``parent`` is the first of them, and BuildKit builds whichever one
    alternatives: tuple[int, ...] = ()

    @property
    def label(self) -> str:
        return self.name or str(self.index)


@dataclass(frozen=True)
class Dockerfile:
    path: Path
    lines: tuple[str, ...]
    stages: tuple[Stage, ...]
    global_args: Mapping[str, str | None]
    directives: Mapping[str, str]
    problems: tuple[Problem, ...] = ()
    preamble: tuple[Instruction, ...] = ()  # ARGs before the first FROM

    def stage(self, ref: str) -> Stage | None:
        """A stage by name (case-insensitive) or index."""
        low = ref.lower()
        for st in self.stages:
            if st.name == low:
                return st
        if ref.isascii() and ref.isdecimal() and int(ref) < len(self.stages):
            return self.stages[int(ref)]
        return None

    def final_stage(self, target: str | None = None) -> Stage | None:
        if target:
            st = self.stage(target)
            if st is not None:
                return st
        return self.stages[-1] if self.stages else None

    def lineage(self, stage: Stage) -> list[Stage]:
        """The stage and the stages it is built FROM, nearest first."""
        out = [stage]
        seen = {stage.index}
        cur = stage
        while cur.parent is not None and cur.parent not in seen:
            cur = self.stages[cur.parent]
            seen.add(cur.index)
            out.append(cur)
        return out

    def root_base(self, stage: Stage) -> str:
        """The external image a stage ultimately builds on."""
        return self.lineage(stage)[-1].base


# ----------------------------------------------------------------------------------------- substitution


def expand(word: str, env: Mapping[str, str | None]) -> tuple[str, set[str]]:
    """Docker-style ``$VAR``/``${VAR}``/``${VAR:-d}``/``${VAR:+d}`` expansion (backslash escapes kept).
    Returns the text and the names that had no value and no default."""
    out: list[str] = []
    missing: set[str] = set()
    i, n = 0, len(word)
    while i < n:
        c = word[i]
        if c == "\\" and i + 1 < n and word[i + 1] == "$":
            out.append("$")
            i += 2
            continue
        if c != "$" or i + 1 >= n:
            out.append(c)
            i += 1
            continue
        if word[i + 1] == "{":
            close = word.find("}", i + 2)
            if close == -1:
                out.append(word[i:])
                break
            inner = word[i + 2 : close]
            name, op, arg = inner, "", ""
            for candidate in (":-", ":+", "-", "+"):
                pos = inner.find(candidate)
                if pos > 0 and (not op or pos < len(name)):
                    name, op, arg = inner[:pos], candidate, inner[pos + len(candidate) :]
                    break
            val = env.get(name)
            if op in (":-", "-"):
                out.append(val if val else arg)
            elif op in (":+", "+"):
                out.append(arg if val else "")
            else:
                if val is None:
                    missing.add(name)
                out.append(val or "")
            i = close + 1
            continue
        j = i + 1
        while j < n and (word[j].isalnum() or word[j] == "_"):
            j += 1
        if j == i + 1:
            out.append(c)
            i += 1
            continue
        name = word[i + 1 : j]
        val = env.get(name)
        if val is None:
            missing.add(name)
        out.append(val or "")
        i = j
    return "".join(out), missing


# ----------------------------------------------------------------------------------------- parsing


def _instr_location(path: Path, lines: tuple[str, ...], start: int, end: int) -> Location:
    text = lines[start - 1] if 0 < start <= len(lines) else ""
    col = len(text) - len(text.lstrip()) + 1
    last = lines[end - 1] if 0 < end <= len(lines) else text
    return Location(path, start, col, end, len(last.rstrip()) + 1 if last.strip() else col + 1)


def token_location(
    df: Dockerfile, instr: Instruction, token: str, occurrence: int = 0, *, whole_word: bool = True
) -> Location:
    """Where ``token`` is written inside ``instr`` (falls back to the instruction's keyword)."""
    seen = 0
    for ln in range(instr.start_line, instr.end_line + 1):
        if ln - 1 >= len(df.lines):
            break
        text = df.lines[ln - 1]
        start = 0 if ln != instr.start_line else instr.location.col - 1 + len(instr.cmd)
        while True:
            pos = text.find(token, start)
            if pos == -1:
                break
            before = text[pos - 1] if pos > 0 else " "
            after = text[pos + len(token)] if pos + len(token) < len(text) else " "
            if not whole_word or (before in " \t\"'[,=" and after in " \t\"',]\\"):
                if seen == occurrence:
                    return Location(df.path, ln, pos + 1, ln, pos + 1 + len(token))
                seen += 1
            start = pos + 1
    loc = instr.location
    return Location(loc.path, loc.line, loc.col, loc.line, loc.col + len(instr.cmd))


# instructions whose argument BuildKit reads as a JSON array when it is one, else as shell text
EXEC_FORM = {"CMD", "ENTRYPOINT", "RUN", "SHELL", "HEALTHCHECK"}


def _after_flags(text: str, flags: tuple[str, ...]) -> str:
    """``text`` (what follows the keyword) without the leading ``--flag`` words BuildKit took off."""
    rest = text.lstrip()
    for f in flags:
        if rest.startswith(f):
            rest = rest[len(f) :].lstrip()
    while rest.startswith("--"):  # a flag written differently from how the binding reports it
        rest = rest.split(None, 1)[1] if len(rest.split(None, 1)) > 1 else ""
    return rest


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def exec_form_error(rest: str) -> str | None:
    """Why ``rest`` (an instruction's argument text starting with ``[``) is no JSON array of strings, as
    BuildKit decides it since dockerfile frontend 1.9 (``json.Unmarshal`` of the whole text: nothing may
    follow the closing ``]``); None when it is one."""
    text = rest.strip()
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except ValueError as exc:
        return _json_problem(text, exc)
    if not isinstance(value, list):
        return "it is not a JSON array"
    return None  # non-string items make BuildKit (and the parser binding) fail the whole file


def _json_problem(text: str, exc: ValueError) -> str:
    """A human reason for a JSON decode failure of exec-form text."""
    close = _array_end(text)
    if close is not None and close < len(text) - 1:
        try:
            json.loads(text[: close + 1], parse_constant=_no_constant)
            tail = text[close + 1 :].strip()
            if tail.startswith("#"):
                return f"the `{_short(tail)}` after the closing `]` is not a comment in a Dockerfile"
            return f"text follows the closing `]` (`{_short(tail)}`)"
        except ValueError:
            pass
    if "'" in text and '"' not in text:
        return "it uses single quotes; JSON strings need double quotes"
    msg = str(exc)
    if "Invalid \\escape" in msg or "Invalid \\uXXXX" in msg:
        return "it has a backslash that is no JSON escape (write `\\\\` for a literal backslash)"
    if close is None:
        return "the closing `]` is missing"
    if "Expecting ',' delimiter" in msg:
        return "a comma is missing between two items"
    if "Expecting value" in msg and re.search(r",\s*\]", text):
        return "it has a trailing comma before `]`"
    return f"it is not valid JSON ({msg.split(':')[0]})"


def _array_end(text: str) -> int | None:
    """Index of the ``]`` that closes the array opened at ``text[0]`` (strings skipped), or None."""
    depth = 0
    quote = False
    i = 0
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 2
                continue
            if c == '"':
                quote = False
        elif c == '"':
            quote = True
        elif c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _exec_form(
    cmd: str, original: str, flags: tuple[str, ...], args: tuple[str, ...], json_form: bool
) -> tuple[tuple[str, ...], bool, str | None]:
    """(args, json, exec_error) as current BuildKit reads an exec-form-capable instruction."""
    keyword_end = len(original) - len(original.lstrip()) + len(cmd)
    rest = _after_flags(original[keyword_end:], flags)
    prefix: tuple[str, ...] = ()
    if cmd == "HEALTHCHECK":
        words = rest.split(None, 1)
        if not words:
            return args, json_form, None
        prefix = (words[0],)
        rest = words[1] if len(words) > 1 else ""
    if not rest.lstrip().startswith("["):
        return args, json_form, None
    problem = exec_form_error(rest)
    if problem is None:
        return args, True, None
    text = rest.strip()
    return (*prefix, text), False, problem if _meant_as_exec_form(text) else None


def _meant_as_exec_form(text: str) -> bool:
    """Whether text that starts with ``[`` but is no JSON array was meant as an array, not as the shell's
    ``[ test ]`` / ``[[ test ]]`` (where ``[`` is a word of its own)."""
    if text.startswith("[["):
        return False
    if len(text) > 1 and not text[1].isspace():
        return True  # `["/app",` or `['a'` is no shell word anyone means to run
    close = _array_end(text)
    if close is not None:
        try:
            json.loads(text[: close + 1], parse_constant=_no_constant)
            return True  # `[ "/app" ] # comment`
        except ValueError:
            pass
    return bool(re.search(r"""["']\s*,\s*["']""", text))  # `[ '/app', '-v' ]`


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
        stages.append(_make_stage(cur, tuple(cur_instrs), stages, env_values))

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
            args, json_form, exec_error = _exec_form(cmd, c.original, tuple(c.flags), args, json_form)
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


def _make_stage(
    cur: dict[str, object],
    instrs: tuple[Instruction, ...],
    previous: list[Stage],
    env_values: dict[int, dict[str, str]],
) -> Stage:
    base = str(cur["base"])
    parent: int | None = None
    for st in previous:
        if st.name is not None and st.name == base.lower():
            parent = st.index
    alternatives: tuple[int, ...] = ()
    if parent is None and not cur["resolved"]:
        alternatives = platform_alternatives(str(cur["base_raw"]), previous)
        if alternatives:
            parent = alternatives[0]
            base = str(cur["base_raw"])
    inherited = previous[parent].state if parent is not None else StageState()
    user, user_instr = inherited.user, inherited.user_instr
    entry, cmd, health = inherited.entrypoint, inherited.cmd, inherited.healthcheck
    env: dict[str, tuple[str, Instruction]] = dict(inherited.env)
    workdir = inherited.workdir
    shell = inherited.shell
    for ins in instrs:
        if ins.cmd == "USER" and ins.values:
            user, user_instr = ins.values[0], ins
        elif ins.cmd == "ENTRYPOINT":
            entry = ins
            cmd = None  # Docker resets CMD when ENTRYPOINT is set in a later image
        elif ins.cmd == "CMD":
            cmd = ins
        elif ins.cmd == "HEALTHCHECK":
            health = ins
        elif ins.cmd == "ENV":
            for k, v in env_values.get(id(ins), {}).items():
                env[k] = (v, ins)
        elif ins.cmd == "WORKDIR" and ins.values:
            wd = ins.values[0]
            workdir = wd if wd.startswith("/") else workdir.rstrip("/") + "/" + wd
        elif ins.cmd == "SHELL" and ins.json:
            shell = ins.args
    state = StageState(user, user_instr, entry, cmd, health, env, workdir, shell)
    frm = cur["from"]
    assert isinstance(frm, Instruction)
    platform = cur["platform"]
    return Stage(
        index=int(str(cur["index"])),
        name=cur["name"] if isinstance(cur["name"], str) else None,
        base_raw=str(cur["base_raw"]),
        base=base,
        base_resolved=bool(cur["resolved"]),
        from_instr=frm,
        instructions=instrs,
        parent=parent,
        platform=platform if isinstance(platform, str) else None,
        state=state,
        alternatives=alternatives,
    )


# BuildKit's automatic platform ARGs and the values a stage name built from them can take
_PLATFORM_VALUES = {
    "TARGETARCH": ("amd64", "arm64", "arm", "386", "ppc64le", "s390x", "riscv64", "mips64le", "mips64", "loong64"),
    "BUILDARCH": ("amd64", "arm64", "arm", "386", "ppc64le", "s390x", "riscv64", "mips64le", "mips64", "loong64"),
    "TARGETOS": ("linux", "windows", "darwin", "freebsd"),
    "BUILDOS": ("linux", "windows", "darwin", "freebsd"),
    "TARGETVARIANT": ("v5", "v6", "v7", "v8"),
    "BUILDVARIANT": ("v5", "v6", "v7", "v8"),
}
_PLATFORM_REF = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


def platform_alternatives(base_raw: str, previous: Sequence[Stage]) -> tuple[int, ...]:
    """The earlier stages a ``FROM`` built from BuildKit's platform ARGs (``builder-$TARGETARCH``,
    ``${TARGETOS}-${TARGETARCH}``) can name, when there are any and they all carry the same image state
    (user, entrypoint, command, healthcheck, env, workdir, shell) on the same base image (tags aside): then
    which one the platform picks changes nothing a rule reads. Empty otherwise (no guess)."""
    names = {m.group(1) or m.group(2) for m in _PLATFORM_REF.finditer(base_raw)}
    if not names or not names <= _PLATFORM_VALUES.keys():
        return ()
    parts: list[str] = []
    last = 0
    for m in _PLATFORM_REF.finditer(base_raw):
        parts.append(re.escape(base_raw[last : m.start()].lower()))
        parts.append("(?:" + "|".join(_PLATFORM_VALUES[m.group(1) or m.group(2)]) + ")")
        last = m.end()
    parts.append(re.escape(base_raw[last:].lower()))
    regex = re.compile("".join(parts))
    found = [st for st in previous if st.name is not None and regex.fullmatch(st.name)]
    if not found:
        return ()
    first = found[0]
    if any(_state_key(st, previous) != _state_key(first, previous) for st in found[1:]):
        return ()
    return tuple(st.index for st in found)


def _state_key(stage: Stage, stages: Sequence[Stage]) -> tuple[object, ...]:
    s = stage.state

    def vals(instr: Instruction | None) -> tuple[str, ...] | None:
        return instr.values if instr is not None else None

    root = stage
    seen = {stage.index}
    while root.parent is not None and root.parent not in seen:
        seen.add(root.parent)
        root = stages[root.parent]
    image = root.base.split("@")[0]
    if ":" in image.rsplit("/", 1)[-1]:
        image = image.rsplit(":", 1)[0]
    return (
        s.user,
        vals(s.entrypoint),
        vals(s.cmd),
        vals(s.healthcheck),
        tuple(sorted((k, v) for k, (v, _i) in s.env.items())),
        s.workdir,
        s.shell,
        image.lower(),
        root.base_resolved,
    )
