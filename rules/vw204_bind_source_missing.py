"""VW204 bind-source-missing."""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterator
from pathlib import Path

from viworks_lint.code import service_code
from viworks_lint.devstack import doc_snippet
from viworks_lint.dockerutil import is_root_user, target_stage
from viworks_lint.findings import Finding, Level
from viworks_lint.images import lookup
from viworks_lint.parsers.compose import Mount, Service, command_words
from viworks_lint.prepared import chowned_first, unread_by_nginx
from viworks_lint.project import Project
from viworks_lint.rule import Rule, RuleDocs, register
from viworks_lint.runtime import container_env
from viworks_lint.storeuse import reached_sources

_WINDOWS_ABS = re.compile(r"^[A-Za-z]:[\\/]")


def _no_claim(source: str) -> bool:
    """Absolute host paths, home paths and values we cannot resolve are not claimed."""
    return (
        source.startswith(("/", "~", "\\\\"))
        or bool(_WINDOWS_ABS.match(source))
        or "$" in source
        or source.startswith(("npipe:", "unix:"))
    )


_FILE_NAMES = {
    "Caddyfile",
    "Corefile",
    "Dockerfile",
    "Makefile",
    "htpasswd",
    "known_hosts",
    "authorized_keys",
    "crontab",
    "passwd",
    "hosts",
    "resolv.conf",
    "Procfile",
}


def _file_like(mount: Mount) -> bool:
    if (mount.source or "").endswith("/") or (mount.target or "").endswith("/"):
        return False  # written as a directory
    if {posixpath.basename(mount.source or ""), posixpath.basename(mount.target or "")} & _FILE_NAMES:
        return True
    names = [posixpath.basename((mount.source or "").rstrip("/")), posixpath.basename((mount.target or "").rstrip("/"))]
    source_name, target_name = names
    if source_name.endswith(".d") or (target_name.endswith(".d") and "." not in source_name.lstrip(".")):
        return False  # `conf.d`, `docker-entrypoint-initdb.d`: a folder of files by convention (not `proxy.conf`)
    if any("." in n.lstrip(".") for n in names if n):
        return True  # `app.toml`, `nginx.conf`
    # dotfiles such as `.env` or `.htpasswd`, named so on both sides; a lone `.pgadmin`, `.ssh`, `.config` target
    # of a plainly named source is a directory
    dotted = [n for n in names if n.startswith(".") and len(n) > 1 and n != ".."]
    return bool(dotted) and (len(dotted) == 2 or dotted[0] in _DOTFILES or dotted[0].endswith("rc"))


_DOTFILES = frozenset({
    ".env", ".htpasswd", ".pgpass", ".gitconfig", ".profile", ".bash_aliases", ".bash_profile", ".Xauthority",
})  # fmt: skip; `.npmrc`, `.zshrc`, `.psqlrc`: any name ending in `rc`


_DATA_DIRS = (
    "/var/lib/",
    "/data",
    "/bitnami/",
    "/usr/share/elasticsearch/data",
    "/usr/share/opensearch/data",
    "/prometheus",
    "/var/opt/mssql",
    "/opt/couchdb/data",
    "/var/log",
)
# last path words of directories a container writes into rather than reads from
_OUTPUT_WORDS = {
    "data",
    "log",
    "logs",
    "uploads",
    "upload",
    "cache",
    "tmp",
    "storage",
    "backups",
    "backup",
    "db",
    "database",
    "dumps",
    "output",
    "out",
    "volumes",
    "state",
    "files",
    "media",
    "db-data",
    "pgdata",
}


def _data_dir(mount: Mount) -> bool:
    """A directory the container writes into: Docker creating it empty is the first start it expects."""
    target = (mount.target or "").rstrip("/")
    last = posixpath.basename(target).lower()
    src_last = posixpath.basename((mount.source or "").rstrip("/")).lower()
    words = set(re.split(r"[-_.]", last)) | set(re.split(r"[-_.]", src_last))
    return (
        target.startswith(_DATA_DIRS)
        or "/data/" in target + "/"
        or bool(words & _OUTPUT_WORDS)
        or src_last.endswith("data")
    )


