"""VW105 cargo-workspace-member-missing."""

from __future__ import annotations

import difflib
import os
import posixpath
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from viworks_lint.findings import Finding, Level
from viworks_lint.hostbuild import script_creating
from viworks_lint.location import Location
from viworks_lint.parsers.cargo import Manifest
from viworks_lint.parsers.cargomembers import member_dirs, member_excluded
from viworks_lint.project import Project, norm_path
from viworks_lint.rule import Rule, RuleDocs, register
from viworks_lint.submodules import missing_submodule

_GLOB = "*?["


def _suggest(parent: Path, name: str) -> str:
    try:
        names = [n for n in os.listdir(parent) if (parent / n / "Cargo.toml").is_file()]
    except OSError:
        return ""
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    return f"; did you mean `{close[0]}`?" if close else ""


def _members(project: Project, root: Manifest) -> Iterator[Finding]:
    assert root.workspace is not None
    for pattern, loc in root.workspace.members:
        if any(c in pattern for c in _GLOB):
            dirs = member_dirs(root.dir, pattern)
            if not dirs:
                yield RULE.finding(
                    f"workspace member glob `{pattern}` matches no directory; Cargo then reads "
                    f'`{pattern}/Cargo.toml` literally and fails with "failed to load manifest for workspace '
                    'member"; fix the pattern or remove it',
                    loc,
                    key=f"member:{pattern}",
                )
                continue
            bad = [d for d in dirs if not (d / "Cargo.toml").is_file() and not member_excluded(root, d)]
            if bad:
                names = ", ".join(f"`{project.rel(d)}`" for d in bad)
                yield RULE.finding(
                    f"workspace member glob `{pattern}` matches {names}, which "
                    f'{"has" if len(bad) == 1 else "have"} no Cargo.toml; Cargo fails with "failed to load '
                    'manifest for workspace member"; add the directory to `workspace.exclude`, '
                    "narrow the glob, or remove the directory",
                    loc,
                    key=f"member:{pattern}",
                )
            continue
        directory = norm_path(root.dir / pattern)
        if (directory / "Cargo.toml").is_file() or member_excluded(root, directory):
            continue
        sub = missing_submodule(project, directory)
        if sub is not None:
            yield RULE.finding(
                f"workspace member `{pattern}` is in git submodule `{sub}`, which is not checked out here; run "
                "`git submodule update --init` (and clone with `--recursive`) before building",
                loc,
                key=f"member:{pattern}",
                level=Level.NOTE,
            )
            continue
        script = None if directory.is_dir() else script_creating(root.dir, directory)
        if script is not None:
            yield RULE.finding(
                f"workspace member `{pattern}` does not exist; `{project.rel(script)}` beside the manifest names "
                "it and generates it first, so run that before building",
                loc,
                key=f"member:{pattern}",
                level=Level.NOTE,
            )
            continue
        state = "has no Cargo.toml" if directory.is_dir() else "does not exist"
        shown = project.rel(directory)
        resolved = f" (`{shown}`)" if shown != pattern else ""
        yield RULE.finding(
            f'workspace member `{pattern}`{resolved} {state}; Cargo fails with "failed to '
            f'load manifest for workspace member" before building anything'
            f"{_suggest(directory.parent, directory.name)}",
            loc,
            key=f"member:{pattern}",
        )


def _path_dep(project: Project, name: str, raw: str, base: Path, loc: Location, section: str) -> Iterator[Finding]:
    if "{{" in raw or "{%" in raw:
        return  # a scaffold's placeholder (`path = "{{client}}"`): the manifest is a template, rendered first
    directory = norm_path(base / raw)
    if (directory / "Cargo.toml").is_file():
        return
    script = None if directory.exists() else script_creating(norm_path(base / raw).parent, directory)
    if script is not None:
        yield RULE.finding(
            f"{section} `{name}` has path `{raw}`, which does not exist; `{project.rel(script)}` names it and "
            "generates it first, so run that before building",
            loc,
            key=f"path:{section}:{name}",
            level=Level.NOTE,
        )
        return
    root = norm_path(project.root)
    if not directory.exists() and not directory.is_relative_to(root):
        # `../../glin-sdk-rust/client`: another repository checked out beside this one, which a clone of this
        # one alone does not have; whether it is there on the build host cannot be told from here
        yield RULE.finding(
            f"{section} `{name}` has path `{raw}`, outside the repository (`{os.path.relpath(directory, root)}` from "
            "its root, not here): the build needs that checkout beside this one, with a context that reaches it",
            loc,
            key=f"outside:{section}:{name}",
            level=Level.NOTE,
        )
        return
    sub = missing_submodule(project, directory)
    if sub is not None:
        yield RULE.finding(
            f"{section} `{name}` has path `{raw}` in git submodule `{sub}`, which is not checked out here; "
            "run `git submodule update --init` (and clone with `--recursive`) before building",
            loc,
            key=f"submodule:{section}:{name}",
            level=Level.NOTE,
        )
        return
    if directory.is_file():
        state = "is a file, not a package directory"
        hint = (
            f"; `path` must name the directory, use `{posixpath.dirname(raw) or '.'}`"
            if (directory.name == "Cargo.toml")
            else ""
        )
    elif directory.is_dir():
        state, hint = "has no Cargo.toml", ""
    else:
        state, hint = "does not exist", _suggest(directory.parent, directory.name)
    yield RULE.finding(
        f"{section} `{name}` has path `{raw}` (`{project.rel(directory)}`), which {state}; Cargo fails with "
        f'"failed to load source for dependency `{name}`"{hint}',
        loc,
        key=f"path:{section}:{name}",
    )


