"""What a container starts directly: argv[0] of compose ``entrypoint:``/``command:`` overrides or of the
image's ``ENTRYPOINT``/``CMD`` (past init wrappers; the first command of a shell form), and the file in
the build context (through the stage's file model) or a compose bind mount that is at that path; the first
argument a script it starts gets, and the configuration files a ``command:`` names that are no program."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from viworks_lint.dockerutil import commands
from viworks_lint.location import Location
from viworks_lint.packages import SHELLS
from viworks_lint.parsers.common import user_path
from viworks_lint.parsers.compose import Service
from viworks_lint.parsers.dockerfile import Instruction
from viworks_lint.project import Build, Project
from viworks_lint.scripts import INITS, PATH_DIRS, shell_words
from viworks_lint.stagefiles import Placement, image_path, stage_files


@dataclass(frozen=True)
class Launch:
    """The program a container starts: argv[0] past init wrappers, and how it is started."""

    program: str
    direct: bool  # exec'd by Docker (or by `sh -c` for a shell form), not handed to an interpreter
    shell_form: bool  # through `/bin/sh -c` (sh runs a file without `#!` itself)
    what: str  # "ENTRYPOINT", "CMD", "compose `entrypoint:` of service `api`"
    location: Location
    instr: Instruction | None


# interpreters that take a script file as their first argument, beside the shells
_SCRIPT_RUNNERS = ("python", "python3", "node", "perl")


def _argv0(argv: list[str]) -> tuple[str, bool] | None:
    """(program, direct) of an exec-form argv: past tini/dumb-init/gosu, a script given to a shell
    or another interpreter is not direct."""
    i = 0
    while i < len(argv) and posixpath.basename(argv[i]) in INITS:
        name = posixpath.basename(argv[i])
        i += 1
        while i < len(argv) and argv[i].startswith("-"):
            i += 1
        if name in ("gosu", "su-exec") and i < len(argv):
            i += 1  # the user
    if i >= len(argv) or "$" in argv[i]:
        return None
    prog = argv[i]
    base = posixpath.basename(prog)
    if base in SHELLS or base in ("env", *_SCRIPT_RUNNERS):
        rest = [a for a in argv[i + 1 :] if not a.startswith("-")]
        if base in SHELLS and any(a.startswith("-") and "c" in a for a in argv[i + 1 : i + 3]):
            # `sh -c "…"`: a command line, not a script; one simple command names the program it starts
            line = next((a for a in argv[i + 1 :] if not a.startswith("-")), "")
            cmds = commands(line)
            prog1 = _shell_argv0(line) if len(cmds) == 1 else None
            return (prog1, False) if prog1 and "$" not in prog1 and posixpath.basename(prog1) not in SHELLS else None
        return (rest[0], False) if rest and "$" not in rest[0] else None
    return prog, True


def _shell_argv0(text: str) -> str | None:
    """The program a shell-form command line starts first (past ``exec`` and ``VAR=value``)."""
    cmds = commands(text)
    if not cmds:
        return None
    words = [w for w in cmds[0] if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", w)]
    while words and words[0] == "exec":
        words = words[1:]
    return words[0] if words and "$" not in words[0] else None


def launch_of(
    value: tuple[str, ...] | str, shell: bool, what: str, loc: Location, instr: Instruction | None
) -> Launch | None:
    if shell:
        text = value if isinstance(value, str) else " ".join(value)
        prog = _shell_argv0(text)
        if prog is None:
            return None
        if posixpath.basename(prog) in SHELLS | INITS:
            words = commands(text)[0]
            found = _argv0(words[words.index(prog) :])
            return Launch(found[0], found[1], False, what, loc, instr) if found else None
        return Launch(prog, True, True, what, loc, instr)
    argv = list(value) if not isinstance(value, str) else shell_words(value)
    found = _argv0(argv)
    return Launch(found[0], found[1], False, what, loc, instr) if found else None


# an entrypoint that is an interpreter alone (`/bin/bash`, no `-c`): the command's first word is its script
_INTERPRETERS = SHELLS | frozenset(_SCRIPT_RUNNERS)


def _words(value: tuple[str, ...] | str) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else tuple(shell_words(value))




def launches(build: Build) -> list[Launch]:
    """What the container of ``build`` starts: compose overrides first, then the image's."""
    df = build.dockerfile
    assert df is not None
    stage = df.final_stage(build.target)
    if stage is None:
        return []
    svc = build.service
    entry, cmd = stage.state.entrypoint, stage.state.cmd
    if svc is not None and svc.entrypoint is not None:
        node = svc.node.get("entrypoint")
        loc = node.loc if node is not None else svc.location
        if isinstance(svc.entrypoint, tuple) and not svc.entrypoint:
            entry_l = None  # `entrypoint: []` clears the image's
        else:
            entry_l = launch_of(svc.entrypoint, False, f"compose `entrypoint:` of service `{svc.name}`", loc, None)
        if entry_l is not None or svc.command is None:
            return [entry_l] if entry_l else []
        node = svc.node.get("command")
        where = f"compose `command:` of service `{svc.name}`"
        # `entrypoint: /bin/bash` with `command: [/setup.sh]`: the command is the entrypoint's arguments, so the
        # script is handed to an interpreter (which needs no exec bit), not run directly
        entry_words = _words(svc.entrypoint)
        bare = bool(entry_words) and posixpath.basename(entry_words[0]) in _INTERPRETERS and len(entry_words) == 1
        argv = (*entry_words, *_words(svc.command)) if bare else _words(svc.command)
        cmd_l = launch_of(argv, False, where, node.loc if node else svc.location, None)
        return [cmd_l] if cmd_l else []
    if entry is not None and entry.exec_error is None and entry.args:
        launch = launch_of(
            entry.args if entry.json else entry.args[0], not entry.json, "ENTRYPOINT", entry.location, entry
        )
        return [launch] if launch else []
    if svc is not None and svc.command is not None:
        node = svc.node.get("command")
        where = f"compose `command:` of service `{svc.name}`"
        launch = launch_of(svc.command, False, where, node.loc if node else svc.location, None)
        return [launch] if launch else []
    if cmd is not None and cmd.exec_error is None and cmd.args:
        launch = launch_of(cmd.args if cmd.json else cmd.args[0], not cmd.json, "CMD", cmd.location, cmd)
        return [launch] if launch else []
    return []


