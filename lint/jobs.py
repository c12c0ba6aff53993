"""Compose services that run an image as a one-shot job beside the services that serve with it (a
`migrate` service that another waits for with `service_completed_successfully`): what the image does on a
stop signal is decided by the serving services."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from viworks_lint.project import Build

_JOB_NAMES = re.compile(r"migrat|seed|init|setup|bootstrap")


def compose_job(build: Build) -> bool:
    """A compose service that runs the image as a one-shot job: another service waits for it with
    `condition: service_completed_successfully`, or it is named for a job (`migrate`, `seed`) with
    `restart: "no"`."""
    svc, compose = build.service, build.compose
    if svc is None or compose is None:
        return False
    awaited = any(
        r.name == svc.name and r.condition == "service_completed_successfully"
        for other in compose.services.values()
        for r in other.depends_on
    )
    return awaited or (svc.restart == "no" and _JOB_NAMES.search(svc.name.lower()) is not None)


# commands of a job that only puts files in place: copying, making folders, setting modes, printing
_FILE_COMMANDS = frozenset({"cp", "install", "mkdir", "chmod", "chown", "ln", "echo", "printf", "true", "rm", "touch"})


def copy_job(build: Build) -> bool:
    """A compose service whose own `entrypoint`/`command` only copies the image's files into a volume it mounts
    and exits (`sh -c "cp /usr/local/bin/agent /opt/agent/ && chmod +x /opt/agent/agent"`, `restart: "no"`): an
    init container that carries files for other containers; it runs no program of its own long enough to matter,
    and writes into a volume Docker created owned by root."""
    from viworks_lint.dockerutil import commands

    svc = build.service
    if svc is None or svc.restart not in (None, "no"):
        return False
    if svc.entrypoint is None:  # `command:` alone is handed to the image's ENTRYPOINT, when it has one
        stage = build.dockerfile.final_stage(build.target) if build.dockerfile is not None else None
        if stage is None or stage.state.entrypoint is not None:
            return False
    words = _words(svc.entrypoint) + _words(svc.command)
    if len(words) < 3 or words[0].rsplit("/", 1)[-1] not in ("sh", "bash", "ash") or words[1] != "-c":
        return False
    targets = [m.target.rstrip("/") for m in svc.volumes if m.target]
    copied = False
    for raw in commands(words[2]):
        cmd = raw[: next((i for i, w in enumerate(raw) if w.lstrip("0123456789").startswith(">")), len(raw))]
        program = cmd[0].rsplit("/", 1)[-1] if cmd else ""
        if program in ("cp", "install") and any(cmd[-1] == t or cmd[-1].startswith(t + "/") for t in targets):
            copied = True
        elif program not in _FILE_COMMANDS and not (len(cmd) == 2 and cmd[1] in ("--version", "-V")):
            return False  # it runs something else: a program, a migration
    return copied


def _words(value: tuple[str, ...] | str | None) -> list[str]:
    """A compose `entrypoint`/`command` as the words the shell gets (the string form split as compose does)."""
    from viworks_lint.scripts import shell_words

    return list(value) if isinstance(value, tuple) else shell_words(value or "")
