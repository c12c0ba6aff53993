"""Services that are root on the host whatever their user: a bind mount of the Docker (or Podman) socket
lets the container start a privileged container of its own. Found for the compose services that build an
image and those that run the image it is published as (an `image:` whose name carries the program the
image starts: `ghcr.io/acme/shop-periphery` for an image that starts `periphery`)."""

from __future__ import annotations

import posixpath
import re

from viworks_lint.images import split_image
from viworks_lint.location import Location
from viworks_lint.parsers.compose import Mount, Service
from viworks_lint.project import Build, Project
from viworks_lint.variants import image_identity

_SOCKETS = ("/var/run/docker.sock", "/run/docker.sock", "/var/run/podman/podman.sock", "/run/podman/podman.sock")


def socket_mount(svc: Service) -> Mount | None:
    """The service's bind mount of the container engine's socket, if any."""
    for m in svc.volumes:
        if m.type == "bind" and m.source is not None and posixpath.normpath(m.source) in _SOCKETS:
            return m
    return None


def _image_words(image: str) -> set[str]:
    last = split_image(image)[0].rsplit("/", 1)[-1]
    return set(re.split(r"[-_.]+", last))


def published_services(project: Project, builds: list[Build]) -> list[Service]:
    """Image-only compose services whose image name carries the program the image starts."""
    ids = {image_identity(project, b) for b in builds}
    if not builds or None in ids or len(ids) != 1:
        return []
    ident = ids.pop()
    assert ident is not None
    programs = {n.lower() for n in ident[1:] if not n.endswith(".sh") and len(n) >= 4}
    if len(programs) != 1:
        return []
    program = programs.pop()
    built = {id(b.service) for b in project.builds if b.service is not None}
    # `svix/svix-server` is the image of the repository's `svix-server`, not of its `svix` command-line tool
    others = {n.lower() for m in project.manifests.values() for n in m.bin_names()} - {program}
    return [
        svc
        for compose in project.composes
        for svc in compose.services.values()
        if id(svc) not in built and svc.image and "$" not in svc.image.split("/")[-1].split(":")[0]
        and program in _image_words(svc.image) and _image_name(svc.image) not in others
    ]  # fmt: skip


def _image_name(image: str) -> str:
    return split_image(image)[0].rsplit("/", 1)[-1].lower()


def host_root(project: Project, builds: list[Build]) -> list[tuple[Service, Mount]]:
    """The socket mounts of the services that run this image, when every one of them has one; [] otherwise."""
    services = [b.service for b in builds if b.service is not None] + published_services(project, builds)
    mounts = [(svc, socket_mount(svc)) for svc in services]
    if not mounts or any(m is None for _s, m in mounts):
        return []
    return [(s, m) for s, m in mounts if m is not None]


def docker_client(project: Project, builds: list[Build], image_env: dict[str, str]) -> tuple[str, Location] | None:
    """The Docker API client crate (`bollard`, rules/crates.json ``docker_clients``) the code of every build of the
    image depends on, and where, when none of the services that run it points it at the engine over TCP
    (`DOCKER_HOST=tcp://socket-proxy:2375`, in compose or the image's `ENV`), and the repository mounts the socket
    for it (a compose service that runs it, or, when none does, any compose file or documentation page): the app
    needs the engine's Unix socket.
    An optional dependency counts only when a default feature enables it. None otherwise."""
    from viworks_lint.cratedeps import docker_clients
    from viworks_lint.imagecode import image_code
    from viworks_lint.runtimeneeds import enabled_by_default

    services = [b.service for b in builds if b.service is not None] + published_services(project, builds)
    mounts = [socket_mount(svc) is not None for svc in services]
    if mounts and not any(mounts):
        return None  # compose runs it, never with the socket: the app runs without the engine
    if not any(mounts) and not _socket_shown(project):
        return None  # nothing in the repository mounts the socket: the engine may be an option of the app
    found: tuple[str, Location] | None = None
    clients = docker_clients()
    for b in builds:
        remote = b.service.env_dict().get("DOCKER_HOST") if b.service is not None else None
        value = remote.value if remote is not None else image_env.get("DOCKER_HOST")
        if value and not value.startswith("unix://"):
            return None  # the engine elsewhere (a socket proxy over TCP, `ssh://`): no socket to open
        code = image_code(project, b)
        deps = ((m, d) for m in code.packages for d in m.dependencies) if code is not None else iter(())
        dep = next(
            (d for m, d in deps if d.section == "dependencies" and d.package in clients and enabled_by_default(m, d)),
            None,
        )
        if dep is None:
            return None
        found = found or (dep.package, dep.location)
    return found


def _socket_shown(project: Project) -> bool:
    """A compose file or a documentation page of the repository mounts the engine's socket (`-v
    /var/run/docker.sock:/var/run/docker.sock`): the way the project runs its images. Read once."""
    from viworks_lint.docruns import is_doc

    cached: bool | None = project.__dict__.get("_socket_shown")
    if cached is None:
        paths = [p for c in project.composes for p in c.files]
        paths += [p for p in project.discovered.wrappers if is_doc(p, project.root)]
        cached = False
        for path in paths[:200]:
            try:
                text = path.read_text("utf-8", errors="replace") if path.stat().st_size < 512_000 else ""
            except OSError:
                continue
            if any(sock in text for sock in _SOCKETS):
                cached = True
                break
        project.__dict__["_socket_shown"] = cached
    return cached
