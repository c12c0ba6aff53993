"""What surrounds a compose file says it is not what ships: a production stack elsewhere that runs the same
service (the default file is then the local stack), or databases that keep their data in `tmpfs` (a throw-away
stack for tests or a reproduction), unless a deploy-named target or document section runs it."""

from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING

from viworks_lint.discover import COMPOSE_BASES
from viworks_lint.scope import DEPLOY_WORDS, Scope, scope_from_name

if TYPE_CHECKING:
    from pathlib import Path

    from viworks_lint.parsers.compose import ComposeProject
    from viworks_lint.project import Project


def beside_production(project: Project, compose: ComposeProject) -> tuple[Scope, str] | None:
    """The default compose file of a folder whose production stack is another file there, run on its own
    (`docker-compose.production.yml` with the same services, not an overlay of this one): the default one is
    the local stack."""
    from viworks_lint.project import norm_path

    if len(compose.files) != 1 or compose.files[0].name not in COMPOSE_BASES:
        return None
    here = norm_path(compose.files[0]).parent
    built = {name for name, svc in compose.services.items() if svc.build is not None}
    for other in project.composes:
        if len(other.files) != 1 or other is compose:
            continue
        path = norm_path(other.files[0])
        rel = project.rel(path)
        named = scope_from_name(rel)
        if path.parent == here and named is not None and named[0] is Scope.DEPLOY:
            if set(other.services) & set(compose.services):
                return Scope.DEV, f"`{path.name}` beside it is the production stack, run on its own"
        elif path.parent != here and _PRODUCTION_FOLDER & set(rel.split("/")[:-1]) and _runs_images(other, built):
            # `infra/production/api.compose.yml` runs, from an image, a service this file builds: this one is the
            # local stack (a partial override in such a folder says nothing)
            return Scope.DEV, f"`{rel}` is the production stack of service `{sorted(set(other.services) & built)[0]}`"
    return None


_PRODUCTION_FOLDER = frozenset({"production", "prod"})


def _runs_images(other: ComposeProject, built: set[str]) -> bool:
    """``other`` is a stack of its own (every service has an image or a build) that runs one of ``built`` from an
    image rather than building it."""
    if not other.services or any(s.image is None and s.build is None for s in other.services.values()):
        return False
    shared = [other.services[n] for n in built & set(other.services)]
    return any(s.image is not None and s.build is None for s in shared)


def run_to_deploy(project: Project, path: Path) -> bool:
    """A wrapper target or a documentation section named for deployment or production runs the compose file
    (`## Docker Deployment` above `docker compose up -d` in the README)."""
    from viworks_lint.composefiles import default_compose
    from viworks_lint.project import norm_path

    key = norm_path(path)
    for inv in project.wrappers.invocations:
        named = bool(DEPLOY_WORDS & set(re.split(r"[^a-z0-9]+", inv.label.lower())))
        if named and key in {norm_path(f) for f in inv.files or default_compose(project, inv.cwd)}:
            return True
    return False


def throwaway_datastore(project: Project, compose: ComposeProject) -> tuple[Scope, str] | None:
    """A compose file whose databases (those a plain `up` starts) all keep their data in memory (`tmpfs:
    /var/lib/postgresql/data`): every `down` loses it, so the stack is a throw-away one for tests or a
    reproduction, not a deployment."""
    from viworks_lint.connections import service_family

    found: str | None = None
    for svc in compose.services.values():
        fam = service_family(project, svc)
        if fam is None or not fam.data_dirs or svc.profiles:
            continue
        node = svc.node.get("tmpfs")
        written = [node.raw or ""] if node is not None and not node.is_list else []
        written += [(el.raw or "") for el in (node.elements() if node is not None and node.is_list else ())]
        paths = [w.split(":", 1)[0].rstrip("/") for w in written]
        paths += [m.target.rstrip("/") for m in svc.volumes if m.type == "tmpfs" and m.target]
        hit = next((p for p in paths if p in fam.data_dirs), None)
        if hit is None:
            return None  # a database that keeps its data: the stack may well be deployed
        found = found or f"service `{svc.name}` keeps its {fam.label} data in `tmpfs` ({hit}): a throw-away stack"
    return (Scope.TEST, found) if found is not None else None


def watched_stack(compose: ComposeProject) -> tuple[Scope, str] | None:
    """A compose file whose every service built here runs under compose watch (`develop: watch`, rebuilt on each
    save) and sits behind a profile (`profiles: [local]`): a plain `up` starts only the datastores, for an app run
    on the host, and `--profile local watch` is the editing loop. A file a plain `up` runs the app of may ship."""
    built = [svc for svc in compose.services.values() if svc.build is not None]
    if not built or not all(svc.profiles for svc in built):
        return None
    for svc in built:
        develop = svc.node.get("develop")
        watch = develop.get("watch") if develop is not None and develop.is_map else None
        if watch is None or not watch.is_list or not any(True for _ in watch.elements()):
            return None
    profiles = sorted({p for svc in built for p in svc.profiles})
    names = ", ".join(f"`{p}`" for p in profiles)
    return Scope.DEV, f"every service it builds runs under compose watch (`develop: watch`) behind profile {names}"


_COPY_TO_HOST = re.compile(r"\b(?:scp|rsync)\b([^\n]*)")
_COMPOSE_UP = re.compile(r"\bdocker[ -]compose\b[^\n]*\bup\b")


def left_out_of_deploy(project: Project, compose: ComposeProject, path: Path) -> tuple[Scope, str] | None:
    """The override file of the default compose project (`compose.override.yml`) that the deploy step leaves
    behind: a CI workflow or script copies the base file to a server (`scp compose.yml nginx.conf root@host:~`)
    without it and runs `docker compose up` there, so the server reads the base file alone and the override is
    what a developer's plain `up` adds."""
    from viworks_lint.discover import COMPOSE_OVERRIDES
    from viworks_lint.hostbuild import wrappers

    if path.name not in COMPOSE_OVERRIDES:
        return None
    bases = {f.name for f in compose.files if f.name not in COMPOSE_OVERRIDES and f.parent == path.parent}
    if not bases:
        return None
    for w in wrappers(project):
        if _COMPOSE_UP.search(w.text) is None:
            continue
        for m in _COPY_TO_HOST.finditer(w.text):
            words = [x.strip("\"'") for x in m.group(1).split()]
            if not any(":" in x and not x.startswith("-") for x in words):
                continue  # no `host:path` destination: a local copy
            copied = {posixpath.basename(x) for x in words if not x.startswith("-") and ":" not in x}
            if copied & bases and path.name not in copied:
                line = w.line_of(m.start())
                return Scope.DEV, (
                    f"the deploy step copies {', '.join(sorted(copied & bases))} to the server without it "
                    f"({project.rel(w.path)}:{line})"
                )
    return None
