"""Where the Rust code an image runs starts a process (`std::process::Command`, `tokio::process::Command`): what
makes a binary built on glibc 2.39 or later link `pidfd_spawnp`, which an older runtime lacks."""

from __future__ import annotations

from pathlib import Path

from viworks_lint.imagecode import image_code
from viworks_lint.location import Location
from viworks_lint.project import Build, Project
from viworks_lint.signals import child_process_at


def process_start(project: Project, build: Build) -> Location | None:
    """The first place the code ``build``'s image runs starts a child process (tests left out); None when none is
    seen or the code is not known."""
    code = image_code(project, build)
    if code is None:
        return None
    return next((loc for name in code.files if (loc := child_process_at(Path(name))) is not None), None)
