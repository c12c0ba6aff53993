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
from viworks_lint.parsers.dockerfile import Dockerfile, Instruction, Stage
from viworks_lint.project import Build, Project

# a placeholder main written by the RUN: `echo "fn main() {}" > src/main.rs`, `printf 'fn main(){}' > …`
_STUB = re.compile(
    r"""\b(?:echo|printf)\s+(?:-[a-z]+\s+)?(['"])\s*(?:\#!\[[^\]]*\]\s*)?fn\s+main\s*\(\s*\)\s*\{[^}'"]*\}\s*(?:\\n)?\1"""
    r"""\s*>\s*(\S+)"""
)
# what makes the next build recompile the package anyway
_REFRESH = re.compile(r"\btouch\b|\bcargo\s+clean\b|\bfind\b[^\n]*-exec\s+touch\b")


@dataclass(frozen=True)
class StaleStub:
    stub: Instruction  # the RUN that writes the placeholder main and builds it
    copy: Instruction  # the COPY that brings the real main over it
    build: Instruction  # the RUN whose cargo build finds the stub's binary up to date
    main: str  # the image path of the stubbed file
    binary: str  # the package's binary


def _profile(call: CargoCall) -> tuple[object, ...] | None:
    """What selects the build's artifacts: profile, target and features (None: not a build of the package)."""
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
    return (name, tuple(call.opt("--target")), features, flags)


def _removes_artifacts(text: str) -> bool:
    """A `rm` of something under `target/` (the stub's binary, its deps or fingerprints) or a `cargo clean`."""
    if _REFRESH.search(text):
        return True
    for words in commands(text):
        if words and words[0] == "rm" and any("target" in w.split("/") or w.startswith("target") for w in words[1:]):
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


def _workdirs(df: Dockerfile, stage: Stage) -> dict[int, str]:
    """The working directory at each instruction of the stage (inherited from the stage it is built on)."""
    start = "/"
    if stage.parent is not None:
        parent = df.stages[stage.parent]
        start = _workdirs(df, parent).get(-1, "/") if parent.index != stage.index else "/"
    out: dict[int, str] = {}
    cwd = start
    for ins in stage.instructions:
        if ins.cmd == "WORKDIR" and ins.values:
            cwd = posixpath.normpath(posixpath.join(cwd, ins.values[-1]))
        out[id(ins)] = cwd
    out[-1] = cwd
    return out


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


def _stale(
    project: Project,
    stage: Stage,
    stub: tuple[Instruction, str, tuple[object, ...]],
    copied: tuple[Instruction, Path],
    profiles: list[tuple[object, ...]],
    build: Instruction,
) -> StaleStub | None:
    """The finding for a build with the stub's profile of a simple package whose lock did not change."""
    if stub[2] not in profiles:
        return None
    binary = _simple_package(project, copied[1])
    if binary is None:
        return None
    if (copied[1].parent.parent / "Cargo.lock").exists() and not _lock_copied_before(stage, stub[0]):
        return None  # the lock arrives with the sources: the dependencies may change, and rebuild the binary
    return StaleStub(stub[0], copied[0], build, stub[1], binary)


def stale_stubs(project: Project, build: Build) -> list[StaleStub]:
    df = build.dockerfile
    if df is None or not build.context.is_dir():
        return []
    out: list[StaleStub] = []
    for stage in df.stages:
        dirs = _workdirs(df, stage)
        stub: tuple[Instruction, str, tuple[object, ...]] | None = None  # the RUN, the stubbed path, the profile
        pending: tuple[Instruction, str] | None = None
        copied: tuple[Instruction, Path] | None = None
        refreshed = False
        for ins in stage.instructions:
            cwd = dirs[id(ins)]
            if ins.cmd == "RUN":
                text = run_text(ins)
                m = _STUB.search(text)
                if m is not None and copied is None:
                    pending = (ins, posixpath.normpath(posixpath.join(cwd, m.group(2))))
                    stub = None
                calls = [(c, p) for c in cargo_calls(ins, cwd) if (p := _profile(c)) is not None]
                if pending is not None and calls and copied is None:
                    stub = (pending[0], pending[1], calls[-1][1])
                    pending = None
                    after = text[text.rfind("cargo") :]
                    if _removes_artifacts(after) or _unlocks(after):
                        stub = None  # `cargo build && rm -f target/release/deps/app*`: nothing stale is left
                    continue
                if stub is not None:
                    before = text[: text.find("cargo")] if calls else text
                    if _removes_artifacts(before):
                        refreshed = True  # the stub's artifacts removed (or the sources touched) after it was built
                if stub is not None and _unlocks(text):
                    stub = None  # `rm Cargo.lock`: the next build resolves again and may rebuild everything
                if stub is not None and copied is not None and calls and not refreshed:
                    found = _stale(project, stage, stub, copied, [p for _c, p in calls], ins)
                    if found is not None:
                        out.append(found)
                    stub = None
            elif ins.cmd in ("COPY", "ADD") and stub is not None and copied is None:
                host = _brings(build, ins, cwd, stub[1])
                if host is not None:
                    copied = (ins, host)
    return out
