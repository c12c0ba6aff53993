"""The datastores and brokers a service's container connects to: connection URLs and ``*_HOST``
variables in the environment it really gets (compose ``environment`` over ``env_file`` over the image's
``ENV``), or the code's default when nothing sets the variable. Values are kept as compose resolves
them and as written, so that an unresolved ``${VAR}`` is never mistaken for a value."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

from viworks_lint.code import service_code
from viworks_lint.datastores import (
    Family,
    all_schemes,
    browser_facing,
    families_of_scheme,
    family_of_image,
    host_variable,
)
from viworks_lint.dockerutil import target_stage, text_location
from viworks_lint.location import Location, line_span
from viworks_lint.parsers.compose import ComposeProject, Service
from viworks_lint.parsers.interpolation import Interpolator
from viworks_lint.project import Project
from viworks_lint.runtime import container_env
from viworks_lint.stagecontents import build_contents

WEB_SCHEMES = frozenset({"http", "https"})


@dataclass(frozen=True)
class EnvValue:
    """One variable as the container gets it."""

    name: str
    value: str | None  # None: passed through from the host shell (value unknown)
    raw: str | None  # as written, before compose interpolation
    known: bool  # the value holds no variable we could not resolve
    location: Location
    origin: str  # "environment" | "env_file" | "image" | "code"


def _file_env(project: Project, compose: ComposeProject | None) -> dict[str, str]:
    """Variables compose interpolates from (.env and --env-file files; not names config says the deploy
    environment provides: their values are unknown)."""
    env: dict[str, str] = {}
    for src in compose.env_sources if compose is not None else ():
        ef = project.env_file(src)
        if ef is not None:
            env.update(ef.as_dict())
    return env


def interpolation_known(raw: str, env: Mapping[str, str]) -> bool:
    """Whether compose resolves every ``${VAR}`` in ``raw`` from ``env`` (or its default)."""
    if "$" not in raw:
        return True
    interp = Interpolator(env)
    interp(raw, Location(Path("-")))
    return all(ref.resolved or ref.has_default for ref in interp.refs)


def service_env(project: Project, compose: ComposeProject | None, service: Service) -> dict[str, EnvValue]:
    """The container's variables with where each is set (later layers win, as compose applies them)."""
    out: dict[str, EnvValue] = {}
    build = project.build_of_service(service)
    if build is not None and build.dockerfile is not None:
        stage = target_stage(build.dockerfile, build.target)
        if stage is not None:
            for name, (value, instr) in stage.state.env.items():
                loc = text_location(build.dockerfile, instr, name)
                out[name] = EnvValue(name, value, value, "$" not in value, loc, "image")
    for ref in service.env_files:
        ef = project.env_file(ref.path) if ref.path.is_file() else None
        for entry in ef.entries if ef is not None else ():
            v = entry.value
            out[entry.name] = EnvValue(entry.name, v, v, v is not None and "$" not in v, entry.location, "env_file")
    env = _file_env(project, compose)
    for var in service.environment:
        raw = var.raw if var.raw is not None else var.value
        known = var.value is not None and (raw is None or interpolation_known(raw, env))
        out[var.name] = EnvValue(var.name, var.value, raw, known, var.location, "environment")
    return out


def _code_defaults(project: Project, service: Service, env: Mapping[str, EnvValue]) -> list[EnvValue]:
    """Variables the code reads with a literal default that nothing sets for the container."""
    code = service_code(project, service)
    if code is None:
        return []
    given = container_env(project, service, code.build)  # dotenv files put into the container included
    if not given.complete:
        return []  # an env_file we cannot read may set anything
    out: list[EnvValue] = []
    seen: set[str] = set()
    own = {m.dir for m in code.packages}
    for read in code.env_reads:
        if read.kind != "runtime" or read.default is None or given.has(read.name) or read.name in seen:
            continue
        if any(given.has(first) for first in read.unless):
            continue  # the fallback of a variable the container gets: never read
        if _package_dir(project, read.location.path) not in own:
            continue  # a library's read: which binaries reach it is not known
        seen.add(read.name)
        out.append(EnvValue(read.name, read.default, read.default, True, read.location, "code"))
    return out


def _package_dir(project: Project, path: Path) -> Path | None:
    """The directory of the package whose sources hold ``path`` (the nearest Cargo.toml above it)."""
    for parent in path.parents:
        if parent / "Cargo.toml" in project.manifests:
            return parent
        if parent == project.root:
            break
    return None


