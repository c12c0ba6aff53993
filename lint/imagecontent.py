"""What an image builds and runs, read from its Dockerfile alone: the repository's Rust code (a cargo build, a
host-built `target/`), one of the repository's binaries, a program in another language or a third-party server,
or a stock web server serving the files its build made."""

from __future__ import annotations

from typing import TYPE_CHECKING

from viworks_lint.baseimages import RUST_BASES, base_name, is_base
from viworks_lint.dockerutil import commands, reachable_stages, run_text

if TYPE_CHECKING:
    from viworks_lint.parsers.dockerfile import Dockerfile, Stage
    from viworks_lint.project import Project


def builds_rust(df: Dockerfile, target: str | None = None) -> bool:
    """The build compiles Rust (a `cargo` build or install, not from the registry) or copies a binary out
    of a `target/` directory."""
    for stage in reachable_stages(df, target):
        for instr in stage.instructions:
            if instr.cmd == "RUN":
                for words in commands(run_text(instr)):
                    if words[0] in ("cargo", "cross") and len(words) > 1 and _builds_local(words[1:]):
                        return True
            elif (
                instr.cmd in ("COPY", "ADD")
                and not (instr.flag("from") and df.stage(instr.flag("from") or "") is not None)
                and any("target/" in v or "/target" in v for v in instr.values[:-1])
            ):
                return True  # a host-built `target/` (from a stage: that stage's own build decides; Maven has one too)
        if is_base(stage.base, RUST_BASES) and not _only_installs_tools(stage):
            return True
    return False


_CARGO_BUILDS = frozenset(
    {"build", "auditable", "zigbuild", "leptos", "chef", "run", "watch", "test", "shuttle", "b", "r", "t"}
)


def _builds_local(args: list[str]) -> bool:
    """A cargo command that compiles the repository's code: a build, or `cargo install --path`; not `cargo install
    sqlx-cli` (a tool from the registry)."""
    if args[0].startswith("+"):  # `cargo +nightly build`
        args = args[1:]
        if not args:
            return False
    if args[0] in _CARGO_BUILDS:
        return True
    if args[0] != "install":
        return False
    rest = args[1:]
    return "--path" in rest or any(a.startswith("--path=") for a in rest) or not [a for a in rest if a[:1] != "-"]


def _only_installs_tools(stage: Stage) -> bool:
    """A stage on a Rust toolchain base whose only cargo commands install tools from the registry (`cargo
    install sqlx-cli`) and that copies no Rust sources in: a tool image, not a build of the repository."""
    installs = False
    for instr in stage.instructions:
        if instr.cmd == "RUN":
            for words in commands(run_text(instr)):
                if words[0] in ("cargo", "cross") and len(words) > 1:
                    if _builds_local(words[1:]):
                        return False
                    installs = installs or "install" in words[1:3]
        elif instr.cmd in ("COPY", "ADD") and not instr.flag("from"):
            for v in instr.values[:-1]:
                name = v.rstrip("/").rsplit("/", 1)[-1]
                if v in (".", "./", "*") or name in ("Cargo.toml", "Cargo.lock", "src", "crates") or v.endswith(".rs"):
                    return False
    return installs


def ships_binary(df: Dockerfile, bins: frozenset[str]) -> str | None:
    """One of the repository's binaries the final stage copies in or runs (a prebuilt binary from a CI
    artifact or a release download), else None."""
    final = df.final_stage()
    if final is None or not bins:
        return None
    for instr in (final.state.entrypoint, final.state.cmd):
        if instr is not None and instr.values:
            name = instr.values[0].rstrip("/").rsplit("/", 1)[-1]
            if name in bins:
                return name
    for instr in final.instructions:
        if instr.cmd in ("COPY", "ADD") and len(instr.values) >= 2:
            for v in instr.values:
                name = v.rstrip("/").rsplit("/", 1)[-1]
                if name in bins:
                    return name
    return None



_FILE_SERVERS = ("nginx", "nginxinc/", "caddy", "httpd")
_SERVER_PROGRAMS = frozenset({"nginx", "caddy", "httpd", "httpd-foreground", "docker-entrypoint.sh"})


def serves_files(project: Project, df: Dockerfile) -> str | None:
    """The stock web server (nginx, caddy, httpd) the image runs to serve files its build made, when it ships no
    binary of the repository: `file_server` with the repository's binaries."""
    return file_server(df, frozenset(b for m in project.manifests.values() for b in m.bin_names()))


def file_server(df: Dockerfile, bins: frozenset[str]) -> str | None:
    """The stock web server a final stage runs (`FROM nginx:alpine`, its own program) to serve what the build
    stages made (`trunk build`, a `wasm-pack` bundle), when it copies in or starts no binary of the repository."""
    final = df.final_stage()
    if final is None or ships_binary(df, bins) is not None:
        return None
    root = df.root_base(final)
    if not is_base(root, _FILE_SERVERS):
        return None
    own = [i.values[0].rsplit("/", 1)[-1] for i in final.instructions if i.cmd in ("CMD", "ENTRYPOINT") and i.values]
    if any(program not in _SERVER_PROGRAMS for program in own):
        return None  # the stage starts something else of its own
    return base_name(root)


# images and build tools of programs in other languages, and third-party servers
_OTHER_BASES = (
    "node",
    "nginx",
    "nginxinc/",
    "httpd",
    "caddy",
    "traefik",
    "envoyproxy/",
    "haproxy",
    "python",
    "ruby",
    "php",
    "openjdk",
    "eclipse-temurin",
    "amazoncorretto",
    "maven",
    "gradle",
    "golang",
    "mcr.microsoft.com/dotnet/",
    "quay.io/keycloak/",
    "keycloak/",
    "flink",
    "bitnami/",
    "grafana/",
    "prom/",
    "postgres",
    "mysql",
    "mariadb",
    "redis",
    "mongo",
    "elasticsearch",
    "docker.elastic.co/",
    "minio/",
    "oven/bun",
    "denoland/",
    "clickhouse/",
    "rabbitmq",
    "nats",
    "confluentinc/",
    "otel/",
    "jaegertracing/",
    "hashicorp/",
    "vault",
    "certbot/",
)
_OTHER_TOOLS = {
    "npm",
    "yarn",
    "pnpm",
    "npx",
    "pip",
    "pip3",
    "poetry",
    "go",
    "mvn",
    "gradle",
    "bundle",
    "composer",
    "dotnet",
    "bun",
    "deno",
    "uv",
}


def foreign_program(df: Dockerfile) -> str | None:
    """How the image shows it runs a program in another language and no Rust code of this repository
    (`FROM golang:1.22`, `builds with npm`), or None."""
    other = other_program(df)
    return other if other is not None and not builds_rust(df) and ships_binary(df, frozenset()) is None else None


def other_program(df: Dockerfile) -> str | None:
    final = df.final_stage()
    if final is None:
        return None
    root = df.root_base(final)
    if is_base(root, _OTHER_BASES):
        return f"FROM {root}"
    for stage in reachable_stages(df):
        for instr in stage.instructions:
            if instr.cmd == "RUN":
                for words in commands(run_text(instr)):
                    if words[0] in _OTHER_TOOLS:
                        return f"builds with {words[0]}"
    return None
