"""VW213 database-credentials-mismatch."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from viworks_lint.connections import Endpoint, EnvValue, service_endpoints, service_env, url_part, url_query
from viworks_lint.datastores import credentials_of_image, family_of_image, init_scripts_mounted
from viworks_lint.findings import REDACT_SPANS, Finding, Level, Related, redact_spans
from viworks_lint.hosts import Reach, name_table
from viworks_lint.location import Location, line_span
from viworks_lint.parsers.compose import Service
from viworks_lint.project import Project
from viworks_lint.rule import Rule, RuleDocs, register
from viworks_lint.storeuse import uses_datastore


@dataclass(frozen=True)
class Side:
    """One credential as one container gets it: resolved, as written, and where it is set."""

    value: str | None
    raw: str | None = None
    known: bool = True
    env: EnvValue | None = None  # None: the image's default (or a fixed name such as root)


UNKNOWN = Side(None, known=False)


def _equal(a: Side, b: Side) -> bool | None:
    """True/False when it can be told, None otherwise. The same ``${VAR}`` on both sides is equal."""
    if a.raw is not None and b.raw is not None and "$" in a.raw and a.raw.strip() == b.raw.strip():
        return True
    if not (a.known and b.known) or a.value is None or b.value is None:
        return None
    return a.value == b.value


def _store_side(env: Mapping[str, EnvValue], variables: list[str]) -> Side | None:
    """The first of ``variables`` the datastore container gets; UNKNOWN for ``*_FILE`` or unknown
    values, None when none is set."""
    for var in variables:
        if f"{var}_FILE" in env:
            return UNKNOWN
        ev = env.get(var)
        if ev is not None:
            if ev.value is None or not ev.known:
                return Side(None, ev.raw, False, ev)
            return Side(ev.value, ev.raw, True, ev)
    return None


def _is_set(env: Mapping[str, EnvValue], variables: list[str]) -> bool | None:
    for var in variables:
        ev = env.get(var)
        if ev is not None:
            if ev.value is None or not ev.known:
                return None
            if ev.value.strip() not in ("", "0", "false", "no"):
                return True
    return False


@dataclass(frozen=True)
class User:
    name: Side
    password: Side
    databases: str
    auth_database: str | None


def _users(spec: dict[str, Any], env: Mapping[str, EnvValue]) -> list[User] | None:
    """The users the datastore creates; None when that cannot be known."""
    out: list[User] = []
    for u in spec["users"]:
        uspec = u["user"]
        if "fixed" in uspec:
            name: Side | None = Side(uspec["fixed"])
        else:
            name = _store_side(env, uspec["variables"])
            if name is None and "default" in uspec:
                name = Side(uspec["default"])
        if name is None:
            continue  # not created
        if not name.known:
            return None
        pspec = u["password"]
        password: Side
        empty = _is_set(env, pspec.get("empty_when", []))
        random = _is_set(env, pspec.get("unknown_when", []))
        if empty is None or random is None or random:
            password = UNKNOWN
        else:
            found = _store_side(env, pspec["variables"])
            password = found if found is not None else (Side("") if empty else UNKNOWN)
        if "fixed" not in uspec and u.get("auth_database") and found_missing(env, pspec["variables"]):
            continue  # mongo creates its root user only when both variables are set
        out.append(User(name, password, u["databases"], u.get("auth_database")))
    return out


def found_missing(env: Mapping[str, EnvValue], variables: list[str]) -> bool:
    return _store_side(env, variables) is None


_CREATES_DB = re.compile(
    r"create_database|CREATE\s+DATABASE|createdb\b|diesel\s+setup|diesel\s+database\s+setup|"
    r"sqlx\s+database\s+(create|setup)|database_exists|dbmate",
    re.IGNORECASE,
)
_ROLE = re.compile(
    r"(?:CREATE|ALTER)\s+(?:ROLE|USER)\s+(?:IF\s+NOT\s+EXISTS\s+)?[\"'`]?([A-Za-z0-9_\-]+)", re.IGNORECASE
)


@dataclass
class RepoSetup:
    """What the repository's own code, scripts and migrations do to the database server."""

    creates_databases: bool = False
    roles: set[str] = field(default_factory=set)  # users created or altered (their passwords included)


def _script(path: Path) -> bool:
    """The file starts with a `#!` line (a script, whatever its name)."""
    try:
        with path.open("rb") as fh:
            return fh.read(2) == b"#!"
    except OSError:
        return False


