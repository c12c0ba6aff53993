"""Which host names a container of a compose project can resolve: a project's name table.

Docker's embedded DNS answers, on the project's networks, every service name, ``container_name``,
``hostname`` and network ``aliases``; ``links: [svc:alias]`` adds an alias and ``extra_hosts`` writes
``/etc/hosts`` entries of the one container. A name no compose file of the repository knows is unknown;
names known only by other compose files of the repository (combined with ``-f``) and services attached
to an ``external`` network (other projects answer there) make no claim."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from viworks_lint.parsers.compose import ComposeProject, Service
from viworks_lint.parsers.yamlnode import YNode
from viworks_lint.project import Project

LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost", "ip6-loopback", "localhost.localdomain"})
DOCKER_HOST_NAMES = frozenset({"host.docker.internal", "gateway.docker.internal", "host-gateway"})


class Reach(Enum):
    SERVICE = "service"  # a service of the project answers
    LOOPBACK = "loopback"  # the container itself
    UNKNOWN = "unknown"  # a single-label name nothing of the project (or repository) defines
    OTHER = "other"  # anything we make no claim about: FQDN, IP, host gateway, external networks, …


@dataclass(frozen=True)
class Resolution:
    reach: Reach
    service: Service | None = None  # for SERVICE: the service that answers (None when only extra_hosts)
    how: str = ""  # "service name", "container_name", "network alias", …


@dataclass
class NameTable:
    compose: ComposeProject
    names: dict[str, tuple[Service, str]] = field(default_factory=dict)
    elsewhere: frozenset[str] = frozenset()  # names other compose files of the repository define

    def is_loopback(self, host: str) -> bool:
        h = host.strip("[]").lower()
        if h in LOOPBACK_NAMES:
            return True
        try:
            return ipaddress.ip_address(h).is_loopback
        except ValueError:
            return False

    def resolve(self, service: Service, host: str) -> Resolution:
        """What ``host`` means inside a container of ``service``."""
        h = host.strip().strip("[]").rstrip(".").lower()
        if not h or "$" in h or "{" in h:
            return Resolution(Reach.OTHER)
        if self.is_loopback(h):
            return Resolution(Reach.LOOPBACK)
        if h in DOCKER_HOST_NAMES:
            return Resolution(Reach.OTHER)
        try:
            ipaddress.ip_address(h)
            return Resolution(Reach.OTHER)
        except ValueError:
            pass
        hit = self.names.get(h)
        if hit is not None:
            return Resolution(Reach.SERVICE, hit[0], hit[1])
        if h in extra_hosts(service):
            return Resolution(Reach.SERVICE, None, "extra_hosts")
        if "." in h or h in self.elsewhere or on_external_network(self.compose, service):
            return Resolution(Reach.OTHER)
        if not _valid_label(h):
            return Resolution(Reach.OTHER)
        return Resolution(Reach.UNKNOWN)

    def service_of(self, host: str) -> Service | None:
        hit = self.names.get(host.strip().strip("[]").rstrip(".").lower())
        return hit[0] if hit is not None else None


def _valid_label(h: str) -> bool:
    return all(c.isascii() and (c.isalnum() or c in "-_") for c in h) and not h.startswith("-")


def _text(node: YNode | None) -> str | None:
    return node.text() if node is not None else None


def _service_names(compose: ComposeProject) -> dict[str, tuple[Service, str]]:
    names: dict[str, tuple[Service, str]] = {}
    for svc in compose.services.values():
        names.setdefault(svc.name.lower(), (svc, "service name"))
    for svc in compose.services.values():
        node = svc.node
        for key in ("container_name", "hostname"):
            value = _text(node.get(key))
            if value:
                names.setdefault(value.lower(), (svc, key))
                if key == "hostname" and "." in value:
                    names.setdefault(value.split(".")[0].lower(), (svc, key))
        nets = node.get("networks")
        if nets is not None and nets.is_map:
            for _net, spec in nets.items():
                aliases = spec.get("aliases") if spec.is_map else None
                for alias in aliases.elements() if aliases is not None else []:
                    if alias.text():
                        names.setdefault((alias.text() or "").lower(), (svc, "network alias"))
        links = node.get("links")
        for el in links.elements() if links is not None else []:
            target, _, link_alias = (el.text() or "").partition(":")
            linked = compose.services.get(target)
            if linked is not None and link_alias:
                names.setdefault(link_alias.lower(), (linked, "links alias"))
    return names


def extra_hosts(service: Service) -> set[str]:
    node = service.node.get("extra_hosts")
    out: set[str] = set()
    if node is None:
        return out
    if node.is_map:
        return {k.lower() for k in node.value}
    for el in node.elements():
        entry = el.text() or ""
        sep = "=" if "=" in entry else ":"
        out.add(entry.split(sep, 1)[0].strip().lower())
    return out


def on_external_network(compose: ComposeProject, service: Service) -> bool:
    """The service joins a network another project created (`external`): one it lists, or the `default` network
    a service without `networks:` is on, when the file declares that one external."""
    nets = [r.name for r in service.networks] or ["default"]
    return any(compose.networks.get(n) is not None and compose.networks[n].external for n in nets)


def _names_in_file(path: Path) -> set[str]:
    """Service, container and alias names a compose file defines, read without interpolation."""
    from viworks_lint.parsers.common import ReadError, read_text
    from viworks_lint.parsers.yamlnode import load

    try:
        data = load(path, read_text(path))
    except (ReadError, RecursionError):
        return set()
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, dict):
        return set()
    out: set[str] = set()
    for name, svc in services.items():
        out.add(str(name).lower())
        if not isinstance(svc, dict):
            continue
        for key in ("container_name", "hostname"):
            if isinstance(svc.get(key), str):
                out.add(svc[key].lower())
        nets = svc.get("networks")
        if isinstance(nets, dict):
            for spec in nets.values():
                if isinstance(spec, dict) and isinstance(spec.get("aliases"), list):
                    out.update(str(a).lower() for a in spec["aliases"])
        links = svc.get("links")
        if isinstance(links, list):
            out.update(str(x).partition(":")[2].lower() for x in links if ":" in str(x))
    return out


def name_table(project: Project, compose: ComposeProject) -> NameTable:
    """The project's name table (cached per compose project)."""
    cache: dict[int, NameTable] = project.__dict__.setdefault("_name_tables", {})
    hit = cache.get(id(compose))
    if hit is not None:
        return hit
    elsewhere: set[str] = set()
    files = {f for group in project.discovered.compose_groups for f in group} | set(project.discovered.compose_variants)
    for other in project.composes:
        files |= set(other.files)
    for f in files - set(compose.files):
        elsewhere |= _names_in_file(f)
    table = NameTable(compose, _service_names(compose), frozenset(elsewhere))
    cache[id(compose)] = table
    return table


def compose_of(project: Project, service: Service) -> ComposeProject | None:
    for compose in project.composes:
        if any(s is service for s in compose.services.values()):
            return compose
    return None
