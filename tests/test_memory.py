"""Bounded memory in the Rust reader: trees leave memory past a budget and are parsed again on demand,
and what is extracted does not change (the budget is a memory bound, never a behaviour)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from viworks_lint.rust import parsing
from viworks_lint.rust.extract import analyze_crate

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from synth_files import generate_crate  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures" / "rust"


def _facts(crate: Path) -> object:
    parsing.clear_cache()
    return analyze_crate(crate, [crate / "src" / "main.rs"])


@pytest.mark.parametrize("crate", sorted(p for p in FIXTURES.iterdir() if (p / "src" / "main.rs").is_file()))
def test_fixture_crates_read_the_same_with_every_tree_evicted(crate: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = _facts(crate)
    monkeypatch.setattr(parsing, "TREE_BUDGET_BYTES", 1)  # every other tree leaves memory at once
    assert _facts(crate) == whole


def test_a_crate_larger_than_the_budget_keeps_only_the_budget_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate_crate(tmp_path, 60)
    crate = tmp_path / "backend"
    whole = _facts(crate)
    budget = 20_000
    monkeypatch.setattr(parsing, "TREE_BUDGET_BYTES", budget)
    bounded = _facts(crate)
    assert bounded == whole
    assert len(whole.routes) == 2 * 58 + 1 and whole.routes_resolved  # type: ignore[attr-defined]
    kept = [pf for pf in parsing._TREES._order.values() if pf._tree is not None]
    assert sum(len(pf.src) for pf in kept) <= budget + max(len(pf.src) for pf in kept)
    evicted = [pf for pf in parsing._CACHE.values() if pf._evicted]
    assert evicted, "a 60-file crate is over a 20 KB budget: some trees must have left memory"
