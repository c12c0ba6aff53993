"""Adopting the linter on an existing project, end to end through the installed `viworks-lint`
command: baseline, fail level, subdirectories, nothing to lint, concise output, statistics, colour,
usage errors, monorepo subprojects."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import FIXTURES, write

BROKEN = FIXTURES / "demo" / "broken"
EXE = Path(sys.executable).with_name("viworks-lint")


def cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE")}
    return subprocess.run(
        [str(EXE), *args], cwd=cwd, capture_output=True, text=True, env={**base, **(env or {})}, timeout=120
    )


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    root = tmp_path / "demo"
    shutil.copytree(BROKEN, root)
    (root / ".git").mkdir()
    (root / ".viworks-lint.toml").unlink()
    return root


def _insert(path: Path, before: str, text: str) -> None:
    body = path.read_text()
    assert before in body
    path.write_text(body.replace(before, text + before, 1))


# ------------------------------------------------------------------------------------------- baseline


def test_baseline_keeps_moved_findings_and_reports_the_new_one(demo: Path) -> None:
    proc = cli("--write-baseline", "baseline.json", cwd=demo)
    assert proc.returncode == 0 and "wrote a baseline of 7 findings to baseline.json" in proc.stderr
    assert proc.stdout == ""
    entries = json.loads((demo / "baseline.json").read_text())["findings"]
    assert len(entries) == 7 and {"fingerprint", "rule", "path", "line", "message"} <= set(entries[0])

    # lines move in every file that has findings, and a new defect appears
    dockerfile = demo / "infrastructure/docker/Dockerfile.backend"
    _insert(dockerfile, "FROM rust:", "# builder\n\n")
    _insert(dockerfile, "COPY test_minimal.rs ./\n", "COPY migrations ./migrations\n")
    _insert(demo / "compose.yaml", "  backend:\n", "  # the API\n")
    _insert(demo / "backend/Cargo.toml", "[[bin]]\n", "# targets\n")
    _insert(demo / "backend/src/config.rs", "            jwt_refresh_secret:", "            // refresh\n")

    proc = cli("--format", "concise", "--baseline", "baseline.json", cwd=demo)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[:-1] == [
        "infrastructure/docker/Dockerfile.backend:12:6: VW102 COPY source `migrations` does not exist in the "
        "build context `backend`"
    ]
    assert lines[-1] == "Found 1 new problem (1 error) in 11 files; 7 baselined."

    # a fixed defect leaves a stale entry, counted so the baseline can be pruned
    cargo = demo / "backend/Cargo.toml"
    cargo.write_text(cargo.read_text().replace('[[bin]]\nname = "test-minimal"\npath = "test_minimal.rs"\n', ""))
    proc = cli("--format", "json", "--baseline", "baseline.json", cwd=demo)
    summary = json.loads(proc.stdout)["summary"]
    assert (summary["total"], summary["baselined"], summary["baseline_stale"]) == (1, 6, 1)
    text = cli("--baseline", "baseline.json", cwd=demo).stdout
    assert "6 baselined, 1 baseline entry no longer matches (prune with --write-baseline)." in text


def test_baseline_from_config_and_sarif_without_baselined_results(demo: Path) -> None:
    assert cli("--write-baseline", ".viworks-lint-baseline.json", cwd=demo).returncode == 0
    (demo / ".viworks-lint.toml").write_text('baseline = ".viworks-lint-baseline.json"\n')
    proc = cli("--format", "sarif", cwd=demo)
    assert proc.returncode == 0 and json.loads(proc.stdout)["runs"][0]["results"] == []
    # the command line wins over the config
    (demo / "empty.json").write_text('{"tool": "viworks-lint", "findings": []}\n')
    assert cli("--baseline", "empty.json", cwd=demo).returncode == 1


@pytest.mark.parametrize(("content", "needle"), [
    (None, "baseline file not found"),
    ("{", "invalid JSON"),
    ('{"findings": []}', "not a viworks-lint baseline"),
])
def test_bad_baseline_exits_2(demo: Path, content: str | None, needle: str) -> None:
    if content is not None:
        (demo / "b.json").write_text(content)
    proc = cli("--baseline", "b.json", cwd=demo)
    assert proc.returncode == 2 and proc.stderr.startswith("viworks-lint: error: ") and needle in proc.stderr


# ------------------------------------------------------------------------------------------- exit status


def test_fail_level(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  web:\n    image: example/web:1.0\n    healthcheck:\n"
                        "      test: [\"CMD\", \"true\"]\n      interval: 5s\n"
                        "  app:\n    image: busybox\n    depends_on:\n      web:\n        condition: service_healthy\n",
    })  # one warning (VW301)
    assert cli("--fail-level", "error", str(tmp_path)).returncode == 0
    assert cli("--fail-level", "warning", str(tmp_path)).returncode == 1
    assert cli(str(tmp_path)).returncode == 1  # warning is the default
    (tmp_path / ".viworks-lint.toml").write_text('[levels]\nVW301 = "note"\n')
    assert cli(str(tmp_path)).returncode == 0
    assert cli("--fail-level", "note", str(tmp_path)).returncode == 1
    proc = cli("--fail-level", "fatal", str(tmp_path))
    assert proc.returncode == 2 and proc.stderr.startswith("viworks-lint: error: ")


# ------------------------------------------------------------------------------------------- where it runs


def test_subdirectory_with_sarif_is_relative_to_the_project_root(demo: Path) -> None:
    outputs = [cli("--format", "sarif", *args, cwd=demo / "backend").stdout for args in ([], ["."])]
    assert outputs[0] == outputs[1]
    run = json.loads(outputs[0])["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == demo.as_uri() + "/"
    uris = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"])
    assert uris == ["backend/Cargo.toml", "backend/src/config.rs"]
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] for r in run["results"]} == {
        "%SRCROOT%"
    }
    github = cli("--format", "github", cwd=demo / "backend").stdout
    assert "file=backend/src/config.rs" in github


def test_nothing_to_lint_says_what_was_searched(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    for proc in (cli(str(empty)), cli(cwd=empty), cli("--format", "sarif", cwd=empty)):
        assert proc.returncode == 2 and proc.stdout == ""
        assert proc.stderr.startswith(
            f"viworks-lint: error: nothing to lint: no compose file, Dockerfile, Cargo.toml or .env file in {empty}"
        )
    write(tmp_path, {"p/.git/HEAD": "", "p/compose.yaml": "services: {}\n", "p/docs/readme.md": "x\n"})
    proc = cli(cwd=tmp_path / "p" / "docs")
    assert proc.returncode == 2 and f"in docs (project root {tmp_path / 'p'})" in proc.stderr


def test_output_into_a_missing_folder(demo: Path) -> None:
    proc = cli("--format", "sarif", "-o", "reports/ci/viworks.sarif", cwd=demo)
    assert proc.returncode == 1 and proc.stdout == ""
    assert json.loads((demo / "reports/ci/viworks.sarif").read_text())["runs"][0]["results"]


# ------------------------------------------------------------------------------------------- output


def test_statistics_text_and_json(demo: Path) -> None:
    proc = cli("--statistics", "--select", "VW4,VW1", cwd=demo)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        "1  VW101  cargo-target-missing  error",
        "1  VW102  copy-source-missing   error",
        "1  VW401  runs-as-root          warning",
        "1  VW402  no-init-process       note",  # actix-web stops on SIGTERM itself: only reaping is missing
        "Found 4 problems (2 errors, 1 warning, 1 note) in 10 files.",
    ]
    data = json.loads(cli("--statistics", "--format", "json", "--select", "VW401", cwd=demo).stdout)
    assert data == [{"rule": "VW401", "name": "runs-as-root", "level": "warning", "count": 1}]


def test_concise_is_one_line_per_finding(demo: Path) -> None:
    lines = cli("--format", "concise", cwd=demo).stdout.splitlines()
    assert len(lines) == 8 and lines[-1].startswith("Found 7 problems")
    assert all(line.count("\n") == 0 and line.split(": ")[0].count(":") == 2 for line in lines[:-1])


def test_colour_modes_and_environment(demo: Path) -> None:
    assert "\x1b[" not in cli(cwd=demo).stdout  # not a terminal
    assert "\x1b[" in cli("--color", "always", cwd=demo).stdout
    assert "\x1b[" in cli(cwd=demo, env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b[" in cli(cwd=demo, env={"CLICOLOR_FORCE": "1"}).stdout
    assert "\x1b[" not in cli(cwd=demo, env={"CLICOLOR_FORCE": "0"}).stdout
    assert "\x1b[" not in cli("--color", "never", cwd=demo, env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b[" not in cli("--no-color", cwd=demo, env={"FORCE_COLOR": "1"}).stdout
    assert "\x1b[" not in cli("--format", "json", "--color", "always", cwd=demo).stdout
    assert "\x1b[" in cli("--format", "concise", "--color", "always", cwd=demo).stdout


def test_list_rules_json() -> None:
    data = json.loads(cli("--list-rules", "--format", "json").stdout)
    assert data[0]["id"] == "VW001" and {"id", "name", "level", "summary", "tags", "help_uri"} <= set(data[0])
    assert len(data) == len({r["id"] for r in data})


# ------------------------------------------------------------------------------------------- usage errors


@pytest.mark.parametrize(("args", "needle"), [
    (["--select", "VW3O1"], "unknown rule selector 'VW3O1' (did you mean VW301?)"),
    (["--ignore", "runs-as-rot"], "unknown rule selector 'runs-as-rot' (did you mean runs-as-root?)"),
    (["--formt", "json"], "no such option '--formt'. Did you mean '--format'?"),
    (["--format", "xml"], "'xml' is not one of"),
    (["--explain", "healthcheck-start"], "unknown rule 'healthcheck-start'"),
    (["does/not/exist"], "does/not/exist: no such file or directory"),
])
def test_every_usage_error_in_one_style(demo: Path, args: list[str], needle: str) -> None:
    proc = cli(*args, cwd=demo)
    assert proc.returncode == 2 and proc.stdout == ""
    first = proc.stderr.splitlines()[0]
    assert first.startswith("viworks-lint: error: ") and needle in first
    assert "Usage:" not in proc.stderr and "Traceback" not in proc.stderr


def test_config_errors_in_the_same_style(demo: Path) -> None:
    (demo / ".viworks-lint.toml").write_text('ignore = ["runs-as-rot"]\n')
    proc = cli(cwd=demo)
    assert proc.returncode == 2 and proc.stderr.startswith("viworks-lint: error: config: ")
    assert "did you mean runs-as-root?" in proc.stderr


# ------------------------------------------------------------------------------------------- monorepos


def _service(name: str) -> dict[str, str]:
    return {
        f"{name}/compose.yaml": "services:\n  api:\n    build: .\n    user: \"1000\"\n    init: true\n",
        f"{name}/Dockerfile": "FROM debian:bookworm-slim\nCOPY missing.txt /\nCMD [\"/app\"]\n",
    }


def test_subproject_config_applies_also_from_the_repository_root(tmp_path: Path) -> None:
    write(tmp_path, {".git/HEAD": "", **_service("shop"), **_service("blog"),
                     "shop/.viworks-lint.toml": 'ignore = ["VW102"]\n',
                     ".viworks-lint.toml": 'select = ["VW102", "VW401"]\n'})
    for cwd, args in ((tmp_path, []), (tmp_path, ["."]), (tmp_path / "shop", [str(tmp_path)])):
        found = json.loads(cli("--format", "json", *args, cwd=cwd).stdout)["findings"]
        # shop's own config ignores VW102; blog follows the repository's config
        assert sorted((f["rule"], f["path"]) for f in found) == [("VW102", "blog/Dockerfile")]
    # run inside the subproject: its root, its config
    proc = cli("--format", "json", "--select", "VW4,VW1", cwd=tmp_path / "shop")
    assert json.loads(proc.stdout)["findings"] == [] and proc.returncode == 0


# ------------------------------------------------------------------------------------------- code scanning


def test_sarif_for_github_code_scanning(demo: Path) -> None:
    import re

    run = json.loads(cli("--format", "sarif", cwd=demo).stdout)["runs"][0]
    assert run["automationDetails"]["id"] == "viworks-lint/"
    for result in run["results"]:
        linked = [int(n) for n in re.findall(r"\]\((\d+)\)", result["message"]["text"])]
        assert linked == [r["id"] for r in result.get("relatedLocations", [])]
        assert re.fullmatch(r"[0-9a-f]{16}:\d+", result["partialFingerprints"]["primaryLocationLineHash"])
    vw302 = next(r for r in run["results"] if r["ruleId"] == "VW302")
    assert vw302["message"]["text"].endswith(
        "did you mean `/api/health`? Related: [service `backend`](1), [route `/api/health` is defined here](2)."
    )
    severity = {r["id"]: r["properties"].get("security-severity") for r in run["tool"]["driver"]["rules"]}
    assert float(severity["VW404"]) >= 7.0  # a committed secret is high
    assert all(float(severity[r]) < 7.0 for r in ("VW401", "VW405"))
    assert severity["VW101"] is None  # not a security rule

    # the line hash follows the finding when lines move
    before = {r["ruleId"]: r["partialFingerprints"]["primaryLocationLineHash"] for r in run["results"]}
    _insert(demo / "compose.yaml", "  backend:\n", "  # the API\n\n")
    moved = json.loads(cli("--format", "sarif", cwd=demo).stdout)["runs"][0]["results"]
    assert {r["ruleId"]: r["partialFingerprints"]["primaryLocationLineHash"] for r in moved} == before


def test_the_demo_sarif_passes_the_multitool(demo: Path, tmp_path: Path) -> None:
    from tests.sarif_validator import find_multitool, validate

    if find_multitool() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the SARIF multitool is not installed (npm install @microsoft/sarif-multitool)")
        pytest.skip("the SARIF multitool is not installed")
    out = tmp_path / "out" / "demo.sarif"
    assert cli("--format", "sarif", "-o", str(out), cwd=demo / "backend").returncode == 1
    assert validate(out) == []
