"""VW108 build-env-undeclared."""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterator
from pathlib import Path

import tomlkit
from viworks_lint.buildscript import CRATE_PREFIXES, CRATE_VARS, script_emits
from viworks_lint.cargolock import run_packages
from viworks_lint.code import package_facts
from viworks_lint.crates import CargoRun, built_code
from viworks_lint.findings import HELP, Finding, Level, Related
from viworks_lint.parsers.cargo import Manifest
from viworks_lint.project import Build, Project
from viworks_lint.rule import Rule, RuleDocs, register
from viworks_lint.runwrites import image_path
from viworks_lint.rust.facts import CrateFacts
from viworks_lint.stagefiles import stage_files

# What Cargo sets for a build script (env::var in build.rs), beside what it sets when it compiles a crate
# (env!, viworks_lint.buildscript.CRATE_VARS). CARGO_TARGET_DIR is read, never set.
BUILD_VARS = CRATE_VARS | {
    "TARGET",
    "HOST",
    "NUM_JOBS",
    "OPT_LEVEL",
    "DEBUG",
    "PROFILE",
    "RUSTC",
    "RUSTDOC",
    "RUSTC_LINKER",
    "RUSTC_WRAPPER",
    "RUSTC_WORKSPACE_WRAPPER",
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_MAKEFLAGS",
    "OUT_DIR",
    "CARGO_MANIFEST_LINKS",
    "CARGO_PKG_NAME",
    "PATH",
    "HOME",
}
BUILD_PREFIXES = (*CRATE_PREFIXES, "CARGO_CFG_", "CARGO_FEATURE_", "DEP_")
ALWAYS = {"PATH", "HOME", "HOSTNAME", "USER", "PWD", "SHELL", "TERM", "LANG"}


def _cargo_config_env(manifest: Manifest, context: Path) -> set[str]:
    """``[env]`` of ``.cargo/config.toml`` files from the crate up to the build context."""
    names: set[str] = set()
    for d in [manifest.dir, *manifest.dir.parents]:
        for name in ("config.toml", "config"):
            f = d / ".cargo" / name
            if f.is_file():
                try:
                    data = tomlkit.parse(f.read_text("utf-8")).unwrap()
                except Exception:
                    continue
                env = data.get("env")
                if isinstance(env, dict):
                    names |= set(env)
        if d == context or d == d.parent:
            break
    return names


def _set_inline(name: str, text: str) -> bool:
    """``GIT_SHA=abc cargo build`` or a secret mount ``--mount=type=secret,…,env=GIT_SHA`` in the RUN."""
    return re.search(rf"(?:^|[\s,;&|(])(?:env=)?{re.escape(name)}=", text) is not None or f"env={name}" in text


def _stage_env(run: CargoRun) -> set[str]:
    names = set(run.stage.state.env)
    for instr in run.stage.instructions:
        if instr.cmd == "ARG":
            names |= {a.split("=", 1)[0] for a in instr.args}
    return names


def _help(name: str, in_build_script: bool, workdir: str) -> str:
    """The fix for this variable (the rule's documented fix names an example variable)."""
    if name == "CARGO_TARGET_DIR":
        target = workdir.rstrip("/") + "/target"
        return (
            f"Set `ENV CARGO_TARGET_DIR={target}` (the directory the stage builds into) in the builder stage, "
            'or read it with a fallback in the build script (`env::var("CARGO_TARGET_DIR").unwrap_or(…)`).'
        )
    fallback = (
        "read it with a fallback (`env::var(…).unwrap_or(…)`) in the build script"
        if in_build_script
        else "use `option_env!` with a fallback"
    )
    return (
        f"Add `ARG {name}` (passed with compose `build.args` or `--build-arg`) or `ENV {name}=…` to the builder "
        f"stage, or {fallback}."
    )


def _sqlx_dotenv(project: Project, build: Build, run: CargoRun, m: Manifest, facts: CrateFacts, name: str) -> bool:
    """sqlx's query macros load the `.env` of the package's directory (else of the directory cargo runs in) into
    the compiler's environment when they expand (sqlx-macros-core, `dotenvy::from_path`): a `.env` the stage has
    there that defines the variable may give it to an `env!` expanded after them, so no claim is made."""
    if not any(d.package == "sqlx" for d in m.dependencies if d.section == "dependencies"):
        return False
    if not any(inp.macro.startswith("sqlx::") and not inp.test_only for inp in facts.inputs):
        return False  # the Rust reader found no `sqlx::query!` family, `query_file!` or `migrate!` the build compiles
    files = stage_files(project, build, run.stage)
    cargo_dir = posixpath.dirname(run.manifest_path)
    package_dir = cargo_dir
    if run.manifest is not None:
        package_dir = image_path(cargo_dir, os.path.relpath(m.dir, run.manifest.dir))
    for folder in dict.fromkeys((package_dir, cargo_dir)):
        found = files.lookup(posixpath.join(folder, ".env"), run.instr)
        if found.present and found.host is not None and found.host.is_file():
            env = project.env_file(found.host)
            return env is not None and name in env.names()
    return False


