"""cargo-make's ``Makefile.toml`` as a wrapper: the ``docker compose`` commands its tasks run (``command =
"docker"`` with ``args = ["compose", …]``, or a shell ``script``) and the variables they run with.

cargo-make sets a task's ``env`` in its own process when the task runs and keeps it for the tasks after it,
so a compose command sees the top-level ``[env]`` (and the default ``development`` profile,
``env_files``), the ``env`` of its task and of the task it ``extend``s, of every task that ran before it
in the same flow (its ``dependencies``, and what those ran) and of a task that runs it through
``run_task``. Each task is taken as an entry point (``cargo make <task>``); a command gets the names of
every flow that reaches it, the way a Makefile's targets are read. Values stay unknown (the host's), only
the names count. Duckscript and Rust scripts are not read."""

from __future__ import annotations

import re
import shlex
from dataclasses import replace
from pathlib import Path
from typing import Any

import tomlkit
from viworks_lint.parsers.tomlpos import TomlPositions, scan
from viworks_lint.taskruns import norm_key, resolve_path
from viworks_lint.wrappers import (
    _SUBST,
    Wrappers,
    _expand,
    _scan_line,
)

MAX_TASKS = 300
_VALUE_KEYS = {"value", "script", "source", "default_value", "mapping", "condition", "path", "decode", "glob"}
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=")
_SHELL_RUNNERS = {"@shell", "sh", "bash", "zsh", "/bin/sh", "/bin/bash", "/usr/bin/env bash"}


def _names(env: Any, values: dict[str, str | None] | None = None) -> set[str]:
    """The variable names an ``env`` table sets (the default ``development`` profile's too); ``values`` gets
    their plain string and number values (None for a computed one: a script, a mapping, a condition)."""
    out: set[str] = set()
    if not isinstance(env, dict):
        return out
    for k, v in env.items():
        if not isinstance(k, str):
            continue
        if isinstance(v, dict):
            if v.get("unset") is True:
                continue
            if _VALUE_KEYS & set(v):
                out.add(k)
                if values is not None:
                    values[k] = None
            elif k == "development":  # a profile table: cargo-make's default profile
                out |= _names(v, values)
            continue
        out.add(k)
        if values is not None:
            plain = isinstance(v, (str, int)) and not isinstance(v, bool)
            values[k] = str(v) if plain else None
    return out


def _apply(env: Any, current: dict[str, str | None]) -> None:
    """Set an ``env`` table's values over ``current``, expanding ``${X}`` the way cargo-make does."""
    new: dict[str, str | None] = {}
    _names(env, new)
    known = {k: v for k, v in current.items() if v is not None}
    for k, v in new.items():
        value = _expand(v, known) if v is not None else None
        if value is None or "$" in value:
            current[k] = None
        else:
            current[k] = known[k] = value


def _env_file_names(entries: Any, base: Path) -> set[str]:
    out: set[str] = set()
    for e in entries if isinstance(entries, list) else []:
        if isinstance(e, dict):
            if e.get("profile") not in (None, "development"):
                continue
            e = e.get("path")
        if not isinstance(e, str):
            continue
        p = resolve_path(base, e)
        try:
            if p is None or not p.is_file():
                continue
            text = p.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        out |= {m.group(1) for line in text.splitlines() if (m := _ENV_LINE.match(line))}
    return out


