"""Where the Rust code an image runs starts a process (`std::process::Command`, `tokio::process::Command`): what
makes a binary built on glibc 2.39 or later link `pidfd_spawnp`, which an older runtime lacks."""

from __future__ import annotations

import re
from pathlib import Path

from viworks_lint.imagecode import image_code
from viworks_lint.location import Location
from viworks_lint.project import Build, Project
from viworks_lint.rust.literals import comment_free, without_tests

_SPAWN = re.compile(r"\bCommand\s*::\s*new\s*\(")
_PROCESS = re.compile(r"\b(?:std|tokio|async_process|async_std)\s*::\s*process\b")


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8", errors="replace")
    except OSError:
        return ""


def process_start(project: Project, build: Build) -> Location | None:
    """The first `Command::new(..)` of a process API in the code ``build``'s image runs (tests left out); None when
    none is seen or the code is not known."""
    code = image_code(project, build)
    if code is None:
        return None
    for name in code.files:
        path = Path(name)
        text = without_tests(comment_free(_read(path)))
        if _PROCESS.search(text) is None:
            continue
        m = _SPAWN.search(text)
        if m is not None:
            line = text.count("\n", 0, m.start()) + 1
            return Location(path, line, m.start() - text.rfind("\n", 0, m.start()))
    return None
