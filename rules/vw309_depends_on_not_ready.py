"""VW309 depends-on-not-ready."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from viworks_lint.code import service_code
from viworks_lint.composeruns import STACK_DEPLOY
from viworks_lint.connections import Endpoint, service_endpoints, service_family
from viworks_lint.datastores import Family, init_scripts_mounted, small_sql_init
from viworks_lint.devstack import compiles_at_start, start_text, starts_shell
from viworks_lint.dockerutil import target_stage
from viworks_lint.findings import HELP, Finding, Level, Related
from viworks_lint.hosts import Reach, name_table
from viworks_lint.imagecode import OTHER_PROGRAM, why_no_code
from viworks_lint.imagecontent import foreign_program, serves_files
from viworks_lint.imagescope import no_program
from viworks_lint.location import Location
from viworks_lint.packages import SHELLS
from viworks_lint.parsers.compose import ComposeProject, Reference, Service
from viworks_lint.parsers.dockerfile import Dockerfile
from viworks_lint.project import Project, norm_path
from viworks_lint.retryconnect import connects_tolerantly
from viworks_lint.rule import Rule, RuleDocs, register
from viworks_lint.scripts import INITS
from viworks_lint.storeuse import pool_at_start, uses_datastore

# the service's own command waits for the datastore before starting the app
# `sqlx database create`/`sqlx migrate run` (sqlx-cli) retry a refused connection for `--connect-timeout`, 10 s by
# default (sqlx-cli `ConnectOpts`), longer than a stock database's first start
_WAITS = re.compile(
    r"wait-for|wait_for|dockerize\b.*-wait|pg_isready|mysqladmin\s+ping|redis-cli\b.*ping|nc\s+-z|until\b"
    r"|\bsqlx\s+(?:database\s+(?:create|setup)|migrate\s+run)\b"
)


_IDLE = re.compile(r"^(?:sleep\s+infinity|tail\s+-f\s+/dev/null|sleep\s+\d{5,})$")


def _idle(svc: Service) -> bool:
    """A development container that only idles (``command: sleep infinity``): the developer starts the app
    in it by hand, long after the datastore is up."""
    cmd = svc.command if isinstance(svc.command, str) else " ".join(svc.command or ())
    return bool(_IDLE.match(cmd.strip()))


def _runs_nothing(df: Dockerfile, target: str | None, svc: Service) -> bool:
    """The service starts none of the repository's programs: no compose `command:`/`entrypoint:`, and the image
    it builds sets no ENTRYPOINT/CMD on a toolchain base (`FROM rust:…` with the sources copied in), so the
    container runs the base's shell and connects to nothing."""
    stage = target_stage(df, target)
    return svc.command is None and svc.entrypoint is None and stage is not None and no_program(df, stage)


def _has_healthcheck(project: Project, svc: Service) -> bool:
    hc = svc.healthcheck
    if hc is not None and (hc.disabled or hc.kind == "NONE"):
        return False
    if hc is not None and hc.kind in ("CMD", "CMD-SHELL"):
        return True
    build = project.build_of_service(svc)
    if build is not None and build.dockerfile is not None:
        stage = target_stage(build.dockerfile, build.target)
        instr = stage.state.healthcheck if stage is not None else None
        return instr is not None and not (instr.args and instr.args[0].upper() == "NONE")
    return False


def _waits_itself(project: Project, svc: Service) -> bool:
    """The container's command (compose's or the image's, or its entrypoint script) waits for a datastore
    first: `wait-for-it db:5432 -- ./run.sh`, a `pg_isready` loop."""
    return bool(_WAITS.search(start_text(project, svc)))


def _targets(project: Project, compose: ComposeProject, svc: Service) -> dict[str, tuple[Service, Family, Endpoint]]:
    """Datastores of the project this service connects to, by the hosts of its connection URLs."""
    table = name_table(project, compose)
    out: dict[str, tuple[Service, Family, Endpoint]] = {}
    for ep in service_endpoints(project, compose, svc):
        if ep.web:
            continue
        res = table.resolve(svc, ep.host)
        target = res.service
        if res.reach is not Reach.SERVICE or target is None or target is svc:
            continue
        fam = service_family(project, target)
        if fam is None:
            if len(ep.families) != 1 or ep.scheme is None:
                continue  # a `*_HOST` of a service we cannot tell is a datastore
            fam = ep.families[0]  # a postgres:// URL names its server, whatever image runs it
        elif ep.families and fam not in ep.families:
            continue  # a proxy or a different server in between (pgbouncer, an HTTP API on the host)
        out.setdefault(target.name, (target, fam, ep))
    return out


