"""The command line: exit codes, selection, config, suppressions, output options."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import FIXTURES, lint, where, write
from viworks_lint import __version__
from viworks_lint.cli import cli

BROKEN = FIXTURES / "demo" / "broken"
FIXED = FIXTURES / "demo" / "fixed"


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_exit_codes_on_demo() -> None:
    assert run(str(BROKEN))[0] == 1
    assert run(str(FIXED))[0] == 0
    assert run("--exit-zero", str(BROKEN))[0] == 0


def test_usage_errors_exit_2() -> None:
    code, _, err = run("does/not/exist")
    assert code == 2 and "no such file" in err
    code, _, err = run("--select", "VW999", str(FIXED))
    assert code == 2 and "VW999" in err
    code, _, err = run("--format", "xml", str(FIXED))
    assert code == 2
    code, _, err = run("--explain", "nope")
    assert code == 2 and "unknown rule" in err


def test_text_output_layout_and_summary() -> None:
    code, out, _ = run("--select", "VW101", str(BROKEN))
    assert code == 1
    first = out.splitlines()[0]
    # relative to the project root (the demo's .viworks-lint.toml), wherever the command ran
    assert first.startswith("backend/Cargo.toml:13:8: VW101 cargo-target-missing ")
    assert "^~~" in out and "\x1b[" not in out
    assert "  = help: Restore the file, correct `path`, or delete the target section." in out
    assert out.rstrip().endswith("in 5 files.") and "1 problem" in out
    # the full run also reads the Rust sources of the service and the nginx config mounted into nginx
    assert run(str(BROKEN))[1].rstrip().endswith("in 11 files.")


def test_select_ignore_prefixes_and_names() -> None:
    _, out, _ = run("--format", "json", "--select", "VW1", str(BROKEN))
    assert {f["rule"] for f in json.loads(out)["findings"]} == {"VW101", "VW102"}
    _, out, _ = run("--format", "json", "--select", "VW1,runs-as-root", "--ignore", "VW102", str(BROKEN))
    assert {f["rule"] for f in json.loads(out)["findings"]} == {"VW101", "VW401"}


def test_output_file_and_formats(tmp_path: Path) -> None:
    for fmt in ("text", "json", "sarif", "github", "gitlab"):
        out = tmp_path / f"report.{fmt}"
        code, stdout, _ = run("--format", fmt, "--output", str(out), str(BROKEN))
        assert code == 1 and stdout == "" and out.read_text()
    sarif = json.loads((tmp_path / "report.sarif").read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
    assert "::error file=" in (tmp_path / "report.github").read_text()


def test_list_rules_and_explain() -> None:
    code, out, _ = run("--list-rules")
    assert code == 0 and "VW302  healthcheck-route-unknown" in out
    code, out, _ = run("--explain", "vw302")
    assert code == 0 and "Why it matters" in out and "/api/health" in out
    code, out, _ = run("--explain", "cargo-target-missing")
    assert code == 0 and out.startswith("VW101 cargo-target-missing (error)")


def test_module_entry_point_and_version() -> None:
    proc = subprocess.run([sys.executable, "-m", "viworks_lint", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and __version__ in proc.stdout


def test_colour_only_when_asked_for_a_terminal(tmp_path: Path) -> None:
    # CliRunner's stdout is not a TTY: never colour, and NO_COLOR / --no-color are accepted
    assert "\x1b[" not in run(str(BROKEN), env={"NO_COLOR": "1"})[1]
    assert "\x1b[" not in run("--no-color", str(BROKEN))[1]


# ---------------------------------------------------------------- config


def _project(root: Path, config: str | None = None, cargo_meta: str | None = None) -> Path:
    files = {
        "Dockerfile": "FROM debian:bookworm-slim\nCOPY missing.txt /\nCMD [\"/app\"]\n",
        "tools/Dockerfile": "FROM debian:bookworm-slim\nCMD [\"/tool\"]\n",
    }
    if config is not None:
        files[".viworks-lint.toml"] = config
    if cargo_meta is not None:
        files["Cargo.toml"] = '[package]\nname = "x"\nversion = "0.1.0"\nedition = "2021"\n\n' + cargo_meta
        files["src/main.rs"] = "fn main() {}\n"
    return write(root, files)


def test_config_select_ignore_levels_per_file(tmp_path: Path) -> None:
    root = _project(tmp_path, 'ignore = ["VW402"]\n[levels]\nVW401 = "note"\nVW102 = "off"\n'
                              '[per-file-ignores]\n"tools/**" = ["VW401"]\n')
    code, out, _ = run("--format", "json", str(root))
    found = [(f["rule"], f["path"], f["level"]) for f in json.loads(out)["findings"]]
    assert found == [("VW401", "Dockerfile", "note")]
    assert code == 0  # notes do not fail the run


def test_config_in_cargo_metadata(tmp_path: Path) -> None:
    root = _project(tmp_path, cargo_meta='[package.metadata.viworks-lint]\nselect = ["VW102"]\n')
    _, out, _ = run("--format", "json", str(root))
    assert {f["rule"] for f in json.loads(out)["findings"]} == {"VW102"}


@pytest.mark.parametrize(("config", "needle"), [
    ("selekt = [\"VW1\"]\n", "selekt"),
    ("[levels]\nVW401 = \"fatal\"\n", "levels.VW401"),
    ("ignore = \"VW1\"\n", "ignore"),
    ("select = [\n", "invalid TOML"),
    ("selct = [\"VW1\"]\n", "did you mean `select`"),
    ("[levels]\nVW999 = \"error\"\n", "unknown rule 'VW999'"),
    ("[per-file-ignores]\n\"a/**\" = [\"no-such-rule\"]\n", "no-such-rule"),
    ("ignore = [\"bogus\"]\n", "`ignore`: unknown rule 'bogus'"),
    ("env-files = [\"missing.env\"]\n", "`env-files`: missing.env does not exist"),
    ("compose-files = [\"missing.yaml\"]\n", "`compose-files`: missing.yaml does not exist"),
])
def test_bad_config_exits_2_naming_the_key(tmp_path: Path, config: str, needle: str) -> None:
    root = _project(tmp_path, config)
    code, _, err = run(str(root))
    assert code == 2 and needle in err and "Traceback" not in err


# ---------------------------------------------------------------- suppressions


def test_suppressions_line_above_same_line_file_and_names(tmp_path: Path) -> None:
    write(tmp_path, {
        "a/Dockerfile": "# viworks-lint: ignore=VW401 -- drops privileges in the entrypoint\n"
                        "FROM debian:bookworm-slim\n# viworks-lint: ignore=copy-source-missing\nCOPY gone.txt /\n"
                        "CMD [\"/app\"]\n",
        "b/Dockerfile": "# viworks-lint: ignore-file=VW401,VW402\nFROM debian:bookworm-slim\nCMD [\"/app\"]\n",
        "c/Dockerfile": "FROM debian:bookworm-slim\nCMD [\"/app\"]\n",
    })
    assert where(lint(tmp_path, ["VW102", "VW401", "VW402"]), tmp_path) == [
        ("VW401", "c/Dockerfile", 1), ("VW402", "a/Dockerfile", 5), ("VW402", "c/Dockerfile", 2)]


def test_rust_suppression_and_unused_report(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    import shutil

    shutil.copytree(BROKEN, root)
    cfg = root / "backend/src/config.rs"
    cfg.write_text(cfg.read_text().replace(
        '            jwt_refresh_secret:', '            // viworks-lint: ignore=VW201 -- injected by the platform\n'
        '            jwt_refresh_secret:'))
    compose = root / "compose.yaml"
    compose.write_text(compose.read_text().replace("\n  redis:\n", "\n  # viworks-lint: ignore=VW999\n  redis:\n", 1))
    assert lint(root, ["VW201"]) == []
    unused = [(f.rule_id, f.message) for f in lint(root, ["VW201", "VW003"], report_unused=True)]
    assert unused == [("VW003", "suppression names unknown rule 'VW999'")]
    code, out, _ = run("--report-unused-suppressions", "--select", "VW003,VW201", str(root))
    assert "VW999" in out


# ---------------------------------------------------------------- what is linted and reported


def _demo_copy(tmp_path: Path) -> Path:
    import shutil

    root = tmp_path / "demo"
    shutil.copytree(BROKEN, root)
    (root / ".git").mkdir()  # a project root marker, as in a real checkout
    return root


def test_single_file_argument_lints_its_project_and_reports_on_that_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _demo_copy(tmp_path)
    monkeypatch.chdir(root)
    _, out, _ = run("--format", "json", "infrastructure/docker/Dockerfile.backend")
    found = [(f["rule"], f["path"], f["line"]) for f in json.loads(out)["findings"]]
    # the context comes from compose.yaml even though only the Dockerfile was named
    assert ("VW102", "infrastructure/docker/Dockerfile.backend", 10) in found
    assert {p for _, p, _ in found} == {"infrastructure/docker/Dockerfile.backend"}
    assert sum(1 for r, _, _ in found if r == "VW102") == 1
    _, out, _ = run("--format", "json", "backend/src/config.rs")
    assert [(f["rule"], f["line"]) for f in json.loads(out)["findings"]] == [("VW201", 17)]


def test_running_in_a_subdirectory_lints_the_project_and_reports_below_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _demo_copy(tmp_path)
    monkeypatch.chdir(root / "backend")
    _, out, _ = run("--format", "json")
    found = sorted((f["rule"], f["path"]) for f in json.loads(out)["findings"])
    # paths relative to the project root, so CI annotations land on the right file
    assert found == [("VW101", "backend/Cargo.toml"), ("VW201", "backend/src/config.rs")]
    assert run("--format", "json", ".")[1] == out  # `.` is the same run as no argument
    assert run("--format", "json", str(root / "backend"))[1] == out


def test_compose_file_option_replaces_discovery(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  a:\n    image: a:1\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n",
        "deploy/prod.yaml": "services:\n  b:\n    image: b:1\n",
    })
    _, out, _ = run("--format", "json", "--select", "VW301", "-f", str(tmp_path / "deploy/prod.yaml"), str(tmp_path))
    assert json.loads(out)["findings"] == []
