"""How the Rust code an image runs deals with SIGTERM and child processes, read from its source text.

A text scan of the files the Rust reader followed (the binaries' modules and the repo libraries they use),
with comments and ``#[cfg(test)]`` modules left out. It answers two questions for VW402: does the app
install a SIGTERM handler itself (so as PID 1 it still stops cleanly on ``docker stop``), and does it start
child processes (which nobody but an init would reap)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from viworks_lint.imagecode import image_code
from viworks_lint.location import Location
from viworks_lint.parsers.cargo import Manifest
from viworks_lint.project import Build, Project
from viworks_lint.rust.literals import LITERAL, blank, comment_free, without_tests

# SIGTERM named by a handler: tokio's SignalKind::terminate(), signal_hook/nix/libc SIGTERM constants,
# signal_hook's TERM_SIGNALS set. `tokio::signal::ctrl_c` alone is SIGINT only and is not enough.
_SIGTERM = re.compile(r"\bSignalKind::terminate\s*\(|\bSIGTERM\b|\bTERM_SIGNALS\b")
# SIGINT handlers: what stops the app when the image's stop signal is SIGINT (`STOPSIGNAL SIGINT`)
_SIGINT = re.compile(r"\bctrl_c\s*\(|\bSignalKind::interrupt\s*\(|\bSIGINT\b|\bctrlc::(?:try_)?set_handler\b")
# Frameworks that stop on SIGTERM by default (the maintainers made no decision of their own): the data file
# rules/signal_frameworks.json, with its sources.


@dataclass(frozen=True)
class Framework:
    name: str
    crates: tuple[str, ...]
    start: re.Pattern[str]
    disabled_by: re.Pattern[str] | None
    min_version: tuple[int, ...] | None
    signals: frozenset[str] = frozenset({"SIGTERM"})  # the stop signals it handles


def _version(text: str) -> tuple[int, ...] | None:
    m = re.search(r"\d+(?:\.\d+)*", text)
    return tuple(int(p) for p in m.group(0).split(".")) if m else None


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    """rules/signal_frameworks.json, read once."""
    text = resources.files("viworks_lint.rules").joinpath("signal_frameworks.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@lru_cache(maxsize=1)
def frameworks() -> tuple[Framework, ...]:
    data = _data()
    return tuple(
        Framework(
            f["name"],
            tuple(f["crates"]),
            re.compile(f["start"]),
            re.compile(f["disabled_by"]) if f.get("disabled_by") else None,
            _version(f["min_version"]) if f.get("min_version") else None,
            frozenset(f.get("signals", ("SIGTERM",))),
        )
        for f in data["frameworks"]
    )


@lru_cache(maxsize=1)
def _forwarders() -> dict[str, frozenset[str]]:
    return {f["name"]: frozenset(f["signals"]) for f in _data().get("forwarders", ())}


def framework_signals(name: str) -> frozenset[str]:
    """The stop signals the framework of that name handles (SIGTERM alone when the data file lists none)."""
    return next((fw.signals for fw in frameworks() if fw.name == name), frozenset({"SIGTERM"}))


def installed_server(program: str, run_texts: list[tuple[str, Location]]) -> tuple[str, Location] | None:
    """``program`` is a server a RUN installs with `cargo install <crate>` that is built on a framework handling
    the stop signals (rules/signal_frameworks.json ``programs``, with sources): the framework's name and the RUN."""
    from viworks_lint.dockerutil import commands
    from viworks_lint.stagecontents import cargo_installed

    name = program.rsplit("/", 1)[-1]
    entries = [e for e in _data().get("programs", ()) if name in e["binaries"]]
    for text, where in run_texts if entries else ():
        for words in commands(text):
            crates = set(cargo_installed(words))
            hit = next((e for e in entries if e["crate"] in crates), None)
            if hit is not None:
                return str(hit["framework"]), where
    return None


def forwards_signal(program: str, signal: str) -> bool:
    """``program`` is a launcher that stays PID 1 and passes ``signal`` on to the command it starts
    (rules/signal_frameworks.json ``forwarders``, with sources): `dockerize -wait … app`."""
    return signal in _forwarders().get(program.rsplit("/", 1)[-1], frozenset())


# child processes: std/tokio/async-std `process::Command`, and the usual spawning crates. A child the app
# waits for (`.status()`, `.output()`, `.wait()`, `wait_with_output()`) is reaped by the app itself: only a file
# that starts one with `.spawn()` and never waits, or forks, leaves zombies behind.
_SPAWN = re.compile(
    r"\bprocess::(?:Command\b|\{[^}]*\bCommand\b)|\bduct::|\bsubprocess::|\bunistd::fork\b|\blibc::fork\b"
)
_FORK = re.compile(r"\bunistd::fork\b|\blibc::fork\b")
_SPAWN_CALL = re.compile(r"\.\s*spawn\s*\(\s*\)")
_WAITS = re.compile(r"\.\s*(?:wait|try_wait|wait_with_output)\s*\(")


