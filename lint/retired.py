"""Dockerfiles nobody builds any more: the one compose service or CI step that built it is commented out, or
the binaries it ships are what another Dockerfile, one that compose or CI builds for deployment, ships now.
Such a file is kept for reference; what it describes is not the image anyone runs. A repository that deploys
with a platform file (`fly.toml`, `render.yaml`, Railway), which builds a Dockerfile by itself, retires none."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from typing import TYPE_CHECKING

from viworks_lint.crates import BuiltCode, built_code
from viworks_lint.project import norm_path

if TYPE_CHECKING:
    from viworks_lint.parsers.dockerfile import Dockerfile
    from viworks_lint.project import Project

# a commented-out build reference: a compose `build:`/`context:`/`dockerfile:` or a CI step's `file:` key, or a
# `docker build … -f X` command line
_KEY = re.compile(r"^\s*(?:-\s*)?(build|context|dockerfile|file)\s*:\s*[\"']?([^\"'\s#]+)")
_CLI = re.compile(r"\bdocker\s+(?:buildx\s+)?build\b.*?(?:-f|--file)[=\s]+[\"']?([^\"'\s]+)")
# platforms that build a repository's Dockerfile from their own config file, which this linter does not read
_PLATFORM_FILES = ("fly.toml", "render.yaml", "railway.json", "railway.toml", "koyeb.yaml", "heroku.yml")


def _referring_files(project: Project) -> list[Path]:
    """The files that say what is built: compose files and CI workflows (not prose: a README's `## Dockerfile`
    heading is no build)."""
    from viworks_lint.releases import WORKFLOW_GLOBS

    disc = project.discovered
    files = [f for group in disc.compose_groups for f in group] + list(disc.compose_variants)
    for pattern in WORKFLOW_GLOBS:
        files.extend(project.root.glob(pattern))
    files.extend(p for p in (project.root / ".gitlab-ci.yml",) if p.is_file())
    return sorted(set(files))


def _builds(text: str, path: Path, df: Dockerfile, root: Path) -> bool:
    """The line (comment marks stripped) is a build reference that names the Dockerfile: a `dockerfile:`/`file:`
    key or `-f` naming its path (from the repository ``root``, as CI workflows write it, or from the line's own
    file), or, for a file named `Dockerfile`, a `build:`/`context:` of its folder."""
    key = _KEY.match(text)
    cli = _CLI.search(text)
    named = cli.group(1) if cli is not None else key.group(2) if key is not None else None
    if named is None or "$" in named:
        return False
    kind = "file" if cli is not None else key.group(1) if key is not None else ""
    if kind in ("file", "dockerfile"):
        bases = (root, path.parent) if kind == "file" else (path.parent,)
        return any(norm_path(base / named.removeprefix("./")) == norm_path(df.path) for base in bases)
    return df.path.name == "Dockerfile" and norm_path(path.parent / named) == norm_path(df.path.parent)


def commented_reference(project: Project, df: Dockerfile) -> str | None:
    """Where the Dockerfile is built only by commented-out lines (`# build: .` of a compose service, a CI step's
    `# file: map-server/Dockerfile`): the build that used it was switched off."""
    found: str | None = None
    for path in _referring_files(project):
        try:
            lines = path.read_text("utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for n, line in enumerate(lines, start=1):
            stripped = line.strip()
            commented = stripped.startswith("#")
            if not _builds(stripped.lstrip("#").strip() if commented else stripped, path, df, project.root):
                continue
            if not commented:
                return None  # built where it counts: whatever that is, this is no retired file
            if not _in_live_service(lines, n - 1):
                found = found or f"`{project.rel(path)}:{n}`"
    return found


def _indent(line: str) -> int:
    """Where a line starts: for a comment, where its `#` is (`    # build: .` sits in the block above it), or,
    for a `#` in the first column, where the text after it starts, less one (`#    build:` toggled by an editor)."""
    text = line.lstrip()
    col = len(line) - len(text)
    if text.startswith("#") and col == 0:
        return max(0, len(line) - len(text.lstrip("#").lstrip()) - 1)
    return col


_OPENS_BLOCK = re.compile(r"^\s*[\w.-]+:\s*(?:&\S+)?\s*(?:#.*)?$")  # `  api01: &api`, `services:`


def _enclosing(lines: list[str], index: int, indent: int) -> int | None:
    """The nearest line above ``index``, commented out or not, indented less than ``indent`` that opens a block."""
    for i in range(index - 1, -1, -1):
        text = lines[i].strip().lstrip("#").strip()
        if text and _indent(lines[i]) < indent and _OPENS_BLOCK.match(text):
            return i
    return None


def _in_live_service(lines: list[str], index: int) -> bool:
    """A commented line inside a compose service that is still there (`image: ghcr.io/acme/api` with a
    `# build: .` to uncomment for local builds): the image that service pulls is built from the Dockerfile.
    Inside a service that is commented out as a whole (`# api:`) it is no live build."""
    i = index
    while (parent := _enclosing(lines, i, _indent(lines[i]))) is not None:
        if lines[parent].strip().startswith("services:"):
            return i != index and not lines[i].lstrip().startswith("#")  # `i` is the service's key
        i = parent
    return False


def _binaries(project: Project, df: Dockerfile) -> set[str]:
    """The repository binaries the images of a Dockerfile ship, for the targets it is built to (the last stage,
    a compose `target:`, the targets CI pushes): those its stages copy from a builder, or build in place."""
    out: set[str] = set()
    for build in project.builds_of(df):
        out |= _names(built_code(project, build))
    return out


def _names(built: BuiltCode) -> set[str]:
    """The binaries a build ships: those it copies from a builder, else those of the packages its final image
    runs, else the `--bin` names its cargo runs build (`COPY --from=builder /app/target/release/${PACKAGE}` with
    `--bin ${PACKAGE}` and the build argument given)."""
    return (
        {c.name for c in built.copied}
        or {b for m in built.runtime for b in m.bin_names()}
        or {b for r in built.runs if r.manifest is not None for b in r.bins}
    )


def superseded(project: Project, df: Dockerfile) -> str | None:
    """Another Dockerfile that compose or CI builds for deployment ships every binary this one does (a unified
    multi-target Dockerfile that replaced per-crate ones): the name of that Dockerfile, else None."""
    mine = _binaries(project, df)
    if not mine:
        return None
    own = project.rel(df.path)
    return next((rel for rel, bins in _shipped(project).items() if rel != own and mine <= bins), None)


def _shipped(project: Project) -> dict[str, set[str]]:
    """The binaries each `deploy` Dockerfile that a compose service or a CI release builds ships (read once)."""
    from viworks_lint.imagescope import released
    from viworks_lint.scope import Scope

    cached: dict[str, set[str]] | None = project.__dict__.get("_shipped_binaries")
    if cached is None:
        cached = {}
        for path, other in project.dockerfiles.items():
            info = project.scope_info(path)
            if info is None or info.scope is not Scope.DEPLOY:
                continue
            builds = project.builds_of(other)
            if any(b.service is not None for b in builds) or released(project, path) is not None:
                cached[project.rel(path)] = _binaries(project, other) | _released_binaries(project, other)
        project.__dict__["_shipped_binaries"] = cached
    return cached


def _released_binaries(project: Project, df: Dockerfile) -> set[str]:
    """The binaries the CI releases of a Dockerfile ship with their own build arguments (a matrix that builds one
    Dockerfile once per package, `build-args: PACKAGE=${{ matrix.package }}`)."""
    from viworks_lint.project import Build, norm_path
    from viworks_lint.releases import releases

    # kept on the project: built_code caches by the build's identity
    builds: list[Build] = project.__dict__.setdefault("_release_builds", [])
    out: set[str] = set()
    for r in releases(project):
        if not r.args or norm_path(r.dockerfile) != norm_path(df.path):
            continue
        build = Build(df.path, df, r.context, target=r.target, args=r.args)
        builds.append(build)
        out |= _names(built_code(project, build))
    return out


def retired(project: Project, df: Dockerfile) -> str | None:
    """Why a Dockerfile nothing builds is not the image anyone ships, else None."""
    if any((project.root / name).is_file() for name in _PLATFORM_FILES):
        return None  # a platform builds a Dockerfile from a config file of its own
    from viworks_lint.bake import bake_dockerfiles
    from viworks_lint.hostbuild import hand_built

    if norm_path(df.path) in bake_dockerfiles(project):
        return None  # a bake target builds it (a variant image: alpine beside debian)
    if project.rel(df.path) in hand_built(project):
        return None  # a README, script or CI step builds it with `docker build -f`: someone runs it
    where = commented_reference(project, df)
    if where is not None:
        return f"the only line that built it, {where}, is commented out"
    other = superseded(project, df)
    if other is not None:
        return f"`{other}`, which compose or CI builds, ships the same binaries"
    return None


_COMMENTED_MEMBER = re.compile(r"^\s*#\s*[\"']([^\"']+)[\"']\s*,?\s*$")


def disabled_member(project: Project, df: Dockerfile) -> str | None:
    """Why the crates a Dockerfile builds are switched off: each is a directory that its workspace's `members`
    list names only in a comment (`# "sushii-feeds"`), so the workspace no longer builds it and the image built
    from it is a leftover. None when any crate it builds is live, or what it builds is not known."""
    packages = {m.path for b in project.builds_of(df) for m in built_code(project, b).packages}
    if not packages:
        return None
    where: str | None = None
    for pkg in packages:
        found = _commented_out(project, norm_path(pkg.parent))
        if found is None:
            return None
        where = where or found
    return where


def _commented_out(project: Project, crate_dir: Path) -> str | None:
    """`Cargo.toml:5` when a workspace manifest above the crate comments its directory out of `members`."""
    for manifest in project.manifests.values():
        ws = manifest.workspace
        if ws is None or not crate_dir.is_relative_to(norm_path(manifest.dir)):
            continue
        if any(fnmatch.fnmatchcase(crate_dir.relative_to(norm_path(manifest.dir)).as_posix(), pattern.rstrip("/"))
               for pattern, _loc in ws.members):  # fmt: skip
            return None  # a live member after all (`crates/*`)
        try:
            lines = manifest.path.read_text("utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for n, line in enumerate(lines, start=1):
            m = _COMMENTED_MEMBER.match(line)
            if m is not None and norm_path(manifest.dir / m.group(1)) == crate_dir:
                return f"`{project.rel(manifest.path)}:{n}`"
    return None
