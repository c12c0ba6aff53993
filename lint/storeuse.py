"""Whether a service's Rust code talks to a datastore at all, and what its connection pool does at start.

A dependency is linked only when the code names it (``diesel::``, ``use sqlx``, ``extern crate redis``), so
a client crate left in ``Cargo.toml`` that no source file names does not connect. The client crates of each
datastore come from ``rules/datastores.json`` (``clients``). Anything the linter cannot pin down (the
service's code, a datastore without client facts, a command that runs a database tool) is unknown: no claim."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from viworks_lint.code import ServiceCode, package_facts, path_deps, service_code
from viworks_lint.datastores import Family, families
from viworks_lint.parsers.cargo import Dependency, Manifest
from viworks_lint.parsers.compose import Service
from viworks_lint.project import Project
from viworks_lint.rust.literals import comment_free, without_tests

_MAX_FILES = 2000


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8", errors="replace") if path.stat().st_size < 1_000_000 else ""
    except OSError:
        return ""


def _manifests(project: Project, code: ServiceCode) -> list[Manifest]:
    """The service's packages and the repository crates they depend on by path or workspace."""
    seen: set[Path] = {m.path for m in code.packages}
    out = list(code.packages)
    for m in code.packages:
        out.extend(path_deps(project, m, seen))
    return out


def _package_files(manifest: Manifest) -> set[Path]:
    files = set(sorted((manifest.dir / "src").rglob("*.rs"))[:_MAX_FILES])
    for t in (*manifest.targets, manifest.lib, manifest.build_script):
        if t is not None and t.path is not None:
            files.add(t.path)
    return files


def package_sources(project: Project, manifest: Manifest) -> list[str]:
    """The Rust sources of one package (``src/`` and targets placed elsewhere), read once per run."""
    cache: dict[Path, list[str]] = project.__dict__.setdefault("_package_sources", {})
    hit = cache.get(manifest.dir)
    if hit is not None:
        return hit
    texts = [_read(f) for f in sorted(_package_files(manifest))]
    cache[manifest.dir] = texts
    return texts


def _comment_free_sources(project: Project, manifest: Manifest, bins: frozenset[str] | None) -> list[str]:
    """The package's sources without comments (a read commented out, `// let url = env::var("DATABASE_URL")`,
    reads nothing) and without the root files of binaries other than ``bins`` (when those are known)."""
    cache: dict[Path, list[tuple[Path, str]]] = project.__dict__.setdefault("_comment_free_sources", {})
    if manifest.dir not in cache:
        files = sorted(_package_files(manifest))
        texts = package_sources(project, manifest)
        cache[manifest.dir] = [(f, without_tests(comment_free(t))) for f, t in zip(files, texts, strict=True)]
    others = {t.path for t in manifest.targets if t.kind == "bin" and bins and t.name not in bins and t.path}
    others |= _test_module_files(cache[manifest.dir])
    return [t for f, t in cache[manifest.dir] if f not in others]


_TEST_MOD = re.compile(r"#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;")


def _test_module_files(sources: list[tuple[Path, str]]) -> set[Path]:
    """The files of modules declared under `#[cfg(test)]` (`#[cfg(test)] mod tests;` in `main.rs` is `tests.rs` or
    `tests/mod.rs` beside it): only test builds compile them."""
    out: set[Path] = set()
    for f, text in sources:
        folder = f.parent if f.name in ("main.rs", "lib.rs", "mod.rs") else f.parent / f.stem
        for m in _TEST_MOD.finditer(text):
            out |= {folder / f"{m.group(1)}.rs", folder / m.group(1) / "mod.rs"}
    return out


def tree_sources(project: Project, manifest: Manifest) -> list[str]:
    """The Rust sources the package's targets compile: their module trees, not a file no `mod` declares (an
    orphan `schema.rs`). All of ``src/`` when no tree was read or a macro pulls in code the tree does not show."""
    cache: dict[Path, list[str]] = project.__dict__.setdefault("_tree_sources", {})
    if manifest.dir not in cache:
        mine = sorted(f for f in map(Path, package_facts(project, manifest).files) if f.is_relative_to(manifest.dir))
        texts = [_read(f) for f in mine]
        if not mine or any("include!" in t or "cfg_if!" in t for t in texts):
            texts = package_sources(project, manifest)
        cache[manifest.dir] = texts
    return cache[manifest.dir]