def _unreaped_spawn(text: str, child: re.Match[str] | None) -> re.Match[str] | None:
    """Where a file starts a child process it never waits for (or forks); ``child`` is where it starts one at all."""
    if (fork := _FORK.search(text)) is not None:
        return fork
    if child is None:
        return None
    call = _SPAWN_CALL.search(text)
    return call if call is not None and _WAITS.search(text) is None else None


_CTRLC = re.compile(r"\bctrlc::(?:try_)?set_handler\b")
# a library named for running the app's lifecycle (`aster_forge_runtime`, `graceful`, `shutdown`): one the code may
# hand its server to, which then stops it on the signals
_LIFECYCLE = re.compile(r"runtime|lifecycle|shutdown|graceful|signal|supervis", re.IGNORECASE)
# a stop-signal listener the code calls from a library whose source is not in the repository
# (`exogress_common::…::stop_signal_listener()`): named for the stop signal, not read
_DELEGATE_CALL = re.compile(
    r"\b((?:wait_for_|listen_for_|await_)?(?:stop|term(?:ination)?|shutdown|exit)_?signals?(?:_listener|_handler)?)"
    r"\s*(?:::<[^>]*>)?\s*\("
)
_USE = re.compile(r"\buse\s+(?:::)?([A-Za-z_]\w*)::([^;]*);")
_FN_DEF = re.compile(r"\bfn\s+(\w+)")


@dataclass(frozen=True)
class SignalFacts:
    handles_sigterm: Location | None  # where the code installs a SIGTERM handler
    spawns: Location | None  # where it starts a child process
    handles_sigint: Location | None = None  # where it handles SIGINT (ctrl_c)
    framework: tuple[str, Location] | None = None  # a framework that stops on SIGTERM by default, and where it starts
    # a stop-signal listener the code calls from a library whose source is not in the repository, and where
    delegated: tuple[str, Location] | None = None
    children: Location | None = None  # where it starts a child process at all (even one it waits for)
    # a framework whose own signal handling the code turns off (`.disable_signals()`), and where, when the code
    # depends on libraries whose source is not in the repository: one of them likely stops it instead
    turned_off: tuple[str, Location] | None = None

    def handles(self, stop_signal: str) -> Location | None:
        """Where the code itself handles the image's stop signal (``SIGTERM`` unless STOPSIGNAL says otherwise)."""
        return self.handles_sigint if stop_signal == "SIGINT" else self.handles_sigterm


def code_text(path: Path) -> str:
    """The file's text without comments and ``#[cfg(test)]`` modules (line numbers kept); '' when unreadable."""
    return without_tests(comment_free(_read(path)))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _at(path: Path, text: str, pos: int) -> Location:
    line = text.count("\n", 0, pos) + 1
    return Location(path, line, pos - (text.rfind("\n", 0, pos) + 1) + 1)


_MARKS = (("term", _SIGTERM), ("int", _SIGINT), ("ctrlc", _CTRLC))
_CODE_NOISE = re.compile(LITERAL + r"|//[^\n]*|/\*.*?\*/", re.S)


@dataclass(frozen=True)
class _FileMarks:
    """What one file shows: the first place of each mark (``fw:<n>`` where framework n starts its server),
    and the frameworks whose signal handling it turns off."""

    at: tuple[tuple[str, Location], ...]
    disabled: frozenset[int]
    # calls of stop-signal listeners by name, each with the crate the file's `use` takes it from ("" when none)
    delegates: tuple[tuple[str, str, Location], ...] = ()
    defines: frozenset[str] = frozenset()  # the functions the file defines


def _file_marks(path: Path) -> _FileMarks:
    try:
        st = path.stat()
    except OSError:
        return _FileMarks((), frozenset())
    return _marks(path, st.st_mtime_ns, st.st_size)


def child_process_at(path: Path) -> Location | None:
    """Where the file starts a child process (`std::process::Command`, duct, subprocess, a fork), tests left out;
    the reading VW402 makes too, so the rules agree."""
    return next((loc for key, loc in _file_marks(path).at if key == "child"), None)


