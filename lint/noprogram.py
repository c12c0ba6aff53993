"""Images that run no program of their own: a final stage that only keeps the container up for someone to `docker
exec` into, or one on an operating system image that sets no command (an image files are copied out of). Their
scope is a toolchain or development box, not a service."""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from viworks_lint.baseimages import OS_BASES, TOOLCHAIN_BASES, is_base
from viworks_lint.parsers.compose import command_words
from viworks_lint.scope import Scope

if TYPE_CHECKING:
    from viworks_lint.parsers.dockerfile import Dockerfile
    from viworks_lint.project import Project


def no_command_scope(project: Project, df: Dockerfile) -> tuple[Scope, str] | None:
    """A final stage on an operating system image that sets no ENTRYPOINT or CMD, which no compose service builds
    and no CI release pushes: a container of it runs the base's shell, which exits at once without a terminal. An
    image files are copied out of (`docker create` then `docker cp`), or one others start `FROM`, not a service."""
    final = df.final_stage()
    if final is None or final.state.entrypoint is not None or final.state.cmd is not None:
        return None
    root = df.root_base(final)
    if not is_base(root, OS_BASES):
        return None
    from viworks_lint.imagescope import released

    if any(b.service is not None for b in project.builds_of(df)) or released(project, df.path) is not None:
        return None  # compose runs it (without a command it exits at once: a breakage, not a scope), or CI ships it
    if _run_with_its_program(project, df):
        return None  # `image: acme/onefile` with `command: ./onefile`: the published image, given its program
    return Scope.TOOLCHAIN, (
        f"its final stage sets no ENTRYPOINT or CMD on `{root}`, whose own command is a shell: it runs no program of "
        "its own"
    )


def keep_alive_scope(project: Project, df: Dockerfile) -> tuple[Scope, str] | None:
    """A final stage that only keeps the container up (`tail -f /dev/null`, `sleep infinity`) for someone to
    `docker exec` into, unless a compose service gives it a program to run: a toolchain box on a toolchain
    base, a development box otherwise."""
    from viworks_lint.keepalive import keep_alive

    final = df.final_stage()
    instr = keep_alive(final) if final is not None else None
    if final is None or instr is None:
        return None
    field = "entrypoint" if instr.cmd == "ENTRYPOINT" else "command"
    if any(b.service is not None and getattr(b.service, field) is not None for b in project.builds_of(df)):
        return None
    root = df.root_base(final)
    shown = " ".join(instr.values) if instr.json else " ".join(instr.args)
    scope = Scope.TOOLCHAIN if is_base(root, TOOLCHAIN_BASES) else Scope.DEV
    return scope, f"its final stage only keeps the container up (`{shown}`), it runs no program of its own"


def _run_with_its_program(project: Project, df: Dockerfile) -> bool:
    """A compose service (image-only) whose `command:`/`entrypoint:` starts a file the image's final stage copies
    in or a binary of the repository: the image is run, its program given by whoever runs it."""
    final = df.final_stage()
    if final is None:
        return False
    names = {b for m in project.manifests.values() for b in m.bin_names()}
    for instr in final.instructions:
        if instr.cmd in ("COPY", "ADD") and len(instr.values) >= 2:
            names |= {posixpath.basename(v.rstrip("/")) for v in instr.values if v not in (".", "./")}
    for compose in project.composes:
        for svc in compose.services.values():
            words = command_words(svc.entrypoint or svc.command)
            if words and posixpath.basename(words[0]) in names:
                return True
    return False
