"""VW405 datastore-port-published."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from dataclasses import replace

from viworks_lint.connections import service_family
from viworks_lint.dockerutil import target_stage
from viworks_lint.findings import HELP, Finding, Level, Related
from viworks_lint.fixes import Applicability, Fix, ReplaceText, unsafe_fix
from viworks_lint.hostaccess import DOCUMENTED, host_access
from viworks_lint.images import split_image
from viworks_lint.parsers.compose import ComposeProject, Port, Service
from viworks_lint.project import Project
from viworks_lint.rule import Rule, RuleDocs, register
from viworks_lint.runtime import compose_host_names, container_env
from viworks_lint.storeuse import uses_datastore

# image repository names (last path segment) of databases, caches and brokers
_DATASTORES = {
    "postgres": "PostgreSQL",
    "postgresql": "PostgreSQL",
    "postgis": "PostgreSQL",
    "timescaledb*": "PostgreSQL",
    "mysql": "MySQL",
    "mysql-server": "MySQL",
    "percona-server*": "MySQL",
    "mariadb": "MariaDB",
    "redis": "Redis",
    "redis-stack*": "Redis",
    "valkey": "Valkey",
    "keydb": "KeyDB",
    "dragonfly": "Dragonfly",
    "mongo": "MongoDB",
    "mongodb*": "MongoDB",
    "elasticsearch": "Elasticsearch",
    "opensearch": "OpenSearch",
    "memcached": "Memcached",
    "rabbitmq": "RabbitMQ",
    "cassandra": "Cassandra",
    "clickhouse": "ClickHouse",
    "clickhouse-server": "ClickHouse",
    "couchdb": "CouchDB",
    "neo4j": "Neo4j",
    "influxdb": "InfluxDB",
}
_ALL_INTERFACES = {None, "", "0.0.0.0", "::", "[::]"}
# the ports the official images of these stores listen on (their EXPOSE: postgres 5432; mysql 3306 and the X
# protocol's 33060; mariadb 3306; redis/valkey/keydb/dragonfly 6379; mongod 27017, 27018/27019 with
# --shardsvr/--configsvr; memcached 11211) unless the command, the environment or a config file moves them;
# stores with plugin or cluster ports (rabbitmq, elasticsearch, cassandra, …) are not narrowed
_LISTENS: dict[str, frozenset[int]] = {
    "PostgreSQL": frozenset({5432}),
    "MySQL": frozenset({3306, 33060}),
    "MariaDB": frozenset({3306}),
    "Redis": frozenset({6379}),
    "Valkey": frozenset({6379}),
    "KeyDB": frozenset({6379}),
    "Dragonfly": frozenset({6379}),
    "MongoDB": frozenset({27017, 27018, 27019}),
    "Memcached": frozenset({11211}),
}
# a file that may configure the server (and its port): a bind-mounted or copied config
_CONFIG_FILE = re.compile(r"\.(?:conf|cnf|ini|ya?ml|json|toml)$|(?:^|/)(?:etc|conf|config)(?:/|$)", re.IGNORECASE)
_NUMBER = re.compile(r"(?<![\w.])(\d{2,5})(?![\w.])")


def _datastore(ref: str | None) -> str | None:
    if not ref or "$" in ref:
        return None
    name, _tag = split_image(ref)
    last = name.rsplit("/", 1)[-1]
    for pattern, kind in _DATASTORES.items():
        if fnmatch.fnmatchcase(last, pattern):
            return kind
    return None


def _kind(project: Project, svc: Service) -> tuple[str, str] | None:
    build = project.build_of_service(svc)
    if build is not None and build.dockerfile is not None:
        stage = target_stage(build.dockerfile, build.target)
        if stage is not None:
            base = build.dockerfile.root_base(stage)
            kind = _datastore(base)
            return (kind, base) if kind else None
    kind = _datastore(svc.image)
    return (kind, svc.image or "") if kind else None


def _listens(project: Project, svc: Service, kind: str, image: str) -> frozenset[int] | None:
    """The container ports the datastore listens on; None when that cannot be told (a store with plugin
    ports, a config file mounted or copied in, an env file that could not be read). A number in its command,
    entrypoint or environment (`-p 5433`, `--port 6380`, `PGPORT=5433`) counts as a port it may listen on."""
    known = _LISTENS.get(kind)
    if known is None:
        return None
    ports = set(known)
    if kind == "Redis" and "stack" in image.rsplit("/", 1)[-1] and "server" not in image:
        ports.add(8001)  # redis-stack also serves RedisInsight
    env = container_env(project, svc)
    if not env.complete:
        return None
    if any(m.type == "bind" and m.target and _CONFIG_FILE.search(m.target) for m in svc.volumes):
        return None
    texts = [v or "" for v in env.values.values()]
    for part in (svc.command, svc.entrypoint):
        texts.append(" ".join(part) if isinstance(part, tuple) else part or "")
    build = project.build_of_service(svc)
    stage = target_stage(build.dockerfile, build.target) if build is not None and build.dockerfile else None
    while stage is not None and build is not None and build.dockerfile is not None:
        for instr in stage.instructions:
            if instr.cmd in ("COPY", "ADD") and any(_CONFIG_FILE.search(a) for a in instr.args):
                return None
            if instr.cmd in ("CMD", "ENTRYPOINT", "ENV", "RUN"):
                texts.append(" ".join(instr.args))
        stage = build.dockerfile.stages[stage.parent] if stage.parent is not None else None
    for text in texts:
        ports.update(int(n) for n in _NUMBER.findall(text))
    return frozenset(ports)


def _texts(project: Project, svc: Service) -> list[str]:
    """What a service is configured with that could name another service's host."""
    out = [v or "" for v in container_env(project, svc).values.values()]
    for part in (svc.command, svc.entrypoint):
        out.append(" ".join(part) if isinstance(part, tuple) else part or "")
    return out