@dataclass
class _Hit:
    message: str
    target: Service
    family: Family
    endpoint: Endpoint
    services: list[Service] = field(default_factory=list)
    # "waits" (r2d2/sqlx retry at start), "lazy" (no connection at start) or "foreign" (code in another language,
    # not read): a note
    pool: str | None = None
    fix: str = ""  # what to write, for this datastore service


_EFFECTS = {
    "": "so the first connection fails and the app exits or restarts",
    "waits": "so the first connection fails; its client (an r2d2 or sqlx pool) retries a refused connection at start "
    "for up to 30 s (`connection_timeout` / `acquire_timeout`), so a datastore that is ready by then is waited for "
    "and only a slower first start fails",
    "waits:mongo": "so the first connection fails; its client (the MongoDB driver) connects in the background and an "
    "operation waits for a server up to `serverSelectionTimeoutMS` (30 s), so a server that is ready by then is "
    "waited for and only a slower first start fails",
    "waits:kafka": "so the first connection fails; its client (librdkafka) connects to the brokers in the background "
    "and reconnects, and the code makes no metadata or admin request at start, so a late broker is waited for: "
    "only messages still undelivered after `message.timeout.ms` (300 s) fail",
    "foreign": "and whether the first connection failing stops the app is not known: the service runs no Rust "
    "code of this repository (its image is another language's program), whose connection handling is not read "
    "here, so it may well wait or retry (only advice)",
    "other": "and whether the first connection failing stops the app is not known: the service's command starts "
    "a program that is not one of the Rust binaries its image builds (another language's program or a script), "
    "whose connection handling is not read here, so it may well wait or retry (only advice)",
    "lazy": "but its client (deadpool, mobc, bb8 without `min_idle`, redis `Client::open`) opens no connection when "
    "it is built "
    "and the code opens none directly, so the app starts anyway: only work that takes a connection before the "
    "datastore is ready fails",
}
_EFFECT = "\x00effect\x00"
_VERB = "\x00verb\x00"  # "connect" or "connects", once the services of a finding are known
_READY = ("service_healthy", "service_completed_successfully")


def _waited_for(compose: ComposeProject, svc: Service) -> set[str]:
    """Services that are healthy (or done) before ``svc`` starts: its ``service_healthy`` dependencies and,
    transitively, those of every service it depends on in any way. Compose starts a dependency only once that
    dependency's own conditions hold, so `app → migrate (started) → db (healthy)` has the database healthy before
    `app` starts."""
    out: set[str] = set()
    seen: set[str] = set()
    todo = [svc]
    while todo:
        cur = todo.pop()
        for ref in cur.depends_on:
            if ref.condition in _READY:
                out.add(ref.name)
            dep = compose.services.get(ref.name)
            if ref.name not in seen and dep is not None:
                seen.add(ref.name)
                todo.append(dep)
    return out


def _swarm_stack(project: Project, compose: ComposeProject) -> bool:
    """The repository deploys these compose files only with `docker stack deploy`: swarm ignores
    `depends_on` and restarts a task that exits, so start-up order is not compose's to fix."""
    runs = [
        inv
        for inv in project.wrappers.invocations
        if inv.files and {norm_path(f) for f in inv.files} == {norm_path(f) for f in compose.files}
    ]
    return bool(runs) and all(inv.subcommand == STACK_DEPLOY for inv in runs)


