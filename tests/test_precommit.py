"""The pre-commit hook, exercised with the real ``pre-commit try-repo``.

``try-repo`` clones this repository, installs the package into a fresh virtualenv (``pip install .``,
about a minute the first time) and runs the ``viworks-lint`` hook from ``.pre-commit-hooks.yaml``
inside a throwaway git repository. The hook is pinned to this checkout's HEAD commit (``--ref``): that
is exactly what a user pinning ``rev:`` gets, it is what a fresh clone in CI holds, and both runs
share one installed environment. Uncommitted edits are therefore not part of this test.

The environment lives under ``tmp_path`` (``PRE_COMMIT_HOME``), so no user cache is read or written.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from ruamel.yaml import YAML

REPO_ROOT = Path(__file__).resolve().parents[1]
HOOKS_FILE = REPO_ROOT / ".pre-commit-hooks.yaml"
IN_CI = os.environ.get("CI") == "true"
INSTALL_TIMEOUT = 900  # seconds; try-repo builds a virtualenv and pip-installs every dependency


def _unavailable(reason: str) -> None:
    """Skip locally; in CI a missing tool is a failure, not a skip."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the pre-commit hook test must run)")
    pytest.skip(reason)


def _pre_commit_cmd() -> list[str] | None:
    if importlib.util.find_spec("pre_commit") is not None:
        return [sys.executable, "-m", "pre_commit"]
    exe = shutil.which("pre-commit")
    return [exe] if exe else None


def _clean_env(tmp_path: Path) -> dict[str, str]:
    # A test run from inside a git hook inherits GIT_DIR, GIT_INDEX_FILE and friends; they would point
    # every git command below at the wrong repository.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "PRE_COMMIT"}
    env.update(
        PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),
        PRE_COMMIT_COLOR="never",
        NO_COLOR="1",
        GIT_AUTHOR_NAME="Hook Test",
        GIT_AUTHOR_EMAIL="hook-test@example.invalid",
        GIT_COMMITTER_NAME="Hook Test",
        GIT_COMMITTER_EMAIL="hook-test@example.invalid",
    )
    env.pop("VIRTUAL_ENV", None)
    return env


