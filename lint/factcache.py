"""Rust facts of a package, from the cache when its files are unchanged, extracted on all cores when many
packages need reading. Results are the same whichever way they were obtained."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from viworks_lint import cache
from viworks_lint.cachecodec import Unencodable, decode, encode
from viworks_lint.rust.extract import analyze_crate
from viworks_lint.rust.facts import CrateFacts

T = TypeVar("T")

# Below this much Rust source in the packages still to read, a process pool costs more than it saves.
PARALLEL_MIN_BYTES = 2_000_000


@dataclass(frozen=True)
class Request:
    crate_dir: Path
    entries: tuple[Path, ...]
    build_script: Path | None

    def key(self) -> dict[str, Any]:
        return {
            "crate": str(self.crate_dir),
            "entries": [str(e) for e in self.entries],
            "build": str(self.build_script) if self.build_script else None,
        }


def _extract(req: Request) -> tuple[CrateFacts, list[list[Any]]]:
    rec = cache.Recorder()
    with rec.active():
        facts = analyze_crate(req.crate_dir, req.entries, req.build_script)
    for f in facts.files:  # read through the recorder already; kept explicit for readers outside Python
        rec.add(f)
    return facts, rec.as_list()


def _lookup(store: cache.Cache | None, req: Request) -> tuple[CrateFacts, list[list[Any]]] | None:
    if store is None:
        return None
    hit = store.get("rust", req.key())
    if hit is None:
        return None
    value, deps = hit
    try:
        facts = decode(value)
    except Exception:
        return None
    return (facts, deps) if isinstance(facts, CrateFacts) else None


def _store(store: cache.Cache | None, req: Request, facts: CrateFacts, deps: list[list[Any]]) -> None:
    if store is None:
        return
    try:
        value = encode(facts)
    except Unencodable:
        return
    store.put("rust", req.key(), value, deps)


def _source_bytes(req: Request) -> int:
    total = 0
    for root, dirs, files in os.walk(req.crate_dir):
        dirs[:] = [d for d in dirs if d not in ("target", ".git", "node_modules")]
        for name in files:
            if name.endswith(".rs"):
                with contextlib.suppress(OSError):
                    total += os.stat(os.path.join(root, name)).st_size
    return total


class FactStore:
    """The facts of every package a run reads, keyed by request; fills itself from the cache, a
    process pool, or a plain extraction, and notes every file the facts came from."""

    def __init__(self) -> None:
        self._facts: dict[Request, CrateFacts] = {}
        self.deps: list[list[Any]] = []

    def get(self, req: Request) -> CrateFacts:
        if req not in self._facts:
            self.prefetch([req])
        return self._facts[req]

    def prefetch(self, requests: Sequence[Request]) -> None:
        store = cache.current()
        todo: list[Request] = []
        for req in dict.fromkeys(requests):
            if req in self._facts:
                continue
            hit = _lookup(store, req)
            if hit is not None:
                self._keep(req, *hit)
            else:
                todo.append(req)
        results = _extract_many(todo)
        for req, (facts, deps) in zip(todo, results, strict=True):
            self._keep(req, facts, deps)
            _store(store, req, facts, deps)

    def _keep(self, req: Request, facts: CrateFacts, deps: list[list[Any]]) -> None:
        self._facts[req] = facts
        self.deps.extend(deps)
        for rec in cache.Recorder._active:  # a run being recorded depends on these files too
            rec.merge(deps)


def _extract_many(todo: list[Request]) -> list[tuple[CrateFacts, list[list[Any]]]]:
    workers = min(len(todo), os.cpu_count() or 1)
    if workers < 2 or sum(_source_bytes(r) for r in todo) < PARALLEL_MIN_BYTES:
        return [_extract(r) for r in todo]
    import multiprocessing

    try:
        ctx = multiprocessing.get_context("fork")
    except ValueError:
        return [_extract(r) for r in todo]
    try:
        with ctx.Pool(workers) as pool:
            return pool.map(_extract, todo, chunksize=1)
    except (OSError, RuntimeError):
        return [_extract(r) for r in todo]


def remembered(kind: str, key: dict[str, Any], compute: Callable[[], T], expect: type[T]) -> T:
    """``compute()``, or its value from the cache when every file it read is unchanged. For other facts
    read from the code than a package's (the crate names a target uses, for VW109)."""
    store = cache.current()
    if store is not None:
        hit = store.get(kind, key)
        if hit is not None:
            try:
                value = decode(hit[0])
            except Exception:
                value = None
            if isinstance(value, expect):
                for rec in cache.Recorder._active:  # a run being recorded depends on these files too
                    rec.merge(hit[1])
                return value
    recorder = cache.Recorder()
    with recorder.active():
        result = compute()
    if store is not None:
        with contextlib.suppress(Unencodable):
            store.put(kind, key, encode(result), recorder.as_list())
    return result