@lru_cache(maxsize=4096)
def _marks(path: Path, _mtime: int, _size: int) -> _FileMarks:
    """Read once per version of the file: images of one package (a server and its workers) share most files."""
    raw = _read(path)
    text = without_tests(comment_free(raw))
    # a signal named in a string (`info!("stopping on SIGINT/SIGTERM")`) handles nothing; strings and comments are
    # read in one pass, so that `"http://…"` is a string, not the start of a comment
    bare = without_tests(_CODE_NOISE.sub(blank, raw))
    at = [(key, _at(path, bare, m.start())) for key, pattern in _MARKS if (m := pattern.search(bare))]
    fws = frameworks()
    at += [(f"fw:{i}", _at(path, text, m.start())) for i, fw in enumerate(fws) if (m := fw.start.search(text))]
    child = _SPAWN.search(text)
    if (spawn := _unreaped_spawn(text, child)) is not None:
        at.append(("spawn", _at(path, text, spawn.start())))
    if child is not None:
        at.append(("child", _at(path, text, child.start())))
    offs = {i: m for i, fw in enumerate(fws) if fw.disabled_by is not None and (m := fw.disabled_by.search(text))}
    at += [(f"off:{i}", _at(path, text, m.start())) for i, m in offs.items()]
    off = frozenset(offs)
    delegates: list[tuple[str, str, Location]] = []
    for m in _DELEGATE_CALL.finditer(text):
        name = m.group(1)
        qualified = re.search(r"\b([A-Za-z_]\w*)(?:::\w+)*::\s*$", text[max(0, m.start() - 200) : m.start()])
        crate = qualified.group(1) if qualified is not None else ""
        if not crate or crate in ("crate", "self", "super", "Self"):
            crate = next((u.group(1) for u in _USE.finditer(text) if re.search(rf"\b{name}\b", u.group(2))), "")
        delegates.append((name, crate, _at(path, text, m.start())))
    defines = frozenset(d.group(1) for d in _FN_DEF.finditer(text))
    return _FileMarks(tuple(at), off, tuple(delegates), defines)


def scan(
    files: list[Path],
    ctrlc_termination: bool = False,
    in_use: frozenset[int] = frozenset(),
    not_the_app: frozenset[str] = frozenset(),
    external: frozenset[str] = frozenset(),
) -> SignalFacts:
    """``in_use``: the frameworks (indexes into :func:`frameworks`) the code depends on, at a version that
    handles SIGTERM. ``not_the_app``: library files whose server is another binary's (a worker binary of a
    package whose library holds the web server): a framework started there does not stop this program.
    ``external``: the library names of the registry and git dependencies, whose source is not read."""
    found: dict[str, Location] = {}
    disabled: set[int] = set()
    delegates: list[tuple[str, str, Location]] = []
    defined: set[str] = set()
    for path in files:
        marks = _file_marks(path)
        for key, loc in marks.at:
            if key.startswith("fw:") and str(path) in not_the_app:
                continue
            found.setdefault(key, loc)
        disabled |= marks.disabled
        delegates.extend(marks.delegates)
        defined |= marks.defines
    handler = found.get("term")
    if handler is None and ctrlc_termination:
        handler = found.get("ctrlc")  # the `termination` feature makes ctrlc's handler catch SIGTERM too
    framework: tuple[str, Location] | None = None
    for i, fw in enumerate(frameworks()):
        if f"fw:{i}" in found and i in in_use and i not in disabled:
            framework = (fw.name, found[f"fw:{i}"])
            break
    delegated = next(
        ((f"{crate}::{name}", loc) for name, crate, loc in delegates if crate in external and name not in defined),
        None,
    )
    from viworks_lint.cratedeps import extern_name

    # other libraries than the framework's own whose source is not read: one of them may stop the app instead
    turned_off = next(
        (
            (fw.name, found[f"off:{i}"])
            for i, fw in enumerate(frameworks())
            if i in disabled and i in in_use and f"fw:{i}" in found and f"off:{i}" in found
            and any(_LIFECYCLE.search(c) for c in external - {extern_name(c) for c in fw.crates})
            and not {"term", "int", "ctrlc"} & found.keys()  # a handler in sight that misses SIGTERM is the defect
        ),
        None,
    )
    return SignalFacts(
        handler,
        found.get("spawn"),
        found.get("int"),
        framework,
        delegated,
        found.get("child"),
        turned_off,
    )


def image_signals(project: Project, build: Build) -> SignalFacts | None:
    """What the code ``build``'s image runs does with SIGTERM and child processes; None when that code
    is not known (no service→code link)."""
    code = image_code(project, build)
    if code is None or not code.files:
        return None
    from viworks_lint.code import package_facts
    from viworks_lint.cratedeps import extern_name
    from viworks_lint.localcopies import local_copies, used_with_submodules

    copies = local_copies(project, code.packages)
    ctrlc, in_use = _dependencies(project, (*code.packages, *copies))
    crates = {extern_name(n) for m in code.packages for n in (m.package_name, m.lib.name if m.lib else None) if n}
    used = _modules_used(code.files, code.lib_files, crates) if not code.lib_is_the_app else frozenset()
    not_the_app = frozenset() if code.lib_is_the_app else code.lib_files - used
    files = [Path(f) for f in code.files]
    for m in copies:  # a local copy's modules the code names (and their submodules), and its crate root
        lib_files = frozenset(package_facts(project, m).files)
        names = {extern_name(n) for n in (m.package_name, m.lib.name if m.lib else None) if n}
        reached = used_with_submodules(_modules_used(code.files, lib_files, names), lib_files, m)
        files += [Path(f) for f in sorted(reached) if Path(f) not in files]
    external = _external(project, code.packages) - {extern_name(m.package_name or "") for m in copies}
    return scan(files, ctrlc, in_use, not_the_app, external)


