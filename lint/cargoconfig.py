"""What a cargo command needs beside the packages: ``Cargo.lock`` under ``--locked``/``--frozen``/
``--offline``, a ``.cargo/config.toml`` that changes how the build resolves or compiles (see
:func:`_relied_setting`; one holding only aliases, test settings or ``[env]`` values no compiled code
reads at build time is not needed), and a ``rust-toolchain(.toml)`` that selects a nightly toolchain the
stage has no other way to get. Adds to :class:`viworks_lint.cargoneeds.CargoNeeds`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomlkit
from viworks_lint.location import Location
from viworks_lint.stagefiles import StageFiles

if TYPE_CHECKING:
    from viworks_lint.cargoneeds import CargoNeeds
    from viworks_lint.parsers.cargo import Manifest
    from viworks_lint.project import Project

# Cargo configuration reference (https://doc.rust-lang.org/cargo/reference/config.html): the settings that
# change which sources are resolved or how the code is compiled. Anything else ([alias], [term], [http],
# [cargo-new], [doc], test-only [env] values, …) leaves a `cargo build` in the image unchanged.
# Settings whose absence only makes a different (slower, less tuned) binary — `-C target-cpu`, `[profile]`,
# `rustc-wrapper = "sccache"` — are left out: the build still succeeds without them.
_ALWAYS_TABLES = ("source", "patch", "registries", "unstable")
_BUILD_KEYS = ("target", "target-dir")
_TARGET_KEYS = ("linker", "ar")


def _cfg_flags(value: object) -> bool:
    """Rustflags that set a ``--cfg`` the code is compiled against (``tokio_unstable``, …)."""
    flags = value.split() if isinstance(value, str) else value if isinstance(value, list) else []
    return any(isinstance(f, str) and f.startswith("--cfg") for f in flags)


_RUNS = ("run", "test", "bench")


def lock_and_config(project: Project, files: StageFiles, out: CargoNeeds, compiled: Iterable[Manifest] = ()) -> None:
    from viworks_lint.cargoneeds import Need

    call = out.call
    lock = out.root.dir / "Cargo.lock"
    flag = next((f for f in ("--locked", "--frozen", "--offline") if f in call.flags), None)
    if flag and lock.is_file():
        out.needs.append(Need(lock, f"`Cargo.lock` (the command runs with `{flag}`)", call.instr.location,
                              f"`{flag}` refuses to build without the lock file"))  # fmt: skip
    d = out.manifest.dir
    while True:
        for name in ("config.toml", "config"):
            cfg = d / ".cargo" / name
            if cfg.is_file():
                setting = _relied_setting(project, cfg, out, list(compiled))
                if setting is not None:
                    out.needs.append(Need(cfg, f"`{project.rel(cfg)}`", setting[1],
                                          f"its `{setting[0]}` changes how cargo builds"))  # fmt: skip
                break
        if d == project.root or d.parent == d:
            break
        d = d.parent
    _toolchain(project, files, out)


def _toolchain(project: Project, files: StageFiles, out: CargoNeeds) -> None:
    """The nearest ``rust-toolchain(.toml)``, when it asks for a nightly toolchain the stage has no other way
    to get (its base image and earlier RUNs name no nightly, no ``RUSTUP_TOOLCHAIN``)."""
    from viworks_lint.cargoneeds import Need

    d = out.manifest.dir
    while True:
        for name in ("rust-toolchain.toml", "rust-toolchain"):
            path = d / name
            if not path.is_file():
                continue
            try:
                lines = path.read_text("utf-8", errors="replace").splitlines()
            except OSError:
                return
            at = next((n for n, ln in enumerate(lines, 1) if "nightly" in ln and not ln.lstrip().startswith("#")), 0)
            if not at or _stage_has_nightly(files, out):
                return
            loc = Location(path, at, 1, at, len(lines[at - 1]) + 1)
            out.needs.append(Need(path, f"`{project.rel(path)}`", loc, "it selects a nightly toolchain"))
            return
        if d == project.root or d.parent == d:
            return
        d = d.parent


def _stage_has_nightly(files: StageFiles, out: CargoNeeds) -> bool:
    df, stage = files.dockerfile, files.stage
    if "nightly" in df.root_base(stage) or "RUSTUP_TOOLCHAIN" in out.call.env:
        return True
    order = files.orders.get(id(out.call.instr), 0)
    for st in df.lineage(stage):
        for ins in st.instructions:
            before = files.orders.get(id(ins), order) <= order and ins.cmd in ("RUN", "ENV", "ARG")
            if before and ("nightly" in ins.original or "RUSTUP_TOOLCHAIN" in ins.original):
                return True
    return False


def _env_read_at_build(project: Project, names: set[str], compiled: list[Manifest]) -> bool:
    """Whether compiled code reads one of ``names`` while cargo builds it: ``env!``/``option_env!`` in the
    crate, or any read in its build script (both see ``[env]``)."""
    from viworks_lint.code import package_facts

    for m in compiled:
        for read in package_facts(project, m, None).env_reads:
            if read.name in names and (read.kind == "compile" or read.in_build_script):
                return True
    return False


def _relied_setting(
    project: Project, cfg: Path, out: CargoNeeds, compiled: list[Manifest]
) -> tuple[str, Location] | None:
    """The first setting of a cargo config the command depends on, and where it is: a ``[source]``
    replacement (vendoring), ``[patch]``, ``[registries]``, ``[registry] default``, ``[net] offline``,
    ``[build]`` target/target-dir (where the binary lands), ``--cfg`` rustflags of ``[build]``/``[target.*]``,
    ``[target.*]`` linker/ar/``links`` overrides (and ``runner`` for run/test), ``[unstable]``, and
    ``[env]`` values the compiled code reads at build time (``env!``, build scripts) — any ``[env]``
    value for ``cargo run``/``test``, whose program gets them. None when the file holds nothing of the kind."""
    try:
        text = cfg.read_text("utf-8", errors="replace")
        data: dict[str, Any] = tomlkit.parse(text).unwrap()
    except Exception:
        return None  # unreadable: a build that needs it is not what we can tell
    lines = text.splitlines()
    runs = out.call.base in _RUNS
    found: list[str] = []  # dotted names, in file order below
    for table, value in data.items():
        if not isinstance(value, dict):
            continue
        if table in _ALWAYS_TABLES and value:
            found.append(table)
        elif table == "registry" and "default" in value:
            found.append("registry.default")
        elif table == "net" and value.get("offline") is True:
            found.append("net.offline")
        elif table == "build":
            found += [f"build.{k}" for k in _BUILD_KEYS if k in value]
            found += ["build.rustflags"] if _cfg_flags(value.get("rustflags")) else []
        elif table == "target":
            keys = (*_TARGET_KEYS, "runner") if runs else _TARGET_KEYS
            for triple, sub in value.items():
                if isinstance(sub, dict) and (any(k in sub for k in keys) or _cfg_flags(sub.get("rustflags"))):
                    found.append(f"target.{triple}")
                elif isinstance(sub, dict) and any(isinstance(v, dict) for v in sub.values()):
                    found.append(f"target.{triple}")  # a `links` build-script override
        elif table == "env" and value and (runs or _env_read_at_build(project, set(value), compiled)):
            found.append("env")
    if not found:
        return None
    name = found[0]
    head = name.split(".", 1)[0]
    at = 0
    for n, line in enumerate(lines, start=1):
        stripped = line.strip()
        if re.match(rf"^\[\s*{re.escape(head)}\b", stripped) or stripped.startswith(f"{head}."):
            at = n
            break
    if not at:
        at = 1
    loc = Location(cfg, at, 1, at, len(lines[at - 1]) + 1 if lines else 1)
    return f"[{name}]" if "." not in name else name, loc
