"""Entry point: read a crate's Rust sources and return the facts rules need (:class:`CrateFacts`)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Sequence
from pathlib import Path

from viworks_lint.location import Location
from viworks_lint.rust.env import collect_env_reads
from viworks_lint.rust.facts import CrateFacts, EnvRead, ListenAddr, Route
from viworks_lint.rust.inputs import collect_inputs
from viworks_lint.rust.listen import collect_listens
from viworks_lint.rust.modules import CrateIndex
from viworks_lint.rust.routes import collect_routes

__all__ = ["analyze_crate"]

_RECURSION_FLOOR = 6000


def _lib_name(crate_dir: Path) -> str | None:
    """The library target's crate name (for ``my_crate::...`` paths from binaries)."""
    manifest = crate_dir / "Cargo.toml"
    try:
        text = manifest.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    data: dict[str, object]
    try:
        import tomllib  # type: ignore[import-not-found,unused-ignore]

        data = tomllib.loads(text)
    except Exception:
        try:
            import tomlkit

            data = dict(tomlkit.parse(text).unwrap())
        except Exception:
            return None
    lib = data.get("lib")
    if isinstance(lib, dict) and isinstance(lib.get("name"), str):
        return str(lib["name"])
    pkg = data.get("package")
    if isinstance(pkg, dict) and isinstance(pkg.get("name"), str):
        return str(pkg["name"]).replace("-", "_")
    return None


def _crate_name(entry: Path, crate_dir: Path, lib_name: str | None) -> str:
    if entry.name == "lib.rs" and entry.parent.name == "src" and lib_name is not None:
        return lib_name
    if entry.name == "main.rs" and entry.parent.name != "src":
        return entry.parent.name
    return entry.stem


def _dedupe(items: list[object]) -> list[object]:
    seen: set[object] = set()
    out: list[object] = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def analyze_crate(crate_dir: Path, entry_files: Sequence[Path], build_script: Path | None = None) -> CrateFacts:
    """Facts about one package: every target root in ``entry_files`` (and ``build_script``, whose
    env reads are flagged ``in_build_script``). Never raises; partial facts on internal failure."""
    old_limit = sys.getrecursionlimit()
    if old_limit < _RECURSION_FLOOR:
        with contextlib.suppress(Exception):
            sys.setrecursionlimit(_RECURSION_FLOOR)
    try:
        return _analyze(Path(crate_dir), list(entry_files), build_script)
    except Exception:
        return CrateFacts(routes_resolved=False)
    finally:
        if old_limit < _RECURSION_FLOOR:
            with contextlib.suppress(Exception):
                sys.setrecursionlimit(old_limit)


def _locate(path: Path, crate_dir: Path) -> Path:
    """Relative paths are taken from the crate directory, or from the working directory if they exist there."""
    if path.is_absolute():
        return path
    if (crate_dir / path).exists() or not path.exists():
        return crate_dir / path
    return path.absolute()


def _analyze(crate_dir: Path, entry_files: list[Path], build_script: Path | None) -> CrateFacts:
    crate_dir = crate_dir.absolute()
    lib_name = _lib_name(crate_dir)
    index = CrateIndex(lib_name)
    # Library first, so binaries can resolve `my_crate::...` paths into it.
    entries = [_locate(Path(p), crate_dir) for p in entry_files]
    entries.sort(key=lambda p: 0 if p.name == "lib.rs" else 1)
    seen_entries: set[Path] = set()
    for entry in entries:
        entry = entry.absolute()
        if entry in seen_entries:
            continue
        seen_entries.add(entry)
        index.add_crate(entry, _crate_name(entry, crate_dir, lib_name))

    routes: list[Route] = []
    resolved = True
    frameworks: list[str] = []
    listens: list[ListenAddr] = []
    env_reads: list[EnvRead] = []
    try:
        result = collect_routes(index)
        routes, resolved, frameworks = result.routes, result.resolved, result.frameworks
    except Exception:
        resolved = False
    try:
        listens = collect_listens(index)
    except Exception:
        listens = []
    try:
        env_reads = collect_env_reads(index)
    except Exception:
        env_reads = []
    try:
        inputs = collect_inputs(index)
    except Exception:
        inputs = []

    files: list[str] = []
    errors: list[Location] = []
    for info in index.file_infos():
        files.append(str(info.parsed.path))
        err = info.parsed.first_error()
        if err is not None:
            errors.append(err)

    if build_script is not None:
        bpath = _locate(Path(build_script), crate_dir)
        bindex = CrateIndex(None)
        bindex.add_crate(bpath.absolute(), "build_script_build")
        with contextlib.suppress(Exception):
            env_reads.extend(collect_env_reads(bindex, in_build_script=True))
        with contextlib.suppress(Exception):
            inputs.extend(collect_inputs(bindex, build_script=True))
        for info in bindex.file_infos():
            files.append(str(info.parsed.path))
            err = info.parsed.first_error()
            if err is not None:
                errors.append(err)

    return CrateFacts(
        routes=tuple(r for r in _dedupe(list(routes)) if isinstance(r, Route)),
        routes_resolved=resolved,
        frameworks=tuple(frameworks),
        listens=tuple(x for x in _dedupe(list(listens)) if isinstance(x, ListenAddr)),
        env_reads=tuple(e for e in _dedupe(list(env_reads)) if isinstance(e, EnvRead)),
        parse_errors=tuple(x for x in _dedupe(list(errors)) if isinstance(x, Location)),
        files=tuple(str(f) for f in _dedupe(list(files))),
        inputs=tuple(inputs),
    )
