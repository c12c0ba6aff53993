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
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from viworks_lint.dockerutil import commands
from viworks_lint.images import distro_bash, lookup, version_tuple
from viworks_lint.parsers.dockerfile import Dockerfile, Stage
from viworks_lint.project import Project

_C_FLAGS = re.compile(r"-[eux]*c[eux]*")  # `-c`, `-ec`, `-euxc`: no login/interactive shell


def image_bash(project: Project, df: Dockerfile, stage: Stage) -> str | None:
    """The bash version the image ``stage`` builds on ships, when its distribution release is known."""
    if not df.lineage(stage)[-1].base_resolved:
        return None
    return distro_bash(lookup(df.root_base(stage), project.config.base_images).distro)


def bash_execs_tail(argv: list[str], bash: str | None) -> bool:
    """``argv`` is ``[shell, -c, text, …]`` and that shell is bash ≥ 5.1 that execs the last command of
    ``text`` (a list of simple commands joined by ``&&``/``||``/``;``), so that command gets the shell's PID."""
    if len(argv) < 3 or posixpath.basename(argv[0]) != "bash" or not _C_FLAGS.fullmatch(argv[1]):
        return False
    if bash is None or version_tuple(bash) < (5, 1):
        return False
    text = argv[2]
    if "trap" in text or len(commands(text)) < 2:
        return False
    try:
        import bashlex  # builds its grammar tables on import: only when a `bash -c` list is read

        trees: list[Any] = bashlex.parse(text)
    except Exception:
        return False
    if len(trees) != 1 or trees[0].kind != "list":
        return False
    parts = trees[0].parts
    ops = [p.op for p in parts if p.kind == "operator"]
    if any(op not in ("&&", "||", ";") for op in ops) or parts[-1].kind != "command":
        return False
    last = parts[-1]
    kinds = {p.kind for p in last.parts}
    return "word" in kinds and kinds <= {"word", "assignment"}
