"""Unit tests for the output formats (text, json, sarif, github, gitlab)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from viworks_lint.findings import Finding, Level, Related
from viworks_lint.location import Location
from viworks_lint.reporters import FORMATS, render
from viworks_lint.reporters.base import Counts, Report, prepare, summary_sentence
from viworks_lint.reporters.github import escape_data, escape_property
from viworks_lint.rule import Rule, RuleDocs


def _no_check(project: Any) -> list[Finding]:
    return []


def make_rule(
    rule_id: str, name: str, level: Level = Level.ERROR, tags: tuple[str, ...] = ("docker",)
) -> Rule:
    return Rule(
        id=rule_id,
        name=name,
        level=level,
        summary=f"{name.replace('-', ' ')} summary",
        docs=RuleDocs(
            what=f"Checks {name.replace('-', ' ')}.",
            why="It breaks the deployment.",
            example="FROM rust:1.80\nRUN cargo build",
            fix="Fix the configuration.",
        ),
        check=_no_check,
        tags=tags,
    )


R101 = make_rule("VW101", "cargo-target-missing", Level.ERROR)
R201 = make_rule("VW201", "env-var-unset", Level.WARNING, ("compose",))
R301 = make_rule("VW301", "healthcheck-tool", Level.NOTE, ("security",))
RULES = (R101, R201, R301)


def finding(
    rule: Rule,
    message: str,
    loc: Location,
    *,
    key: str = "",
    related: tuple[Related, ...] = (),
    level: Level | None = None,
) -> Finding:
    return Finding(rule.id, message, loc, related=related, key=key, level=level or rule.level)


def report(
    root: Path, findings: Sequence[Finding], *, color: bool = False, files_checked: int = 2, **kw: Any
) -> Report:
    return Report(
        findings=findings,
        rules=RULES,
        root=root,
        tool_version="1.2.3",
        color=color,
        files_checked=files_checked,
        **kw,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "Dockerfile").write_text(
        "FROM rust:1.80 AS build\nCOPY . .\nRUN cargo build --release\n", encoding="utf-8"
    )
    (tmp_path / "compose.yaml").write_text(
        "services:\n  backend:\n    build: .\n    environment:\n      - RUST_LOG=info\n", encoding="utf-8"
    )
    return tmp_path


# ------------------------------------------------------------------------------------------ text


def test_text_layout_exact(project: Path) -> None:
    f1 = finding(
        R101,
        "binary `server` is not built",
        Location(project / "Dockerfile", 3, 5, 3, 16),
        related=(Related(Location(project / "compose.yaml", 3, 5), "built for service backend"),),
    )
    f2 = finding(R201, "PORT is never set", Location(project / "compose.yaml", 4, 5, 4, 16))
    out = render("text", report(project, [f2, f1], files_checked=5))
    assert out == (
        "Dockerfile:3:5: VW101 cargo-target-missing binary `server` is not built\n"
        "  3 | RUN cargo build --release\n"
        "    |     ^~~~~~~~~~~ error\n"
        "  = note: compose.yaml:3:5: built for service backend\n"
        "  = help: Fix the configuration.\n"
        "\n"
        "compose.yaml:4:5: VW201 env-var-unset PORT is never set\n"
        "  4 |     environment:\n"
        "    |     ^~~~~~~~~~~ warning\n"
        "  = help: Fix the configuration.\n"
        "\n"
        "Found 2 problems (1 error, 1 warning) in 5 files.\n"
    )
    assert "\x1b[" not in out


def test_text_multiline_span_marks_to_end_of_first_line(project: Path) -> None:
    f = finding(R301, "spans lines", Location(project / "compose.yaml", 2, 3, 4, 2))
    lines = render("text", report(project, [f])).splitlines()
    assert lines[0] == "compose.yaml:2:3: VW301 healthcheck-tool spans lines"
    assert lines[1] == "  2 |   backend:"
    assert lines[2] == "    |   ^~~~~~~~ note"


def test_text_point_and_tabs(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("RUN\tcargo build\n", encoding="utf-8")
    f = finding(R101, "m", Location.of_token(tmp_path / "Dockerfile", 1, 5, 5))
    lines = render("text", report(tmp_path, [f])).splitlines()
    assert lines[1] == "  1 | RUN     cargo build"
    assert lines[2] == "    |         ^~~~~ error"


def test_text_wide_characters_align(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("名前: x\n", encoding="utf-8")
    f = finding(R101, "m", Location(tmp_path / "a.yaml", 1, 5, 1, 6))
    lines = render("text", report(tmp_path, [f])).splitlines()
    assert lines[2] == "    |       ^ error"


def test_text_missing_source_has_no_snippet(tmp_path: Path) -> None:
    f = finding(R101, "gone", Location(tmp_path / "missing.toml", 7, 1))
    out = render("text", report(tmp_path, [f], files_checked=1))
    assert out == (
        "missing.toml:7:1: VW101 cargo-target-missing gone\n  = error\n  = help: Fix the configuration.\n\n"
        "Found 1 problem (1 error) in 1 file.\n"
    )


def test_text_unknown_rule_and_outside_root(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "x.env"
    root = tmp_path / "proj"
    root.mkdir()
    f = Finding("VW999", "odd", Location(outside, 1, 1), level=Level.WARNING)
    first = render("text", report(root, [f])).splitlines()[0]
    assert first == f"{outside.as_posix()}:1:1: VW999 odd"


def test_text_color_only_when_asked(project: Path) -> None:
    f = finding(R101, "boom", Location(project / "Dockerfile", 1, 1, 1, 5))
    plain = render("text", report(project, [f]))
    colored = render("text", report(project, [f], color=True))
    assert "\x1b[" not in plain
    assert "\x1b[1mDockerfile:1:1:\x1b[0m" in colored
    assert "\x1b[1;31mVW101\x1b[0m" in colored
    assert "\x1b[1;31m^~~~ error\x1b[0m" in colored
    stripped = colored
    for code in ("\x1b[0m", "\x1b[1m", "\x1b[1;31m", "\x1b[34m"):
        stripped = stripped.replace(code, "")
    assert stripped == plain


def test_text_control_characters_neutralised(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("a\x1b[31mb\n", encoding="utf-8")
    f = finding(R101, "m", Location(tmp_path / "f", 1, 1, 1, 2))
    assert "\x1b" not in render("text", report(tmp_path, [f]))


@pytest.mark.parametrize(
    ("counts", "files", "expected"),
    [
        (Counts(), 5, "No problems found in 5 files."),
        (Counts(), 1, "No problems found in 1 file."),
        (Counts(), 0, "No problems found in 0 files."),
        (Counts(errors=1), 1, "Found 1 problem (1 error) in 1 file."),
        (Counts(errors=2, warnings=1), 5, "Found 3 problems (2 errors, 1 warning) in 5 files."),
        (Counts(warnings=2, notes=1), 3, "Found 3 problems (2 warnings, 1 note) in 3 files."),
        (
            Counts(errors=1, warnings=1, notes=2),
            2,
            "Found 4 problems (1 error, 1 warning, 2 notes) in 2 files.",
        ),
    ],
)
def test_summary_wording(counts: Counts, files: int, expected: str) -> None:
    assert summary_sentence(counts, files) == expected


def test_text_no_problems(tmp_path: Path) -> None:
    assert render("text", report(tmp_path, [], files_checked=3)) == "No problems found in 3 files.\n"


def test_default_level_is_error_when_unset(project: Path) -> None:
    f = Finding(R201.id, "m", Location(project / "Dockerfile", 1, 1))
    assert "~ error\n" in render("text", report(project, [f]))


# ------------------------------------------------------------------------------------------ json


def test_json_structure(project: Path) -> None:
    f1 = finding(
        R201,
        "PORT unset",
        Location(project / "compose.yaml", 4, 5, 4, 16),
        key="PORT",
        related=(Related(Location(project / "Dockerfile", 2, 1, 2, 9), "copied here"),),
    )
    f2 = finding(R101, "no target", Location(project / "Dockerfile", 3, 1))
    out = render("json", report(project, [f1, f2], files_checked=4))
    data = json.loads(out)
    assert out.endswith("\n")
    assert out == render("json", report(project, [f2, f1], files_checked=4))  # order-independent
    assert data["version"] == "1.2.3"
    assert data["summary"] == {
        "total": 2, "errors": 1, "warnings": 1, "notes": 0, "files_checked": 4, "baselined": None, "baseline_stale": None
    }
    first, second = data["findings"]
    assert first["path"] == "Dockerfile"
    assert first["end_line"] is None and first["end_column"] is None
    assert second == {
        "rule": "VW201",
        "name": "env-var-unset",
        "level": "warning",
        "message": "PORT unset",
        "path": "compose.yaml",
        "line": 4,
        "column": 5,
        "end_line": 4,
        "end_column": 16,
        "related": [
            {
                "path": "Dockerfile",
                "line": 2,
                "column": 1,
                "end_line": 2,
                "end_column": 9,
                "message": "copied here",
            }
        ],
        "key": "PORT",
        "fingerprint": second["fingerprint"],
        "scope": None,
        "help": "Fix the configuration.",
    }
    assert len(second["fingerprint"]) == 32


# ----------------------------------------------------------------------------------------- sarif


def _sarif(rep: Report) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(render("sarif", rep))
    return data


def test_sarif_structure(project: Path) -> None:
    (project / "my app").mkdir()
    (project / "my app" / "Cargo.toml").write_text('[package]\nname = "server"\n', encoding="utf-8")
    f1 = finding(
        R201,
        "PORT unset",
        Location(project / "my app" / "Cargo.toml", 2, 8, 2, 16),
        related=(Related(Location(project / "compose.yaml", 2, 3, 2, 10), "service backend"),),
    )
    f2 = Finding("VW900", "internal problem", Location(project / "Dockerfile", 1, 1), level=Level.NOTE)
    data = _sarif(report(project, [f1, f2]))
    assert data["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert data["version"] == "2.1.0"
    (run,) = data["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "viworks-lint"
    assert driver["semanticVersion"] == driver["version"] == "1.2.3"
    ids = [r["id"] for r in driver["rules"]]
    assert ids == ["VW101", "VW201", "VW301", "VW900"]  # every rule that ran, then unknown ids
    r201 = driver["rules"][1]
    assert r201["name"] == "EnvVarUnset"
    assert r201["shortDescription"]["text"] == "env var unset summary."
    assert r201["fullDescription"]["text"] == "Checks env var unset."
    assert "```\nFROM rust:1.80\nRUN cargo build\n```" in r201["help"]["markdown"]
    assert r201["helpUri"] == R201.help_uri
    assert r201["defaultConfiguration"]["level"] == "warning"
    assert r201["properties"]["tags"] == ["compose"]
    assert "security-severity" not in r201["properties"]
    assert driver["rules"][2]["properties"]["security-severity"] == "2.0"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.as_uri() + "/"
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["invocations"] == [{"executionSuccessful": True}]

    res_docker, res_cargo = run["results"]
    assert res_docker["ruleId"] == "VW900" and res_docker["ruleIndex"] == 3
    assert res_docker["level"] == "note"
    assert res_cargo["ruleIndex"] == 1
    assert res_cargo["message"]["text"] == "PORT unset. Related: [service backend](1)."
    phys = res_cargo["locations"][0]["physicalLocation"]
    assert phys["artifactLocation"] == {"uri": "my%20app/Cargo.toml", "uriBaseId": "%SRCROOT%"}
    assert phys["region"] == {
        "startLine": 2,
        "startColumn": 8,
        "endLine": 2,
        "endColumn": 16,
        "snippet": {"text": '"server"'},
    }
    (rel,) = res_cargo["relatedLocations"]
    assert rel["id"] == 1
    assert rel["message"]["text"] == "service backend."
    assert rel["physicalLocation"]["artifactLocation"]["uri"] == "compose.yaml"
    assert set(res_cargo["partialFingerprints"]) == {"viworksFingerprint/v1", "primaryLocationLineHash"}


def test_sarif_path_outside_root_is_absolute_uri(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    other = tmp_path / "shared dir" / "x.env"
    f = finding(R101, "m", Location(other, 1, 1))
    loc = _sarif(report(root, [f]))["runs"][0]["results"][0]["locations"][0]
    assert loc["physicalLocation"]["artifactLocation"] == {"uri": other.as_uri()}
    assert "%20" in other.as_uri()


def _fp(rep: Report, fmt: str = "sarif") -> list[str]:
    if fmt == "sarif":
        return [r["partialFingerprints"]["viworksFingerprint/v1"] for r in _sarif(rep)["runs"][0]["results"]]
    return [i["fingerprint"] for i in json.loads(render(fmt, rep))]


def test_fingerprint_stable_across_line_shifts(tmp_path: Path) -> None:
    path = tmp_path / "compose.yaml"
    body = "services:\n  backend:\n    image: app\n"
    path.write_text(body, encoding="utf-8")
    before = _fp(report(tmp_path, [finding(R101, "m", Location(path, 3, 5, 3, 15), key="image")]))
    path.write_text("# a comment\n\n" + body.replace("    image", "      image"), encoding="utf-8")
    after = _fp(report(tmp_path, [finding(R101, "m", Location(path, 5, 7, 5, 17), key="image")]))
    assert before == after
    # ... and the same value is used by the gitlab and json formats
    gitlab = _fp(report(tmp_path, [finding(R101, "m", Location(path, 5, 7, 5, 17), key="image")]), "gitlab")
    assert gitlab == after


def test_fingerprint_depends_on_key_rule_path_and_line_text(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("x = 1\ny = 2\n", encoding="utf-8")
    (tmp_path / "b").write_text("x = 1\ny = 2\n", encoding="utf-8")
    loc = Location(tmp_path / "a", 1, 1, 1, 2)
    base = finding(R101, "m", loc, key="k1")
    variants = [
        base,
        finding(R101, "m", loc, key="k2"),
        finding(R201, "m", loc, key="k1"),
        finding(R101, "m", Location(tmp_path / "b", 1, 1, 1, 2), key="k1"),
        finding(R101, "m", Location(tmp_path / "a", 2, 1, 2, 2), key="k1"),
    ]
    fps = [_fp(report(tmp_path, [v]))[0] for v in variants]
    assert len(set(fps)) == len(fps)
    # With an empty key the message identifies the finding.
    m1 = _fp(report(tmp_path, [finding(R101, "one", loc)]))
    m2 = _fp(report(tmp_path, [finding(R101, "two", loc)]))
    assert m1 != m2


def test_fingerprint_duplicates_are_distinct_and_stable(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text("COPY . .\nCOPY . .\n", encoding="utf-8")
    dup = [finding(R101, "m", Location(path, n, 1, n, 5), key="copy") for n in (1, 2)]
    fps = _fp(report(tmp_path, dup))
    assert len(set(fps)) == 2
    assert _fp(report(tmp_path, list(reversed(dup)))) == fps
    path.write_text("FROM x\nCOPY . .\nCOPY . .\n", encoding="utf-8")
    shifted = [finding(R101, "m", Location(path, n, 1, n, 5), key="copy") for n in (2, 3)]
    assert _fp(report(tmp_path, shifted)) == fps


def test_custom_source_reader_is_used_and_cached(tmp_path: Path) -> None:
    calls: list[Path] = []

    def reader(path: Path) -> Sequence[str] | None:
        calls.append(path)
        return ["virtual line one", "virtual line two"]

    p = tmp_path / "virtual.yaml"
    fs = [finding(R101, "m", Location(p, 2, 9, 2, 13)), finding(R201, "n", Location(p, 1, 1, 1, 8))]
    out = render("text", report(tmp_path, fs, source=reader))
    assert "  2 | virtual line two\n    |         ^~~~ error\n" in out
    assert calls == [p]


def test_prepare_sorts_by_path_line_col(tmp_path: Path) -> None:
    fs = [
        finding(R101, "c", Location(tmp_path / "b", 1, 1)),
        finding(R101, "b", Location(tmp_path / "a", 2, 1)),
        finding(R101, "a", Location(tmp_path / "a", 1, 3)),
        finding(R101, "a0", Location(tmp_path / "a", 1, 2)),
    ]
    assert [i.finding.message for i in prepare(report(tmp_path, fs)).items] == ["a0", "a", "b", "c"]


# ---------------------------------------------------------------------------------------- github


def test_github_escaping_helpers() -> None:
    assert escape_data("100% done\r\nnext: a, b") == "100%25 done%0D%0Anext: a, b"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_github_commands(tmp_path: Path) -> None:
    weird = tmp_path / "dir,with:odd" / "compose.yaml"
    fs = [
        finding(R101, "50% broken:\nsecond line", Location(tmp_path / "Dockerfile", 3, 5, 3, 16)),
        finding(
            R201,
            "PORT unset",
            Location(weird, 2, 3, 4, 2),
            related=(Related(Location(tmp_path / "Dockerfile", 1, 1), "image, built here"),),
        ),
        finding(R301, "fyi", Location(tmp_path / "Dockerfile", 1, 1)),
    ]
    out = render("github", report(tmp_path, fs))
    assert out.splitlines() == [
        "::notice file=Dockerfile,line=1,col=1,endLine=1,title=VW301 healthcheck-tool::fyi",
        "::error file=Dockerfile,line=3,col=5,endLine=3,endColumn=16,"
        "title=VW101 cargo-target-missing::50%25 broken:%0Asecond line",
        "::warning file=dir%2Cwith%3Aodd/compose.yaml,line=2,endLine=4,title=VW201 env-var-unset"
        "::PORT unset%0Anote: Dockerfile:1:1: image, built here",
    ]
    assert out.endswith("\n")
    assert render("github", report(tmp_path, [])) == ""


def test_span_ending_after_line_break_ends_on_previous_line(project: Path) -> None:
    # compose.yaml line 2 is "  backend:"; the span (2,3)-(3,1) covers "backend:" and its newline.
    f = finding(R101, "m", Location(project / "compose.yaml", 2, 3, 3, 1))
    gh = render("github", report(project, [f]))
    assert "line=2,col=3,endLine=2,title=" in gh
    region = _sarif(report(project, [f]))["runs"][0]["results"][0]["locations"][0]["physicalLocation"][
        "region"
    ]
    assert region == {
        "startLine": 2,
        "startColumn": 3,
        "endLine": 2,
        "endColumn": 11,
        "snippet": {"text": "backend:"},
    }
    (issue,) = json.loads(render("gitlab", report(project, [f])))
    assert issue["location"]["lines"] == {"begin": 2, "end": 2}


# ---------------------------------------------------------------------------------------- gitlab


def test_gitlab_fields(project: Path) -> None:
    fs = [
        finding(R101, "e", Location(project / "Dockerfile", 2, 1, 3, 4)),
        finding(R201, "w", Location(project / "compose.yaml", 4, 5)),
        finding(R301, "n", Location(project / "compose.yaml", 5, 1)),
    ]
    issues = json.loads(render("gitlab", report(project, fs)))
    assert [i["severity"] for i in issues] == ["critical", "minor", "info"]
    first = issues[0]
    assert first["check_name"] == "VW101"
    assert first["description"] == "e [VW101 cargo-target-missing]"
    assert first["location"] == {"path": "Dockerfile", "lines": {"begin": 2, "end": 3}}
    assert first["categories"] == ["Bug Risk"]
    assert issues[2]["categories"] == ["Security"]
    assert issues[1]["location"]["lines"] == {"begin": 4, "end": 4}
    for issue in issues:
        assert len(issue["fingerprint"]) == 32
        int(issue["fingerprint"], 16)
    assert len({i["fingerprint"] for i in issues}) == 3
    assert render("gitlab", report(project, [])) == "[]\n"


# -------------------------------------------------------------------------------------- registry


def test_registry(tmp_path: Path) -> None:
    assert FORMATS == ("text", "concise", "json", "sarif", "github", "gitlab")
    for fmt in FORMATS:
        assert render(fmt, report(tmp_path, [])).endswith("\n") or fmt == "github"
    with pytest.raises(ValueError, match="unknown output format"):
        render("xml", report(tmp_path, []))


def test_sarif_sentence_never_ends_in_question_mark_period() -> None:
    from viworks_lint.reporters.sarif import sentence

    assert sentence("did you mean `/api/health`?") == "did you mean `/api/health`?"
    assert sentence("no route serves it") == "no route serves it."
    assert sentence("done.") == "done." and sentence("stop!") == "stop!"
