"""What runs as PID 1 of an image and whether it is an init: an init in the ENTRYPOINT (tini, dumb-init, s6), compose
`init: true`, a shell or a launcher in front of the app, an entrypoint script that traps SIGTERM and waits, and
what the app's code does with its stop signal (VW402 reads these facts)."""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path

from viworks_lint.bashexec import Shells, execs_tail
from viworks_lint.dockerutil import commands, run_text
from viworks_lint.hostroot import published_services
from viworks_lint.location import Location
from viworks_lint.parsers.compose import Service, command_words
from viworks_lint.parsers.dockerfile import Dockerfile, Instruction, Stage
from viworks_lint.project import Build, Project
from viworks_lint.scope import deploy_service_builds
from viworks_lint.scripts import entry_script, script_argv
from viworks_lint.scripttail import script_tail
from viworks_lint.signals import (
    SignalFacts,
    candidate_signals,
    forwards_signal,
    framework_signals,
    image_signals,
    installed_server,
)

INITS = (
    "tini",
    "dumb-init",
    "s6-svscan",
    "catatonit",
    "docker-init",
    "/init",
    "s6-overlay-suexec",
    "runit",
    "supervisord",
    "pid1",
)


def _words(instr: Instruction) -> list[str]:
    if instr.json:
        return list(instr.args)
    return " ".join(instr.args).split()


def has_init(instr: Instruction | None) -> bool:
    if instr is None:
        return False
    words = _words(instr)
    for w in words[:3]:
        base = w.rsplit("/", 1)[-1]
        if w in INITS or base in INITS or base.startswith(("tini", "dumb-init")):
            return True
    return False


# interpreters whose programs install their own SIGTERM handler in their source (the app is not Rust here)
_HANDLERS = {
    "node": (re.compile(r"\bprocess\.(?:on|once|addListener|prependListener)\(\s*['\"`]SIGTERM"),
             (".js", ".mjs", ".cjs", ".ts", ".mts")),
    "python": (re.compile(r"\bsignal\.signal\(\s*(?:signal\.)?SIGTERM|add_signal_handler\(\s*(?:signal\.)?SIGTERM"),
               (".py",)),
}  # fmt: skip
_SKIP_DIRS = frozenset({"node_modules", ".git", "target", "dist-types", "__pycache__", ".venv", "venv"})


def interpreter_handles_sigterm(starter: Instruction, builds: list[Build]) -> bool:
    """The image starts an interpreter (`node dist/index.js`, `python -m app`) and the build context's sources of
    that language install a SIGTERM handler: the program stops on `docker stop` by itself."""
    words = _words(starter)
    prog = posixpath.basename(words[0]) if words else ""
    lang = "node" if prog in ("node", "bun", "deno") else "python" if prog.startswith("python") else None
    if lang is None:
        return False
    pattern, suffixes = _HANDLERS[lang]
    for b in builds:
        seen = 0
        for root, dirs, files in os.walk(b.context):
            dirs[:] = [d for d in dirs if d not in _SKIP_DIRS]
            for name in files:
                if not name.endswith(suffixes):
                    continue
                seen += 1
                if seen > 3000:
                    return False
                try:
                    path = os.path.join(root, name)
                    if os.path.getsize(path) < 1_000_000 and pattern.search(Path(path).read_text("utf-8", "replace")):
                        return True
                except OSError:
                    continue
    return False


def forwarder_passes_stop(starter: Instruction, stops: list[str]) -> bool:
    """The exec-form ENTRYPOINT/CMD starts a launcher that forwards every stop signal of the services to the
    command it starts (rules/signal_frameworks.json ``forwarders``)."""
    words = _words(starter)
    signals = stops or ["SIGTERM"]
    return starter.json and bool(words) and all(forwards_signal(words[0], sig) for sig in signals)


def installed_framework(df: Dockerfile, starter: Instruction, stops: list[str]) -> tuple[str, Location] | None:
    """The exec-form ENTRYPOINT/CMD starts a server a RUN of the Dockerfile installs with `cargo install`, built on
    a framework that stops on every stop signal of the services (rules/signal_frameworks.json ``programs``): the
    framework and that RUN."""
    words = _words(starter)
    if not starter.json or not words:
        return None
    runs = [(run_text(i), i.location) for st in df.stages for i in st.instructions if i.cmd == "RUN"]
    found = installed_server(words[0], runs)
    if found is None or not all(sig in framework_signals(found[0]) for sig in stops or ["SIGTERM"]):
        return None
    return found


def compose_init(build: Build) -> bool:
    return build.service is not None and service_init(build.service)


def service_init(svc: Service) -> bool:
    """The service runs its image under an init: `init: true`, or an init as its `entrypoint`."""
    if svc.init is True:
        return True
    words = command_words(svc.entrypoint)
    return any(w.rsplit("/", 1)[-1] in INITS or w in INITS for w in words[:3])