def _task_names(value: Any) -> list[str]:
    """Task names of ``dependencies`` / ``run_task`` / ``alias``: strings, ``{name = …}`` tables, lists of
    them. Entries of another Makefile (``path = …``) are left out."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [n for v in value for n in _task_names(v)]
    if isinstance(value, dict) and "path" not in value:
        return _task_names(value.get("name"))
    return []


class _Tasks:
    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = {k: v for k, v in list(raw.items())[:MAX_TASKS] if isinstance(v, dict)}

    def chain(self, name: str) -> list[str]:
        """The task and the tasks it ``extend``s, nearest first."""
        out: list[str] = []
        while name in self.raw and name not in out:
            out.append(name)
            base = self.raw[name].get("extend")
            if not isinstance(base, str):
                break
            name = base
        return out

    def field(self, name: str, key: str) -> tuple[str, Any] | None:
        """The value of ``key`` for a task, inherited through ``extend``, with the task that defines it."""
        for t in self.chain(name):
            if key in self.raw[t]:
                return t, self.raw[t][key]
        return None

    def env(self, name: str, values: dict[str, str | None]) -> set[str]:
        out: set[str] = set()
        for t in reversed(self.chain(name)):
            out |= _names(self.raw[t].get("env"))
            _apply(self.raw[t].get("env"), values)
        return out

    def before(self, name: str) -> list[str]:
        found = self.field(name, "dependencies")
        return _task_names(found[1]) if found else []

    def after(self, name: str) -> list[str]:
        out: list[str] = []
        for key in ("run_task", "alias"):
            found = self.field(name, key)
            if found:
                out += _task_names(found[1])
        return out


def parse_cargo_make(path: Path, root: Path, text: str, out: Wrappers) -> None:
    try:
        doc = tomlkit.parse(text).unwrap()
    except Exception:  # tomlkit raises several error types on odd input: no claim from a broken file
        return
    if not isinstance(doc, dict) or not isinstance(doc.get("tasks"), dict):
        return
    tasks = _Tasks(doc["tasks"])
    base_values: dict[str, str | None] = {}
    for _ in range(3):  # `[env]` values may name each other in any order
        _apply(doc.get("env"), base_values)
    base_env = _names(doc.get("env")) | _env_file_names(doc.get("env_files"), path.parent)
    for name in base_env - set(base_values):
        base_values[name] = None  # from an env file: the value is not read
    out.deps[norm_key(path)] = {
        "": ["default"],
        **{t.lower(): [d.lower() for d in tasks.before(t) + tasks.after(t)] for t in tasks.raw},
    }
    seen: dict[str, set[str]] = {}
    values: dict[str, dict[str, str | None]] = {}  # task → the value of each name it runs with (None: varies)
    for entry in tasks.raw:
        _flow(tasks, entry, base_env, base_values, seen, values)
    pos = scan(path, text)
    try:
        shown = path.relative_to(root).as_posix()
    except ValueError:
        shown = path.name
    for name in tasks.raw:
        if name in seen:
            known = {k: v for k, v in values.get(name, {}).items() if v is not None}
            first = len(out.invocations)
            _task_commands(path, root, shown, pos, text, tasks, name, seen[name], known, out)
            for i in range(first, len(out.invocations)):
                inv = out.invocations[i]
                stated = tuple((k, known[k]) for k in inv.variables if k in known)
                out.invocations[i] = replace(inv, values=stated)


def _flow(
    tasks: _Tasks,
    entry: str,
    base_env: set[str],
    base_values: dict[str, str | None],
    seen: dict[str, set[str]],
    values: dict[str, dict[str, str | None]],
) -> None:
    """Run ``cargo make <entry>`` on paper: each task records the names set when it runs, and their values
    (a value that differs between flows becomes unknown)."""
    env = set(base_env)
    current = dict(base_values)
    done: set[str] = set()

    def run(name: str, depth: int) -> None:
        nonlocal env
        if name in done or name not in tasks.raw or depth > 40:
            return
        done.add(name)
        for dep in tasks.before(name):  # run first, in the same process: what they set stays set
            run(dep, depth + 1)
        env = env | tasks.env(name, current)
        seen.setdefault(name, set()).update(env)
        record = values.setdefault(name, {})
        for k in env:
            v = current.get(k)
            record[k] = v if record.get(k, v) == v else None
        for nxt in tasks.after(name):
            run(nxt, depth + 1)

    run(entry, 0)


def _task_commands(
    path: Path,
    root: Path,
    shown: str,
    pos: TomlPositions,
    text: str,
    tasks: _Tasks,
    name: str,
    env: set[str],
    values: dict[str, str],
    out: Wrappers,
) -> None:
    where = f"{shown} (task {name})"
    label = name.lower()
    cwd_field = tasks.field(name, "cwd")
    cwd = path.parent
    if cwd_field is not None:
        resolved = resolve_path(path.parent, str(cwd_field[1]))
        if resolved is None:
            return  # a directory built from a variable: which compose project stays unknown
        cwd = resolved
    exported = frozenset(env)
    command = tasks.field(name, "command")
    script = tasks.field(name, "script")
    if command is not None and isinstance(command[1], str):
        args_field = tasks.field(name, "args")
        args = args_field[1] if args_field is not None and isinstance(args_field[1], list) else []
        owner = args_field[0] if args_field is not None else command[0]
        line = shlex.join([*_compose_settings(env, values), command[1], *(str(a) for a in args)])
        line = _SUBST.sub("$SUBST", _expand(line, values))
        loc = pos.best(f"tasks.{owner}", "args" if args_field is not None else "command")
        _scan_line(path, loc.line, line, label, "make", where, cwd, root, out, exported)
    elif script is not None:
        runner = tasks.field(name, "script_runner")
        body = "\n".join(str(s) for s in script[1]) if isinstance(script[1], list) else str(script[1])
        if runner is not None and str(runner[1]).strip() not in _SHELL_RUNNERS:
            return
        if body.lstrip().startswith("#!@"):  # #!@duckscript, #!@rust
            return
        start = pos.best(f"tasks.{script[0]}", "script").line
        _script(path, root, text, start, body, label, where, cwd, exported, values, out)


def _compose_settings(env: set[str], values: dict[str, str]) -> list[str]:
    """``COMPOSE_FILE=…`` / ``COMPOSE_PROFILES=…`` the task's env sets: which files and profiles it runs."""
    return [f"{k}={values[k]}" for k in ("COMPOSE_FILE", "COMPOSE_PROFILES") if k in env and k in values]


def _script(
    path: Path,
    root: Path,
    text: str,
    start: int,
    body: str,
    label: str,
    where: str,
    cwd: Path,
    exported: frozenset[str],
    values: dict[str, str],
    out: Wrappers,
) -> None:
    """A task's shell script: one shell, so ``export``s and sourced files reach the lines after them."""
    file_lines = text.splitlines()
    allexport = False
    lines = body.splitlines()
    i = 0
    while i < len(lines):
        raw = lines[i]
        i += 1
        while raw.endswith("\\") and i < len(lines):
            raw = raw[:-1] + " " + lines[i].strip()
            i += 1
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        lineno = next(
            (n for n in range(start, len(file_lines) + 1) if file_lines[n - 1].strip() == lines[i - 1].strip()),
            start,
        )
        line = _SUBST.sub("$SUBST", _expand(stripped, values))
        shell = _scan_line(path, lineno, line, label, "make", where, cwd, root, out, exported, allexport)
        exported, allexport = exported | shell.exported, shell.allexport
