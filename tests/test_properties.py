"""Property tests: whatever text or bytes a project file holds, the parsers return a result (with
problems) instead of raising, and the command line exits 0 or 1, never 2 and never with a traceback.

Arbitrary text mostly exercises the error paths; the structured strategies build compose files,
Dockerfiles, manifests and env files from the real vocabulary (service keys, instruction keywords,
target tables, variable references) so the deeper code paths run too.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import tomlkit
from click.testing import CliRunner
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from viworks_lint.cli import cli
from viworks_lint.location import Location
from viworks_lint.parsers.cargoparse import parse_manifest
from viworks_lint.parsers.common import Problem
from viworks_lint.parsers.composeload import load_project
from viworks_lint.parsers.dockerignore import parse_dockerignore
from viworks_lint.parsers.dockerparse import parse_dockerfile
from viworks_lint.parsers.dockersubst import expand
from viworks_lint.parsers.envfile import parse_env
from viworks_lint.parsers.interpolation import Interpolator

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@contextmanager
def project_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="vwl-prop-") as d:
        yield Path(d)


def write(root: Path, rel: str, data: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8", newline="")
    return path


def check_locations(problems: Any, path: Path, text: str | None) -> None:
    """Problems point into the file they are about, on a line that exists (or just past the end)."""
    limit = (len(text.splitlines()) if text is not None else 10**9) + 1
    for p in problems:
        assert isinstance(p, Problem)
        assert p.rule_id in ("VW001", "VW002")
        loc: Location = p.location
        assert loc.path == path
        assert 1 <= loc.line <= max(limit, 1), (p, limit)
        assert loc.col >= 1


def run_cli(root: Path) -> dict[str, Any]:
    result = CliRunner().invoke(cli, [str(root), "--format", "json", "--no-color"])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"the linter crashed: {result.exception!r}") from result.exception
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 1), result.output
    data: dict[str, Any] = json.loads(result.stdout)
    for rule in sorted({f["rule"] for f in data["findings"]}):
        event(f"finding {rule}")
    return data


# ----------------------------------------------------------------------------------------- strategies

# Text that leans towards the characters the grammars care about, plus anything else.
SPECIAL = st.sampled_from([*":-[]{}#&*!|>'\"%@`,?=$\\/\t\n\r ", "${", "$$", "<<", "---", "...", "\ufeff"])
ANY_TEXT = st.one_of(
    st.text(),
    st.lists(st.one_of(SPECIAL, st.text(max_size=5)), max_size=60).map("".join),
)
ANY_BYTES = st.one_of(
    st.binary(max_size=400),
    st.lists(
        st.one_of(st.binary(max_size=4), st.sampled_from([b"\xff", b"\xc3", b"\x00", b"\n", b": "])), max_size=60
    ).map(b"".join),
)

NAMES = st.sampled_from(["api", "web", "db", "worker", "builder", "app", "x", "", "API", "my-svc", "1"])
VARS = st.sampled_from(["PORT", "DATABASE_URL", "RUST_LOG", "A", "_", "1X", "HOME", ""])
VAR_REF = st.builds(
    lambda name, mod, default: "${" + name + mod + default + "}",
    VARS,
    st.sampled_from(["", ":-", "-", ":?", "?", ":+", "+", ":", "!"]),
    st.sampled_from(["", "8080", "x", "${A}", "${B:-c}", "}"]),
) | st.sampled_from(["$PORT", "$$", "$", "${", "${}", "$1", "$A$B"])
WORDS = st.one_of(
    st.sampled_from(
        [
            ".",
            "./api",
            "..",
            "/abs",
            "Dockerfile",
            "rust:1.80",
            "debian:bookworm-slim",
            "8080",
            "8080:80",
            "127.0.0.1:8080:80/udp",
            "./data:/data:ro",
            "true",
            "false",
            "null",
            "CMD",
            "CMD-SHELL",
            "NONE",
            "curl -f http://localhost:8080/health",
            "10s",
            "0",
            "-1",
            "service_healthy",
            "target/release/api",
            "src/main.rs",
            "*.rs",
            "**/x",
            "https://github.com/x/y.git",
            "root",
            "1000:1000",
        ]
    ),
    VAR_REF,
    st.text(max_size=8),
)


def scalars() -> st.SearchStrategy[Any]:
    return st.one_of(WORDS, st.integers(-5, 70000), st.booleans(), st.none(), st.floats(allow_nan=False))


SERVICE_KEYS = [
    "image",
    "build",
    "context",
    "dockerfile",
    "dockerfile_inline",
    "target",
    "args",
    "additional_contexts",
    "healthcheck",
    "test",
    "interval",
    "timeout",
    "retries",
    "start_period",
    "disable",
    "environment",
    "env_file",
    "path",
    "required",
    "ports",
    "expose",
    "published",
    "host_ip",
    "protocol",
    "volumes",
    "type",
    "source",
    "read_only",
    "bind",
    "create_host_path",
    "depends_on",
    "condition",
    "links",
    "networks",
    "secrets",
    "configs",
    "external",
    "user",
    "init",
    "command",
    "entrypoint",
    "network_mode",
    "extends",
    "service",
    "file",
    "restart",
    "labels",
    "<<",
]


def yaml_values(depth: int = 3) -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars(),
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(st.sampled_from(SERVICE_KEYS), children, max_size=5),
        ),
        max_leaves=12,
    )


BUILDS = st.one_of(
    st.sampled_from([".", "./api", "api", "./missing", "https://github.com/x/y.git"]),
    st.fixed_dictionaries(
        {},
        optional={
            "context": st.sampled_from([".", "./api", "..", "./missing"]),
            "dockerfile": st.sampled_from(["Dockerfile", "Dockerfile.prod", "../Dockerfile", "/abs/Dockerfile"]),
            "dockerfile_inline": st.just("FROM scratch\n"),
            "target": st.sampled_from(["builder", "runtime", "0", "nope"]),
            "args": st.one_of(st.dictionaries(VARS, st.one_of(st.none(), WORDS)), st.lists(WORDS, max_size=3)),
            "additional_contexts": st.dictionaries(NAMES, st.sampled_from(["./x", "docker-image://a", "service:b"])),
        },
    ),
    yaml_values(),
)
HEALTHCHECKS = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "test": st.one_of(
                st.lists(st.sampled_from(["CMD", "CMD-SHELL", "NONE", "curl", "-f", "http://localhost:8080/health"])),
                WORDS,
            ),
            "interval": st.sampled_from(["10s", "1m30s", "x", 5]),
            "timeout": st.sampled_from(["3s", ""]),
            "retries": st.one_of(st.integers(-1, 10), WORDS),
            "start_period": st.sampled_from(["30s", "0s", "bad"]),
            "disable": st.booleans(),
        },
    ),
    yaml_values(),
)
SERVICES = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "image": WORDS,
            "build": BUILDS,
            "healthcheck": HEALTHCHECKS,
            "environment": st.one_of(
                st.dictionaries(VARS, st.one_of(st.none(), WORDS.map(str), st.integers())),
                st.lists(st.builds(lambda k, v: f"{k}={v}", VARS, WORDS.map(str)), max_size=3),
            ),
            "env_file": st.one_of(WORDS, st.lists(st.sampled_from([".env", "missing.env", {"path": ".env"}]))),
            "ports": st.lists(st.one_of(WORDS, st.integers(0, 70000), yaml_values()), max_size=3),
            "expose": st.lists(st.one_of(WORDS, st.integers(0, 70000)), max_size=2),
            "volumes": st.lists(st.one_of(WORDS, yaml_values()), max_size=3),
            "depends_on": st.one_of(
                st.lists(NAMES, max_size=3),
                st.dictionaries(NAMES, st.fixed_dictionaries({"condition": WORDS}), max_size=2),
            ),
            "user": WORDS,
            "init": st.one_of(st.booleans(), WORDS),
            "command": st.one_of(WORDS, st.lists(WORDS, max_size=3)),
            "entrypoint": st.one_of(WORDS, st.lists(WORDS, max_size=3)),
            "network_mode": WORDS,
            "extends": st.one_of(NAMES, st.fixed_dictionaries({"service": NAMES})),
            "restart": WORDS,
        },
    ),
    yaml_values(),
)

COMPOSE_DOCS = st.fixed_dictionaries(
    {"services": st.dictionaries(NAMES, SERVICES, max_size=3)},
    optional={
        "volumes": st.dictionaries(NAMES, yaml_values(), max_size=2),
        "networks": st.dictionaries(NAMES, yaml_values(), max_size=2),
        "secrets": st.dictionaries(NAMES, yaml_values(), max_size=2),
        "configs": yaml_values(),
        "x-common": yaml_values(),
        "name": WORDS,
    },
)


def dump_yaml(data: Any) -> str:
    import io

    buf = io.StringIO()
    y = YAML(typ="safe", pure=True)
    y.default_flow_style = False
    y.dump(data, buf)
    return buf.getvalue()


# YAML-ish text: lines of keys at random indentation, with values, anchors, aliases and list dashes.
YAML_LINE = st.builds(
    lambda indent, dash, key, sep, value: " " * indent + dash + key + sep + value,
    st.sampled_from([0, 0, 2, 2, 4, 4, 6, 8, 3, 1]),
    st.sampled_from(["", "", "- "]),
    st.sampled_from(["services", "api", "db", *SERVICE_KEYS]),
    st.sampled_from([":", ": ", ":  ", " ", ": &a ", ": *a", ": !!str ", ": |\n", ": >-\n"]),
    st.one_of(st.just(""), WORDS.map(str), st.sampled_from(["[", "]", "{a: 1}", "[8080, '80']", '"${A}"', "'x'"])),
)
YAML_TEXT = st.lists(YAML_LINE, min_size=1, max_size=25).map(lambda ls: "services:\n" + "\n".join(ls) + "\n")

INSTRUCTIONS = [
    "FROM",
    "RUN",
    "COPY",
    "ADD",
    "ARG",
    "ENV",
    "WORKDIR",
    "USER",
    "CMD",
    "ENTRYPOINT",
    "EXPOSE",
    "HEALTHCHECK",
    "LABEL",
    "SHELL",
    "STOPSIGNAL",
    "VOLUME",
    "ONBUILD",
    "MAINTAINER",
    "from",
    "Copy",
    "NOTANINSTRUCTION",
]
DF_ARGS = st.one_of(
    WORDS.map(str),
    st.sampled_from(
        [
            "AS builder",
            "as Runtime",
            "builder",
            "--from=builder",
            "--from=0",
            "--from=nope",
            "--chown=app:app",
            "--chmod=755",
            "--link",
            "--platform=$BUILDPLATFORM",
            "--mount=type=cache,target=/usr/local/cargo/registry",
            "--interval=30s",
            "--start-period=5s",
            "CMD",
            "NONE",
            '["/app"]',
            '["a", "b"',
            "[]",
            "<<EOF",
            "<<-EOT",
            "A=1",
            "A B",
            "A=${B:-c}",
            "=x",
            "\\",
            "Cargo.toml Cargo.lock ./",
            "src ./src",
            ". .",
            "/src/target/release/api /usr/local/bin/api",
        ]
    ),
)
DF_LINE = st.one_of(
    st.builds(lambda k, args: k + " " + " ".join(args), st.sampled_from(INSTRUCTIONS), st.lists(DF_ARGS, max_size=4)),
    st.sampled_from(["", "# comment", "# syntax=docker/dockerfile:1", "# escape=`", "EOF", "EOT", "  \\", "\\"]),
)
DF_BODY_LINE = st.builds(
    lambda k, args: k + " " + " ".join(args),
    st.sampled_from(["RUN", "COPY", "COPY", "ADD", "ARG", "ENV", "WORKDIR", "USER", "CMD", "ENTRYPOINT", "EXPOSE"])
    | st.sampled_from(["HEALTHCHECK", "LABEL", "SHELL", "VOLUME", "STOPSIGNAL", "FROM"]),
    st.lists(DF_ARGS, min_size=1, max_size=3),
)
DF_FROM = st.builds(
    lambda image, alias: f"FROM {image}{alias}",
    st.sampled_from(["rust:1.80", "debian:bookworm-slim", "builder", "${BASE}", "scratch", "gcr.io/distroless/cc"]),
    st.sampled_from(["", " AS builder", " AS runtime", " as Builder"]),
)
DOCKERFILE_TEXT = st.one_of(
    st.lists(DF_LINE, min_size=1, max_size=20).map(lambda ls: "\n".join(ls) + "\n"),
    st.builds(
        lambda pre, first, body: "\n".join([*pre, first, *body]) + "\n",
        st.lists(st.sampled_from(["ARG BASE=rust:1.80", "# syntax=docker/dockerfile:1", "ARG V"]), max_size=2),
        DF_FROM,
        st.lists(st.one_of(DF_BODY_LINE, DF_BODY_LINE, DF_LINE), max_size=15),
    ),
)

TOML_VALUE = st.one_of(
    st.sampled_from(['"api"', '"src/main.rs"', '"src/bin/x.rs"', '"2021"', '"1.80"', "true", "false", "1", "[]"]),
    st.sampled_from(['["a", "crates/*"]', '{ path = "../x" }', "{ workspace = true }", '"', "[", "{", "'x'"]),
    WORDS.map(lambda w: json.dumps(str(w))),
)
TOML_LINE = st.one_of(
    st.sampled_from(
        [
            "[package]",
            "[workspace]",
            "[lib]",
            "[[bin]]",
            "[[example]]",
            "[[test]]",
            "[[bench]]",
            "[dependencies]",
            "[dev-dependencies]",
            "[workspace.package]",
            "[workspace.dependencies]",
            '[target."cfg(unix)".dependencies]',
            "[workspace.metadata.other]",
            "[package",
            "",
            "# comment",
        ]
    ),
    st.builds(
        lambda k, v: f"{k} = {v}",
        st.sampled_from(
            [
                "name",
                "path",
                "version",
                "edition",
                "rust-version",
                "members",
                "exclude",
                "build",
                "autobins",
                "autoexamples",
                "serde",
                "package",
                "edition.workspace",
                "a.b",
                '"quoted"',
            ]
        ),
        TOML_VALUE,
    ),
)
TOML_TEXT = st.builds(
    lambda head, ls: head + "\n".join(ls) + "\n",
    st.sampled_from(["", '[package]\nname = "api"\n', '[package]\nname = "api"\nversion = "0.1.0"\n[[bin]]\n']),
    st.lists(TOML_LINE, min_size=1, max_size=20),
)

ENV_LINE = st.one_of(
    st.builds(
        lambda export, name, eq, value: export + name + eq + value,
        st.sampled_from(["", "export ", "export\t", "  "]),
        st.sampled_from(["PORT", "A", "DATABASE_URL", "1BAD", "a.b", "", "A B", "é"]),
        st.sampled_from(["=", " = ", "", "=="]),
        st.one_of(
            WORDS.map(str),
            st.sampled_from(["'single", "'quoted'", '"double', '"esc\\"aped\\n"', "x # c", '"multi', 'line"']),
        ),
    ),
    st.sampled_from(["", "# comment", "'", '"']),
)
ENV_TEXT = st.lists(ENV_LINE, max_size=15).map("\n".join)

RUST_TEXT = st.one_of(
    st.text(max_size=200),
    st.lists(
        st.sampled_from(
            [
                "use axum::{routing::get, Router};",
                "use actix_web::{get, web, App, HttpServer};",
                'async fn health() -> &\'static str { "ok" }',
                '#[get("/health")]',
                'async fn h() -> impl Responder { "ok" }',
                '    let app = Router::new().route("/health", get(health));',
                '    let port = std::env::var("PORT").unwrap_or("8080".into());',
                '    let db = env::var("DATABASE_URL").expect("db");',
                '    HttpServer::new(|| App::new().service(h)).bind(("0.0.0.0", 8080))?.run().await',
                '    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await.unwrap();',
                "#[tokio::main]",
                "#[actix_web::main]",
                "async fn main() {",
                "fn main() {",
                "}",
                "{",
                "mod routes;",
                'r#"raw"#',
                "/* unterminated",
            ]
        ),
        max_size=15,
    ).map("\n".join),
)


# ----------------------------------------------------------------------------------------- parsers


@FAST
@given(ANY_TEXT)
@example("x: &x\n  <<: *x\n")  # ruamel.yaml raised AttributeError on a self-merging mapping
@example("a: &a 1\nb: &a 2\n")
def test_compose_loader_never_raises(text: str) -> None:
    with project_dir() as root:
        path = write(root, "compose.yaml", text)
        loaded = load_project([path], {"A": "1"})
        check_locations(loaded.problems, path, text)


@FAST
@given(ANY_BYTES)
def test_compose_loader_never_raises_on_bytes(data: bytes) -> None:
    with project_dir() as root:
        path = write(root, "compose.yaml", data)
        check_locations(load_project([path], {}).problems, path, None)


@FAST
@given(st.one_of(COMPOSE_DOCS.map(dump_yaml), YAML_TEXT), st.dictionaries(VARS, WORDS.map(str), max_size=3))
def test_compose_loader_structured(text: str, env: dict[str, str]) -> None:
    with project_dir() as root:
        path = write(root, "compose.yaml", text)
        override = write(root, "compose.override.yaml", text)
        loaded = load_project([path, override], env)
        check_locations([p for p in loaded.problems if p.location.path == path], path, text)
        event("compose: loaded" if loaded.project is not None else "compose: rejected")
        if loaded.project is not None:
            event(f"compose: {min(len(loaded.project.services), 3)} service(s)")
            for svc in loaded.project.services.values():
                event("compose: service with build" if svc.build is not None else "compose: service without build")
                assert svc.name in loaded.project.services
                svc.env_dict()
                if svc.healthcheck is not None:
                    _ = svc.healthcheck.kind, svc.healthcheck.command


@FAST
@given(st.one_of(ANY_TEXT, DOCKERFILE_TEXT))
@example("\\\n")  # a dangling line continuation: BuildKit returns a command without a keyword
@example("FROM rust:1.80\n\\")
@example("FROM rust:1.80\nHEALTHCHECK 0\U00010000à\n")  # the binding's UnicodeDecodeError offset was read as a line
def test_dockerfile_parser_never_raises(text: str) -> None:
    path = Path("/project/Dockerfile")
    df = parse_dockerfile(path, text)
    check_locations(df.problems, path, text)
    event(f"dockerfile: {min(len(df.stages), 3)} stage(s)")
    for stage in df.stages:
        df.lineage(stage)
        df.root_base(stage)
        for ins in stage.instructions:
            assert 1 <= ins.start_line <= ins.end_line
            ins.flag("from")
    df.final_stage()
    df.final_stage("builder")
    df.stage("0")


@FAST
@given(ANY_BYTES)
def test_dockerfile_parser_never_raises_on_bytes(data: bytes) -> None:
    with project_dir() as root:
        path = write(root, "Dockerfile", data)
        check_locations(parse_dockerfile(path).problems, path, None)


@FAST
@given(st.text(), st.dictionaries(VARS, st.one_of(st.none(), WORDS.map(str)), max_size=4))
def test_dockerfile_expand_never_raises(word: str, env: dict[str, str | None]) -> None:
    out, missing = expand(word, env)
    assert isinstance(out, str)
    assert all(isinstance(m, str) for m in missing)
    if "$" not in word:
        assert out == word


@FAST
@given(st.one_of(ANY_TEXT, TOML_TEXT))
def test_manifest_parser_never_raises(text: str) -> None:
    with project_dir() as root:
        path = write(root, "Cargo.toml", text)
        write(root, "src/main.rs", "fn main() {}\n")
        m = parse_manifest(path, text)
        check_locations(m.problems, path, text)
        event("manifest: parsed" if m.data else "manifest: empty or rejected")
        event(f"manifest: {min(len(m.targets), 3)} target(s)")
        m.bin_names()
        m.metadata("viworks-lint")
        for t in m.targets:
            assert t.kind in ("bin", "example", "test", "bench")


@FAST
@given(
    st.dictionaries(
        st.sampled_from(["package", "lib", "bin", "workspace", "dependencies", "target", "example", "build"]),
        st.recursive(
            st.one_of(WORDS.map(str), st.integers(), st.booleans()),
            lambda ch: st.one_of(
                st.lists(ch, max_size=3),
                st.dictionaries(
                    st.sampled_from(["name", "path", "members", "exclude", "workspace", "edition", "build", "x"]),
                    ch,
                    max_size=4,
                ),
            ),
            max_leaves=10,
        ),
        max_size=5,
    )
)
def test_manifest_parser_structured(data: dict[str, Any]) -> None:
    try:
        text = tomlkit.dumps(data)
    except Exception:  # not every structure is expressible in TOML
        return
    with project_dir() as root:
        path = write(root, "Cargo.toml", text)
        m = parse_manifest(path, text)
        check_locations(m.problems, path, text)


@FAST
@given(ANY_BYTES)
def test_manifest_parser_never_raises_on_bytes(data: bytes) -> None:
    with project_dir() as root:
        path = write(root, "Cargo.toml", data)
        check_locations(parse_manifest(path).problems, path, None)


@FAST
@given(st.one_of(ANY_TEXT, ENV_TEXT))
def test_env_parser_never_raises(text: str) -> None:
    path = Path("/project/.env")
    ef = parse_env(path, text)
    check_locations(ef.problems, path, text)
    for e in ef.entries:
        assert e.name
        assert 1 <= e.location.line <= len(text.splitlines())
    ef.as_dict()


@FAST
@given(ANY_TEXT, st.lists(st.text(max_size=20), max_size=5))
def test_dockerignore_parser_never_raises(text: str, paths: list[str]) -> None:
    di = parse_dockerignore(Path("/project/.dockerignore"), text)
    for rel in [*paths, "src/main.rs", "target/release/api", ".", ""]:
        assert isinstance(di.excluded(rel), bool)


@FAST
@given(st.lists(st.one_of(WORDS.map(str), st.sampled_from(["!", "**", "[", "\\", "/", "#"])), max_size=10))
def test_dockerignore_structured(patterns: list[str]) -> None:
    di = parse_dockerignore(Path("/project/.dockerignore"), "\n".join(patterns))
    for rel in ("src/main.rs", "Cargo.toml", "target/debug/x", "a/b/c"):
        di.excluded(rel)


@FAST
@given(st.one_of(ANY_TEXT, st.lists(st.one_of(VAR_REF, st.text(max_size=3)), max_size=20).map("".join)))
@example("${A:-" * 3000 + "x" + "}" * 3000)  # nested defaults used to raise RecursionError
def test_interpolator_never_raises(text: str) -> None:
    interp = Interpolator({"A": "1", "PORT": "8080", "EMPTY": ""})
    start = Location(Path("/project/compose.yaml"), 3, 12, 3, 12 + len(text))
    out = interp(text, start)
    assert isinstance(out, str)
    if "$" not in text:
        assert out == text
    for ref in interp.refs:
        assert ref.location.line == 3
        assert ref.location.col >= 12


# ----------------------------------------------------------------------------------------- whole linter


@SLOW
@given(ANY_TEXT, ANY_TEXT, ANY_TEXT)
def test_linter_on_arbitrary_files(compose: str, dockerfile: str, manifest: str) -> None:
    with project_dir() as root:
        write(root, "compose.yaml", compose)
        write(root, "Dockerfile", dockerfile)
        write(root, "Cargo.toml", manifest)
        run_cli(root)


@SLOW
@given(ANY_BYTES, ANY_BYTES, ANY_BYTES, ANY_BYTES)
def test_linter_on_arbitrary_bytes(compose: bytes, dockerfile: bytes, manifest: bytes, env: bytes) -> None:
    with project_dir() as root:
        write(root, "compose.yaml", compose)
        write(root, "Dockerfile", dockerfile)
        write(root, "Cargo.toml", manifest)
        write(root, ".env", env)
        run_cli(root)


@SLOW
@given(
    st.one_of(COMPOSE_DOCS.map(dump_yaml), YAML_TEXT),
    DOCKERFILE_TEXT,
    TOML_TEXT,
    ENV_TEXT,
    st.lists(st.one_of(WORDS.map(str), st.sampled_from(["target", "!src", "**/*.rs", "*"])), max_size=5),
    RUST_TEXT,
)
def test_linter_on_structured_project(
    compose: str, dockerfile: str, manifest: str, env: str, ignore: list[str], rust: str
) -> None:
    with project_dir() as root:
        write(root, "compose.yaml", compose)
        write(root, ".env", env)
        for ctx in ("", "api/"):
            write(root, ctx + "Dockerfile", dockerfile)
            write(root, ctx + "Cargo.toml", manifest)
            write(root, ctx + ".dockerignore", "\n".join(ignore))
            write(root, ctx + "src/main.rs", rust)
        run_cli(root)


@SLOW
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "name": NAMES,
                "build": st.sampled_from([".", "./api", {"context": "./api", "dockerfile": "Dockerfile"}, "./missing"]),
                "healthcheck": st.one_of(
                    st.none(),
                    st.fixed_dictionaries(
                        {"test": st.sampled_from([["CMD", "curl", "-f", "http://localhost:8080/health"], "exit 0"])},
                        optional={"start_period": st.sampled_from(["10s", "x", 5])},
                    ),
                ),
                "environment": st.dictionaries(VARS, st.one_of(st.none(), WORDS.map(str)), max_size=3),
                "ports": st.lists(WORDS.map(str), max_size=2),
                "user": st.one_of(st.none(), st.sampled_from(["1000", "root", "${UID}"])),
                "init": st.one_of(st.none(), st.booleans()),
            }
        ),
        min_size=1,
        max_size=4,
    ),
    DOCKERFILE_TEXT,
)
def test_linter_on_compose_with_builds(services: list[dict[str, Any]], dockerfile: str) -> None:
    doc: dict[str, Any] = {"services": {}}
    for svc in services:
        body = {k: v for k, v in svc.items() if k != "name" and v is not None}
        doc["services"][svc["name"] or "svc"] = body
    with project_dir() as root:
        write(root, "compose.yaml", dump_yaml(doc))
        write(root, "api/Dockerfile", dockerfile)
        write(root, "api/Cargo.toml", '[package]\nname = "api"\nversion = "0.1.0"\nedition = "2021"\n')
        write(root, "api/src/main.rs", "fn main() {}\n")
        run_cli(root)
