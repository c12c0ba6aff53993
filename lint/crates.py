"""Which crates a Docker build compiles, and so which Rust code runs in a compose service's container.

The link follows the Dockerfile the way the build runs it: COPY instructions map context paths to image
paths, WORKDIR gives the directory ``cargo build`` runs in (or ``--manifest-path``), ``-p``/``--bin``
narrow a workspace, and ``COPY --from=<stage> …/target/<profile>/<name>`` names the binary the final
image runs. When any step cannot be followed the answer is "unknown", never a guess."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from viworks_lint.cargocmd import EDITS_MANIFEST, cargo_calls, installs_from_registry, package_spec_name
from viworks_lint.dockerutil import reachable_stages, target_stage
from viworks_lint.parsers.cargo import Manifest
from viworks_lint.parsers.dockerfile import Dockerfile, Instruction, Stage
from viworks_lint.project import Build, Project, norm_path
from viworks_lint.stagefiles import stage_files

__all__ = ["BuiltCode", "CargoRun", "CopiedBinary", "built_code", "package_spec_name"]

CARGO_BUILDERS = {"build", "install", "auditable", "zigbuild", "chef", "leptos"}


@dataclass(frozen=True)
class CargoRun:
    """One ``cargo build``/``cargo install`` in a RUN instruction."""

    stage: Stage
    instr: Instruction
    subcommand: str
    workdir: str  # image path cargo runs in
    manifest_path: str  # image path of the Cargo.toml cargo reads
    packages: tuple[str, ...] = ()
    bins: tuple[str, ...] = ()
    all_bins: bool = False
    manifest: Manifest | None = None  # the host manifest it maps to
    targets: tuple[str, ...] = ()  # `--target` triples, as written

    @property
    def wasm_only(self) -> bool:
        """It builds only for WebAssembly (`--target wasm32-unknown-unknown`): a front end's `.wasm`, which a
        browser runs, not the image."""
        return bool(self.targets) and all(t.startswith("wasm32") for t in self.targets)


@dataclass(frozen=True)
class CopiedBinary:
    name: str
    instr: Instruction
    from_stage: str
    source: str


@dataclass(frozen=True)
class BuiltCode:
    runs: tuple[CargoRun, ...] = ()
    packages: tuple[Manifest, ...] = ()  # package manifests compiled by the build
    copied: tuple[CopiedBinary, ...] = ()  # binaries the final stage copies from a builder stage
    resolved: bool = False  # every cargo run mapped to a manifest of this repo
    runtime: tuple[Manifest, ...] = field(default=())  # the packages whose binary the final image runs


_VAR = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


def _with_build_args(build: Build, opts: dict[str, list[str]]) -> dict[str, list[str]]:
    """Option values with the compose service's literal ``build.args`` (or a CI release's `build-args:`) put in
    (`--path $CRATE` with `args: {CRATE: autoconnect}`); a value that still holds a variable is left as written."""
    spec = build.service.build if build.service is not None else None
    args = {**dict(build.args), **(spec.args if spec is not None else {})}
    if not args:
        return opts

    def put(value: str) -> str:
        def one(m: re.Match[str]) -> str:
            got = args.get(m.group(1) or m.group(2))
            return got if got is not None and "$" not in got else m.group(0)

        return _VAR.sub(one, value)

    return {k: [put(v) for v in vals] for k, vals in opts.items()}


def _abs(workdir: str, path: str) -> str:
    return posixpath.normpath(path if path.startswith("/") else posixpath.join(workdir, path))


def _members(project: Project, root: Manifest) -> list[Manifest]:
    if root.workspace is None:
        return [root]
    out: list[Manifest] = [root] if not root.is_virtual else []
    for m in project.manifests.values():
        if m is root or m.is_virtual:
            continue
        if project.workspace_root(m) is root:
            out.append(m)
    return out


def built_code(project: Project, build: Build) -> BuiltCode:
    cache: dict[int, BuiltCode] = project.__dict__.setdefault("_built_code_cache", {})
    key = id(build)
    if key not in cache:
        cache[key] = _built_code(project, build)
    return cache[key]


def _built_code(project: Project, build: Build) -> BuiltCode:
    df = build.dockerfile
    if df is None:
        return BuiltCode()
    runs: list[CargoRun] = []
    for stage in reachable_stages(df, build.target):
        files = stage_files(project, build, stage)
        edited = False  # a RUN rewrote a manifest of the stage: which binaries it builds cannot be told
        for instr in stage.instructions:
            if instr.cmd in ("COPY", "ADD") and instr.flag("from") is None and _copies_manifest(instr):
                edited = False  # `COPY ./ ./` after `sed -i … Cargo.toml`: the repository's manifest is back
            if instr.cmd != "RUN":
                continue
            edited = edited or EDITS_MANIFEST.search(instr.original) is not None
            for call in cargo_calls(instr, files.workdir(instr)):
                sub, opts, words = call.sub, _with_build_args(build, call.options), list(call.words)
                if sub.split()[0] not in CARGO_BUILDERS or sub in ("chef prepare", "chef cook"):
                    continue  # cargo-chef cooks only the dependencies of a recipe
                if sub == "install" and "--path" not in opts and installs_from_registry(words):
                    continue  # `cargo install sqlx-cli`: a tool from crates.io, not this repo's code
                cwd = call.cwd
                if "--path" in opts:
                    cwd = _abs(files.workdir(instr), opts["--path"][-1])
                mpath = (
                    _abs(cwd, opts["--manifest-path"][-1])
                    if "--manifest-path" in opts
                    else posixpath.join(cwd, "Cargo.toml")
                )
                host = files.host_of(mpath, instr)
                manifest = project.manifests.get(norm_path(host)) if host is not None else None
                if any("$" in v for vals in opts.values() for v in vals) or edited:
                    manifest = None  # `--bin ${SERVICE}`, or a manifest the stage rewrote: no claim on what it builds
                runs.append(
                    CargoRun(
                        stage,
                        instr,
                        sub,
                        cwd,
                        mpath,
                        tuple(opts.get("-p", []) + opts.get("--package", [])),
                        tuple(opts.get("--bin", [])),
                        "--bins" in call.flags,
                        manifest,
                        tuple(opts.get("--target", [])),
                    )
                )
    # a dependency-caching build of a rewritten manifest (`sed -i '/^build/d' Cargo.toml`, then `cargo build`)
    # that a later build of the same manifest in the same stage, after `COPY ./ ./`, replaces says nothing
    runs = [
        r
        for i, r in enumerate(runs)
        if r.manifest is not None
        or not any(
            later.stage is r.stage and later.manifest_path == r.manifest_path and later.manifest is not None
            for later in runs[i + 1 :]
        )
    ]
    packages: list[Manifest] = []
    resolved = bool(runs) and all(r.manifest is not None for r in runs)
    for r in runs:
        if r.manifest is None:
            continue
        members = _members(project, r.manifest)
        if r.packages:
            wanted = {package_spec_name(p) for p in r.packages}
            members = [m for m in members if m.package_name in wanted]
        elif r.bins:
            members = [m for m in members if m.bin_names() & set(r.bins)] or members
        for m in members:
            if m not in packages:
                packages.append(m)
    copied = _copied_binaries(df, build) or _named_copies(df, build, runs, packages)
    runtime: list[Manifest] = []
    if copied:
        for cb in copied:
            for m in packages:
                if cb.name in m.bin_names() and m not in runtime:
                    runtime.append(m)
    elif any(r.subcommand == "install" for r in runs):
        runtime = list(packages)
    final = target_stage(df, build.target)
    if final is not None and any(r.stage is final or r.stage.index in _lineage(df, final) for r in runs):
        runtime = runtime or list(packages)  # built in the final image itself
    return BuiltCode(tuple(runs), tuple(packages), tuple(copied), resolved, tuple(runtime))


def _named_copies(df: Dockerfile, build: Build, runs: list[CargoRun], packages: list[Manifest]) -> list[CopiedBinary]:
    """`COPY --from=builder /release/gateway /usr/local/bin/gateway` after `cp -r target/${PROFILE} /release`: a
    file named like a binary of the packages a cargo run of that builder stage compiled, copied into the final
    image from outside `target/`."""
    bins = {b for m in packages for b in m.bin_names()}
    built_in = {r.stage.index for r in runs}
    return [
        CopiedBinary(name, instr, frm, src)
        for instr, frm, src_stage, src in _stage_copies(df, build)
        if {s.index for s in df.lineage(src_stage)} & built_in  # a stage a cargo run of this build compiled in
        and (name := src.rstrip("/").rsplit("/", 1)[-1]) in bins
    ]


def _copies_manifest(instr: Instruction) -> bool:
    """A COPY/ADD of the whole context, or of the context's own `Cargo.toml`, into the stage (not a member's
    `shared/Cargo.toml`)."""
    sources = [s.rstrip("/").removeprefix("./") for s in (instr.expanded or instr.args)[:-1] if not s.startswith("--")]
    return any(s in (".", "") or s in ("Cargo.toml", "Cargo.*", "Cargo.toml*") for s in sources)


def _lineage(df: Dockerfile, stage: Stage) -> set[int]:
    return {s.index for s in df.lineage(stage)}


def _stage_copies(df: Dockerfile, build: Build) -> Iterator[tuple[Instruction, str, Stage, str]]:
    """Each source a `COPY --from=<stage>` of the final stage (or a stage it is built from) takes from a build
    stage, with the instruction, the `--from` value and that stage; sources built from a build argument we cannot
    see are left out (no claim)."""
    final = target_stage(df, build.target)
    for stage in df.lineage(final) if final is not None else ():
        for instr in stage.instructions:
            frm = instr.flag("from")
            src_stage = df.stage(frm) if instr.cmd == "COPY" and frm else None
            if src_stage is None or frm is None or instr.unresolved:
                continue
            for src in instr.values[:-1]:
                yield instr, frm, src_stage, src


def _copied_binaries(df: Dockerfile, build: Build) -> list[CopiedBinary]:
    out: list[CopiedBinary] = []
    for instr, frm, _stage, src in _stage_copies(df, build):
        parts = src.rstrip("/").split("/")
        if "target" in parts or "bin" in parts[-2:-1]:
            name = parts[-1]
            if name and "*" not in name and "." not in name.lstrip("."):
                out.append(CopiedBinary(name, instr, frm, src))
    return out