def _networks(svc: Service) -> set[str]:
    """The compose networks a service is attached to (`default` when it names none)."""
    return {r.name for r in svc.networks} or {"default"}


def _users(project: Project, compose: ComposeProject, store: Service) -> list[Service]:
    """Other services of the compose project that reach ``store`` over the compose network: they wait for it
    (`depends_on`, `links`) or are given its host name (in a URL, a `*_HOST` value, a command)."""
    names = [n for n, s in compose_host_names(compose).items() if s is store]
    fam = service_family(project, store)
    host = re.compile(r"(?:^|[@/=,;\s\"'])(?:" + "|".join(map(re.escape, names)) + r")(?=$|[:/,;\s\"'?])")
    users = []
    for other in compose.services.values():
        if other is store or (other.network_mode or "").strip() == "host":
            continue  # a host-networked service reaches the datastore through the published port
        if not _networks(other) & _networks(store):
            continue  # on networks of its own: it cannot reach the datastore by name at all
        waits = any(r.name == store.name for r in (*other.depends_on, *other.links))
        named: list[str | None] = [k for k, v in container_env(project, other).values.items() if v and host.search(v)]
        if not (waits or named or any(host.search(t) for t in _texts(project, other))):
            continue
        if fam is not None and all(uses_datastore(project, other, fam, v) is False for v in named or [None]):
            continue  # its code has no client of the datastore: the link or URL is left over
        users.append(other)
    return users


_REDIS_LIKE = ("Redis", "Valkey", "KeyDB", "Dragonfly")


