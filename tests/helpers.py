"""Shared test helpers: lint a directory through the real project model and engine."""

from __future__ import annotations

from pathlib import Path

from viworks_lint.config import load_config
from viworks_lint.engine import Engine, select_rules
from viworks_lint.findings import Finding
from viworks_lint.project import Project
from viworks_lint.rule import all_rules

FIXTURES = Path(__file__).parent / "fixtures"


def lint(root: Path, select: list[str] | None = None, *, report_unused: bool = False) -> list[Finding]:
    """Findings for the project at ``root`` (config read from root), optionally only some rules."""
    config = load_config(root)
    rules = select_rules(all_rules(), select or config.select, config.ignore)
    project = Project(root, config)
    result = Engine(project, rules, report_unused_suppressions=report_unused).run()
    assert not result.errors, result.errors
    return result.findings


def where(findings: list[Finding], root: Path) -> list[tuple[str, str, int]]:
    """(rule id, relative path, line) of each finding, sorted."""
    return sorted((f.rule_id, f.location.path.relative_to(root).as_posix(), f.location.line) for f in findings)


def write(root: Path, files: dict[str, str]) -> Path:
    """Create files (relative path → text) under root; returns root."""
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return root
