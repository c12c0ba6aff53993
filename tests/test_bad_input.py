"""Hostile and broken input: the linter reports it (VW001/VW002) and goes on, it never crashes.

Every case runs the real command line (``viworks_lint.cli:cli`` through click's runner, so an
exception reaches the test instead of the CLI's last-resort handler) and checks the exit code, the
absence of a traceback, where the finding points, and that a second, parseable file beside the
broken one is still linted.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from viworks_lint.cli import cli

# A Dockerfile with a defect of its own (VW102 at 2:6), put next to broken files to show that one
# broken file does not stop the others from being linted.
SIBLING_DOCKERFILE = "FROM rust:1.80\nCOPY not-there.rs ./\nUSER 10001\n"
SIBLING = ("VW102", "sibling/Dockerfile", 2, 6)


@dataclass
class Outcome:
    exit_code: int
    findings: list[dict[str, Any]]
    stdout: str
    stderr: str

    def at(self, rule: str, path: str) -> list[dict[str, Any]]:
        return [f for f in self.findings if f["rule"] == rule and f["path"] == path]

    def has(self, rule: str, path: str, line: int | None = None, column: int | None = None) -> dict[str, Any]:
        hits = self.at(rule, path)
        assert hits, f"no {rule} finding for {path}; got {self.summary()}"
        if line is not None:
            hits = [f for f in hits if f["line"] == line]
            assert hits, f"{rule} for {path} not on line {line}; got {self.summary()}"
        if column is not None:
            hits = [f for f in hits if f["column"] == column]
            assert hits, f"{rule} for {path}:{line} not at column {column}; got {self.summary()}"
        return hits[0]

    def summary(self) -> list[str]:
        return [f"{f['rule']} {f['path']}:{f['line']}:{f['column']} {f['message']}" for f in self.findings]


def lint(root: Path, *args: str, expect_exit: tuple[int, ...] = (0, 1)) -> Outcome:
    result = CliRunner().invoke(cli, [str(root), "--format", "json", "--no-color", *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"the linter crashed: {result.exception!r}") from result.exception
    assert "Traceback" not in result.output
    assert "internal error" not in result.output, result.output
    assert result.exit_code in expect_exit, f"exit {result.exit_code}:\n{result.output}"
    findings = json.loads(result.stdout)["findings"] if result.stdout.strip() else []
    return Outcome(result.exit_code, findings, result.stdout, result.stderr)


def write(root: Path, rel: str, data: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


def add_sibling(root: Path) -> None:
    write(root, "sibling/Dockerfile", SIBLING_DOCKERFILE)


def assert_sibling_linted(out: Outcome) -> None:
    rule, path, line, col = SIBLING
    out.has(rule, path, line, col)


# ----------------------------------------------------------------------------------------- syntax errors


def test_invalid_yaml_points_at_the_error(tmp_path: Path) -> None:
    write(tmp_path, "compose.yaml", 'services:\n  api:\n    image: api\n   ports: ["8080:8080"]\n')
    add_sibling(tmp_path)
    out = lint(tmp_path)
    assert out.exit_code == 1
    f = out.has("VW001", "compose.yaml", 4, 4)
    assert "invalid YAML" in f["message"]
    assert_sibling_linted(out)


def test_unclosed_flow_sequence_yaml(tmp_path: Path) -> None:
    write(tmp_path, "compose.yaml", "services:\n  api:\n    image: api\n    environment: [A=1\n")
    add_sibling(tmp_path)
    out = lint(tmp_path)
    assert out.exit_code == 1
    assert "invalid YAML" in out.has("VW001", "compose.yaml", 5)["message"]
    assert_sibling_linted(out)


def test_duplicate_yaml_key_points_at_the_second_key(tmp_path: Path) -> None:
    write(tmp_path, "compose.yaml", "services:\n  api:\n    image: api\n    image: other\n")
    out = lint(tmp_path)
    assert "duplicate key" in out.has("VW001", "compose.yaml", 4, 5)["message"]


def test_invalid_toml_points_at_the_error(tmp_path: Path) -> None:
    write(tmp_path, "api/Cargo.toml", '[package]\nname = "api"\nversion = "0.1.0\nedition = "2021"\n')
    write(tmp_path, "api/src/main.rs", "fn main() {}\n")
    # a parseable manifest beside it, with a defect of its own
    write(tmp_path, "worker/Cargo.toml", '[package]\nname = "worker"\nversion = "0.1.0"\n\n[[bin]]\nname = "w"\n')
    write(tmp_path, "worker/src/main.rs", "fn main() {}\n")
    out = lint(tmp_path)
    assert out.exit_code == 1
    f = out.has("VW001", "api/Cargo.toml", 3)
    assert "invalid TOML" in f["message"]
    assert 1 <= f["column"] <= len('version = "0.1.0') + 1
    out.has("VW101", "worker/Cargo.toml", 6)


def test_invalid_toml_number(tmp_path: Path) -> None:
    write(tmp_path, "Cargo.toml", '[package]\nname = "api"\n\n\nversion = 0.1.0\n')
    out = lint(tmp_path)
    assert "invalid TOML" in out.has("VW001", "Cargo.toml", 5)["message"]


def test_duplicate_toml_key_points_at_the_second_key(tmp_path: Path) -> None:
    write(tmp_path, "Cargo.toml", '[package]\nname = "api"\nname = "other"\n')
    out = lint(tmp_path)
    out.has("VW001", "Cargo.toml", 3)


def test_dockerfile_unknown_instruction(tmp_path: Path) -> None:
    write(tmp_path, "Dockerfile", "FROM rust:1.80\nFROBNICATE --now\nUSER 10001\n")
    add_sibling(tmp_path)
    out = lint(tmp_path)
    f = out.has("VW001", "Dockerfile", 2, 1)
    assert "FROBNICATE" in f["message"]
    assert_sibling_linted(out)


def test_dockerfile_with_only_comments(tmp_path: Path) -> None:
    write(tmp_path, "Dockerfile", "# syntax=docker/dockerfile:1\n# nothing here yet\n\n#\n")
    add_sibling(tmp_path)
    out = lint(tmp_path)
    assert out.exit_code == 1
    assert "no instructions" in out.has("VW001", "Dockerfile", 1)["message"]
    assert_sibling_linted(out)


@pytest.mark.parametrize("text", ["\\\n", "FROM rust:1.80\nUSER 1\n\\\n", "\\"])
def test_dockerfile_dangling_line_continuation(tmp_path: Path, text: str) -> None:
    write(tmp_path, "Dockerfile", text)
    lint(tmp_path)


def test_dockerfile_the_binding_cannot_decode(tmp_path: Path) -> None:
    # BuildKit's binding raises UnicodeDecodeError on this HEALTHCHECK; the finding must stay inside the file
    write(tmp_path, "Dockerfile", "FROM rust:1.80\nRUN cargo build\nHEALTHCHECK àb\nUSER 10001\n")
    add_sibling(tmp_path)
    out = lint(tmp_path)
    assert "does not parse" in out.has("VW001", "Dockerfile", 3, 1)["message"]
    assert_sibling_linted(out)


def test_compose_with_top_level_list(tmp_path: Path) -> None:
    write(tmp_path, "compose.yaml", "- services\n- api\n")
    add_sibling(tmp_path)
    out = lint(tmp_path)
    assert "mapping at the top level" in out.has("VW002", "compose.yaml", 1)["message"]
    assert_sibling_linted(out)


@pytest.mark.parametrize("text", ["hello\n", "42\n", "---\n...\n", "# only a comment\n", "null\n"])
def test_compose_without_a_mapping(tmp_path: Path, text: str) -> None:
    write(tmp_path, "compose.yaml", text)
    out = lint(tmp_path)
    assert out.exit_code == 1
    assert [f for f in out.findings if f["path"] == "compose.yaml" and f["rule"] in ("VW001", "VW002")]


def test_compose_merging_itself(tmp_path: Path) -> None:
    write(tmp_path, "compose.yaml", "x-base: &base\n  <<: *base\nservices:\n  api:\n    image: api\n")
    out = lint(tmp_path)
    assert "invalid YAML" in out.has("VW001", "compose.yaml")["message"]


@pytest.mark.parametrize(
    "text",
    [
        "a: &a [*a]\nservices:\n  api:\n    image: api\n",
        "services: &s\n  api:\n    image: api\n    labels: *s\n",
    ],
    ids=["list", "mapping"],
)
def test_recursive_alias(tmp_path: Path, text: str) -> None:
    write(tmp_path, "compose.yaml", text)
    lint(tmp_path)


def test_odd_yaml_types_in_services(tmp_path: Path) -> None:
    write(
        tmp_path,
        "compose.yaml",
        "services:\n"
        "  1: {image: a}\n"
        "  null: {image: b}\n"
        "  ? [x, y]\n"
        "  : {image: c}\n"
        "  api:\n"
        "    image: !!binary aGVsbG8=\n"
        "    build: {context: [1], dockerfile: {a: 1}, args: [A, B=1, =x]}\n"
        "    labels: !!set {a, b}\n"
        "    command: !custom run\n"
        "    ports: ['[::1', 'abc/', '', ':', {}, {target: x}, [1], null]\n"
        "    volumes: [{}, {bind: 1}, ':', 'C:', null, [1]]\n"
        "    environment: {A: [1], B: {c: d}, C: null}\n"
        "    env_file: [{}, {path: [1]}, null]\n"
        "    depends_on: {db: null, cache: [1], x: {condition: [1]}}\n"
        "    healthcheck: {test: {a: 1}, retries: x, start_period: [1]}\n"
        "    extends: {service: [1]}\n",
    )
    out = lint(tmp_path)
    assert out.exit_code == 1
    assert out.at("VW002", "compose.yaml")


# ----------------------------------------------------------------------------------------- encodings


def test_non_utf8_bytes_everywhere(tmp_path: Path) -> None:
    write(tmp_path, "compose.yaml", b'services:\n  api:\n    image: "\xff\xfe"\n')
    write(tmp_path, "api/Dockerfile", b"FROM rust:1.80\nRUN echo \xe9t\xe9\n")
    write(tmp_path, "Cargo.toml", b'[package]\nname = "\xc3"\n')
    write(tmp_path, ".env", b"A=1\nB=\x80\n")
    add_sibling(tmp_path)
    out = lint(tmp_path)
    assert out.exit_code == 1
    for path, line, col in [("compose.yaml", 3, 13), ("api/Dockerfile", 2, 10), ("Cargo.toml", 2, 9), (".env", 2, 3)]:
        assert "not valid UTF-8" in out.has("VW001", path, line, col)["message"]
    assert_sibling_linted(out)


def test_utf16_compose_is_reported_as_binary(tmp_path: Path) -> None:
    write(tmp_path, "compose.yaml", "services:\n  api:\n    image: api\n".encode("utf-16"))
    out = lint(tmp_path)
    assert "binary" in out.has("VW001", "compose.yaml", 1)["message"]


def test_binary_dockerfile(tmp_path: Path) -> None:
    blob = bytes(range(256)) * 64  # NUL bytes and every other byte value
    write(tmp_path, "Dockerfile", blob)
    write(tmp_path, "Dockerfile.worker", b"\x7fELF\x02\x01\x01\x00" + bytes(4000))
    add_sibling(tmp_path)
    out = lint(tmp_path)
    assert out.exit_code == 1
    assert "binary" in out.has("VW001", "Dockerfile", 1)["message"]
    assert "binary" in out.has("VW001", "Dockerfile.worker", 1)["message"]
    assert_sibling_linted(out)


def test_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    write(tmp_path, "compose.yaml", "\ufeffservices:\r\n  api:\r\n    build: ./api\r\n    init: true\r\n")
    write(tmp_path, "api/Dockerfile", "\ufeffFROM rust:1.80\r\nCOPY missing.rs ./\r\nUSER 10001\r\n")
    out = lint(tmp_path)
    assert not [f for f in out.findings if f["rule"] in ("VW001", "VW002")], out.summary()
    out.has("VW102", "api/Dockerfile", 2, 6)


# ----------------------------------------------------------------------------------------- empty files


def test_empty_files_of_each_kind(tmp_path: Path) -> None:
    for name in ("compose.yaml", "Dockerfile", "Cargo.toml", ".env", ".dockerignore", "app.Dockerfile"):
        write(tmp_path, name, "")
    write(tmp_path, "ws/compose.yaml", "   \n\n  \n")
    write(tmp_path, "ws/Dockerfile", "\n\n   \n")
    add_sibling(tmp_path)
    out = lint(tmp_path)
    assert out.exit_code == 1
    assert "empty" in out.has("VW001", "compose.yaml", 1)["message"]
    assert "empty" in out.has("VW001", "ws/compose.yaml", 1)["message"]
    out.has("VW001", "Dockerfile", 1)
    out.has("VW001", "app.Dockerfile", 1)
    out.has("VW001", "ws/Dockerfile", 1)
    # an empty .env or .dockerignore is valid
    assert not out.at("VW001", ".env")
    assert not out.at("VW001", ".dockerignore")
    assert_sibling_linted(out)


# ----------------------------------------------------------------------------------------- resource limits


def _alias_bomb(levels: int = 9, width: int = 9) -> str:
    lines = ["x-l0: &l0 [" + ", ".join(['"lol"'] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"x-l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
    lines += ["services:", "  api:", "    image: api", "    labels:", f"      bomb: *l{levels - 1}", ""]
    return "\n".join(lines)


def test_yaml_alias_bomb(tmp_path: Path) -> None:
    write(tmp_path, "compose.yaml", _alias_bomb())  # 9**9 strings once expanded
    add_sibling(tmp_path)
    started = time.monotonic()
    out = lint(tmp_path)
    assert time.monotonic() - started < 30
    assert out.exit_code == 1
    assert "aliases" in out.has("VW001", "compose.yaml", 1)["message"]
    assert_sibling_linted(out)


def test_50_megabyte_compose_is_not_parsed(tmp_path: Path) -> None:
    path = tmp_path / "compose.yaml"
    line = b"  # " + b"x" * 92 + b"\n"
    with path.open("wb") as fh:
        fh.write(b"services:\n  api:\n    image: api\n")
        chunk = line * 10_000
        while fh.tell() < 50 * 1024 * 1024:
            fh.write(chunk)
    add_sibling(tmp_path)
    started = time.monotonic()
    out = lint(tmp_path)
    elapsed = time.monotonic() - started
    assert elapsed < 15, f"took {elapsed:.1f}s; a file over the limit must not be parsed"
    assert out.exit_code == 1
    assert "too large" in out.has("VW001", "compose.yaml", 1)["message"]
    assert_sibling_linted(out)


@pytest.mark.parametrize(
    "deep",
    [
        "[" * 10_000 + "]" * 10_000,
        "{a: " * 10_000 + "x" + "}" * 10_000,
        "- " * 10_000 + "x",
    ],
    ids=["flow-sequences", "flow-mappings", "block-sequences"],
)
def test_deeply_nested_yaml(tmp_path: Path, deep: str) -> None:
    write(tmp_path, "compose.yaml", f"services:\n  api:\n    image: api\nx-deep: {deep}\n")
    add_sibling(tmp_path)
    out = lint(tmp_path)
    assert out.exit_code == 1
    assert out.at("VW001", "compose.yaml"), out.summary()
    assert_sibling_linted(out)


def test_deeply_nested_toml(tmp_path: Path) -> None:
    write(tmp_path, "Cargo.toml", '[package]\nname = "api"\nx = ' + "[" * 10_000 + "]" * 10_000 + "\n")
    write(
        tmp_path, "worker/Cargo.toml", '[package]\nname = "worker"\nx = ' + "{a=" * 10_000 + "1" + "}" * 10_000 + "\n"
    )
    add_sibling(tmp_path)
    assert_sibling_linted(lint(tmp_path))


def test_deep_interpolation_nesting(tmp_path: Path) -> None:
    deep = "${A:-" * 5_000 + "x" + "}" * 5_000
    write(tmp_path, "compose.yaml", f"services:\n  api:\n    image: '{deep}'\n")
    add_sibling(tmp_path)
    assert_sibling_linted(lint(tmp_path))


# ----------------------------------------------------------------------------------------- digits
# str.isdigit() is true for characters such as "¹" that int() rejects.

AXUM_MAIN = """\
use axum::{routing::get, Router};