def _is_git(spec: Any) -> bool:
    return isinstance(spec, Mapping) and "git" in spec


def _raw_deps(m: Manifest, table: str) -> Mapping[str, Any]:
    node: Any = m.data
    for part in table.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    return node if isinstance(node, Mapping) else {}


def _dependencies(project: Project, m: Manifest) -> Iterator[Finding]:
    for dep in m.dependencies:
        if dep.path_raw is None or dep.path is None or dep.workspace:
            continue
        raw_spec = _raw_deps(m, dep.section).get(dep.name)
        if _is_git(raw_spec):
            continue
        loc = dep.path_location or dep.location
        yield from _path_dep(project, dep.name, dep.path_raw, m.dir, loc, f"dependency ([{dep.section}])")
    tables: list[tuple[str, str]] = []
    inherited = _inherited(project, m) if m.workspace is not None else set()
    if m.workspace is not None:
        tables.append(("workspace.dependencies", "workspace dependency"))
    patch = m.data.get("patch")
    if isinstance(patch, Mapping):
        tables.extend((f"patch.{src}", f"[patch.{src}] entry") for src in patch if isinstance(src, str))
    for table, what in tables:
        for name, spec in _raw_deps(m, table).items():
            if not isinstance(spec, Mapping) or _is_git(spec) or not isinstance(spec.get("path"), str):
                continue
            if table == "workspace.dependencies" and name not in inherited:
                continue  # Cargo resolves a workspace dependency only when a member inherits it
            loc = m.positions.value(f"{table}.{name}", "path") or m.positions.best(table)
            yield from _path_dep(project, name, spec["path"], m.dir, loc, what)


def _inherited(project: Project, root: Manifest) -> set[str]:
    """Names the workspace's manifests inherit with `workspace = true`."""
    return {
        dep.name
        for m in project.manifests.values()
        if project.workspace_root(m) is root
        for dep in m.dependencies
        if dep.workspace
    }


# folders that hold code the project keeps but no longer builds, and folders of examples
_RETIRED = frozenset({"archive", "archived", "archives", "legacy", "old", "deprecated", "attic", "obsolete", "unused"})
_EXAMPLES = frozenset({"example", "examples", "sample", "samples"})


def _orphan_folder(project: Project, m: Manifest, depended: set[Path]) -> str | None:
    """The retired or example folder (`archive/`, `legacy/`, `examples/`) a crate sits in when it, or the workspace
    of its own it is a member of there, is part of no other workspace and no other manifest depends on it by path:
    nothing builds it with the project. None otherwise."""
    root = project.workspace_root(m)
    unit = root if root is not None and (root is m or _member(root, m)) else m
    if norm_path(unit.dir) in depended or norm_path(unit.dir) == norm_path(project.root):
        return None
    if _built_by_image(project, unit.dir):
        return None
    parts = project.rel(unit.dir).lower().split("/")
    return next((p for p in parts if p in _RETIRED or p in _EXAMPLES), None)


def _inside_sources(project: Project, m: Manifest, depended: set[Path]) -> str | None:
    """The package whose `src/` folder holds this manifest (`src/Cargo.toml`, a stray placeholder), when no
    workspace lists it, no manifest depends on it by path and no image builds it; None otherwise."""
    here = norm_path(m.dir)
    if m.workspace is not None or here in depended:
        return None
    if any(norm_path(b.context) == here or here in norm_path(b.context).parents for b in project.builds):
        return None  # an image is built from it (a `COPY src ./src` of the package above names it, not builds it)
    root = project.workspace_root(m)
    if root is not None and root is not m and _member(root, m):
        return None
    for parent in norm_path(m.dir).parents:
        owner = project.manifests.get(parent / "Cargo.toml")
        if owner is not None and owner.package_name and norm_path(m.dir).is_relative_to(parent / "src"):
            return owner.package_name
        if parent == norm_path(project.root):
            break
    return None


def _member(root: Manifest, m: Manifest) -> bool:
    assert root.workspace is not None
    for pattern, _loc in root.workspace.members:
        dirs = member_dirs(root.dir, pattern) if any(c in pattern for c in _GLOB) else [norm_path(root.dir / pattern)]
        if any(norm_path(d) == norm_path(m.dir) for d in dirs):
            return True
    return False


