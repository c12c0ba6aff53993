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
# A `[target.<triple>]` linker/ar is relied on only when the command builds for that triple (`--target`,
# `CARGO_BUILD_TARGET`, the config's own `build.target`): for the host, cargo's default `cc` links the same
# program (a `linker = "clang"` + `-fuse-ld=lld` pair is link-speed tuning). `build.target-dir` is relied on
# when a later instruction of the Dockerfile names that directory (`COPY --from=builder /app/out/release/app`).
_ALWAYS_TABLES = ("source", "patch", "registries", "unstable")
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
                # a dependency-cache build of a stub, which a real build that has the file follows, only caches
                # less without flags that merely tune the compile (not a cfg a dependency insists on)
                soft = _SOFT if _rebuilt_with(files, out, cfg) and not _gated_cfg(cfg) else frozenset()
                setting = _relied_setting(project, files, cfg, out, list(compiled), soft, _env_rustflags(files, out))
                if setting is not None:
                    out.needs.append(Need(cfg, f"`{project.rel(cfg)}`", setting[1],
                                          f"its `{setting[0]}` changes how cargo builds"))  # fmt: skip
                break
        if d == project.root or d.parent == d:
            break
        d = d.parent
    _toolchain(project, files, out)


def _env_rustflags(files: StageFiles, out: CargoNeeds) -> bool:
    """The build sets `RUSTFLAGS` (or `CARGO_ENCODED_RUSTFLAGS`) itself, on its command line or by the stage's
    `ENV`: Cargo then ignores every `rustflags` of its config files
    (https://doc.rust-lang.org/cargo/reference/config.html#buildrustflags: the first of the four sources wins)."""
    names = ("RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS")
    return any(n in out.call.env for n in names) or any(n in files.stage.state.env for n in names)


# settings whose absence changes how a build compiles but does not make it fail: a dependency-cache build
# without them only caches less (without `build.target` the stub builds for the host, into `target/release`)
_SOFT = frozenset({"build.rustflags", "build.target-dir", "build.target"})
# front-end bundlers that run cargo for the package themselves (Dioxus, Trunk): the real build after a stub
_BUNDLER_BUILD = re.compile(r"\b(?:dx|trunk)\s+(?:build|bundle)\b")


def _rebuilt_with(files: StageFiles, out: CargoNeeds, cfg: Path) -> bool:
    """A later `cargo build`/`install` of the same stage runs where the config file is: the first build was
    one that caches dependencies (`cargo build` of a stub, then `COPY .cargo .cargo`, then the real build)."""
    from viworks_lint.cargocmd import cargo_calls
    from viworks_lint.dockerutil import run_text
    from viworks_lint.stagefiles import PRESENT
    from viworks_lint.stubbuild import STUB

    path = out.image_path_of(cfg)
    later = False
    stubbed = False
    for ins in files.stage.instructions:
        if ins.cmd == "RUN" and not later and STUB.search(run_text(ins)):
            stubbed = True  # `echo "fn main() {}" > src/main.rs`: what follows builds the dependencies only
        if ins is out.call.instr:
            later = True
            continue
        if not later or not stubbed or ins.cmd != "RUN":
            continue
        calls = cargo_calls(ins, files.workdir(ins))
        same = [c for c in calls if c.cwd == out.call.cwd and (c.base == "build" or c.opt("--path"))]
        bundled = files.workdir(ins) == out.call.cwd and _BUNDLER_BUILD.search(run_text(ins)) is not None
        if (same or bundled) and files.lookup(path, ins).state == PRESENT:
            return True
    return False


def _gated_cfg(cfg: Path) -> bool:
    """The config sets a `--cfg` some crate's features refuse to compile without (rules/crates.json
    ``cfg_gated``): a dependency build without it may fail."""
    from viworks_lint.cratedeps import gated_cfgs

    try:
        text = cfg.read_text("utf-8", errors="replace")
    except OSError:
        return True
    return any(re.search(rf"\b{re.escape(name)}\b", text) for name in gated_cfgs())


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


