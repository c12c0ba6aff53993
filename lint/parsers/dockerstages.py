"""The image state a Dockerfile stage ends with: what it inherits from the stage it is built FROM (a stage
named from BuildKit's platform ARGs included) and what its own instructions set."""

from __future__ import annotations

import re
from collections.abc import Sequence

from viworks_lint.parsers.dockerfile import Instruction, Stage, StageState


def make_stage(
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
