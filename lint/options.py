"""What a run was asked to do: every command-line option as one typed value.

The click command in :mod:`viworks_lint.cli` declares the options; each becomes a field here with the
same name, so adding an option is one decorator there and one field here."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FAIL_LEVELS = ("error", "warning", "note")
COLOR_MODES = ("auto", "always", "never")


@dataclass(frozen=True)
class Options:
    paths: tuple[Path, ...] = ()
    fmt: str = "text"
    output: Path | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    config_path: Path | None = None
    compose_files: tuple[Path, ...] = ()
    env_files: tuple[Path, ...] = ()
    color: str = "auto"
    no_color: bool = False
    exit_zero: bool = False
    fail_level: str = "warning"
    report_unused_suppressions: bool = False
    baseline: Path | None = None
    write_baseline: Path | None = None
    statistics: bool = False
    list_rules: bool = False
    explain: str | None = None
    fix: bool = False
    unsafe_fixes: bool = False
    diff: bool = False
    show_project: bool = False

    @classmethod
    def from_click(cls, params: dict[str, Any]) -> Options:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in params.items() if k in known}
        for key in ("select", "ignore"):
            values[key] = split_list(values.get(key, ()))
        return cls(**values)


def split_list(values: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """``("VW1,VW2", "VW4")`` → ``("VW1", "VW2", "VW4")``."""
    return tuple(v.strip() for item in values for v in item.split(",") if v.strip())
