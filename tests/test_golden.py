"""Golden outputs: the broken demo project in every format. Regenerate with UPDATE_GOLDEN=1."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import FIXTURES
from viworks_lint.cli import cli

GOLDEN = Path(__file__).parent / "golden"
DEMO = FIXTURES / "demo" / "broken"


def _normalise(text: str) -> str:
    return text.replace(DEMO.resolve().as_uri() + "/", "file:///PROJECT/")


@pytest.mark.parametrize(("fmt", "suffix"), [
    ("text", "txt"), ("concise", "concise.txt"), ("json", "json"), ("sarif", "sarif"), ("github", "github.txt"), ("gitlab", "gitlab.json"),
])
def test_golden_output(fmt: str, suffix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DEMO)  # as a user runs it: `viworks-lint --format sarif .` in the project
    result = CliRunner().invoke(cli, ["--format", fmt, "--no-color", "."], catch_exceptions=False)
    assert result.exit_code == 1
    out = _normalise(result.stdout)
    golden = GOLDEN / f"demo-broken.{suffix}"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize(("fmt", "suffix"), [("text", "txt"), ("json", "json")])
def test_golden_statistics(fmt: str, suffix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DEMO)
    result = CliRunner().invoke(cli, ["--statistics", "--format", fmt], catch_exceptions=False)
    assert result.exit_code == 1
    golden = GOLDEN / f"demo-broken.statistics.{suffix}"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == golden.read_text(encoding="utf-8")


def test_golden_fixed_is_clean_in_every_format() -> None:
    for fmt in ("text", "concise", "json", "sarif", "github", "gitlab"):
        result = CliRunner().invoke(cli, ["--format", fmt, str(FIXTURES / "demo" / "fixed")])
        assert result.exit_code == 0, (fmt, result.stdout)


def test_cli_sarif_validates_with_the_multitool(tmp_path: Path) -> None:
    """The SARIF the CLI writes for a real project passes `validate --rule-kind "Gh;Sarif"` cleanly."""
    from tests.sarif_validator import find_multitool, validate

    if find_multitool() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the SARIF multitool is not installed (npm install @microsoft/sarif-multitool)")
        pytest.skip("the SARIF multitool is not installed")
    out = tmp_path / "demo.sarif"
    CliRunner().invoke(cli, ["--format", "sarif", "--output", str(out), str(DEMO)], catch_exceptions=False)
    assert validate(out) == []
