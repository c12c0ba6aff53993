"""Images whose program runs to completion: a command-line tool (a clap CLI with subcommands, run with a mounted
workspace and gone when it is done; an entrypoint whose default command is `help`) or a one-shot job (a
migration, a cron job, a backfill). Neither serves anything: the code the image runs binds no socket, serves no
route and starts no server, the image has no EXPOSE or HEALTHCHECK, and no compose service runs it with `ports:`
or an always-on `restart:`. A one-shot job must also show nothing that keeps it running (an unbounded `loop`, a
`while` on a stop flag or a channel, a queue consumer, a timer); a CLI may loop (following logs, polling a run)
and still ends.

Read from the source text of the files the Rust reader followed for the image's binary: for a binary beside
its package's main one (a worker of a server crate), only its own files, since the library's server is the
main binary's."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from viworks_lint.code import package_facts, program_args
from viworks_lint.hostroot import published_services
from viworks_lint.imagecode import image_code
from viworks_lint.launch import launches
from viworks_lint.location import Location
from viworks_lint.parsers.compose import Service
from viworks_lint.parsers.dockerfile import Instruction, Stage
from viworks_lint.project import Build, Project
from viworks_lint.signals import code_text

# serving: a socket bound, a server built or started (actix, axum, hyper, tonic, warp, salvo, poem, rocket,
# dropshot, pingora, tiny_http), a listener accepted on
_SERVES = re.compile(
    r"\b(?:TcpListener|UdpSocket|UnixListener)::bind\b|\bHttpServer::new\b|\baxum::serve\b|\bServer::(?:bind|builder|new)\b"
    r"|\.serve\s*\(|\.listen\s*\(|\.launch\s*\(|\brun_forever\s*\(|\bwarp::serve\b|\bHttpServerStarter\b"
    r"|\.incoming\s*\(|\.accept\s*\(\s*\)|\bServer::https?\s*\(|\bincoming_requests\s*\("
    r"|\b(?:thrussh|russh)::server::run\w*\s*\(|\.run_on_(?:address|socket)\s*\("  # SSH servers
)
# something that keeps a job running: an unbounded loop, a `while` on a flag or a stream/channel, a queue
# consumer, a timer or schedule, waiting forever or for a signal
_KEEPS_RUNNING = re.compile(
    r"\bloop\s*\{|\bwhile\s+(?:true\b|!|[\w.]+\.load\s*\()|\bwhile\s+let\b[^{]*\.(?:recv|next|poll\w*|message\w*)\s*\("
    r"|\bprocess_messages\w*|\bconsume\w*\s*\(|\bsubscribe\w*\s*\(|\binterval(?:_at)?\s*\(|\bJobScheduler\b"
    r"|\bpending\s*(?:::<[^>]*>)?\s*\(\s*\)|\bctrl_c\s*\(|\bSignalKind::|\bthread::park\b|\bschedule\w*\s*\("
    r"|\.start(?:_autosharded|_shards?)?\s*\(\s*\)\s*\.await|\bDispatcher::|\.dispatch\s*\(\s*\)\s*\.await"
)
_CLAP = re.compile(
    r"#\[(?:command|clap)\(\s*subcommand\b|#\[derive\([^)]*\bSubcommand\b|\bSubcommand\b\s*\)|\.subcommand\s*\("
    r"|\bsubcommands\s*\("
)
# the program parses its own command line with clap (not words of a chat message: `try_parse_from(words)`)
_CLAP_ARGS = re.compile(
    # `Cli::parse()`, or the function itself handed on (`ARGS.get_or_init(Cli::parse)`); not `Url::parse(s)`
    r"\b[A-Z]\w*(?:\s+as\s+[\w:]+\s*>)?::(?:parse|try_parse|from_args)(?:\s*\(\s*\)|\b(?!\s*[(<:]))"
    r"|\.\s*(?:try_)?get_matches\s*\(\s*\)"
)
# `Cli::parse_from(env::args())`, or a file that reads its arguments and hands them on: see ``_marks``
_FROM_CALL = re.compile(r"\b(?:try_)?(?:parse|get_matches)_from\s*\(")
_READS_ARGV = re.compile(r"\b(?:env::args(?:_os)?|wild::args(?:_os)?|argfile::expand_args\w*)\s*\(")
# an interactive terminal UI (ratatui/tui, crossterm's raw mode, cursive): a person runs it with `docker run -it`
# and it ends when they quit
_TUI = re.compile(
    r"\b(?:ratatui|tui)::(?:Terminal|backend|init|run|DefaultTerminal)\b|\benable_raw_mode\s*\("
    r"|\bcursive::(?:Cursive|default)\b"
)
_ALWAYS = ("always", "unless-stopped")


@dataclass(frozen=True)
class Completion:
    cli: bool  # a clap CLI with subcommands (else a one-shot job)
    where: Location  # the subcommand definition, or the binary's first source file


class _Marks(NamedTuple):
    """What one source file shows of how its program runs."""

    serves: bool  # binds a socket or starts a server
    keeps: bool  # a loop, a consumer, a timer or a signal wait keeps it running
    clap: int | None  # the line of a clap subcommand
    tui: int | None  # the line that sets up a terminal UI
    args: bool = True  # parses the process's command line (`Cli::parse()`)


def _line(text: str, m: re.Match[str] | None) -> int | None:
    return text.count("\n", 0, m.start()) + 1 if m else None


@lru_cache(maxsize=4096)
def _marks(path: str, _mtime: int) -> _Marks:
    text = code_text(Path(path))
    serves, keeps = bool(_SERVES.search(text)), bool(_KEEPS_RUNNING.search(text))
    clap, tui = _line(text, _CLAP.search(text)), _line(text, _TUI.search(text))
    # `let args = env::args_os().collect(); Cli::parse_from(args)`: the file reads its command line and hands it on
    argv = _CLAP_ARGS.search(text) is not None or (
        _FROM_CALL.search(text) is not None and _READS_ARGV.search(text) is not None
    )
    return _Marks(serves, keeps, clap, tui, argv)


def _file_marks(path: str) -> _Marks:
    try:
        mtime = Path(path).stat().st_mtime_ns
    except OSError:
        return _Marks(True, True, None, None)  # unreadable: no claim
    return _marks(path, mtime)


def _served(build: Build) -> bool:
    return build.service is not None and _served_service(build.service)


def _served_service(svc: Service) -> bool:
    return bool(svc.ports) or svc.restart in _ALWAYS or svc.healthcheck is not None


def runs_to_completion(project: Project, stage: Stage, builds: list[Build]) -> Completion | None:
    """How the image's program ends on its own (a CLI, a one-shot job); None when it may serve or keep
    running, or its code is not known."""
    chain = _chain(stage, builds)
    if not builds or any(i.cmd == "HEALTHCHECK" for i in chain):
        return None
    exposed = {v for i in chain if i.cmd == "EXPOSE" for v in i.values}
    if exposed and not exposed <= _servers_ports(project, builds):
        return None
    if any(_served(b) for b in builds) or any(_served_service(s) for s in published_services(project, builds)):
        return None  # a compose service runs it (or the image CI publishes of it) as a long-running service
    helps = help_default(stage, builds)
    found: Completion | None = None
    for b in builds:
        code = image_code(project, b)
        started = launches(b)
        if code is None or not code.files or (helps is None and len(started) != 1):
            return None
        if helps is None and posixpath.basename(started[0].program) not in {
            n for m in code.packages for n in m.bin_names()
        }:
            return None  # a script or another program in front of the binary: it may loop or serve
        own = [f for f in code.files if code.lib_is_the_app or f not in code.lib_files]
        program = posixpath.basename(started[0].program) if started else ""
        roots = [str(t.path) for m in code.packages for t in m.targets if t.kind == "bin" and t.name == program]
        own += [r for r in roots if r not in own and r in code.files]  # its root, also a module of the library
        if not own:
            return None
        if code.lib_is_the_app and any(
            package_facts(project, m).routes or package_facts(project, m).listens for m in code.packages[:1]
        ):
            return None
        marks = [(f, _file_marks(f)) for f in own]
        if any(m.serves for _f, m in marks):
            return None
        # the program's own entry sets up the terminal UI (not a module an option reaches: a worker with `--tui`)
        tui = next(((f, m.tui) for f, m in marks if m.tui is not None and f in roots), None)
        if tui is not None:  # its event loop runs until the person at the terminal quits
            found = found or Completion(True, Location(Path(tui[0]), tui[1], 1))
            continue
        lib = sorted(code.lib_files) if not code.lib_is_the_app else []
        if lib and _library_keeps_running(own, lib):
            return None  # `workers::spawn_workers(…).await`: the library runs the loop
        clap = next(((f, m.clap) for f, m in marks if m.clap is not None), None)
        if clap is not None and not any(m.args for _f, m in marks):
            clap = None  # subcommands of chat commands (`Command::try_parse_from(words)`), not of its command line
        if clap is not None:
            found = found or Completion(True, Location(Path(clap[0]), clap[1], 1))
        elif helps is not None:
            found = found or Completion(True, helps)
        elif any(m.keeps for _f, m in marks):
            return None
        else:
            found = found or Completion(False, Location(Path(own[0]), 1, 1))
    return found


def cli_service(project: Project, svc: Service) -> bool:
    """The compose service runs a command-line tool (clap subcommands, serves nothing; see
    :func:`runs_to_completion`) with no subcommand on its command line: someone runs its commands with `docker
    compose run`, and what a command reads, it reads then. Read once per service (VW201 and VW208 ask)."""
    cache: dict[int, bool] = project.__dict__.setdefault("_cli_services", {})
    if id(svc) not in cache:
        cache[id(svc)] = _cli_service(project, svc)
    return cache[id(svc)]


def _cli_service(project: Project, svc: Service) -> bool:
    build = project.build_of_service(svc)
    df = build.dockerfile if build is not None else None
    stage = df.final_stage(build.target) if build is not None and df is not None else None
    if build is None or stage is None:
        return False
    args = program_args(svc, stage)
    positional = [a for a in args or () if not a.startswith("-")]
    if args is None or (positional and "/" not in positional[0]):
        return False  # it runs a subcommand (or we cannot tell): what that reads, it reads at start
    done = runs_to_completion(project, stage, [build])
    return done is not None and done.cli


def help_default(stage: Stage, builds: list[Build]) -> Location | None:
    """`ENTRYPOINT ["/app/entrypoint.sh"]` with `CMD ["help"]`, or `CMD ["/sbin/kanidm", "-h"]`: run as it is, the
    image prints its usage; it is
    run with a command (`docker run --rm img migrate`) and ends with it. None when a compose service gives it
    another command, or the default is no `help`."""
    cmd = stage.state.cmd
    if cmd is None:
        return None
    # with an ENTRYPOINT, `CMD ["help"]`; without one, a program asked only for its usage (`CMD ["/sbin/kanidm", "-h"]`)
    asked = tuple(cmd.values[:1]) if stage.state.entrypoint is not None else tuple(cmd.values[1:])
    if asked not in (("help",), ("--help",), ("-h",)):
        return None
    if any(b.service is not None and (b.service.command is not None or b.service.entrypoint is not None)
           for b in builds):  # fmt: skip
        return None
    return cmd.location


def _chain(stage: Stage, builds: list[Build]) -> list[Instruction]:
    """The instructions of the stage and the stages it is built on."""
    df = builds[0].dockerfile
    return [i for st in df.lineage(stage) for i in st.instructions] if df is not None else []


def _servers_ports(project: Project, builds: list[Build]) -> set[str]:
    """Ports EXPOSEd by other images of the same package that run another of its binaries: a worker's or
    job's Dockerfile copied from the server's keeps the server's EXPOSE, which says nothing of the job."""
    from viworks_lint.dockerutil import final_stages
    from viworks_lint.launch import launches

    def program(b: Build) -> tuple[Path, str] | None:
        code = image_code(project, b)
        started = launches(b) if b.dockerfile is not None else []
        if code is None or not code.packages or len(started) != 1:
            return None
        return code.packages[0].path, posixpath.basename(started[0].program)

    mine = {program(b) for b in builds}
    if None in mine or len({p[0] for p in mine if p is not None}) != 1:
        return set()
    package = next(p[0] for p in mine if p is not None)
    ports: set[str] = set()
    for _df, stage, others in final_stages(project):
        if not others or others[0] in builds:
            continue
        theirs = {program(b) for b in others}
        if any(p is None or p[0] != package or p in mine for p in theirs):
            continue
        ports |= {v for i in _chain(stage, others) if i.cmd == "EXPOSE" for v in i.values}
    return ports


