"""A compose file that was moved (or copied) to a subfolder without its relative paths: the build contexts, bind
mounts and env files it names are missing beside it but most of them (two at least) exist relative to a folder
above it (where the file used to live), and nothing in the repository runs or names it. Nobody runs it from where it
is: what is wrong with it is advice, not a defect of the deployment."""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path
from weakref import WeakKeyDictionary

from viworks_lint.parsers.compose import ComposeProject
from viworks_lint.project import Project, norm_path

_CACHE: WeakKeyDictionary[Project, dict[Path, tuple[Path, str] | None]] = WeakKeyDictionary()


def _paths(compose: ComposeProject) -> list[Path]:
    """The local paths the file's services name: build contexts and Dockerfiles, bind-mount sources, env files."""
    out: list[Path] = []
    for svc in compose.services.values():
        b = svc.build
        if b is not None and b.context is not None and "://" not in str(b.context):
            out.append(Path(b.context))
            if b.dockerfile is not None:
                out.append(Path(b.dockerfile))
        for m in svc.volumes:
            if m.type == "bind" and m.source and "$" not in m.source and m.source.startswith((".", "..")):
                out.append(compose.project_dir / m.source)
        out.extend(ref.path for ref in svc.env_files)
    return [norm_path(p) for p in out]


def run_or_named(project: Project, path: Path, *, folder_counts: bool = True) -> bool:
    """A wrapper, CI workflow or document runs the file or names it (its path, or its folder's unless not
    ``folder_counts``: a crate's folder is named for its code)."""
    from viworks_lint.composefiles import default_compose

    for inv in project.wrappers.invocations:  # `-f path`, or a bare `docker compose up` in its folder
        if any(norm_path(f) == path for f in inv.files or default_compose(project, inv.cwd)):
            return True
    from viworks_lint.hostbuild import wrappers

    rel = project.rel(path)
    folder = posixpath.dirname(rel)
    needles = [rel] + ([folder] if folder and folder_counts else [])
    texts = [w.text for w in wrappers(project)]
    for doc in project.discovered.wrappers:
        try:
            texts.append(doc.read_text("utf-8", errors="replace"))
        except OSError:
            continue
    if any(n in t for t in texts for n in needles):
        return True
    # a README beside it that runs compose in its folder (`docker compose up -d`)
    for doc in path.parent.iterdir() if path.parent.is_dir() else ():
        readme = doc.name.lower().startswith("readme") and doc.suffix.lower() in (".md", ".txt", ".rst", "")
        if readme and doc.is_file():
            try:
                text = doc.read_text("utf-8", errors="replace")
            except OSError:
                continue
            if re.search(r"\bdocker[- ]compose\b[^\n]*\b(?:up|run|start)\b", text):
                return True
    return False


def moved_copy(project: Project, path: Path) -> tuple[Path, str] | None:
    """For a compose file nothing names whose missing relative paths mostly exist from one folder above it: that
    folder and one of the paths, as its message shows them; None otherwise."""
    memo = _CACHE.setdefault(project, {})
    path = norm_path(path)
    if path not in memo:
        memo[path] = _moved_copy(project, path)
    return memo[path]


def _moved_copy(project: Project, path: Path) -> tuple[Path, str] | None:
    composes = [c for c in project.composes if [norm_path(f) for f in c.files] == [path]]
    if not composes or norm_path(path.parent) == norm_path(project.root):
        return None
    compose = composes[0]
    base = norm_path(compose.project_dir)
    missing = [p for p in _paths(compose) if not p.exists()]
    if not missing:
        return None
    root = norm_path(project.root)
    for above in base.parents:
        if not above.is_relative_to(root):
            break
        moved = [norm_path(above / os.path.relpath(p, base)) for p in missing]
        found = sum(1 for m in moved if m.is_relative_to(root) and m.exists())
        if found >= 2 and 2 * found >= len(moved):  # most of them: a file deleted since may be missing there too
            return None if run_or_named(project, path) else (above, project.rel(missing[0]))
    return None


# the header `docker init` writes at the top of the compose.yaml it generates
_DOCKER_INIT = re.compile(r"^#\s*Comments are provided throughout this file to help you get started\.", re.M)


def init_scaffold(project: Project, path: Path) -> str | None:
    """A compose file in a subfolder that `docker init` generated (its header says so) whose Dockerfile is gone
    (every build it names lacks one) and that nothing runs or names: a scaffold left behind when the code moved,
    for the message; None otherwise."""
    path = norm_path(path)
    memo: dict[Path, str | None] = project.__dict__.setdefault("_init_scaffolds", {})
    if path not in memo:
        memo[path] = _init_scaffold(project, path)
    return memo[path]


def _init_scaffold(project: Project, path: Path) -> str | None:
    composes = [c for c in project.composes if [norm_path(f) for f in c.files] == [path]]
    if not composes or norm_path(path.parent) == norm_path(project.root):
        return None
    try:
        head = path.read_text("utf-8", errors="replace")[:2000]
    except OSError:
        return None
    if _DOCKER_INIT.search(head) is None:
        return None
    builds = [svc.build for svc in composes[0].services.values() if svc.build is not None]
    if not builds or any(b.context is None or b.inline is not None for b in builds):
        return None
    if any((b.dockerfile or b.context / "Dockerfile").exists() for b in builds if b.context is not None):
        return None
    return None if run_or_named(project, path, folder_counts=False) else "generated by `docker init`"