def check(project: Project) -> Iterator[Finding]:
    found: dict[tuple[Location, str], _Hit] = {}
    for compose in project.composes:
        if _swarm_stack(project, compose):
            continue
        for svc in compose.services.values():
            if svc.build is None or svc.build.context is None or svc.network_mode:
                continue  # image-only services (their own retry logic is not ours to judge)
            if service_family(project, svc) is not None or _waits_itself(project, svc) or _idle(svc):
                continue
            if starts_shell(project, svc) is not None:
                continue  # a development box (`nix-shell`): the app is started by hand, after the stack is up
            build = project.build_of_service(svc)
            df = build.dockerfile if build is not None else None
            if df is not None and build is not None and _runs_nothing(df, build.target, svc):
                continue  # a toolchain image with no command of its own: the container runs the base's shell
            if df is not None and serves_files(project, df):
                continue  # nginx serving a front end: a connection URL it gets (a shared env_file) is none of its own
            if compiles_at_start(project, svc) is not None:
                continue  # `cargo watch -x run`: compiling takes far longer than the datastore's start
            deps: dict[str, Reference] = {r.name: r for r in svc.depends_on}
            ready = _waited_for(compose, svc)
            for name, (target, fam, ep) in sorted(_targets(project, compose, svc).items()):
                ref = deps.get(name)
                if name in ready:
                    continue
                if ref is None and svc.profiles and not set(svc.profiles) & set(target.profiles):
                    # an on-demand tool (`docker compose run`), started when the stack is up; a service that shares
                    # a profile with the datastore (`--profile prod up` starts both) races it like any other
                    continue
                if connects_tolerantly(project, svc):
                    continue
                if ep.env.origin != "code" and uses_datastore(project, svc, fam, ep.variable) is False:
                    continue  # a URL left over in compose: the code has no client of the datastore
                # an r2d2/sqlx pool retries a refused connection, not a name that does not resolve yet: the
                # datastore's container must be created first (listed in `depends_on`); a lazy pool (deadpool,
                # mobc) opens no connection before the first one is taken
                pool: str | None = pool_at_start(project, svc, fam.id)
                slow_init = init_scripts_mounted(target) and small_sql_init(target, compose.project_dir) is None
                # a client that finds its servers in the background (the MongoDB driver, librdkafka: `client_waits`)
                # retries a name that does not resolve yet as well, so it need not be listed in `depends_on`
                if pool in ("waits", "background") and (slow_init or (ref is None and pool == "waits")):
                    pool = None
                if pool == "background":
                    pool = "waits"  # its own words: `waits:mongo`, `waits:kafka`
                other = foreign_program(build.dockerfile) if build is not None and build.dockerfile else None
                if service_code(project, svc) is None:
                    if other is not None:
                        pool = "foreign"  # a Go or Node program: how it connects is not read here
                    elif why_no_code(project, svc, build) == OTHER_PROGRAM and _other_executable(project, svc):
                        pool = "other"  # the image holds Rust binaries, but the command starts another program
                healthy = _has_healthcheck(project, target)
                if healthy:
                    fix = f"`depends_on: {{{name}: {{condition: service_healthy}}}}` (`{name}` has a healthcheck)"
                else:
                    suggestion = f" such as `test: {fam.healthcheck}`" if fam.healthcheck else ""
                    fix = (
                        f"`depends_on: {{{name}: {{condition: service_healthy}}}}`, and give `{name}` a "
                        f"`healthcheck:`{suggestion} with a `start_period` (it has none, so compose would refuse "
                        "`service_healthy` today)"
                    )
                how = (
                    "`depends_on` lists it without a condition"
                    if ref is not None and ref.condition is None
                    else (
                        f"`depends_on` waits only for `{ref.condition}`"
                        if ref is not None
                        else "`depends_on` does not list it"
                    )
                )
                start = (
                    f"compose starts it as soon as the container of `{name}` exists"
                    if ref is not None
                    else f"compose may start it before `{name}`"
                )
                msg = (
                    f"{_VERB} to {fam.label} service `{name}` (`{ep.variable}`) but {how}: {start}, while "
                    f"{fam.label} is still starting, {_EFFECT}; use {fix}"
                )
                loc = ref.location if ref is not None else svc.location
                hit = found.setdefault((loc, name), _Hit(msg, target, fam, ep, pool=pool, fix=fix))
                hit.pool = hit.pool if hit.pool == pool else None
                if all(s.name != svc.name for s in hit.services):  # one file's service in several projects
                    hit.services.append(svc)
    for (loc, name), hit in found.items():
        names = ", ".join(f"`{s.name}`" for s in hit.services)
        recovers = _restarts(hit.services)
        yield RULE.finding(
            f"service{'s' if len(hit.services) > 1 else ''} {names} "
            + hit.message.replace(_VERB, "connect" if len(hit.services) > 1 else "connects").replace(
                _EFFECT, _EFFECTS.get(f"{hit.pool}:{hit.family.id}") or _EFFECTS[hit.pool or ""]
            )
            + (
                f"; {recovers}, so it comes up once `{name}` is ready, after a restart or two: only advice"
                if recovers
                else ""
            ),
            loc,
            key=f"{','.join(s.name for s in hit.services)}->{name}",
            related=(
                Related(hit.target.location, f"{hit.family.label} service `{name}`"),
                Related(hit.endpoint.env.location, f"`{hit.endpoint.variable}` points at `{name}` here"),
            ),
            level=Level.NOTE if hit.pool or recovers else None,
            extra={HELP: f"Use {hit.fix}."} if hit.fix else None,
        )


