"""VW208 connection-host-unreachable."""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Iterator

from viworks_lint.connections import Endpoint, service_endpoints, service_family
from viworks_lint.datastores import Family, optional_endpoint
from viworks_lint.dockerutil import target_stage
from viworks_lint.findings import REDACT_SPANS, Finding, Level, Related, redact_spans
from viworks_lint.hosts import NameTable, Reach, name_table
from viworks_lint.keepalive import keep_alive, keep_alive_words
from viworks_lint.location import Location, line_span
from viworks_lint.oneshot import cli_service
from viworks_lint.parsers.compose import ComposeProject, Service, command_words
from viworks_lint.project import Project
from viworks_lint.rule import Rule, RuleDocs, register
from viworks_lint.stagecontents import build_contents
from viworks_lint.storeuse import reads_variable


def _runs_server_itself(project: Project, svc: Service, fams: tuple[Family, ...]) -> bool:
    """The service's own image starts the datastore too (``apt-get install redis-server``)."""
    own = service_family(project, svc)
    if own is not None and (not fams or own in fams):
        return True
    build = project.build_of_service(svc)
    contents = build_contents(project, build) if build is not None else None
    if contents is None:
        return False
    for inst in contents.installs:
        for fam in fams:
            if any(fnmatch.fnmatchcase(inst.package, p) for p in fam.server_packages):
                return True
    return False


def _shares_namespace(compose: ComposeProject, svc: Service) -> bool:
    """Another service joins this one's network namespace (``network_mode: service:<this>``): a sidecar
    datastore then answers on localhost."""
    return any(s.network_mode == f"service:{svc.name}" for s in compose.services.values() if s is not svc)


def _datastores(project: Project, compose: ComposeProject, fams: tuple[Family, ...]) -> list[Service]:
    return [s for s in compose.services.values() if (f := service_family(project, s)) is not None and f in fams]


def _what(ep: Endpoint) -> str:
    origin = {
        "environment": "set in compose `environment`",
        "env_file": "set in its `env_file`",
        "image": "set by the image's `ENV`",
        "code": "the code's default, since nothing sets the variable for the container",
    }[ep.env.origin]
    return f"`{ep.variable}` ({origin})"


def password_spans(ep: Endpoint) -> list[tuple[Location, int]]:
    """Where a literal password of the endpoint's URL is written, to keep it out of every snippet."""
    raw = ep.raw_url
    if raw is None or not raw.password or "$" in raw.password or ep.env.origin not in ("environment", "env_file"):
        return []
    loc = line_span(ep.env.location, f":{raw.password}@")
    if loc == ep.env.location:
        return []
    return [(Location(loc.path, loc.line, loc.col + 1), len(raw.password))]


def _message(project: Project, compose: ComposeProject, ep: Endpoint, reach: Reach, table: NameTable) -> str | None:
    svc = ep.service
    stores = _datastores(project, compose, ep.families)
    kind = ep.families[0].label if len(ep.families) == 1 else "the datastore"
    if reach is Reach.LOOPBACK:
        if ep.web:
            return None  # http://localhost is usually the browser's view (a public or callback URL)
        if _runs_server_itself(project, svc, ep.families) or _shares_namespace(compose, svc):
            return None
        if ep.env.origin == "code" and not stores:
            return None  # no datastore in the project: the default may well be meant for a host-run app
        hint = (
            f"use the service name instead (`{stores[0].name}`)"
            if stores
            else "use the name of the service that runs it (or `host.docker.internal` for one on the host)"
        )
        return (
            f"{_what(ep)} of service `{svc.name}` points {kind} at `{ep.host}`: inside the container that is "
            f"the container itself, not another service, so the app cannot connect and exits or restarts; {hint}"
        )
    if reach is Reach.UNKNOWN:
        names = sorted(table.names)
        close = difflib.get_close_matches(ep.host.lower(), names, n=1, cutoff=0.6)
        if not close and stores:
            close = [stores[0].name]
        hint = f"; did you mean `{close[0]}`?" if close else ""
        return (
            f"{_what(ep)} of service `{svc.name}` connects to host `{ep.host}`, which is no service, "
            f"`container_name`, `hostname`, network alias, `links` alias or `extra_hosts` entry of the compose "
            f"project: the name does not resolve, so the app cannot connect{hint}"
        )
    return None


def _idles(project: Project, svc: Service) -> bool:
    """The service's container only waits (`command: tail -f /dev/null`, `sleep infinity`, or such an image CMD
    with no compose command): no program of it starts, so none connects."""
    words = command_words(svc.entrypoint) or command_words(svc.command)
    if words:
        return keep_alive_words(words)
    build = project.build_of_service(svc)
    stage = target_stage(build.dockerfile, build.target) if build is not None and build.dockerfile else None
    return stage is not None and keep_alive(stage) is not None


