"""VW109 crate-undeclared."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

from viworks_lint.cargolock import lockfile_for
from viworks_lint.cratedeps import Declared, declared, edition, extern_name, known_crates, linted_packages, squash
from viworks_lint.factcache import remembered
from viworks_lint.findings import Finding, Level, Related
from viworks_lint.fixes import AddDependency, Applicability, Fix, unsafe_fix
from viworks_lint.location import Location
from viworks_lint.parsers.cargo import Manifest
from viworks_lint.project import Project
from viworks_lint.rule import Rule, RuleDocs, register
from viworks_lint.rust.uses import CrateUse, TargetUses, target_uses


def _targets(manifest: Manifest) -> list[tuple[str, str | None, Path]]:
    out: list[tuple[str, str | None, Path]] = []
    if manifest.lib is not None and manifest.lib.path is not None:
        out.append(("lib", manifest.lib.name, manifest.lib.path))
    for t in manifest.targets:
        if t.path is not None:
            out.append((t.kind, t.name, t.path))
    if manifest.build_script is not None and manifest.build_script.path is not None:
        out.append(("build", None, manifest.build_script.path))
    return out


def _tables(kind: str, use: CrateUse) -> tuple[str, ...]:
    """The dependency tables the code of a target kind sees (the one to add a crate to last)."""
    if kind == "build":
        return ("build-dependencies",)
    if kind in ("test", "bench", "example") or use.test_only:
        return ("dependencies", "dev-dependencies")
    return ("dependencies",)


def _own_names(manifest: Manifest) -> set[str]:
    names = {extern_name(manifest.package_name or "")}
    if manifest.lib is not None and manifest.lib.name:
        names.add(extern_name(manifest.lib.name))
    return names


def _locked(project: Project, manifest: Manifest, name: str) -> tuple[str, str] | None:
    """(package name, version) when Cargo.lock already has the crate (another dependency pulls it in)."""
    lock = lockfile_for(project, manifest)
    if lock is None:
        return None
    for locked, versions in lock.versions.items():
        if extern_name(locked) == name and versions:
            version = max(versions, key=lambda v: [int(x) if x.isdigit() else 0 for x in v.split(".")])
            return locked, version
    return None


def _lock_line(project: Project, manifest: Manifest, name: str) -> str | None:
    """``name = "x.y.z"`` when Cargo.lock already has the crate."""
    found = _locked(project, manifest, name)
    return f'{found[0]} = "{found[1]}"' if found is not None else None


def _fix(project: Project, manifest: Manifest, decl: Declared, use: CrateUse, kind: str) -> Fix | None:
    """Declare the crate in the table the code needs: ``workspace = true`` when the workspace declares it,
    else at the version Cargo.lock resolves; nothing when neither tells which crate and version it is."""
    tables = _tables(kind, use)
    want = tables[-1]
    if use.module is not None or any(
        decl.has(s, use.name) for s in ("dependencies", "dev-dependencies", "build-dependencies")
    ):
        return None
    ws_key = _workspace_has(project, manifest, use.name)
    if ws_key is not None:
        edit = AddDependency(manifest.path, want, ws_key, workspace=True)
        return unsafe_fix(f"add `{ws_key}.workspace = true` under [{want}]", edit)
    found = _locked(project, manifest, use.name)
    if found is None:
        return None
    edit = AddDependency(manifest.path, want, found[0], found[1])
    return unsafe_fix(f'add `{found[0]} = "{found[1]}"` under [{want}]', edit)


def _known_crate(project: Project, manifest: Manifest, name: str) -> bool:
    """``name`` is a crate of its own: in Cargo.lock, or a well-known crate."""
    if name in known_crates():
        return True
    lock = lockfile_for(project, manifest)
    return lock is not None and any(extern_name(p) == name for p in lock.packages)


def _workspace_has(project: Project, manifest: Manifest, name: str) -> str | None:
    root = project.workspace_root(manifest)
    if root is None or root.workspace is None:
        return None
    for key in root.workspace.dependencies:
        if extern_name(key) == name:
            return key
    return None


def _message(
    project: Project, manifest: Manifest, decl: Declared, use: CrateUse, kind: str, tname: str | None, count: int
) -> str:
    tables = _tables(kind, use)
    want = tables[-1]
    if kind == "bin" or kind == "lib":
        where = f"binary `{tname}`" if kind == "bin" else f"the library of `{manifest.package_name}`"
    else:
        where = f"the build script of `{manifest.package_name}`" if kind == "build" else f"{kind} `{tname}`"
    if use.test_only and kind in ("lib", "bin"):
        where = f"the test code of {where}"
    rel = project.rel(manifest.path)
    command = "cargo test" if want == "dev-dependencies" else "cargo build"
    fails = f'so `{command}` fails here with "use of undeclared crate or module `{use.name}`"'
    more = f" (first of {count} uses in this file)" if count > 1 else ""
    other = [
        s
        for s in ("dependencies", "dev-dependencies", "build-dependencies")
        if s not in tables and decl.has(s, use.name)
    ]
    if other:
        also = " (or put this code under `#[cfg(test)]`)" if other[0] == "dev-dependencies" else ""
        return (
            f"crate `{use.name}` is declared only in [{other[0]}] of `{rel}`, which {where} does not see{more}, "
            f"{fails}; declare it in [{want}]{also}"
        )
    if use.module is not None:
        return (
            f"`{use.name}` is not in scope here{more}: it is a module of this crate (`{use.module}`), which a path "
            f"in another module must start with `crate::` (Rust 2018), and no dependency is named `{use.name}`, "
            f"{fails}; write `{use.module}::…` or import it with `use {use.module};`"
        )
    ws_key = _workspace_has(project, manifest, use.name)
    line = _lock_line(project, manifest, use.name)
    if ws_key is not None:
        fix = f"add `{ws_key}.workspace = true` under [{want}] (the workspace declares it)"
    elif line is not None:
        fix = f"add `{line}` under [{want}] (Cargo.lock already has it through another crate)"
    else:
        fix = f"add it under [{want}]"
    return (
        f"crate `{use.name}` is not a dependency of {where} (`{rel}` has no [{want}] entry for it){more}, "
        f"{fails}; {fix}"
    )


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(c in it for c in short)


def _abbreviated(name: str, parts: frozenset[str]) -> bool:
    """A word of a declared package's name is the library name with letters left out, or the other way round
    (`smplx-std` builds `simplex`): a library named otherwise than its package, which the registry's manifest,
    not readable here, would show."""
    return any(
        len(p) >= 4
        and p[0] == name[0]
        and p != name
        and min(len(p), len(name)) >= 0.6 * max(len(p), len(name))  # `smplx`/`simplex`, not `actixweb`/`actix_…`
        and (_subsequence(p, name) or _subsequence(name, p))
        for p in parts
    )


def _package_findings(project: Project, manifest: Manifest) -> Iterator[Finding]:
    year = edition(project, manifest)
    if year is None or year < 2018:
        return  # 2015 paths are relative to the crate root and need `extern crate`: not modelled
    decl = declared(project, manifest)
    own = _own_names(manifest)
    related = Related(
        manifest.positions.header("dependencies") or manifest.package_location or Location(manifest.path),
        f"the manifest of `{manifest.package_name}`",
    )
    seen: set[tuple[str, int, int, str]] = set()
    per_file: dict[tuple[str, str, str], list[tuple[CrateUse, str, str | None]]] = {}
    for kind, tname, path in _targets(manifest):
        found = remembered("uses", {"root": str(path)}, partial(target_uses, path), TargetUses)
        for use in found.uses:
            if use.name in own and kind != "build":
                continue
            if any(decl.has(t, use.name) for t in _tables(kind, use)):
                continue
            elsewhere = any(decl.has(t, use.name) for t in ("dependencies", "dev-dependencies", "build-dependencies"))
            if (
                not elsewhere
                and (squash(use.name) in decl.parts or _abbreviated(squash(use.name), decl.parts))
                and not _known_crate(project, manifest, use.name)
            ):
                continue  # maybe the library of a declared package named otherwise (`acme-rfc8555`, `smplx-std`)
            ident = (str(use.location.path), use.location.line, use.location.col, use.name)
            if ident in seen:
                continue
            seen.add(ident)
            group = (str(use.location.path), use.name, "dev" if _tables(kind, use)[-1] != "dependencies" else kind)
            per_file.setdefault(group, []).append((use, kind, tname))
    # one finding per crate name and table: the first file's first use, the other files' first uses related
    by_name: dict[tuple[str, str], list[list[tuple[CrateUse, str, str | None]]]] = {}
    for (_file, name, ctx), uses in sorted(per_file.items()):
        uses.sort(key=lambda u: (u[0].location.line, u[0].location.col))
        by_name.setdefault((name, ctx), []).append(uses)
    for (name, _ctx), files in by_name.items():
        use, kind, tname = files[0][0]
        others = tuple(Related(f[0][0].location, f"`{name}` is used here too") for f in files[1:11])
        n = len(files) - 1
        more = f"; {n} more file{'s' if n > 1 else ''} use{'' if n > 1 else 's'} it (related locations)" if n else ""
        yield RULE.finding(
            _message(project, manifest, decl, use, kind, tname, len(files[0])) + more,
            use.location,
            key=f"{manifest.package_name}:{name}",
            related=(related, *others),
            fix=_fix(project, manifest, decl, use, kind),
        )


def check(project: Project) -> Iterator[Finding]:
    for manifest in linted_packages(project):
        yield from _package_findings(project, manifest)


RULE = register(
    Rule(
        id="VW109",
        name="crate-undeclared",
        level=Level.ERROR,
        summary="Rust code uses a crate its Cargo.toml does not declare for that target, so `cargo build` fails.",
        docs=RuleDocs(
            what="In every package a Dockerfile builds, every workspace member and a package at the project root "
            "(edition 2018 or later): the first segment of `use x::…`, `x::f()`, `x::Type`, `x::m!()`, `#[x::attr]`, "
            "`#[derive(x::D)]` and `extern crate x` that names no external crate the target may use. The library and "
            "binaries see `[dependencies]` (target-specific tables included, keys with `-` read as `_`, `package =` "
            "renames by their key, `workspace = true` entries, a path dependency by its `[lib] name`); tests, "
            "benches, examples and `#[cfg(test)]` code also see `[dev-dependencies]`; `build.rs` sees only "
            "`[build-dependencies]`. A first segment that is a module, an item, a `use` alias, a generic, an `extern "
            "crate … as` name or anything a glob import or a macro could bring (also the modules well-known macros "
            "generate in the module or block they are called in, such as `embedded_migrations` of diesel_migrations "
            "1.x `embed_migrations!()`) is not a crate; `std`, `core`, `alloc`, `proc_macro`, `test` and the "
            "package's own library are always there. Code under any `cfg` other than `test` (features, platforms), in "
            "files with parse errors, and in modules whose names cannot all be known (a glob import from another "
            "crate, an unknown item macro, `include!`) gives no finding, nor does a name that may be the library of a "
            "declared package named otherwise (a run of its words, `acme-rfc8555` for `acme`, or a word with letters "
            "left out, `smplx-std` for `simplex`, or the name without a leading `lib`, `libcaesium` for `caesium`), "
            "unless Cargo.lock or the list of well-known crates has a crate of that name. One finding per crate and "
            "table of a package, at its first use, with the manifest and the first use in each other file as related "
            "locations; when Cargo.lock already has the crate (another dependency pulls it in) the message names the "
            "version to add.",
            why="The crate compiled on a developer machine through an old lock file, a workspace sibling or an IDE "
            'quick-fix that never touched Cargo.toml; in `docker build` the compiler stops with "use of '
            'undeclared crate or module" / "unresolved import", the image is never built and compose keeps '
            "the old container or none at all.",
            example='// src/main.rs\nuse actix_web::{App, HttpServer};\nfn log_start() { log::info!("starting"); }'
            "\n# Cargo.toml [dependencies] has actix-web but no `log`",
            fix='Add the crate under the table the code needs (`log = "0.4"` in [dependencies], a test-only '
            "crate in [dev-dependencies], `cc` for build.rs in [build-dependencies]), or `name.workspace = "
            "true` when the workspace declares it.",
            fix_safety="Unsafe. When the workspace declares the crate, the fix adds `name = { workspace = true }` "
            "to the table the code needs ([dependencies], [dev-dependencies] for test code, [build-dependencies] "
            "for build.rs); when Cargo.lock already resolves it (another dependency pulls it in), it adds "
            '`name = "x.y.z"` at that version. tomlkit keeps the rest of Cargo.toml as it is. The crate may have '
            "been meant from another source, with features, or optional; with no workspace entry and no locked "
            "version there is no fix (the linter does not guess a crate from crates.io).",
        ),
        check=check,
        tags=("build", "rust", "cargo"),
        fixable=(Applicability.UNSAFE,),
    )
)
