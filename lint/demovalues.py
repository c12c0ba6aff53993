"""Demo defaults: literal values of secret-named variables that are obviously no leaked secret but the
throwaway value of a demo or a local stack (`1234`, `asdf1234`, `db_password`, `axum123` beside
`POSTGRES_USER: axum`, the project's own name, the value `.env.example` or the README documents as the
default). VW404 reports them as a note: change it before deploying. What they are made of is reviewed data
(``rules/secrets.json``, ``demo_patterns``); a real-looking value (long random strings, `sk_live_…`, base64
keys) never is. Nothing here returns or keeps a value beyond the comparison."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from viworks_lint.parsers.common import ReadError, read_text

if TYPE_CHECKING:
    from viworks_lint.project import Project

MAX_DOC_BYTES = 512 * 1024


@dataclass(frozen=True)
class Patterns:
    min_run: int
    short_datastore_length: int
    sequences: tuple[str, ...]
    words: frozenset[str]
    token_prefixes: tuple[str, ...] = ()
    max_digits: int = 8


@cache
def patterns() -> Patterns:
    data = json.loads(resources.files("viworks_lint.rules").joinpath("secrets.json").read_text("utf-8"))
    p = data["demo_patterns"]
    return Patterns(
        min_run=int(p["min_run"]),
        short_datastore_length=int(p["short_datastore_length"]),
        sequences=tuple(str(s["value"]) for s in p["sequences"]),
        words=frozenset(str(w["value"]) for w in p["words"]),
        token_prefixes=tuple(str(t["value"]) for t in p.get("token_prefixes", ())),
        max_digits=int(p.get("max_digits", 8)),
    )


def looks_issued(value: str) -> bool:
    """A credential some service issued (`sk_live_…`, `ghp_…`, `AKIA…`): never a demo default."""
    v = value.strip().strip("\"'")
    return any(v.startswith(prefix) for prefix in patterns().token_prefixes)


def words_of(text: str) -> set[str]:
    """The lower-case words of a name (`surfjudge-actix` → surfjudge, actix, surfjudgeactix; `DefGuard` →
    defguard), at least two characters each."""
    low = text.lower()
    parts = [w for w in re.split(r"[^a-z0-9]+", low) if len(w) >= 2]
    out = set(parts)
    joined = "".join(parts)
    if len(joined) >= 2:
        out.add(joined)
    return out


def _normal(value: str) -> str:
    return re.sub(r"[\s_.\-]+", "", value.strip().strip("\"'").lower())


def _in_sequence(piece: str) -> bool:
    return any(piece in s for s in patterns().sequences)


def made_of(value: str, names: Iterable[str]) -> frozenset[str] | None:
    """What the value, separators ignored, is cut into without rest: runs of a keyboard or counting sequence
    (``"sequence"``) and words of ``names`` or the reviewed demo words (``"word"``): `1234asdf`, `db_password`,
    `axum123` (with `axum` a name). None when it cannot be cut so."""
    v = _normal(value)
    if not v or not v.isalnum() or not v.isascii():
        return None
    vocab = patterns().words | {w for n in names for w in words_of(n)}
    run = patterns().min_run
    kinds: list[frozenset[str] | None] = [None] * (len(v) + 1)
    kinds[0] = frozenset()
    for i in range(len(v)):
        before = kinds[i]
        if before is None:
            continue
        for j in range(i + 2, len(v) + 1):
            piece = v[i:j]
            kind = "word" if piece in vocab else "sequence" if j - i >= run and _in_sequence(piece) else None
            if kind is not None and kinds[j] is None:
                kinds[j] = before | {kind}
    return kinds[len(v)]


_MADE_OF = {
    frozenset({"sequence"}): "it is a keyboard or counting sequence",
    frozenset({"word"}): "it is made of the variable's own words or the names of the project, service or user",
    frozenset({"sequence", "word"}): (
        "it is made of a keyboard or counting sequence and the variable's own words or the names of the project, "
        "service or user"
    ),
}


def demo_reason(name: str, value: str, names: Iterable[str], *, datastore: bool) -> str | None:
    """Why ``value`` of the secret variable ``name`` is a demo default (words that never repeat the value), or
    None. ``names``: the project's, the service's and its image's names and the plain values beside it;
    ``datastore``: the variable is given to a stock datastore image."""
    v = value.strip().strip("\"'")
    if not v or looks_issued(v):
        return None
    if v.isdigit() and len(v) <= patterns().max_digits:
        return "it is all digits"
    kinds = made_of(v, [name, *names])
    if kinds:
        return _MADE_OF[kinds]
    if datastore and len(v) < patterns().short_datastore_length:
        return "it is a short value for the stock database image, the throwaway password of a local database"
    return None


def documented_default(project: Project, value: str) -> str | None:
    """The repository file that documents this value as the default to use (an env template's entry, a README
    code block or backticked value), relative to the root; None when none does."""
    from viworks_lint.conventions import is_template_name
    from viworks_lint.docruns import is_doc

    v = value.strip().strip("\"'")
    if len(v) < 4 or looks_issued(v):
        return None
    for path in project.discovered.env_files:
        if not is_template_name(path.name):
            continue
        ef = project.env_file(path)
        if ef is not None and any((e.value or "").strip().strip("\"'") == v for e in ef.entries):
            return project.rel(path)
    # `value`, `KEY=value`, `password: value`, or the password of a connection URL the reader is told to use
    # (`postgresql://graph:value@localhost:5432/graph`)
    shown = re.compile(
        r"`" + re.escape(v) + r"`|[=:]\s*[\"']?" + re.escape(v) + r"[\"']?(?=\s|$)"
        r"|://[^:/\s@`]+:" + re.escape(v) + r"@",
        re.M,
    )
    for path in project.discovered.wrappers:
        if is_doc(path, project.root) and _mentions(path, v, shown):
            return project.rel(path)
    return None


def _mentions(path: Path, value: str, shown: re.Pattern[str]) -> bool:
    try:
        if path.stat().st_size > MAX_DOC_BYTES:
            return False
        text = read_text(path)
    except (ReadError, OSError):
        return False
    return value in text and shown.search(text) is not None
