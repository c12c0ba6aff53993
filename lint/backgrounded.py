"""An entrypoint script that starts its program in the background (``app &``, ``nohup app &``) and then ends
without waiting for it: the script, and so the container, exits at once."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from viworks_lint.scripts import INITS, MAX_SCRIPT_BYTES

# Commands that end quickly and start nothing that keeps the container up.
_QUICK = frozenset(
    {
        "echo", "printf", "true", ":", "set", "export", "unset", "cd", "exit", "return", "trap", "umask", "ulimit",
        "readonly", "mkdir", "chmod", "chown", "rm", "cp", "mv", "ln", "touch", "test", "[", "[[", "shift",
        "logger", "date", "env", "local", "declare", "typeset",
    }
)  # fmt: skip
# Wrappers that start the program named after them.
_WRAPPERS = frozenset({"nohup", "setsid", "exec", "env", "nice", "ionice", "stdbuf", "timeout", "chpst", *INITS})


@dataclass(frozen=True)
class Backgrounded:
    """A program an entrypoint starts with ``&`` after which the script only runs quick commands and ends."""

    program: str
    offset: int  # where its first word is written in the script text
    length: int


def _program(words: list[str]) -> str | None:
    """The program a command runs: past ``VAR=x`` assignments and ``nohup``/``setsid`` wrappers."""
    i = 0
    while i < len(words) and "=" in words[i] and not words[i].startswith(("=", "-")):
        i += 1
    while i < len(words) and posixpath.basename(words[i]) in _WRAPPERS - {"exec"}:
        i += 1
        while i < len(words) and words[i].startswith("-"):
            i += 1
    return words[i] if i < len(words) else None


def _items(trees: list[object]) -> list[tuple[list[object], bool]] | None:
    """Top-level commands in order, each as (nodes joined by &&/||/|, backgrounded with ``&``)."""
    items: list[tuple[list[object], bool]] = []
    for top in trees:
        kind = getattr(top, "kind", "")
        if kind != "list":
            items.append(([top], False))
            continue
        group: list[object] = []
        for part in getattr(top, "parts", []):
            if getattr(part, "kind", "") == "operator":
                op = getattr(part, "op", "")
                if op in (";", "&", "\n"):
                    if group:
                        items.append((group, op == "&"))
                    group = []
                else:
                    group.append(part)
                continue
            group.append(part)
        if group:
            items.append((group, False))
    return items


def _words(node: object) -> list[tuple[str, int, int]]:
    return [
        (str(getattr(p, "word", "")), p.pos[0], p.pos[1])
        for p in getattr(node, "parts", [])
        if getattr(p, "kind", "") == "word"
    ]


def _quick(group: list[object]) -> bool:
    """A command that ends at once: a single simple command from the quick list, ``sleep <seconds>``."""
    if len(group) != 1 or getattr(group[0], "kind", "") != "command":
        return False
    words = [w for w, _a, _b in _words(group[0])]
    i = 0
    while i < len(words) and "=" in words[i] and not words[i].startswith(("=", "-")):
        i += 1
    if i >= len(words):
        return True  # only assignments
    prog = words[i]
    if prog == "sleep":
        return len(words) == i + 2 and words[i + 1].rstrip("smhd").replace(".", "", 1).isdigit()
    return prog in _QUICK and not any("$(" in w or "`" in w for w in words)


def backgrounded_then_exits(text: str) -> Backgrounded | None:
    """The program a shell script starts in the background (``app &``, ``nohup app &``) when nothing after
    it waits (``wait``, ``exec``, a foreground program, a loop): the script, and so the container, ends.
    None when there is no such program or the script cannot be followed (then no claim)."""
    if len(text) > MAX_SCRIPT_BYTES or "\0" in text:
        return None
    try:
        import bashlex  # builds its grammar tables on import: only when a script is read

        trees = bashlex.parse(text)
    except Exception:
        return None
    items = _items(list(trees))
    if not items:
        return None
    last_bg = max((i for i, (_g, bg) in enumerate(items) if bg), default=None)
    if last_bg is None:
        return None
    if not all(_quick(group) for group, _bg in items[last_bg + 1 :]):
        return None
    group = items[last_bg][0]
    if len(group) != 1 or getattr(group[0], "kind", "") != "command":
        return None
    words = _words(group[0])
    prog = _program([w for w, _a, _b in words])
    if prog is None or posixpath.basename(prog) in _QUICK or posixpath.basename(prog) in ("sleep", "wait"):
        return None
    for word, start, end in words:
        if word == prog:
            return Backgrounded(prog, start, end - start)
    return None