def _built_triples(files: StageFiles, out: CargoNeeds, config_target: object) -> set[str]:
    """Target triples the command builds for: ``--target``, ``CARGO_BUILD_TARGET`` (the command's or the
    stage's ENV), the config's ``build.target``."""
    triples = set(out.call.opt("--target"))
    env = out.call.env.get("CARGO_BUILD_TARGET") or files.stage.state.env.get("CARGO_BUILD_TARGET", ("", None))[0]
    if env:
        triples.add(env)
    if isinstance(config_target, str):
        triples.add(config_target)
    elif isinstance(config_target, list):
        triples |= {t for t in config_target if isinstance(t, str)}
    return {t.strip("\"'") for t in triples}


def _names_later(files: StageFiles, out: CargoNeeds, target_dir: str) -> bool:
    """Whether an instruction after the cargo command names the directory ``target_dir`` (relative to the
    manifest's directory, or absolute)."""
    d = target_dir.strip().rstrip("/")
    if d.startswith("./"):
        d = d[2:]
    if not d or d in (".", "target"):
        return False
    absolute = d if d.startswith("/") else None
    found = False
    for stage in files.dockerfile.stages:
        for ins in stage.instructions:
            if ins.start_line <= out.call.instr.start_line:
                continue
            text = ins.original
            if absolute is not None:
                found = found or absolute in text
            else:
                found = found or re.search(rf"(?:^|[\s/=]){re.escape(d)}(?:/|\s|$)", text) is not None
    return found


def _relied_setting(
    project: Project,
    files: StageFiles,
    cfg: Path,
    out: CargoNeeds,
    compiled: list[Manifest],
    skip: frozenset[str] = frozenset(),
    env_rustflags: bool = False,
) -> tuple[str, Location] | None:
    """The first setting of a cargo config the command depends on, and where it is: a ``[source]``
    replacement (vendoring), ``[patch]``, ``[registries]``, ``[registry] default``, ``[net] offline``,
    ``[build]`` target, a ``target-dir`` a later instruction names (where the binary lands), ``--cfg``
    rustflags of ``[build]``/``[target.*]``, ``[target.<triple>]`` linker/ar for a triple the command builds
    for, ``links`` overrides (and ``runner`` for run/test), ``[unstable]``, and
    ``[env]`` values the compiled code reads at build time (``env!``, build scripts) — any ``[env]``
    value for ``cargo run``/``test``, whose program gets them. None when the file holds nothing of the kind."""
    try:
        text = cfg.read_text("utf-8", errors="replace")
        data: dict[str, Any] = tomlkit.parse(text).unwrap()
    except Exception:
        return None  # unreadable: a build that needs it is not what we can tell
    lines = text.splitlines()
    runs = out.call.base in _RUNS
    build = data.get("build")
    triples = _built_triples(files, out, build.get("target") if isinstance(build, dict) else None)
    found: list[str] = []  # dotted names, in file order below
    for table, value in data.items():
        if not isinstance(value, dict):
            continue
        if table == "registries":
            # `[registries.crates-io] protocol = "sparse"` only tunes how crates.io is fetched (sparse is the
            # default since Cargo 1.70); another registry, or an `index`, is what the build resolves from
            if any(name != "crates-io" or (isinstance(sub, dict) and "index" in sub) for name, sub in value.items()):
                found.append(table)
        elif table in _ALWAYS_TABLES and value:
            found.append(table)
        elif table == "registry" and "default" in value:
            found.append("registry.default")
        elif table == "net" and value.get("offline") is True:
            found.append("net.offline")
        elif table == "build":
            found += ["build.target"] if "target" in value else []
            target_dir = value.get("target-dir")
            if isinstance(target_dir, str) and _names_later(files, out, target_dir):
                found.append("build.target-dir")
            found += ["build.rustflags"] if _cfg_flags(value.get("rustflags")) and not env_rustflags else []
        elif table == "target":
            for triple, sub in value.items():
                if not isinstance(sub, dict):
                    continue
                keys = (*(_TARGET_KEYS if triple in triples else ()), *(("runner",) if runs else ()))
                if any(k in sub for k in keys) or (_cfg_flags(sub.get("rustflags")) and not env_rustflags):
                    found.append(f"target.{triple}")
                elif isinstance(sub, dict) and any(isinstance(v, dict) for v in sub.values()):
                    found.append(f"target.{triple}")  # a `links` build-script override
        elif table == "env" and value and (runs or _env_read_at_build(project, set(value), compiled)):
            found.append("env")
    found = [f for f in found if f not in skip]
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