def check(project: Project) -> Iterator[Finding]:
    found: dict[tuple[Location, str], tuple[str, Endpoint, list[Service]]] = {}
    for compose in project.composes:
        table = name_table(project, compose)
        for svc in compose.services.values():
            if svc.network_mode:
                continue  # host, service:X, container:X, bridge, none: the project's names do not apply
            if service_family(project, svc) is not None:
                continue  # the datastore itself (its own tools may well talk to localhost)
            if _idles(project, svc):
                continue  # `tail -f /dev/null`: the container only stays up for `docker exec`; nothing connects
            for ep in service_endpoints(project, compose, svc):
                if ep.scheme is None and svc.build is None:
                    continue  # `*_HOST` of an image we do not know: its meaning is the image's own
                if ep.web and optional_endpoint(ep.variable):
                    continue  # a telemetry exporter that cannot connect logs and carries on
                if ep.env.origin != "code" and reads_variable(project, svc, ep.variable) is False:
                    continue  # a value left in an env file that the app never reads (it builds its URL itself)
                if ep.env.origin == "code" and cli_service(project, svc):
                    continue  # a command-line tool's default (a prompt's suggestion), not a connection at start
                res = table.resolve(svc, ep.host)
                if res.reach is Reach.LOOPBACK and ep.web:
                    continue
                msg = _message(project, compose, ep, res.reach, table)
                if msg is None:
                    continue
                key = (ep.host_location(), ep.host.lower())
                if key in found:
                    found[key][2].append(svc)
                else:
                    found[key] = (msg, ep, [svc])
    for (loc, host), (msg, ep, services) in found.items():
        if len(services) > 1:
            others = ", ".join(f"`{s.name}`" for s in services[1:])
            many = len(services) > 2
            msg += f" (service{'s' if many else ''} {others} get{'' if many else 's'} the same value)"
        related = [Related(s.location, f"service `{s.name}`") for s in services]
        if ep.env.origin == "code":
            related.insert(0, Related(ep.env.location, f"`{ep.variable}` is read here with that default"))
        spans = password_spans(ep)
        yield RULE.finding(
            msg,
            loc,
            key=f"{ep.variable}:{host}",
            related=tuple(related),
            extra={REDACT_SPANS: redact_spans(spans)} if spans else None,
        )


RULE = register(
    Rule(
        id="VW208",
        name="connection-host-unreachable",
        level=Level.ERROR,
        summary="A database or broker URL (or `*_HOST` variable) the container gets points at localhost or at "
        "a host name no service of the project answers to.",
        docs=RuleDocs(
            what="Connection strings with a datastore or broker scheme (`postgres://`, `mysql://`, `redis://`, "
            "`rediss://`, `amqp://`, `mongodb://`, `nats://`, …, parsed with a URL parser) and `*_HOST`/`*_ADDR` "
            "variables whose name says which datastore they address (`DB_HOST`, `REDIS_ADDR`, `PGHOST`; a `HOST` with "
            "no underscore only right after the datastore's word, so `RABBITMQ_VHOST` is a virtual host), as the "
            "container really gets them: compose `environment` over `env_file` over the image's `ENV`, and the code's "
            "literal default (`unwrap_or(\"redis://127.0.0.1\")`) when nothing sets the variable; a compose "
            "reference's own default (`${DATABASE_URL:-postgres://app@db/app}`) is the value unless a `.env` sets the "
            "variable or a repository step copies a template that does into place (a template beside it that nothing "
            "copies, such as a host-run `.env.example` at `localhost`, does not count). Reported when the host is "
            "loopback (`localhost`, `127.0.0.1`, `::1`), or a single-label name that is no service, `container_name`, "
            "`hostname`, network alias, `links` alias or `extra_hosts` entry of the compose project; `http://name` "
            "URLs are checked for unknown names too. Silent for services whose container only waits (`command: tail "
            "-f /dev/null`, `sleep infinity`: no program starts, so none connects), for services with `network_mode` "
            "(`host`, `service:X`: "
            "localhost is right there), services attached to an `external` network (also the `default` one, when the "
            "file declares it external), names other compose files of the repository define, fully qualified names "
            "and IP addresses, a bare number (`REDIS_ADDR=1`, a placeholder a configuration struct requires), "
            "`host.docker.internal`, browser-facing variables (public and root URLs, CORS origins, redirect and "
            "callback URIs, `NEXT_PUBLIC_*`/`VITE_*`), code defaults of a command-line tool's service run with no "
            "subcommand (a prompt's suggested host), a loopback datastore the service's own image runs or a sidecar "
            "shares the network namespace with, code defaults when the project runs no such datastore, every value "
            "holding a variable the linter cannot resolve, and a variable of an env file the service's code never "
            "reads (no source spells it outside comments, `#[cfg(test)]` modules and the root files of the package's "
            "other binaries, no struct field is named after it and no configuration loader maps names: a URL left for "
            "the sqlx CLI on the host while the app builds its own from `DB_HOST`, or a read commented out). The "
            "datastore images, schemes and variable words come from `rules/datastores.json`. A read that is the "
            "fallback of another variable (inside the `.unwrap_or_else(…)` of `env::var(\"DATABASE_URL\")`) happens "
            "only when that variable is unset: when the container gets it, the fallback is not read.",
            why="Inside a container, `localhost` is the container itself: the database published on the host's "
            "5432 is not there, and the app fails with `connection refused`, exits and restarts. A host name "
            "that is no service fails with `failed to lookup address information` the same way. Both work "
            "when the app runs with `cargo run` on the developer's machine, which is why they slip through.",
            example="backend:\n  environment:\n    DATABASE_URL: postgres://app:${DB_PASSWORD}@localhost:5432/app\n"
            "postgres:\n  image: postgres:16",
            fix="Use the compose service name as host (`postgres://app:…@postgres:5432/app`), or a network alias; "
            "for a database on the host use `host.docker.internal` (with `extra_hosts: "
            '["host.docker.internal:host-gateway"]` on Linux).',
        ),
        check=check,
        tags=("runtime", "compose", "network"),
    )
)
