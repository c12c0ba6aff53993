"""The per-format fixers on their own: compose keys through ruamel.yaml positions, Cargo dependencies
through tomlkit, text splices; each keeps every byte it does not change."""

from __future__ import annotations

from pathlib import Path

import pytest
from viworks_lint.fix.text import FixError, Splice, apply_splices, overlaps
from viworks_lint.fix.tomldeps import add_dependencies
from viworks_lint.fix.yamlkeys import set_keys
from viworks_lint.fixes import AddDependency, SetKey

F = (Path("/p/compose.yaml"),)


def _set(text: str, *edits: tuple[tuple[str, ...], str | int | bool]) -> str:
    out, _ = set_keys(text, [SetKey(F, keys, value) for keys, value in edits])
    return out


def test_list_form_environment_gets_an_item_in_the_same_style() -> None:
    text = (
        "services:\n  api:\n    environment:\n    - A=1   # first\n    - 'B=2'\n    # C is optional\n"
        "  db:\n    image: x\n"
    )
    out = _set(text, (("services", "api", "environment", "TOKEN"), "${TOKEN}"))
    assert out == text.replace("    - 'B=2'\n", "    - 'B=2'\n    - TOKEN=${TOKEN}\n")


def test_missing_mappings_are_created_with_the_files_indentation() -> None:
    text = "services:\n    api:\n        image: x   # pinned\n\n    db:\n        image: y\n"
    out = _set(
        text,
        (("services", "api", "environment", "A"), "${A}"),
        (("services", "api", "environment", "B"), "${B}"),
        (("services", "api", "init"), True),
    )
    assert out == (
        "services:\n    api:\n        image: x   # pinned\n        environment:\n            A: ${A}\n"
        "            B: ${B}\n        init: true\n\n    db:\n        image: y\n"
    )


def test_existing_values_keep_their_quoting() -> None:
    text = "services:\n  api:\n    init: false  # see #12\n    restart: 'no'\n"
    out = _set(text, (("services", "api", "init"), True), (("services", "api", "restart"), "always"))
    assert out == "services:\n  api:\n    init: true  # see #12\n    restart: 'always'\n"


def test_crlf_and_missing_final_newline_are_kept() -> None:
    text = "services:\r\n  api:\r\n    image: x"
    out = _set(text, (("services", "api", "init"), True))
    assert out == "services:\r\n  api:\r\n    image: x\r\n    init: true\r\n"


def test_compact_sequences_and_anchors() -> None:
    text = (
        "x-hc: &hc\n  interval: 5s\nservices:\n  api:\n    healthcheck:\n      <<: *hc\n      test: [CMD, true]\n"
        "    ports:\n    - 80:80\n    # trailing note\n"
    )
    out = _set(text, (("services", "api", "healthcheck", "start_period"), "30s"), (("services", "api", "init"), True))
    expected = text.replace("      test: [CMD, true]\n", "      test: [CMD, true]\n      start_period: 30s\n")
    assert out == expected.replace("    - 80:80\n", "    - 80:80\n    init: true\n")


def test_flow_mappings_and_block_scalars_are_refused() -> None:
    with pytest.raises(FixError):
        _set("services:\n  api: {image: x}\n", (("services", "api", "init"), True))
    with pytest.raises(FixError):
        _set("services:\n  api:\n    command: |\n      run\n", (("services", "api", "command"), "x"))


def test_tomlkit_adds_dependencies_keeping_comments() -> None:
    text = '# app\n[package]\nname = "a"  # the name\n\n[dependencies]\nserde = "1"   # derive\n\n[dev-dependencies]\n'
    out = add_dependencies(
        text,
        [
            AddDependency(Path("Cargo.toml"), "dependencies", "log", "0.4.22"),
            AddDependency(Path("Cargo.toml"), "build-dependencies", "cc", "1.1.0"),
            AddDependency(Path("Cargo.toml"), "target.'cfg(unix)'.dependencies", "nix", None, workspace=True),
        ],
    )
    assert out.startswith(
        '# app\n[package]\nname = "a"  # the name\n\n[dependencies]\nserde = "1"   # derive\nlog = "0.4.22"\n'
    )
    assert '[build-dependencies]\ncc = "1.1.0"' in out
    assert "nix = {workspace = true}" in out
    with pytest.raises(FixError):
        add_dependencies(text, [AddDependency(Path("Cargo.toml"), "dependencies", "serde", "2")])


def test_splices() -> None:
    assert apply_splices("abcdef", [Splice(3, 3, "X"), Splice(3, 3, "Y"), Splice(0, 1, "")]) == "bcXYdef"
    assert overlaps(Splice(1, 3, "a"), Splice(2, 4, "b")) and not overlaps(Splice(1, 3, "a"), Splice(3, 3, "b"))
