"""The Rust code each compose service runs: the packages its build compiles (see ``crates.py``), read
with tree-sitter (``rust/``) into routes, listen addresses and env reads. A service whose code cannot be
pinned down gets ``None``: rules then make no code-based claim."""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass, replace
from pathlib import Path

from viworks_lint.crates import BuiltCode, built_code
from viworks_lint.dockerutil import target_stage
from viworks_lint.factcache import FactStore, Request
from viworks_lint.imagescope import no_program
from viworks_lint.location import Location
from viworks_lint.parsers.cargo import Manifest
from viworks_lint.parsers.compose import Service
from viworks_lint.parsers.dockerfile import Instruction, Stage
from viworks_lint.project import Build, Project, norm_path
from viworks_lint.rust.facts import CrateFacts, EnvRead, ListenAddr, Route


@dataclass(frozen=True)
class ServiceCode:
    service: Service
    build: Build
    built: BuiltCode
    packages: tuple[Manifest, ...]
    routes: tuple[Route, ...]
    routes_resolved: bool
    frameworks: tuple[str, ...]
    listens: tuple[ListenAddr, ...]
    env_reads: tuple[EnvRead, ...]  # runtime and compile-time reads of the code that runs
    build_reads: tuple[EnvRead, ...]  # reads in build scripts (run at build time)
    bins: frozenset[str] | None = None  # the binaries the container runs, when known
    # the words the container's program gets after its name (image ENTRYPOINT/CMD and compose
    # `entrypoint`/`command` combined), when they can be told: they select clap subcommands
    args: tuple[str, ...] | None = None


def _cache(project: Project) -> dict[str, object]:
    c: dict[str, object] = project.__dict__.setdefault("_code_cache", {})
    return c


def package_facts(project: Project, manifest: Manifest, bins: set[str] | None = None) -> CrateFacts:
    """Facts of one package: the selected binaries (all when ``bins`` is None) and its library."""
    cache = _cache(project)
    key = f"facts:{manifest.path}:{sorted(bins) if bins is not None else '*'}"
    hit = cache.get(key)
    if isinstance(hit, CrateFacts):
        return hit
    entries: list[Path] = []
    for t in manifest.targets:
        if t.kind == "bin" and t.path is not None and (bins is None or t.name in bins):
            entries.append(t.path)
    if manifest.lib is not None and manifest.lib.path is not None:
        entries.append(manifest.lib.path)
    build_script = manifest.build_script.path if manifest.build_script is not None else None
    if entries or build_script:
        facts = _fact_store(project).get(Request(manifest.dir, tuple(entries), build_script))
    else:
        facts = CrateFacts()
    cache[key] = facts
    files: set[str] = cache.setdefault("files", set())  # type: ignore[assignment]
    files.update(facts.files)
    problems_seen: set[Location] = cache.setdefault("errors", set())  # type: ignore[assignment]
    problems_seen.update(facts.parse_errors)
    return facts


