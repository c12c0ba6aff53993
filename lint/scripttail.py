"""The last command of an entrypoint script, when it starts a program without ``exec``: the script's shell then
stays PID 1 and keeps SIGTERM from the program (VW403 reports it; VW402 does not repeat it as "no init")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from viworks_lint.dockerutil import logical_lines

# commands a script ends with that do not start the app (or that hand over to it)
NOT_APP = {
    "exec", "echo", "printf", "set", "export", "cd", "true", "false", ":", "exit", "return", "wait", "sleep", "trap",
    "unset", "shift", "source", ".", "mkdir", "chown", "chmod", "rm", "cp", "mv", "ln", "touch", "cat", "test", "[",
    "[[", "local", "readonly", "umask", "ulimit", "eval",
}  # fmt: skip


@dataclass(frozen=True)
class Tail:
    """The last command of a script that starts a program without ``exec``."""

    program: str
    line: int
    col: int
    end_col: int
    prefixed: bool = False  # variable assignments or redirections come before the program


def script_tail(text: str) -> Tail | None:
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
    if first.word in NOT_APP or first.word.endswith("&"):
        return None
    if text[node.pos[1] :].lstrip().startswith("&"):
        return None  # backgrounded
    line = text.count("\n", 0, first.pos[0]) + 1
    col = first.pos[0] - (text.rfind("\n", 0, first.pos[0]) + 1) + 1
    return Tail(first.word, line, col, col + (first.pos[1] - first.pos[0]), node.parts[0] is not first)


def _tail_fallback(text: str) -> Tail | None:
    """The last command, read line by line (for scripts the shell grammar cannot parse, e.g. with arrays)."""
    if "trap " in text:
        return None
    lines = text.splitlines()
    for n, logical in reversed(logical_lines(text)):
        s = logical.strip()
        if not s or s.startswith("#"):
            continue
        if s in ("fi", "done", "esac", "}", ";;") or s.endswith(("&", "then", "do")):
            return None
        words = s.split()
        if words[0] in NOT_APP or "=" in words[0]:
            return None
        col = lines[n - 1].find(words[0]) + 1
        return Tail(words[0], n, col, col + len(words[0]))
    return None