def _other_executable(project: Project, svc: Service) -> bool:
    """The service starts an executable of its image that is none of the repository's binaries (`./gateway`, `pnpm
    run start`): not a shell or a script, which may well exec the Rust binary (`sh -c "… && exec shop"`), and no
    word of the start (the script's text included) names a binary of the repository."""
    text = start_text(project, svc)
    words = text.split()
    if not words:
        return False
    first = posixpath.basename(words[0].strip("[]\"',"))
    if first in SHELLS or first.endswith(".sh") or first in INITS or first in ("env", "exec"):
        return False
    bins = {b for m in project.manifests.values() for b in m.bin_names()}
    return not any(posixpath.basename(w.strip("[]\"',;&|")) in bins for w in words)


_RESTARTS = ("always", "unless-stopped", "on-failure")


def _restarts(services: list[Service]) -> str | None:
    """How every service of the finding restarts when it fails (`restart: unless-stopped`, `always`,
    `on-failure`, or `deploy.restart_policy`): a lost race costs a restart, not the start. None otherwise."""
    how: list[str] = []
    for svc in services:
        policy = svc.node.get("deploy")
        cond = policy.get("restart_policy") if policy is not None and policy.is_map else None
        cond = cond.get("condition") if cond is not None and cond.is_map else None
        if svc.restart.startswith(_RESTARTS):
            how.append(f"`restart: {svc.restart}`")
        elif cond is not None and str(cond.value or "") in ("on-failure", "any"):
            how.append(f"`deploy.restart_policy: {cond.value}`")
        else:
            return None
    if not how:
        return None
    return f"the service restarts when it fails ({how[0]})" if len(how) == 1 else (
        f"the services restart when they fail ({how[0]})"
    )


