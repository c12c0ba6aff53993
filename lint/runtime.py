"""What a service's container really gets at run time: its environment (compose ``environment`` and
``env_file``, the image's ENV) and the ports its app listens on (the URLs its healthcheck probes are in
``probes``)."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from viworks_lint.conventions import documented_env_assignments, provisions, user_written_env
from viworks_lint.dockerutil import target_stage
from viworks_lint.parsers.common import user_path
from viworks_lint.parsers.compose import ComposeProject, Service
from viworks_lint.parsers.dockerfile import Stage
from viworks_lint.project import Build, Project
from viworks_lint.rust.facts import ListenAddr
from viworks_lint.stagefiles import stage_files

# Variables Docker sets in every container, and ones a base image commonly sets.
DOCKER_SET = frozenset({"HOSTNAME", "HOME", "PATH", "TERM", "container"})
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "0.0.0.0", "::1", "[::1]", "::", "ip6-localhost"})


@dataclass(frozen=True)
class ContainerEnv:
    """Variables a container gets, with where each comes from (None value: set, value unknown)."""

    values: Mapping[str, str | None]
    complete: bool  # False when an env_file could not be read (names may be missing)

    def has(self, name: str) -> bool:
        return name in self.values or name in DOCKER_SET


def container_env(project: Project, service: Service, build: Build | None = None) -> ContainerEnv:
    values: dict[str, str | None] = {}
    complete = True
    build = build or project.build_of_service(service)
    if build is not None and build.dockerfile is not None:
        stage = target_stage(build.dockerfile, build.target)
        if stage is not None:
            for name, (value, _instr) in stage.state.env.items():
                values[name] = value
    for ref in service.env_files:
        if not ref.path.is_file():
            if ref.required:
                complete = False
            continue
        ef = project.env_file(ref.path)
        if ef is None:
            complete = False
            continue
        for entry in ef.entries:
            values[entry.name] = entry.value
    # a dotenv file put into the container (bind mount or COPY) that the app may load itself with
    # dotenvy::dotenv(): its variables count when we can read it; when it is missing we cannot tell
    for host, baked, named in _dotenv_files_in_container(project, compose_dir(project, service), service, build):
        ef = project.env_file(host) if host.is_file() else None
        if ef is None:
            # a `.env` each user writes (git-ignored, absent here) that the image takes along: what the documents
            # write out for it is set; one mounted in at run time holds whatever the user puts there
            written = _user_written(project, service, host, named) if baked else None
            if written is None:
                complete = False
            for name in written or ():
                values.setdefault(name, None)
            continue
        for entry in ef.entries:
            values.setdefault(entry.name, entry.value)
    for var in service.environment:
        values[var.name] = var.value  # None: passed through from the host shell
    return ContainerEnv(values, complete)


def _user_written(project: Project, service: Service, host: Path, named: bool) -> set[str] | None:
    """The names the repository writes out for the absent, git-ignored ``host`` (a `KEY=value` block after "set
    up a .env in the backend dir", the template a documented step copies into place, or, for a file the Dockerfile
    copies in by name (``named``), the template beside it), when the service's code
    loads a dotenv file (none when it loads none, or nothing says to make it); None when it is not such a file."""
    if host.name != ".env" or not user_written_env(project, host.parent):
        return None
    from viworks_lint.storeuse import loads_dotenv

    if not loads_dotenv(project, service):
        return set()  # the file may be in the image, but nothing reads it
    names = set(documented_env_assignments(project, host.parent))
    # a step that copies a template into place (`cp .env.example .env`), or the template beside a file the image
    # takes by name (`COPY --from=build /app/.env .`: the build needs one, made from that template)
    for prov in provisions(project, host, dev_values=named):
        told = prov.step is not None or named
        ef = project.env_file(prov.template) if told and prov.template is not None else None
        names |= ef.names() if ef is not None else set()
    if not names and named:
        return None  # the build copies the file by name, so whoever builds it has one, holding what is not written here
    return names  # nothing written out and no step: no one is told to make it


def _is_dotenv(name: str) -> bool:
    return name == ".env" or name.startswith(".env.") or name.endswith(".env")


def compose_dir(project: Project, service: Service) -> Path | None:
    for compose in project.composes:
        if any(s is service for s in compose.services.values()):
            return compose.project_dir
    return None


def _dotenv_files_in_container(
    project: Project, project_dir: Path | None, service: Service, build: Build | None
) -> list[tuple[Path, bool, bool]]:
    """Dotenv files the container gets: bind-mounted or copied into the image (the second value), and whether the
    Dockerfile names the file (the third: `COPY .env .`, not a `COPY . .` that takes it along)."""
    out: list[tuple[Path, bool, bool]] = []
    for m in service.volumes:
        if m.type != "bind" or not m.source or not m.target or project_dir is None:
            continue
        src = user_path(m.source)
        host = src if src.is_absolute() else project_dir / src
        if _is_dotenv(posixpath.basename(m.target.rstrip("/"))):
            out.append((host, False, True))
        elif host.is_dir() and (host / ".env").is_file():
            out.append((host / ".env", False, False))  # the project directory mounted into the container
    if build is not None and build.dockerfile is not None and build.context.is_dir():
        stage = target_stage(build.dockerfile, build.target)
        files = stage_files(project, build, stage) if stage is not None else None
        for p in files.placements if files is not None else []:
            if p.kind == "stage" and p.from_stage is not None and _is_dotenv(posixpath.basename(p.source)):
                baked = _context_file_of(project, build, p.from_stage, p.source)
                rel = posixpath.relpath(baked.as_posix(), build.context.as_posix()) if baked is not None else ""
                ignore = files.ignore if files is not None else None
                if baked is not None and (ignore is None or not ignore.excluded(rel)):
                    out.append((baked, True, True))  # `COPY --from=build /app/.env .`, the context's `.env` in `build`
        for p in files.context_copies() if files is not None else []:
            if _is_dotenv(posixpath.basename(p.source)):
                out.append((build.context / p.source, True, True))
            elif p.tree and p.source == "." and files is not None:
                found = files.lookup(posixpath.join(p.dest, ".env"), copies_only=True)  # `RUN cargo clean` after
                if found.present and found.host is not None:
                    out.append((found.host, True, False))  # `COPY . .` takes the context's .env along
                elif (files.ignore is None or not files.ignore.excluded(".env")) and user_written_env(
                    project, build.context
                ):
                    out.append((build.context / ".env", True, False))  # and the one each user writes, when not ignored
    return out


def _context_file_of(project: Project, build: Build, stage: Stage, path: str) -> Path | None:
    """The build-context file an earlier stage has at ``path`` through its copies of the context (`COPY . .` in
    `/app` puts the context's `.env` at `/app/.env`), or None."""
    mirror = stage_files(project, build, stage)
    for p in reversed(mirror.context_copies()):
        if p.tree and (path == p.dest or path.startswith(p.dest.rstrip("/") + "/")):
            rel = posixpath.relpath(path, p.dest)
            return build.context / posixpath.normpath(posixpath.join(p.source, rel))
        if not p.tree and p.dest == path:
            return build.context / p.source
    return None


# ------------------------------------------------------------------------------------------ probes


# ------------------------------------------------------------------------------------------ listening


@dataclass(frozen=True)
class Listen:
    addr: ListenAddr
    host: str | None
    port: int | None
    host_from: str  # "code" | "env:<NAME>"
    port_from: str


def _split_addr(value: str) -> tuple[str | None, int | None]:
    v = value.strip()
    if v.startswith("["):
        host, _, rest = v[1:].partition("]")
        port = rest.lstrip(":")
        return host, int(port) if port.isdecimal() else None
    if v.count(":") == 1:
        host, port = v.split(":")
        return host or None, int(port) if port.isdecimal() else None
    if v.isdecimal():
        return None, int(v)
    return v or None, None


def effective_listens(listens: Iterable[ListenAddr], env: ContainerEnv) -> list[Listen]:
    """Where the app really listens, once the container's environment is applied."""
    out: list[Listen] = []
    for a in listens:
        host, port = a.host, a.port
        host_from = port_from = "code"
        if a.addr_env and a.addr_env in env.values:
            value = env.values[a.addr_env]
            if value is None:
                host, port = None, None
            else:
                h, p = _split_addr(value)
                host, port = h if h is not None else host, p if p is not None else port
            host_from = port_from = f"env:{a.addr_env}"
        if a.host_env and a.host_env in env.values:
            value = env.values[a.host_env]
            host, host_from = (value.strip() if value else None), f"env:{a.host_env}"
        if a.port_env and a.port_env in env.values:
            value = env.values[a.port_env]
            port = int(value.strip()) if value and value.strip().isdecimal() else None
            port_from = f"env:{a.port_env}"
        out.append(Listen(a, host, port, host_from, port_from))
    return out


def compose_host_names(compose: ComposeProject) -> dict[str, Service]:
    """The names other containers of the project reach each service by: service name, `container_name`,
    `hostname`, network aliases and `links:` aliases."""
    names: dict[str, Service] = {}
    for svc in compose.services.values():
        names[svc.name] = svc
        for key in ("container_name", "hostname"):
            node = svc.node.get(key)
            if node is not None and node.text():
                names[str(node.text())] = svc
        nets = svc.node.get("networks")
        if nets is not None and nets.is_map:
            for _net, cfg in nets.items():
                aliases = cfg.get("aliases") if cfg.is_map else None
                for a in aliases.elements() if aliases is not None else []:
                    if a.text():
                        names[str(a.text())] = svc
    # `links: [frontend:fe]`: the linking service reaches `frontend` as `fe` too
    for svc in compose.services.values():
        links = svc.node.get("links")
        for el in links.elements() if links is not None and links.is_list else []:
            target, _, alias = str(el.text() or "").partition(":")
            if alias and target in compose.services:
                names.setdefault(alias, compose.services[target])
    return names


def mounted_nginx_configs(compose: ComposeProject, svc: Service) -> list[Path]:
    """The nginx config files bind-mounted into a service that nginx loads: a mounted file, the top-level
    ``*.conf`` of a mounted folder (`conf.d/`, which the stock `nginx.conf` includes), and for a folder mounted over
    all of `/etc/nginx` its `nginx.conf` and what that includes (a file in a subfolder nothing includes is not read).
    """
    image = (svc.image or "").lower()
    out: list[Path] = []
    for m in svc.volumes:
        if m.type != "bind" or not m.source or not m.target:
            continue
        if not (m.target.startswith("/etc/nginx") or "nginx" in image or "openresty" in image):
            continue
        src = user_path(m.source)
        src = src if src.is_absolute() else compose.project_dir / src
        if src.is_file() and (
            src.suffix == ".conf" or src.name.endswith(".conf.template") or m.target.endswith(".conf")
        ):
            out.append(src)
        elif src.is_dir():
            target = posixpath.normpath(m.target)
            main = src / "nginx.conf"
            if target in ("/etc/nginx", _OPENRESTY) and main.is_file():
                first = [main]  # the folder is nginx's config folder: nginx.conf is where it starts
            else:
                first = sorted(p for p in src.glob("*.conf") if p.is_file())  # `conf.d/*.conf`, which nginx includes
            out.extend(p for p in _loaded_configs(first, target, src) if p not in out)
    return out


_INCLUDE = re.compile(r"(?:^|[;{}])\s*include\s+['\"]?([^;'\"\s]+)['\"]?\s*;", re.M)
_NOT_SERVERS = (".types", "params", ".conf.default")  # mime.types, fastcgi_params: no server blocks
_OPENRESTY = "/usr/local/openresty/nginx/conf"


def _loaded_configs(first: list[Path], target: str, src: Path) -> list[Path]:
    """The configs nginx loads from a folder mounted at ``target`` (``first``: its `nginx.conf`, or the top-level
    `*.conf` the image's own `nginx.conf` includes) and the files of that folder their `include` directives name,
    followed three levels deep (relative paths are relative to nginx's config folder, `/etc/nginx`)."""
    base = target if target == _OPENRESTY else "/etc/nginx"
    out: list[Path] = list(first)
    todo = list(first)
    for _ in range(3):
        found: list[Path] = []
        for conf in todo:
            try:
                text = conf.read_text("utf-8", errors="replace") if conf.stat().st_size < 1_000_000 else ""
            except OSError:
                continue
            for pattern in _INCLUDE.findall(re.sub(r"#[^\n]*", "", text)):
                full = pattern if pattern.startswith("/") else posixpath.join(base, pattern)
                rel = posixpath.relpath(posixpath.normpath(full), target)
                if rel.startswith("..") or rel == ".":
                    continue  # a file of the image's own, outside the mounted folder
                for p in sorted(src.glob(rel)):
                    if p.is_file() and p not in out and not p.name.endswith(_NOT_SERVERS):
                        out.append(p)
                        found.append(p)
        todo = found
    return out


def split_hostport(hostport: str, default: int) -> tuple[str, int | None]:
    """``host:port`` → (host, port); ``default`` when no port is written, None when it is not a number."""
    if hostport.startswith("["):
        host, _, rest = hostport[1:].partition("]")
        port = rest.lstrip(":")
        return host, int(port) if port.isdecimal() else (default if not port else None)
    host, _, port = hostport.partition(":")
    if not port:
        return host, default
    return host, int(port) if port.isdecimal() else None