def _git(cwd: Path, env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"git {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout.strip()


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def _make_project(root: Path) -> None:
    """A one-service compose project with two defects: a Dockerfile COPY of a directory that does not
    exist in the build context (VW102) and a ``[[bin]]`` whose path is missing (VW101)."""
    _write(
        root,
        "compose.yaml",
        """
        services:
          api:
            build: ./api
            init: true
        """,
    )
    _write(
        root,
        "api/Dockerfile",
        """
        FROM rust:1.80 AS builder
        WORKDIR /src
        COPY Cargo.toml ./
        COPY src ./src
        COPY migrations ./migrations
        RUN cargo build --release

        FROM debian:bookworm-slim
        COPY --from=builder /src/target/release/api /usr/local/bin/api
        USER 10001
        CMD ["api"]
        """,
    )
    _write(
        root,
        "api/Cargo.toml",
        """
        [package]
        name = "api"
        version = "0.1.0"
        edition = "2021"

        [[bin]]
        name = "api"
        path = "src/bin/server.rs"
        """,
    )
    _write(root, "api/src/main.rs", "fn main() {}\n")
    # Only the two rules this test is about, so rules added later cannot change its outcome.
    _write(root, ".viworks-lint.toml", 'select = ["VW101", "VW102"]\n')
    _write(root, "README.md", "not linted\n")


# ----------------------------------------------------------------------------------------- manifest


def _hook() -> dict[str, object]:
    hooks = YAML(typ="safe", pure=True).load(HOOKS_FILE.read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    matching = [h for h in hooks if h.get("id") == "viworks-lint"]
    assert len(matching) == 1
    hook: dict[str, object] = matching[0]
    return hook


def test_manifest_fields() -> None:
    hook = _hook()
    assert hook["entry"] == "viworks-lint"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    assert hook["require_serial"] is True
    assert hook.get("name")
    assert hook.get("description")


@pytest.mark.parametrize(
    "path",
    [
        "compose.yaml",
        "compose.yml",
        "docker-compose.yml",
        "docker-compose.yaml",
        "compose.override.yaml",
        "deploy/docker-compose.override.yml",
        "deploy/docker-compose.prod.yml",
        "Dockerfile",
        "services/api/Dockerfile",
        "services/api/Dockerfile.prod",
        "api.Dockerfile",
        ".dockerignore",
        "services/api/Dockerfile.dockerignore",
        "api.Dockerfile.dockerignore",
        "Cargo.toml",
        "crates/core/Cargo.toml",
        "Cargo.lock",
        ".env",
        ".env.production",
        "deploy/.env.local",
        "src/main.rs",
        "crates/core/src/routes/health.rs",
        "nginx.conf",
        "deploy/nginx/default.conf",
        "nginx/conf.d/api.conf",
        ".viworks-lint.toml",
        "Containerfile",
        "deploy/Containerfile.prod",
        "docker/entrypoint.sh",
        "Makefile",
        "justfile",
        "package.json",
        "frontend/package.json",
        "Makefile.toml",
        "Dockerfile-release",
        "docker/Dockerfile_meta",
        ".github/workflows/deploy.yml",
        ".gitlab-ci.yml",
        ".gitattributes",
        ".gitignore",
    ],
)
def test_files_regex_triggers(path: str) -> None:
    assert re.search(str(_hook()["files"]), path), path


@pytest.mark.parametrize(
    "path",
    [
        "README.md",
        "docs/compose.md",
        "compose.json",
        "mycompose.yaml",
        "composer.yaml",
        "Cargo.toml.orig",
        "src/lib.py",
        "environment.yaml",
        "apache/httpd.conf",
        "pyproject.toml",
    ],
)
def test_files_regex_ignores(path: str) -> None:
    assert not re.search(str(_hook()["files"]), path), path


# ----------------------------------------------------------------------------------------- end to end


def test_try_repo_fails_then_passes(tmp_path: Path) -> None:
    pre_commit = _pre_commit_cmd()
    if pre_commit is None:
        _unavailable("pre-commit is not installed")
    if shutil.which("git") is None:
        _unavailable("git is not installed")
    assert pre_commit is not None
    env = _clean_env(tmp_path)
    head = subprocess.run(
        ["git", "rev-parse", "--verify", "HEAD"], cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
    if head.returncode != 0:
        _unavailable(f"{REPO_ROOT.name} is not a git checkout with a commit")
    ref = head.stdout.strip()
    committed = subprocess.run(
        ["git", "cat-file", "-e", f"{ref}:.pre-commit-hooks.yaml"], cwd=REPO_ROOT, env=env, capture_output=True
    )
    assert committed.returncode == 0, ".pre-commit-hooks.yaml must be committed for try-repo to see it"

    project = tmp_path / "project"
    project.mkdir()
    _git(project, env, "init", "-q")
    _git(project, env, "config", "user.name", "Hook Test")
    _git(project, env, "config", "user.email", "hook-test@example.invalid")
    _git(project, env, "config", "commit.gpgsign", "false")
    _make_project(project)
    _git(project, env, "add", ".")

    def try_repo() -> subprocess.CompletedProcess[str]:
        cmd = [*pre_commit, "try-repo", str(REPO_ROOT), "viworks-lint", "--ref", ref, "--all-files", "--verbose"]
        try:
            return subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True, timeout=INSTALL_TIMEOUT)
        except subprocess.TimeoutExpired as exc:  # pragma: no cover - reported, not expected
            pytest.fail(f"pre-commit try-repo did not finish within {INSTALL_TIMEOUT}s:\n{exc.stdout}\n{exc.stderr}")

    broken = try_repo()
    out = broken.stdout + broken.stderr
    assert "An unexpected error has occurred" not in out, out
    assert broken.returncode == 1, out
    assert "VW102" in out, out
    assert "api/Dockerfile:5:6" in out, out
    assert "VW101" in out, out
    assert "api/Cargo.toml:8:8" in out, out
    assert "Traceback" not in out, out

    _write(project, "api/migrations/0001_init.sql", "create table t (id int);\n")
    _write(project, "api/src/bin/server.rs", "fn main() {}\n")
    _git(project, env, "add", ".")
    _git(project, env, "commit", "-q", "-m", "fix the build")

    fixed = try_repo()
    out = fixed.stdout + fixed.stderr
    assert fixed.returncode == 0, out
    assert re.search(r"viworks-lint\.+Passed", out), out
    assert "No problems found" in out, out
