"""Compose services no command of the repository starts: every `docker compose up`/`run`/`start` its wrappers,
CI steps and documents run for the compose project names the services it starts (`docker compose up -d postgres`
in a Makefile target, the app run on the host), and a service is neither one of them nor one they depend on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from weakref import WeakKeyDictionary

from viworks_lint.composeruns import started_services
from viworks_lint.parsers.compose import ComposeProject
from viworks_lint.project import Project, norm_path


@dataclass(frozen=True)
class Block:
    """The lines of a service's block in a compose file, for a service nothing starts."""

    service: str
    first: int
    last: int
    started: str  # the services the repository's commands start, as the message shows them
    where: str  # the file of the first such command
    # the service sits behind profiles no command selects: compose neither builds nor checks it
    profiled: bool = False


_CACHE: WeakKeyDictionary[Project, dict[Path, list[Block]]] = WeakKeyDictionary()


def _with_dependencies(compose: ComposeProject, names: frozenset[str]) -> set[str]:
    """The services and those they depend on (`depends_on`, `links`), transitively: compose starts them too."""
    out, todo = set(names), list(names)
    while todo:
        svc = compose.services.get(todo.pop())
        for ref in (*svc.depends_on, *svc.links) if svc is not None else ():
            if ref.name not in out:
                out.add(ref.name)
                todo.append(ref.name)
    return out


def _top_level_after(path: Path, line: int) -> int:
    """The last line before the next top-level key (`volumes:`, `networks:`) after ``line``."""
    try:
        text = path.read_text("utf-8", errors="replace").splitlines()
    except OSError:
        return line
    for n in range(line, len(text)):
        if text[n][:1] not in ("", " ", "\t", "#", "-"):
            return n
    return len(text)


def unstarted_blocks(project: Project) -> dict[Path, list[Block]]:
    """By compose file: the blocks of services no command of the repository starts, in every compose project that
    reads the file (a service another project starts is started)."""
    memo = _CACHE.get(project)
    if memo is not None:
        return memo
    started_in: dict[tuple[Path, str], bool] = {}
    shown: dict[tuple[Path, str], tuple[str, str]] = {}
    for compose in project.composes:
        invocations = tuple(project.compose_env(compose).invocations)
        named = started_services(invocations, compose) if invocations else None
        started = _with_dependencies(compose, named) if named is not None else set(compose.services)
        first = next(
            (inv for inv in invocations if inv.kind != "ci" and inv.subcommand in ("up", "run", "start", "create")),
            None,
        )
        listed = ", ".join(f"`{n}`" for n in sorted(named)) if named is not None and first is not None else None
        for name, svc in compose.services.items():
            key = (norm_path(svc.file), name)
            started_in[key] = started_in.get(key, False) or name in started
            if listed is not None and first is not None:
                shown.setdefault(key, (listed, first.where))
    out: dict[Path, list[Block]] = {}
    for compose in project.composes:
        for name, svc in compose.services.items():
            key = (norm_path(svc.file), name)
            if started_in.get(key, True) or key not in shown or any(b.service == name for b in out.get(key[0], ())):
                continue
            lines = sorted(s.location.line for s in compose.services.values() if norm_path(s.file) == key[0])
            after = [n for n in lines if n > svc.location.line]
            last = after[0] - 1 if after else _top_level_after(key[0], svc.location.line)
            listed, where = shown[key]
            block = Block(name, svc.location.line, last, listed, where, profiled=bool(svc.profiles))
            out.setdefault(key[0], []).append(block)
    _CACHE[project] = out
    return out
