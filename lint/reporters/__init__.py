"""Output formats. ``render(fmt, report)`` dispatches to the reporter for ``fmt``."""

from __future__ import annotations

from collections.abc import Callable

from viworks_lint.reporters import concise, github, gitlab, jsonfmt, sarif, text
from viworks_lint.reporters.base import Report

__all__ = ["FORMATS", "Report", "render"]

FORMATS = ("text", "concise", "json", "sarif", "github", "gitlab")

_RENDERERS: dict[str, Callable[[Report], str]] = {
    "text": text.render,
    "concise": concise.render,
    "json": jsonfmt.render,
    "sarif": sarif.render,
    "github": github.render,
    "gitlab": gitlab.render,
}


def render(fmt: str, report: Report) -> str:
    """Render ``report`` in format ``fmt`` (one of :data:`FORMATS`)."""
    try:
        renderer = _RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown output format {fmt!r}; expected one of {', '.join(FORMATS)}") from None
    return renderer(report)