def _host_build_output(source: str) -> bool:
    """A file Cargo builds on the host (`./target/x86_64-unknown-linux-musl/release/app`): an artifact to
    build before `docker compose up`, not a data directory the container writes into."""
    parts = [p for p in source.replace("\\", "/").split("/") if p not in ("", ".")]
    if "target" not in parts:
        return False
    return any(p in ("release", "debug") for p in parts[parts.index("target") + 1 :])


def _runs_as(project: Project, svc: Service) -> str | None:
    """The non-root user a service's container runs as (compose `user:` or the image's USER), else None
    (root, or not known: the base image of an image-only service may drop privileges itself)."""
    if svc.user is not None and svc.user.strip():
        if "$" in svc.user:
            node = svc.node.get("user")  # as written: the model keeps `${UID}` but drops its default
            return _user_default(node.raw if node is not None and node.raw else svc.user)
        return None if is_root_user(svc.user) else svc.user
    build = project.build_of_service(svc)
    if build is None and svc.image:
        # an image whose own Dockerfile sets a non-root USER (rules/images.json); one whose entrypoint starts as
        # root and chowns its directories before dropping privileges (postgres, mysql) is not one
        return lookup(svc.image, project.config.base_images).user
    if build is None or build.dockerfile is None:
        return None
    stage = target_stage(build.dockerfile, build.target)
    if stage is None or stage.state.user is None or is_root_user(stage.state.user):
        return None
    instr = stage.state.user_instr
    return None if instr is not None and instr.unresolved else stage.state.user


# `user: ${UID:-1000}:${GID:-1000}`: the host user's ids (bash and zsh set UID but export neither it nor GID, so
# compose mostly sees the default) or the default; a non-zero default names a non-root user either way
# (a bare `${UID}` is mostly unset, hence empty: root)
_USER_VAR = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?-([0-9]+)\}")


def _user_default(user: str) -> str | None:
    """The non-root user a `user:` made of variables with non-zero numeric defaults names, else None."""
    value = _USER_VAR.sub(lambda m: m.group(1), user.strip())
    if "$" in value or not re.fullmatch(r"[0-9]+(?::[0-9]+)?", value) or is_root_user(value):
        return None
    return user.strip()


def _runs_as_root(project: Project, svc: Service) -> bool:
    """The service's container is known to run as root (compose `user: root`, or the image built here sets no
    USER): a directory Docker creates for it is one it can write, most likely its data (no finding at all)."""
    if svc.user is not None and svc.user.strip():
        return is_root_user(svc.user)
    build = project.build_of_service(svc)
    if build is None or build.dockerfile is None:
        return False
    stage = target_stage(build.dockerfile, build.target)
    return stage is not None and (stage.state.user is None or is_root_user(stage.state.user)) and not (
        stage.state.user_instr is not None and stage.state.user_instr.unresolved
    )


# loggers and settings read from a file the code only names (`log4rs::init_file("log4rs.yaml")`, a `config`
# crate source, serde reading a settings file): where they write may be in that file, not in the code
_FILE_CONFIGURED = re.compile(
    r"\blog4rs\b|\binit_file\s*\(|\bFile::with_name\b|\bfigment\b|\bconfy\b"
    r"|\bconfig::(?:Config|File|Environment|ConfigBuilder|FileFormat)\b|\bConfig::builder\s*\("
    r"|\b(?:toml|serde_yaml|serde_yml|serde_json|ron|json5)::from_(?:str|reader|slice)\b"
)