def _modules_used(files: tuple[str, ...], lib_files: frozenset[str], crates: set[str]) -> frozenset[str]:
    """The library's module files the binary's own files name through the library crate (`use shop::{args, web}`,
    `shop::web::run()`): a server a binary starts through its library's `web` module is that binary's, one in a
    module it never names is another binary's."""
    if not crates:
        return frozenset()
    own = " ".join(code_text(Path(f)) for f in files if f not in lib_files)
    lib = "|".join(sorted(map(re.escape, crates)))
    used: set[str] = set()
    for f in lib_files:
        path = Path(f)
        stem = path.parent.name if path.name == "mod.rs" else path.stem
        if stem in ("lib", "main") or not stem.isidentifier():
            continue
        name = re.escape(stem)
        path_to = rf"\b(?:{lib})\s*::\s*(?:\w+\s*::\s*)*{name}\b"  # `shop::web`, `shop::api::web`
        braces = rf"\buse\s+(?:{lib})\s*::\s*\{{[^;]*?\b{name}\b[^;]*\}}"  # `use shop::{args, web}`
        if re.search(path_to, own) or re.search(braces, own):
            used.add(f)
    return frozenset(used)


def _external(project: Project, packages: tuple[Manifest, ...]) -> frozenset[str]:
    """The library names (`exogress_common`) of the packages' registry and git dependencies: code the
    repository does not hold."""
    from viworks_lint.cratedeps import dependency_path, extern_name

    return frozenset(
        extern_name(dep.name)
        for m in packages
        for dep in m.dependencies
        if dep.section == "dependencies" and dependency_path(project, m, dep) is None
    )


def _dependencies(project: Project, packages: tuple[Manifest, ...]) -> tuple[bool, frozenset[int]]:
    """Whether ctrlc's handler catches SIGTERM (its `termination` feature), and the frameworks the packages
    depend on at a version that handles SIGTERM."""
    ctrlc = False
    in_use: set[int] = set()
    fws = frameworks()
    for m in packages:
        ws = project.workspace_root(m)
        for dep in m.dependencies:
            if dep.section != "dependencies":
                continue
            users = [i for i, fw in enumerate(fws) if dep.package in fw.crates]
            if dep.package != "ctrlc" and not users:
                continue
            features = set(dep.features)
            version = dep.version or ""
            if dep.workspace and ws is not None and ws.workspace is not None:
                spec = ws.workspace.dependencies.get(dep.name)
                if isinstance(spec, dict) and isinstance(spec.get("features"), list):
                    features |= {str(f) for f in spec["features"]}
                if isinstance(spec, dict) and isinstance(spec.get("version"), str):
                    version = str(spec["version"])
                elif isinstance(spec, str):
                    version = spec
            if dep.package == "ctrlc":
                ctrlc = ctrlc or "termination" in features
            for i in users:
                least, have = fws[i].min_version, _version(version)
                if least is None or (have is not None and have >= least) or not version:
                    in_use.add(i)
    return ctrlc, frozenset(in_use)


def candidate_signals(project: Project, build: Build) -> SignalFacts | None:
    """For an image whose binary the build picks by a build argument we cannot see (`cargo install --path
    $CRATE`, `exec "$BINARY"`): when every package with a binary in the build context starts a framework
    server that stops on SIGTERM and none starts child processes, that framework (whichever is chosen, the
    image stops the same way); None otherwise."""
    from viworks_lint.code import package_facts, path_deps
    from viworks_lint.crates import built_code

    built = built_code(project, build)
    if built.resolved or not built.runs:
        return None
    context = build.context.resolve()
    candidates = [
        m for m in project.manifests.values() if m.bin_names() and m.dir.resolve().is_relative_to(context)
    ]
    if not candidates:
        return None
    found: list[SignalFacts] = []
    for m in candidates:
        seen = {m.path}
        packages = (m, *path_deps(project, m, seen))
        files = [Path(f) for pkg in packages for f in package_facts(project, pkg).files]
        ctrlc, in_use = _dependencies(project, packages)
        facts = scan(files, ctrlc, in_use)
        if facts.framework is None or facts.spawns is not None:
            return None
        found.append(facts)
    return SignalFacts(None, None, None, found[0].framework)
