"""Where a report goes and how it looks: colour, standard output or a file."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from viworks_lint.usage import UsageFailure

COLOR_FORMATS = ("text", "concise")


def _set(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "").strip().lower() not in ("", "0", "false")


def use_color(mode: str, fmt: str, *, to_file: bool, to_terminal: bool, env: Mapping[str, str] | None = None) -> bool:
    """Colour for the human formats only. ``--color always|never`` decides; with ``auto`` (the default)
    a report written to a file (``-o``) has none, FORCE_COLOR or CLICOLOR_FORCE turn it on, then
    NO_COLOR (any non-empty value) turns it off, else colour when writing to a terminal."""
    if fmt not in COLOR_FORMATS or mode == "never":
        return False
    if mode == "always":
        return True
    if to_file:
        return False
    env = os.environ if env is None else env
    if _set(env, "FORCE_COLOR") or _set(env, "CLICOLOR_FORCE"):
        return True
    if env.get("NO_COLOR", ""):
        return False
    return to_terminal


def write_report(text: str, output: Path | None) -> None:
    """Write to ``output`` (creating missing folders), or to standard output."""
    if output is None:
        sys.stdout.write(text)
        if text and not text.endswith("\n"):
            sys.stdout.write("\n")
        sys.stdout.flush()
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageFailure(f"cannot write {output}: {exc.strerror or exc}") from None