def _never_named(project: Project, svc: Service, compose_dir: Path, target: str) -> bool:
    """The service's code (known, and configured in code) never names the mount's target folder: no string in
    its sources holds the folder's name; no variable the container gets (compose `environment`, `env_file`, the
    image's ENV), no word of its command or entrypoint and no file mounted into it holds its path; and it is not
    the working directory, where relative paths land. Nothing in the app writes there (`./logs:/app/logs` beside
    an app that logs to stderr)."""
    folder = target.rstrip("/")
    name = posixpath.basename(folder)
    code = service_code(project, svc)
    if not name or code is None:
        return False
    env = container_env(project, svc, code.build)
    if not env.complete:
        return False
    values = [v for v in env.values.values() if v]
    values += command_words(svc.command) + command_words(svc.entrypoint)
    build = project.build_of_service(svc)
    stage = target_stage(build.dockerfile, build.target) if build is not None and build.dockerfile else None
    node = svc.node.get("working_dir")
    own = node.value if node is not None and isinstance(node.value, str) else None
    workdir = own or (stage.state.workdir if stage is not None else None) or "/"
    if workdir.rstrip("/") == folder or workdir.startswith(folder + "/"):
        return False
    if stage is not None:
        values += [" ".join(i.values) for i in (stage.state.entrypoint, stage.state.cmd) if i is not None]
    for m in svc.volumes:  # configuration files mounted into the container may name the folder
        host = compose_dir / m.source if m.type == "bind" and m.source else None
        if host is not None and host.is_file() and host.stat().st_size < 1_000_000:
            values.append(host.read_text("utf-8", errors="replace"))
    if any(folder in v or name in re.split(r"[/\s=:\"',]", v) for v in values):
        return False
    texts = [t for m in code.packages for t in reached_sources(project, code, m)]
    if not texts or any(_FILE_CONFIGURED.search(t) for t in texts):
        return False
    literal = re.compile(r'"[^"\n]*(?<![\w.-])' + re.escape(name) + r'(?![\w.-])[^"\n]*"')
    return not any(literal.search(t) for t in texts)


def _beside_overlay(project: Project, project_dir: Path, declared_in: Path, source: str) -> str | None:
    """The fix when the source exists beside a compose file merged after the first one: compose resolves every
    relative path of every ``-f`` file against the project directory (the first file's folder), so a path
    written relative to the overlay's own folder misses."""
    if declared_in.parent.resolve() == project_dir.resolve():
        return None
    beside = Path(os.path.normpath(declared_in.parent / source))
    if not beside.exists():
        return None
    fixed = os.path.relpath(beside, project_dir)
    return (
        f"compose resolves it against the project directory `{project.rel(project_dir) or '.'}` (the folder of the "
        f"first compose file), not against the folder of `{project.rel(declared_in)}`, where `{source}` does exist: "
        f"write `./{Path(fixed).as_posix()}`"
    )