# ------------------------------------------------------------------------------------------ endpoints


@dataclass(frozen=True)
class Endpoint:
    """A host a service connects to, from one variable."""

    service: Service
    env: EnvValue
    scheme: str | None  # None for a ``*_HOST`` variable
    host: str
    families: tuple[Family, ...]
    url: SplitResult | None = None  # the parsed URL, as the container gets it
    raw_url: SplitResult | None = None  # the URL as written (same ``${VAR}`` on both sides is equal)

    @property
    def variable(self) -> str:
        return self.env.name

    @property
    def web(self) -> bool:
        return self.scheme in WEB_SCHEMES

    def host_location(self) -> Location:
        """The host inside the value when it is written there, else the variable."""
        loc = self.env.location
        if self.env.origin in ("environment", "env_file") and self.host:
            return line_span(loc, self.host)
        return loc


def _split(text: str) -> SplitResult | None:
    try:
        parts = urlsplit(text.strip())
        _ = parts.port  # raises on a port that is no number
    except ValueError:
        return None
    return parts


def _hosts(parts: SplitResult) -> list[str]:
    """Hosts of a URL; several for ``mongodb://a,b/`` and sentinel lists."""
    netloc = parts.netloc.rpartition("@")[2]
    out: list[str] = []
    for item in netloc.split(","):
        item = item.strip()
        if item.startswith("["):
            out.append(item[1:].partition("]")[0])
        else:
            out.append(item.partition(":")[0])
    return [h for h in out if h]


def endpoints_of(service: Service, value: EnvValue) -> list[Endpoint]:
    if value.value is None or not value.known or browser_facing(value.name):
        return []
    text = value.value.strip()
    if "://" in text:
        scheme = text.partition("://")[0].lower()
        if scheme not in all_schemes() and scheme not in WEB_SCHEMES:
            return []
        parts = _split(text)
        if parts is None:
            return []
        raw_parts = _split(value.raw) if value.raw is not None and "://" in value.raw else None
        fams = families_of_scheme(scheme)
        return [Endpoint(service, value, scheme, h, fams, parts, raw_parts) for h in _hosts(parts)]
    fams_v = host_variable(value.name)
    if fams_v is None or not text or any(c in text for c in " /@="):
        return []
    out: list[Endpoint] = []
    for item in text.split(","):
        item = item.strip()
        host = item[1:].partition("]")[0] if item.startswith("[") else item.rpartition(":")[0] or item
        if ":" in item and not item.startswith("[") and not item.rpartition(":")[2].isdecimal():
            continue  # not host:port
        if host and not host.isdecimal():  # `REDIS_ADDR=1`: a placeholder a config struct wants, no host
            out.append(Endpoint(service, value, None, host, fams_v))
    return out


def service_endpoints(project: Project, compose: ComposeProject | None, service: Service) -> list[Endpoint]:
    """Every datastore, broker or web endpoint the container of ``service`` connects to (cached)."""
    cache: dict[int, list[Endpoint]] = project.__dict__.setdefault("_endpoints", {})
    hit = cache.get(id(service))
    if hit is not None:
        return hit
    env = service_env(project, compose, service)
    values: Iterable[EnvValue] = [*env.values(), *_code_defaults(project, service, env)]
    if service.build is None:
        # an image we do not build reads only what its docs say: an `env_file` shared with other
        # services (or with a host-run app) says nothing about what it uses
        values = [v for v in values if v.origin == "environment"]
    out = [ep for v in values for ep in endpoints_of(service, v)]
    cache[id(service)] = out
    return out


def url_part(parts: SplitResult | None, which: str) -> str | None:
    """``user``, ``password`` or ``database`` of a URL, percent-decoded; None when absent."""
    if parts is None:
        return None
    try:
        if which == "user":
            return unquote(parts.username) if parts.username else None
        if which == "password":
            return unquote(parts.password) if parts.password is not None else None
    except ValueError:
        return None
    path = parts.path.lstrip("/")
    return unquote(path) if path else None


def url_query(parts: SplitResult) -> dict[str, list[str]]:
    return parse_qs(parts.query)


def service_family(project: Project, svc: Service) -> Family | None:
    """The datastore a service runs, by its image or the base image of the stage it is built to."""
    build = project.build_of_service(svc)
    if build is not None and build.dockerfile is not None:
        contents = build_contents(project, build)
        return family_of_image(contents.base) if contents is not None else None
    return family_of_image(svc.image)
