"""The SARIF output must pass Microsoft's SARIF multitool (``validate --rule-kind "Gh;Sarif"``)
with zero errors and zero warnings.

The multitool comes from npm: ``npm install --no-save @microsoft/sarif-multitool`` in the repository
root (or point ``SARIF_MULTITOOL`` at the executable). Without it the test is skipped, except
on CI (``CI=true``) where it fails.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from viworks_lint.findings import Finding, Level, Related
from viworks_lint.location import Location
from viworks_lint.reporters import render
from viworks_lint.reporters.base import Report
from viworks_lint.rule import Rule, RuleDocs

# The helper sits next to this file; make it importable whatever pytest's import mode.
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from sarif_validator import find_multitool, parse_log, validate


def _no_check(project: Any) -> list[Finding]:
    return []


def _rule(rule_id: str, name: str, level: Level, summary: str, tags: tuple[str, ...]) -> Rule:
    return Rule(
        id=rule_id,
        name=name,
        level=level,
        summary=summary,
        docs=RuleDocs(
            what=f"Detects {summary[0].lower()}{summary[1:]}",
            why="The container fails at start-up or the image does not build",
            example="services:\n  api:\n    build: ./backend\n",
            fix="Align the compose file, the Dockerfile and Cargo.toml",
        ),
        check=_no_check,
        tags=tags,
    )


RULES = [
    _rule(
        "VW101", "cargo-target-missing", Level.ERROR, "COPY of a binary no Cargo target builds", ("docker",)
    ),
    _rule("VW205", "env-var-unset", Level.WARNING, "Env var read by the code but never set", ("compose",)),
    _rule("VW310", "healthcheck-binary", Level.NOTE, "Healthcheck tool absent from image", ("security",)),
    _rule("VW400", "unused-rule", Level.WARNING, "A rule that ran without findings", ()),
]


def _multitool_or_skip() -> Path:
    tool = find_multitool()
    if tool is None:
        msg = (
            "SARIF multitool not installed: run `npm install --no-save @microsoft/sarif-multitool` "
            "in the repository root or set SARIF_MULTITOOL"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    return tool


def _realistic_report(root: Path) -> Report:
    app = root / "my app"
    (app / "src").mkdir(parents=True)
    compose = root / "docker-compose.yml"
    compose.write_text(
        "services:\n"
        "  api:\n"
        "    build: ./my app\n"
        "    healthcheck:\n"
        '      test: ["CMD", "curl", "-f", "http://localhost:8080/health"]\n',
        encoding="utf-8",
    )
    dockerfile = app / "Dockerfile"
    dockerfile.write_text(
        "FROM rust:1.80 AS build\n"
        "WORKDIR /app\n"
        "COPY . .\n"
        "RUN cargo build --release\n"
        "FROM debian:bookworm-slim\n"
        "COPY --from=build /app/target/release/api-server /usr/local/bin/\n"
        'CMD ["api-server"]\n',
        encoding="utf-8",
    )
    main_rs = app / "src" / "main.rs"
    main_rs.write_text(
        "fn main() {\n"
        '    let port = std::env::var("PORT").expect("PORT");\n'
        '    let db = std::env::var("DATABASE_URL").expect("db");\n'
        '    println!("{port} {db} – démarrage");\n'
        "}\n",
        encoding="utf-8",
    )
    findings = [
        Finding(
            "VW101",
            "`/app/target/release/api-server` is not produced by any [[bin]] target of Cargo.toml",
            Location(dockerfile, 6, 19, 6, 48),
            related=(Related(Location(dockerfile, 4, 5, 4, 26), "Release build happens here"),),
            key="api-server",
            level=Level.ERROR,
        ),
        Finding(
            "VW205",
            "Environment variable PORT is read but service api does not set it",
            Location(main_rs, 2, 30, 2, 36),
            related=(
                Related(Location(compose, 2, 3, 2, 6), "service api"),
                Related(Location(dockerfile, 7, 1, 7, 19), "entrypoint of the image"),
            ),
            key="PORT",
            level=Level.WARNING,
        ),
        Finding(
            "VW205",
            "Environment variable DATABASE_URL is read but service api does not set it.",
            Location(main_rs, 3, 28, 3, 42),
            key="DATABASE_URL",
            level=Level.WARNING,
        ),
        Finding(
            "VW310",
            "curl is not installed in the runtime image (debian:bookworm-slim)",
            Location(compose, 5, 13, 5, 66),
            related=(Related(Location(dockerfile, 5, 1, 5, 26), "runtime stage"),),
            key="curl",
            level=Level.NOTE,
        ),
        Finding(
            "VW310",
            "multi-line span",
            Location(compose, 4, 5, 6, 1),
            level=Level.NOTE,
        ),
        Finding(
            "VW101",
            "Cargo.toml is missing",
            Location(app / "Cargo.toml", 1, 1),
            level=Level.ERROR,
        ),
    ]
    return Report(findings=findings, rules=RULES, root=root, tool_version="0.1.0", files_checked=3)


def test_sarif_output_passes_multitool(tmp_path: Path) -> None:
    tool = _multitool_or_skip()
    root = tmp_path / "project root"
    root.mkdir()
    out = tmp_path / "report.sarif"
    out.write_text(render("sarif", _realistic_report(root)), encoding="utf-8")
    # Sanity: the report really exercises what we want validated.
    run = json.loads(out.read_text(encoding="utf-8"))["runs"][0]
    assert {r["level"] for r in run["results"]} == {"error", "warning", "note"}
    assert any(
        "%20" in r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
    )
    assert "%20" in run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert validate(out, tool) == []


def test_validator_reports_problems(tmp_path: Path) -> None:
    """The helper does see errors: break a valid log and expect complaints."""
    tool = _multitool_or_skip()
    root = tmp_path / "proj"
    root.mkdir()
    data = json.loads(render("sarif", _realistic_report(root)))
    run = data["runs"][0]
    run["originalUriBaseIds"]["%SRCROOT%"]["uri"] = run["originalUriBaseIds"]["%SRCROOT%"]["uri"].rstrip("/")
    del run["tool"]["driver"]["rules"][0]["fullDescription"]
    bad = tmp_path / "bad.sarif"
    bad.write_text(json.dumps(data), encoding="utf-8")
    problems = validate(bad, tool)
    assert any("SARIF1004" in p for p in problems), problems
    assert any("fullDescription" in p for p in problems), problems


def test_parse_log_formats_templated_messages() -> None:
    log = {
        "runs": [
            {
                "tool": {
                    "driver": {"rules": [{"id": "X1", "messageStrings": {"Warn": {"text": "{0}: bad {1}."}}}]}
                },
                "results": [
                    {
                        "ruleId": "X1",
                        "ruleIndex": 0,
                        "level": "warning",
                        "message": {"id": "Warn", "arguments": ["a", "b"]},
                    },
                    {"ruleId": "X1", "ruleIndex": 0, "level": "note", "message": {"text": "ignored"}},
                ],
                "invocations": [
                    {"toolExecutionNotifications": [{"level": "error", "message": {"text": "crashed"}}]}
                ],
            }
        ]
    }
    assert parse_log(log) == ["warning X1: a: bad b.", "error toolExecutionNotifications: crashed"]
