"""VW307 proxy-upstream-unknown."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from urllib.parse import urlsplit

from viworks_lint.code import service_code
from viworks_lint.findings import Finding, Level, Related
from viworks_lint.location import Location
from viworks_lint.parsers.compose import ComposeProject, Service
from viworks_lint.parsers.nginx import NginxConfig, Upstream
from viworks_lint.probes import route_matches
from viworks_lint.project import Project
from viworks_lint.rule import Rule, RuleDocs, register
from viworks_lint.runtime import (
    compose_host_names,
    container_env,
    effective_listens,
    mounted_nginx_configs,
    split_hostport,
)


def _external(host: str) -> bool:
    if "." in host or host in ("localhost", "unix"):
        return True
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


def check(project: Project) -> Iterator[Finding]:
    for compose in project.composes:
        hosts = compose_host_names(compose)
        for svc in compose.services.values():
            # nginx reads every mounted file together (nginx.conf includes conf.d/*.conf): an upstream
            # may be declared in one file and used in another
            confs = [project.nginx(p) for p in mounted_nginx_configs(compose, svc)]
            upstreams = {u.name: u for conf in confs for u in conf.upstreams}
            for conf in confs:
                yield from _check_conf(project, compose, svc, conf, hosts, upstreams)


def _check_conf(
    project: Project,
    compose: ComposeProject,
    proxy_svc: Service,
    conf: NginxConfig,
    hosts: dict[str, Service],
    upstreams: dict[str, Upstream],
) -> Iterator[Finding]:
    for pp in conf.proxies:
        if "$" in pp.target:
            continue  # resolved at request time
        try:
            parts = urlsplit(pp.target)
        except ValueError:
            continue
        if parts.scheme not in ("http", "https"):
            continue
        default = 443 if parts.scheme == "https" else 80
        netloc = parts.netloc
        uri = parts.path or None
        targets: list[tuple[str, int | None, Location]] = []
        if netloc in upstreams:
            for server, loc in upstreams[netloc].servers:
                h, p = split_hostport(server, 80)
                targets.append((h, p, loc))
        else:
            h, p = split_hostport(netloc, default)
            targets.append((h, p, pp.location))
        for host, port, loc in targets:
            if _external(host) or "$" in host:
                continue  # `server ${API_HOST}:8080` in a template the nginx image renders with envsubst
            svc = hosts.get(host)
            if svc is None:
                known = ", ".join(f"`{n}`" for n in sorted(compose.services))
                yield RULE.finding(
                    f"nginx proxies to `{host}`, which is no service of this compose project (services: {known}); "
                    "nginx fails to start with `host not found in upstream`",
                    loc,
                    key=f"host:{host}",
                    related=(Related(proxy_svc.location, f"mounted into `{proxy_svc.name}`"),),
                )
                continue
            code = service_code(project, svc)
            if code is None:
                continue
            env = container_env(project, svc, code.build)
            listens = effective_listens(code.listens, env)
            if port is not None and listens and env.complete and all(lst.port is not None for lst in listens):
                ports = sorted({lst.port for lst in listens if lst.port is not None})
                if port not in ports:
                    yield RULE.finding(
                        f"nginx proxies to `{host}:{port}`, but the app of service `{svc.name}` listens on "
                        f"{', '.join(map(str, ports))}",
                        loc,
                        key=f"port:{host}:{port}",
                        related=(Related(listens[0].addr.location, "the app binds here"),),
                    )
                    continue
            forwarded = uri if uri is not None else pp.location_prefix
            if pp.rewritten:
                continue  # `rewrite ^/api/(.*) /$1 break;` first: nginx forwards the rewritten URI, not the prefix
            if forwarded is None or forwarded.strip("/") == "" or not code.routes_resolved or not code.routes:
                continue
            probe = forwarded
            if any(r.path.startswith(probe.rstrip("/")) or route_matches(r, probe) for r in code.routes):
                continue
            yield RULE.finding(
                f"nginx forwards paths under `{forwarded}` to service `{svc.name}`, but no route of its app starts "
                f"with it (routes: {', '.join(sorted({r.path for r in code.routes})[:8])})",
                pp.location,
                key=f"path:{host}:{forwarded}",
                related=(Related(svc.location, f"service `{svc.name}`"),),
            )


RULE = register(
    Rule(
        id="VW307",
        name="proxy-upstream-unknown",
        level=Level.ERROR,
        summary="An nginx config mounted into a service proxies to an unknown host, a port the app does not "
        "listen on, or a path no route starts with.",
        docs=RuleDocs(
            what="nginx configs bind-mounted into a compose service that nginx loads (a mounted file; the top-level "
            "`*.conf` of a mounted folder such as `conf.d/`; for a folder mounted over all of `/etc/nginx`, its "
            "`nginx.conf` and the files its `include` directives name, not a subfolder nothing includes) are parsed "
            "with crossplane. Each `proxy_pass` "
            "(and each `server` of the `upstream` it names) must target a service of the project (its name, "
            "`container_name`, `hostname` or a network alias), on a port that service's app listens on, and the "
            "forwarded path prefix must start some route of that app. External hosts (names with dots, IPs), "
            "`proxy_pass` and upstream `server` hosts with variables (a template the nginx image renders with "
            "`envsubst`) and upstreams whose code cannot be resolved are not checked, nor the path of a location that "
            "`rewrite`s the URI before it proxies (`rewrite ^/api/(.*) /$1 break;`).",
            why="A misspelt upstream host stops nginx at start (`host not found in upstream`), so the whole site is "
            "down; a wrong port or path gives 502/404 for every request while the backend is healthy.",
            example="upstream api { server backend:8080; }   # the backend listens on 8081",
            fix="Use the compose service name and the port the app binds, and a location prefix its routes use.",
        ),
        check=check,
        tags=("runtime", "nginx", "compose"),
    )
)