def reached_sources(project: Project, code: ServiceCode, manifest: Manifest) -> list[str]:
    """The Rust sources of one package the service's program is built from: the module trees of the binaries it
    runs (of a dependency: its library), not a file no `mod` declares. All of ``src/`` when no tree was read."""
    own = any(m.path == manifest.path for m in code.packages)
    bins = (set(code.bins) if code.bins is not None else None) if own else set()
    key = (manifest.dir, tuple(sorted(bins)) if bins is not None else None)
    cache: dict[tuple[Path, tuple[str, ...] | None], list[str]] = project.__dict__.setdefault("_reached_sources", {})
    if key not in cache:
        reached = [Path(f) for f in package_facts(project, manifest, bins).files]
        mine = [f for f in reached if f.is_relative_to(manifest.dir)]
        texts = [_read(f) for f in sorted(mine)]
        if not mine or any("include!" in t or "cfg_if!" in t for t in texts):
            texts = package_sources(project, manifest)  # no tree read, or code a macro pulls in that it does not show
        cache[key] = texts
    return cache[key]


_LOADS_DOTENV = re.compile(
    r"\bdotenvy?\s*::\s*(?:dotenv|dotenv_override|from_filename|from_path)\w*\s*\(|\bdotenv\s*\(\s*\)"
)


def loads_dotenv(project: Project, svc: Service) -> bool:
    """The service's code loads a dotenv file at start (`dotenvy::dotenv()`, `dotenv::dotenv()`, an imported
    `dotenv()`): a `.env` in its working directory sets variables."""
    code = service_code(project, svc)
    if code is None:
        return True  # unknown: it may
    return any(_LOADS_DOTENV.search(t) for m in _manifests(project, code) for t in reached_sources(project, code, m))


def _clients(fam: Family, dep: Dependency) -> bool:
    name = dep.package.lower()
    return name in fam.client_crates or any(w in name for w in fam.client_words)


def names_library(texts: list[str], libs: set[str]) -> bool:
    """Some text names one of the libraries: ``lib::…``, ``use lib``, ``extern crate lib``."""
    alt = "|".join(sorted(map(re.escape, libs)))
    pattern = re.compile(rf"(?<![\w$])(?:{alt})\s*::|\b(?:use|extern\s+crate)\s+(?:::)?(?:{alt})\b")
    return any(pattern.search(t) for t in texts)


_TOOL_WORDS = re.compile(
    r"\b(?:diesel|sqlx|sea-orm-cli|refinery|psql|pg_isready|mysql|mysqladmin|redis-cli|mongosh?)\b"
)


def _runs_tool(project: Project, svc: Service, code: ServiceCode) -> bool:
    """The container's command line (compose or image) runs a database tool of its own (`diesel migration
    run && app`): the tool connects whatever the app's code does."""
    words: list[str] = []
    for part in (svc.command, svc.entrypoint):
        words.append(" ".join(part) if isinstance(part, tuple) else part or "")
    dockerfile = code.build.dockerfile
    if dockerfile is not None:
        for stage in dockerfile.stages:
            for instr in stage.instructions:
                if instr.cmd in ("CMD", "ENTRYPOINT"):
                    words.append(" ".join(instr.args))
    return _TOOL_WORDS.search(" ".join(words)) is not None


def uses_datastore(project: Project, svc: Service, fam: Family, variable: str | None) -> bool | None:
    """False when the service's code is known and never talks to ``fam``: it does not read ``variable`` and
    its sources name no dependency that is a client of ``fam``. True when it reads the variable or names such
    a client; None when that cannot be told."""
    if not fam.client_crates and not fam.client_words:
        return None
    code = service_code(project, svc)
    if code is None:
        return None
    if variable is not None and any(r.name == variable for r in (*code.env_reads, *code.build_reads)):
        return True
    manifests = _manifests(project, code)
    libs = {
        d.name.replace("-", "_")
        for m in manifests
        for d in m.dependencies
        if d.section != "dev-dependencies" and _clients(fam, d)
    }
    if libs and any(names_library(reached_sources(project, code, m), libs) for m in manifests):
        return True
    if _runs_tool(project, svc, code):
        return None
    return False


