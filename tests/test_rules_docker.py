"""Dockerfile rules about how the container starts and what it ships (VW209, VW212, VW406), and the
Dockerfile's lack of end-of-line comments: positive, negative and every "stays silent for" case."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import lint, where, write
from viworks_lint.cli import cli
from viworks_lint.findings import Level
from viworks_lint.parsers.dockerparse import parse_dockerfile

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


# ---------------------------------------------------------------- VW209 entrypoint-not-executable

_SCRIPT = '#!/bin/sh\nset -e\nexec "$@"\n'


def _entry(tmp_path: Path, dockerfile: str, script: str = _SCRIPT, mode: int = 0o644, **extra: str) -> Path:
    write(tmp_path, {"Dockerfile": dockerfile, **extra})
    path = tmp_path / "docker-entrypoint.sh"
    path.write_bytes(script.encode())
    path.chmod(mode)
    return path


_COPY_ENTRY = "FROM debian:bookworm-slim\nCOPY docker-entrypoint.sh /usr/local/bin/\n"


def test_vw209_script_without_exec_bit(tmp_path: Path) -> None:
    _entry(tmp_path, _COPY_ENTRY + 'ENTRYPOINT ["docker-entrypoint.sh"]\nCMD ["/app"]\n')
    findings = lint(tmp_path, ["VW209"])
    assert where(findings, tmp_path) == [("VW209", "docker-entrypoint.sh", 1)]
    f = findings[0]
    assert "permission denied" in f.message and "mode 644" in f.message
    assert [r.location.line for r in f.related] == [2, 3]


def test_vw209_copy_chmod_without_exec_bit(tmp_path: Path) -> None:
    _entry(tmp_path, "FROM debian:bookworm-slim\nCOPY --chmod=644 docker-entrypoint.sh /e.sh\n"
                     'ENTRYPOINT ["/e.sh"]\n', mode=0o755)
    findings = lint(tmp_path, ["VW209"])
    assert where(findings, tmp_path) == [("VW209", "docker-entrypoint.sh", 1)]
    assert "--chmod=644" in findings[0].message


@pytest.mark.parametrize("dockerfile", [
    "FROM debian:bookworm-slim\nCOPY --chmod=755 docker-entrypoint.sh /e.sh\nENTRYPOINT [\"/e.sh\"]\n",
    "FROM debian:bookworm-slim\nCOPY docker-entrypoint.sh /e.sh\nRUN chmod +x /e.sh\nENTRYPOINT [\"/e.sh\"]\n",
    "FROM debian:bookworm-slim\nWORKDIR /app\nCOPY . .\nRUN chmod -R 755 /app\nENTRYPOINT [\"./docker-entrypoint.sh\"]\n",
    "FROM debian:bookworm-slim\nWORKDIR /app\nCOPY . .\nRUN chmod +x *.sh\nENTRYPOINT [\"./docker-entrypoint.sh\"]\n",
])
def test_vw209_silent_when_the_stage_sets_the_mode(tmp_path: Path, dockerfile: str) -> None:
    _entry(tmp_path, dockerfile)
    assert lint(tmp_path, ["VW209"]) == []


@pytest.mark.parametrize("start", [
    'ENTRYPOINT ["sh", "/usr/local/bin/docker-entrypoint.sh"]',
    'CMD ["/bin/bash", "/usr/local/bin/docker-entrypoint.sh", "serve"]',
    "ENTRYPOINT sh /usr/local/bin/docker-entrypoint.sh",
])
def test_vw209_silent_for_scripts_run_through_an_interpreter(tmp_path: Path, start: str) -> None:
    _entry(tmp_path, _COPY_ENTRY + start + "\n", script="set -e\r\nexec /app\r\n")
    assert lint(tmp_path, ["VW209"]) == []


def test_vw209_shell_form_still_needs_the_exec_bit_but_no_shebang(tmp_path: Path) -> None:
    _entry(tmp_path, _COPY_ENTRY + "CMD docker-entrypoint.sh /app\n", script="set -e\nexec \"$@\"\n")
    findings = lint(tmp_path, ["VW209"])
    assert len(findings) == 1 and "permission denied" in findings[0].message


def test_vw209_executable_script_is_silent(tmp_path: Path) -> None:
    _entry(tmp_path, _COPY_ENTRY + 'ENTRYPOINT ["docker-entrypoint.sh"]\n', mode=0o755)
    assert lint(tmp_path, ["VW209"]) == []


def test_vw209_no_shebang_and_byte_order_mark(tmp_path: Path) -> None:
    _entry(tmp_path, _COPY_ENTRY + 'ENTRYPOINT ["docker-entrypoint.sh"]\n', script="set -e\nexec /app\n", mode=0o755)
    findings = lint(tmp_path, ["VW209"])
    assert len(findings) == 1 and "exec format error" in findings[0].message
    (tmp_path / "docker-entrypoint.sh").write_bytes(b"\xef\xbb\xbf" + _SCRIPT.encode())
    findings = lint(tmp_path, ["VW209"])
    assert len(findings) == 1 and "byte-order mark" in findings[0].message


def test_vw209_crlf_line_endings(tmp_path: Path) -> None:
    _entry(tmp_path, _COPY_ENTRY + 'ENTRYPOINT ["docker-entrypoint.sh"]\n', script=_SCRIPT.replace("\n", "\r\n"),
           mode=0o755)
    findings = lint(tmp_path, ["VW209"])
    assert where(findings, tmp_path) == [("VW209", "docker-entrypoint.sh", 1)]
    assert "CRLF" in findings[0].message and "`/bin/sh\\r`" in findings[0].message


@pytest.mark.parametrize("extra", [
    {".gitattributes": "* text=auto\n*.sh text eol=lf\n"},
    {".gitattributes": "docker-entrypoint.sh eol=lf\n"},
])
def test_vw209_silent_for_crlf_when_gitattributes_checks_out_lf(tmp_path: Path, extra: dict[str, str]) -> None:
    _entry(tmp_path, _COPY_ENTRY + 'ENTRYPOINT ["docker-entrypoint.sh"]\n', script=_SCRIPT.replace("\n", "\r\n"),
           mode=0o755, **extra)
    assert lint(tmp_path, ["VW209"]) == []


def test_vw209_silent_for_crlf_converted_in_the_image(tmp_path: Path) -> None:
    _entry(tmp_path, "FROM debian:bookworm-slim\nCOPY docker-entrypoint.sh /e.sh\n"
                     "RUN sed -i 's/\\r$//' /e.sh && chmod +x /e.sh\nENTRYPOINT [\"/e.sh\"]\n",
           script=_SCRIPT.replace("\n", "\r\n"))
    assert lint(tmp_path, ["VW209"]) == []


def test_vw209_interpreter_missing_in_alpine(tmp_path: Path) -> None:
    _entry(tmp_path, "FROM alpine:3.20\nCOPY docker-entrypoint.sh /e.sh\nENTRYPOINT [\"/e.sh\"]\n",
           script="#!/bin/bash\nexec /app\n", mode=0o755)
    findings = lint(tmp_path, ["VW209"])
    assert len(findings) == 1 and "no `/bin/bash`" in findings[0].message


@pytest.mark.parametrize(("dockerfile", "script"), [
    ("FROM alpine:3.20\nCOPY docker-entrypoint.sh /e.sh\nENTRYPOINT [\"/e.sh\"]\n", "#!/bin/sh\nexec /app\n"),
    ("FROM alpine:3.20\nRUN apk add --no-cache bash\nCOPY docker-entrypoint.sh /e.sh\nENTRYPOINT [\"/e.sh\"]\n",
     "#!/usr/bin/env bash\nexec /app\n"),
    ("FROM debian:bookworm-slim\nCOPY docker-entrypoint.sh /e.sh\nENTRYPOINT [\"/e.sh\"]\n",
     "#!/usr/bin/env bash\nexec /app\n"),
])
def test_vw209_silent_when_the_interpreter_is_there(tmp_path: Path, dockerfile: str, script: str) -> None:
    _entry(tmp_path, dockerfile, script=script, mode=0o755)
    assert lint(tmp_path, ["VW209"]) == []


_WAIT = '#!/bin/sh\nset -e\nuntil nc -z db 5432; do sleep 1; done\nenvsubst < /t.conf > /app.conf\nexec "$@"\n'


def test_vw209_programs_the_script_runs_before_the_app(tmp_path: Path) -> None:
    _entry(tmp_path, _COPY_ENTRY + 'ENTRYPOINT ["docker-entrypoint.sh"]\n', script=_WAIT, mode=0o755)
    findings = lint(tmp_path, ["VW209"])
    assert [(f.location.line, f.location.col) for f in findings] == [(3, 7), (4, 1)]
    assert "`nc`" in findings[0].message and "apt-get install" in findings[0].message
    assert "`envsubst`" in findings[1].message


@pytest.mark.parametrize("dockerfile", [
    _COPY_ENTRY + "RUN apt-get update && apt-get install -y netcat-openbsd gettext-base\n"
                  'ENTRYPOINT ["docker-entrypoint.sh"]\n',
    "FROM alpine:3.20\nRUN apk add --no-cache gettext\nCOPY docker-entrypoint.sh /usr/local/bin/\n"
    'ENTRYPOINT ["docker-entrypoint.sh"]\n',
    # inside `if …; then …; fi`: the install counts, and a script it runs may install anything
    _COPY_ENTRY + "ARG PROFILE=prod\nRUN if [ \"$PROFILE\" = dev ]; then apt-get install -y netcat-openbsd; "
                  "else /usr/local/bin/install.sh; fi\nRUN apt-get install -y gettext-base\n"
                  'ENTRYPOINT ["docker-entrypoint.sh"]\n',
])
def test_vw209_silent_when_the_programs_are_installed(tmp_path: Path, dockerfile: str) -> None:
    _entry(tmp_path, dockerfile, script=_WAIT.replace("envsubst", "envsubst" if "gettext" in dockerfile else ":"),
           mode=0o755)
    assert lint(tmp_path, ["VW209"]) == []


def test_vw209_silent_for_programs_the_script_probes_for(tmp_path: Path) -> None:
    script = '#!/bin/sh\nif command -v nc >/dev/null; then\n  until nc -z db 5432; do sleep 1; done\nfi\nexec "$@"\n'
    _entry(tmp_path, _COPY_ENTRY + 'ENTRYPOINT ["docker-entrypoint.sh"]\n', script=script, mode=0o755)
    assert lint(tmp_path, ["VW209"]) == []


def test_vw209_compose_entrypoint_override_and_bind_mount(tmp_path: Path) -> None:
    _entry(tmp_path, "FROM debian:bookworm-slim\nWORKDIR /app\nCOPY docker-entrypoint.sh ./start.sh\n"
                     'CMD ["/usr/local/bin/app"]\n',
           **{"compose.yaml": "services:\n  api:\n    build: .\n    entrypoint: [\"./start.sh\"]\n"
                              "  cache:\n    image: alpine:3.20\n    entrypoint: /scripts/init.sh\n"
                              "    volumes:\n      - ./scripts:/scripts:ro\n",
              "scripts/init.sh": "#!/bin/bash\nexec redis-server\n"})
    findings = lint(tmp_path, ["VW209"])
    assert where(findings, tmp_path) == [("VW209", "docker-entrypoint.sh", 1), ("VW209", "scripts/init.sh", 1),
                                         ("VW209", "scripts/init.sh", 1)]
    assert "compose `entrypoint:` of service `api`" in findings[0].message
    assert {"permission denied" in f.message or "no `/bin/bash`" in f.message for f in findings[1:]} == {True}


def test_vw209_compose_command_of_an_image_only_service_is_an_argument(tmp_path: Path) -> None:
    """`command: /usr/local/etc/redis/redis.conf` is handed to the redis image's own entrypoint: the config file
    is never executed. A script given as `command:` still is."""
    write(tmp_path, {
        "compose.yaml": "services:\n  cache:\n    image: redis:7\n    command: /usr/local/etc/redis/redis.conf\n"
                        "    volumes:\n      - ./config/redis.conf:/usr/local/etc/redis/redis.conf:ro\n"
                        "  job:\n    image: alpine:3.20\n    command: /jobs/run.sh\n"
                        "    volumes:\n      - ./jobs:/jobs:ro\n",
        "config/redis.conf": "maxmemory 256mb\n",
        "jobs/run.sh": "echo run\n",
    })
    assert where(lint(tmp_path, ["VW209"]), tmp_path) == [("VW209", "jobs/run.sh", 1), ("VW209", "jobs/run.sh", 1)]
    # a script without an extension or `#!` is still one
    (tmp_path / "jobs/run.sh").rename(tmp_path / "jobs/run")
    (tmp_path / "compose.yaml").write_text((tmp_path / "compose.yaml").read_text().replace("run.sh", "run"))
    assert where(lint(tmp_path, ["VW209"]), tmp_path) == [("VW209", "jobs/run", 1), ("VW209", "jobs/run", 1)]


def test_vw209_committed_mode_wins_over_the_disk(tmp_path: Path) -> None:
    import shutil
    import subprocess

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    script = _entry(tmp_path, _COPY_ENTRY + 'ENTRYPOINT ["docker-entrypoint.sh"]\n', mode=0o755)
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "update-index", "--chmod=-x", "docker-entrypoint.sh"], check=True)
    findings = lint(tmp_path, ["VW209"])
    assert len(findings) == 1 and "executable on this disk but committed without the exec bit" in findings[0].message
    subprocess.run([*git, "update-index", "--chmod=+x", "docker-entrypoint.sh"], check=True)
    script.chmod(0o644)  # a checkout on a filesystem without exec bits: clones still get 100755
    assert lint(tmp_path, ["VW209"]) == []


def test_vw209_no_claim_for_binaries_and_huge_files(tmp_path: Path) -> None:
    _entry(tmp_path, _COPY_ENTRY + 'ENTRYPOINT ["docker-entrypoint.sh"]\n', script="\x7fELF\x02\x01\x01\x00")
    assert lint(tmp_path, ["VW209"]) == []
    (tmp_path / "docker-entrypoint.sh").write_text("#!/bin/sh\r\n" + "echo x\n" * 100_000)
    assert lint(tmp_path, ["VW209"]) == []


# ---------------------------------------------------------------- VW406 secret-in-image

_KEY = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n"
_CERT = "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBa\n-----END CERTIFICATE-----\n"
_RUNTIME = "FROM gcr.io/distroless/cc-debian12\nWORKDIR /app\n"  # a runtime base whose own command is no shell
_SECRET = "DATABASE_URL=postgres://app:hunter2-s3cr3t@db/app\n"


def test_vw406_explicit_copies_of_secret_files(tmp_path: Path) -> None:
    write(tmp_path, {
        ".env": _SECRET, "deploy/id_ed25519": "k", "tls/server.key": _KEY, "gcp/credentials.json": '{"private_key": "x"}',
        "Dockerfile": _RUNTIME + "COPY .env ./\nCOPY deploy/id_ed25519 /root/.ssh/\nCOPY tls/server.key /etc/tls/\n"
                      "COPY gcp/credentials.json /etc/gcp.json\n",
    })
    findings = lint(tmp_path, ["VW406"])
    assert where(findings, tmp_path) == [("VW406", "Dockerfile", n) for n in (3, 4, 5, 6)]
    dotenv, ssh, key, cred = findings
    assert "`.env` (a dotenv file)" in dotenv.message and "`/app/.env`" in dotenv.message
    assert dotenv.location.col == 6
    assert "SSH private key" in ssh.message and "a private key" in key.message and "credentials file" in cred.message


def test_vw406_explicit_copy_of_a_dotenv_file_not_in_the_checkout(tmp_path: Path) -> None:
    write(tmp_path, {"Dockerfile": _RUNTIME + "COPY .env.production ./.env\n"})  # the deploy host's copy ships
    assert where(lint(tmp_path, ["VW406"]), tmp_path) == [("VW406", "Dockerfile", 3)]


def test_vw406_directory_copy_without_dockerignore_entry(tmp_path: Path) -> None:
    write(tmp_path, {
        ".env": _SECRET, ".env.production": _SECRET, ".env.example": "DATABASE_URL=\n", "certs/server.key": _KEY,
        "certs/ca.crt": _CERT, "tests/fixtures/test.key": _KEY, ".dockerignore": "target/\n",
        "Dockerfile": _RUNTIME + "COPY . .\nCMD [\"/app/run\"]\n",
    })
    findings = lint(tmp_path, ["VW406"])
    assert where(findings, tmp_path) == [("VW406", "Dockerfile", 3)]
    msg = findings[0].message
    assert "`.env` (a dotenv file)" in msg and "`.env.production`" in msg and "`certs/server.key` (a private key)" in msg
    assert "`.env.example`" not in msg and "ca.crt" not in msg and "tests/" not in msg
    assert "add them to `.dockerignore`" in msg
    assert [r.location.path.name for r in findings[0].related] == [".dockerignore"]


def test_vw406_secret_a_builder_stage_copied_reaches_the_final_image(tmp_path: Path) -> None:
    write(tmp_path, {
        ".env": _SECRET,
        "Dockerfile": "FROM rust:1.83 AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
                      "FROM debian:bookworm-slim\nCOPY --from=build /src /srv\nCMD [\"/srv/app\"]\n",
    })
    findings = lint(tmp_path, ["VW406"])
    assert where(findings, tmp_path) == [("VW406", "Dockerfile", 6)]
    assert "`/srv/.env`" in findings[0].message and findings[0].related[0].location.line == 3


def test_vw406_is_a_warning_on_an_image_that_runs_the_repos_binary(tmp_path: Path) -> None:
    write(tmp_path, {
        ".env": _SECRET, "Cargo.toml": '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n',
        "src/main.rs": "fn main() {}\n",
        "Dockerfile": "FROM rust:1.83 AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
                      "FROM debian:bookworm-slim\nWORKDIR /app\nCOPY .env ./\n"
                      "COPY --from=build /src/target/release/app /usr/local/bin/app\nCMD [\"app\"]\n",
    })
    findings = lint(tmp_path, ["VW406"])
    assert where(findings, tmp_path) == [("VW406", "Dockerfile", 7)] and findings[0].level is Level.WARNING


def test_vw406_file_contents_never_in_any_output(tmp_path: Path) -> None:
    write(tmp_path, {".env": _SECRET, "key.pem": _KEY, "Dockerfile": _RUNTIME + "COPY . .\n"})
    for fmt in ("text", "json", "sarif", "github", "gitlab"):
        result = CliRunner().invoke(cli, ["--select", "VW406", "--format", fmt, str(tmp_path)])
        assert "VW406" in result.output
        assert "hunter2" not in result.output and "MIIEvQ" not in result.output, fmt


@pytest.mark.parametrize("files", [
    {".env.example": "A=\n", ".env.sample": "A=\n", ".env.template": "A=\n",
     "Dockerfile": _RUNTIME + "COPY .env.example .env.sample .env.template ./\nCOPY . .\n"},
    {".env": _SECRET, "a.key": _KEY, ".dockerignore": "**/.env\n*.key\n", "Dockerfile": _RUNTIME + "COPY . .\n"},
    {".env": _SECRET, ".dockerignore": "*\n!src\n!Cargo.toml\n", "src/main.rs": "", "Cargo.toml": "",
     "Dockerfile": _RUNTIME + "COPY . .\n"},
    {"certs/ca.crt": _CERT, "certs/chain.pem": _CERT, "id_rsa.pub": "ssh-ed25519 AAAA",
     "Dockerfile": _RUNTIME + "COPY certs/ /etc/ssl/app/\nCOPY certs/chain.pem id_rsa.pub /etc/\n"},
    {".env": _SECRET, "src/main.rs": "", "Dockerfile": "FROM rust:1.83 AS build\nWORKDIR /src\nCOPY . .\n"
     "RUN cargo build --release\nFROM debian:bookworm-slim\nCOPY --from=build /src/target/release/app /app\n"},
    {"tests/certs/server.key": _KEY, "examples/.env": _SECRET, "Dockerfile": _RUNTIME + "COPY . .\n"},
    {".env": "RUST_LOG=info\nAPI_BASE_URL=http://api:8080\nJWT_SECRET=${JWT_SECRET}\nDB_PASSWORD=changeme\n",
     "Dockerfile": _RUNTIME + "COPY .env ./\nCOPY . .\n"},
])
def test_vw406_silent_for_look_alikes(tmp_path: Path, files: dict[str, str]) -> None:
    write(tmp_path, files)
    assert lint(tmp_path, ["VW406"]) == []


def test_vw406_silent_on_dev_images(tmp_path: Path) -> None:
    write(tmp_path, {".env": _SECRET, "Dockerfile.dev": _RUNTIME + "COPY . .\n"})
    assert lint(tmp_path, ["VW406"]) == []


@pytest.mark.parametrize(("builder_run", "claims"), [("", 1), ("RUN chmod +x /src/docker-entrypoint.sh\n", 0)])
def test_vw209_script_copied_from_a_builder_stage(tmp_path: Path, builder_run: str, claims: int) -> None:
    _entry(tmp_path, "FROM rust:1.83 AS build\nWORKDIR /src\nCOPY . .\n" + builder_run + "RUN cargo build --release\n"
                     "FROM debian:bookworm-slim\nCOPY --from=build /src/docker-entrypoint.sh /usr/local/bin/\n"
                     'ENTRYPOINT ["docker-entrypoint.sh"]\n')
    findings = lint(tmp_path, ["VW209"])
    assert len(findings) == claims and all("permission denied" in f.message for f in findings)


def test_vw209_programs_of_scripts_bash_cannot_parse_and_base_images(tmp_path: Path) -> None:
    script = ('#!/bin/bash\nset -e\nARGS=(--port 8080)\nif [[ "$1" =~ ^- ]]; then set -- app "$@"; fi\n'
              'case "$1" in\n  curl) echo no ;;\nesac\ncat <<EOF > /tmp/x\ncurl inside a heredoc\nEOF\n'
              'until nc -z db 5432; do sleep 1; done\nexec "$@"\n')
    _entry(tmp_path, _COPY_ENTRY + 'ENTRYPOINT ["docker-entrypoint.sh"]\n', script=script, mode=0o755)
    findings = lint(tmp_path, ["VW209"])
    assert [(f.location.line, "`nc`" in f.message) for f in findings] == [(11, True)]
    (tmp_path / "Dockerfile").rename(tmp_path / "Dockerfile.base")  # a base other images add the tools to
    assert lint(tmp_path, ["VW209"]) == []


def test_vw209_silent_for_tools_cargo_install_provides(tmp_path: Path) -> None:
    _entry(tmp_path, "FROM rust:1.83-slim\nRUN cargo install diesel_cli --no-default-features --features postgres\n"
                     "RUN cargo install some-migrator\nCOPY docker-entrypoint.sh /e.sh\nENTRYPOINT [\"/e.sh\"]\n",
           script="#!/bin/sh\ndiesel migration run\nsqlx migrate run\nexec /app\n", mode=0o755)
    assert lint(tmp_path, ["VW209"]) == []


_NGINX_ENTRY = ('#!/bin/sh\nset -e\nenvsubst \'${BACKEND_HOST}\' < /etc/nginx/t.conf > /etc/nginx/conf.d/default.conf\n'
                'exec nginx -g "daemon off;"\n')


@pytest.mark.parametrize("base", ["nginx:1.27-alpine", "nginx:1.27", "nginx:stable-alpine-slim",
                                  "nginxinc/nginx-unprivileged:1.27-alpine"])
def test_vw209_official_nginx_images_ship_envsubst(tmp_path: Path, base: str) -> None:
    _entry(tmp_path, f"FROM {base}\nCOPY docker-entrypoint.sh /docker-entrypoint.sh\n"
                     'ENTRYPOINT ["/docker-entrypoint.sh"]\n', script=_NGINX_ENTRY, mode=0o755)
    assert lint(tmp_path, ["VW209"]) == []


def test_vw209_nginx_alpine_slim_has_no_curl(tmp_path: Path) -> None:
    script = _NGINX_ENTRY.replace("set -e\n", "set -e\ncurl -fsS http://consul:8500/v1/agent/self\n")
    _entry(tmp_path, "FROM nginx:1.27-alpine-slim\nCOPY docker-entrypoint.sh /docker-entrypoint.sh\n"
                     'ENTRYPOINT ["/docker-entrypoint.sh"]\n', script=script, mode=0o755)
    findings = lint(tmp_path, ["VW209"])
    assert len(findings) == 1 and "`curl`" in findings[0].message
