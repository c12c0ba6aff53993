"""A `docker compose` (or `docker stack deploy`) command line of a wrapper, read as the compose project it
runs: files, env files, profiles, the variables the line sets."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from viworks_lint.location import Location
from viworks_lint.taskruns import resolve_path

if TYPE_CHECKING:
    from viworks_lint.parsers.compose import ComposeProject

STACK_DEPLOY = "stack deploy"  # the subcommand recorded for `docker stack deploy -c file`: a swarm stack


@dataclass(frozen=True)
class Invocation:
    """One ``docker compose`` command of a wrapper."""

    location: Location
    where: str
    kind: str  # ci | make | script | docs
    label: str  # the make target, CI job or script name, lower-case
    cwd: Path
    files: tuple[Path, ...]
    env_files: tuple[Path, ...]
    profiles: tuple[str, ...]
    variables: tuple[str, ...]
    subcommand: str
    text: str
    values: tuple[tuple[str, str], ...] = ()  # the variables whose value the wrapper states (cargo-make's `[env]`)
    # env files the wrapper loads into the shell that runs compose (justfile `set dotenv-load`): their variables
    # are set for interpolation, and compose still reads the project's `.env`
    shell_env_files: tuple[Path, ...] = ()


def compose_run(
    args: list[str],
    assigned: dict[str, str],
    cwd: Path,
    loc: Location,
    where: str,
    kind: str,
    label: str,
    text: str,
    stack: bool = False,
) -> Invocation | None:
    """The compose project a `docker compose` command line names: its files, env files, profiles and the
    variables the line sets; None when a path is built from a variable we cannot see. ``stack``: the arguments
    of `docker stack deploy`, whose `-c`/`--compose-file` name the files (none named: None)."""
    file_flags = ("-c", "--compose-file") if stack else ("-f", "--file")
    files: list[str] = []
    env_files: list[str] = []
    profiles: list[str] = []
    project_dir: str | None = None
    sub = ""
    i = 0
    while i < len(args):
        a = args[i]
        name, eq, val = a.partition("=")
        takes = name in (
            *file_flags,
            "--env-file",
            "--profile",
            "--project-directory",
            "-p",
            "--project-name",
            "--ansi",
            "--parallel",
            "--progress",
        )
        if takes and not eq:
            val = args[i + 1] if i + 1 < len(args) else ""
            i += 1
        if name in file_flags:
            files.append(val)
        elif name == "--env-file":
            env_files.append(val)
        elif name == "--profile":
            profiles.append(val)
        elif name == "--project-directory":
            project_dir = val
        elif not a.startswith("-") and not takes and not stack:  # a stack's name: its flags may follow it
            if "$" in a:
                return None  # `"${FILES[@]}"` of an array we could not read: which files it names is unknown
            sub = a
            break
        i += 1
    if "COMPOSE_FILE" in assigned:
        files.extend(assigned["COMPOSE_FILE"].replace(",", ":").split(":"))
    if "COMPOSE_PROFILES" in assigned:
        profiles.extend(assigned["COMPOSE_PROFILES"].split(","))
    if stack:
        if not files:
            return None  # a stack deploy names its files with `-c`: without one, nothing to tie it to
        sub = STACK_DEPLOY
    resolved_files = [resolve_path(cwd, f) for f in files]
    resolved_env = [resolve_path(cwd, f) for f in env_files]
    if any(p is None for p in resolved_files) or any(p is None for p in resolved_env):
        return None  # built from a variable we cannot see: which project it is stays unknown
    workdir = resolve_path(cwd, project_dir) if project_dir else cwd
    return Invocation(
        loc,
        where,
        kind,
        label,
        workdir or cwd,
        tuple(p for p in resolved_files if p is not None),
        tuple(p for p in resolved_env if p is not None),
        tuple(profiles),
        tuple(sorted(k for k in assigned if k not in ("COMPOSE_FILE", "COMPOSE_PROFILES"))),
        sub,
        text,
    )


# `docker compose run` options that take a value (the service is the first word that is neither)
_RUN_VALUE_OPTS = frozenset({
    "-e", "--env", "--env-from-file", "-v", "--volume", "-w", "--workdir", "--name", "-p", "--publish", "-u", "--user",
    "--entrypoint", "-l", "--label", "--cap-add", "--cap-drop", "--pull",
})  # fmt: skip


def run_only(invocations: tuple[Invocation, ...], services: frozenset[str]) -> frozenset[str] | None:
    """The services the wrappers name when every one of their commands for a compose project is a `docker compose
    run <service>` of one of ``services`` (a toolbox of one-off containers: `run --rm codegen-python`); None when
    any other command (`up`, `build`, a `run` whose service cannot be read, or is none of them) runs it, or none
    does."""
    names: set[str] = set()
    for inv in invocations:
        if inv.subcommand != "run":
            return None
        try:
            words = shlex.split(inv.text, comments=True)
        except ValueError:
            return None
        at = next((i for i, w in enumerate(words) if w == "run"), None)
        if at is None:
            return None
        i = at + 1
        while i < len(words) and words[i].startswith("-"):
            i += 1 if "=" in words[i] or words[i] not in _RUN_VALUE_OPTS else 2
        if i >= len(words) or words[i] not in services:
            return None  # misread, or a service of another file set
        names.add(words[i])
    return frozenset(names) if names else None


# `docker compose up`/`start`/`create` options that take a value (the services are the words that are neither)
_UP_VALUE_OPTS = frozenset({
    "-t", "--timeout", "--scale", "--exit-code-from", "--attach", "--no-attach", "--pull", "--wait-timeout",
})  # fmt: skip
_STARTS = {"up": _UP_VALUE_OPTS, "start": _UP_VALUE_OPTS, "create": _UP_VALUE_OPTS, "run": _RUN_VALUE_OPTS}
# the subcommands whose words name services: those that start them, and `build` (its options read as flags)
_NAMING = {**_STARTS, "build": frozenset[str]()}


def _split_at_subcommand(inv: Invocation) -> tuple[list[str], int] | None:
    """The command's words (shell quoting read) and where its subcommand is; None when they cannot be read."""
    try:
        words = shlex.split(inv.text, comments=True)
    except ValueError:
        return None
    at = next((i for i, w in enumerate(words) if w == inv.subcommand), None)
    return (words, at) if at is not None else None