async fn health() -> &'static str {
    "ok"
}

#[tokio::main]
async fn main() {
    let port = std::env::var("PORT").unwrap_or_else(|_| "8080".into());
    let app = Router::new().route("/health", get(health));
    let listener = tokio::net::TcpListener::bind(format!("0.0.0.0:{port}")).await.unwrap();
    axum::serve(listener, app).await.unwrap();
}
"""


def test_superscript_digit_in_compose_ports(tmp_path: Path) -> None:
    write(tmp_path, "compose.yaml", "services:\n  api:\n    image: api\n    ports: ['¹', '8080:¹', {target: '¹'}]\n")
    add_sibling(tmp_path)
    assert_sibling_linted(lint(tmp_path))


def test_superscript_digit_as_dockerfile_stage_reference(tmp_path: Path) -> None:
    write(tmp_path, "compose.yaml", "services:\n  api:\n    build: {context: ., target: '¹'}\n")
    write(tmp_path, "Dockerfile", "FROM rust:1.80 AS build\nCOPY --from=¹ /a /b\nFROM debian:bookworm-slim\nUSER 1\n")
    lint(tmp_path)


def test_superscript_digit_in_port_env_var(tmp_path: Path) -> None:
    write(
        tmp_path,
        "compose.yaml",
        "services:\n  api:\n    build: .\n    init: true\n    environment:\n      PORT: '¹'\n",
    )
    write(tmp_path, "Dockerfile", "FROM rust:1.80\nCOPY . .\nRUN cargo build --release\nUSER 10001\n")
    write(tmp_path, "Cargo.toml", '[package]\nname = "api"\nversion = "0.1.0"\nedition = "2021"\n')
    write(tmp_path, "src/main.rs", AXUM_MAIN)
    lint(tmp_path)


def test_superscript_digit_in_nginx_proxy_pass(tmp_path: Path) -> None:
    write(
        tmp_path,
        "compose.yaml",
        "services:\n  api:\n    image: api\n  proxy:\n    image: nginx\n"
        "    volumes: ['./nginx.conf:/etc/nginx/nginx.conf:ro']\n",
    )
    write(
        tmp_path,
        "nginx.conf",
        "events {}\nhttp {\n  server {\n    listen 80;\n    location / { proxy_pass http://api:¹; }\n  }\n}\n",
    )
    lint(tmp_path)


# ----------------------------------------------------------------------------------------- file system


def test_symlink_loops(tmp_path: Path) -> None:
    write(tmp_path, "svc/Dockerfile", SIBLING_DOCKERFILE)
    (tmp_path / "svc" / "up").symlink_to("..", target_is_directory=True)  # directory loop
    (tmp_path / "svc" / "again").symlink_to(tmp_path / "svc", target_is_directory=True)
    for name in ("Dockerfile", "compose.yaml", "Cargo.toml", ".env"):
        (tmp_path / name).symlink_to(name)  # a file symlink to itself
    out = lint(tmp_path)
    assert out.exit_code == 1
    for name in ("Dockerfile", "compose.yaml", "Cargo.toml", ".env"):
        assert "cannot read" in out.has("VW001", name, 1)["message"]
    assert len(out.at("VW102", "svc/Dockerfile")) == 1  # linted once, not once per loop
    out.has("VW102", "svc/Dockerfile", 2, 6)


def test_dangling_symlink(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").symlink_to("does-not-exist")
    add_sibling(tmp_path)
    out = lint(tmp_path)
    assert "cannot read" in out.has("VW001", "Dockerfile", 1)["message"]
    assert_sibling_linted(out)


def _reads_anyway(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            fh.read(1)
        return True
    except OSError:
        return False


def test_unreadable_files(tmp_path: Path) -> None:
    write(tmp_path, "Dockerfile", "FROM rust:1.80\nUSER 10001\n")
    write(tmp_path, "compose.yaml", "services:\n  api:\n    build: .\n")
    write(tmp_path, "Cargo.toml", '[package]\nname = "api"\n')
    locked_dir = tmp_path / "locked"
    write(tmp_path, "locked/Dockerfile", "FROM rust:1.80\n")
    add_sibling(tmp_path)
    files = [tmp_path / "Dockerfile", tmp_path / "compose.yaml", tmp_path / "Cargo.toml"]
    for f in files:
        f.chmod(0)
    locked_dir.chmod(0)
    try:
        if _reads_anyway(files[0]):
            pytest.skip("running with privileges that read files despite mode 000 (root); cannot test")
        out = lint(tmp_path)
        assert out.exit_code == 1
        for name in ("Dockerfile", "compose.yaml", "Cargo.toml"):
            assert "cannot read" in out.has("VW001", name, 1)["message"]
        assert "cannot read" in out.has("VW001", "locked", 1)["message"]
        assert_sibling_linted(out)
    finally:
        locked_dir.chmod(stat.S_IRWXU)
        for f in files:
            f.chmod(stat.S_IRUSR | stat.S_IWUSR)


def _lint_subprocess(root: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, NO_COLOR="1")
    return subprocess.run(
        [sys.executable, "-m", "viworks_lint", ".", "--format", "json"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this platform")
def test_fifo_and_device_parse_without_blocking(tmp_path: Path) -> None:
    """The parsers refuse what is not a regular file (reading a FIFO would block forever)."""
    from viworks_lint.parsers.composeload import load_project
    from viworks_lint.parsers.dockerparse import parse_dockerfile

    os.mkfifo(tmp_path / "Dockerfile")
    df = parse_dockerfile(tmp_path / "Dockerfile")
    assert [p.rule_id for p in df.problems] == ["VW001"]
    assert "not a regular file" in df.problems[0].message
    if Path("/dev/zero").exists():
        (tmp_path / "compose.yaml").symlink_to("/dev/zero")
        loaded = load_project([tmp_path / "compose.yaml"], {})
        assert loaded.project is None
        assert "not a regular file" in loaded.problems[0].message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this platform")
def test_fifo_named_dockerfile_does_not_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "Dockerfile")
    add_sibling(tmp_path)
    proc = _lint_subprocess(tmp_path, timeout=8)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


def test_redefined_anchor_prints_no_library_warning(tmp_path: Path) -> None:
    write(tmp_path, "compose.yaml", "x-a: &port 8080\nx-b: &port 9090\nservices:\n  api:\n    image: api\n")
    proc = _lint_subprocess(tmp_path, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Warning" not in proc.stderr, proc.stderr
    assert "site-packages" not in proc.stderr, proc.stderr


# ----------------------------------------------------------------------------------------- everything at once


def test_every_broken_file_in_one_project_via_the_real_entry_point(tmp_path: Path) -> None:
    """The installed entry point (``main``), as a user runs it: exit 1, no traceback, every file named."""
    write(tmp_path, "a/compose.yaml", "services:\n  api:\n   image: api\n  ports: [1\n")
    write(tmp_path, "b/compose.yaml", _alias_bomb())
    write(tmp_path, "c/compose.yaml", "- just\n- a list\n")
    write(tmp_path, "d/Cargo.toml", "[package\nname = 1\n")
    write(tmp_path, "e/Dockerfile", bytes(range(256)))
    write(tmp_path, "f/Dockerfile", "# nothing\n")
    write(tmp_path, "g/Dockerfile", "FROM x\nNOPE y\n")
    write(tmp_path, "h/.env", b"A=\xff\n")
    write(tmp_path, "i/compose.yaml", "")
    (tmp_path / "j").mkdir()
    (tmp_path / "j" / "Dockerfile").symlink_to("Dockerfile")
    (tmp_path / "j" / "loop").symlink_to("..", target_is_directory=True)
    add_sibling(tmp_path)
    proc = _lint_subprocess(tmp_path, timeout=120)
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.returncode == 1, proc.stderr
    paths = {(f["rule"], f["path"]) for f in json.loads(proc.stdout)["findings"]}
    for rel in ("a/compose.yaml", "b/compose.yaml", "d/Cargo.toml", "e/Dockerfile", "f/Dockerfile"):
        assert ("VW001", rel) in paths, rel
    for rel in ("g/Dockerfile", "h/.env", "i/compose.yaml", "j/Dockerfile"):
        assert ("VW001", rel) in paths, rel
    assert ("VW002", "c/compose.yaml") in paths
    assert ("VW102", "sibling/Dockerfile") in paths


def test_deep_flow_yaml_is_refused_fast(tmp_path: Path) -> None:
    import time

    write(tmp_path, "compose.yaml", "services:\n  x:\n    image: " + "[" * 2000 + "]" * 2000 + "\n")
    start = time.perf_counter()
    out = lint(tmp_path)
    assert time.perf_counter() - start < 5
    assert "nest" in out.has("VW001", "compose.yaml", 3)["message"]


def test_empty_cargo_manifest_is_a_schema_violation(tmp_path: Path) -> None:
    write(tmp_path, "Cargo.toml", "")
    out = lint(tmp_path)
    assert "neither" in out.has("VW002", "Cargo.toml", 1)["message"]


def test_yaml_style_env_file_line_is_valid(tmp_path: Path) -> None:
    """compose-go's dotenv parser ends a key at `=` or `:` (`KEY: value` is valid); a line with neither is not."""
    from viworks_lint.parsers.envfile import parse_env

    parsed = parse_env(tmp_path / ".env", "ROCKET_ADDRESS: 0.0.0.0\nURL=http://api:8080\nnot a line\n")
    assert parsed.as_dict() == {"ROCKET_ADDRESS": "0.0.0.0", "URL": "http://api:8080"}
    assert [p.location.line for p in parsed.problems] == [3]
