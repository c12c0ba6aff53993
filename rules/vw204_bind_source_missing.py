"""VW204 bind-source-missing."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import replace

from viworks_lint.findings import Finding, Level
from viworks_lint.parsers.compose import Mount
from viworks_lint.project import Project
from viworks_lint.rule import Rule, RuleDocs, register

_WINDOWS_ABS = re.compile(r"^[A-Za-z]:[\\/]")


def _no_claim(source: str) -> bool:
    """Absolute host paths, home paths and values we cannot resolve are not claimed."""
    return (
        source.startswith(("/", "~", "\\\\"))
        or bool(_WINDOWS_ABS.match(source))
        or "$" in source
        or source.startswith(("npipe:", "unix:"))
    )


def _file_like(mount: Mount) -> bool:
    names = [posixpath.basename((mount.source or "").rstrip("/")), posixpath.basename((mount.target or "").rstrip("/"))]
    # `app.toml`, `nginx.conf`, and dotfiles such as `.env` or `.htpasswd`
    return any("." in n.lstrip(".") or (n.startswith(".") and len(n) > 1 and n not in ("..",)) for n in names if n)


_DATA_DIRS = (
    "/var/lib/",
    "/data",
    "/bitnami/",
    "/usr/share/elasticsearch/data",
    "/usr/share/opensearch/data",
    "/prometheus",
    "/var/opt/mssql",
    "/opt/couchdb/data",
)


def _data_dir(mount: Mount) -> bool:
    """A datastore's data directory: Docker creating it empty is exactly the first start it expects."""
    target = (mount.target or "").rstrip("/")
    return target.startswith(_DATA_DIRS) or "/data/" in target + "/"


def check(project: Project) -> Iterator[Finding]:
    for compose, svc in project.services():
        for m in svc.volumes:
            if m.type != "bind" or not m.source or _no_claim(m.source):
                continue
            host = compose.project_dir / m.source
            if host.exists():
                continue
            target = f" → `{m.target}`" if m.target else ""
            if _file_like(m):
                yield RULE.finding(
                    f"bind-mount source `{m.source}`{target} of service `{svc.name}` does not exist: Docker creates "
                    "an empty directory in its place, so the container finds a directory where it expects a file; "
                    "add the file or fix the path (relative to the compose project directory)",
                    m.location,
                    key=f"{svc.name}:{m.source}",
                )
            elif project.is_gitignored(host) or _data_dir(m):
                f = RULE.finding(
                    f"bind-mount source directory `{m.source}`{target} of service `{svc.name}` does not exist and is "
                    "git-ignored or mounted as a data directory: Docker creates it empty on first start, which is "
                    "fine for data but not for content the service needs",
                    m.location,
                    key=f"{svc.name}:{m.source}",
                )
                yield replace(f, level=Level.NOTE)
            else:
                yield RULE.finding(
                    f"bind-mount source `{m.source}`{target} of service `{svc.name}` does not exist: Docker creates "
                    "an empty directory there and the container starts without the content it expects; create it "
                    "or fix the path (relative to the compose project directory)",
                    m.location,
                    key=f"{svc.name}:{m.source}",
                )


RULE = register(
    Rule(
        id="VW204",
        name="bind-source-missing",
        level=Level.ERROR,
        summary="A relative bind-mount source does not exist, so Docker mounts an empty directory instead.",
        docs=RuleDocs(
            what="Bind mounts of a service (short `./x:/y` and long `type: bind, source: ./x`) whose source is a "
            "relative path are resolved against the compose project directory. A missing source is an error; a "
            "missing source that looks like a directory (no file extension or dotfile name on either side) and "
            "that `.gitignore` ignores, or that is mounted on a data directory (`/var/lib/…`, `/data`), is a "
            "runtime data directory and only a note. Named volumes, absolute host paths, `~` paths "
            "and paths built from variables are not claimed.",
            why="Docker does not fail: it creates an empty directory at the missing path and mounts it. "
            "`./nginx.conf:/etc/nginx/nginx.conf` then mounts a directory over the config file and nginx exits "
            'with `read() "/etc/nginx/nginx.conf" failed (21: Is a directory)`.',
            example="volumes:\n  - ./infrastructure/nginx/nginx.conf:/etc/nginx/nginx.conf:ro   # file was moved",
            fix="Restore the file or correct the path relative to the compose file's directory; remove the stray "
            "directory Docker created on the host.",
        ),
        check=check,
        tags=("compose",),
    )
)