def _start_words(inv: Invocation) -> tuple[list[str], set[str]] | None:
    """What a command that starts (or builds) services says: the services it names and the profiles it selects
    (`--profile` before the subcommand, or COMPOSE_PROFILES); None when it names none (`down`, `logs`) or cannot be
    read."""
    opts = _NAMING.get(inv.subcommand)
    split = _split_at_subcommand(inv) if opts is not None else None
    if opts is None or split is None:
        return None
    words, at = split
    named: list[str] = []
    i = at + 1
    while i < len(words):
        w = words[i]
        if w in ("&&", "||", ";", "|") or w.startswith(("&", ";", "|", ">")):
            break
        if w.startswith("-"):
            i += 1 if "=" in w or w not in opts else 2
            continue
        named.append(w)
        if inv.subcommand == "run":
            break  # the rest is the command
        i += 1
    wanted = _profiles(inv, words, at)
    return named, wanted


def _profiles(inv: Invocation, words: list[str], at: int) -> set[str]:
    """The profiles a command selects: `--profile` before its subcommand, and COMPOSE_PROFILES."""
    return set(inv.profiles) | {
        w.split("=", 1)[1] if "=" in w else words[k + 1]
        for k, w in enumerate(words[:at])
        if (w == "--profile" and k + 1 < at) or w.startswith("--profile=")
    }


def _started(named: list[str], wanted: set[str], compose: ComposeProject) -> frozenset[str] | None:
    """The services one command starts: those it names (`up -d postgres`, `run --rm migrate`; None when one is not
    a service of ``compose``), else what its profiles select (services of no profile, and of those profiles)."""
    if named:
        return frozenset(named) if all(n in compose.services for n in named) else None
    if "*" in wanted:  # `--profile '*'` enables every profile
        return frozenset(compose.services)
    return frozenset(n for n, svc in compose.services.items() if not svc.profiles or set(svc.profiles) & wanted)


def started_services(invocations: tuple[Invocation, ...], compose: ComposeProject) -> frozenset[str] | None:
    """The services the repository's commands for a compose project start, when every command that starts any
    names them (`docker compose up -d postgres`, `run --rm migrate`) and none is a CI job (which starts them for
    tests; a CI job's `--profile` selection counts, and so does a `build` that names services or selects profiles:
    those are built); None when one starts them all (a bare `up`, or one that names every service of no profile),
    cannot be read, or none starts any. Services they depend on are not added here; `exec`, `logs`, `restart` of a
    service count as using it."""
    names: set[str] = set()
    starts = False
    for inv in invocations:
        if inv.kind == "ci":
            said = _start_words(inv) if inv.subcommand in _STARTS else None
            if said is not None and said[1]:  # a CI job's `--profile testing`: those services do run
                names |= _started(*said, compose) or set()
            continue
        if inv.subcommand in _USES:
            used = _used_by(inv, compose)
            if used is None:
                return None
            names |= used
            continue
        if inv.subcommand == "build":  # `--profile tools build`, `build worker`: compose builds those
            built = _start_words(inv)
            if built is not None and (built[0] or built[1]):
                names |= _started(*built, compose) or set()
            continue
        if inv.subcommand not in _STARTS:
            continue
        said = _start_words(inv)
        if said is None:
            return None  # unreadable
        started = _started(*said, compose)  # the services it names, or those its `--profile`s select
        if started is None and inv.files:
            # an explicit `-f` file that lacks a service the command names: compose refuses it, starting nothing
            started = frozenset()
        unprofiled = frozenset(n for n, s in compose.services.items() if not s.profiles)
        if started is None or not (said[0] or said[1]) or (unprofiled and started == unprofiled):
            return None  # unknown services, a bare `up`, or one that names them all
        names |= started
        starts = True
    return frozenset(names) if starts else None


_USES = frozenset({"exec", "logs", "restart", "stop", "kill", "rm"})


def _used_by(inv: Invocation, compose: ComposeProject) -> frozenset[str] | None:
    """The services a command that works on running containers names (`exec api sh`: only the first word;
    `logs -f api worker`); empty when it names none (`logs -f`); None when it cannot be read."""
    split = _split_at_subcommand(inv)
    if split is None:
        return None
    words, at = split
    rest = [w for w in words[at + 1 :] if not w.startswith("-")]
    if inv.subcommand == "exec":
        rest = rest[:1]
    return frozenset(w for w in rest if w in compose.services)
