"""A cache of what a run computed, in the user's cache directory (never inside the linted repository).

Two kinds of entries, both validated the same way:

- the facts extracted from one Rust package (``rust`` entries), so an unchanged crate is not read again
  when something else in the project changed;
- the findings of a whole run (``run`` entries), so an unchanged project is not linted again.

An entry is only as good as the files it was computed from. While an entry's value is computed,
:class:`Recorder` notes every file system question the code asks (``stat``, ``open``, directory
listings) and the answer it got; the entry stores those answers, and a later run reuses the value only
when every question still gets the same answer (size and modification time of files read, existence of
paths probed, names in directories listed). A file created where the linter once found nothing, a
changed ``Cargo.toml`` or ``.dockerignore``, a new version of the linter: each makes the entry stale.

Entries are JSON, written atomically (a temporary file renamed into place), so concurrent runs never
see half an entry; an unreadable, corrupt or foreign entry is ignored and rewritten.
"""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import io
import json
import os
import stat as stat_mod
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from viworks_lint import __version__

FORMAT = 1
ENV_DIR = "VIWORKS_LINT_CACHE_DIR"

State = list[Any]  # ["missing"] | ["dir"] | ["file", size, mtime_ns] | ["list", sha256 of the sorted names]


def default_dir() -> Path | None:
    """``$VIWORKS_LINT_CACHE_DIR``, else ``$XDG_CACHE_HOME/viworks-lint``, else ``~/.cache/viworks-lint``; None
    (no cache) when there is no home directory to put it in."""
    env = os.environ.get(ENV_DIR)
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "viworks-lint"
    try:
        return Path.home() / ".cache" / "viworks-lint"
    except (RuntimeError, KeyError, OSError):  # no HOME and no passwd entry: lint without a cache
        return None


def _real(name: str) -> Any:
    """The unwrapped ``os`` function (the recorder must not record its own questions)."""
    return _REAL.get(name) or getattr(os, name)


def _stat_state(path: str) -> State:
    try:
        st = _real("stat")(path)
    except (OSError, ValueError):
        return ["missing"]
    if stat_mod.S_ISDIR(st.st_mode):
        return ["dir"]
    return ["file", st.st_size, st.st_mtime_ns]


def _list_state(path: str) -> State:
    try:
        names = sorted(_real("listdir")(path))
    except (OSError, ValueError):
        return ["missing"]
    return ["list", hashlib.sha256("\0".join(names).encode("utf-8", "surrogateescape")).hexdigest()]


def current_state(path: str, kind: str) -> State:
    return _list_state(path) if kind == "list" else _stat_state(path)


class Recorder:
    """Notes every file system question asked while active (see the module docs).

    It wraps ``os.stat``, ``os.lstat``, ``os.scandir``, ``os.listdir`` and ``open`` for reading, which is
    what ``pathlib``, ``os.walk`` and the parsers go through. Code that reads files by other means (a
    child process, a C library given a path) adds them with :meth:`add`."""

    _active: ClassVar[list[Recorder]] = []

    def __init__(self) -> None:
        self.deps: dict[tuple[str, str], State] = {}

    def add(self, path: str | os.PathLike[str], kind: str = "stat") -> None:
        p = os.path.abspath(os.fspath(path))
        if (p, kind) not in self.deps:
            self.deps[(p, kind)] = current_state(p, kind)

    def merge(self, deps: list[list[Any]]) -> None:
        for path, kind, state in deps:
            self.deps.setdefault((path, kind), state)

    def as_list(self) -> list[list[Any]]:
        return [[p, k, s] for (p, k), s in sorted(self.deps.items())]

    @contextlib.contextmanager
    def active(self) -> Iterator[Recorder]:
        if not Recorder._active:
            _install()
        Recorder._active.append(self)
        try:
            yield self
        finally:
            Recorder._active.remove(self)
            if not Recorder._active:
                _uninstall()


def _note(path: Any, kind: str) -> None:
    if not Recorder._active or isinstance(path, int):
        return
    try:
        p = os.fsdecode(path) if isinstance(path, bytes) else os.fspath(path)
    except TypeError:
        return
    for rec in Recorder._active:
        rec.add(p, kind)