# ------------------------------------------------------------------------------------ pools at start

# r2d2 (diesel's pool too): `Pool::builder().build(manager)` blocks until its connections open, retrying for
# `connection_timeout` (30 s by default), so a datastore that is up within that time is waited for
# r2d2: `Pool::new(manager)` is `Pool::builder().build(manager)`, which waits for its first connections up to
# `connection_timeout` (30 s) before it fails
_R2D2_BUILD = re.compile(r"Pool\s*::\s*(?:builder\s*\(\s*\)[^;]*?\.build|new)\s*\(", re.DOTALL)
# sqlx: `PgPool::connect(..)`, `PgPoolOptions::new()...connect(..)`, `Pool::<Postgres>::connect_with(..)` open a
# first connection and retry a refused connection or a database that is still starting up until
# `acquire_timeout` (30 s by default) runs out (sqlx-core `pool/inner.rs`, `PoolInner::connect`)
_SQLX_CONNECT = re.compile(
    r"\b(?:Pg|MySql|Sqlite|Any)?Pool(?:Options)?\b(?:\s*::\s*<[^>]*>)?[^;]*?\.?\bconnect(?:_with)?\s*\(", re.DOTALL
)
# pools that open no connection when they are built: deadpool (`Config::create_pool`, `Pool::builder(..).build()`,
# deadpool-postgres/-redis/-lapin/…), mobc (`Pool::builder().build(manager)` returns at once) and bb8's
# `build_unchecked`, sqlx's `connect_lazy`; a connection is opened when the first one is taken
_LAZY_POOL = re.compile(
    r"\bdeadpool(?:_\w+)?\s*::|\buse\s+deadpool|\bmobc(?:_\w+)?\s*::|\buse\s+mobc|\.build_unchecked\s*\("
    r"|\.connect_lazy(?:_with)?\s*\("
)
# bb8: `Pool::builder().build(manager)` opens the pool's `min_idle` connections before it returns, and none when
# `min_idle` is not set (bb8 `Builder::build`, docs.rs/bb8: "will not be returned until it has established its
# configured minimum number of connections")
_BB8_BUILD = re.compile(r"Pool\s*::\s*builder\s*\(\s*\)[^;]*?\.build\s*\(", re.DOTALL)


_BB8_REDIS = re.compile(r"\bbb8_redis\b|\bRedisConnectionManager\b|\bRedisMultiplexedConnectionManager\b")
_BB8_SQL = re.compile(r"\bbb8_(?:postgres|tiberius|diesel|mongodb)\b|\bPostgresConnectionManager\b"
                      r"|\bAsyncDieselConnectionManager\b")


def _bb8_lazy(text: str, redis: bool) -> bool:
    """A bb8 pool of the datastore's own manager built without `min_idle` on the same builder chain."""
    if "bb8" not in text or (_BB8_REDIS if redis else _BB8_SQL).search(text) is None:
        return False
    chains = [m.group(0) for m in _BB8_BUILD.finditer(text)]
    return bool(chains) and all("min_idle" not in c for c in chains)


# a direct connection that fails at once when the datastore is not up yet (diesel `PgConnection::establish`)
_ESTABLISH = re.compile(r"\b(?:Pg|Mysql|MySql|Sqlite)Connection\s*::\s*establish\s*\(")
# other clients that connect when they are created: tokio-postgres/postgres `connect(..)`, redis
# `get_connection()`/`get_multiplexed_async_connection()`/`ConnectionManager::new(..)`, mysql `Pool::new(..)`/
# `Conn::new(..)`, lapin `Connection::connect(..)`
_CONNECT = re.compile(
    r"\b(?:tokio_postgres|postgres)\s*::\s*connect\s*\("
    r"|\b(?:Client|Connection)\s*::\s*connect\s*\("
    r"|\.get_(?:multiplexed_)?(?:async_|tokio_)?connection(?:_manager)?\s*\("
    r"|\bConnectionManager\s*::\s*new\s*\("
    r"|\bmysql(?:_async)?\s*::\s*(?:Pool|Conn)\s*::\s*new\s*\("
)

