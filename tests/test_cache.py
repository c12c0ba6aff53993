"""The cache: same findings with and without it, stale entries never reused, nothing written into the
linted project, corrupt and foreign entries ignored, parallel extraction equal to serial."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import FIXTURES, write
from viworks_lint import cache, factcache
from viworks_lint.cli import cli
from viworks_lint.factcache import FactStore, Request

BROKEN = FIXTURES / "demo" / "broken"


@pytest.fixture(autouse=True)
def _no_process_cache() -> object:
    yield
    cache.configure(None)


def _json(*args: str) -> tuple[int, dict[str, object]]:
    result = CliRunner().invoke(cli, ["--format", "json", *args], catch_exceptions=False)
    return result.exit_code, json.loads(result.stdout)


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*")}


def _fixture_projects() -> list[Path]:
    roots = [BROKEN, FIXTURES / "demo" / "fixed"]
    roots += sorted(p for p in (FIXTURES / "rules").glob("*/*") if p.is_dir())
    return roots


@pytest.mark.parametrize("project", _fixture_projects(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_same_findings_cold_warm_and_without_cache(project: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    before = _tree(project)
    plain = _json("--no-cache", str(project))
    cold = _json("--cache-dir", str(cache_dir), str(project))
    warm = _json("--cache-dir", str(cache_dir), str(project))
    assert plain == cold == warm
    assert any((cache_dir / "run").rglob("*.json"))
    assert _tree(project) == before  # nothing written into the project


def test_a_changed_or_created_file_makes_the_entry_stale(tmp_path: Path) -> None:
    project = tmp_path / "demo"
    shutil.copytree(BROKEN, project)
    cache_dir = tmp_path / "cache"
    _, first = _json("--cache-dir", str(cache_dir), str(project))
    rules = [f["rule"] for f in first["findings"]]  # type: ignore[index]
    assert "VW101" in rules
    # VW101: a [[bin]] whose source file is missing; creating that file must end the finding
    vw101 = next(f for f in first["findings"] if f["rule"] == "VW101")  # type: ignore[union-attr,index]
    manifest = (project / vw101["path"]).read_text("utf-8")  # type: ignore[index]
    missing = manifest.splitlines()[vw101["line"] - 1].split('"')[1]  # type: ignore[index]
    write(project / "backend", {missing: "fn main() {}\n"})
    _, second = _json("--cache-dir", str(cache_dir), str(project))
    assert "VW101" not in [f["rule"] for f in second["findings"]]  # type: ignore[index]
    assert second == _json("--no-cache", str(project))[1]
    # an edit to a file that was read: a healthcheck start period added
    compose = project / "compose.yaml"
    text = compose.read_text("utf-8")
    compose.write_text(text.replace("retries:", "start_period: 30s\n      retries:", 1), "utf-8")
    assert _json("--cache-dir", str(cache_dir), str(project)) == _json("--no-cache", str(project))


def test_corrupt_and_foreign_entries_are_ignored_and_rewritten(tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    expected = _json("--no-cache", str(BROKEN))
    _json("--cache-dir", str(cache_dir), str(BROKEN))
    entries = sorted(cache_dir.rglob("*.json"))
    assert entries
    for i, entry in enumerate(entries):
        if i % 3 == 0:
            entry.write_bytes(b"\x00garbage{")
        elif i % 3 == 1:
            entry.write_text(json.dumps({"format": 999, "value": 1}), "utf-8")
        else:  # right shape, but a class from outside the package
            data = json.loads(entry.read_text("utf-8"))
            data["value"] = {"$d": "os:system", "f": {}}
            entry.write_text(json.dumps(data), "utf-8")
    assert _json("--cache-dir", str(cache_dir), str(BROKEN)) == expected
    assert _json("--cache-dir", str(cache_dir), str(BROKEN)) == expected
    assert all(p.read_bytes()[:1] == b"{" for p in cache_dir.rglob("*.json"))


def test_no_cache_writes_nothing(tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    _json("--cache-dir", str(cache_dir), "--no-cache", str(BROKEN))
    assert not cache_dir.exists()


def test_default_cache_directory_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cache.ENV_DIR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.default_dir() == tmp_path / "xdg" / "viworks-lint"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # not absolute: ignored, as the spec says
    assert cache.default_dir() == Path.home() / ".cache" / "viworks-lint"
    monkeypatch.setenv(cache.ENV_DIR, str(tmp_path / "own"))
    assert cache.default_dir() == tmp_path / "own"


def test_no_home_directory_means_no_cache_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cache.ENV_DIR, raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert cache.default_dir() is None


def _crates(root: Path, n: int) -> list[Request]:
    reqs = []
    for i in range(n):
        crate = root / f"c{i}"
        write(
            crate,
            {
                "Cargo.toml": f'[package]\nname = "c{i}"\nversion = "0.1.0"\nedition = "2021"\n',
                "src/main.rs": "mod api;\n#[tokio::main]\nasync fn main() {\n"
                f'    let _db = std::env::var("DB_{i}").expect("db");\n'
                '    let app = axum::Router::new().nest("/api", api::routes());\n'
                '    let l = tokio::net::TcpListener::bind("0.0.0.0:8080").await.unwrap();\n'
                "    axum::serve(l, app).await.unwrap();\n}\n",
                "src/api.rs": "pub fn routes() -> axum::Router {\n"
                f'    axum::Router::new().route("/items{i}", axum::routing::get(|| async {{ "x" }}))\n}}\n',
            },
        )
        reqs.append(Request(crate, (crate / "src" / "main.rs",), None))
    return reqs


def test_parallel_extraction_equals_serial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reqs = _crates(tmp_path, 4)
    serial = FactStore()
    serial.prefetch(reqs)
    monkeypatch.setattr(factcache, "PARALLEL_MIN_BYTES", 0)
    called: list[int] = []
    real = factcache._extract_many

    def spy(todo: list[Request]) -> object:
        called.append(len(todo))
        return real(todo)

    monkeypatch.setattr(factcache, "_extract_many", spy)
    parallel = FactStore()
    parallel.prefetch(reqs)
    assert called == [4]
    for req in reqs:
        assert parallel.get(req) == serial.get(req)
        assert parallel.get(req).routes and parallel.get(req).env_reads


def test_facts_come_back_from_the_cache_until_a_file_changes(tmp_path: Path) -> None:
    (req,) = _crates(tmp_path / "src", 1)
    cache.configure(tmp_path / "cache")
    first = FactStore()
    facts = first.get(req)
    assert any(r.path == "/api/items0" for r in facts.routes)
    again = FactStore()
    again.prefetch([req])
    assert again.get(req) == facts
    api = req.crate_dir / "src" / "api.rs"
    api.write_text(api.read_text("utf-8").replace("/items0", "/things"), "utf-8")
    changed = FactStore().get(req)
    assert any(r.path == "/api/things" for r in changed.routes)


def test_a_replayed_run_writes_the_same_report_and_exits_the_same(tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    project = tmp_path / "demo"
    shutil.copytree(BROKEN, project)
    out = tmp_path / "reports" / "demo.sarif"
    args = ["--cache-dir", str(cache_dir), "--format", "sarif", "-o", str(out), str(project)]
    first = CliRunner().invoke(cli, args, catch_exceptions=False)
    report = out.read_text("utf-8")
    out.unlink()
    again = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert any((cache_dir / "replay").rglob("*.json"))
    assert (again.exit_code, again.stdout, again.stderr) == (first.exit_code, first.stdout, first.stderr)
    assert again.exit_code == 1 and out.read_text("utf-8") == report
    # text output with its summary line, replayed byte for byte; and gone stale once a file changes
    text_args = ["--cache-dir", str(cache_dir), str(project)]
    one, two = (CliRunner().invoke(cli, text_args, catch_exceptions=False) for _ in range(2))
    assert one.stdout == two.stdout and "problems" in two.stdout
    (project / "compose.yaml").write_text("services: {}\n", "utf-8")
    three = CliRunner().invoke(cli, text_args, catch_exceptions=False)
    assert three.stdout != two.stdout


def test_runs_that_write_files_are_never_replayed(tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    baseline = tmp_path / "baseline.json"
    args = ["--cache-dir", str(cache_dir), "--write-baseline", str(baseline), str(BROKEN)]
    CliRunner().invoke(cli, args, catch_exceptions=False)
    assert baseline.is_file()
    baseline.unlink()
    CliRunner().invoke(cli, args, catch_exceptions=False)
    assert baseline.is_file()
    assert not (cache_dir / "replay").exists()


def test_rust_is_read_only_when_a_selected_rule_asks_for_it() -> None:
    from viworks_lint.code import analyzed_files
    from viworks_lint.config import load_config
    from viworks_lint.engine import Engine, select_rules
    from viworks_lint.project import Project
    from viworks_lint.rule import all_rules

    def files_read(select: list[str]) -> set[str]:
        project = Project(BROKEN, load_config(BROKEN))
        Engine(project, select_rules(all_rules(), select, [])).run()
        return analyzed_files(project)

    assert files_read(["VW301"]) == set()  # a compose-only rule: no crate is parsed
    assert any(f.endswith("main.rs") for f in files_read(["VW201"]))
