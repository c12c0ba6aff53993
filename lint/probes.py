"""Healthcheck probes (the URLs a service's healthcheck requests from inside its container) and the routes
they are matched against."""

from __future__ import annotations

import difflib
import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from viworks_lint.dockerutil import target_stage
from viworks_lint.location import Location
from viworks_lint.parsers.compose import Service
from viworks_lint.parsers.dockerfile import Dockerfile, Instruction, token_location
from viworks_lint.parsers.dockersubst import expand
from viworks_lint.project import Project
from viworks_lint.runtime import LOCAL_HOSTS, container_env
from viworks_lint.rust.facts import Route

_HOSTPORT = re.compile(r"^(?P<host>localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::(?P<port>\d+))?(?P<path>/\S*)?$")


@dataclass(frozen=True)
class Probe:
    """An HTTP URL a healthcheck requests from inside the container."""

    url: str
    host: str
    port: int | None  # explicit or scheme default; None when a variable could not be resolved
    path: str
    location: Location
    source: str  # "compose" | "dockerfile"


def _words(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


# programs whose URL argument is the HTTP request they make (busybox's `wget` included)
HTTP_CLIENTS = frozenset({"curl", "wget", "httpie", "http", "https", "xh", "curlie", "hurl"})


def _urls(words: Iterable[str]) -> list[str]:
    """URL-like words of a healthcheck command that a known HTTP client requests (nested ``sh -c`` strings
    included)."""
    out: list[str] = []
    flat: list[str] = []
    for w in words:
        flat.extend(_words(w) if (" " in w or "\t" in w) else [w])
    if not any(w.rsplit("/", 1)[-1] in HTTP_CLIENTS for w in flat):
        return []  # the app's own binary (`app healthcheck http://…`) or a script: what it requests is its own
    for w in flat:
        low = w.lower()
        if low.startswith(("http://", "https://")):
            out.append(w)
        elif _HOSTPORT.match(w):
            out.append("http://" + w)
    return out


def _probe(
    url: str, env: Mapping[str, str | None], location: Location, source: str, service_names: set[str]
) -> Probe | None:
    resolved, missing = expand(url, {k: v for k, v in env.items() if v is not None})
    try:
        parts = urlsplit(resolved)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return None
    if host not in LOCAL_HOSTS and host not in service_names:
        return None  # probing another host: not this app
    if port is None and not missing:
        port = 443 if parts.scheme == "https" else 80
    if missing and ":" in url.split("//", 1)[-1].split("/", 1)[0]:
        port = None
    path = parts.path or "/"
    if any(m in url.split("//", 1)[-1].partition("/")[2] for m in missing):
        return None  # the path depends on an unknown variable
    return Probe(resolved, host, port, path, location, source)


def compose_probes(service: Service, env: Mapping[str, str | None]) -> list[Probe]:
    hc = service.healthcheck
    if hc is None or hc.disabled or not hc.test or hc.kind not in ("CMD", "CMD-SHELL"):
        return []
    names = {service.name}
    node = service.node.get("healthcheck")
    test = node.get("test") if node is not None else None
    elements = test.elements() if test is not None and test.is_list else ([test] if test is not None else [])
    out: list[Probe] = []
    texts = [el.text() or "" for el in elements]
    for url in _urls(texts):
        el = next(
            (e for e, t in zip(elements, texts, strict=True) if url in t or url.removeprefix("http://") in t),
            elements[-1],
        )
        p = _probe(url, env, el.loc, "compose", names)
        if p is not None:
            out.append(p)
    return out


def dockerfile_probes(
    df: Dockerfile, instr: Instruction, env: Mapping[str, str | None], service_names: set[str]
) -> list[Probe]:
    if not instr.args or instr.args[0].upper() != "CMD":
        return []
    out: list[Probe] = []
    joined = " ".join(instr.args)
    for url in _urls(instr.args[1:]):
        raw = url if url in joined else url.removeprefix("http://")
        p = _probe(url, env, token_location(df, instr, raw), "dockerfile", service_names)
        if p is not None:
            out.append(p)
    return out


def service_probes(project: Project, service: Service) -> list[Probe]:
    """The URLs the healthcheck that really runs for this service requests: the compose test, or when
    compose gives none, the image's HEALTHCHECK."""
    build = project.build_of_service(service)
    env = container_env(project, service, build).values
    hc = service.healthcheck
    if hc is not None and (hc.disabled or hc.test):
        return compose_probes(service, env)
    if build is None or build.dockerfile is None:
        return []
    stage = target_stage(build.dockerfile, build.target)
    instr = stage.state.healthcheck if stage is not None else None
    if instr is None:
        return []
    return dockerfile_probes(build.dockerfile, instr, env, {service.name})


# ------------------------------------------------------------------------------------------ routes


def _route_regex(path: str) -> re.Pattern[str]:
    out = ["^"]
    for seg in re.split(r"(\{[^}]*\}|:[A-Za-z_][A-Za-z0-9_]*|\*[A-Za-z_][A-Za-z0-9_]*)", path):
        if not seg:
            continue
        if seg.startswith("{") and seg.endswith("}"):
            inner = seg[1:-1]
            if inner.startswith("*") or inner.endswith(":.*") or ":.+" in inner or ":.*" in inner:
                out.append(".*")
            elif ":" in inner:
                out.append("[^/]+")
            else:
                out.append("[^/]+")
        elif seg.startswith(":"):
            out.append("[^/]+")
        elif seg.startswith("*"):
            out.append(".*")
        else:
            out.append(re.escape(seg))
    out.append("$")
    try:
        return re.compile("".join(out))
    except re.error:
        return re.compile(re.escape(path) + "$")


def route_matches(route: Route, path: str) -> bool:
    candidates = {path, path.rstrip("/") or "/", path if path.endswith("/") else path + "/"}
    if route.is_prefix:
        prefix = route.path.rstrip("/")
        return any(c == prefix or c.startswith(prefix + "/") or prefix == "" for c in candidates)
    rx = _route_regex(route.path)
    return any(rx.match(c) for c in candidates)


_HEALTHISH = re.compile(
    r"^_?(?:health|healthz|healthcheck|health-check|health_check|ping|status|ready|readyz|"
    r"readiness|live|livez|liveness|alive|heartbeat|up)$"
)


def closest_route(routes: Iterable[Route], path: str) -> Route | None:
    """A route that is plainly what the probe meant (`/api/health` for `/health`, `/healthz` for `/health`),
    or None: no suggestion is better than one that is merely the least unlike (`/items` for `/health`)."""
    routes = list(routes)
    if not routes or not path.strip("/"):
        return None
    # prefer a route that ends with the requested path (/health → /api/health)
    tail = [r for r in routes if r.path.rstrip("/").endswith(path.rstrip("/"))]
    if tail:
        return min(tail, key=lambda r: len(r.path))
    last = path.rstrip("/").rsplit("/", 1)[-1].lower()
    if _HEALTHISH.match(last):  # a health probe: the app's own health endpoint is what it meant
        health = [r for r in routes if _HEALTHISH.match(r.path.rstrip("/").rsplit("/", 1)[-1].lower())]
        if health:
            return min(health, key=lambda r: len(r.path))

    def score(r: Route) -> float:
        whole = difflib.SequenceMatcher(None, path, r.path).ratio()
        seg = difflib.SequenceMatcher(None, last, r.path.rstrip("/").rsplit("/", 1)[-1].lower()).ratio()
        return max(whole, seg)

    best = max(routes, key=score)
    return best if score(best) >= 0.75 else None
