"""The file model of build stages: what each COPY/ADD/RUN puts at which image path."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import write
from viworks_lint.config import load_config
from viworks_lint.parsers.dockerfile import Instruction
from viworks_lint.project import Project
from viworks_lint.stagefiles import StageFiles, stage_files


def _model(root: Path, stage: int = -1) -> tuple[StageFiles, Project]:
    project = Project(root, load_config(root))
    build = project.builds[0]
    assert build.dockerfile is not None
    return stage_files(project, build, build.dockerfile.stages[stage]), project


def _run(files: StageFiles, n: int = 0) -> Instruction:
    return [i for i in files.stage.instructions if i.cmd == "RUN"][n]


def test_copies_workdir_wildcards_and_dockerignore(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Cargo.toml": "[workspace]\n",
            "Cargo.lock": "",
            "crates/api/Cargo.toml": "",
            "crates/api/src/main.rs": "",
            "crates/core/Cargo.toml": "",
            "templates/a.html": "",
            "notes.md": "",
            ".dockerignore": "templates\n*.md\n",
            "Dockerfile": "FROM rust:1.80\nWORKDIR /app\nCOPY Cargo.* ./\nCOPY crates crates\nCOPY . /src\n"
            "RUN cargo build\n",
        },
    )
    files, _ = _model(tmp_path)
    run = _run(files)
    assert files.workdir(run) == "/app"
    assert files.lookup("/app/Cargo.lock", run).present
    found = files.lookup("/app/crates/api/src/main.rs", run)
    assert found.present and found.host == tmp_path / "crates/api/src/main.rs"
    assert files.lookup("/app/crates/api", run).present
    assert files.lookup("/app/templates/a.html", run).absent
    dropped = files.lookup("/src/templates/a.html", run)
    assert dropped.absent and dropped.ignored_by is not None and dropped.ignored_by.text == "templates"
    assert files.lookup("/src/notes.md").absent
    assert files.lookup("/src/Cargo.toml").present
    assert files.image_dir_of(".") == "/src"  # the last COPY that tells wins
    assert files.image_dir_of("crates/core") == "/src/crates/core"


def test_per_dockerfile_ignore_wins(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "templates/a.html": "",
            ".dockerignore": "templates\n",
            "Dockerfile.dockerignore": "target\n",
            "Dockerfile": "FROM rust:1.80\nWORKDIR /app\nCOPY . .\n",
        },
    )
    files, _ = _model(tmp_path)
    assert files.lookup("/app/templates/a.html").present


def test_parents_and_copy_from_stage(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "crates/a/Cargo.toml": "",
            "crates/b/Cargo.toml": "",
            "crates/b/src/lib.rs": "",
            "Dockerfile": "FROM rust:1.80 AS planner\nWORKDIR /app\nCOPY --parents crates/*/Cargo.toml ./\n"
            "COPY crates/b/src /tmp/bsrc\n"
            "FROM rust:1.80\nWORKDIR /srv\nCOPY --from=planner /app /srv\nCOPY --from=planner /tmp/bsrc/lib.rs x/\n"
            "COPY --from=docker.io/tonistiigi/xx /usr/bin /usr/bin\n",
        },
    )
    files, _ = _model(tmp_path)
    planner, _ = _model(tmp_path, 0)
    assert planner.lookup("/app/crates/a/Cargo.toml").present
    assert planner.lookup("/app/crates/b/src/lib.rs").absent
    found = files.lookup("/srv/crates/b/Cargo.toml")
    assert found.present and found.host == tmp_path / "crates/b/Cargo.toml"
    assert files.lookup("/srv/x/lib.rs").host == tmp_path / "crates/b/src/lib.rs"
    assert files.lookup("/usr/bin/xx-cargo").state == "unknown"  # from an image
    assert files.image_dir_of(".") is None  # no COPY from the context in this stage


def test_run_outputs_are_unknown_never_absent(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Cargo.toml": "",
            "src/main.rs": "",
            "Dockerfile": "FROM rust:1.80\nWORKDIR /app\nRUN apt-get update && apt-get install -y libpq-dev\n"
            "COPY Cargo.toml .\nRUN mkdir src && echo 'fn main() {}' > src/main.rs\nRUN cargo build --release\n"
            "RUN ./gen.sh\nRUN --mount=type=bind,source=migrations,target=/app/migrations cargo build\n",
        },
    )
    files, _ = _model(tmp_path)
    first, dummy, build, script, mounted = (_run(files, i) for i in range(5))
    assert files.lookup("/app/src/lib.rs", dummy).absent
    assert files.lookup("/app/src/main.rs", dummy).state == "unknown"  # written by the RUN's own commands
    assert files.lookup("/app/src/main.rs", build).state == "unknown"
    assert files.lookup("/app/src/lib.rs", build).absent
    assert files.lookup("/app/Cargo.lock", script).state == "unknown"
    assert files.lookup("/app/anything", mounted).state == "unknown"
    assert files.lookup("/app/migrations/1.sql", mounted).state == "unknown"
    assert files.host_of("/app/Cargo.toml") == tmp_path / "Cargo.toml"  # RUN outputs aside
    assert first is not None


def test_cargo_chef_cook_leaves_a_skeleton(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Cargo.toml": "",
            "src/main.rs": "",
            "Dockerfile": "FROM rust:1.80\nWORKDIR /app\nCOPY recipe.json .\n"
            "RUN cargo chef cook --release --recipe-path recipe.json\nRUN cargo build\n",
        },
    )
    files, _ = _model(tmp_path)
    build = _run(files, 1)
    assert files.lookup("/app/crates/x/Cargo.toml", build).state == "unknown"
    assert files.lookup("/app/src/main.rs", build).absent
