"""What `docker buildx bake` files say about the repository's Dockerfiles: the build contexts a bake file
(`contexts = { name = "target:x" }`) or a wrapper (`docker buildx build --build-context name=…`) passes into a
Dockerfile (`FROM name` then starts from whatever that context is, an earlier bake target, not an image the
linter can know), and the Dockerfiles bake targets build (`dockerfile = "docker/Dockerfile.alpine"`)."""

from __future__ import annotations

import re
from pathlib import Path

from viworks_lint.project import Project

_BAKE_GLOBS = ("*.hcl", "*/*.hcl", "*/*/*.hcl")
_CONTEXTS = re.compile(r"\bcontexts\s*=\s*\{([^}]*)\}", re.S)
_KEY = re.compile(r"^\s*\"?([A-Za-z0-9_.-]+)\"?\s*=", re.M)
_FLAG = re.compile(r"--build-context[ =]([A-Za-z0-9_.-]+)=")
_MAX_BYTES = 512_000


def _bake_files(project: Project) -> tuple[tuple[Path, str], ...]:
    """The bake files (`*.hcl` up to two folders down) of the repository, with their text (read once)."""
    cached: tuple[tuple[Path, str], ...] | None = project.__dict__.get("_bake_files")
    if cached is not None:
        return cached
    out: list[tuple[Path, str]] = []
    for pattern in _BAKE_GLOBS:
        for path in sorted(project.root.glob(pattern)):
            try:
                if path.is_file() and path.stat().st_size <= _MAX_BYTES:
                    out.append((path, path.read_text(encoding="utf-8", errors="replace")))
            except OSError:
                continue
    project.__dict__["_bake_files"] = tuple(out)
    return tuple(out)


def _named(project: Project, wrapper_texts: tuple[str, ...]) -> frozenset[str]:
    names: set[str] = set()
    for _path, text in _bake_files(project):
        for block in _CONTEXTS.finditer(text):
            names.update(m.group(1).lower() for m in _KEY.finditer(block.group(1)))
    for text in wrapper_texts:
        names.update(m.group(1).lower() for m in _FLAG.finditer(text))
    return frozenset(names)


def named_contexts(project: Project) -> frozenset[str]:
    """The names a bake file or a wrapper gives build contexts of the repository's Dockerfiles (read once)."""
    from viworks_lint.hostbuild import wrappers

    cached: frozenset[str] | None = project.__dict__.get("_named_contexts")
    if cached is None:
        texts = tuple(w.text for w in wrappers(project) if "--build-context" in w.text)
        cached = project.__dict__["_named_contexts"] = _named(project, texts)
    return cached


_DOCKERFILE = re.compile(r"^\s*dockerfile\s*=\s*\"([^\"$]+)\"", re.M)
_CONTEXT = re.compile(r"^\s*context\s*=\s*\"([^\"$]+)\"", re.M)


def bake_dockerfiles(project: Project) -> frozenset[Path]:
    """The Dockerfiles (normalised paths) a target of a bake file builds: `dockerfile = "…"`, taken from the
    bake file's folder or from a `context = "…"` the file sets (bake resolves it against the context)."""
    from viworks_lint.project import norm_path

    found: set[Path] = set()
    for path, text in _bake_files(project):
        bases = [path.parent, *(path.parent / c for c in _CONTEXT.findall(text))]
        for name in _DOCKERFILE.findall(text):
            found.update(norm_path(b / name) for b in bases if (b / name).is_file())
    return frozenset(found)
