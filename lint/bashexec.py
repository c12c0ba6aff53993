"""Whether ``bash -c "a && app"`` leaves the app as PID 1: bash hands its own process to the last command.

Since bash 5.1 (bash NEWS, bash-5.1 item 1b: "Bash attempts to optimize the number of times it forks when
executing commands in subshells and from `bash -c'"), ``parse_and_execute`` marks the second command of a
top-level ``&&``/``||``/``;`` connection that ends the ``-c`` string and is a simple command
(``can_optimize_connection``), and ``optimize_connection_fork`` (builtins/evalstring.c) execs it in place of
the shell when ``should_suppress_fork`` allows: no EXIT/ERR trap or trapped signal, no redirection, no
``time``/``!``. Checked with bash 5.2.15 (Debian 12): ``bash -c 'true && sleep 2'`` leaves ``sleep`` with the
shell's PID, while ``… && sleep 2 > /dev/null``, ``… && (sleep 2)`` and a ``trap`` keep bash. ``sh`` is dash
on Debian and Ubuntu, which always forks. The bash version of an image comes from its distribution release
(rules/images.json ``distro_bash``); unknown means no such claim.

BusyBox's ash goes further: a ``-c`` string's last command, when it is a simple command (alone or after
``&&``/``||``/``;``, redirections allowed, not in a pipeline or in the background), is exec'd in place of the
shell unless a signal is trapped (``evaltree`` with ``EV_EXIT`` in shell/ash.c). Checked with BusyBox 1.35:
``sh -c 'cd /tmp; sleep 2'`` and ``sh -c 'sleep 2 > /dev/null'`` leave ``sleep`` with the shell's PID, while
``sleep 2 | cat``, ``sleep 2; echo done`` and a ``trap "…" TERM`` keep the shell. A script file run by ash is not
treated so. An image's ``sh`` is BusyBox's when its base image's facts list ``busybox`` among its tools (Alpine,
Wolfi, the distroless ``:debug`` images, ``busybox``).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Any

from viworks_lint.dockerutil import commands
from viworks_lint.images import distro_bash, lookup, version_tuple
from viworks_lint.parsers.dockerfile import Dockerfile, Stage
from viworks_lint.project import Project

# shell builtins: the shell runs them itself, there is nothing to exec
_BUILTINS = frozenset(
    {"echo", "printf", "set", "export", "cd", "true", "false", ":", "exit", "return", "wait", "trap", "unset", "shift",
     "source", ".", "local", "readonly", "umask", "ulimit", "eval", "test", "[", "[[", "read", "exec"}
)  # fmt: skip
_C_FLAGS = re.compile(r"-[eux]*c[eux]*")  # `-c`, `-ec`, `-euxc`: no login/interactive shell


@dataclass(frozen=True)
class Shells:
    """The shells of an image whose ``-c`` may hand their process to the last command."""

    bash: str | None = None  # bash's version, from the distribution release
    busybox: bool = False  # `sh` is BusyBox's ash


def image_shells(project: Project, df: Dockerfile, stage: Stage) -> Shells:
    """The shells of the image ``stage`` builds on, when its base image is known."""
    if not df.lineage(stage)[-1].base_resolved:
        return Shells()
    facts = lookup(df.root_base(stage), project.config.base_images)
    return Shells(distro_bash(facts.distro), "busybox" in facts.tools)


def _last_simple(text: str, redirects: bool) -> bool:
    """``text`` is one simple command, or a list joined by ``&&``/``||``/``;`` that ends in one (with words, no
    builtin that is no program, redirections only when ``redirects``)."""
    try:
        import bashlex  # builds its grammar tables on import: only when a `sh -c` string is read

        trees: list[Any] = bashlex.parse(text)
    except Exception:
        return False
    if len(trees) != 1:
        return False
    last = trees[0]
    if last.kind == "list":
        parts = last.parts
        ops = [p.op for p in parts if p.kind == "operator"]
        if any(op not in ("&&", "||", ";") for op in ops):
            return False
        last = parts[-1]
    if last.kind != "command":
        return False
    kinds = {p.kind for p in last.parts}
    words = [p.word for p in last.parts if p.kind == "word"]
    allowed = {"word", "assignment", "redirect"} if redirects else {"word", "assignment"}
    if not words or not kinds <= allowed or words[0] in _BUILTINS:
        return False
    # a script (`/entrypoint.sh`) or a shell it hands over to: that shell is PID 1 then, and runs the rest
    program = posixpath.basename(words[0])
    if redirects and program in ("sh", "ash") and len(words) >= 3 and _C_FLAGS.fullmatch(words[1]):
        return _last_simple(words[2], redirects)  # BusyBox `sh -c "sh -c app"`: the inner sh execs in its turn
    return not (program.endswith((".sh", ".bash")) or program in ("sh", "ash", "bash", "dash", "zsh"))


def execs_tail(argv: list[str], shells: Shells) -> bool:
    """``argv`` is ``[shell, -c, text, …]`` and that shell execs the last command of ``text``, so that command
    gets the shell's PID: bash ≥ 5.1 for a list of simple commands joined by ``&&``/``||``/``;``, BusyBox's
    ``sh`` for one simple command too."""
    if len(argv) < 3 or not _C_FLAGS.fullmatch(argv[1]):
        return False
    shell, text = posixpath.basename(argv[0]), argv[2]
    if "trap" in text:
        return False
    if shell == "bash":
        bash = shells.bash
        if bash is None or version_tuple(bash) < (5, 1) or len(commands(text)) < 2:
            return False
        return _last_simple(text, redirects=False)
    if shell in ("sh", "ash") and shells.busybox:
        return _last_simple(text, redirects=True)
    return False
