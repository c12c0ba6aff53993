"""Heredocs anywhere in a RUN/COPY/ADD line parse as one instruction (BuildKit's grammar), and lines that
are no instructions give one VW001 per run, not one per line."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint, where, write
from viworks_lint.findings import Level
from viworks_lint.parsers.dockerparse import parse_dockerfile

CADDY = """FROM caddy:2
ARG BASE_URL=/
RUN BASE="${BASE_URL%/}" && cat > /etc/caddy/Caddyfile <<EOF
:80 {
    root * /srv
    ${BASE:+redir $BASE $BASE/ 308}
    file_server
}
EOF
EXPOSE 80
"""


def test_heredoc_after_a_dockerfile_1_7_expansion_is_one_run(tmp_path: Path) -> None:
    df = parse_dockerfile(tmp_path / "Dockerfile", CADDY)
    assert df.problems == ()
    run = df.stages[0].instructions[1]
    assert (run.cmd, run.start_line, run.end_line) == ("RUN", 3, 9)
    assert run.args == ('BASE="${BASE_URL%/}" && cat > /etc/caddy/Caddyfile <<EOF',)
    assert [h.name for h in run.heredocs] == ["EOF"] and "root * /srv" in run.heredocs[0].content
    write(tmp_path, {"Dockerfile": CADDY})
    assert lint(tmp_path, ["VW001"]) == []


def test_heredoc_forms_mid_line() -> None:
    text = (
        'FROM alpine\nRUN P="${X#v}" Q="${Y//-/_}" && cat <<-"A" > /a && cat <<\'B\' > /b\n'
        "\tone ${Z%%.*}\nA\ntwo\nB\nUSER app\n"
    )
    df = parse_dockerfile(Path("Dockerfile"), text)
    assert df.problems == ()
    run, user = df.stages[0].instructions
    assert [h.name for h in run.heredocs] == ["A", "B"] and "${Z%%.*}" in run.heredocs[0].content
    assert run.args[0].startswith('P="${X#v}" Q="${Y//-/_}"') and (user.cmd, user.start_line) == ("USER", 7)


def test_unreadable_heredoc_body_is_one_note(tmp_path: Path) -> None:
    # `${X^^}` is no Dockerfile expansion: the parser cannot split the line, so the body follows as lines
    # that are no instructions; one note for the run, not one error per line
    write(tmp_path, {"Dockerfile": CADDY.replace("${BASE_URL%/}", "${BASE_URL^^}")})
    found = lint(tmp_path, ["VW001"])
    assert where(found, tmp_path) == [("VW001", "Dockerfile", 4)]
    assert found[0].level == Level.NOTE and found[0].location.end_line == 9
    assert "lines 4-9 look like the body of the heredoc `<<EOF` opened on line 3" in found[0].message


def test_run_of_unknown_instructions_is_one_error(tmp_path: Path) -> None:
    write(tmp_path, {"Dockerfile": "FROM alpine\nRUN true\nfoo bar\nbaz\nUSER app\nqux\n"})
    found = lint(tmp_path, ["VW001"])
    assert where(found, tmp_path) == [("VW001", "Dockerfile", 3), ("VW001", "Dockerfile", 6)]
    assert all(f.level == Level.ERROR for f in found)
    assert found[0].message == (
        "unknown instruction 'foo' (and the lines up to line 4, which do not parse as instructions either)"
    )
    assert found[1].message == "unknown instruction 'qux'"