# ------------------------------------------------------------------------------------------ where it is


@dataclass(frozen=True)
class Source:
    host: Path
    image_path: str
    copy: Placement | None  # the COPY/ADD that put it in the image (None: a compose bind mount)
    mount: Location | None
    origin: Placement | None = None  # for `COPY --from=<stage>`: that stage's COPY from the context
    origin_path: str = ""  # where that stage has the file


def bind_source(project: Project, svc: Service | None, path: str) -> Source | None:
    if svc is None:
        return None
    from viworks_lint.runtime import compose_dir

    base = compose_dir(project, svc)
    for m in svc.volumes:
        if m.type != "bind" or not m.source or not m.target or base is None or "$" in m.source:
            continue
        target = posixpath.normpath(m.target)
        if path != target and not path.startswith(target.rstrip("/") + "/"):
            continue
        src = user_path(m.source)
        host = (src if src.is_absolute() else base / src) / posixpath.relpath(path, target)
        return Source(host, path, None, m.location) if host.is_file() else None
    return None


def mounted_scripts(project: Project, svc: Service, command: str, workdir: str) -> list[Path]:
    """The host files of the shell scripts a service's command runs from a bind mount (`sh
    /app/docker/start_backend.sh` with `.:/app` mounted): the repository's own file, read where compose mounts it."""
    root = project.root.resolve()
    out: list[Path] = []
    for word in command.split():
        word = word.strip("\"';&|()")
        if not word.endswith(".sh") or "$" in word:
            continue
        bound = bind_source(project, svc, image_path(workdir or "/", word))
        host = bound.host.resolve() if bound is not None else None
        if host is not None and host.is_relative_to(root) and host not in out:
            out.append(host)
    return out


def script_source(project: Project, build: Build, program: str) -> Source | None:
    df = build.dockerfile
    assert df is not None
    stage = df.final_stage(build.target)
    if stage is None:
        return None
    workdir = stage.state.workdir
    svc = build.service
    wd = svc.node.get("working_dir") if svc is not None else None
    if wd is not None and wd.text():
        workdir = str(wd.text())
    files = stage_files(project, build, stage)
    if "/" in program:
        candidates = [image_path(workdir, program)]
    else:
        candidates = [p.dest for p in files.context_copies() if not p.tree and posixpath.basename(p.dest) == program]
        candidates += [f"{d}/{program}" for d in PATH_DIRS]
    for cand in candidates:
        bound = bind_source(project, svc, cand)
        if bound is not None:
            return bound
        found = files.lookup(cand, copies_only=True)
        placed = found.placement
        if not (found.present and placed is not None and found.host and found.host.is_file()):
            continue
        if placed.kind == "context":
            return Source(found.host, cand, placed, None)
        if placed.kind == "stage" and placed.from_stage is not None:
            inner = posixpath.normpath(posixpath.join(placed.source, posixpath.relpath(cand, placed.dest)))
            there = stage_files(project, build, placed.from_stage).lookup(inner, copies_only=True)
            if there.present and there.placement is not None and there.placement.kind == "context":
                return Source(found.host, cand, placed, None, there.placement, inner)
    return None


def first_argument(build: Build, launch: Launch) -> str | None:
    """The first argument the script gets when the container starts (`""` for none): the rest of an exec-form
    ENTRYPOINT, then the compose `command:` or the image's exec-form CMD; None when it cannot be told."""
    df, svc = build.dockerfile, build.service
    stage = df.final_stage(build.target) if df is not None else None
    if stage is None or launch.instr is None or not launch.instr.json:
        return None
    argv = list(launch.instr.args)
    if launch.program not in argv:
        return None
    rest = argv[argv.index(launch.program) + 1 :]
    if launch.instr.cmd == "ENTRYPOINT":
        cmd = stage.state.cmd
        if svc is not None and svc.command is not None:
            rest += list(svc.command) if isinstance(svc.command, tuple) else shell_words(svc.command)
        elif cmd is not None:
            if not cmd.json:
                return None
            rest += list(cmd.args)
    elif svc is not None and (svc.command is not None or svc.entrypoint is not None):
        return None
    return rest[0] if rest else ""


_DATA_SUFFIXES = (".conf", ".cfg", ".cnf", ".ini", ".yaml", ".yml", ".json", ".toml", ".xml", ".properties", ".sql")


def data_file(path: Path) -> bool:
    """A configuration or data file (`redis.conf`): never a program, only an argument of the image's own
    entrypoint, unless it starts with `#!`."""
    if not path.name.lower().endswith(_DATA_SUFFIXES):
        return False
    try:
        with path.open("rb") as fh:
            return fh.read(2) != b"#!"
    except OSError:
        return True
