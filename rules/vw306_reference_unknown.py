"""VW306 reference-unknown."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from viworks_lint.findings import Finding, Level, Related
from viworks_lint.location import Location
from viworks_lint.parsers.common import ReadError, read_text
from viworks_lint.parsers.compose import ComposeProject, Service
from viworks_lint.parsers.yamlnode import load
from viworks_lint.project import Project
from viworks_lint.rule import Rule, RuleDocs, register

_KINDS = ("services", "volumes", "networks", "secrets", "configs")
_BUILTIN_NETWORK_MODES = {"host", "none", "bridge", "default"}


@dataclass
class _Known:
    names: dict[str, set[str]] = field(default_factory=lambda: {k: set() for k in _KINDS})
    opaque: bool = False  # an included file we could not read: no claims


def _included(compose: ComposeProject) -> _Known:
    """Names defined by files pulled in with top-level ``include:`` (compose merges them into the project)."""
    known = _Known()
    todo: list[Path] = list(compose.files)
    seen: set[Path] = set()
    first = True
    while todo and len(seen) < 50:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        try:
            data = load(path, read_text(path))
        except ReadError:
            known.opaque = known.opaque or not first
            continue
        if not isinstance(data, Mapping):
            continue
        if path not in compose.files:
            for kind in _KINDS:
                sec = data.get(kind)
                if isinstance(sec, Mapping):
                    known.names[kind].update(str(k) for k in sec)
        inc = data.get("include")
        entries = inc if isinstance(inc, list) else []
        for entry in entries:
            paths: list[object] = []
            if isinstance(entry, str):
                paths = [entry]
            elif isinstance(entry, Mapping):
                p = entry.get("path")
                paths = list(p) if isinstance(p, list) else [p]
            for p in paths:
                if not isinstance(p, str) or "$" in p or "://" in p:
                    known.opaque = True
                    continue
                target = path.parent / p
                if target.is_file():
                    todo.append(target)
                else:
                    known.opaque = True
        first = False
    return known


class _Lazy:
    """Reads included files only when a reference is not found in the project itself."""

    def __init__(self, compose: ComposeProject) -> None:
        self.compose = compose
        self.known: _Known | None = None

    def __call__(self) -> _Known:
        if self.known is None:
            self.known = _included(self.compose)
        return self.known


def _suggest(name: str, candidates: set[str]) -> str:
    close = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""


def _service_refs(svc: Service) -> Iterator[tuple[str, str, Location]]:
    """(what, service name, location) of every reference to another service."""
    for ref in svc.depends_on:
        if ref.required:
            yield "depends_on", ref.name, ref.location
    for ref in svc.links:
        yield "links", ref.name, ref.location
    if svc.extends is not None and svc.extends.required and svc.extends.name:
        yield "extends", svc.extends.name, svc.extends.location
    if svc.network_mode and svc.network_mode.startswith("service:") and svc.network_mode_location is not None:
        yield "network_mode", svc.network_mode[len("service:") :], svc.network_mode_location
    for key in ("ipc", "pid"):
        node = svc.node.get(key)
        text = node.text() if node is not None else None
        if text and text.startswith("service:"):
            yield key, text[len("service:") :], node.loc if node is not None else svc.location
    vf = svc.node.get("volumes_from")
    if vf is not None:
        for el in vf.elements():
            text = el.text() or ""
            if text and not text.startswith("container:"):
                yield "volumes_from", text.split(":")[0], el.loc


def _same_project(project: Project, compose: ComposeProject, service: str) -> Path | None:
    """Another compose file in the same folder whose top-level `name:` is this one's and that defines
    ``service``: parts of one project that are combined with `-f` (a storage file and a services file)."""
    if compose.name is None:
        return None
    for other in project.composes:
        if other is compose or other.name != compose.name or other.project_dir != compose.project_dir:
            continue
        if service in other.services and not set(other.files) & set(compose.files):
            return other.files[0]
    return None


def check(project: Project) -> Iterator[Finding]:
    for compose in project.composes:
        extra = _Lazy(compose)
        services = set(compose.services)
        for svc in compose.services.values():
            for what, name, loc in _service_refs(svc):
                if name in services:
                    continue
                inc = extra()
                if name in inc.names["services"] or inc.opaque:
                    continue
                partner = _same_project(project, compose, name)
                if partner is not None:
                    yield RULE.finding(
                        f"`{what}` of service `{svc.name}` names service `{name}`, which this file does not define; "
                        f"`{project.rel(partner)}`, which carries the same project name `{compose.name}`, does: the "
                        f"two are run together (`docker compose -f {partner.name} -f {compose.files[-1].name}`), and "
                        "alone this file is refused",
                        loc,
                        key=f"{svc.name}:{what}:{name}",
                        level=Level.NOTE,
                    )
                    continue
                yield RULE.finding(
                    f"`{what}` of service `{svc.name}` names service `{name}`, which this compose project does not "
                    f"define{_suggest(name, services)}: compose refuses to start",
                    loc,
                    key=f"{svc.name}:{what}:{name}",
                )
        # one undeclared volume, network, secret or config is one finding, at its first use
        uses: dict[str, list[Finding]] = {}
        for svc in compose.services.values():
            for f in _resources(compose, svc, extra):
                uses.setdefault(f.key.split(":", 1)[1], []).append(f)
        for found in uses.values():
            first = found[0]
            others = tuple(
                Related(f.location, f"service `{f.key.split(':', 1)[0]}` uses it too") for f in found[1:]
            )
            names = ", ".join(f"`{f.key.split(':', 1)[0]}`" for f in found[1:])
            yield (
                replace(first, message=f"{first.message} (services {names} use it too)", related=first.related + others)
                if others
                else first
            )


def _resources(compose: ComposeProject, svc: Service, extra: Callable[[], _Known]) -> Iterator[Finding]:
    checks: list[tuple[str, str, str, Location, Mapping[str, object]]] = []
    for m in svc.volumes:
        if m.type == "volume" and m.source and not m.templated:  # `${DATA_DIR}` from a template: a path there
            checks.append(("volume", "volumes", m.source, m.location, compose.volumes))
    for ref in svc.networks:
        if ref.name != "default":
            checks.append(("network", "networks", ref.name, ref.location, compose.networks))
    for ref in svc.secrets:
        checks.append(("secret", "secrets", ref.name, ref.location, compose.secrets))
    for ref in svc.configs:
        checks.append(("config", "configs", ref.name, ref.location, compose.configs))
    for what, section, name, loc, declared in checks:
        if not name or name in declared or "$" in name:
            continue
        inc = extra()
        if name in inc.names[section] or inc.opaque:
            continue
        related: tuple[Related, ...] = ()
        if not declared:
            related = (Related(svc.location, f"service `{svc.name}`"),)
        yield RULE.finding(
            f"service `{svc.name}` uses {what} `{name}`, but the top-level `{section}:` does not declare it"
            f"{_suggest(name, set(declared))}: compose refuses to start; declare it (with `external: true` if it "
            "is created outside this project)",
            loc,
            key=f"{svc.name}:{section}:{name}",
            related=related,
        )


RULE = register(
    Rule(
        id="VW306",
        name="reference-unknown",
        level=Level.ERROR,
        summary="A service references a service, volume, network, secret or config the project does not define.",
        docs=RuleDocs(
            what="In the merged compose project (base file, overrides and `-f` files together, plus files pulled in "
            "with `include:`): `depends_on`, `links`, `extends` (same-file form without `file:`), `volumes_from` and "
            "`network_mode`/`ipc`/`pid: service:X` must name a defined service; named volumes (short `name:/path` and "
            "long `type: volume`), `networks`, `secrets` and `configs` a service uses must be declared at the top "
            "level. `external` resources are declared too; `network_mode: host|none|bridge|container:…`, the "
            "`default` network and `depends_on` entries with `required: false` are never reported, nor is a volume "
            "source written with a variable or a template engine's placeholder (`${DATA_DIR}:/data`, `{{ "
            "config.data_dir }}:/data`: its value, often a host path from a template, decides what it is). One "
            "undeclared volume, network, secret or config is one finding, at its first use, with the other services "
            "that use it as related locations. A service another compose file of the same folder defines, when both "
            "carry the same top-level `name:` (one project split into a storage file and a services file that are run "
            "together with `-f`), is only a note.",
            why='Compose validates references before creating anything: `service "backend" depends on undefined '
            'service "postgress"` or `service "db" refers to undefined volume pgdata` stops the whole deploy.',
            example="services:\n  backend:\n    depends_on: [postgress]\n    volumes:\n      - uploads:/data\n"
            "# no top-level volumes: uploads",
            fix="Fix the name, or declare the resource at the top level (`volumes: {uploads: {}}`, "
            "`external: true` when it is created outside the project).",
        ),
        check=check,
        tags=("compose",),
    )
)
