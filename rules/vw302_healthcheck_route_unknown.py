"""VW302 healthcheck-route-unknown."""

from __future__ import annotations

from collections.abc import Iterator

from viworks_lint.code import service_code
from viworks_lint.findings import Finding, Level, Related
from viworks_lint.project import Project
from viworks_lint.rule import Rule, RuleDocs, register
from viworks_lint.runtime import closest_route, route_matches, service_probes


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
            fix="Point the healthcheck at a route the app serves (`/api/health` here), or add the route.",
        ),
        check=check,
        tags=("health", "compose", "rust"),
    )
)
