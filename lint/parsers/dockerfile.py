"""A parsed Dockerfile: its stages, the instructions of each and the image state a stage ends with
(what it inherits from the stage it is built FROM included), and where a word of an instruction is written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from viworks_lint.location import Location
from viworks_lint.parsers.common import Problem


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