PoolStart = Literal["waits", "lazy", "background"]

# redis: `redis::Client::open(..)` only parses the URL, and deadpool-redis/mobc-redis/bb8 `build_unchecked` pools
# connect when a connection is first taken; `get_connection()`, `get_multiplexed_async_connection()`,
# `ConnectionManager::new(..)` and `get_connection_manager()` connect at once
_REDIS_LAZY = re.compile(
    r"\bClient\s*::\s*open\s*\(|\bdeadpool_redis\b|\bmobc_redis\b|\.build_unchecked\s*\("
)
_REDIS_DIRECT = re.compile(
    r"\.get_(?:multiplexed_)?(?:async_|tokio_)?connection(?:_manager)?\s*\(|\bConnectionManager\s*::\s*new\s*\("
)


# sea-orm: `Database::connect(..)` builds an sqlx pool with `connect_with` (unless its options ask for a lazy
# one), so it retries like sqlx's pool until the acquire timeout (sea-orm `driver/sqlx_postgres.rs`,
# `SqlxPostgresConnector::connect`)
_SEA_ORM_CONNECT = re.compile(r"\bDatabase\s*::\s*connect\s*\(")


def _scan(text: str) -> tuple[bool, bool, bool, bool]:
    waits = (
        ("r2d2" in text and _R2D2_BUILD.search(text) is not None)
        or ("sqlx" in text and _SQLX_CONNECT.search(text) is not None)
        or ("sea_orm" in text and _SEA_ORM_CONNECT.search(text) is not None)
    )
    establish = _ESTABLISH.search(text) is not None
    lazy = _LAZY_POOL.search(text) is not None or _bb8_lazy(text, redis=False)
    return waits, lazy, establish, establish or _CONNECT.search(text) is not None


FN_NAME = re.compile(r"\bfn\s+([A-Za-z_][A-Za-z0-9_]*)")
# words of the names of functions that run while the app starts (a connection opened there fails the start:
# `run`, `init_redis`, `create_pool`, `AppState::new`); `new` counts only as the whole name or before a client word
# (`new`, `new_client`, `new_redis_pool`): `post_new`, `new_comment`, handlers that store a new entry, run per request
_SETUP_WORDS = frozenset({
    "main", "init", "initialize", "setup", "connect", "bootstrap", "start", "startup", "run", "serve",
    "server", "app", "state", "pool", "client", "manager", "open", "establish", "build", "launch",
})


_CLIENT_WORDS = frozenset({"client", "pool", "connection", "conn", "manager", "redis", "cache", "store", "state"})


def _runs_at_start(name: str) -> bool:
    words = [w for w in name.lower().split("_") if w]
    if words == ["new"] or (words[:1] == ["new"] and not _CLIENT_WORDS.isdisjoint(words[1:])):
        return True
    return bool(words) and not _SETUP_WORDS.isdisjoint(words)


def _scan_redis(text: str) -> tuple[bool, bool, bool]:
    """(lazy client, a connection opened while starting, a waiting r2d2 pool). A connection opened in a request
    handler or a cache helper (`async fn get_entries(…) { client.get_multiplexed_async_connection() … }`) is
    opened per use, after start: a Redis that is late fails that request, not the start."""
    at_start = False
    for m in _REDIS_DIRECT.finditer(text):
        names = FN_NAME.findall(text, 0, m.start())
        if not names or _runs_at_start(names[-1]):  # `run`, `create_pool`, `AppState::new`
            at_start = True
            break
    waits = "r2d2" in text and _R2D2_BUILD.search(text) is not None
    return _REDIS_LAZY.search(text) is not None or _bb8_lazy(text, redis=True), at_start, waits


_SQL_FAMILIES = frozenset({"postgres", "mysql", "mariadb"})