def check(project: Project) -> Iterator[Finding]:
    for compose, svc in project.services():
        for m in svc.volumes:
            if m.type != "bind" or not m.source or m.templated or _no_claim(m.source):
                continue
            host = compose.project_dir / m.source
            if host.exists():
                continue
            target = f" → `{m.target}`" if m.target else ""
            key = f"{svc.name}:{m.source}"
            built = _host_build_output(m.source)
            # a read-only mount is read, not written: not a data directory whatever its name
            data = not _file_like(m) and not m.read_only and not built and (project.is_gitignored(host) or _data_dir(m))
            user = _runs_as(project, svc) if data else None
            if user is not None and project.build_of_service(svc) is None and not project.is_gitignored(host):
                user = None  # a third-party image's folder (`/var/lib/grafana/dashboards`) may only be read
            if data and user is None:
                continue  # Docker creates it, owned by root, for a container that runs as root: fine
            if data and chowned_first(compose, svc, host):
                continue  # a one-shot service that mounts it too gives it to the user before this one starts
            prov = project.provision(host)
            snippet = doc_snippet(project.rel(m.location.path))
            if prov is None and snippet is not None:
                yield RULE.finding(
                    f"bind-mount source `{m.source}`{target} of service `{svc.name}` is not beside this compose "
                    f"file; the file is a documentation snippet (in `{snippet}/`), so the reader supplies it where "
                    "they run it",
                    m.location,
                    key=key,
                    level=Level.NOTE,
                )
            elif prov is not None:
                yield RULE.finding(
                    f"bind-mount source `{m.source}`{target} of service `{svc.name}` is not in the repository; it is "
                    f"{prov.describe(project.rel(prov.template) if prov.template else None)}: run that step before "
                    "`docker compose up`",
                    m.location,
                    key=key,
                    level=Level.NOTE,
                )
            elif built:
                yield RULE.finding(
                    f"bind-mount source `{m.source}`{target} of service `{svc.name}` is a build output of the host "
                    "(under Cargo's `target/`), not in the repository: build it before `docker compose up`, or "
                    "Docker mounts an empty directory in its place",
                    m.location,
                    key=key,
                    level=Level.NOTE,
                )
            elif data and m.target and _never_named(project, svc, compose.project_dir, m.target):
                yield RULE.finding(
                    f"bind-mount source directory `{m.source}`{target} of service `{svc.name}` does not exist: Docker "
                    f"creates it owned by root and the container runs as `{user}`, but the app's code never names "
                    f"`{posixpath.basename(m.target.rstrip('/'))}` and no variable passes that path, so nothing may "
                    "write there (only advice)",
                    m.location,
                    key=key,
                    level=Level.NOTE,
                )
            elif data:
                yield RULE.finding(
                    f"bind-mount source directory `{m.source}`{target} of service `{svc.name}` does not exist: Docker "
                    f'creates it owned by root, but the container runs as `{user}` and gets "permission denied" '
                    "when it writes there; create the directory with the right owner before `docker compose up`, "
                    "or use a named volume",
                    m.location,
                    key=key,
                )
            elif _file_like(m) and project.is_gitignored(host) and posixpath.basename(m.source) != "Cargo.lock":
                yield RULE.finding(
                    f"bind-mount source `{m.source}`{target} of service `{svc.name}` is not in the repository: "
                    "`.gitignore` keeps it out on purpose (a certificate, a token, a local configuration), so each "
                    "deployment puts its own in place before `docker compose up`; Docker mounts an empty directory "
                    "where it is missing",
                    m.location,
                    key=key,
                    level=Level.NOTE,
                )
            elif _file_like(m) and m.target and (confs := unread_by_nginx(compose, svc, m.target)) is not None:
                yield RULE.finding(
                    f"bind-mount source `{m.source}`{target} of service `{svc.name}` does not exist: Docker creates "
                    f"an empty directory in its place, but no active line of the nginx config "
                    f"(`{project.rel(confs[0])}`) reads `{m.target}` (it is commented out or gone), so nginx starts "
                    "anyway: remove the mount or add the file",
                    m.location,
                    key=key,
                    level=Level.NOTE,
                )
            elif _file_like(m):
                yield RULE.finding(
                    f"bind-mount source `{m.source}`{target} of service `{svc.name}` does not exist: Docker creates "
                    "an empty directory in its place, so the container finds a directory where it expects a file; "
                    + (_beside_overlay(project, compose.project_dir, m.location.path, m.source)
                       or "add the file or fix the path (relative to the compose project directory)"),
                    m.location,
                    key=key,
                )
            elif not _runs_as_root(project, svc):  # an empty directory may be all it needs (a plugins folder)
                yield RULE.finding(
                    f"bind-mount source directory `{m.source}`{target} of service `{svc.name}` does not exist: Docker "
                    "creates it empty; if the service expects content there, create it or fix the path (relative to "
                    "the compose project directory)",
                    m.location,
                    key=key,
                    level=Level.NOTE,
                )