class _Planner(FactStore):
    """Notes which packages a pass over the services asks for, and answers with no facts."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[Request] = []

    def get(self, req: Request) -> CrateFacts:
        self.requests.append(req)
        return CrateFacts()


def _fact_store(project: Project) -> FactStore:
    store = _cache(project).get("store")
    if not isinstance(store, FactStore):
        store = FactStore()
        _cache(project)["store"] = store
    return store


def prefetch(project: Project) -> None:
    """Read the code of every service's packages at once, so the reading can use every core and the cache
    is asked once per package; the rules then find the facts ready."""
    cache = _cache(project)
    store = cache.get("store")
    store = store if isinstance(store, FactStore) else FactStore()  # facts read before stay
    planner = _Planner()
    cache["store"] = planner
    for _compose, svc in project.services():
        service_code(project, svc)
    for key in [k for k in cache if k.startswith(("svc:", "facts:"))]:
        del cache[key]  # forget what the planning pass built from empty facts
    cache.update(store=store, prefetched=True)
    store.prefetch(planner.requests)


def path_deps(project: Project, manifest: Manifest, seen: set[Path]) -> list[Manifest]:
    """Library packages of this repo that ``manifest`` depends on by path (or through the workspace)."""
    from viworks_lint.cratedeps import dependency_path

    out: list[Manifest] = []
    for dep in manifest.dependencies:
        if dep.section == "dev-dependencies":
            continue
        target = dependency_path(project, manifest, dep)
        if target is None:
            continue
        m = project.manifests.get(norm_path(target / "Cargo.toml"))
        if m is None or m.path in seen:
            continue
        seen.add(m.path)
        out.append(m)
        out.extend(path_deps(project, m, seen))
    return out


def service_code(project: Project, service: Service) -> ServiceCode | None:
    cache = _cache(project)
    if "prefetched" not in cache and not isinstance(cache.get("store"), _Planner):
        # the first rule that asks for a service's code gets every service's read at once (a run whose
        # rules never ask reads no Rust at all)
        prefetch(project)
        cache = _cache(project)
    key = f"svc:{id(service)}"
    if key in cache:
        hit = cache[key]
        return hit if isinstance(hit, ServiceCode) else None
    result = _service_code(project, service)
    cache[key] = result
    return result


def _feeds_other_builds(project: Project, service: Service) -> bool:
    """The service's `image:` tag is what other builds start from (a build arg's value, or a `FROM`), and nobody
    works in its container (no `tty`/`stdin_open`, no bind mount): a builder image, not a toolchain box."""
    tag = service.image
    if not tag or "$" in tag or any(m.type == "bind" for m in service.volumes):
        return False
    if any(service.node.get(k) is not None for k in ("tty", "stdin_open")):
        return False
    for b in project.builds:
        if b.service is service or b.dockerfile is None:
            continue
        args = b.service.build.args if b.service is not None and b.service.build is not None else {}
        if tag in args.values() or any(st.base == tag for st in b.dockerfile.stages):
            return True
    return False


def _service_code(project: Project, service: Service) -> ServiceCode | None:
    build = project.build_of_service(service)
    if build is None or build.dockerfile is None:
        return None
    built = built_code(project, build)
    packages = built.runtime or (built.packages if built.resolved else ())
    if not built.resolved or not packages:
        return None
    copied = {c.name for c in built.copied}
    wanted_bins: set[str] | None = None
    if copied:
        wanted_bins = copied
    else:
        named = {b for r in built.runs for b in r.bins}
        wanted_bins = named or None
    final = target_stage(build.dockerfile, build.target)
    program = _compose_program(service, final is not None and final.state.entrypoint is not None)
    cargo_run = _cargo_run(service)
    if (
        cargo_run is None
        and program is None
        and final is not None
        and no_program(build.dockerfile, final)
        and _feeds_other_builds(project, service)
    ):
        return None  # a builder image compose only builds and tags for other builds: it runs none of the code
    if cargo_run is not None:
        # `cargo run --bin X` / `cargo watch -x "run --bin X"`: the binary compose starts from the source
        all_bins = {b for m in packages for b in m.bin_names()}
        if cargo_run and cargo_run not in all_bins:
            return None
        wanted_bins = {cargo_run} if cargo_run else None
    elif program is not None:
        # compose runs another program than the image's default: find which binary it is
        installed = {_installed_name(c.instr.values[-1], c.name): c.name for c in built.copied}
        all_bins = {b for m in packages for b in m.bin_names()}
        if program in installed:
            wanted_bins = {installed[program]}
        elif program in all_bins:
            wanted_bins = {program}
        else:
            return None  # a shell, a script or a tool we cannot map to this build's code: no claim
    elif wanted_bins is not None and len(wanted_bins) > 1 and final is not None:
        # several binaries in the image: the one the image's ENTRYPOINT/CMD starts is the service
        started = _image_program(final.state.entrypoint or final.state.cmd)
        installed = {_installed_name(c.instr.values[-1], c.name): c.name for c in built.copied}
        chosen = installed.get(started or "") or (started if started in wanted_bins else None)
        if chosen is not None:
            wanted_bins = {chosen}
    args = None if cargo_run is not None else program_args(service, final)
    routes: list[Route] = []
    listens: list[ListenAddr] = []
    reads: list[EnvRead] = []
    build_reads: list[EnvRead] = []
    frameworks: list[str] = []
    resolved = True
    if wanted_bins is not None:
        running = [m for m in packages if wanted_bins & m.bin_names()]
        if running:
            packages = tuple(running)  # only the packages whose binaries the container runs
        else:
            wanted_bins = None  # the copied name matches no binary (VW106 reports it): read them all
    seen: set[Path] = {m.path for m in packages}
    libs: list[Manifest] = []
    for m in packages:
        libs.extend(path_deps(project, m, seen))
    for m, bins in [*((m, wanted_bins) for m in packages), *((lib, set()) for lib in libs)]:
        selected = None if bins is None else (bins & m.bin_names())
        facts = package_facts(project, m, selected)
        routes.extend(facts.routes)
        listens.extend(facts.listens)
        frameworks.extend(f for f in facts.frameworks if f not in frameworks)
        resolved = resolved and facts.routes_resolved
        for r in facts.env_reads:
            if r.in_build_script:
                build_reads.append(r)
                continue
            run = _read_runs(r, args)
            if run is False:
                continue  # the code of a clap subcommand the command line does not select: never read
            reads.append(r if run else replace(r, required=False, default=None))
    return ServiceCode(
        service,
        build,
        built,
        tuple(packages),
        tuple(routes),
        resolved,
        tuple(frameworks),
        tuple(listens),
        tuple(reads),
        tuple(build_reads),
        frozenset(wanted_bins) if wanted_bins is not None else None,
        args,
    )


def _read_runs(read: EnvRead, args: tuple[str, ...] | None) -> bool | None:
    """Whether the program makes ``read``: True on every run or when the command line selects one of the
    clap subcommands it belongs to, False when the command line is known and selects none of them, None
    when the command line is not known."""
    if not read.subcommands:
        return True
    if args is None:
        return None
    return any(_selects(args, chain) for chain in read.subcommands)


def _selects(args: tuple[str, ...], chain: tuple[tuple[str, ...], ...]) -> bool:
    """The arguments name each level of ``chain`` in order (options and their values may come between)."""
    i = 0
    for level in chain:
        while i < len(args) and args[i] not in level:
            i += 1
        if i == len(args):
            return False
        i += 1
    return True


_SHELL_CHARS = frozenset("$`;&|<>()*?")


def program_args(service: Service, final: Stage | None) -> tuple[str, ...] | None:
    """The words the container's program is started with after its own name, or None when they cannot be
    told (a shell or script in between, a variable, a stage we cannot see)."""
    if service.entrypoint is not None:
        words = _words(service.entrypoint) + _words(service.command)  # compose's entrypoint drops the image CMD
    else:
        if final is None:
            return None
        image_ep = _instr_words(final.state.entrypoint)
        if image_ep is None:
            return None
        cmd = _words(service.command) if service.command is not None else _instr_words(final.state.cmd)
        if cmd is None:
            return None
        words = image_ep + cmd
    i = 0
    while i < len(words) and (posixpath.basename(words[i]) in INITS or words[i].startswith("-") or words[i] == "--"):
        i += 1
    if i >= len(words) or not _program(words[i:]):
        return None
    rest = words[i + 1 :]
    if any(_SHELL_CHARS & set(w) for w in rest):
        return None
    return tuple(rest)


def _instr_words(instr: Instruction | None) -> list[str] | None:
    """An image ENTRYPOINT/CMD as words ([] when absent); None for a shell form that does more than run one
    command."""
    if instr is None:
        return []
    if instr.json:
        return list(instr.values)
    text = " ".join(instr.values)
    if _SHELL_CHARS & set(text):
        return None
    return _words(text)


SHELLS = {"sh", "bash", "ash", "dash", "zsh"}
INITS = {"tini", "dumb-init", "catatonit", "docker-init", "gosu", "su-exec", "s6-setuidgid", "chpst"}


def _words(value: tuple[str, ...] | str | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, tuple):
        return list(value)
    try:
        return shlex.split(value)
    except ValueError:
        return value.split()


def _compose_program(service: Service, image_entrypoint: bool) -> str | None:
    """The program a compose ``entrypoint:``/``command:`` runs instead of the image's own ("" when it is a
    shell or cannot be told), or None when compose leaves the image's program alone."""
    words = _words(service.entrypoint)
    if not words:
        if service.entrypoint is not None or image_entrypoint:
            return None  # `command:` only passes arguments to the image's ENTRYPOINT
        words = _words(service.command)
        if not words:
            return None
    return _program(words)


