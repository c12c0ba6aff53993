"""Release hygiene and the README's integration snippets: one version everywhere; every YAML snippet
parses and names only options, inputs and hooks that exist; the GitHub Action's script runs."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
from ruamel.yaml import YAML

from tests.helpers import FIXTURES
from viworks_lint import __version__
from viworks_lint.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text("utf-8")
EXE = Path(sys.executable).with_name("viworks-lint")


def _yaml(text: str) -> Any:
    return YAML(typ="safe").load(text)


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def _check_command(line: str) -> None:
    """A `viworks-lint …` command line parses with the real option parser (names and choices exist)."""
    words = shlex.split(line, comments=True)
    assert words and words[0] == "viworks-lint", line
    try:
        cli.make_context("viworks-lint", words[1:], resilient_parsing=False)
    except click.exceptions.Exit:
        pass
    except click.UsageError as exc:
        pytest.fail(f"README command {line!r}: {exc.format_message()}")


# ------------------------------------------------------------------------------------------- version


def test_one_version_everywhere() -> None:
    assert importlib.metadata.version("viworks-lint") == __version__
    proc = subprocess.run([str(EXE), "--version"], capture_output=True, text=True)
    assert proc.stdout.strip() == f"viworks-lint, version {__version__}"
    sarif = subprocess.run([str(EXE), "--format", "sarif", str(FIXTURES / "demo" / "fixed")], capture_output=True,
                           text=True)
    driver = json.loads(sarif.stdout)["runs"][0]["tool"]["driver"]
    assert driver["version"] == driver["semanticVersion"] == __version__
    changelog = (ROOT / "CHANGELOG.md").read_text("utf-8")
    assert re.findall(r"^## (\S+)", changelog, flags=re.M)[0] == __version__
    pins = re.findall(r"(?:rev: |@|/tags/)v(\d+\.\d+\.\d+)", README)
    assert pins and set(pins) == {__version__}
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in pyproject and 'version = { attr = "viworks_lint.__version__" }' in pyproject


# ------------------------------------------------------------------------------------------- README snippets


def test_every_readme_command_names_real_options() -> None:
    lines = [
        line.strip()
        for block in _blocks("sh")
        for line in block.splitlines()
        if line.strip().startswith("viworks-lint")
    ]
    assert len(lines) >= 8
    for line in lines:
        _check_command(line)


def test_readme_yaml_snippets_parse_and_name_what_exists() -> None:
    hooks = {h["id"]: h for h in _yaml((ROOT / ".pre-commit-hooks.yaml").read_text())}
    action_inputs = set(_yaml((ROOT / "action.yml").read_text())["inputs"])
    kinds: set[str] = set()
    for block in _blocks("yaml"):
        data = _yaml(block)
        if isinstance(data, dict) and "repos" in data:  # pre-commit
            kinds.add("pre-commit")
            (repo,) = data["repos"]
            assert repo["repo"] == "https://github.com/viworks/viworks-lint"
            for hook in repo["hooks"]:
                assert hook["id"] in hooks
                _check_command(shlex.join(["viworks-lint", *hook.get("args", [])]))
        elif isinstance(data, dict) and "jobs" in data:  # GitHub workflow
            kinds.add("github")
            for job in data["jobs"].values():
                for step in job["steps"]:
                    if str(step.get("uses", "")).startswith("viworks/viworks-lint@"):
                        assert set(step.get("with", {})) <= action_inputs, step
                        kinds.add("action")
                    if "run" in step:
                        for line in step["run"].splitlines():
                            if line.strip().startswith("viworks-lint"):
                                _check_command(line)
        elif isinstance(data, dict) and any(isinstance(v, dict) and "script" in v for v in data.values()):
            kinds.add("gitlab")
            (job,) = data.values()
            commands = [c for c in job["script"] if c.startswith("viworks-lint")]
            for c in commands:
                _check_command(c)
            report = job["artifacts"]["reports"]["codequality"]
            assert any(f"--format gitlab --output {report}" in c for c in commands)
    assert kinds == {"pre-commit", "github", "action", "gitlab"}


def test_readme_documents_completion_and_the_schema_id() -> None:
    schema = json.loads((ROOT / "schemas" / "config.schema.json").read_text())
    assert f"`{schema['$id']}`" in README
    for shell in ("bash", "zsh", "fish"):
        assert f"_VIWORKS_LINT_COMPLETE={shell}_source viworks-lint" in README
        proc = subprocess.run([str(EXE)], env={**os.environ, "_VIWORKS_LINT_COMPLETE": f"{shell}_source"},
                              capture_output=True, text=True)
        assert proc.returncode == 0 and "viworks_lint" in proc.stdout.replace("-", "_").lower()


# ------------------------------------------------------------------------------------------- the Action


def _action() -> dict[str, Any]:
    data: dict[str, Any] = _yaml((ROOT / "action.yml").read_text())
    return data


def test_action_is_composite_and_uses_every_input() -> None:
    action = _action()
    assert action["runs"]["using"] == "composite"
    text = (ROOT / "action.yml").read_text()
    for name in action["inputs"]:
        assert f"inputs.{name} }}}}" in text, name
    for step in action["runs"]["steps"]:
        for var in step.get("env", {}):
            assert f"${var}" in step["run"] or f"{{{var}" in step["run"], var


def _run_step(name: str, env: dict[str, str], cwd: Path) -> tuple[int, dict[str, str]]:
    (step,) = [s for s in _action()["runs"]["steps"] if s.get("name") == name]
    out = cwd / "github-output.txt"
    out.write_text("")
    path = f"{EXE.parent}{os.pathsep}{os.environ['PATH']}"
    proc = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PATH": path, "GITHUB_OUTPUT": str(out), **env})
    outputs = dict(line.split("=", 1) for line in out.read_text().splitlines())
    return proc.returncode, outputs


def _inputs(**given: str) -> dict[str, str]:
    defaults = {name: str(spec.get("default", "")) for name, spec in _action()["inputs"].items()}
    values = {**defaults, **{k.replace("_", "-"): v for k, v in given.items()}}
    return {f"VIWORKS_{k.upper().replace('-', '_')}": v for k, v in values.items()}


def test_action_lint_step_runs(tmp_path: Path) -> None:
    import shutil

    demo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "demo" / "broken", demo)
    code, outputs = _run_step("Lint", _inputs(), demo)
    assert code == 0 and outputs == {"exit-code": "1"}
    code, outputs = _run_step("Lint", _inputs(upload_sarif="true", args="--select VW1"), demo)
    assert outputs == {"sarif-file": "viworks-lint.sarif", "exit-code": "1"}
    results = json.loads((demo / "viworks-lint.sarif").read_text())["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"VW101", "VW102"}
    _, outputs = _run_step("Lint", _inputs(fail_level="error", args="--select VW4"), demo)
    assert outputs["exit-code"] == "0"
    _, outputs = _run_step("Lint", _inputs(baseline="missing.json"), demo)
    assert outputs["exit-code"] == "2"
    assert _run_step("Exit status", {"STATUS": "1"}, demo)[0] == 1
