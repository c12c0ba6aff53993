"""Dockerfile rules about how the container starts and what it ships (VW209, VW212, VW406), and the
Dockerfile's lack of end-of-line comments: positive, negative and every "stays silent for" case."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import lint, where, write
from viworks_lint.cli import cli
from viworks_lint.parsers.dockerfile import parse_dockerfile

# ---------------------------------------------------------------- VW212 exec-form-invalid


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('ENTRYPOINT ["/usr/local/bin/app"] # start the app', "is not a comment in a Dockerfile"),
        ("CMD ['/usr/local/bin/app', '--port', '8080']", "single quotes"),
        ('CMD ["C:\\app\\run.exe"]', "no JSON escape"),
        ('CMD ["/usr/local/bin/app" "--port"]', "comma is missing"),
        ('CMD ["/usr/local/bin/app",]', "trailing comma"),
        ('CMD ["/usr/local/bin/app"', "closing `]` is missing"),
    ],
)
def test_vw212_invalid_exec_forms(tmp_path: Path, line: str, reason: str) -> None:
    write(tmp_path, {"Dockerfile": f"FROM debian:bookworm-slim\n{line}\n"})
    findings = lint(tmp_path, ["VW212"])
    assert where(findings, tmp_path) == [("VW212", "Dockerfile", 2)]
    f = findings[0]
    assert reason in f.message and "/bin/sh -c" in f.message
    assert f.location.col == line.index("[") + 1


def test_vw212_run_shell_and_healthcheck(tmp_path: Path) -> None:
    write(tmp_path, {
        "Dockerfile": "FROM rust:1.83 AS build\n"
                      'RUN ["cargo", "build", "--release"] # release build\n'
                      "FROM debian:bookworm-slim\n"
                      "SHELL ['/bin/bash', '-c']\n"
                      'HEALTHCHECK --interval=10s --start-period=5s CMD ["/app", "health"] # probe\n'
                      'COPY --from=build /target/release/app /app\nCMD ["/app"]\n',
    })
    findings = lint(tmp_path, ["VW212"])
    assert where(findings, tmp_path) == [("VW212", "Dockerfile", 2), ("VW212", "Dockerfile", 4),
                                         ("VW212", "Dockerfile", 5)]
    run, shell, health = findings
    assert "build fails" in run.message
    assert "SHELL requires the arguments to be in JSON form" in shell.message
    assert "HEALTHCHECK CMD" in health.message and "unhealthy" in health.message


def test_vw212_trailing_suppression_suppresses_nothing_and_says_so(tmp_path: Path) -> None:
    write(tmp_path, {
        "Dockerfile": "FROM debian:bookworm-slim\n"
                      'ENTRYPOINT ["/usr/local/bin/app"] # viworks-lint: ignore=VW212,VW403\n',
    })
    findings = lint(tmp_path, ["VW212", "VW403"])
    assert where(findings, tmp_path) == [("VW212", "Dockerfile", 2)]  # VW403 leaves the broken form to VW212
    assert "suppresses nothing" in findings[0].message and "own line above" in findings[0].message


def test_vw212_comment_line_above_suppresses(tmp_path: Path) -> None:
    write(tmp_path, {
        "Dockerfile": "FROM debian:bookworm-slim\n"
                      "# viworks-lint: ignore=VW212 -- legacy builder\n"
                      'ENTRYPOINT ["/usr/local/bin/app"] # start\n',
    })
    assert lint(tmp_path, ["VW212"]) == []


def test_vw212_silent_for_valid_json_arrays(tmp_path: Path) -> None:
    write(tmp_path, {
        "Dockerfile": "FROM debian:bookworm-slim\n"
                      'RUN ["/bin/sh", "-c", "echo \\"[x]\\" > /etc/motd"]\n'
                      'SHELL ["/bin/bash", "-o", "pipefail", "-c"]\n'
                      'HEALTHCHECK --start-period=5s CMD ["/app", "health"]   \n'
                      'ENTRYPOINT [ "/usr/local/bin/app",\\\n    "--port", "8080" ]\n'
                      'CMD []\n',
    })
    assert lint(tmp_path, ["VW212"]) == []


def test_vw212_silent_for_shell_forms(tmp_path: Path) -> None:
    write(tmp_path, {
        "Dockerfile": "FROM debian:bookworm-slim\n"
                      "RUN [ -f /etc/os-release ] && echo ok # a shell comment, fine here\n"
                      "RUN <<EOF\n[ -d /app ] || mkdir /app\nEOF\n"
                      "CMD exec /usr/local/bin/app --port 8080 # shell comment\n",
    })
    assert lint(tmp_path, ["VW212"]) == []


def test_parser_reads_exec_form_like_current_buildkit() -> None:
    df = parse_dockerfile(Path("Dockerfile"), 'FROM alpine\nCMD ["/app"] # c\nENTRYPOINT ["/app", "x"]\n')
    broken, ok = df.stages[0].instructions
    assert (broken.json, broken.args) == (False, ('["/app"] # c',)) and broken.exec_error
    assert (ok.json, ok.args, ok.exec_error) == (True, ("/app", "x"), None)


# ---------------------------------------------------------------- issue: Dockerfiles have no trailing comments


def test_trailing_comment_on_from_is_buildkits_parse_error(tmp_path: Path) -> None:
    write(tmp_path, {
        "Dockerfile": "FROM rust:1.83 AS build # builder\nFROM debian:bookworm-slim # viworks-lint: ignore=VW401\n"
                      "FROM alpine AS 2nd\n",
    })
    findings = lint(tmp_path, ["VW001"])
    assert where(findings, tmp_path) == [("VW001", "Dockerfile", 1), ("VW001", "Dockerfile", 2),
                                         ("VW001", "Dockerfile", 3)]
    first, second, third = findings
    assert "dockerfile parse error on line 1: FROM requires either one or three arguments" in first.message
    assert "no end-of-line comments" in first.message and first.location.col == 25
    assert "line 2: FROM requires either one or three arguments" in second.message
    assert 'invalid name for build stage: "2nd"' in third.message


def test_trailing_comment_on_copy_is_more_sources(tmp_path: Path) -> None:
    write(tmp_path, {"app.toml": "", "Dockerfile": "FROM alpine\nCOPY app.toml /etc/ # config\n"})
    findings = lint(tmp_path, ["VW102"])
    # sources `app.toml`, `/etc/` and `#`, destination `config`
    assert [f.location.col for f in findings] == [15, 21]
    assert all("end-of-line comments" in f.message and "(`config`)" in f.message for f in findings)


def test_trailing_suppression_in_dockerfile_is_not_a_suppression(tmp_path: Path) -> None:
    write(tmp_path, {
        "Dockerfile": "FROM debian:bookworm-slim\nUSER root\nCMD /usr/local/bin/app # viworks-lint: ignore=VW403\n",
        "compose.yaml": "services:\n  api:\n    build: .\n"
                        "    init: true # viworks-lint: ignore=VW999\n",
    })
    findings = lint(tmp_path, ["VW403", "VW003"], report_unused=True)
    # the Dockerfile's trailing text is the shell's comment, not ours: VW403 still fires; compose's is a comment
    assert ("VW403", "Dockerfile", 3) in where(findings, tmp_path)
    assert ("VW003", "compose.yaml", 4) in where(findings, tmp_path)


def test_readme_and_explain_show_only_the_line_above_form_for_dockerfiles() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text("utf-8")
    section = readme.split("## Suppressions", 1)[1].split("\n## ", 1)[0]
    for block in section.split("```dockerfile")[1:]:
        code = block.split("```", 1)[0]
        for line in code.splitlines():
            assert not (line.strip() and not line.lstrip().startswith("#") and "viworks-lint:" in line), line
    result = CliRunner().invoke(cli, ["--explain", "VW401"])
    assert "right above" in result.output and "on the line or the line above" not in result.output
    assert "no end-of-line comments" in result.output.replace("\n", " ")
