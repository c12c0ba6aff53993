"""VW107 rust-toolchain-too-old."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from viworks_lint.cargolock import Lockfile, lockfile_for, package_field, run_packages
from viworks_lint.crates import CargoRun, built_code
from viworks_lint.dockerutil import copy_sources, match_context
from viworks_lint.findings import Finding, Level, Related
from viworks_lint.images import split_image
from viworks_lint.location import Location
from viworks_lint.parsers.dockerfile import Dockerfile, Stage, token_location
from viworks_lint.parsers.dockersubst import expand
from viworks_lint.project import Build, Project
from viworks_lint.rule import Rule, RuleDocs, register

Version = tuple[int, int, int]

# the first stable Rust release that understands each edition
EDITION_MIN: dict[str, Version] = {"2018": (1, 31, 0), "2021": (1, 56, 0), "2024": (1, 85, 0)}
# the first Cargo that reads each Cargo.lock format version
LOCK_MIN: dict[int, Version] = {4: (1, 78, 0)}

_TAG = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?(?:-.*)?$")
_CHEF_TAG = re.compile(r"(?:^|-)rust-(\d+)\.(\d+)(?:\.(\d+))?(?:-|$)")
_RUST_VERSION = re.compile(r"^\s*(\d+)\.(\d+)(?:\.(\d+))?\s*$")
_TOOLCHAIN_CHANGE = re.compile(r"\brustup\s+(?:default|update|toolchain|override|install|set)\b")
_TOOLCHAIN_FILES = ("rust-toolchain", "rust-toolchain.toml")


@dataclass(frozen=True)
class Requirement:
    version: Version
    what: str  # e.g. "`rust-version = \"1.80\"` of package `api` (api/Cargo.toml)"
    error: str  # what cargo says
    location: Location


def _show(v: Version, patch: bool = False) -> str:
    return f"{v[0]}.{v[1]}.{v[2]}" if patch else f"{v[0]}.{v[1]}"


def image_version(image: str) -> tuple[Version, bool] | None:
    """(version, patch given) of a Rust toolchain image tag; None for images that name no exact minor
    version (``rust:1``, ``rust:latest``, ``rust:slim``, ``rust:nightly``, ``rust:bookworm``)."""
    name, tag = split_image(image)
    if name == "rust":
        m = _TAG.match(tag)
    elif name.endswith("cargo-chef"):
        m = _CHEF_TAG.search(tag)
    else:
        return None
    if m is None:
        return None
    return (int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)), m.group(3) is not None


def _older(image: tuple[Version, bool], need: Version) -> bool:
    have, exact = image
    if exact:
        return have < need
    return have[:2] < need[:2]  # `rust:1.83` is the newest 1.83.x


def _base_image(df: Dockerfile, stage: Stage, build: Build) -> str | None:
    """The stage's image with global ARG defaults and the compose service's build args applied; None
    when a variable in it has no known value."""
    env: dict[str, str | None] = dict(df.global_args)
    svc = build.service
    if svc is not None and svc.build is not None:
        for k, v in svc.build.args.items():
            if k in env:
                env[k] = v
    value, missing = expand(stage.base_raw, env)
    return None if missing else value


def _toolchain_changed(df: Dockerfile, run: CargoRun, project: Project, build: Build) -> bool:
    """rustup switches toolchains in the image, ``cargo +x``, or a rust-toolchain file pins one."""
    if re.search(r"\bcargo\s+\+", run.instr.original):
        return True
    for st in df.lineage(run.stage):
        for ins in st.instructions:
            if ins.cmd == "RUN" and ins.start_line <= run.instr.start_line:
                text = ins.original + "".join(h.content for h in ins.heredocs)
                if _TOOLCHAIN_CHANGE.search(text):
                    return True
    if run.manifest is None:
        return True
    d = run.manifest.dir
    while True:
        if any((d / f).is_file() for f in _TOOLCHAIN_FILES):
            return True
        if d == build.context or d == project.root or d == d.parent:
            return False
        d = d.parent


def _lock_copied(project: Project, build: Build, df: Dockerfile, run: CargoRun, lock: Lockfile) -> bool:
    """Does a COPY before the cargo run bring this Cargo.lock into the image?"""
    try:
        rel = lock.path.relative_to(build.context).as_posix()
    except ValueError:
        return False
    di = project.dockerignore_for(build)
    if di is not None and di.excluded(rel):
        return False
    for st in df.lineage(run.stage):
        for ins in st.instructions:
            if ins.start_line >= run.instr.start_line and st is run.stage:
                break
            for src in copy_sources(ins):
                if not src.resolved:
                    continue
                for m in match_context(build.context, src.value):
                    if m in (".", rel) or rel.startswith(m.rstrip("/") + "/"):
                        return True
    return False


def _requirements(project: Project, build: Build, df: Dockerfile, run: CargoRun) -> list[Requirement]:
    out: list[Requirement] = []
    ignore_rv = "--ignore-rust-version" in run.instr.original
    for m in run_packages(project, run, exact=True):
        where = project.rel(m.path)
        pkg = m.package_name
        rv, rv_loc = package_field(project, m, "rust-version")
        match = _RUST_VERSION.match(rv) if rv is not None else None
        if match is not None and rv_loc is not None and not ignore_rv:
            need = (int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))
            inherited = " (inherited from [workspace.package])" if "rust-version" in m.inherits else ""
            out.append(
                Requirement(
                    need,
                    f'`rust-version = "{rv}"` of package `{pkg}` ({where}){inherited}',
                    f"package `{pkg}` cannot be built because it requires rustc {rv} or newer",
                    rv_loc,
                )
            )
        ed, ed_loc = package_field(project, m, "edition")
        if ed in EDITION_MIN and ed_loc is not None:
            inherited = " (inherited from [workspace.package])" if "edition" in m.inherits else ""
            out.append(
                Requirement(
                    EDITION_MIN[ed],
                    f'`edition = "{ed}"` of package `{pkg}` ({where}){inherited}, which needs Rust '
                    f"{_show(EDITION_MIN[ed])}",
                    f"feature `edition{ed}` is required",
                    ed_loc,
                )
            )
    if run.manifest is not None:
        lock = lockfile_for(project, run.manifest)
        if (
            lock is not None
            and lock.version in LOCK_MIN
            and lock.version_location is not None
            and _lock_copied(project, build, df, run, lock)
        ):
            need = LOCK_MIN[lock.version]
            out.append(
                Requirement(
                    need,
                    f"{project.rel(lock.path)} in format `version = {lock.version}`, which Cargo reads since "
                    f"{_show(need)}",
                    f"lock file version `{lock.version}` was found, but this version of Cargo does not "
                    "understand this lock file",
                    lock.version_location,
                )
            )
    return out


def _suggest(image: str, need: Version) -> str:
    """The same image with the version in its tag raised to ``need`` (suffixes such as ``-slim`` kept)."""
    name, tag = split_image(image)
    m = _TAG.match(tag) if name == "rust" else _CHEF_TAG.search(tag)
    if m is None:
        return f"a Rust {_show(need)} image"
    end = m.end(3) if m.group(3) else m.end(2)
    return f"{name}:{tag[: m.start(1)]}{_show(need)}{tag[end:]}"


def check(project: Project) -> Iterator[Finding]:
    for build in project.builds:
        df = build.dockerfile
        if df is None:
            continue
        bc = built_code(project, build)
        by_base: dict[int, tuple[Stage, list[Requirement]]] = {}
        for run in bc.runs:
            if run.manifest is None or run.subcommand.startswith("chef") or run.subcommand == "install":
                continue
            if _toolchain_changed(df, run, project, build):
                continue
            base = df.lineage(run.stage)[-1]
            reqs = _requirements(project, build, df, run)
            entry = by_base.setdefault(base.index, (base, []))
            entry[1].extend(r for r in reqs if r not in entry[1])
        for base, reqs in by_base.values():
            image = _base_image(df, base, build)
            if image is None:
                continue
            have = image_version(image)
            if have is None:
                continue
            failing = sorted((r for r in reqs if _older(have, r.version)), key=lambda r: r.version, reverse=True)
            if not failing:
                continue
            need = failing[0].version
            shown = f"`{image}`" if base.base_raw == image else f"`{base.base_raw}` (= `{image}`)"
            reasons = "; ".join(r.what for r in failing)
            msg = (
                f"builder image {shown} ships Rust {_show(have[0], have[1])}, older than the crates it compiles "
                f'need: {reasons}. Cargo stops with "{failing[0].error}"; use `{_suggest(image, need)}` '
                "or newer"
            )
            if "$" in base.base_raw:
                msg += " (raise the build argument that sets the tag)"
            yield RULE.finding(
                msg,
                token_location(df, base.from_instr, base.base_raw),
                key=f"toolchain:{image}",
                related=tuple(Related(r.location, r.what) for r in failing),
            )


RULE = register(
    Rule(
        id="VW107",
        name="rust-toolchain-too-old",
        level=Level.ERROR,
        summary="The builder's `rust:<version>` image is older than the crates it compiles require.",
        docs=RuleDocs(
            what="For each stage that runs cargo on crates of this repository, the Rust version of its base image "
            "(`rust:1.83`, `rust:1.83.0-slim-bookworm`, `rust:1.83-alpine3.20`, with ARG defaults and compose "
            "build args substituted) is compared with what those crates need: `rust-version` (also inherited "
            "from `[workspace.package]`), the edition (2018: 1.31, 2021: 1.56, 2024: 1.85) and the format of the "
            "Cargo.lock copied into the image (`version = 4`: 1.78). Tags without a minor version (`rust:1`, "
            "`latest`, `slim`, `bookworm`, `nightly`) are not judged, nor stages where rustup, `cargo +toolchain` "
            "or a rust-toolchain file selects another toolchain.",
            why="The builder stage fails after the dependencies are downloaded, with `package `x` cannot be built "
            "because it requires rustc 1.80 or newer` or `lock file version 4 requires -Znext-lockfile-bump`; a "
            "local `cargo build` with a newer toolchain works, so the defect only shows up in CI or at deploy.",
            example='# Cargo.toml: rust-version = "1.80"\nFROM rust:1.75-slim-bookworm AS builder',
            fix="Raise the image tag to at least the required version (or lower `rust-version` if the code allows it).",
        ),
        check=check,
        tags=("build", "dockerfile", "cargo"),
    )
)