def _auth_off(project: Project, svc: Service, kind: str) -> str | None:
    """How authentication is switched off, when the compose file says so plainly; None when on or unknown."""
    env = {k.upper(): (v or "") for k, v in container_env(project, svc).values.items()}
    cmd = " ".join(svc.command) if isinstance(svc.command, tuple) else svc.command or ""
    if kind == "PostgreSQL" and env.get("POSTGRES_HOST_AUTH_METHOD", "").lower() == "trust":
        return "`POSTGRES_HOST_AUTH_METHOD=trust` lets anyone log in without a password"
    if kind in _REDIS_LIKE:
        if "requirepass" in cmd or any("PASSWORD" in k or k.endswith("_ARGS") for k in env):
            return None
        if any(m.target and not m.target.startswith("/data") for m in svc.volumes):
            return None  # a mounted config file may set requirepass
        if svc.command is None and svc.build is not None:
            return None  # its own image may start it with a password
        return f"{kind} runs without a password"
    if kind == "MongoDB" and not any(k.startswith(("MONGO_INITDB_ROOT", "MONGODB_ROOT")) for k in env):
        if "--auth" in cmd or "keyfile" in cmd.lower() or svc.build is not None:
            return None
        return "MongoDB has no root credentials, so it runs without authentication"
    if kind == "Memcached":
        return "Memcached has no authentication"
    return None


def check(project: Project) -> Iterator[Finding]:
    # one published port line is one finding, even when several compose projects include the file (a base file
    # and a base + override set): the users of every project that runs it are named together
    seen: dict[tuple[object, ...], tuple[ComposeProject, Service, Port, str, str, str | None, list[Service]]] = {}
    for compose, svc in project.services():
        if not svc.ports:
            continue
        found = _kind(project, svc)
        if found is None:
            continue
        kind, image = found
        users = _users(project, compose, svc)
        auth_off = _auth_off(project, svc, kind)
        listens = _listens(project, svc, kind, image)
        for port in svc.ports:
            if port.host_ip not in _ALL_INTERFACES:
                continue
            if port.target is None or (listens is not None and port.target not in listens):
                continue  # a container port that cannot be resolved, or one the datastore does not listen on
            loc = port.location
            where_key = (str(loc.path), loc.line, loc.col, svc.name, port.raw)
            if where_key in seen:
                known = seen[where_key][6]
                known.extend(u for u in users if all(u.name != k.name for k in known))
                continue
            seen[where_key] = (compose, svc, port, kind, image, auth_off, list(users))
    # one finding per datastore service: its published ports are one exposure with one fix
    grouped: dict[tuple[str, str], list[tuple[ComposeProject, Service, Port, str, str, str | None, list[Service]]]] = {}
    for entry in seen.values():
        grouped.setdefault((str(entry[1].file), entry[1].name), []).append(entry)
    for entries in grouped.values():
        compose, svc, port, kind, image, auth_off, users = entries[0]
        ports = [e[2] for e in entries]
        for e in entries[1:]:
            users.extend(u for u in e[6] if all(u.name != k.name for k in users))
        how = f"host port {port.published}" if port.published else "a random host port"
        where = f"on `{port.host_ip}`" if port.host_ip else "on every host interface"
        what = f"container port {port.target} to {how} {where}"
        if len(ports) > 1:
            others = ", ".join(str(p.target) for p in ports[1:])
            what += f" (and container port{'s' if len(ports) > 2 else ''} {others})"
        risk = (
            f"{auth_off}: anyone who can reach the host can read and change its data"
            if auth_off
            else "anyone who can reach the host can try its credentials"
        )
        family = service_family(project, svc)
        host_run = next(
            (
                h
                for p in ports
                if (
                    h := host_access(
                        project, compose, svc, p, family, lambda s: _kind(project, s) is not None, networked=bool(users)
                    )
                )
                is not None
            ),
            None,
        )
        if host_run is not None and host_run.startswith(DOCUMENTED):
            fix = (
                f"the README beside it gives its address on the host ({host_run.removeprefix(DOCUMENTED)}) as the "
                "way to reach it, so publishing it is deliberate: bind it to `127.0.0.1:` to keep that for this "
                "machine only"
            )
        elif host_run is not None:
            fix = (
                f"the repository points an app run on the host at this port ({host_run}), so it is the documented "
                "way in for local runs: bind it to `127.0.0.1:` unless other machines must connect"
            )
        elif users:
            used = ", ".join(f"`{u.name}`" for u in users[:3])
            fix = (
                f"bind it to `127.0.0.1:` or drop `ports:` ({used} "
                f"{'reaches' if len(users) == 1 else 'reach'} it over the compose network)"
            )
        else:
            fix = (
                "no service of this compose project uses it over the compose network, so the port is how an "
                "app on the host reaches it: bind it to `127.0.0.1:` unless other machines must connect"
            )
        edits = [one for p in ports if (one := _fix(p)) is not None]
        combined = unsafe_fix(edits[0].description, *[e for one in edits for e in one.edits]) if edits else None
        if combined is not None and len(edits) > 1:
            combined = unsafe_fix(f"publish the {len(edits)} ports of `{svc.name}` on loopback only", *combined.edits)
        # the loopback form the fix writes (`"127.0.0.1::6379"` for a random host port, the host IP replaced)
        fixed = [e.new for p in ports if (one := _fix(p)) is not None for e in one.edits if isinstance(e, ReplaceText)]
        loopback = ", ".join(f'`"{new}"`' for new in fixed)
        f = RULE.finding(
            f"{kind} service `{svc.name}` (`{image}`) publishes {what}: {risk}; {fix}",
            port.location,
            key=f"{svc.name}:{port.raw}",
            related=tuple(Related(p.location, f"container port {p.target} is published here too") for p in ports[1:]),
            fix=combined if len(edits) == len(ports) or len(ports) == 1 else None,
            extra={HELP: f"Remove `ports:` from `{svc.name}`, or bind to loopback for tools on the host: {loopback}."}
            if loopback
            else None,
        )
        yield f if users and host_run is None else replace(f, level=Level.NOTE)