def _repo_setup(project: Project) -> RepoSetup:
    """Searched once per run in the repository's Rust, SQL, shell, YAML, TOML and Docker files: a user or
    a database the image does not create may be made by migrations (``CREATE ROLE``), by ``dbmate``,
    ``diesel setup``, ``sqlx database create`` or ``create_database`` in the code."""
    cached = project.__dict__.get("_repo_setup")
    if isinstance(cached, RepoSetup):
        return cached
    setup = RepoSetup()
    seen = 0
    for dirpath, dirnames, filenames in os.walk(project.root):
        dirnames[:] = [d for d in dirnames if d not in (".git", "target", "node_modules", "vendor")]
        for fn in filenames:
            path = Path(dirpath) / fn
            if not fn.endswith((".rs", ".sh", ".sql", ".toml", ".yml", ".yaml", ".py", "justfile", "Makefile")) and (
                "Dockerfile" not in fn
            ) and not ("." not in fn and _script(path)):  # `bin/migrate`: a script named without an extension
                continue
            seen += 1
            if seen > 20_000:
                setup.creates_databases = True  # too big to search: assume the worst, claim nothing
                break
            try:
                text = path.read_text("utf-8", errors="replace") if path.stat().st_size < 2_000_000 else ""
            except OSError:
                continue
            if _CREATES_DB.search(text):
                setup.creates_databases = True
            setup.roles.update(m.group(1).lower() for m in _ROLE.finditer(text))
    project.__dict__["_repo_setup"] = setup
    return setup


def _secret_span(ev: EnvValue | None, secret: str | None) -> list[tuple[Location, int]]:
    """Where a literal secret is written on the line of ``ev``."""
    if ev is None or not secret or ev.origin not in ("environment", "env_file") or "$" in secret:
        return []
    loc = line_span(ev.location, secret)
    return [(loc, len(secret))] if loc != ev.location else []


def _where(side: Side, store: Service, variable: str) -> Related:
    if side.env is not None:
        return Related(side.env.location, f"`{side.env.name}` of service `{store.name}`")
    return Related(store.location, f"service `{store.name}` (`{variable}` unset: the image's default)")


def _check(
    project: Project, ep: Endpoint, store: Service, spec: dict[str, Any], env: Mapping[str, EnvValue]
) -> Iterator[Finding]:
    url, raw = ep.url, ep.raw_url
    known = ep.env.known

    def side(which: str) -> Side | None:
        v = url_part(url, which)
        if v is None:
            return None
        return Side(v, url_part(raw, which), known, ep.env)

    user = side("user")
    if user is None or url is None:
        return
    users = _users(spec, env)
    if users is None:
        return
    matches = [(u, _equal(user, u.name)) for u in users]
    if any(eq is None for _u, eq in matches):
        return
    setup = _repo_setup(project)
    if (user.value or "").lower() in setup.roles:
        return  # the repository creates (or alters) this user itself
    at = ep.env.location
    spans = _secret_span(ep.env, url_part(raw, "password"))
    label = f"`{ep.variable}` of service `{ep.service.name}`"
    matched = [u for u, eq in matches if eq]
    first_var = spec["users"][-1]["user"].get("variables", ["?"])[0]
    if not matched:
        created = ", ".join(f"`{u.name.value}`" for u in users) or "no user"
        yield _finding(
            f"{label} logs in as `{user.value}`, but service `{store.name}` creates {created} on first start: "
            f"the app fails with an authentication error (role or user does not exist) and restarts; use one of "
            f"those users or set `{first_var}` on `{store.name}`",
            line_span(at, user.raw or "") if ep.env.origin in ("environment", "env_file") else at,
            f"user:{ep.variable}:{store.name}",
            [Related(store.location, f"service `{store.name}`")],
            spans,
        )
        return
    who = matched[0]
    trust = spec.get("trust", {})
    trusted = any((env.get(k) is not None and env[k].value == v) for k, v in trust.items())
    password = side("password")
    if password is not None and not trusted and _equal(password, who.password) is False:
        rel = _where(who.password, store, spec["users"][0]["password"]["variables"][0])
        yield _finding(
            f"{label} logs in as `{user.value}` with a password that differs from the one service "
            f"`{store.name}` sets for that user on first start: the app fails with `password authentication "
            "failed` and restarts; take both from the same variable",
            at,
            f"password:{ep.variable}:{store.name}",
            [rel],
            spans + _secret_span(who.password.env, who.password.value),
        )
    database = side("database")
    if who.auth_database is not None:
        query = url_query(url)
        sources = query.get("authSource") or query.get("authsource") or []
        source = sources[0] if sources else None
        target = source or (database.value if database is not None else None)
        if target is not None and target != who.auth_database:
            yield _finding(
                f"{label} authenticates `{user.value}` against database `{target}`, but the user service "
                f"`{store.name}` creates lives in `{who.auth_database}`: the login fails; add "
                f"`?authSource={who.auth_database}` to the URL",
                at,
                f"authsource:{ep.variable}:{store.name}",
                [Related(store.location, f"service `{store.name}`")],
                spans,
            )
        return
    dspec = spec.get("database")
    if database is None or dspec is None:
        return
    made = _store_side(env, dspec["variables"])
    if made is None and dspec.get("default_is_user"):
        made = who.name
    allowed = set(spec.get("system_databases", [])) if who.databases == "any" else {"information_schema"}
    if database.value in allowed:
        return
    eq = _equal(database, made) if made is not None else False
    if eq is not False or setup.creates_databases:
        return
    if made is None:
        what = f"creates no database (`{dspec['variables'][0]}` is unset)"
        rel = Related(store.location, f"service `{store.name}`")
    else:
        what = f"creates `{made.value}`"
        rel = _where(made, store, dspec["variables"][0])
    yield _finding(
        f"{label} connects to database `{database.value}`, but service `{store.name}` {what} on first start: "
        f'the app fails with `database "{database.value}" does not exist` (or access denied) and restarts',
        line_span(at, "/" + (database.raw or "")) if ep.env.origin in ("environment", "env_file") else at,
        f"database:{ep.variable}:{store.name}",
        [rel],
        spans,
    )


