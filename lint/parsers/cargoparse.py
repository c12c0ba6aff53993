"""Cargo manifests → packages, workspaces and targets, with Cargo's target auto-discovery rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import ParseError
from viworks_lint.location import Location
from viworks_lint.parsers.cargo import Dependency, Manifest, Target, Workspace
from viworks_lint.parsers.common import Problem, ReadError, read_text
from viworks_lint.parsers.tomlpos import TomlPositions, scan

TARGET_KINDS = ("bin", "example", "test", "bench")
_DIRS = {"bin": "src/bin", "example": "examples", "test": "tests", "bench": "benches"}
_AUTO_FLAG = {"bin": "autobins", "example": "autoexamples", "test": "autotests", "bench": "autobenches"}


def _rs_candidates(root: Path, kind: str, name: str, package: str | None) -> list[Path]:
    base = root / _DIRS[kind]
    out = [base / f"{name}.rs", base / name / "main.rs"]
    if kind == "bin" and package is not None and name == package:
        out.insert(0, root / "src" / "main.rs")
    return out


def _discover(root: Path, kind: str, package: str | None) -> dict[str, Path]:
    """Auto-discovered targets of a kind: name → file."""
    found: dict[str, Path] = {}
    if kind == "bin" and package is not None and (root / "src" / "main.rs").is_file():
        found[package] = root / "src" / "main.rs"
    base = root / _DIRS[kind]
    try:
        entries = sorted(base.iterdir())
    except OSError:
        return found
    for entry in entries:
        if entry.suffix == ".rs" and entry.is_file():
            found.setdefault(entry.stem, entry)
        elif entry.is_dir() and (entry / "main.rs").is_file():
            found.setdefault(entry.name, entry / "main.rs")
    return found


def parse_manifest(path: Path, text: str | None = None) -> Manifest:
    empty = TomlPositions(path)
    if text is None:
        try:
            text = read_text(path)
        except ReadError as exc:
            return Manifest(path, empty, {}, problems=(exc.problem,))
    try:
        doc = tomlkit.parse(text)
    except ParseError as exc:
        line, col = getattr(exc, "line", 1) or 1, getattr(exc, "col", 1) or 1
        msg = str(exc).split(" at line ")[0]
        return Manifest(
            path,
            empty,
            {},
            problems=(Problem("VW001", f"invalid TOML: {msg}", Location(path, line, col, line, col + 1), key="toml"),),
        )
    except Exception as exc:  # tomlkit can raise other errors on odd input (KeyAlreadyPresent has no position)
        where = Location(path)
        try:
            dups = scan(path, text).duplicates
            if dups:
                where = dups[0][1]
        except Exception:
            pass
        return Manifest(path, empty, {}, problems=(Problem("VW001", f"invalid TOML: {exc}", where, key="toml"),))
    try:
        data = doc.unwrap()
    except Exception as exc:  # tomlkit accepts some table redefinitions it cannot build into a document
        return Manifest(
            path, empty, {}, problems=(Problem("VW001", f"invalid TOML: {exc}", Location(path), key="toml"),)
        )
    pos = scan(path, text)
    return _build(path, pos, data)


def _build(path: Path, pos: TomlPositions, data: dict[str, Any]) -> Manifest:
    problems: list[Problem] = []
    root = path.parent

    def shape(msg: str, loc: Location, key: str) -> None:
        problems.append(Problem("VW002", msg, loc, key=key))

    pkg = data.get("package", data.get("project"))
    package_name: str | None = None
    edition = rust_version = None
    inherits: list[str] = []
    if pkg is not None and not isinstance(pkg, dict):
        shape("[package] must be a table", pos.best("package"), "package")
        pkg = None
    if isinstance(pkg, dict):
        name = pkg.get("name")
        if isinstance(name, str):
            package_name = name
        else:
            shape("[package] needs a string `name`", pos.best("package", "name"), "package.name")
        for fld in ("edition", "rust-version", "version"):
            v = pkg.get(fld)
            if isinstance(v, dict) and v.get("workspace") is True:
                inherits.append(fld)
            elif v is not None and not isinstance(v, str):
                shape(f"`package.{fld}` must be a string", pos.best("package", fld), f"package.{fld}")
        ed = pkg.get("edition")
        edition = ed if isinstance(ed, str) else None
        rv = pkg.get("rust-version")
        rust_version = rv if isinstance(rv, str) else None

    targets: list[Target] = []
    lib: Target | None = None
    build_script: Target | None = None
    if isinstance(pkg, dict):
        lib_sec = data.get("lib")
        if lib_sec is not None and not isinstance(lib_sec, dict):
            shape("[lib] must be a table", pos.best("lib"), "lib")
            lib_sec = None
        auto_lib = pkg.get("autolib", True) is not False
        if isinstance(lib_sec, dict):
            p = lib_sec.get("path")
            if p is not None and not isinstance(p, str):
                shape("`lib.path` must be a string", pos.best("lib", "path"), "lib.path")
                p = None
            cand = root / p if isinstance(p, str) else root / "src" / "lib.rs"
            loc = pos.best("lib", "path" if isinstance(p, str) else None)
            lib = Target(
                "lib",
                lib_sec.get("name") if isinstance(lib_sec.get("name"), str) else package_name,
                cand if cand.is_file() else None,
                (cand,),
                p if isinstance(p, str) else None,
                True,
                loc,
            )
        elif auto_lib and (root / "src" / "lib.rs").is_file():
            lib = Target(
                "lib",
                package_name,
                root / "src" / "lib.rs",
                (root / "src" / "lib.rs",),
                None,
                False,
                Location(root / "src" / "lib.rs"),
            )

        for kind in TARGET_KINDS:
            declared = data.get(kind)
            names_declared: set[str] = set()
            discovered = _discover(root, kind, package_name)
            if declared is not None and not isinstance(declared, list):
                shape(f"`{kind}` must be an array of tables ([[{kind}]])", pos.best(kind), kind)
                declared = []
            for i, entry in enumerate(declared or []):
                if not isinstance(entry, dict):
                    shape(f"[[{kind}]] entry must be a table", pos.best(kind, None, i), f"{kind}[{i}]")
                    continue
                name = entry.get("name")
                p = entry.get("path")
                if p is not None and not isinstance(p, str):
                    shape(f"`{kind}.path` must be a string", pos.best(kind, "path", i), f"{kind}[{i}].path")
                    continue
                if not isinstance(name, str):
                    if kind == "bin" or not isinstance(p, str):
                        shape(f"[[{kind}]] needs a string `name`", pos.best(kind, "name", i), f"{kind}[{i}].name")
                        continue
                    name = Path(p).stem
                names_declared.add(name)
                if isinstance(p, str):
                    cands = [root / p]
                    loc = pos.best(kind, "path", i)
                else:
                    cands = _rs_candidates(root, kind, name, package_name)
                    loc = pos.best(kind, "name", i)
                found = next((c for c in cands if c.is_file()), None)
                targets.append(Target(kind, name, found, tuple(cands), p if isinstance(p, str) else None, True, loc))
            if pkg.get(_AUTO_FLAG[kind], True) is not False:
                declared_paths = {t.path for t in targets if t.kind == kind}
                for name, file in discovered.items():
                    if name not in names_declared and file not in declared_paths:
                        targets.append(Target(kind, name, file, (file,), None, False, Location(file)))

        b = pkg.get("build")
        if isinstance(b, str):
            cand = root / b
            build_script = Target(
                "build",
                "build-script-build",
                cand if cand.is_file() else None,
                (cand,),
                b,
                True,
                pos.best("package", "build"),
            )
        elif b is None and (root / "build.rs").is_file():
            build_script = Target(
                "build",
                "build-script-build",
                root / "build.rs",
                (root / "build.rs",),
                None,
                False,
                Location(root / "build.rs"),
            )
        elif b is not None and not isinstance(b, bool):
            shape("`package.build` must be a string or a boolean", pos.best("package", "build"), "package.build")

    workspace: Workspace | None = None
    ws = data.get("workspace")
    if ws is not None and not isinstance(ws, dict):
        shape("[workspace] must be a table", pos.best("workspace"), "workspace")
    elif isinstance(ws, dict):
        members_raw = ws.get("members", [])
        members: list[tuple[str, Location]] = []
        if not isinstance(members_raw, list):
            shape("`workspace.members` must be an array of strings", pos.best("workspace", "members"), "members")
            members_raw = []
        for m in members_raw:
            if isinstance(m, str):
                members.append((m, _member_location(pos, m)))
            else:
                shape("`workspace.members` entries must be strings", pos.best("workspace", "members"), "members")
        exclude = (
            tuple(e for e in ws.get("exclude", []) if isinstance(e, str))
            if isinstance(ws.get("exclude", []), list)
            else ()
        )
        wpkg = ws.get("package") if isinstance(ws.get("package"), dict) else {}
        wdeps = ws.get("dependencies") if isinstance(ws.get("dependencies"), dict) else {}
        workspace = Workspace(pos.best("workspace"), tuple(members), exclude, dict(wpkg or {}), dict(wdeps or {}))

    if pkg is None and ws is None:
        shape(
            "manifest has neither a [package] nor a [workspace] table; cargo refuses it",
            pos.best("package"),
            "manifest",
        )
    deps = _dependencies(data, pos, root, shape)
    return Manifest(
        path=path,
        positions=pos,
        data=data,
        package_name=package_name,
        package_location=pos.best("package", "name") if package_name else None,
        edition=edition,
        edition_location=pos.best("package", "edition") if "edition" in (pkg or {}) else None,
        rust_version=rust_version,
        rust_version_location=pos.best("package", "rust-version") if "rust-version" in (pkg or {}) else None,
        lib=lib,
        targets=tuple(targets),
        build_script=build_script,
        workspace=workspace,
        dependencies=tuple(deps),
        inherits=tuple(inherits),
        problems=tuple(problems),
    )


def _member_location(pos: TomlPositions, member: str) -> Location:
    base = pos.best("workspace", "members")
    for (table, _i, key), (kloc, _v) in pos.keys.items():
        if table == "workspace" and key == "members":
            base = kloc
    # find the literal in the following lines
    try:
        lines = pos.path.read_text("utf-8", errors="replace").splitlines()
    except OSError:
        return base
    for n in range(base.line, min(base.line + 200, len(lines) + 1)):
        text = lines[n - 1]
        for q in ('"', "'"):
            needle = f"{q}{member}{q}"
            at = text.find(needle)
            if at != -1:
                return Location(pos.path, n, at + 1, n, at + 1 + len(needle))
    return base


def _dependencies(data: dict[str, Any], pos: TomlPositions, root: Path, shape: Any) -> list[Dependency]:
    sections: list[tuple[str, str, Any]] = []
    for sec in ("dependencies", "dev-dependencies", "build-dependencies"):
        sections.append((sec, sec, data.get(sec)))
    tgt = data.get("target")
    if isinstance(tgt, dict):
        for cfg, body in tgt.items():
            if isinstance(body, dict):
                for sec in ("dependencies", "dev-dependencies", "build-dependencies"):
                    sections.append((sec, f"target.{cfg}.{sec}", body.get(sec)))
    out: list[Dependency] = []
    for sec, table, deps in sections:
        if deps is None:
            continue
        if not isinstance(deps, dict):
            shape(f"[{table}] must be a table", pos.best(table), table)
            continue
        for name, spec in deps.items():
            loc = pos.key(table, name) or pos.header(f"{table}.{name}") or pos.best(table)
            if isinstance(spec, str):
                out.append(Dependency(name, name, sec, loc, version=spec))
                continue
            if not isinstance(spec, dict):
                shape(f"dependency `{name}` must be a version string or a table", loc, f"{table}.{name}")
                continue
            p = spec.get("path")
            feats = spec.get("features", [])
            ploc = pos.value(f"{table}.{name}", "path") if isinstance(p, str) else None
            out.append(
                Dependency(
                    name=name,
                    package=str(spec["package"]) if isinstance(spec.get("package"), str) else name,
                    section=sec,
                    location=loc,
                    path_raw=p if isinstance(p, str) else None,
                    path=(root / p) if isinstance(p, str) else None,
                    path_location=ploc or loc,
                    workspace=spec.get("workspace") is True,
                    features=tuple(f for f in feats if isinstance(f, str)) if isinstance(feats, list) else (),
                    default_features=spec.get("default-features", spec.get("default_features", True)) is not False,
                    optional=spec.get("optional") is True,
                    version=str(spec["version"]) if isinstance(spec.get("version"), str) else None,
                )
            )
    return out
