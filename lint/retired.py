"""Dockerfiles nobody builds any more: the one compose service or CI step that built it is commented out, or
the binaries it ships are what another Dockerfile, the one compose or CI does build, ships now. Such a file is
kept for reference; what it describes is not the image anyone runs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from viworks_lint.crates import built_code, target_code
from viworks_lint.project import norm_path

if TYPE_CHECKING:
    from viworks_lint.parsers.dockerfile import Dockerfile
    from viworks_lint.project import Project

_BUILD_KEY = re.compile(r"^\s*(?:-\s*)?(?:build|context)\s*:\s*[\"']?([^\"'\s#]+)")


def _referring_files(project: Project) -> list[Path]:
    """The files that say what is built: compose files, CI workflows, Makefiles and scripts."""
    from viworks_lint.releases import WORKFLOW_GLOBS

    disc = project.discovered
    files = [f for group in disc.compose_groups for f in group] + list(disc.compose_variants) + list(disc.wrappers)
    for pattern in WORKFLOW_GLOBS:
        files.extend(project.root.glob(pattern))
    files.extend(p for p in (project.root / ".gitlab-ci.yml",) if p.is_file())
    return sorted(set(files))


def _refers(line: str, path: Path, df: Dockerfile, rel: str) -> bool:
    """The line names the Dockerfile: its path from the root or from the line's own file, or, for a file named
    `Dockerfile`, a compose `build:`/`context:` of its folder."""
    text = line.strip().lstrip("#").strip()
    for name in {rel, _relative(df.path, path.parent)}:
        if name and re.search(rf"(?:^|[\s\"'=:/])(?:\./)?{re.escape(name)}(?:$|[\s\"',])", text):
            return True
    m = _BUILD_KEY.match(text)
    if m is None or df.path.name != "Dockerfile" or "$" in m.group(1):
        return False
    return norm_path(path.parent / m.group(1)) == norm_path(df.path.parent)


def _relative(target: Path, base: Path) -> str:
    try:
        return norm_path(target).relative_to(norm_path(base)).as_posix()
    except ValueError:
        return ""


def commented_reference(project: Project, df: Dockerfile) -> str | None:
    """Where the Dockerfile is named only in commented-out lines (`# build: .` of a compose service, a CI step's
    `# file: map-server/Dockerfile`): the build that used it was switched off."""
    rel = project.rel(df.path)
    found: str | None = None
    for path in _referring_files(project):
        try:
            lines = path.read_text("utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for n, line in enumerate(lines, start=1):
            if not _refers(line, path, df, rel):
                continue
            if not line.lstrip().startswith("#"):
                return None  # named where it counts: whatever builds it, this is no retired file
            found = found or f"`{project.rel(path)}:{n}`"
    return found


def _binaries(project: Project, df: Dockerfile, every_target: bool = False) -> set[str]:
    """The repository binaries the image of a Dockerfile ships (copied from a builder stage, or built); with
    ``every_target``, those of each named stage as a `--target` too."""
    out: set[str] = set()
    for build in project.builds_of(df):
        codes = [built_code(project, build)]
        if every_target:
            codes += [target_code(project, build, st.name) for st in df.stages if st.name]
        for built in codes:
            out |= {c.name for c in built.copied}
            if not built.copied:
                out |= {b for m in built.runtime or built.packages for b in m.bin_names()}
    return out


def superseded(project: Project, df: Dockerfile) -> str | None:
    """Another Dockerfile that compose or CI builds ships every binary this one does (a unified multi-target
    Dockerfile that replaced per-crate ones): the name of that Dockerfile, else None."""
    mine = _binaries(project, df)
    if not mine:
        return None
    return next((rel for rel, bins in _shipped(project).items() if rel != project.rel(df.path) and mine <= bins), None)


def _shipped(project: Project) -> dict[str, set[str]]:
    """The binaries each Dockerfile that a compose service or a CI release builds ships, any target stage
    (read once per project)."""
    from viworks_lint.imagescope import released

    cached: dict[str, set[str]] | None = project.__dict__.get("_shipped_binaries")
    if cached is None:
        cached = {}
        for path, other in project.dockerfiles.items():
            builds = project.builds_of(other)
            if any(b.service is not None for b in builds) or released(project, path) is not None:
                cached[project.rel(path)] = _binaries(project, other, every_target=True)
        project.__dict__["_shipped_binaries"] = cached
    return cached


def retired(project: Project, df: Dockerfile) -> str | None:
    """Why a Dockerfile nothing builds is not the image anyone ships, else None."""
    where = commented_reference(project, df)
    if where is not None:
        return f"the only line that built it, {where}, is commented out"
    other = superseded(project, df)
    if other is not None:
        return f"`{other}`, which compose or CI builds, ships the same binaries"
    return None
