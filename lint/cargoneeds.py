"""What one cargo command in a build stage needs from the repository, resolved as Cargo would from the
stage's working directory: the manifest it starts from, the workspace root and every member's manifest,
path dependencies (transitively, ``workspace.dependencies`` included), the targets of the packages it
compiles (and their module files), ``Cargo.lock`` under ``--locked``/``--frozen``/``--offline``, the
``.cargo/config.toml`` and ``rust-toolchain`` the build relies on, and the files the code embeds at
compile time (:mod:`viworks_lint.rust.inputs`).

Each :class:`Need` is a file or directory of the repository with the place that needs it; the image
path it must be at follows from where the stage has the manifest cargo reads. When a step cannot be
followed (a manifest a RUN wrote, a build argument in the command) the answer is None: no claim."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from viworks_lint.buildscript import uses_build_output
from viworks_lint.cargocmd import CargoCall, installs_from_registry, package_spec_name
from viworks_lint.cargoconfig import lock_and_config
from viworks_lint.code import package_facts
from viworks_lint.location import Location
from viworks_lint.parsers.cargo import Manifest, Target
from viworks_lint.parsers.cargomembers import member_dirs, member_excluded
from viworks_lint.project import norm_path
from viworks_lint.stagefiles import StageFiles, image_path

if TYPE_CHECKING:
    from viworks_lint.project import Project

_COMPILES = {"build", "check", "test", "run", "install", "clippy", "doc", "bench"}


@dataclass(frozen=True)
class Need:
    host: Path  # file or directory of the repository
    what: str  # "workspace member `crates/core`", …
    why: Location  # the manifest key or code that needs it
    why_text: str
    alternatives: tuple[Path, ...] = ()  # any one of these present is enough (host is the first)
    unit: Path | None = None  # the directory one COPY should bring (a package's), when there is one


@dataclass
class CargoNeeds:
    call: CargoCall
    manifest: Manifest  # the manifest cargo starts from
    root: Manifest  # the workspace root (or the package itself)
    root_image_dir: str  # where the stage has the root's directory
    needs: list[Need] = field(default_factory=list)

    def image_path_of(self, host: Path) -> str:
        return image_path(self.root_image_dir, posixpath.relpath(host.as_posix(), self.root.dir.as_posix()))


def cargo_needs(project: Project, files: StageFiles, call: CargoCall) -> CargoNeeds | None:
    """The needs of ``call`` (None: not a command that compiles this repository's code, or no claim)."""
    sub = call.sub.split()
    if sub[0] == "chef":
        if sub[1:] != ["prepare"]:
            return None  # `cargo chef cook` builds from the recipe, not from the sources
    elif call.base not in _COMPILES:
        return None
    if (
        call.base == "install"
        and "--path" not in call.options
        and (installs_from_registry(list(call.words)) or not call.options)
    ):
        return None
    if any("$" in v for v in call.opt("-p", "--package", "--bin", "--manifest-path", "--path")):
        return None  # which package, which manifest: a build argument decides
    instr = call.instr
    cwd = call.cwd
    if call.opt("--path"):
        cwd = image_path(files.workdir(instr), call.opt("--path")[-1])
    mpath = image_path(cwd, call.opt("--manifest-path")[-1] if call.opt("--manifest-path") else "Cargo.toml")
    found = files.lookup(mpath, instr)
    if not found.present or found.host is None:
        return None  # absent: cargo looks further up; unknown: a RUN may have written it — no claim
    manifest = project.manifests.get(norm_path(found.host))
    if manifest is None or manifest.problems:
        return None
    root = _root(project, files, call, manifest, posixpath.dirname(mpath))
    if root is None:
        return None
    root_dir_image = image_path(
        posixpath.dirname(mpath), posixpath.relpath(root.dir.as_posix(), manifest.dir.as_posix())
    )
    out = CargoNeeds(call, manifest, root, root_dir_image)
    if root is not manifest and root.workspace is not None:
        out.needs.append(Need(root.path, "the workspace root manifest", root.workspace.location, "workspace root"))
    members = _members(project, files, out)
    if members is None:
        return None
    loaded = _load_path_deps(project, out, members)
    if sub[0] == "chef":
        return out  # `cargo chef prepare` reads the manifests only
    selected = _selected(out, members, loaded)
    if selected is None:
        return out
    compiled = _compiled(out, selected, loaded)
    for pkg, bins in compiled.values():
        _targets(project, files, out, pkg, bins, pkg in selected)
    lock_and_config(project, files, out, (pkg for pkg, _bins in compiled.values()))
    return out


# ------------------------------------------------------------------------------------------ workspace


def _inherits(m: Manifest) -> bool:
    return bool(m.inherits) or any(d.workspace for d in m.dependencies)


def _root(project: Project, files: StageFiles, call: CargoCall, manifest: Manifest, image_dir: str) -> Manifest | None:
    ws = project.workspace_root(manifest)
    if ws is None or ws is manifest:
        return manifest
    rel = posixpath.relpath(ws.dir.as_posix(), manifest.dir.as_posix())
    there = files.lookup(image_path(image_dir, posixpath.join(rel, "Cargo.toml")), call.instr)
    if there.present and there.host is not None and norm_path(there.host) != norm_path(ws.path):
        # the image has another file there (`COPY . .` of the member's own folder to `/`, where `/..` is `/`):
        # the workspace root is not in the stage, so cargo builds the member as a package of its own
        return None if _inherits(manifest) else manifest
    if there.present:
        return ws
    if there.absent and not _inherits(manifest):
        return manifest  # cargo builds it as a package of its own
    return ws if there.absent else None


def _members(project: Project, files: StageFiles, out: CargoNeeds) -> list[Manifest] | None:
    root = out.root
    ws = root.workspace
    members: list[Manifest] = [] if root.is_virtual else [root]
    if ws is None:
        return members
    locked = next((f for f in ("--locked", "--frozen") if f in out.call.flags), "")
    try:
        lock_text = (root.dir / "Cargo.lock").read_text("utf-8", errors="replace") if locked else ""
    except OSError:
        lock_text = ""
    for pattern, loc in ws.members:
        glob = any(c in pattern for c in "*?[")
        for d in member_dirs(root.dir, pattern) if glob else [norm_path(root.dir / pattern)]:
            m = project.manifests.get(norm_path(d / "Cargo.toml"))
            if m is None or m in members or member_excluded(root, d):
                continue
            if glob:
                state = files.lookup(out.image_path_of(d), out.call.instr)
                if state.absent and locked and f'name = "{m.package_name}"' in lock_text:
                    # the glob matches less in the stage, so the lock file would change: `--locked` refuses
                    why = f"workspace member, listed in Cargo.lock (`{locked}` refuses to drop it)"
                    out.needs.append(Need(m.path, f"workspace member `{_rel(root, m.dir)}`", loc, why, unit=m.dir))
                if state.absent:
                    continue  # a glob only matches what the stage has
                if not state.present:
                    return None
            members.append(m)
            out.needs.append(
                Need(
                    m.path,
                    f"the manifest of workspace member `{_rel(root, m.dir)}`",
                    loc,
                    "workspace member",
                    unit=m.dir,
                )
            )
    return members


def _dep_target(root: Manifest, dep: Any) -> tuple[Path, str] | None:
    if dep.path is not None:
        return dep.path, "path"
    ws = root.workspace
    if dep.workspace and ws is not None:
        spec = ws.dependencies.get(dep.name)
        if isinstance(spec, Mapping) and isinstance(spec.get("path"), str):
            return root.dir / str(spec["path"]), "workspace path"
    return None


Loaded = dict[Path, tuple[Manifest, list[tuple[Manifest, str]]]]  # package path → (package, its path deps)


def _load_path_deps(project: Project, out: CargoNeeds, members: list[Manifest]) -> Loaded:
    """Every package cargo loads (members and their path dependencies, transitively) → its path deps."""
    loaded: Loaded = {}
    todo = list(members) or [out.manifest]
    if out.manifest not in todo and not out.manifest.is_virtual:
        todo.append(out.manifest)
    while todo:
        pkg = todo.pop(0)
        if pkg.path in loaded:
            continue
        deps: list[tuple[Manifest, str]] = []
        loaded[pkg.path] = (pkg, deps)
        for dep in pkg.dependencies:
            target = _dep_target(out.root, dep)
            if target is None:
                continue
            m = project.manifests.get(norm_path(target[0] / "Cargo.toml"))
            if m is None or m.is_virtual:
                continue  # missing: VW105 reports it for the repository
            deps.append((m, dep.section))
            if m.path not in loaded and all(t is not m for t in todo):
                out.needs.append(
                    Need(
                        m.path,
                        f"the manifest of path dependency `{dep.name}`",
                        dep.path_location or dep.location,
                        f"{target[1]} dependency `{dep.name}` of {_rel(out.root, pkg.dir) or 'the root package'}",
                        unit=m.dir,
                    )
                )
                todo.append(m)
    return loaded


def _selected(out: CargoNeeds, members: list[Manifest], loaded: Loaded) -> list[Manifest] | None:
    call = out.call
    specs = call.opt("-p", "--package")
    pool = members or [out.manifest]
    if specs:
        if any(c in s for s in specs for c in "*?["):
            return None
        names = {package_spec_name(s) for s in specs}
        chosen = [m for m, _deps in loaded.values() if m.package_name in names]
        return chosen if len(chosen) == len(names) else None
    if "--workspace" in call.flags or "--all" in call.flags:
        return pool
    bins = call.opt("--bin")
    if bins and out.manifest.is_virtual:
        chosen = [m for m in pool if m.bin_names() & set(bins)]
        return chosen or None
    if not out.manifest.is_virtual:
        return [out.manifest]
    ws = out.root.data.get("workspace")
    defaults = ws.get("default-members") if isinstance(ws, Mapping) else None
    if isinstance(defaults, list):
        wanted = {norm_path(out.root.dir / str(d)) for d in defaults}
        return [m for m in pool if m.dir in wanted] or None
    return pool


Compiled = dict[Path, tuple[Manifest, set[str] | None]]  # package path → (package, binaries built; None: all)


def _compiled(out: CargoNeeds, selected: list[Manifest], loaded: Loaded) -> Compiled:
    """Packages compiled (by manifest path) → the package and the binaries built of it (None: all)."""
    bins = set(out.call.opt("--bin")) or None
    compiled: Compiled = {m.path: (m, bins) for m in selected}
    todo = list(selected)
    while todo:
        pkg = todo.pop()
        for dep, section in loaded[pkg.path][1] if pkg.path in loaded else []:
            if section == "dev-dependencies" and not (out.call.base in ("test", "bench") and pkg in selected):
                continue
            if dep.path not in compiled:
                compiled[dep.path] = (dep, set())
                todo.append(dep)
    return compiled


# ------------------------------------------------------------------------------------------ targets, code


def _target_roots(pkg: Manifest, bins: set[str] | None, selected: bool, sub: str) -> Iterator[Target]:
    if pkg.lib is not None and pkg.lib.path is not None:
        yield pkg.lib
    if pkg.build_script is not None and pkg.build_script.path is not None:
        yield pkg.build_script
    if not selected:
        return
    kinds = {"bin"} | ({"test", "example"} if sub in ("test", "bench") else set())
    for t in pkg.targets:
        if t.kind not in kinds or t.path is None:
            continue
        if t.kind == "bin" and bins is not None and t.name not in bins:
            continue
        if t.declared or t.path == pkg.dir / "src" / "main.rs":
            yield t  # other auto-discovered targets are simply not built when absent


def _targets(
    project: Project, files: StageFiles, out: CargoNeeds, pkg: Manifest, bins: set[str] | None, selected: bool
) -> None:
    name = pkg.package_name or _rel(out.root, pkg.dir)
    roots = list(_target_roots(pkg, bins, selected, out.call.base))
    # whether the stage has the package's real code (the lib/bin sources the repository holds), or only
    # placeholders a RUN wrote (`mkdir src && echo 'fn main() {}' > src/main.rs && cargo build`); the build
    # script does not tell: it is often copied with the manifests for the dependency-cache step
    code = [t for t in roots if t.kind != "build" and t.path is not None]
    states = [files.lookup(out.image_path_of(t.path), out.call.instr) for t in code if t.path is not None]
    real = any(st.present and st.host == t.path for t, st in zip(code, states, strict=True))
    placeholder = any(
        not st.absent and not (st.present and st.host == t.path) for t, st in zip(code, states, strict=True)
    )
    # a `src/main.rs` (or `src/lib.rs`) the repository does not have, written by a RUN for the dependency-cache
    # step: Cargo finds it, so a target is left and an absent auto-discovered one is not built (the stub stays
    # for the real build later, which still needs what the real code embeds)
    stub_main = any(
        all(t.path != stub for t in code) and not files.lookup(out.image_path_of(stub), out.call.instr).absent
        for stub in (pkg.dir / "src" / "main.rs", pkg.dir / "src" / "lib.rs")
    )
    skipped: Path | None = None  # an auto-detected build script cargo may do without
    for t in roots:
        assert t.path is not None
        # Cargo finds auto-discovered targets (src/lib.rs, src/main.rs) by looking: one the stage lacks is simply
        # not built. That breaks the build when the package's real code is there (it uses them), or when no
        # target is left at all; a declared target must always be there. An auto-detected build.rs the stage
        # lacks is simply not run: that breaks the build only when the real code uses what it produces.
        why = t.location if t.declared else (pkg.package_location or Location(pkg.path))
        why_text = ""
        if t.kind == "build" and not t.declared:
            used = uses_build_output(project, pkg) if real else None
            if used is None:
                skipped = t.path
                continue
            why, why_text = used
        elif not (t.declared or real or (not placeholder and not stub_main and code and t is code[0])):
            continue
        kind = {"lib": "library", "bin": "binary", "build": "build script"}.get(t.kind, t.kind)
        why_text = why_text or f"{kind} target of `{name}`"
        out.needs.append(Need(t.path, f"the {kind} source of package `{name}`", why, why_text, unit=pkg.dir))
    if not real or placeholder:
        return  # placeholder targets (`echo 'fn main() {}' > src/main.rs`): the real modules are not read
    facts = package_facts(project, pkg, bins if selected else set())
    for f in facts.files:
        path = Path(f)
        if skipped is not None and (path == skipped or path.parent == skipped.parent / "build"):
            continue  # the build script (and its modules) cargo runs only when it is there
        if path.is_file():
            out.needs.append(
                Need(path, f"a module of package `{name}`", Location(path), f"source file of `{name}`", unit=pkg.dir)
            )
    for inp in facts.inputs:
        if inp.test_only and out.call.base not in ("test", "bench"):
            continue
        need = _input_need(project, files, out, pkg, inp)
        if need is not None:
            out.needs.append(need)


def _input_need(project: Project, files: StageFiles, out: CargoNeeds, pkg: Manifest, inp: Any) -> Need | None:
    macro, raw = inp.macro, inp.path
    shown = f'`{macro}!("{raw}")`' if raw is not None else f"`{macro}!()`"
    if macro == "build.rs compile":
        proto = norm_path(pkg.dir / (raw or ""))
        if not proto.is_file():
            return None
        what = f"`{project.rel(proto)}`, which the build script of `{pkg.package_name}` compiles"
        return Need(proto, what, inp.location, "the build script hands it to the protobuf compiler")
    if macro == "sqlx::query":
        if not _sqlx_offline(files, out):
            return None
        cands = [pkg.dir / ".sqlx", out.root.dir / ".sqlx", pkg.dir / "sqlx-data.json", out.root.dir / "sqlx-data.json"]
        found = [c for c in dict.fromkeys(cands) if c.exists()]
        if not found:
            return None
        return Need(found[0], "the offline query data of `sqlx::query!` under `SQLX_OFFLINE=true`", inp.location,
                    f"`{macro}!` with SQLX_OFFLINE=true", tuple(found[1:]))  # fmt: skip
    if macro.endswith("embed_migrations"):
        deps = {d.package for d in pkg.dependencies}
        diesel = macro.startswith("diesel") or (not macro.startswith("refinery") and "diesel_migrations" in deps)
        if raw is None:
            host = _diesel_default(project, pkg) if diesel else pkg.dir / "migrations"
            if host is None:
                return None
        else:
            host = pkg.dir / raw
    elif inp.base == "templates":
        assert raw is not None
        if (pkg.dir / "askama.toml").exists() or (pkg.dir / "rinja.toml").exists():
            return None  # template directories configured: no claim
        host = pkg.dir / "templates" / raw
        shown = f'`#[template(path = "{raw}")]`'
    elif inp.base == "file":
        assert raw is not None
        host = Path(inp.file).parent / raw
    else:
        host = pkg.dir / (raw or "migrations")
    host = norm_path(host)
    if not host.exists():
        return None  # not in the repository either: the compiler's error, not the stage's
    return Need(host, f"`{project.rel(host)}`, embedded by {shown}", inp.location, f"{shown} embeds it at compile time")


def _diesel_default(project: Project, pkg: Manifest) -> Path | None:
    """diesel_migrations looks for ``migrations`` from ``<package>/src`` upwards."""
    d = pkg.dir / "src"
    while True:
        if (d / "migrations").is_dir():
            return d / "migrations"
        if d == project.root or d.parent == d:
            return None
        d = d.parent


def _sqlx_offline(files: StageFiles, out: CargoNeeds) -> bool:
    value = out.call.env.get("SQLX_OFFLINE")
    if value is None:
        order = files.orders.get(id(out.call.instr), 0)
        for st in reversed(files.dockerfile.lineage(files.stage)):
            for ins in st.instructions:
                if ins.cmd == "ENV" and files.orders.get(id(ins), order) < order:
                    for k, v in zip(ins.args[::2], ins.args[1::2], strict=False):
                        if k == "SQLX_OFFLINE":
                            value = v
    return (value or "").strip("\"'").lower() in ("true", "1")


def _rel(root: Manifest, d: Path) -> str:
    rel = posixpath.relpath(d.as_posix(), root.dir.as_posix())
    return "" if rel == "." else rel