def _program(words: list[str]) -> str:
    """The program a command line starts, init wrappers skipped; "" for a shell, a script or nothing."""
    i = 0
    while i < len(words) and (posixpath.basename(words[i]) in INITS or words[i].startswith("-") or words[i] == "--"):
        i += 1
    if i >= len(words):
        return ""
    prog = posixpath.basename(words[i])
    return "" if prog in SHELLS or prog.endswith(".sh") else prog


_CARGO_RUN = re.compile(r"\bcargo\s+(?:\+\S+\s+)?(?:watch\b[^\n;&|]*?\brun\b|run\b)(?P<rest>[^\n;&|\"']*)")


def _cargo_run(service: Service) -> str | None:
    """For a compose `command:`/`entrypoint:` that runs `cargo run` (directly, through `cargo watch -x run`,
    or inside `sh -c "…"`): the `--bin` it names, "" for the package's default binary; None otherwise."""
    text = " ".join(_words(service.entrypoint) + _words(service.command))
    m = _CARGO_RUN.search(text)
    if m is None:
        return None
    b = re.search(r"--bin[= ]+([A-Za-z0-9_\-]+)", m.group("rest"))
    return b.group(1) if b else ""


def _image_program(instr: Instruction | None) -> str | None:
    """The program an image's ENTRYPOINT/CMD starts (init wrappers skipped), when it is not a shell."""
    if instr is None:
        return None
    words = list(instr.values) if instr.json else _words(" ".join(instr.values))
    return _program(words) or None


def _installed_name(dest: str, name: str) -> str:
    return name if dest.endswith("/") or dest in (".", "./") else posixpath.basename(dest)


def analyzed_files(project: Project) -> set[str]:
    files = _cache(project).get("files")
    return set(files) if isinstance(files, set) else set()


def parse_errors(project: Project) -> list[Location]:
    """Rust files tree-sitter could not parse, among the code of every service."""
    for _compose, svc in project.services():
        service_code(project, svc)
    errors = _cache(project).get("errors")
    return sorted(errors) if isinstance(errors, set) else []


def dependency_names(project: Project, code: ServiceCode) -> set[str]:
    """The crates (package names) the service's packages and their path dependencies depend on at run time."""
    seen: set[Path] = {m.path for m in code.packages}
    manifests = list(code.packages)
    for m in code.packages:
        manifests.extend(path_deps(project, m, seen))
    return {d.package for m in manifests for d in m.dependencies if d.section != "dev-dependencies"}