def check(project: Project) -> Iterator[Finding]:
    seen: set[tuple[str, int, int]] = set()
    for build in project.builds:
        if build.dockerfile is None:
            continue
        built = built_code(project, build)
        if not built.resolved:
            continue
        for run in built.runs:
            if run.manifest is None:
                continue
            provided = _stage_env(run) | ALWAYS
            text = run.instr.original
            for m in run_packages(project, run, exact=True):
                facts = package_facts(project, m, None)
                script = m.build_script.path if m.build_script is not None else None
                config_env = _cargo_config_env(m, build.context)
                emits = script_emits(m)  # `cargo:rustc-env=`, vergen/built/shadow-rs: for the crate, not build.rs
                for read in facts.env_reads:
                    if not read.required:
                        continue
                    if read.in_build_script:
                        if read.kind != "runtime":
                            continue
                        cargo_sets = read.name in BUILD_VARS or read.name.startswith(BUILD_PREFIXES)
                        what = "the build script reads"
                    elif read.kind == "compile":
                        cargo_sets = (
                            read.name in CRATE_VARS
                            or read.name.startswith(CRATE_PREFIXES)
                            or (read.name == "OUT_DIR" and script is not None)
                        )
                        what = "`env!` needs"
                    else:
                        continue
                    emitted = not read.in_build_script and emits.covers(read.name)
                    if cargo_sets or emitted or read.name in provided or read.name in config_env:
                        continue
                    if _set_inline(read.name, text):
                        continue
                    if not read.in_build_script and _sqlx_dotenv(project, build, run, m, facts, read.name):
                        continue
                    ident = (str(read.location.path), read.location.line, read.location.col)
                    if ident in seen:
                        continue
                    seen.add(ident)
                    hint = (
                        " (Cargo reads `CARGO_TARGET_DIR` but never sets it)" if read.name == "CARGO_TARGET_DIR" else ""
                    )
                    yield RULE.finding(
                        f"{what} `{read.name}` at build time, but the Docker stage `{run.stage.label}` that runs "
                        f"`cargo {run.subcommand}` sets no such variable (no ENV or ARG) and Cargo does not set it"
                        f"{hint}: the image build fails",
                        read.location,
                        key=f"{read.name}",
                        related=(Related(run.instr.location, f"`cargo {run.subcommand}` runs here"),),
                        extra={HELP: _help(read.name, read.in_build_script, run.stage.state.workdir)},
                    )


RULE = register(
    Rule(
        id="VW108",
        name="build-env-undeclared",
        level=Level.ERROR,
        summary="Code needs a variable at build time (`env!`, or a required read in build.rs) that the builder "
        "stage never sets.",
        docs=RuleDocs(
            what='`env!("X")` in a crate the Docker build compiles, or `env::var("X").unwrap()` (or `?`, '
            "`.expect`) in its `build.rs`, where X is not set by Cargo for that context (`CARGO_PKG_*`, "
            "`CARGO_MANIFEST_DIR`, `OUT_DIR` with a build script, `TARGET`, `PROFILE`, `CARGO_CFG_*`, …), "
            "by the package's build script for its crate (`cargo:rustc-env=X=…` or `cargo::rustc-env`; a "
            "formatted name, or a build-dependency that emits variables of its own — vergen, vergen-gitcl, "
            "vergen-git2, vergen-gix, built, shadow-rs, build-data — means any `env!` of the crate may be "
            "provided, so none is claimed), by `.cargo/config.toml` `[env]`, nor by `ENV`/`ARG` in the stage "
            "that runs `cargo build`, nor by a `.env` the stage has in the package's directory (or where cargo runs) "
            "when the crate uses sqlx's query macros, which load that file into the compiler's environment as they "
            "expand (sqlx-macros-core, `dotenvy::from_path`). `option_env!` and reads with a default are never "
            "reported. The help "
            "names the finding's own variable.",
            why="On a developer machine the variable is set in the shell, so the crate compiles; in `docker build` "
            "it is not, and compilation stops with `environment variable X not defined at compile time`.",
            example='const GIT_SHA: &str = env!("GIT_SHA");   # the builder stage has no ARG/ENV GIT_SHA',
            fix="Add `ARG GIT_SHA` (passed with compose `build.args`) or `ENV` to the builder stage, or use "
            "`option_env!` with a fallback.",
        ),
        check=check,
        tags=("build", "rust", "dockerfile"),
    )
)
