"""VW302 healthcheck-route-unknown."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from viworks_lint.code import service_code
from viworks_lint.findings import Finding, Level, Related
from viworks_lint.fixes import Applicability, Fix, ReplaceText, unsafe_fix
from viworks_lint.probes import Probe, closest_route, route_matches, service_probes
from viworks_lint.project import Project
from viworks_lint.rule import Rule, RuleDocs, register
from viworks_lint.rust.facts import Route


def check(project: Project) -> Iterator[Finding]:
    for _compose, svc in project.services():
        probes = service_probes(project, svc)
        if not probes:
            continue
        code = service_code(project, svc)
        if code is None or not code.routes_resolved or not code.routes:
            continue  # no code, or routing we cannot resolve: no claim
        for probe in probes:
            if any(route_matches(r, probe.path) for r in code.routes):
                continue
            best = closest_route(code.routes, probe.path)
            served = sorted({r.path for r in code.routes})
            listing = ", ".join(f"`{p}`" for p in served[:8]) + (", …" if len(served) > 8 else "")
            hint = f"; did you mean `{best.path}`?" if best is not None else ""
            related: tuple[Related, ...] = (Related(svc.location, f"service `{svc.name}`"),)
            if best is not None:
                related += (Related(best.location, f"route `{best.path}` is defined here"),)
            yield RULE.finding(
                f"healthcheck of service `{svc.name}` requests `{probe.path}`, which no route of its app "
                f"serves (routes: {listing}){hint}",
                probe.location,
                key=f"{svc.name}:{probe.path}",
                related=related,
                fix=_fix(probe, best),
            )


def _fix(probe: Probe, route: Route | None) -> Fix | None:
    """Point the probe at the suggested route, when it is one plain path that answers GET."""
    if route is None or route.is_prefix or not re.fullmatch(r"/[A-Za-z0-9/_.~-]*", route.path):
        return None
    if route.methods and "GET" not in route.methods:
        return None
    netloc = urlsplit(probe.url).netloc
    return unsafe_fix(
        f"request `{route.path}` instead of `{probe.path}`",
        ReplaceText(
            probe.location.path,
            probe.location.line,
            probe.location.col,
            netloc + probe.path,
            netloc + route.path,
            whole=True,
        ),
    )


RULE = register(
    Rule(
        id="VW302",
        name="healthcheck-route-unknown",
        level=Level.ERROR,
        summary="The HTTP path a healthcheck requests is not a route of the app the service runs.",
        docs=RuleDocs(
            what="The URL in a compose healthcheck test (or, when compose sets none, the image's `HEALTHCHECK`) is "
            "compared with the routes of the Rust app the service builds: actix-web `#[get]`/`route`/"
            "`resource`/`scope`/`configure`, axum `route`/`nest`/`merge`, across functions and modules, "
            "with every prefix applied and path parameters matched as patterns. The closest route is "
            "suggested only when it is plainly what was meant (the path under a prefix, a close spelling, the "
            "app's own health endpoint for a health probe), never merely the least unlike. "
            "Stays silent for: probes that are no request of a known HTTP client (curl, wget, busybox wget, "
            "httpie, xh): a probe by the app's own binary (`app healthcheck http://localhost:8080`) checks what "
            "it knows to check; services whose code is not in the repository; routing that is not fully "
            "resolved (a router passed in from elsewhere or `merge`d from a function it cannot follow, router "
            "wrappers such as aide's `ApiRouter` or utoipa-axum's `OpenApiRouter`, router methods it does not "
            "know, macros).",
            why="The app answers 404, `curl -f` fails, the container is marked unhealthy and restarted, and "
            "everything that `depends_on` it with `service_healthy` never starts, while the app itself is fine.",
            example='healthcheck:\n  test: ["CMD", "curl", "-f", "http://localhost:8081/health"]\n'
            '# the app: web::scope("/api").service(health)  with  #[get("/health")]',
            fix="Point the healthcheck at a route the app serves (the message names the closest one: "
            "`/api/health` in the example above), or add the route.",
            fix_safety="Unsafe. The fix replaces the path in the healthcheck URL with the route the message "
            "suggests (only a plain path that answers GET; a URL whose host or port is written with a variable is "
            "left alone). The closest route by name need not be the one meant as a health endpoint: it may do "
            "work, need authentication or check less than the missing one did, so review the choice.",
        ),
        check=check,
        tags=("health", "compose", "rust"),
        fixable=(Applicability.UNSAFE,),
    )
)
