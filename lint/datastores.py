"""Facts about databases, caches and brokers, read from the reviewed data file ``rules/datastores.json``
(validated by ``schemas/datastores.schema.json``): which images run one, which URL schemes and variable
names address one, and what the official images create on first start (users, passwords, databases)."""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from viworks_lint.images import split_image
from viworks_lint.parsers.compose import Service

# the command lines of database CLIs that migrate or set up a database, connecting to it as they start
MIGRATION_CLI = (
    r"(?:cargo\s+)?sqlx\s+(?:migrate|database)\b|diesel\s+(?:migration|setup|database)\b|sea-orm-cli\s+migrate\b"
)


@dataclass(frozen=True)
class Family:
    id: str
    label: str
    images: tuple[str, ...]
    schemes: tuple[str, ...]
    words: tuple[str, ...]
    server_packages: tuple[str, ...]
    client_crates: tuple[str, ...]  # packages that talk to it (clients, pools, ORMs)
    client_words: tuple[str, ...]  # words of package names that may wrap a client (sessions, queues)
    healthcheck: str | None
    credentials: dict[str, Any] | None  # the official image's init variables (see the data file)
    waiting_clients: tuple[str, ...] = ()  # client crates that wait for a late server at start (`client_waits`)
    shell_clients: tuple[str, ...] = ()  # its command-line clients (`psql`, `redis-cli`)
    waiting_unless: tuple[str, ...] = ()  # calls that fail fast instead (`client_waits.unless_calls`)
    data_dirs: tuple[str, ...] = ()  # where the official image keeps its data (`data_dirs.paths`)


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    # validated against schemas/datastores.schema.json by the test suite, not at run time
    data: dict[str, Any] = json.loads(
        resources.files("viworks_lint.rules").joinpath("datastores.json").read_text("utf-8")
    )
    return data


@lru_cache(maxsize=1)
def families() -> tuple[Family, ...]:
    return tuple(
        Family(
            id=f["id"],
            label=f["label"],
            images=tuple(f["images"]),
            schemes=tuple(f["schemes"]),
            words=tuple(f["words"]),
            server_packages=tuple(f.get("server_packages", ())),
            client_crates=tuple(f.get("clients", {}).get("crates", ())),
            client_words=tuple(f.get("clients", {}).get("words", ())),
            healthcheck=f.get("healthcheck"),
            credentials=f.get("credentials"),
            waiting_clients=tuple(f.get("client_waits", {}).get("crates", ())),
            shell_clients=tuple(f.get("shell_clients", ())),
            waiting_unless=tuple(f.get("client_waits", {}).get("unless_calls", ())),
            data_dirs=tuple(f.get("data_dirs", {}).get("paths", ())),
        )
        for f in _data()["families"]
    )


def family_of_image(ref: str | None) -> Family | None:
    """The datastore an image runs (``postgres:16-alpine`` → PostgreSQL), or None. Images whose name
    holds an unresolved variable are None."""
    if not ref or "$" in ref:
        return None
    name, _tag = split_image(ref)
    for fam in families():
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in fam.images):
            return fam
    return None


def credentials_of_image(ref: str | None) -> dict[str, Any] | None:
    """The init-variable facts when ``ref`` is an image whose entrypoint they describe (the official
    image, not a vendor variant with other variable names)."""
    fam = family_of_image(ref)
    if fam is None or fam.credentials is None or ref is None:
        return None
    name, _tag = split_image(ref)
    return fam.credentials if name in fam.credentials["images"] else None


def init_scripts_mounted(store: Service) -> bool:
    """The datastore service mounts something at its image's init-script folder
    (``/docker-entrypoint-initdb.d``): its first start runs the repository's own scripts."""
    spec = credentials_of_image(store.image)
    if spec is None:
        return False
    init_dir = str(spec["init_dir"]).rstrip("/")
    return any(m.target is not None and m.target.rstrip("/").startswith(init_dir) for m in store.volumes)


