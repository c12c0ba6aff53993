"""Which crates a Docker build compiles, and so which Rust code runs in a compose service's container.

The link follows the Dockerfile the way the build runs it: COPY instructions map context paths to image
paths, WORKDIR gives the directory ``cargo build`` runs in (or ``--manifest-path``), ``-p``/``--bin``
narrow a workspace, and ``COPY --from=<stage> …/target/<profile>/<name>`` names the binary the final
image runs. When any step cannot be followed the answer is "unknown", never a guess."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

from viworks_lint.dockerutil import commands, reachable_stages, run_text, target_stage
from viworks_lint.parsers.cargo import Manifest
from viworks_lint.parsers.dockerfile import Dockerfile, Instruction, Stage
from viworks_lint.project import Build, Project, norm_path

CARGO_BUILDERS = {"build", "install", "auditable", "zigbuild", "chef"}


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


def package_spec_name(spec: str) -> str:
    """``-p serde@1.0.200`` / ``-p serde:1.0`` / a package id URL → the package name."""
    spec = spec.rsplit("#", 1)[-1] if "#" in spec else spec
    return re.split(r"[@:]", spec, maxsplit=1)[0]


def _installs_from_registry(words: list[str]) -> bool:
    """``cargo install <crate>`` (a positional crate name, or --git) rather than ``cargo install --path``."""
    try:
        rest = words[words.index("install") + 1 :]
    except ValueError:
        return False
    takes_value = {
        "--version",
        "--vers",
        "--git",
        "--branch",
        "--tag",
        "--rev",
        "--root",
        "--target",
        "--features",
        "-F",
        "--profile",
        "--index",
        "--registry",
        "-j",
        "--jobs",
        "--bin",
        "--example",
        "--target-dir",
    }
    i = 0
    while i < len(rest):
        w = rest[i]
        if w in ("--git", "--index", "--registry"):
            return True
        if w in takes_value:
            i += 2
            continue
        if not w.startswith("-"):
            return True  # a crate name
        i += 1
    return False


def _parse_cargo(words: list[str]) -> tuple[str, dict[str, list[str]], set[str]] | None:
    """Find ``cargo <sub>`` in a simple command; return (sub, options with values, flags)."""
    for i, w in enumerate(words):
        if posixpath.basename(w) in ("cargo", "cross"):
            rest = words[i + 1 :]
            while rest and rest[0].startswith("+"):
                rest = rest[1:]
            if not rest:
                return None
            sub = rest[0]
            args = rest[1:]
            if sub in ("auditable", "chef") and args:
                sub, args = f"{sub} {args[0]}", args[1:]
            opts: dict[str, list[str]] = {}
            flags: set[str] = set()
            j = 0
            while j < len(args):
                a = args[j]
                if a.startswith("--") and "=" in a:
                    k, v = a.split("=", 1)
                    opts.setdefault(k, []).append(v)
                elif a in (
                    "-p",
                    "--package",
                    "--bin",
                    "--manifest-path",
                    "--target",
                    "--profile",
                    "--features",
                    "-F",
                    "--path",
                    "--target-dir",
                    "--example",
                    "--root",
                    "-j",
                    "--jobs",
                ):
                    if j + 1 < len(args):
                        opts.setdefault(a, []).append(args[j + 1])
                        j += 1
                elif a.startswith("-"):
                    flags.add(a)
                j += 1
            return sub, opts, flags
    return None


def _abs(workdir: str, path: str) -> str:
    return posixpath.normpath(path if path.startswith("/") else posixpath.join(workdir, path))


class _Fs:
    """Image paths COPY'd from the build context: image path → context-relative path."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, str, bool]] = []  # (image path, context rel path, is_dir)

    def copy(self, context: Path, sources: list[str], dest: str, workdir: str) -> None:
        dest_abs = _abs(workdir, dest)
        many = len(sources) > 1 or dest.endswith("/") or dest in (".", "./")
        for src in sources:
            rel = posixpath.normpath(src.lstrip("/")) if src.strip("/") else "."
            host = context / rel
            if host.is_dir():
                self.entries.append((dest_abs, rel, True))
            else:
                target = posixpath.join(dest_abs, posixpath.basename(rel)) if many else dest_abs
                self.entries.append((target, rel, False))

    def host_of(self, image_path: str) -> str | None:
        """Context-relative path that ends up at ``image_path`` (last COPY wins)."""
        for img, rel, is_dir in reversed(self.entries):
            if img == image_path:
                return rel
            if is_dir and (image_path.startswith(img.rstrip("/") + "/") or img == "/"):
                sub = posixpath.relpath(image_path, img)
                return posixpath.normpath(posixpath.join(rel, sub))
        return None


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
    stages = reachable_stages(df, build.target)
    fs_of: dict[int, _Fs] = {}
    for stage in stages:
        fs = _Fs()
        if stage.parent is not None and stage.parent in fs_of:
            fs.entries = list(fs_of[stage.parent].entries)
        workdir = "/"
        for instr in stage.instructions:
            if instr.cmd == "WORKDIR" and instr.values:
                workdir = _abs(workdir, instr.values[0])
            elif instr.cmd in ("COPY", "ADD") and instr.flag("from") is None and len(instr.values) >= 2:
                srcs = [s for s in instr.values[:-1] if not s.startswith("<<")]
                fs.copy(build.context, srcs, instr.values[-1], workdir)
            elif instr.cmd == "RUN":
                shell_cwd = workdir  # `cd dir && cargo build` moves within one RUN
                for words in commands(run_text(instr)):
                    if words[0] == "cd" and len(words) >= 2 and "$" not in words[1]:
                        shell_cwd = _abs(shell_cwd, words[1])
                        continue
                    parsed = _parse_cargo(words)
                    if parsed is None:
                        continue
                    sub, opts, flags = parsed
                    if sub.split()[0] not in CARGO_BUILDERS or sub in ("chef prepare", "chef cook"):
                        continue  # cargo-chef cooks only the dependencies of a recipe
                    if sub == "install" and "--path" not in opts and _installs_from_registry(words):
                        continue  # `cargo install sqlx-cli`: a tool from crates.io, not this repo's code
                    cwd = shell_cwd
                    if "--path" in opts:
                        cwd = _abs(workdir, opts["--path"][-1])
                    mpath = (
                        _abs(cwd, opts["--manifest-path"][-1])
                        if "--manifest-path" in opts
                        else posixpath.join(cwd, "Cargo.toml")
                    )
                    host_rel = fs.host_of(mpath)
                    manifest = None
                    if host_rel is not None and not host_rel.startswith(".."):
                        manifest = project.manifests.get(norm_path(build.context / host_rel))
                    if any("$" in v for vals in opts.values() for v in vals):
                        manifest = None  # `--bin ${SERVICE}`: which package is built depends on a build argument
                    runs.append(
                        CargoRun(
                            stage,
                            instr,
                            sub,
                            cwd,
                            mpath,
                            tuple(opts.get("-p", []) + opts.get("--package", [])),
                            tuple(opts.get("--bin", [])),
                            "--bins" in flags,
                            manifest,
                        )
                    )
        fs_of[stage.index] = fs
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
    copied = _copied_binaries(df, build)
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


def _lineage(df: Dockerfile, stage: Stage) -> set[int]:
    return {s.index for s in df.lineage(stage)}


def _copied_binaries(df: Dockerfile, build: Build) -> list[CopiedBinary]:
    final = target_stage(df, build.target)
    if final is None:
        return []
    out: list[CopiedBinary] = []
    for stage in df.lineage(final):
        for instr in stage.instructions:
            if instr.unresolved:
                continue  # a path built from a build argument we cannot see: no claim
            frm = instr.flag("from")
            if instr.cmd != "COPY" or not frm or df.stage(frm) is None:
                continue
            for src in instr.values[:-1]:
                parts = src.rstrip("/").split("/")
                if "target" in parts or "bin" in parts[-2:-1]:
                    name = parts[-1]
                    if name and "*" not in name and "." not in name.lstrip("."):
                        out.append(CopiedBinary(name, instr, frm, src))
    return out
