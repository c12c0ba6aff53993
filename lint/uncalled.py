"""Functions no Rust code of the repository names: an env read written in one (a `Config::from_env` left over in a
library while the binary builds its config from a file) is never made, whatever crate it sits in."""

from __future__ import annotations

import re
from collections import Counter

from viworks_lint.project import Project
from viworks_lint.rust.literals import comment_free
from viworks_lint.storeuse import FN_NAME, package_sources

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _mentions(project: Project) -> tuple[Counter[str], Counter[str]] | None:
    """How often each identifier is written in the repository's Rust sources (comments left out, strings kept:
    `#[serde(default = "default_port")]` names a function), and how often as the name of a `fn` it defines;
    None when the sources are too many to read whole."""
    if "_fn_mentions" in project.__dict__:
        cached: tuple[Counter[str], Counter[str]] | None = project.__dict__["_fn_mentions"]
        return cached
    words: Counter[str] = Counter()
    defined: Counter[str] = Counter()
    texts = [t for m in project.manifests.values() for t in package_sources(project, m)]
    result: tuple[Counter[str], Counter[str]] | None = None
    if len(texts) < 5000:
        for raw in texts:
            text = comment_free(raw)
            words.update(_WORD.findall(text))
            defined.update(FN_NAME.findall(text))
        result = (words, defined)
    project.__dict__["_fn_mentions"] = result
    return result


def never_called(project: Project, function: str) -> bool:
    """No Rust source of the repository names ``function`` except where a `fn` of that name is defined: nothing
    calls it, passes it or names it in an attribute. False when unsure (no name, `main`, too many sources). The
    reads of trait methods carry no name (code outside the repository calls them)."""
    if not function or function == "main":
        return False
    counts = _mentions(project)
    if counts is None:
        return False
    words, defined = counts
    return defined[function] > 0 and words[function] <= defined[function]
