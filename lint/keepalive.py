"""Keep-alive placeholders: an ENTRYPOINT/CMD whose only job is to keep the container up so that someone
can `docker exec` into it (`tail -f /dev/null`, `sleep infinity`, `while true; do sleep 1; done`). Such an
image runs no program of its own: it is a development or toolchain box, not the app."""

from __future__ import annotations

import posixpath
import re

from viworks_lint.dockerutil import commands
from viworks_lint.parsers.dockerfile import Instruction, Stage

_SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh"})
_LOOP = re.compile(r"^\s*while\s+(?:true|:|\[\s*1\s*\])\s*;\s*do\s+sleep\s+\S+\s*;\s*done\s*$")
_FOREVER = 24 * 3600  # `sleep 86400` and longer: nothing of the image's own runs meanwhile


def _sleeps_forever(arg: str) -> bool:
    if arg in ("infinity", "inf"):
        return True
    m = re.fullmatch(r"(\d+)([smhd]?)", arg)
    return m is not None and int(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)] >= _FOREVER


def keep_alive_words(words: list[str]) -> bool:
    """``words`` (a command's argv) only waits forever."""
    if words[:1] == ["exec"]:
        words = words[1:]
    if not words:
        return False
    prog = posixpath.basename(words[0])
    args = words[1:]
    if prog == "tail":
        follows = any(a in ("-f", "-F", "--follow") or a.startswith("--follow=") for a in args)
        files = [a for a in args if not a.startswith("-")]
        return follows and files[:1] == ["/dev/null"]
    if prog == "sleep":
        return len(args) == 1 and _sleeps_forever(args[0])
    if prog in _SHELLS and len(args) == 2 and args[0].startswith("-") and "c" in args[0]:
        return keep_alive_text(args[1])
    return False


def keep_alive_text(text: str) -> bool:
    """Shell text that only waits forever (one keep-alive command, or a `while true; do sleep N; done` loop)."""
    if _LOOP.match(text):
        return True
    cmds = commands(text)
    return len(cmds) == 1 and keep_alive_words(cmds[0])


def keep_alive(stage: Stage) -> Instruction | None:
    """The ENTRYPOINT/CMD of ``stage`` when the container it starts only waits forever, else None."""
    entry, cmd = stage.state.entrypoint, stage.state.cmd
    instr = entry if entry is not None else cmd
    if instr is None:
        return None
    if not instr.json:
        return instr if keep_alive_text(" ".join(instr.args)) else None
    return instr if keep_alive_words(list(instr.args)) else None


_NO_OPS = frozenset({"true", "false", ":"})


def no_op_command(stage: Stage) -> Instruction | None:
    """The CMD of ``stage`` when it has no ENTRYPOINT and its CMD does nothing (`CMD ["false"]`, `CMD true`): an
    image of tools whose runner always gives the command (`docker run img bin/migrate`, a Kubernetes job)."""
    if stage.state.entrypoint is not None or stage.state.cmd is None:
        return None
    instr = stage.state.cmd
    words = list(instr.args) if instr.json else (commands(" ".join(instr.args)) or [[]])[0]
    return instr if len(words) == 1 and posixpath.basename(words[0]) in _NO_OPS else None