def _fix(port: Port) -> Fix | None:
    """``"5432:5432"`` → ``"127.0.0.1:5432:5432"`` (short syntax as written; the long syntax is left alone)."""
    raw = port.raw.strip()
    if not raw or raw.startswith("{") or "$" in raw:
        return None
    if port.host_ip is None:
        old, new = raw, ("127.0.0.1:" if port.published else "127.0.0.1::") + raw
    else:
        written = f"[{port.host_ip}]" if raw.startswith("[") else port.host_ip
        if not raw.startswith(written + ":"):
            return None
        old, new = raw, "127.0.0.1" + raw[len(written) :]
    loc = port.location
    edit = ReplaceText(loc.path, loc.line, loc.col, old, new, whole=True)
    return unsafe_fix(f"publish `{raw}` on loopback only", edit)


RULE = register(
    Rule(
        id="VW405",
        name="datastore-port-published",
        level=Level.WARNING,
        summary="A database or cache publishes a port on all host interfaces.",
        docs=RuleDocs(
            what="A service whose image (or, for a build, the base of its final stage) is a database, cache or broker "
            "(postgres, mysql, mariadb, redis, valkey, keydb, dragonfly, mongo, elasticsearch, opensearch, memcached, "
            "rabbitmq, cassandra, clickhouse, couchdb, neo4j, influxdb; registry prefixes and vendor repositories "
            "such as `bitnami/postgresql` included) has a `ports:` entry without a host IP, or bound to "
            "`0.0.0.0`/`::`; a service that publishes several ports gets one finding, at its first port, the others "
            "as related locations. A warning when another service of the same compose project uses the datastore over "
            "the compose network (it shares a network with it, and it `depends_on`/`links` it or is given its host "
            "name, and its code, when the linter can tell which crate the image runs, reads that variable or names a "
            "client crate of the datastore from `rules/datastores.json`), since the published port is then only "
            "exposure; a note when none does (the port is how an app run on the host reaches it), which includes "
            "services run with `network_mode: host` or given `host.docker.internal:<the published port>` (a URL, or "
            "`X_HOST` beside `X_PORT`): they reach the datastore through the published port, not over the compose "
            "network. Also a note, naming the evidence, when the repository itself points an app or tool run on the "
            "host at the published port: an env file or template next to the compose file, the repository root or a "
            "build context that no service gets as `env_file` (a `DATABASE_URL` at `localhost:5432` for `cargo run` "
            "or the sqlx CLI; when a service of the project also uses the datastore over the network, only when a "
            "Makefile or justfile there runs a database tool or the tests on the host: `sqlx migrate run`, `diesel "
            "migration run`, `sea-orm-cli migrate`, `cargo test`, or a `diesel.toml` there configures the diesel "
            "CLI), an env file that services get as `env_file` whose `localhost` URL each of them overrides in its "
            "own `environment:` (the file's value is the host's), a configuration file of the code under the compose "
            "file's folder (`server/config/base.toml`) whose URL names a published host port other than the "
            "container's (`127.0.0.1:9432` for `9432:5432`: only a program on the host reaches that number), "
            "a Makefile, justfile or cargo-make `Makefile.toml` "
            "with such a URL or a `*_HOST=localhost` beside a `*_PORT` equal to the published port, or a "
            "README/CONTRIBUTING/docs command that starts only infrastructure (datastores or stock images the "
            "repository does not build: `docker compose up -d postgres minio`) in a file that runs the app on the "
            "host (`cargo run`, `cargo watch`, `make run`; under the same heading when the command names no service "
            "and starts what the profiles hold), or a README beside the compose file that gives the datastore's URL "
            "at `localhost` and the published port as the way to reach it "
            "(`postgresql://graph:pass@localhost:5432/graph`, or a command of its own client, `psql -h 127.0.0.1 -p "
            "5432`, clients per family in `rules/datastores.json`); not for a stack named for production "
            "(`docker-compose.prod.yml`) or one that publishes host port 80/443. The message says so plainly when "
            "authentication is off (`POSTGRES_HOST_AUTH_METHOD=trust`, redis/valkey/keydb without a password, mongo "
            "without root credentials, memcached). A port line that several compose projects run (the file alone and "
            "in a documented `-f` set) is one finding naming the users of all of them. Stays silent for: bindings to "
            "`127.0.0.1`/`::1`, `expose:`, services that are no datastore, container ports that cannot be resolved "
            "(`${DB_PORT_INNER}` with no value compose can see), and container ports the datastore does not listen on "
            "(`5433:5433` for a postgres on 5432: postgres, mysql, mariadb, redis and its forks, mongo and memcached "
            "listen on their image's ports unless a number in the command, entrypoint or environment (`-p 5433`, "
            "`--port 6380`, `PGPORT`) or a mounted or copied config file says otherwise).",
            why="Docker publishes ports through its own iptables rules, bypassing host firewalls such as ufw. A "
            "postgres on `5432:5432` is reachable from the internet and brute-forced within hours; an "
            "unauthenticated redis is taken over outright.",
            example='postgres:\n  image: postgres:16\n  ports:\n    - "5432:5432"',
            fix="Remove `ports:` (services talk over the compose network), or bind to loopback for local tools: "
            '`"127.0.0.1:5432:5432"`.',
            fix_safety="Unsafe. The fix writes `127.0.0.1:` in front of a short-syntax port (or in place of "
            '`0.0.0.0`/`::`), keeping its quotes: `"5432:5432"` becomes `"127.0.0.1:5432:5432"`. Tools on '
            "the host still reach the port, but clients on other machines (a teammate, a BI tool, another host "
            "of a swarm) no longer do, which may be what the binding was for.",
        ),
        check=check,
        tags=("hardening", "security", "compose"),
        security_severity=6.5,  # a database reachable from every network the host is on
        fixable=(Applicability.UNSAFE,),
    )
)