RULE = register(
    Rule(
        id="VW204",
        name="bind-source-missing",
        level=Level.ERROR,
        summary="A relative bind-mount source does not exist, so Docker mounts an empty directory instead.",
        docs=RuleDocs(
            what="Bind mounts of a service (short `./x:/y` and long `type: bind, source: ./x`) whose source is a "
            "relative path are resolved against the compose project directory (the folder of the first compose file, "
            "also for paths written in an overlay merged after it with `-f`: when the path exists beside the overlay, "
            "the message names the path to write). A missing file (a name with an extension on either side, or a "
            "dotfile: named so on both sides, or a known one such as `.env` or `.htpasswd`; a plain folder mounted at "
            "`/root/.pgadmin` is a folder, and so is a name ending in `.d`, such as `/docker-entrypoint-initdb.d`) is "
            "an error (a note when it is mounted under `/etc/nginx` and no active line of the configs that "
            "nginx loads names it: a commented-out `auth_basic_user_file`), unless `.gitignore` keeps it out on "
            "purpose (a certificate, a token, a local configuration "
            "each deployment puts in place: a note; a git-ignored `Cargo.lock` stays an error); a missing directory "
            "is only a note (an empty directory may be all the service needs). A missing data directory (git-ignored, "
            "or mounted where the container writes: `/var/lib/…`, `/data`, `logs`, `uploads`) is fine for a container "
            "that runs as root, which gets no finding at all; it is an error when the container runs as a non-root "
            "user (compose `user:`, also one of variables with non-zero numeric defaults, "
            "`${UID:-1000}:${GID:-1000}`, that the project's `.env` does not set otherwise; not a bare `${UID}`, "
            "which shells do not export, so compose leaves it empty: root; the built image's `USER`, or for an "
            "image-only service the `USER` its image sets, a fact of `rules/images.json`, for a git-ignored data "
            "directory: `prom/prometheus`, `grafana/grafana`, elasticsearch, bitnami; not images whose entrypoint "
            "chowns its directories as root before dropping privileges, such as postgres and mysql), since Docker "
            "creates it owned by root (nothing when a one-shot service it waits for with `condition: "
            "service_completed_successfully` runs as root, mounts the same directory and runs `chown`/`chmod` on "
            "where it mounts it, or on a folder above, first); a "
            "note when the service's Rust code is known, configures its output in code "
            "(no `log4rs` or settings file) and names the folder nowhere (no string holds its name; no variable the "
            "container gets, from `environment`, `env_file` or the image, no word of its command or entrypoint and no "
            "file mounted into it holds its path; it is not the working directory: `./logs:/app/logs` beside an app "
            "that logs to stderr writes nothing there). A read-only mount (`:ro`) is read, not written, so it is no "
            "data directory; a build output of the host (a path under Cargo's `target/…/release` or `debug`) is only "
            "a note to build it first. A source the repository puts into place itself (a template beside it, or a "
            "`mkdir -p`, `cp`, `touch` or a tool's output file, `ssh-keygen -f`, `openssl -out`, `curl -o`, in a "
            "wrapper, script, CI workflow or the README, also a bare `touch app.db` in the docs for a copy of the "
            "compose file in another folder such as `examples/`) is only a note naming that step (a deploy job's "
            "`scp`/`rsync` of the file to `host:$DIR/<the same path>` counts too, when the same file runs compose in "
            "`$DIR` or copies a compose file there; and a packaging script that names the compose file's folder and "
            "copies the file of the same path from the repository root into it, `copy_file \"$root/docker/x.sh\" "
            "\"$bundle/docker/x.sh\"`, assembling a bundle); so is a source of a compose file kept under a "
            "documentation folder (`docs/…`), a snippet whose reader supplies the file. Named volumes, absolute host "
            "paths, `~` paths and paths built from variables (`${PWD}/x`, `$HOME/x`) are not claimed, nor a missing "
            "folder of no known use mounted into a container known to run as root (compose `user: root`, or an image "
            "built here with no USER): Docker creates it, and the container can write there.",
            why="Docker does not fail: it creates an empty directory at the missing path and mounts it. "
            "`./nginx.conf:/etc/nginx/nginx.conf` then mounts a directory over the config file and nginx exits "
            'with `read() "/etc/nginx/nginx.conf" failed (21: Is a directory)`.',
            example="volumes:\n  - ./infrastructure/nginx/nginx.conf:/etc/nginx/nginx.conf:ro   # file was moved",
            fix="Restore the file or correct the path relative to the project directory (the folder of the first "
            "compose file); remove the stray directory Docker created on the host.",
        ),
        check=check,
        tags=("compose",),
    )
)
