"""VW405 datastore-port-published."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator

from viworks_lint.dockerutil import target_stage
from viworks_lint.findings import Finding, Level
from viworks_lint.images import split_image
from viworks_lint.parsers.compose import Service
from viworks_lint.project import Project
from viworks_lint.rule import Rule, RuleDocs, register

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


def check(project: Project) -> Iterator[Finding]:
    for _compose, svc in project.services():
        if not svc.ports:
            continue
        found = _kind(project, svc)
        if found is None:
            continue
        kind, image = found
        for port in svc.ports:
            if port.host_ip not in _ALL_INTERFACES:
                continue
            how = f"host port {port.published}" if port.published else "a random host port"
            where = f"on `{port.host_ip}`" if port.host_ip else "on every host interface"
            yield RULE.finding(
                f"{kind} service `{svc.name}` (`{image}`) publishes container port {port.target or port.raw} to "
                f"{how} {where}: anyone who can reach the host can try its credentials; bind it to "
                f"`127.0.0.1:` or drop `ports:` (other services reach it over the compose network)",
                port.location,
                key=f"{svc.name}:{port.raw}",
            )


RULE = register(
    Rule(
        id="VW405",
        name="datastore-port-published",
        level=Level.WARNING,
        summary="A database or cache publishes a port on all host interfaces.",
        docs=RuleDocs(
            what="A service whose image (or, for a build, the base of its final stage) is a database, cache or "
            "broker (postgres, mysql, mariadb, redis, valkey, keydb, dragonfly, mongo, elasticsearch, opensearch, "
            "memcached, rabbitmq, cassandra, clickhouse, couchdb, neo4j, influxdb; registry prefixes and vendor "
            "repositories such as `bitnami/postgresql` included) has a `ports:` entry without a host IP, or "
            "bound to `0.0.0.0`/`::`. Bindings to `127.0.0.1`/`::1` and `expose:` are fine.",
            why="Docker publishes ports through its own iptables rules, bypassing host firewalls such as ufw. A "
            "postgres on `5432:5432` is reachable from the internet and brute-forced within hours; an "
            "unauthenticated redis is taken over outright.",
            example='postgres:\n  image: postgres:16\n  ports:\n    - "5432:5432"',
            fix="Remove `ports:` (services talk over the compose network), or bind to loopback for local tools: "
            '`"127.0.0.1:5432:5432"`.',
        ),
        check=check,
        tags=("security", "compose"),
    )
)
