"""What a cargo command needs beside the packages: ``Cargo.lock`` under ``--locked``/``--frozen``/
``--offline``, a ``.cargo/config.toml`` whose ``[source]``/``[patch]``/``[env]``/``[registries]`` change
the build, and a ``rust-toolchain(.toml)`` that selects a nightly toolchain the stage has no other way to
get. Adds to :class:`viworks_lint.cargoneeds.CargoNeeds`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from viworks_lint.location import Location
from viworks_lint.stagefiles import StageFiles

if TYPE_CHECKING:
    from viworks_lint.cargoneeds import CargoNeeds
    from viworks_lint.project import Project

_RELIED_CONFIG = ("source", "patch", "registries", "env", "unstable")


def lock_and_config(project: Project, files: StageFiles, out: CargoNeeds) -> None:
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
                table = _relied_table(cfg)
                if table is not None:
                    out.needs.append(Need(cfg, f"`{project.rel(cfg)}`", table[1],
                                          f"its `[{table[0]}]` changes how cargo builds"))  # fmt: skip
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


def _relied_table(cfg: Path) -> tuple[str, Location] | None:
    """The first table of a cargo config the build depends on ([source] replacement, [patch], [env], …)."""
    try:
        lines = cfg.read_text("utf-8", errors="replace").splitlines()
    except OSError:
        return None
    for n, line in enumerate(lines, start=1):
        m = re.match(r"^\s*\[\s*([A-Za-z_-]+)", line)
        if m and m.group(1) in _RELIED_CONFIG:
            return m.group(1), Location(cfg, n, 1, n, len(line) + 1)
    return None