RULE = register(
    Rule(
        id="VW309",
        name="depends-on-not-ready",
        level=Level.WARNING,
        summary="A service built from this repo connects to a database or broker of the project without waiting "
        "for it to be healthy.",
        docs=RuleDocs(
            what="A service built from this repository whose connection URL or `*_HOST` variable (read as VW208 reads "
            "them: compose `environment`, `env_file`, image `ENV`, the code's default) resolves to a service of the "
            "project that runs a database, cache or broker (by its image, from `rules/datastores.json`: postgres, "
            "mysql, mariadb, mongo, redis/valkey, rabbitmq, nats, kafka, …; or any service a `postgres://`-style URL "
            "points at), where `depends_on` does not say `condition: service_healthy` for it: the short form, "
            "`condition: service_started`, or no entry. The finding says whether the datastore has a healthcheck to "
            "wait on and suggests one if not. When every such service restarts on failure (`restart: unless-stopped`, "
            "`always`, `on-failure`, or `deploy.restart_policy`) it is a note: a lost race costs a restart. Silent "
            "for `service_healthy` and `service_completed_successfully`, also when they are on a service it depends "
            "on in any way (`app → migrate → db` with `migrate` waiting for `db` healthy: compose starts `migrate`, "
            "and so `app`, only once `db` is healthy), datastores outside the project, image-only services, and "
            "services whose own `command`/`entrypoint` (or the image's, or the entrypoint script it runs) waits for "
            "the datastore (`wait-for-it`, `dockerize -wait`, `pg_isready`, `nc -z` loops, sqlx-cli's `sqlx migrate "
            "run`, which retries for its 10 s `--connect-timeout`), and development boxes whose container starts only "
            "a shell (`nix-shell`, a bare `bash`, `sleep infinity`): the app is started by hand once the stack is up. "
            "Also silent when the service's code (when the linter can tell which crate the image runs) never reads "
            "the connection variable and its sources (the module trees of the binaries it runs and of the libraries "
            "they link: a file no `mod` declares is not compiled) name no client crate of that datastore (`clients` "
            "in `rules/datastores.json`: sqlx, diesel, tokio-postgres, mysql_async, redis, deadpool-*, mongodb, …; a "
            "crate declared in `Cargo.toml` that no source file names is not linked): the URL is left over and the "
            "app does not connect. An app that builds a connection pool that waits at start (r2d2 "
            "`Pool::builder().build(…)` or `Pool::new(…)`, diesel's too, up to `connection_timeout`; sqlx "
            "`PgPool::connect`/`PoolOptions::connect` (and sea-orm's `Database::connect`, which builds such a pool), "
            "which retries a refused connection or a database still starting up until `acquire_timeout`, 30 s by "
            "default; the MongoDB driver, which connects in the background and waits for a server up to "
            "`serverSelectionTimeoutMS`, 30 s; librdkafka, which connects to Kafka in the background and reconnects, "
            "unless the code makes a metadata or admin request such as `fetch_metadata` (a start-up check with its "
            "own short timeout): `client_waits` in the data file) is only a note when `depends_on` lists the "
            "datastore (so its name resolves when the app starts; the MongoDB driver and librdkafka find their "
            "servers in the background and retry a name that does not resolve yet too, so for them it need not be "
            "listed) and the code makes no direct connection first (diesel `PgConnection::establish`), unless the "
            "datastore runs init scripts from `/docker-entrypoint-initdb.d` (other than a short plain SQL schema, "
            "under 100 lines and 16 KB, which runs in well under a second), a first start that can outlast the pool's "
            "patience). A pool that opens no connection when it is built (deadpool and its "
            "`deadpool-redis`/`deadpool-postgres`/… flavours, mobc, bb8 `build_unchecked` or `build` without "
            "`min_idle`, and `redis::Client::open`, which only parses the URL) is a note too when the code opens no "
            "direct connection (`redis::Client::get_connection`, `get_multiplexed_async_connection`, "
            "`ConnectionManager::new`, `tokio_postgres::connect`, `mysql::Pool::new`, diesel `establish`; for Redis, "
            "only one opened in `main` or a set-up function (a name with a word such as `run`, `init`, `setup`, "
            "`connect`, `pool`, `state`, or `new` alone or before a client word: `new_pool`), not per request in a "
            "handler or cache helper (`post_new`, `new_comment`)): the app starts, and only work that takes a "
            "connection before the datastore is ready fails. For a Redis datastore only Redis clients are read (an "
            "sqlx pool says nothing about Redis). Services that start with `cargo run`/`cargo watch` compile before "
            "they connect: no finding (also when the image built only a stub `main` for the dependencies and copied "
            "the sources in after it: the app is compiled at start), unless the start script runs a database tool "
            "first (`diesel database setup`, `sqlx migrate run`, `psql`; a script from the bind-mounted source is "
            "read too). A service whose image runs another language's "
            "program and no Rust code of this repository (`FROM golang`, `go build`, `npm run build`) is a note: how "
            "its code connects is not read here, and it may well wait or retry; so is a service whose command starts "
            "a program of its image that is not one of the Rust binaries it builds (`command: ./gateway`, a Go binary "
            "built beside them). Nor for code that retries its first connection by hand (a `loop`/`while` whose own "
            "body opens a datastore connection, handles its error and sleeps; an HTTP client built in a polling loop "
            "is no retry), nor for compose files the repository deploys only with `docker stack deploy` (swarm "
            "ignores `depends_on` and restarts a task that exits), nor for a service whose image runs a stock web "
            "server (nginx, caddy, httpd) to serve files its build made: a URL it gets from a shared `env_file` is "
            "not one it connects to; nor for a service that starts no program at all (no compose "
            "`command:`/`entrypoint:`, and its image sets no ENTRYPOINT/CMD on a toolchain base such as `rust`: the "
            "container runs the base's shell). A service behind a `profiles:` entry with no `depends_on` on a "
            "datastore a plain `up` starts (no profile in common) is an on-demand tool, run once the stack is up: no "
            "finding; one that shares a profile with it (`--profile prod up` starts both) is checked.",
            why="`depends_on` without a condition only orders container creation. Postgres takes seconds to "
            "initialise on first start (longer with init scripts), so an app that connects once at start-up "
            "fails with `connection refused` and exits; with `restart:` it loops until the database is up, "
            "without it the stack stays broken.",
            example="backend:\n  build: .\n  environment:\n    DATABASE_URL: postgres://app:${DB_PASSWORD}@db/app\n"
            "  depends_on: [db]\ndb:\n  image: postgres:16",
            fix="`depends_on: {db: {condition: service_healthy}}` and a healthcheck on the datastore, e.g. "
            '`test: ["CMD-SHELL", "pg_isready -U $${POSTGRES_USER:-postgres}"]` with `start_period: 10s`.',
        ),
        check=check,
        tags=("compose", "health"),
    )
)
