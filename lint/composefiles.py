"""Which compose files make a project of their own: the files others pull services from with ``extends:``, the
``docker-compose.<env>.yml`` variants complete enough to be linted alone, and the file set a bare
``docker compose`` reads in a folder."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from viworks_lint.parsers.common import ReadError, read_text
from viworks_lint.parsers.yamlnode import load
from viworks_lint.project import norm_path

if TYPE_CHECKING:
    from viworks_lint.project import Project

_EXTENDS_FILE = re.compile(r"^\s*extends:\s*\n(?:\s+\w+:.*\n)*?\s+file:\s*['\"]?([^'\"\s#]+)", re.M)
_DEFAULTED = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}")


def extended_files(compose_files: list[Path]) -> set[Path]:
    """Files the compose files pull services from with `extends: {file: …}`
    (`docker-compose.${ECR_OR_BUILD:-build}.yml`: the default and every file the variable could name): fragments of
    that project, not projects of their own."""
    out: set[Path] = set()
    for path in compose_files:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for m in _EXTENDS_FILE.finditer(text):
            raw = m.group(1)
            pattern = re.sub(r"\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*", "*", raw)
            out.update(norm_path(p) for p in path.parent.glob(pattern) if p.is_file())
            default = _DEFAULTED.sub(lambda d: d.group(1), raw)
            if "$" not in default:
                out.add(norm_path(path.parent / default))
    return out


# a comment that shows the file given with `-f`/`--file` (`# docker compose -f compose.yml -f compose.prod.yml up`);
# not a `-f` of a program in a command or healthcheck (`haproxy -f /etc/haproxy.cfg`, `curl -f`)
_COMBINED = re.compile(r"(?:^|\s)#[^\n]*?(?:\s-f\s|--file\b)", re.M)


def standalone_compose(path: Path) -> bool:
    """A ``docker-compose.<env>.yml`` is linted on its own only when it is a complete project: every
    service has an image or a build, every service it names (``depends_on``, ``links``, ``extends``,
    ``network_mode: service:``) is its own, every named volume it mounts is declared, and nothing in it
    says it is meant to be combined with ``-f``. Overlays and parts of a ``-f a -f b`` set are left out."""
    try:
        text = read_text(path)
        data = load(path, text)
    except (ReadError, RecursionError):
        return False
    if _COMBINED.search(text) or re.search(r"^include:", text, re.M):
        return False  # a comment or an include tells how it is combined
    if re.search(r"(?:^|[.\-_])(?:snippet|fragment|partial)(?:[.\-_]|$)", path.name, re.I):
        return False  # `docker-compose.snippet.yml`: lines to paste into another file, no project of its own
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, dict) or not services:
        return False
    volumes = data.get("volumes") if isinstance(data.get("volumes"), dict) else {}
    for svc in services.values():
        if not isinstance(svc, dict) or not ("image" in svc or "build" in svc):
            return False
        deps = svc.get("depends_on") or []
        names = list(deps) if isinstance(deps, (list, dict)) else []
        links = svc.get("links") or []
        names += [str(x).split(":")[0] for x in links] if isinstance(links, list) else []
        nm = svc.get("network_mode")
        if isinstance(nm, str) and nm.startswith("service:"):
            names.append(nm[len("service:") :])
        if any(str(n) not in services for n in names):
            return False
        for mount in svc.get("volumes") or []:
            src = str(mount).split(":")[0] if isinstance(mount, str) else ""
            if src and not src.startswith((".", "/", "~", "$")) and "/" not in src and src not in volumes:
                return False
    return True


def default_compose(project: Project, cwd: Path) -> tuple[Path, ...]:
    """The compose files a bare `docker compose` run in ``cwd`` reads: the default file set of that folder or,
    as compose looks upward, of the nearest parent up to the repository root that has one."""
    defaults: dict[Path, list[Path]] = project.__dict__.setdefault(
        "_default_compose", {norm_path(g[0].parent): g for g in project.discovered.compose_groups}
    )
    root = norm_path(project.root)
    d = norm_path(cwd)
    while True:
        if d in defaults:
            return tuple(defaults[d])
        if d == root or d.parent == d or root not in d.parents:
            return ()
        d = d.parent

