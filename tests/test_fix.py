"""--fix / --unsafe-fixes / --diff on a seed-like project with comments in every file: golden diffs,
comments and untouched bytes kept, findings gone after the fix, a second run changes nothing, and the
guards (suppressions, symlinks, files outside the root or changed since they were linted)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from viworks_lint.cli import cli
from viworks_lint.fix import plan_fixes
from viworks_lint.fixes import ReplaceText, safe_fix

from tests.helpers import FIXTURES, lint, where

GOLDEN = Path(__file__).parent / "golden" / "fix"
COMMENTED = FIXTURES / "fix" / "commented"
SAFE = {"VW201:backend/src/config.rs:19", "VW301", "VW403"}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "orders"
    shutil.copytree(COMMENTED, root, symlinks=True)
    (root / ".git").mkdir()  # a project root, as a checkout has
    monkeypatch.chdir(root)
    return root


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--no-color", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def _comments(text: str) -> list[str]:
    """Every comment as written (whole-line comments and trailing ones)."""
    out = []
    for line in text.splitlines():
        m = re.search(r"(^|\s)(#|//).*$", line)
        if m:
            out.append(m.group(0).strip())
    return out


def _kept_everything(before: dict[str, bytes], after: dict[str, bytes]) -> None:
    """Every original line is still there, in order; only lines were added or rewritten in place."""
    import difflib

    for name, old in before.items():
        new = after[name]
        old_lines = old.decode().splitlines()
        new_lines = new.decode().splitlines()
        assert _comments(old.decode()) == [c for c in _comments(new.decode()) if c in _comments(old.decode())], name
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old_lines, new_lines).get_opcodes():
            assert tag != "delete", (name, old_lines[i1:i2])
            if tag == "replace":  # a line rewritten in place keeps its text around the change
                assert i2 - i1 == j2 - j1, (name, old_lines[i1:i2], new_lines[j1:j2])
                for a, b in zip(old_lines[i1:i2], new_lines[j1:j2], strict=False):
                    common = difflib.SequenceMatcher(None, a, b).get_matching_blocks()
                    assert sum(m.size for m in common) == len(a), (a, b)


def _ids(root: Path) -> set[str]:
    return {f"{r}:{p}:{n}" for r, p, n in where(lint(root), root)}


def test_diff_writes_nothing_and_shows_the_safe_fixes(project: Path) -> None:
    before = _snapshot(project)
    code, out, err = _run("--diff")
    assert code == 1
    assert _snapshot(project) == before
    _golden("commented.safe.diff", out)
    assert "Would fix 4 problems in 3 files; 4 more with --unsafe-fixes." in err


def test_diff_with_unsafe_fixes(project: Path) -> None:
    before = _snapshot(project)
    code, out, _err = _run("--diff", "--unsafe-fixes")
    assert code == 1 and _snapshot(project) == before
    _golden("commented.unsafe.diff", out)


def test_fix_applies_the_safe_fixes_and_keeps_every_comment(project: Path) -> None:
    before = _snapshot(project)
    _code, diff_out, _ = _run("--diff")
    code, out, _err = _run("--fix")
    after = _snapshot(project)
    assert "Fixed 5 problems in 3 files; 4 more with --unsafe-fixes." in out
    _kept_everything(before, after)
    remaining = {i.split(":")[0] for i in _ids(project)}
    assert remaining == {"VW201", "VW405", "VW302", "VW103"}  # only findings with unsafe fixes are left
    assert code == 1
    # --diff showed exactly what --fix wrote
    assert set(re.findall(r"^\+\+\+ b/(.*)$", diff_out, re.M)) == {n for n in before if before[n] != after[n]}
    assert os.access(project / "backend" / "docker-entrypoint.sh", os.X_OK)  # file mode kept


def test_fix_with_unsafe_fixes_removes_the_seed_findings_and_a_second_run_changes_nothing(project: Path) -> None:
    before = _snapshot(project)
    _code, out, _err = _run("--fix", "--unsafe-fixes")
    assert "Fixed 9 problems in 4 files." in out
    after = _snapshot(project)
    _kept_everything(before, after)
    left = _ids(project)
    for rule in ("VW301", "VW302", "VW402", "VW201", "VW405", "VW103", "VW403"):
        assert not any(i.startswith(rule) for i in left), left
    # the unsafe VW201 fix passes SMTP_HOST from the shell: VW202 now says .env lacks it
    assert {i.split(":")[0] for i in left} == {"VW202"}
    # nothing the linter reads turned invalid: no parse or schema error
    assert not any(i.startswith(("VW001", "VW002")) for i in left)
    _code2, out2, _ = _run("--fix", "--unsafe-fixes")
    assert _snapshot(project) == after
    assert "No fixes applied." in out2
    code3, diff3, _ = _run("--diff", "--unsafe-fixes")
    assert code3 == 0 and diff3 == ""


def test_fixed_compose_file_still_validates_against_the_compose_schema(project: Path) -> None:
    from viworks_lint.parsers.composeload import load_project

    _run("--fix", "--unsafe-fixes")
    loaded = load_project([project / "compose.yaml"], {"POSTGRES_PASSWORD": "x", "JWT_SECRET": "y"})
    assert loaded.project is not None
    assert [p.message for p in loaded.problems] == []
    api = loaded.project.services["api"]
    assert api.init is True and api.healthcheck is not None and api.healthcheck.start_period == "30s"


def test_suppressed_findings_are_not_fixed(project: Path) -> None:
    compose = project / "compose.yaml"
    text = compose.read_text()
    text = text.replace(
        "      # psql from the host during development\n",
        "      # psql from the host during development\n      # viworks-lint: ignore=VW405 -- developers' psql\n",
    )
    compose.write_text(text)
    _run("--fix", "--unsafe-fixes")
    assert '      - "5432:5432"\n' in compose.read_text()


def test_a_symlink_out_of_the_project_is_never_followed(project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "shared-compose.yaml"
    shutil.move(project / "compose.yaml", outside)
    (project / "compose.yaml").symlink_to(outside)
    before = outside.read_bytes()
    _code, _out, err = _run("--fix", "--unsafe-fixes")
    assert outside.read_bytes() == before
    assert (project / "compose.yaml").is_symlink()
    assert "symlink that leads out of the project root" in err


def test_files_outside_the_root_and_changed_files_are_refused(project: Path, tmp_path: Path) -> None:
    findings = lint(project)
    outside = tmp_path / "elsewhere.sh"
    outside.write_text("app\n")
    stray = next(f for f in findings if f.rule_id == "VW403")
    bogus = type(stray)(**{**stray.__dict__, "fix": safe_fix("x", ReplaceText(outside, 1, 1, "", "exec "))})
    plan = plan_fixes([bogus], project, unsafe=False)
    assert not plan.changes and "outside the project root" in plan.skipped[0][1]
    # a file edited after it was linted is left alone
    script = project / "backend" / "docker-entrypoint.sh"
    script.write_text(script.read_text() + "# edited meanwhile\n")
    plan = plan_fixes([stray], project, unsafe=False)
    assert not plan.changes and "changed after it was linted" in plan.skipped[0][1]


def test_fixes_of_several_rules_in_one_file_are_applied_together(project: Path) -> None:
    findings = [f for f in lint(project) if f.fix is not None]
    plan = plan_fixes(findings, project, unsafe=True)
    compose = project / "compose.yaml"
    rules_in_compose = {
        f.rule_id for f in plan.fixed if any(compose in e.paths for e in (f.fix.edits if f.fix else ()))
    }
    assert rules_in_compose == {"VW201", "VW301", "VW302", "VW405"}
    assert not plan.skipped
    after = plan.changes[compose].after
    assert "JWT_REFRESH_SECRET: ${JWT_REFRESH_SECRET}" in after and "SMTP_HOST: ${SMTP_HOST}" in after
    assert '"127.0.0.1:5432:5432"' in after and "/api/health" in after


def test_explain_and_docs_show_fix_safety() -> None:
    _, out, _ = _run("--explain", "VW301")
    assert "Fix safety (safe: applied by --fix)" in out
    _, out, _ = _run("--explain", "VW405")
    assert "Fix safety (unsafe: applied by --fix --unsafe-fixes)" in out
    _code, out, _ = _run("--explain", "VW101")
    assert "Fix safety (none)" in out
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert (
        "| [VW301](docs/rules.md#vw301-healthcheck-start-period-missing) | `healthcheck-start-period-missing` "
        "| warning | safe |" in readme
    )


def test_vw212_and_vw209_fixes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    root = tmp_path / "img"
    root.mkdir()
    (root / "entry.sh").write_text("#!/bin/sh\nexec /usr/local/bin/app\n")
    (root / "app").write_text("")
    (root / "Dockerfile").write_text(
        "FROM debian:bookworm-slim\n# the entrypoint\nCOPY entry.sh /entry.sh\nCOPY app /usr/local/bin/app\n"
        "ENTRYPOINT ['/entry.sh'] # viworks-lint: ignore=VW402\n"
    )
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "."], check=True)
    monkeypatch.chdir(root)
    _code, out, _ = _run("--no-cache", "--fix", "--select", "VW209,VW212")
    assert "Fixed 2 problems in 1 file." in out
    assert (root / "Dockerfile").read_text() == (
        "FROM debian:bookworm-slim\n# the entrypoint\nCOPY --chmod=755 entry.sh /entry.sh\nCOPY app /usr/local/bin/app\n"
        '# viworks-lint: ignore=VW402\nENTRYPOINT ["/entry.sh"]\n'
    )
    assert {i.split(":")[0] for i in _ids(root)} & {"VW209", "VW212"} == set()


def test_vw109_adds_the_locked_version_keeping_comments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "app"
    (root / "src").mkdir(parents=True)
    (root / ".git").mkdir()
    manifest = '# app\n[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n'
    manifest += 'env_logger = "0.11"  # logging\n'
    (root / "Cargo.toml").write_text(manifest)
    (root / "Cargo.lock").write_text(
        'version = 3\n\n[[package]]\nname = "app"\nversion = "0.1.0"\n\n[[package]]\nname = "env_logger"\n'
        'version = "0.11.5"\n\n[[package]]\nname = "log"\nversion = "0.4.22"\n'
    )
    (root / "src" / "main.rs").write_text('fn main() {\n    env_logger::init();\n    log::info!("hi");\n}\n')
    monkeypatch.chdir(root)
    _run("--no-cache", "--fix", "--select", "VW109")
    assert (root / "Cargo.toml").read_text() == manifest  # unsafe: not applied by --fix
    _run("--no-cache", "--fix", "--unsafe-fixes", "--select", "VW109")
    assert (root / "Cargo.toml").read_text() == manifest + 'log = "0.4.22"\n'
    assert not any(i.startswith("VW109") for i in _ids(root))