def _finding(
    message: str, location: Location, key: str, related: list[Related], spans: list[tuple[Location, int]]
) -> Finding:
    return RULE.finding(
        message,
        location,
        key=key,
        related=tuple(related),
        extra={REDACT_SPANS: redact_spans(spans)} if spans else None,
    )


def check(project: Project) -> Iterator[Finding]:
    seen: set[tuple[Path, int, int, str]] = set()
    for compose in project.composes:
        table = name_table(project, compose)
        for svc in compose.services.values():
            for ep in service_endpoints(project, compose, svc):
                if ep.url is None or ep.web:
                    continue
                res = table.resolve(svc, ep.host)
                store = res.service
                if res.reach is not Reach.SERVICE or store is None or store is svc or store.build is not None:
                    continue
                spec = credentials_of_image(store.image)
                if spec is None or init_scripts_mounted(store) or ep.scheme not in _schemes(store):
                    continue
                if any(not ref.path.is_file() for ref in store.env_files if ref.required):
                    continue  # its `env_file` is not here (each deployment writes it): what it creates is unknown
                if _left_over(project, svc, store, ep):
                    continue  # a URL left over in compose: the service's code has no client of the datastore
                for f in _check(project, ep, store, spec, service_env(project, compose, store)):
                    key = (f.location.path, f.location.line, f.location.col, f.key)
                    if key not in seen:  # a URL defined once in an anchor: one finding
                        seen.add(key)
                        yield f


def _left_over(project: Project, svc: Service, store: Service, ep: Endpoint) -> bool:
    fam = family_of_image(store.image)
    if fam is None or ep.env.origin == "code":
        return False
    return uses_datastore(project, svc, fam, ep.variable) is False


def _schemes(store: Service) -> tuple[str, ...]:
    fam = family_of_image(store.image)
    return fam.schemes if fam is not None else ()


RULE = register(
    Rule(
        id="VW213",
        name="database-credentials-mismatch",
        level=Level.ERROR,
        summary="The user, password or database of a connection URL is not what the project's postgres, mysql, "
        "mariadb or mongo service creates on first start.",
        docs=RuleDocs(
            what="A connection URL a service gets (compose `environment`, `env_file`, image `ENV`, or the code's "
            "default), after compose interpolation, whose host is a postgres, mysql, mariadb or mongo service "
            "of the project running the official image, compared with what that image creates on first start "
            "from its init variables and their documented defaults (`POSTGRES_USER` defaults to `postgres`, "
            "`POSTGRES_DB` to the user; `MYSQL_USER`/`MARIADB_USER` besides `root`; "
            "`MONGO_INITDB_ROOT_USERNAME` in the `admin` database; facts and sources in "
            "`rules/datastores.json`): a user the image never creates, a password that differs (never printed: "
            "the finding points at both places), a database that is not created (unless the repository creates "
            "databases itself: `create_database`, `CREATE DATABASE`, `diesel setup`, `sqlx database create`, also "
            "in a script named without an extension, `bin/migrate`), and a mongo login against "
            "another database than `admin` without `authSource`. The same `${VAR}` on both sides counts as "
            "equal. Silent for values the linter cannot resolve (unset variables, host-shell pass-through, "
            "`*_FILE` and secrets, a datastore `env_file` that is not in the repository, which each deployment "
            "writes), datastores with anything mounted at `/docker-entrypoint-initdb.d` (init "
            "scripts may create other users and databases), datastores built from a Dockerfile of the repo, "
            "vendor images with other variables, `POSTGRES_HOST_AUTH_METHOD=trust` for passwords, "
            "datastores outside the project, and services whose code (when the linter can tell which crate the "
            "image runs) never reads the variable and names no client crate of that datastore (`clients` in "
            "`rules/datastores.json`): the URL is left over, the app never logs in.",
            why="The app fails at its first query with `password authentication failed for user`, `role … does "
            "not exist` or `database … does not exist`, exits and restarts, while the URL itself looks "
            "correctly formatted.",
            example="db:\n  image: postgres:16\n  environment:\n    POSTGRES_USER: viworks\n"
            "    POSTGRES_PASSWORD: ${DB_PASSWORD}\nbackend:\n  environment:\n"
            "    DATABASE_URL: postgres://admin:${DB_PASSWORD}@db/viworks   # user admin is never created",
            fix="Build the URL from the same variables the datastore uses (`postgres://${POSTGRES_USER}:"
            "${POSTGRES_PASSWORD}@db/${POSTGRES_DB}`). Init variables only apply to an empty data volume: after "
            "changing them, recreate the volume (`docker compose down -v`) or change the user in the database.",
        ),
        check=check,
        tags=("runtime", "compose", "security"),
    )
)
