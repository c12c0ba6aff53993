"""``make T``, ``just T``, ``task T`` and ``cargo make T`` runs inside a wrapper: which task file and targets
they run, what each target runs with it (prerequisites), and the variables exported before the run that reach
the ``docker compose`` commands of those targets."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from viworks_lint.wrappers import Wrappers


@dataclass(frozen=True)
class TaskRun:
    """A ``make T`` (``just``, ``task``, ``cargo make``) run with variables exported before it."""

    files: tuple[Path, ...]  # the task files it may read, in the runner's order
    targets: tuple[str, ...]  # lower-case; empty: the default target
    variables: frozenset[str]


def resolve_path(cwd: Path, raw: str) -> Path | None:
    """A path a wrapper names, relative to the directory it runs in; None when built from a variable,
    a command substitution, a glob or the home directory."""
    if not raw or "$" in raw or "`" in raw or raw.startswith(("~", "-")) or "*" in raw:
        return None
    p = Path(raw)
    return p if p.is_absolute() else Path(posixpath.normpath((cwd / p).as_posix()))


def norm_key(path: Path) -> Path:
    """The normalised form paths are compared and keyed by."""
    return Path(posixpath.normpath(path.as_posix()))


_RUNNERS: dict[str, tuple[str, ...]] = {
    "make": ("GNUmakefile", "makefile", "Makefile"),
    "just": ("justfile", "Justfile", ".justfile"),
    "task": ("Taskfile.yml", "Taskfile.yaml", "taskfile.yml", "taskfile.yaml"),
    "cargo-make": ("Makefile.toml",),
}
_RUNNER_FLAGS = {"-C", "--directory", "-f", "--file", "--makefile", "--justfile", "-d", "--dir", "--working-directory"}


def task_run(words: list[str], prog: str, cwd: Path, variables: frozenset[str]) -> TaskRun | None:
    """``make up`` / ``just up`` / ``task up`` / ``cargo make up`` run with ``variables`` in the environment."""
    if prog in ("make", "gmake"):
        runner, args = "make", words[1:]
    elif prog in ("just", "task"):
        runner, args = prog, words[1:]
    elif prog in ("makers", "cargo-make"):
        runner, args = "cargo-make", words[1:]
    elif prog == "cargo" and words[1:2] == ["make"]:
        runner, args = "cargo-make", words[2:]
    else:
        return None
    directory, file = cwd, None
    targets: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        name, eq, val = a.partition("=")
        if name in _RUNNER_FLAGS:
            if not eq:
                val = args[i + 1] if i + 1 < len(args) else ""
                i += 1
            resolved = resolve_path(directory, val)
            if resolved is None:
                return None  # a directory or file built from a variable
            if name in ("-C", "--directory", "-d", "--dir", "--working-directory"):
                directory = resolved
            else:
                file = resolved
        elif not a.startswith("-") and not (runner == "make" and "=" in a):
            targets.append(a.lower())
            if runner in ("just", "cargo-make"):  # the words after the recipe are its arguments
                break
        i += 1
    files = (file,) if file is not None else tuple(directory / n for n in _RUNNERS[runner])
    return TaskRun(tuple(norm_key(f) for f in files), tuple(targets), variables)


_RULE_LINE = re.compile(r"^([^\s:=#][^:=]*?)\s*:(?![=:])\s*([^;=]*)")


def make_deps(text: str, *, just: bool = False) -> dict[str, list[str]]:
    """Each target's prerequisites (a justfile recipe's dependencies); ``""`` names the default target."""
    deps: dict[str, list[str]] = {}
    for raw in text.splitlines():
        m = _RULE_LINE.match(raw)
        if m is None or raw[:1].isspace():
            continue
        names = m.group(1).lstrip("@").split()
        if not names or (names[0].startswith(".") and not just):
            continue  # .PHONY, .DEFAULT_GOAL, suffix rules
        targets = names[:1] if just else names
        prereqs = [d.lower() for d in re.split(r"[\s|]+", m.group(2).split("#")[0]) if _NAME_LIKE.match(d)]
        for t in targets:
            deps.setdefault("", [t.lower()])
            deps.setdefault(t.lower(), []).extend(prereqs)
    return deps


_NAME_LIKE = re.compile(r"^[A-Za-z0-9_.\-/]+$")


def pass_on(out: Wrappers) -> None:
    """Variables exported before a ``make T`` reach the compose commands of ``T`` and of what ``T`` runs."""
    for run in out.task_runs:
        file = next((f for f in run.files if f in out.deps), None)
        if file is None:
            continue
        deps = out.deps[file]
        todo = list(run.targets) or deps.get("", [])[:1]
        reached: set[str] = set()
        while todo and len(reached) < 500:
            t = todo.pop()
            if t not in reached:
                reached.add(t)
                todo.extend(deps.get(t, ()))
        for i, inv in enumerate(out.invocations):
            if inv.label in reached and norm_key(inv.location.path) == file:
                names = set(inv.variables) | run.variables
                out.invocations[i] = replace(inv, variables=tuple(sorted(names)))
