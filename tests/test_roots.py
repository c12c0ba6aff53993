"""Project root discovery and what is reported: the same for every form of the command."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import write
from viworks_lint.roots import Scope, find_project_root, resolve_scope


def test_strong_markers_win_nearest_first(tmp_path: Path) -> None:
    write(tmp_path, {".git/HEAD": "ref\n", "svc/.viworks-lint.toml": "", "svc/app/src/main.rs": ""})
    assert find_project_root(tmp_path / "svc" / "app" / "src") == tmp_path / "svc"
    assert find_project_root(tmp_path / "other") == tmp_path
    (tmp_path / "worktree").mkdir()
    (tmp_path / "worktree" / ".git").write_text("gitdir: elsewhere\n")  # a worktree's .git is a file
    assert find_project_root(tmp_path / "worktree") == tmp_path / "worktree"


def test_compose_above_a_cargo_workspace_is_the_root(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services: {}\n",
        "backend/Cargo.toml": "[workspace]\nmembers = [\"api\"]\n",
        "backend/api/src/main.rs": "",
    })
    assert find_project_root(tmp_path / "backend" / "api" / "src") == tmp_path


def test_cargo_workspace_above_a_compose_folder_is_the_root(tmp_path: Path) -> None:
    write(tmp_path, {"Cargo.toml": "[workspace]\nmembers = []\n", "deploy/compose.yaml": "services: {}\n"})
    assert find_project_root(tmp_path / "deploy") == tmp_path


def test_without_compose_or_workspace_a_dockerfile_or_manifest_marks_the_root(tmp_path: Path) -> None:
    write(tmp_path, {"app/Cargo.toml": "[package]\nname = \"a\"\n", "app/src/main.rs": ""})
    assert find_project_root(tmp_path / "app" / "src") == tmp_path / "app"
    write(tmp_path, {"app/Dockerfile": "FROM rust:1.83\n", "app/api/Cargo.toml": "[package]\nname = \"a\"\n"})
    assert find_project_root(tmp_path / "app" / "api") == tmp_path / "app"
    write(tmp_path, {"compose.yaml": "services: {}\n"})
    assert find_project_root(tmp_path / "app" / "api") == tmp_path  # a compose file outranks them
    (tmp_path / "empty").mkdir()
    assert find_project_root(tmp_path / "empty") == tmp_path


def test_every_form_finds_the_same_root(tmp_path: Path) -> None:
    write(tmp_path, {".viworks-lint.toml": "", "compose.yaml": "services: {}\n", "backend/Dockerfile": "FROM x\n"})
    sub = tmp_path / "backend"
    assert resolve_scope([], cwd=sub) == Scope(tmp_path, only=(sub,))
    assert resolve_scope([sub]) == Scope(tmp_path, only=(sub,))
    assert resolve_scope([sub / "Dockerfile"]) == Scope(tmp_path, only=(sub / "Dockerfile",))
    assert resolve_scope([tmp_path]) == Scope(tmp_path)
    assert resolve_scope([], cwd=tmp_path) == Scope(tmp_path)


def test_dot_from_a_subdirectory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {".git/HEAD": "", "backend/Dockerfile": "FROM x\n"})
    monkeypatch.chdir(tmp_path / "backend")
    assert resolve_scope([Path(".")]) == resolve_scope([]) == Scope(tmp_path, only=(tmp_path / "backend",))


def test_scope_wants_and_describes(tmp_path: Path) -> None:
    scope = Scope(tmp_path, only=(tmp_path / "a",))
    assert scope.wants(tmp_path / "a" / "Dockerfile") and not scope.wants(tmp_path / "ab" / "Dockerfile")
    assert scope.describe() == f"a (project root {tmp_path})"
    assert Scope(tmp_path).describe() == str(tmp_path)


def test_paths_in_different_projects_are_a_usage_error_not_a_walk_of_their_common_folder(tmp_path: Path) -> None:
    from viworks_lint.usage import UsageFailure

    for name in ("one", "two"):
        write(tmp_path / name, {".git/HEAD": "ref: refs/heads/main\n", "compose.yaml": "services: {}\n"})
    with pytest.raises(UsageFailure) as err:
        resolve_scope([tmp_path / "one", tmp_path / "two"])
    assert "different projects" in err.value.message
    assert resolve_scope([tmp_path / "one", tmp_path / "one"]) == Scope(tmp_path / "one")
