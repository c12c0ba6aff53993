"""Bind mounts a service does not need as written: a directory another service prepares before it starts (a
one-shot service that mounts the same host directory and hands it to the right user, `chown`, `chmod`), and a file
mounted into nginx that no active line of the configs nginx loads reads (`# auth_basic_user_file …`)."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from viworks_lint.parsers.compose import ComposeProject, Service, command_words
from viworks_lint.project import norm_path

_ROOT_USERS = frozenset({"", "root", "0", "0:0", "root:root"})


def chowned_first(compose: ComposeProject, svc: Service, host: Path) -> bool:
    """A service ``svc`` waits for (`condition: service_completed_successfully`) runs as root, mounts the same host
    directory and runs `chown`/`chmod` on where it mounts it, or on a folder above (`db-init` running `chown -R
    2000:2000 /var/lib/postgresql/data` before a non-root postgres): Docker creates the directory for it, and it
    hands the directory over before ``svc`` starts."""
    for ref in svc.depends_on:
        init = compose.services.get(ref.name)
        if init is None or ref.condition != "service_completed_successfully":
            continue
        if (init.user or "").strip() not in _ROOT_USERS:
            continue  # a non-root init cannot chown what Docker created as root
        targets = [
            posixpath.normpath(m.target)
            for m in init.volumes
            if m.type == "bind" and m.source and m.target
            and norm_path(compose.project_dir / m.source) == norm_path(host)
        ]
        words = [w.strip("\"'") for part in command_words(init.entrypoint) + command_words(init.command)
                 for w in re.split(r"[\s;&|()]+", part) if w.strip("\"'")]
        for i, word in enumerate(words):
            if posixpath.basename(word) not in ("chown", "chmod"):
                continue
            for operand in words[i + 1 : i + 8]:
                if operand.startswith("/") and any(
                    t == posixpath.normpath(operand) or t.startswith(posixpath.normpath(operand).rstrip("/") + "/")
                    for t in targets
                ):
                    return True
    return False


def unread_by_nginx(compose: ComposeProject, svc: Service, target: str) -> list[Path] | None:
    """The nginx configs ``svc`` loads, when it loads some and none of their active lines (comments left out)
    names the mounted file ``target`` by its path or its name: nginx never opens it. None otherwise."""
    from viworks_lint.runtime import mounted_nginx_configs

    if not target.startswith("/etc/nginx/") or target.endswith((".conf", ".template", ".types")):
        return None  # a config nginx loads by itself (nginx.conf, conf.d/*.conf, templates/): not a file it is told
    confs = mounted_nginx_configs(compose, svc)
    if not confs:
        return None
    name = re.compile(rf"(?<![\w.-]){re.escape(target.rsplit('/', 1)[-1])}(?![\w-])")
    for conf in confs:
        try:
            text = conf.read_text("utf-8", errors="replace") if conf.stat().st_size < 1_000_000 else "x"
        except OSError:
            return None
        if any(name.search(line.split("#", 1)[0]) for line in text.splitlines()):
            return None
    return confs
