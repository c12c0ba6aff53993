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
