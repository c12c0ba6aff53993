"""How the Rust code an image runs deals with SIGTERM and child processes, read from its source text.

A text scan of the files the Rust reader followed (the binaries' modules and the repo libraries they use),
with comments and ``#[cfg(test)]`` modules left out. It answers two questions for VW402: does the app
install a SIGTERM handler itself (so as PID 1 it still stops cleanly on ``docker stop``), and does it start
child processes (which nobody but an init would reap)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from viworks_lint.code import image_code
from viworks_lint.location import Location
from viworks_lint.project import Build, Project

# SIGTERM named by a handler: tokio's SignalKind::terminate(), signal_hook/nix/libc SIGTERM constants,
# signal_hook's TERM_SIGNALS set. `tokio::signal::ctrl_c` alone is SIGINT only and is not enough.
_SIGTERM = re.compile(r"\bSignalKind::terminate\s*\(|\bSIGTERM\b|\bTERM_SIGNALS\b")
# Not counted: a framework's built-in handling (actix-web's HttpServer stops on SIGTERM unless
# `.disable_signals()`): only code that names SIGTERM itself shows the maintainers decided how the app stops.
# child processes: std/tokio/async-std `process::Command`, and the usual spawning crates
_SPAWN = re.compile(
    r"\bprocess::(?:Command\b|\{[^}]*\bCommand\b)|\bduct::|\bsubprocess::|\bunistd::fork\b|\blibc::fork\b"
)
_CTRLC = re.compile(r"\bctrlc::(?:try_)?set_handler\b")
_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
_CFG_TEST = re.compile(r"#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+\w+\s*\{")


@dataclass(frozen=True)
class SignalFacts:
    handles_sigterm: Location | None  # where the code installs a SIGTERM handler
    spawns: Location | None  # where it starts a child process


def _blank(m: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", m.group(0))  # keep line numbers


def _without_tests(text: str) -> str:
    out = text
    for m in reversed(list(_CFG_TEST.finditer(text))):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        out = out[: m.start()] + re.sub(r"[^\n]", " ", out[m.start() : i]) + out[i:]
    return out


def code_text(path: Path) -> str:
    """The file's text without comments and ``#[cfg(test)]`` modules (line numbers kept); '' when unreadable."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return _without_tests(_COMMENT.sub(_blank, text))


def _at(path: Path, text: str, pos: int) -> Location:
    line = text.count("\n", 0, pos) + 1
    return Location(path, line, pos - (text.rfind("\n", 0, pos) + 1) + 1)


def scan(files: list[Path], ctrlc_termination: bool = False) -> SignalFacts:
    handler: Location | None = None
    spawn: Location | None = None
    ctrlc: Location | None = None
    for path in files:
        text = code_text(path)
        if handler is None and (m := _SIGTERM.search(text)):
            handler = _at(path, text, m.start())
        if ctrlc is None and (m := _CTRLC.search(text)):
            ctrlc = _at(path, text, m.start())
        if spawn is None and (m := _SPAWN.search(text)):
            spawn = _at(path, text, m.start())
    if handler is None and ctrlc_termination:
        handler = ctrlc  # the `termination` feature makes ctrlc's handler catch SIGTERM too
    return SignalFacts(handler, spawn)


def image_signals(project: Project, build: Build) -> SignalFacts | None:
    """What the code ``build``'s image runs does with SIGTERM and child processes; None when that code
    is not known (no service→code link)."""
    code = image_code(project, build)
    if code is None or not code.files:
        return None
    ctrlc = False
    for m in code.packages:
        ws = project.workspace_root(m)
        for dep in m.dependencies:
            if dep.package != "ctrlc" or dep.section != "dependencies":
                continue
            features = set(dep.features)
            if dep.workspace and ws is not None and ws.workspace is not None:
                spec = ws.workspace.dependencies.get(dep.name)
                if isinstance(spec, dict) and isinstance(spec.get("features"), list):
                    features |= {str(f) for f in spec["features"]}
            ctrlc = ctrlc or "termination" in features
    return scan([Path(f) for f in code.files], ctrlc)
