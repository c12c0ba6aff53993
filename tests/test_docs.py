"""The README's rule table and docs/rules.md are generated from the registry and must be current."""

from __future__ import annotations

from pathlib import Path

from viworks_lint.docs import rules_markdown, update_readme
from viworks_lint.rule import all_rules

ROOT = Path(__file__).resolve().parent.parent


def test_readme_rule_table_is_current() -> None:
    text = (ROOT / "README.md").read_text("utf-8")
    assert update_readme(text) == text, "run `python -m viworks_lint.docs` to regenerate the README rule table"
    for rule in all_rules():
        assert f"`{rule.name}`" in text


def test_rules_doc_is_current() -> None:
    assert (ROOT / "docs" / "rules.md").read_text("utf-8") == rules_markdown(), "run `python -m viworks_lint.docs`"


def test_every_rule_has_complete_docs() -> None:
    for rule in all_rules():
        assert rule.id.startswith("VW") and len(rule.id) == 5
        assert rule.name == rule.name.lower() and " " not in rule.name
        for part in (rule.summary, rule.docs.what, rule.docs.why, rule.docs.example, rule.docs.fix):
            assert part.strip(), rule.id
