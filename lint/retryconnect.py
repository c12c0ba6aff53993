"""Whether a service's code tolerates a datastore that is not ready yet when it starts: a lazy pool
(``connect_lazy``), a retrying connect (the ``backoff``/``backon``/``tokio-retry`` crates), or a hand-written loop
that connects, handles the error and sleeps."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from viworks_lint.code import service_code

if TYPE_CHECKING:
    from viworks_lint.parsers.compose import Service
    from viworks_lint.project import Project


_TOLERANT = re.compile(r"connect_lazy|connect\w*_retr|retr\w*_connect|\bbackoff::|\bbackon::|tokio_retry")


def connects_tolerantly(project: Project, svc: Service) -> bool:
    """The service's code builds its pool with ``connect_lazy`` (nothing connects at start) or retries its
    first connection (``database_connection_retries``, the ``backoff``/``backon``/``tokio-retry`` crates)."""
    code = service_code(project, svc)
    if code is not None:
        dirs = [m.dir for m in code.packages]
    elif svc.build is not None and svc.build.context is not None and (svc.build.context / "Cargo.toml").is_file():
        dirs = [svc.build.context]  # the code could not be pinned down: read the crate of the context
    else:
        return False
    cache: dict[Path, bool] = project.__dict__.setdefault("_lazy_pools", {})
    for d in dirs:
        if d not in cache:
            files = sorted((d / "src").rglob("*.rs"))[:2000]
            cache[d] = any(_TOLERANT.search(t) is not None or _retry_loop(t) for f in files if (t := _read(f)))
        if cache[d]:
            return True
    return False


_LOOP = re.compile(r"\bloop\s*\{|\bwhile\s+[^{;]+\{")
# a datastore connection (not any `Client::new`: an HTTP client built in a polling loop is no retry)
_CONNECT_WORD = re.compile(
    r"\b(?:Pg|MySql|Sqlite|Any)?Pool(?:Options)?\b[^;{}]*?\bconnect(?:_with)?\s*\(|\bestablish\s*\("
    r"|\b(?:tokio_postgres|postgres|mysql|mysql_async|redis|lapin|mongodb)\s*::[\w:]*?(?:connect|open|new)\w*\s*\("
    r"|\bget_(?:\w+_)?connection\w*\s*\(|\b\w*(?:Connection|Connector)\s*::\s*(?:new|open|connect\w*)\s*\("
)
_SLEEP = re.compile(r"\bsleep\s*\(")
_ON_ERROR = re.compile(r"\bErr\s*\(|\.is_err\s*\(|\bcontinue\b")
_MAX_BODY = 4000


def _loop_body(text: str, start: int) -> str:
    """The text inside the braces of a loop whose `{` ends just before ``start`` (at most 4000 characters)."""
    depth, i, end = 1, start, min(len(text), start + _MAX_BODY)
    while i < end and depth:
        c = text[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        i += 1
    return text[start : i - 1 if depth == 0 else i]


def _retry_loop(text: str) -> bool:
    """A hand-written retry of the first connection: a `loop`/`while` whose own body connects to a datastore,
    handles the error and sleeps (`loop { match Pool::connect(..) { Ok(p) => break p, Err(e) => sleep(..) } }`)."""
    for m in _LOOP.finditer(text):
        body = _loop_body(text, m.end())
        if _CONNECT_WORD.search(body) and _SLEEP.search(body) and _ON_ERROR.search(body):
            return True
    return False


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8", errors="replace") if path.stat().st_size < 1_000_000 else ""
    except OSError:
        return ""