# An init folder of plain SQL this short (a schema of a few CREATE TABLEs and seed rows) runs in well under a
# second on the first start: the database is ready about as fast as without it.
SMALL_INIT_LINES = 100
SMALL_INIT_BYTES = 16 * 1024  # and this many bytes in all: a one-line dump is no small init
_MAX_INIT_FILES = 50


def small_sql_init(store: Service, project_dir: Path) -> int | None:
    """The number of lines when everything the datastore service mounts at its image's init folder is plain
    SQL files (no shell scripts, no compressed dumps) of fewer than ``SMALL_INIT_LINES`` lines and
    ``SMALL_INIT_BYTES`` bytes in all; None
    otherwise, or when a mount cannot be read (a named volume, a variable, a missing path)."""
    spec = credentials_of_image(store.image)
    if spec is None:
        return None
    init_dir = str(spec["init_dir"]).rstrip("/")
    total, size, found = 0, 0, False
    for m in store.volumes:
        target = (m.target or "").rstrip("/")
        if not target.startswith(init_dir):
            continue
        if m.type != "bind" or not m.source or m.templated or m.source.startswith("~"):
            return None
        host = Path(m.source) if Path(m.source).is_absolute() else project_dir / m.source
        if host.is_file():
            named = [(host, target if target != init_dir else host.name)]
        elif host.is_dir():
            named = [(f, f.name) for f in sorted(host.iterdir())[: _MAX_INIT_FILES + 1] if f.is_file()]
        else:
            return None
        if not named or len(named) > _MAX_INIT_FILES:
            return None
        for f, name in named:
            if not name.lower().endswith(".sql"):
                return None
            try:
                size += f.stat().st_size
                if size > SMALL_INIT_BYTES:
                    return None  # a dump, whatever its line count
                with f.open("rb") as fh:
                    total += fh.read(SMALL_INIT_BYTES).count(b"\n")
            except OSError:
                return None
            if total >= SMALL_INIT_LINES:
                return None
        found = True
    return total if found else None


def families_of_scheme(scheme: str) -> tuple[Family, ...]:
    s = scheme.lower()
    return tuple(f for f in families() if s in f.schemes)


def all_schemes() -> frozenset[str]:
    return frozenset(s for f in families() for s in f.schemes)


def host_variable(name: str) -> tuple[Family, ...] | None:
    """For a variable that names a datastore's host (``DB_HOST``, ``REDIS_ADDR``, ``PGHOST``): the
    families it may address (all of them for a generic ``DB_``/``DATABASE_`` name); None when the name
    is no such variable."""
    upper = name.upper()
    data = _data()
    for suffix in sorted(data["host_suffixes"], key=len, reverse=True):
        if not upper.endswith(suffix) or len(upper) == len(suffix):
            continue
        prefix = upper[: -len(suffix)].rstrip("_")
        words = [w for w in prefix.split("_") if w]
        if not words:
            continue
        if not suffix.startswith("_"):
            words = [words[-1]]  # `PGHOST`, `APP_PGHOST`: the word it is glued to (`RABBITMQ_VHOST` is no host)
        found = tuple(f for f in families() if any(w in f.words for w in words) or prefix in f.words)
        if found:
            return found
        if words[-1] in data["generic_words"] or prefix in data["generic_words"]:
            return families()
        return None
    return None


def browser_facing(name: str) -> bool:
    """A variable whose URL a browser or outside client opens (CORS origins, redirect URIs, public URLs)."""
    upper = name.upper()
    return any(fnmatch.fnmatchcase(upper, p) for p in _data()["browser_facing"])


def optional_endpoint(name: str) -> bool:
    """A telemetry or monitoring endpoint: unreachable, it costs log lines, not the start."""
    upper = name.upper()
    return any(fnmatch.fnmatchcase(upper, p) for p in _data().get("optional_endpoints", ()))