def _built_by_image(project: Project, crate: Path) -> bool:
    """A build (compose or CI) whose context is the crate's folder or inside it, or whose Dockerfile names the
    crate's folder (`cd legacy/api && cargo build`, `COPY examples/demo ./`): the crate is built after all."""
    for b in project.builds:
        ctx = norm_path(b.context)
        if ctx == crate or crate in ctx.parents:
            return True
        if ctx in crate.parents and b.dockerfile is not None:
            rel = crate.relative_to(ctx).as_posix()
            if any(rel in line for line in b.dockerfile.lines):
                return True
    return False


def _path_targets(project: Project) -> set[Path]:
    """Every directory a manifest points at by path: dependencies, `[workspace.dependencies]`, `[patch.*]`."""
    out: set[Path] = set()
    for o in project.manifests.values():
        out.update(norm_path(dep.path) for dep in o.dependencies if dep.path is not None)
        tables = [_raw_deps(o, "workspace.dependencies")]
        patch = o.data.get("patch")
        if isinstance(patch, Mapping):
            tables.extend(v for v in patch.values() if isinstance(v, Mapping))
        for table in tables:
            for spec in table.values():
                if isinstance(spec, Mapping) and isinstance(spec.get("path"), str):
                    out.add(norm_path(o.dir / spec["path"]))
    return out


def check(project: Project) -> Iterator[Finding]:
    depended = _path_targets(project)
    for m in project.manifests.values():
        if m.problems and not m.data:
            continue  # does not parse: VW001
        folder = _orphan_folder(project, m, depended)
        if folder in _RETIRED:
            continue  # a retired crate kept under `archive/`: nothing builds it
        found = [*(_members(project, m) if m.workspace is not None else ()), *_dependencies(project, m)]
        inside = _inside_sources(project, m, depended) if folder is None and found else None
        for f in found:
            if inside is not None and f.level is not Level.NOTE:
                yield replace(
                    f,
                    level=Level.NOTE,
                    message=f"{f.message}; but this manifest sits in the sources of package `{inside}` (under its "
                    "`src/`), no workspace lists it, nothing depends on it by path and no image builds it: Cargo "
                    "never reads it (only advice)",
                )
            elif folder is None or f.level is Level.NOTE:
                yield f
            else:
                yield replace(
                    f,
                    level=Level.NOTE,
                    message=f"{f.message}; the crate belongs to an example (in `{folder}/`) that no other workspace "
                    "includes and nothing depends on, so it is not built with the project (only advice)",
                )

RULE = register(
    Rule(
        id="VW105",
        name="cargo-workspace-member-missing",
        level=Level.ERROR,
        summary="A workspace member or a path dependency points at a directory without a Cargo.toml.",
        docs=RuleDocs(
            what="Each `workspace.members` entry must be a directory with a `Cargo.toml`; a glob (`crates/*`, `?`, "
            "`[..]` per path segment) must match at least one directory, and every directory it matches needs a "
            "`Cargo.toml` unless it is under a `workspace.exclude` path. Every `path = \"…\"` dependency "
            "(`[dependencies]` and friends, `[workspace.dependencies]`, `[patch.*]`) must name a directory with a "
            "`Cargo.toml`. Stays silent for a `[workspace.dependencies]` entry no member inherits (Cargo resolves it "
            "only when a member says `workspace = true`) and for paths under `workspace.exclude`; a path inside a git "
            "submodule that is not checked out is only a note (`git submodule update --init`), and so is a missing "
            "directory that a script or Makefile beside the manifest (or beside the missing directory) names, since "
            "it generates it (an amalgamation or codegen step); a missing path outside the repository "
            "(`../../other-repo/crate`, a sibling checkout) is a note too. A path holding a template placeholder "
            "(`path = \"{{client}}\"`, a scaffold rendered before use) is not checked. The path dependencies of a "
            "crate outside every workspace (or of an example's own workspace) that no other manifest points at by "
            "path (a dependency, `[workspace.dependencies]`, `[patch]`) and no image builds (no build context at or "
            "inside it, no Dockerfile that names its folder) are not checked when it sits in a folder of retired code "
            "(`archive/`, `legacy/`, `old/`, `deprecated/`), and are a note in a folder of examples (`examples/`, "
            "`samples/`): nothing builds it with the project; so are those of a manifest inside another package's "
            "`src/` folder that no workspace lists, nothing depends on and no image builds (a stray placeholder).",
            why="Cargo loads the whole workspace and every path dependency before it compiles anything, so "
            "`cargo build` in the Dockerfile stops with `failed to load manifest for workspace member` or "
            "`failed to read …/Cargo.toml`. It often happens after a crate is renamed or moved, or when only part "
            "of the workspace is copied into the image.",
            example='[workspace]\nmembers = ["api", "worker", "crates/*"]   # worker/ was renamed to jobs/',
            fix="Correct the member or path, add the directory to `workspace.exclude`, or remove the entry.",
        ),
        check=check,
        tags=("build", "cargo"),
    )
)