# the library functions a job binary calls (not methods, not `Type::new`): free functions by name, and
# what shows in their bodies that keeps the program running or starts tasks that do
_CALL = re.compile(r"(?<![.\w])(?:[a-z_][a-z0-9_]*::)*([a-z_][a-z0-9_]*)\s*\(")
_FN = re.compile(r"\bpub(?:\([^)]*\))?\s+(?:async\s+)?fn\s+([a-z_][a-z0-9_]*)\s*[<(]")
_OWN_FN = re.compile(r"\bfn\s+([a-z_][a-z0-9_]*)")
_TASKS = re.compile(r"\btokio::spawn\b|\bthread::spawn\b|\bJoinSet\b|\bspawn_local\b|\.spawn\s*\(")
# a helper's own `loop` (a retry, a page walk) ends; what starts a worker pool, a consumer or a server does not
_LIB_RUNS = re.compile(
    r"\bprocess_messages\w*|\bconsume\w*\s*\(|\bsubscribe\w*\s*\(|\binterval(?:_at)?\s*\(|\bJobScheduler\b"
    r"|\bctrl_c\s*\(|\bSignalKind::|\bschedule\w*\s*\("
)
_DEPTH = 1


def _bodies(lib: list[str]) -> dict[str, list[str]]:
    """Public free functions of the library files: name → bodies (brace-matched text)."""
    out: dict[str, list[str]] = {}
    for f in lib:
        text = code_text(Path(f))
        for m in _FN.finditer(text):
            open_at = text.find("{", m.end())
            if open_at < 0:
                continue
            depth, i = 1, open_at + 1
            while i < len(text) and depth:
                depth += {"{": 1, "}": -1}.get(text[i], 0)
                i += 1
            out.setdefault(m.group(1), []).append(text[open_at:i])
    return out


def _library_keeps_running(own: list[str], lib: list[str]) -> bool:
    """A library function the binary calls (its body, one call deep) consumes a queue, serves, waits on a
    timer or signal, or starts tasks (a worker pool)."""
    bodies = _bodies(lib)
    todo = [code_text(Path(f)) for f in own]
    seen = {m.group(1) for text in todo for m in _OWN_FN.finditer(text)}  # the binary's own functions
    for _ in range(_DEPTH):
        nxt: list[str] = []
        for text in todo:
            for name in {m.group(1) for m in _CALL.finditer(text)} - seen:
                seen.add(name)
                for body in bodies.get(name, ()):
                    if _LIB_RUNS.search(body) or _SERVES.search(body) or _TASKS.search(body):
                        return True
                    nxt.append(body)
        todo = nxt
    return False