_REAL: dict[str, Any] = {}


def _real_open() -> Any:
    return _REAL.get("open") or builtins.open


def _install() -> None:
    _REAL.update(stat=os.stat, lstat=os.lstat, scandir=os.scandir, listdir=os.listdir, open=builtins.open)

    def stat(path: Any, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("dir_fd") is None:
            _note(path, "stat")
        return _REAL["stat"](path, *args, **kwargs)

    def lstat(path: Any, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("dir_fd") is None:
            _note(path, "stat")
        return _REAL["lstat"](path, *args, **kwargs)

    def scandir(path: Any = ".") -> Any:
        _note(path, "list")
        return _REAL["scandir"](path)

    def listdir(path: Any = ".") -> Any:
        _note(path, "list")
        return _REAL["listdir"](path)

    def open_(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if not any(c in mode for c in "wax+"):
            _note(file, "stat")
        return _REAL["open"](file, mode, *args, **kwargs)

    os.stat, os.lstat, os.scandir, os.listdir = stat, lstat, scandir, listdir
    builtins.open = io.open = open_


def _uninstall() -> None:
    os.stat, os.lstat, os.scandir, os.listdir = _REAL["stat"], _REAL["lstat"], _REAL["scandir"], _REAL["listdir"]
    builtins.open = io.open = _REAL["open"]


def _stale(deps: list[list[Any]]) -> bool:
    return any(current_state(path, kind) != state for path, kind, state in deps)


def code_fingerprint() -> str:
    """The linter's own code and data: an edited install (or another version) never reuses an entry."""
    global _CODE_FP
    if _CODE_FP is None:
        import importlib.util

        h = hashlib.sha256(f"{__version__}:{sys.version}".encode())
        for name in ("viworks_lint", "viworks_lint.rules", "viworks_lint.schemas"):
            spec = importlib.util.find_spec(name)  # found, not imported: the rules are not needed here
            for base in (spec.submodule_search_locations or []) if spec is not None else []:
                for root, _dirs, files in sorted(os.walk(base)):
                    for file in sorted(files):
                        if file.endswith((".py", ".json")):
                            st = os.stat(os.path.join(root, file))
                            h.update(f"{root}/{file}:{st.st_size}:{st.st_mtime_ns}\n".encode())
        _CODE_FP = h.hexdigest()
    return _CODE_FP


_CODE_FP: str | None = None


class Cache:
    """One cache directory. Every method is best-effort: a cache that cannot be read or written is a
    cache miss, never an error."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory

    def _file(self, kind: str, key: dict[str, Any]) -> Path:
        blob = json.dumps({"format": FORMAT, "code": code_fingerprint(), **key}, sort_keys=True, default=str)
        digest = hashlib.sha256(blob.encode("utf-8", "surrogateescape")).hexdigest()
        return self.dir / kind / digest[:2] / f"{digest}.json"

    def get(self, kind: str, key: dict[str, Any]) -> Any | None:
        path = self._file(kind, key)
        try:
            with _real_open()(path, encoding="utf-8") as fh:
                entry = json.load(fh)
            if not isinstance(entry, dict) or entry.get("format") != FORMAT or entry.get("code") != code_fingerprint():
                return None
            deps = entry["deps"]
            if not isinstance(deps, list) or _stale(deps):
                return None
            return entry["value"], deps
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, kind: str, key: dict[str, Any], value: Any, deps: list[list[Any]]) -> None:
        path = self._file(kind, key)
        entry = {"format": FORMAT, "code": code_fingerprint(), "deps": deps, "value": value}
        try:
            text = json.dumps(entry, separators=(",", ":"))
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(text)
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except (OSError, TypeError, ValueError):
            return


_CURRENT: Cache | None = None


def configure(directory: Path | None) -> None:
    """Use ``directory`` for this process (``None``: no cache)."""
    global _CURRENT
    _CURRENT = Cache(directory) if directory is not None else None


def current() -> Cache | None:
    return _CURRENT
