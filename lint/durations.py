"""Durations as Docker and compose write them (Go's ``time.ParseDuration``: ``1m30s``, ``500ms``, ``1.5h``),
and the healthcheck timing Docker applies when a field is left out."""

from __future__ import annotations

import re

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")

# Docker's defaults for an unset HEALTHCHECK option (docs.docker.com/reference/dockerfile/#healthcheck)
DEFAULT_INTERVAL = 30.0
DEFAULT_RETRIES = 3


def seconds(text: str | None) -> float | None:
    """The duration in seconds, or None when ``text`` is not a duration (``0`` alone is zero, as in Go)."""
    if text is None:
        return None
    t = text.strip()
    if t == "0":
        return 0.0
    pos, total = 0, 0.0
    for m in _PART.finditer(t):
        if m.start() != pos:
            return None
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    return total if pos == len(t) and pos > 0 else None
