"""Whether the repository itself points an app or tool run on the host at a datastore's published port: the
port is then the documented way in for local runs, not a leftover.

Evidence, each from files the repository ships:

* an env file or template that no compose service gets as ``env_file`` (``.env.example`` for the sqlx CLI,
  a ``.env`` that only compose interpolation and ``cargo run`` read) with a connection URL to ``localhost`` at
  the published port, or a ``*_HOST=localhost`` beside a ``*_PORT`` equal to the published port;
* the same in a Makefile, justfile or cargo-make ``Makefile.toml`` (its ``[env]``, a ``sea-orm-cli -u`` URL);
* a README/CONTRIBUTING/docs command that starts only datastore services (``docker compose up -d postgres``)
  in a document that runs the app on the host (``cargo run``, ``cargo watch``, ``make run``); under the same
  heading when the command names no service."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import urlsplit

from viworks_lint.conventions import template_candidates
from viworks_lint.datastores import MIGRATION_CLI, Family, host_variable
from viworks_lint.docruns import DOC_NAMES, FENCE
from viworks_lint.hostconfigs import config_naming_port
from viworks_lint.parsers.common import ReadError, read_text
from viworks_lint.parsers.compose import ComposeProject, Port, Service
from viworks_lint.project import Project, norm_path
from viworks_lint.scope import Scope, scope_from_name

_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})
_TASK_FILES = frozenset({"Makefile", "makefile", "GNUmakefile", "justfile", "Justfile", ".justfile", "Makefile.toml"})
_URL = re.compile(r"\b([a-z][a-z0-9+.-]*)://([^\s\"'`<>]+)")
_ASSIGN = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*(?::=|\?=|=)\s*[\"']?([^\"'\s#]*)", re.MULTILINE)
_COMPOSE_UP = re.compile(r"\bdocker[- ]compose\b([^\n]*?)\bup\b([^\n]*)")
_HOST_RUN = re.compile(
    r"^\s*(?:[$>]\s*)?(?:[A-Z_][A-Z0-9_]*=\S*\s+)*"
    r"(?:cargo\s+(?:run|r|watch|make\s+run|make\s+dev)\b|cargo-watch\b|make\s+(?:run|dev|serve|start)\b|"
    r"just\s+(?:run|dev|serve)\b)",
    re.MULTILINE,
)
_MAX_BYTES = 512 * 1024


def _read(path: Path) -> str:
    try:
        return read_text(path) if path.stat().st_size < _MAX_BYTES else ""
    except (OSError, ReadError):
        return ""


def _top_split(raw: str) -> list[str]:
    """``${A:-1}:5432`` → [``${A:-1}``, ``5432``]: colons outside ``${…}``."""
    parts, depth, cur = [], 0, ""
    for ch in raw:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(0, depth - 1)
        if ch == ":" and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return parts


def published_texts(port: Port) -> set[str]:
    """The host port as compose resolves it and as written (``${DB_PORT_OUTER}``)."""
    out = {port.published} if port.published else set()
    loc = port.location
    lines = _read(loc.path).splitlines()
    written = lines[loc.line - 1][loc.col - 1 :] if 0 < loc.line <= len(lines) else ""
    for raw in (port.raw, written.split("#")[0]):
        parts = _top_split(raw.strip().strip("\"'").partition("/")[0])
        if len(parts) >= 2 and parts[-2].strip("\"'"):
            out.add(parts[-2].strip("\"'"))
    return out


def url_hits(text: str, fam: Family | None, ports: set[str], target: int | None) -> Iterable[str]:
    if fam is None:
        return
    for m in _URL.finditer(text):
        if m.group(1).lower() not in fam.schemes:
            continue
        try:
            parts = urlsplit(m.group(0))
            host, port = parts.hostname, parts.port
        except ValueError:
            continue
        if host in _LOOPBACK and (str(port) in ports if port is not None else str(target) in ports):
            yield m.group(0).partition("://")[0] + "://…@" + (parts.netloc.rpartition("@")[2])


_CLIENT_HOST = re.compile(r"(?:^|\s)(?:-h\s*|--host[=\s]+)[\"']?(?:localhost|127\.0\.0\.1)\b")
_CLIENT_PORT = re.compile(r"(?:^|\s)(?:-p\s*|-P\s*|--port[=\s]+)[\"']?([0-9]+)\b")


def _client_hit(text: str, fam: Family | None, ports: set[str], target: int | None) -> str | None:
    """A command line of the datastore's own client against the host's published port (`psql -h 127.0.0.1 -p 5432
    -U app < schema.sql`, `redis-cli -h localhost -p 6379`), as a document tells the reader to run it."""
    if fam is None or not fam.shell_clients:
        return None
    names = "|".join(re.escape(c) for c in fam.shell_clients)
    for m in re.finditer(rf"(?<![\w./-])(?:{names})(?![\w-])[^\n`|;&]*", text):
        line = m.group(0)
        if _CLIENT_HOST.search(line) is None:
            continue
        port = _CLIENT_PORT.search(line)
        if (port.group(1) if port else str(target)) in ports:
            return " ".join(line.split()[:5]) + (" …" if len(line.split()) > 5 else "")
    return None


_REF = re.compile(r"^\$\{?(\w+)\}?$")


def _assign_hits(values: dict[str, set[str]], fam: Family | None, ports: set[str]) -> Iterable[str]:
    def resolved(name: str) -> set[str]:
        out: set[str] = set()
        for v in values.get(name, ()):
            ref = _REF.match(v)
            out |= {v, *values.get(ref.group(1), ())} if ref else {v}
        return out

    for name in values:
        fams = host_variable(name)
        if fams is None or (fam is not None and fam not in fams):
            continue
        loopback = [v for v in resolved(name) if v.strip("[]") in _LOOPBACK]
        upper = name.upper()
        prefix = name[: upper.rfind("HOST")].rstrip("_") if "HOST" in upper else ""
        if not loopback or not prefix:
            continue
        if any(resolved(port_name) & ports for port_name in (f"{prefix}_PORT", f"{prefix}PORT")):
            yield f"{name}={loopback[0]}"


def _evidence(text: str, fam: Family | None, ports: set[str], target: int | None) -> str | None:
    values: dict[str, set[str]] = {}
    for m in _ASSIGN.finditer(text):
        values.setdefault(m.group(1), set()).add(m.group(2))
    for hit in (*url_hits(text, fam, ports, target), *_assign_hits(values, fam, ports)):
        return hit
    return None


def _given_to_containers(project: Project) -> set[Path]:
    """Env files compose passes to containers, and the templates they are made from."""
    given = {norm_path(ref.path) for c in project.composes for s in c.services.values() for ref in s.env_files}
    return given | {norm_path(t) for g in given for t in template_candidates(g)}


def _serves_the_public(project: Project, compose: ComposeProject, port: Port) -> bool:
    """A production stack: its file is named so (``docker-compose.prod.yml``) or a service of it publishes
    host port 80/443 (a reverse proxy facing the internet; a frontend's container port 80 on 3000 is not one).
    Host-run tooling does not make its datastore port a way in."""
    named = scope_from_name(_rel(project, port.location.path))
    if named is not None and named[0] is Scope.DEPLOY:
        return True
    return any(p.published in ("80", "443") for s in compose.services.values() for p in s.ports)


def _doc_runs_host(
    text: str, compose: ComposeProject, store: Service, is_store: Callable[[Service], bool]
) -> str | None:
    """A command that starts only infrastructure services (datastores, stock images the repository does not
    build) including ``store``, in a section of the document (between two headings) that also runs the app on
    the host: a quick start that runs the whole stack says nothing of a later section's `cargo run`. A command
    that names the infrastructure services it starts (`docker compose up -d postgres redis`) may be a step under
    its own heading, with the app run on the host a later step: the whole document counts then."""
    for section in _sections(text):
        found = _section_runs_host(section, compose, store, is_store)
        if found is not None:
            return found
    return _section_runs_host(text, compose, store, is_store, named_only=True)


_HEADING = re.compile(r"^#{1,6}\s")


def _sections(text: str) -> list[str]:
    """A Markdown document cut at its headings (a `# comment` inside a code block is no heading)."""
    out: list[list[str]] = [[]]
    fenced = False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced and _HEADING.match(line):
            out.append([])
        out[-1].append(line)
    return ["\n".join(s) for s in out]


def _section_runs_host(
    text: str, compose: ComposeProject, store: Service, is_store: Callable[[Service], bool], named_only: bool = False
) -> str | None:
    host_run = _HOST_RUN.search(text)
    if host_run is None:
        return None
    for m in _COMPOSE_UP.finditer(text):
        names: list[str] = []
        for word in m.group(2).split():
            if word in ("&&", ";", "|", "||", "#") or word.startswith(("#", "&", ";", "|", "`")):
                break
            if not word.startswith("-"):
                names.append(word)
        flags = (m.group(1) + " " + m.group(2)).split()
        named_files = any(f in ("-f", "--file") or f.startswith("--file=") for f in flags)
        if not names and named_only:
            continue
        if not names and not named_files:  # a bare `docker compose up -d`: what no profile (or a named one) holds
            wanted = {flags[i + 1] for i, w in enumerate(flags[:-1]) if w == "--profile"}
            names = [n for n, s in compose.services.items() if _in_profiles(s, wanted)]
        services = [compose.services.get(n) for n in names]
        # only infrastructure: datastores, or other stock images (an S3 stand-in) the repository does not build
        if not names or store.name not in names or any(
            s is None or not (is_store(s) or s.build is None) for s in services
        ):
            continue
        return f"`{m.group(0).strip()}` then `{host_run.group(0).strip()}`"
    return None


def _in_profiles(svc: Service, wanted: set[str]) -> bool:
    """A service `docker compose up` starts with these `--profile`s: one with no `profiles:`, or one of them."""
    return not svc.profiles or any(p in wanted for p in svc.profiles)


# the start of what `host_access` answers when the evidence is a README's URL, not an app run on the host
DOCUMENTED = "documented: "


def host_access(
    project: Project,
    compose: ComposeProject,
    store: Service,
    port: Port,
    fam: Family | None,
    is_store: Callable[[Service], bool],
    networked: bool = False,
) -> str | None:
    """How the repository points a host-run app or tool at ``port`` of ``store`` (for the message), or None.
    ``networked``: a service of the project uses the datastore over the compose network; then an env file with a
    `localhost` URL (often the sqlx CLI's, beside a stack that runs the app itself) is no evidence that the port
    is the way in, only a task file's env or a documented command that starts the datastore alone is."""
    ports = published_texts(port)
    if not ports or _serves_the_public(project, compose, port):
        return None
    through = _through_the_host(project, compose, store, ports)
    if through is not None:
        return through
    # a config file of the code names the published port under its own number: a program on the host uses it
    remapped = config_naming_port(project, port.location.path.parent, fam, ports, port.target)
    if remapped is not None:
        return remapped
    given = _given_to_containers(project)
    # where an app run on the host reads them: the repository root, the compose file's folder, a build context
    near = {norm_path(project.root), norm_path(port.location.path.parent)} | {
        norm_path(s.build.context) for s in compose.services.values() if s.build is not None and s.build.context
    }
    # a wrapper target that runs a database tool or the tests on the host (`sqlx migrate run`, `cargo test`) reads
    # the env file's `localhost` URL: the port is the way in even when a service also uses the datastore
    host_tool = _host_tool_run(project, near) if networked else None
    for path in sorted(project.discovered.env_files):
        if (networked and host_tool is None) or norm_path(path) in given or norm_path(path.parent) not in near:
            continue
        ef = project.env_file(path)
        if ef is None:
            continue
        values = {e.name: e.value for e in ef.entries if e.value is not None}
        text = "\n".join(f"{k}={v}" for k, v in values.items())
        hit = _evidence(text, fam, ports, port.target)
        if hit is not None:
            return f"`{hit}` in `{_rel(project, path)}`" + (f", which {host_tool} reads" if host_tool else "")
    shadowed = _shadowed_for_containers(project, fam, ports, port.target)
    if shadowed is not None:
        return shadowed
    for path in sorted(project.discovered.wrappers):
        if (path.name in _TASK_FILES or path.suffix == ".mk") and norm_path(path.parent) in near:
            hit = _evidence(_read(path), fam, ports, port.target)
            if hit is not None:
                return f"{DOCUMENTED}`{hit}` in `{_rel(project, path)}`"
        elif DOC_NAMES.match(path.name):
            text = _read(path)
            doc = _doc_runs_host(text, compose, store, is_store)
            if doc is not None:
                return f"{doc} in `{_rel(project, path)}`"
            # the compose file's own README gives the datastore's URL on the host as a way to reach it
            # (`postgresql://graph:pass@localhost:5432/graph` under "You can access these via")
            if norm_path(path.parent) == norm_path(port.location.path.parent):
                hit = next(iter(url_hits(text, fam, ports, port.target)), None)
                hit = hit or _client_hit(text, fam, ports, port.target)
                if hit is not None:
                    return f"{DOCUMENTED}`{hit}` in `{_rel(project, path)}`"
    return None


# a database tool or the test suite run on the host, which reads `DATABASE_URL` from the root `.env`
_HOST_TOOL = re.compile(
    rf"^\t?\s*(?:@\s*)?(?:[A-Z_][A-Z0-9_]*=\S*\s+)*({MIGRATION_CLI}|cargo\s+(?:test|nextest)\b)", re.MULTILINE
)


def _host_tool_run(project: Project, near: set[Path]) -> str | None:
    """`make T`'s `sqlx migrate run` (or diesel's, sea-orm-cli's, `cargo test`) in a Makefile or justfile beside
    the compose file or at the root, or the diesel CLI a `diesel.toml` there configures (it runs on the host and
    reads `DATABASE_URL` from `.env`), for the message; None when nothing shows one."""
    for path in sorted(project.discovered.wrappers):
        if (path.name in _TASK_FILES or path.suffix == ".mk") and norm_path(path.parent) in near:
            m = _HOST_TOOL.search(_read(path))
            if m is not None:
                return f"`{' '.join(m.group(1).split())}` of `{_rel(project, path)}`"
    for folder in sorted(near):
        if (folder / "diesel.toml").is_file():
            return f"the diesel CLI (`{_rel(project, folder / 'diesel.toml')}`)"
    return None


def _shadowed_for_containers(project: Project, fam: Family | None, ports: set[str], target: int | None) -> str | None:
    """An env file compose passes to containers whose `localhost` URL at the published port every service that
    gets it overrides in its own `environment:` (`DATABASE_URL=…@localhost:5432` in `.env`, `DATABASE_URL=…@db`
    for the container): the file's value is the one an app run on the host (`cargo run` with dotenv) uses."""
    users: dict[Path, list[Service]] = {}
    for c in project.composes:
        for svc in c.services.values():
            for ref in svc.env_files:
                users.setdefault(norm_path(ref.path), []).append(svc)
    for path, services in sorted(users.items()):
        ef = project.env_file(path) if path.is_file() else None
        if ef is None:
            continue
        for e in ef.entries:
            if e.value is None or _evidence(f"{e.name}={e.value}", fam, ports, target) is None:
                continue
            if all(_overrides(svc, e.name, fam, ports, target) for svc in services):
                return f"`{e.name}` to `localhost` in `{_rel(project, path)}`, which the containers override"
    return None


def _overrides(svc: Service, name: str, fam: Family | None, ports: set[str], target: int | None) -> bool:
    """The service's `environment:` sets ``name`` to a value of its own: written out (not `${NAME}` from the same
    file, not a pass-through) and not a `localhost` URL at the published port itself."""
    for v in svc.environment:
        if v.name != name or v.value is None:
            continue
        raw = v.raw if v.raw is not None else v.value
        if re.search(rf"\$\{{?{re.escape(name)}\b", raw):
            return False
        return _evidence(f"{name}={v.value}", fam, ports, target) is None
    return False


def _through_the_host(project: Project, compose: ComposeProject, store: Service, ports: set[str]) -> str | None:
    """A service of the project that reaches the datastore through the host's published port
    (`host.docker.internal:6379`), as a host-networked one does: the port is its way in."""
    from viworks_lint.runtime import container_env

    for svc in compose.services.values():
        if svc is store:
            continue
        env = container_env(project, svc).values
        for name, value in sorted(env.items()):
            for m in _VIA_HOST.finditer(value or ""):
                if m.group(1) in ports:
                    return f"`{name}` of service `{svc.name}` reaches it through `host.docker.internal:{m.group(1)}`"
            # `PUBSUB_HOST=host.docker.internal` beside `PUBSUB_PORT=6379`
            if (value or "").strip() == "host.docker.internal" and name.endswith("_HOST"):
                port = (env.get(name[: -len("_HOST")] + "_PORT") or "").strip()
                if port in ports:
                    return f"`{name}` of service `{svc.name}` reaches it through `host.docker.internal:{port}`"
    return None


_VIA_HOST = re.compile(r"host\.docker\.internal:(\d+)")


def _rel(project: Project, path: Path) -> str:
    try:
        return path.relative_to(project.root).as_posix()
    except ValueError:
        return path.name