def shell_pid1(instr: Instruction, shells: Shells | None = None) -> bool:
    """A shell stays PID 1 and the app is its child: a shell form not started with ``exec``, or an exec-form
    ``sh -c`` with several commands whose last one is not ``exec``'d; not when the shell execs that last command
    itself (``bash -c`` when the image's bash is 5.1 or newer, BusyBox's ``sh``). VW403 reports that instruction."""
    if not instr.json:
        text = instr.args[0] if instr.args else ""
        cmds = commands(text)
        if shells is not None and execs_tail(["/bin/sh", "-c", text], shells):
            return False
        return not (text.lstrip().startswith("exec ") or (len(cmds) == 1 and cmds[0][:1] == ["exec"]))
    script, rest = script_argv(list(instr.args))
    if script is not None or len(rest) < 3:
        return False
    cmds = commands(rest[2])
    return len(cmds) > 1 and cmds[-1][:1] != ["exec"] and not (shells is not None and execs_tail(rest, shells))


def code_signals(project: Project, builds: list[Build]) -> tuple[list[SignalFacts] | None, list[Build]]:
    """What the code the image runs does with signals, read through each build that links the image to its code
    (a test compose file's build from another context may not: the same stage builds the same program), with
    those builds; None when no build links it."""
    out: list[SignalFacts] = []
    linked: list[Build] = []
    for b in builds:
        facts = image_signals(project, b) or candidate_signals(project, b)
        if facts is not None:
            out.append(facts)
            linked.append(b)
    return (out or None), (linked or builds)


_SIGNAL_NUMBERS = {"2": "SIGINT", "15": "SIGTERM"}


def _signal_name(raw: str) -> str:
    name = raw.strip().strip("\"'").upper()
    name = _SIGNAL_NUMBERS.get(name, name)
    return name if name.startswith("SIG") else "SIG" + name


def stop_signal(df: Dockerfile, stage: Stage, build: Build) -> str:
    """The signal ``docker stop`` sends: compose ``stop_signal``, else the stage's last ``STOPSIGNAL``
    (inherited through ``FROM <stage>``), else SIGTERM."""
    node = build.service.node.get("stop_signal") if build.service is not None else None
    if node is not None and isinstance(node.value, (str, int)):
        return _signal_name(str(node.value))
    current: Stage | None = stage
    while current is not None:
        for instr in reversed(current.instructions):
            if instr.cmd == "STOPSIGNAL" and instr.args:
                return _signal_name(instr.args[0])
        current = df.stages[current.parent] if current.parent is not None else None
    return "SIGTERM"


def deploy_init(project: Project, builds: list[Build]) -> bool:
    """The compose services that ship the image (deploy scope) all set `init: true`; services of dev, test or
    benchmark compose files that run it without one do not make it a finding."""
    shipped = deploy_service_builds(project, builds)
    return bool(shipped) and all(compose_init(b) for b in shipped)


def published_init(project: Project, builds: list[Build]) -> bool:
    """No compose service builds the image, and the image-only services that run what it publishes (an `image:`
    named for the program it starts, `ghcr.io/acme/feed` for `feed`) all set `init: true`."""
    if any(b.service is not None for b in builds):
        return False
    services = published_services(project, builds)
    return bool(services) and all(service_init(svc) for svc in services)


def script_shell_pid1(project: Project, stage: Stage, builds: list[Build], starter: Instruction) -> bool:
    """The ENTRYPOINT/CMD runs an entrypoint script whose last command starts the program without ``exec``."""
    for b in builds:
        found = entry_script(project, b, stage, starter)
        if found is not None:
            return script_tail(found.text) is not None
    return False


_TRAP_TERM = re.compile(r"^\s*trap\s+.+\s(?:SIG)?TERM\b|^\s*trap\s+.+\s15\b", re.MULTILINE)
_WAITS = re.compile(r"^\s*wait(?:[ \t]|$)", re.MULTILINE)  # not `wait-for-it.sh`
_EXEC_INIT = re.compile(r"^\s*exec\s+(\S+)", re.MULTILINE)


def script_is_init(project: Project, stage: Stage, builds: list[Build], starter: Instruction) -> bool:
    """The entrypoint script does an init's work: it ends by exec'ing a process manager (`exec supervisord`,
    `exec s6-svscan`), or it traps SIGTERM and `wait`s for the app it started in the background (it forwards the
    signal and reaps its child)."""
    for b in builds:
        found = entry_script(project, b, stage, starter)
        if found is None:
            continue
        execs = _EXEC_INIT.findall(found.text)
        if execs:  # the last `exec` replaces the shell: an init, or the app (then the trap is gone with it)
            return execs[-1].strip("\"'").rsplit("/", 1)[-1] in INITS
        return _TRAP_TERM.search(found.text) is not None and _WAITS.search(found.text) is not None
    return False
