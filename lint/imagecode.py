"""Which Rust code an image runs: the packages (and repository libraries they use by path) whose binary the
image starts, found through the compose service's code link, the stage that builds it, the program its
ENTRYPOINT/CMD names (a binary built outside the Dockerfile), or the binary an entrypoint script runs."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from viworks_lint.code import package_facts, path_deps, service_code
from viworks_lint.crates import built_code
from viworks_lint.parsers.cargo import Manifest
from viworks_lint.parsers.compose import Service
from viworks_lint.project import Build, Project
from viworks_lint.rust.facts import ListenAddr


@dataclass(frozen=True)
class ImageCode:
    """The Rust code an image's main binary runs: its packages (with the repo libraries they use by path)
    and the source files read from them."""

    packages: tuple[Manifest, ...]
    files: tuple[str, ...]
    # files only a library brings (reached from a binary through the crate's own lib or a path dependency);
    # what they do is the binary's only when it is the package's main binary, so they are listed only when
    # it is not (``lib_is_the_app`` False)
    lib_files: frozenset[str] = frozenset()
    lib_is_the_app: bool = True


def _linked_packages(project: Project, build: Build) -> tuple[tuple[Manifest, ...], set[str] | None] | None:
    if build.service is not None:
        sc = service_code(project, build.service)
        if sc is None:
            return None
        return sc.packages, (set(sc.bins) if sc.bins is not None else None)
    built = built_code(project, build)
    # a copied binary whose name no binary of the build has (`cargo install` output copied under another
    # name, a rename VW106 reports): when the build compiles one package with one binary, that is the program
    only = built.packages[0] if len(built.packages) == 1 else None
    packages = built.runtime or ((only,) if only is not None and len(only.bin_names()) == 1 else ())
    if not built.resolved or not packages:
        return None
    return packages, {c.name for c in built.copied} or None


def _packages_by_program(project: Project, build: Build) -> tuple[tuple[Manifest, ...], set[str]] | None:
    """An image that runs a binary built outside this Dockerfile (copied from the host or a CI artifact,
    built by a script): the one package of the repository with a binary of the started program's name."""
    from viworks_lint.launch import launches, script_source
    from viworks_lint.scriptfile import read_script

    if build.dockerfile is None:
        return None
    started = launches(build)
    names = {posixpath.basename(launch.program) for launch in started}
    if len(names) != 1:
        return None
    name = names.pop()
    owners = [m for m in project.manifests.values() if name in m.bin_names()]
    if len(owners) == 1:
        return (owners[0],), {name}
    if owners or len(started) != 1:
        return None
    # an entrypoint script (`exec rustfs "$@"` after its set-up): the one repository binary it runs
    source = script_source(project, build, started[0].program)
    script = read_script(source.host) if source is not None else None
    if script is None:
        return None
    programs = [posixpath.basename(u.program) for u in script.uses]
    stage = build.dockerfile.final_stage(build.target)
    cmd = stage.state.cmd if stage is not None else None
    if cmd is not None and cmd.json and cmd.args and re.search(r"\bexec\s+\"?\$[@*]", script.text):
        programs.append(posixpath.basename(cmd.args[0]))  # `exec "$@"`: the image's CMD is the program
    by_bin = {
        (m.path, name): m for name in programs for m in project.manifests.values() if name in m.bin_names()
    }
    if len(by_bin) != 1:
        return None
    (_, bin_name), manifest = next(iter(by_bin.items()))
    return (manifest,), {bin_name}


def _main_binary_selected(m: Manifest, selected: set[str] | None) -> bool:
    """The image runs the package's main program: every binary, the only one, or ``src/main.rs``'s."""
    bins = [t for t in m.targets if t.kind == "bin"]
    if selected is None or len(bins) <= 1:
        return True
    return any(t.name in selected and t.path is not None and t.path.as_posix().endswith("src/main.rs") for t in bins)


def image_code(project: Project, build: Build) -> ImageCode | None:
    """The code ``build``'s image runs: the compose service's code when a service runs it (see
    ``service_code``), else the packages whose binary the image's final stage runs; None when unknown."""
    linked = _linked_packages(project, build) or _packages_by_program(project, build)
    if linked is None:
        return None
    packages, bins = linked
    seen: set[Path] = {m.path for m in packages}
    libs: list[Manifest] = []
    for m in packages:
        libs.extend(path_deps(project, m, seen))
    files: dict[str, None] = {}  # in reading order, each once
    for m, wanted in [*((m, bins) for m in packages), *((lib, set[str]()) for lib in libs)]:
        selected = None if wanted is None else (wanted & m.bin_names())
        if selected is not None and not selected and m in packages:
            selected = None  # the copied name matches no binary of this package: read them all
        script = m.build_script.path if m.build_script is not None else None
        skip = str((script if script.is_absolute() else m.dir / script).absolute()) if script is not None else None
        files.update((f, None) for f in package_facts(project, m, selected).files if f != skip)
    main = all(_main_binary_selected(m, None if bins is None else (bins & m.bin_names()) or None) for m in packages)
    lib_files: set[str] = set()
    if not main:  # only a worker binary beside the package's main one needs to know what its library holds
        for lib in (*packages, *libs):
            lib_files.update(package_facts(project, lib, set()).files)
    return ImageCode((*packages, *libs), tuple(files), frozenset(lib_files), main)


def image_listens(project: Project, build: Build, *, libraries: bool = True) -> tuple[ListenAddr, ...] | None:
    """The addresses the binary ``build``'s image runs binds (its packages' selected binaries and, with
    ``libraries``, the repository libraries they use by path); None when the code is unknown."""
    linked = _linked_packages(project, build) or _packages_by_program(project, build)
    if linked is None:
        return None
    packages, bins = linked
    seen: set[Path] = {m.path for m in packages}
    out: dict[ListenAddr, None] = {}
    for m in packages:
        selected = None if bins is None else (bins & m.bin_names()) or None
        out.update((a, None) for a in package_facts(project, m, selected).listens)
        for lib in path_deps(project, m, seen) if libraries else ():
            out.update((a, None) for a in package_facts(project, lib, set()).listens)
    return tuple(out)


# why a service has no Rust code when the image does build this repository's code, but its command starts another
# program (another language's binary in the same image, a shell, a script)
OTHER_PROGRAM = "`entrypoint:`/`command:` runs a program that is not a binary of this build (a shell or a script)"


def why_no_code(project: Project, svc: Service, build: Build | None) -> str:
    """Why the service's Rust code could not be pinned down."""
    if build is None:
        if svc.build is not None and svc.build.context is None:
            return "the build context is remote (a git URL)"
        return "the service has no local build"
    if build.dockerfile is None:
        return f"the Dockerfile {project.rel(build.dockerfile_path)} could not be read"
    built = built_code(project, build)
    if not built.runs:
        return "no `cargo build`/`cargo install` of this repository's code in the Dockerfile (a prebuilt binary?)"
    for run in built.runs:
        if run.manifest is None:
            text = run.instr.original
            if "$" in text:
                return "the package or binary is chosen by a build argument"
            return f"`{run.manifest_path}` of `cargo {run.subcommand}` maps to no Cargo.toml of the build context"
    if not (built.runtime or built.packages):
        return "the built packages are not the ones the final image runs"
    return OTHER_PROGRAM
