"""Build contexts that `docker buildx bake` (a `contexts = { name = "target:x" }` block of a bake file) or a
wrapper (`docker buildx build --build-context name=…`) passes into a Dockerfile: `FROM name` then starts from
whatever that context is, an earlier bake target, not an image the linter can know."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from viworks_lint.project import Project

_BAKE_GLOBS = ("*.hcl", "*/*.hcl", "*/*/*.hcl")
_CONTEXTS = re.compile(r"\bcontexts\s*=\s*\{([^}]*)\}", re.S)
_KEY = re.compile(r"^\s*\"?([A-Za-z0-9_.-]+)\"?\s*=", re.M)
_FLAG = re.compile(r"--build-context[ =]([A-Za-z0-9_.-]+)=")
_MAX_BYTES = 512_000


@lru_cache(maxsize=64)
def _named(root: Path, wrapper_texts: tuple[str, ...]) -> frozenset[str]:
    names: set[str] = set()
    for pattern in _BAKE_GLOBS:
        for path in sorted(root.glob(pattern)):
            try:
                if not path.is_file() or path.stat().st_size > _MAX_BYTES:
                    continue
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            for block in _CONTEXTS.finditer(text):
                names.update(m.group(1).lower() for m in _KEY.finditer(block.group(1)))
    for text in wrapper_texts:
        names.update(m.group(1).lower() for m in _FLAG.finditer(text))
    return frozenset(names)


def named_contexts(project: Project) -> frozenset[str]:
    """The names a bake file or a wrapper gives build contexts of the repository's Dockerfiles."""
    from viworks_lint.hostbuild import wrappers

    texts = tuple(w.text for w in wrappers(project) if "--build-context" in w.text)
    return _named(project.root, texts)
