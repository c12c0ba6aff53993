"""A `cargo build` that finds the binary of a stub build up to date, so the image ships the stub.

The dependency-cache pattern writes a placeholder `src/main.rs` (`echo "fn main() {}" > src/main.rs`), builds it
so the dependencies land in a cached layer, then copies the real sources in and builds again. COPY keeps each
file's modification time (that of the checkout, older than the stub build that just ran), and Cargo decides that a
package is fresh by comparing its sources' modification times with those of its last build. So the second build
finds the stub's binary up to date and does not compile the real `main.rs`: the image ships `fn main() {}`, which
exits at once (rust-lang/cargo#7181, #9312). A `touch` of the sources, removing the stub's artifacts
(`rm target/release/deps/app*`, `rm -rf target`), or `cargo clean` between the two builds avoids it.

Claimed only when nothing else forces the second build to recompile the package: a single package with no
library target, build script or path dependency of its own (a real library or dependency copied in after the stub
is new, and rebuilds the binary that links it), with its `Cargo.lock` (if the repository has one) copied before
the stub build, built twice with the same profile, target and features."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from viworks_lint.cargocmd import EDITS_MANIFEST, CargoCall, cargo_calls
from viworks_lint.dockerutil import clean_source, commands, copy_sources, run_text
from viworks_lint.parsers.dockerfile import Instruction, Stage
from viworks_lint.project import Build, Project
from viworks_lint.stagefiles import stage_files

# a placeholder main written by the RUN: `echo "fn main() {}" > src/main.rs`, `printf 'fn main(){}' > …`
STUB = re.compile(
    r"""\b(?:echo|printf)\s+(?:-[a-z]+\s+)?(['"])\s*(?:\#!\[[^\]]*\]\s*)?fn\s+main\s*\(\s*\)\s*\{[^}'"]*\}\s*(?:\\n)?\1"""
    r"""\s*>\s*(\S+)"""
)


@dataclass(frozen=True)
class StaleStub:
    stub: Instruction  # the RUN that writes the placeholder main and builds it
    copy: Instruction  # the COPY that brings the real main over it
    build: Instruction  # the RUN whose cargo build finds the stub's binary up to date
    main: str  # the image path of the stubbed file
    binary: str  # the package's binary


def _key(call: CargoCall) -> tuple[object, ...] | None:
    """What selects the build's artifacts: the manifest and folder it runs from, the target folder, profile,
    target triple, features and the cargo/rustc settings of its own environment (None: not a build of the
    package)."""
    if call.base not in ("build", "install") or call.sub.startswith("chef"):
        return None
    if call.base == "install" and not call.opt("--path"):
        return None  # `cargo install sqlx-cli`: a tool from the registry
    profile = call.opt("--profile")
    if profile:
        name = profile[-1]
    elif call.base == "install":
        name = "dev" if "--debug" in call.flags else "release"
    else:
        name = "release" if ("--release" in call.flags or "-r" in call.flags) else "dev"
    features = tuple(sorted(call.opt("--features", "-F")))
    flags = tuple(sorted(f for f in call.flags if f in ("--all-features", "--no-default-features")))
    env = tuple(sorted((k, v) for k, v in call.env.items() if k.startswith(("CARGO", "RUSTFLAGS", "RUSTC"))))
    where = (call.cwd, tuple(call.opt("--manifest-path")), tuple(call.opt("--path")), tuple(call.opt("--target-dir")))
    return (name, tuple(call.opt("--target")), features, flags, env, where)


def _caches_target(ins: Instruction) -> bool:
    """The RUN mounts a cache over a target folder: its artifacts live in the cache, not in the layer."""
    return any(f.startswith("--mount=") and "type=cache" in f and "target" in f for f in ins.flags)


_BUILD_ENV = re.compile(r"^(?:CARGO\w*|RUSTFLAGS|RUSTC\w*|RUSTDOCFLAGS)$")


def _sets_build_env(ins: Instruction) -> bool:
    """An ENV or ARG that sets what cargo builds with (`RUSTFLAGS`, `CARGO_TARGET_DIR`, `CARGO_PROFILE_*`)."""
    if ins.cmd not in ("ENV", "ARG"):
        return False
    names = list(ins.args[::2]) if ins.cmd == "ENV" else [a.split("=", 1)[0] for a in ins.args]
    return any(_BUILD_ENV.match(n) for n in names)


_PROFILE_DIRS = frozenset({"release", "debug"})


def _clears_artifacts(words: list[str]) -> bool:
    """A `cargo clean` (of anything), or an `rm` of the stub's compiled artifacts: a `deps/` or `.fingerprint/`
    entry, a profile folder (`target/release`) or the whole target folder. Not the uplifted binary
    (`rm target/release/app`): cargo links it again from `deps/`."""
    if words[:2] == ["cargo", "clean"]:
        return True
    if not words or words[0] != "rm":
        return False
    for w in words[1:]:
        if w.startswith("-"):
            continue
        parts = [p for p in w.rstrip("/").split("/") if p not in ("", ".")]
        if "deps" in parts or ".fingerprint" in parts:
            return True
        if parts and (parts[-1] == "target" or (parts[-1] in _PROFILE_DIRS and "target" in parts)):
            return True
    return False


def _touches(words: list[str], cwd: str, main: str) -> bool:
    """A `touch` (not `-a`, which sets only the access time) of the stubbed file or a folder above it, of files a
    command substitution or glob picks, or a `find … -exec touch`: the next build sees newer sources."""
    if words and words[0] == "find":
        return "touch" in words
    if not words or words[0] != "touch":
        return False
    if any(w in ("-a", "--time=atime", "--time=access") for w in words[1:]):
        return False
    for w in words[1:]:
        if w.startswith("-"):
            continue
        if any(c in w for c in "$`*?["):
            return True
        target = posixpath.normpath(posixpath.join(cwd, w))
        if target == main or main.startswith(target.rstrip("/") + "/"):
            return True
    return False


def _unlocks(text: str) -> bool:
    """The RUN removes or rewrites `Cargo.lock` or `Cargo.toml`, or updates the lock (`cargo update`)."""
    if re.search(r"\bcargo\s+update\b", text) or EDITS_MANIFEST.search(text):
        return True
    return any(
        words and words[0] == "rm" and any(posixpath.basename(w) in ("Cargo.lock", "Cargo.toml") for w in words[1:])
        for words in commands(text)
    )


def _brings(build: Build, instr: Instruction, cwd: str, target: str) -> Path | None:
    """The file of the build context the COPY puts at the image path ``target``, if it does."""
    if len(instr.values) < 2:
        return None
    dest = instr.values[-1]
    dest_abs = posixpath.normpath(posixpath.join(cwd, dest))
    for src in copy_sources(instr):
        if not src.resolved:
            return None
        cleaned = clean_source(src.value)
        host = build.context / cleaned if cleaned not in ("", ".") else build.context
        if host.is_dir():
            if target.startswith(dest_abs.rstrip("/") + "/"):
                rel = target[len(dest_abs.rstrip("/")) + 1 :]
                if (host / rel).is_file():
                    return host / rel
        elif host.is_file():
            placed = posixpath.join(dest_abs, host.name) if dest.endswith("/") else dest_abs
            if placed == target:
                return host
    return None


def _lock_copied_before(stage: Stage, stub: Instruction) -> bool:
    for ins in stage.instructions:
        if ins is stub:
            return False
        if ins.cmd in ("COPY", "ADD") and any("Cargo.lock" in a or a.endswith("*") for a in ins.values[:-1]):
            return True
    return False


def _simple_package(project: Project, main: Path) -> str | None:
    """The binary name when the real ``main`` belongs to a package with nothing else that changes between the
    builds (no library, build script or path dependency); else None."""
    if main.parent.name != "src":
        return None
    pkg_dir = main.parent.parent
    path = pkg_dir / "Cargo.toml"
    if not path.is_file():
        return None
    m = project.manifest(path)
    if m.problems or m.workspace is not None or m.package_name is None:
        return None
    if m.lib is not None or (pkg_dir / "src" / "lib.rs").exists() or m.build_script is not None:
        return None
    if (pkg_dir / "build.rs").exists() or any(d.path is not None for d in m.dependencies):
        return None
    bins = [t for t in m.targets if t.kind == "bin" and t.path is not None and t.path.resolve() == main.resolve()]
    return bins[0].name if bins else None


def _calls(ins: Instruction, cwd: str) -> list[tuple[int, tuple[object, ...]]]:
    """The package builds of a RUN: the index of each one's command among the RUN's commands, and its key."""
    cmds = commands(run_text(ins))
    out: list[tuple[int, tuple[object, ...]]] = []
    for call in cargo_calls(ins, cwd):
        key = _key(call)
        if key is None:
            continue
        index = next((i for i, words in enumerate(cmds) if tuple(words) == call.words), None)
        if index is not None:
            out.append((index, key))
    return out


@dataclass
class _Stub:
    run: Instruction
    main: str
    key: tuple[object, ...]
    copy: tuple[Instruction, Path] | None = None
    refreshed: bool = False
    found: StaleStub | None = None


def stale_stubs(project: Project, build: Build) -> list[StaleStub]:
    df = build.dockerfile
    if df is None or not build.context.is_dir():
        return []
    out: list[StaleStub] = []
    for stage in df.stages:
        files = stage_files(project, build, stage)
        stub: _Stub | None = None
        pending: str | None = None  # a stub `main` written, not built yet
        for ins in stage.instructions:
            cwd = files.workdir(ins)
            if ins.cmd in ("COPY", "ADD") and stub is not None and stub.copy is None:
                host = _brings(build, ins, cwd, stub.main)
                if host is not None:
                    stub.copy = (ins, host)
                continue
            if stub is not None and _sets_build_env(ins):
                _settle(stub, out)  # the next build compiles with other settings: everything again
                stub = None
                continue
            if ins.cmd != "RUN":
                continue
            text = run_text(ins)
            cmds = commands(text)
            calls = _calls(ins, cwd)
            m = STUB.search(text)
            if m is not None and (stub is None or stub.copy is None):
                pending = posixpath.normpath(posixpath.join(cwd, m.group(2)))
                stub = None
            if pending is not None and calls:
                main, pending = pending, None
                last = calls[-1][0]
                if _caches_target(ins) or any(_clears_artifacts(w) or _unlocks(" ".join(w)) for w in cmds[last + 1 :]):
                    stub = None  # `cargo build && rm -f target/release/deps/app*`: nothing stale is left
                else:
                    stub = _Stub(ins, main, calls[-1][1])
                continue
            if stub is None:
                continue
            if _unlocks(text):
                _settle(stub, out)  # `rm Cargo.lock`: the next build resolves again and may rebuild all
                stub = None
                continue
            first = calls[0][0] if calls else len(cmds)
            for words in cmds[:first]:
                if _clears_artifacts(words) or (stub.copy is not None and _touches(words, cwd, stub.main)):
                    stub.refreshed = True
            if stub.copy is None:
                if stub.refreshed:
                    stub = None  # the stub's artifacts are gone before the real sources arrive
                continue
            if not calls:
                continue
            if stub.refreshed or _caches_target(ins):
                stub.found = None  # a later build of the real sources after a refresh: the image is right
                _settle(stub, out)
                stub = None
                continue
            if stub.found is None and any(key == stub.key for _i, key in calls):
                stub.found = _stale(project, stage, stub, ins)
        if stub is not None:
            _settle(stub, out)
    return out


def _settle(stub: _Stub, out: list[StaleStub]) -> None:
    if stub.found is not None:
        out.append(stub.found)


def _stale(project: Project, stage: Stage, stub: _Stub, build: Instruction) -> StaleStub | None:
    """The finding for a build with the stub's key of a simple package whose lock did not change."""
    assert stub.copy is not None
    copy, host = stub.copy
    binary = _simple_package(project, host)
    if binary is None:
        return None
    manifest = project.manifest(host.parent.parent / "Cargo.toml")
    root = project.workspace_root(manifest) or manifest
    if (root.dir / "Cargo.lock").exists() and not _lock_copied_before(stage, stub.run):
        return None  # the lock arrives with the sources: the dependencies may change, and rebuild the binary
    return StaleStub(stub.run, copy, build, stub.main, binary)