def pool_at_start(project: Project, svc: Service, family: str) -> PoolStart | None:
    """What the service's code (its packages and the repository crates they depend on) does with a datastore
    of ``family`` at start, when it opens no direct connection that would fail first: ``waits`` for an r2d2 or
    sqlx pool (it retries until its timeout), ``background`` for a client that finds its servers in the background
    (the family's ``client_waits``: the MongoDB driver, librdkafka; it retries a name that does not resolve yet),
    ``lazy`` for a client that connects only when a connection is
    first taken (deadpool, mobc, bb8 ``build_unchecked`` or ``build`` without ``min_idle``, redis
    ``Client::open``); None otherwise or when the code is unknown. A Redis finding reads only Redis clients (an
    sqlx pool says nothing about Redis)."""
    code = service_code(project, svc)
    if code is None:
        return None
    fam = next((f for f in families() if f.id == family), None)
    if fam is not None and fam.waiting_clients and any(
        d.package in fam.waiting_clients
        for m in _manifests(project, code)
        for d in m.dependencies
        if d.section == "dependencies"
    ):
        # the MongoDB driver waits for a server (server selection) before an operation fails; librdkafka
        # reconnects in the background, unless the code checks the broker at start (`fetch_metadata(…)?`)
        calls = "|".join(map(re.escape, fam.waiting_unless))
        checks = re.compile(rf"\.(?:{calls})\s*\(") if calls else None
        if checks is None or not any(
            checks.search(t) for m in _manifests(project, code) for t in package_sources(project, m)
        ):
            return "background"
    redis = family in ("redis",)
    cache: dict[tuple[Path, bool], tuple[bool, ...]] = project.__dict__.setdefault("_pool_starts", {})
    width = 3 if redis else 4
    found = [False] * width  # redis: lazy, direct at start, r2d2; else: waiting pool, lazy pool, `establish`, direct
    for m in sorted(_manifests(project, code), key=lambda m: m.dir):
        if (m.dir, redis) not in cache:
            # test modules (a testcontainers helper that connects) and comments open nothing when the app starts
            scans: list[tuple[bool, ...]] = [
                _scan_redis(t) if redis else _scan(t) for t in _comment_free_sources(project, m, None)
            ]
            cache[(m.dir, redis)] = tuple(any(s[i] for s in scans) for i in range(width))
        found = [a or b for a, b in zip(found, cache[(m.dir, redis)], strict=True)]
    if redis:
        if found[2] and not found[1]:
            return "waits"
        return "lazy" if found[0] and not found[1] else None
    waits, lazy, establish, direct = found
    # an r2d2 or sqlx pool is a SQL database's (sqlx and diesel speak PostgreSQL and MySQL/MariaDB only): it says
    # nothing of how the code reaches RabbitMQ, Kafka or NATS
    if waits and not establish and family in _SQL_FAMILIES:
        return "waits"
    return "lazy" if lazy and not direct else None


# configuration loaders that read variables by names the code never spells in full (`config::Environment`
# with a prefix and separators, figment, envy): which variables they read cannot be told from the sources
_DYNAMIC_ENV = re.compile(
    r"\bEnvironment\s*::\s*(?:default|with_prefix|new)\b|\bfigment\b|\benvy\s*::"
)


_STRUCT_BODY = re.compile(r"\bstruct\s+\w+(?:<[^>{]*>)?\s*(?:where[^{]*)?\{([^{}]*)\}")


def reads_variable(project: Project, svc: Service, name: str) -> bool | None:
    """Whether the service's code reads the variable ``name``: True when a source spells it, False when the
    code is known, spells it nowhere and loads no configuration by generated names; None when unknown."""
    code = service_code(project, svc)
    if code is None:
        return None
    if any(r.name == name for r in (*code.env_reads, *code.build_reads)):
        return True
    texts = [t for m in _manifests(project, code) for t in _comment_free_sources(project, m, code.bins)]
    if not texts:
        return None
    field = re.compile(r"(?<![\w.])" + re.escape(name.lower()) + r"\s*:(?!:)")
    if any(name in t or any(field.search(b.group(1)) for b in _STRUCT_BODY.finditer(t)) for t in texts):
        return True  # also a struct field serde maps from the name (not a function's parameter of that name)
    return None if any(_DYNAMIC_ENV.search(t) for t in texts) else False
