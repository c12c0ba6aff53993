"""Which crate names a package's code may use, per dependency table: ``[dependencies]`` (with
``target.'cfg(..)'`` tables folded in), ``[dev-dependencies]`` and ``[build-dependencies]``, under the name
Cargo gives each (the key, ``-`` → ``_``, whatever ``package =`` says; a path dependency's ``[lib] name``),
and the packages of a project whose code is linted for undeclared crates."""

from __future__ import annotations

import fnmatch
import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from viworks_lint.cargolock import package_field
from viworks_lint.crates import built_code
from viworks_lint.parsers.cargo import Dependency, Manifest
from viworks_lint.project import Project, norm_path

SECTIONS = ("dependencies", "dev-dependencies", "build-dependencies")


def extern_name(name: str) -> str:
    return name.replace("-", "_")


_NOISE = re.compile(r"^(?:\d+|v\d+|rs|ng|fork|forked|next|patched|maintained|temp)$")


def lib_name_parts(package: str) -> set[str]:
    """Every run of words of a package name, without separators, and each without a leading ``lib``: a library
    name it might have, though unlikely (``acme-rfc8555`` builds ``acme``, ``libcaesium`` builds ``caesium``;
    ``tokio-util`` does not build ``tokio``)."""
    words = [w for w in re.split(r"[-_]", package.lower()) if w]
    runs = {"".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, len(words) + 1)}
    return runs | {r[3:] for r in runs if r.startswith("lib") and len(r) > 5}  # `libcaesium` builds `caesium`


def lib_name_guesses(package: str) -> set[str]:
    """Library names a registry package may have when it does not say (this reader cannot see its
    manifest), without separators: the name itself, the name without leading words (``tiny-bip39`` →
    ``bip39``, ``rust-ini`` → ``ini``, ``astral-tokio-tar`` → ``tokiotar``), without trailing version or fork
    words (``tui-textarea-2`` → ``tuitextarea``, ``xml-rs`` → ``xml``) and without inner version words
    (``ignite-v2-client`` → ``igniteclient``); ``md-5`` gives ``md5``. Never a shorter prefix (``tokio-util``
    gives no ``tokio``)."""
    words = [w for w in re.split(r"[-_]", package.lower()) if w]
    out: set[str] = set()
    for end in range(len(words), 0, -1):
        if end < len(words) and not _NOISE.match(words[end]):
            break
        for start in range(end):
            out.add("".join(words[start:end]))
    kept = [w for w in words if not _NOISE.match(w)]
    if kept and len(kept) < len(words):  # a version word inside the name: `ignite-v2-client` builds `ignite_client`
        out.add("".join(kept))
    return out


def squash(name: str) -> str:
    return name.replace("_", "").lower()


@dataclass(frozen=True)
class Declared:
    """The extern names each table of a package gives its code."""

    exact: Mapping[str, frozenset[str]]  # section -> names as the code writes them
    fuzzy: Mapping[str, frozenset[str]]  # section -> library names unrenamed registry/git packages may have
    deps: tuple[Dependency, ...]
    parts: frozenset[str] = frozenset()  # any word run of those packages' names (unlikely library names)

    def has(self, section: str, name: str) -> bool:
        return name in self.exact.get(section, frozenset()) or squash(name) in self.fuzzy.get(section, frozenset())


def _lib_name_at(project: Project, directory: Path) -> str | None:
    m = project.manifests.get(norm_path(directory / "Cargo.toml"))
    if m is None or m.package_name is None:
        return None
    if m.lib is not None and m.lib.name:
        return extern_name(m.lib.name)
    return extern_name(m.package_name)


def dependency_path(project: Project, manifest: Manifest, dep: Dependency) -> Path | None:
    """Where a dependency of ``manifest`` is on disk when it is a path dependency, written in the manifest or
    inherited from `[workspace.dependencies]` (`common = { workspace = true }`); None for a registry or git one."""
    if dep.path is not None or not dep.workspace:
        return dep.path
    ws = project.workspace_root(manifest)
    spec = ws.workspace.dependencies.get(dep.name) if ws is not None and ws.workspace is not None else None
    if ws is not None and isinstance(spec, Mapping) and isinstance(spec.get("path"), str):
        return ws.dir / str(spec["path"])
    return None


def declared(project: Project, manifest: Manifest) -> Declared:
    ws = project.workspace_root(manifest)
    wdeps = ws.workspace.dependencies if ws is not None and ws.workspace is not None else {}
    exact: dict[str, set[str]] = {s: set() for s in SECTIONS}
    parts: set[str] = set()
    fuzzy: dict[str, set[str]] = {s: set() for s in SECTIONS}
    for dep in manifest.dependencies:
        names = exact.setdefault(dep.section, set())
        names.add(extern_name(dep.name))
        spec = wdeps.get(dep.name) if dep.workspace and ws is not None else None
        package = dep.package
        if isinstance(spec, Mapping) and isinstance(spec.get("package"), str):
            package = str(spec["package"])
        path = dep.path
        if path is None and isinstance(spec, Mapping) and isinstance(spec.get("path"), str) and ws is not None:
            path = ws.dir / str(spec["path"])
        if package != dep.name:
            continue  # renamed: the code uses the key
        lib = _lib_name_at(project, path) if path is not None else None
        if lib is not None:
            names.add(lib)
        else:  # a registry, git or outside package: its library may be named otherwise
            fuzzy.setdefault(dep.section, set()).update(lib_name_guesses(dep.name))
            parts.update(lib_name_parts(dep.name))
    return Declared(
        {k: frozenset(v) for k, v in exact.items()},
        {k: frozenset(v) for k, v in fuzzy.items()},
        manifest.dependencies,
        frozenset(parts),
    )


@functools.cache
def _crates_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resources.files("viworks_lint.rules").joinpath("crates.json").read_text("utf-8"))
    return data


@functools.cache
def known_crates() -> frozenset[str]:
    """Crates in their own right though other package names contain theirs (``rules/crates.json``)."""
    return frozenset(str(c) for c in _crates_data().get("crates", []))


def edition(project: Project, manifest: Manifest) -> int | None:
    """The package's edition year (2015 when unset, as Cargo); None when it cannot be told."""
    value, _loc = package_field(project, manifest, "edition")
    if value is None:
        return None if "edition" in manifest.inherits else 2015
    return int(value) if value.isdigit() else None


def _listed(root: Manifest, member: Manifest) -> bool:
    if root.workspace is None:
        return False
    try:
        rel = member.dir.relative_to(root.dir).as_posix()
    except ValueError:
        return False
    if any(rel == e.strip("/") or rel.startswith(e.strip("/") + "/") for e in root.workspace.exclude):
        return False
    return any(fnmatch.fnmatchcase(rel, m.strip("/").removeprefix("./")) for m, _loc in root.workspace.members)


def linted_packages(project: Project) -> list[Manifest]:
    """Packages whose code is checked: those a Dockerfile builds, workspace roots and their listed members,
    and a package at the project root."""
    built: set[Path] = set()
    for build in project.builds:
        if build.dockerfile is None:
            continue
        code = built_code(project, build)
        built.update(m.path for m in (*code.packages, *code.runtime))
    out: list[Manifest] = []
    for m in project.manifests.values():
        if m.is_virtual or m.problems:
            continue
        root = project.workspace_root(m)
        if m.path in built or root is m or m.dir == project.root or (root is not None and _listed(root, m)):
            out.append(m)
    return sorted(out, key=lambda m: str(m.path))


@functools.cache
def gated_cfgs() -> frozenset[str]:
    """`--cfg` names some crates' features refuse to compile without (``rules/crates.json`` ``cfg_gated``)."""
    return frozenset(c["cfg"] for c in _crates_data().get("cfg_gated", {}).get("cfgs", ()))


@functools.cache
def docker_clients() -> frozenset[str]:
    """Docker Engine API client crates (``rules/crates.json`` ``docker_clients``)."""
    return frozenset(str(c) for c in _crates_data().get("docker_clients", {}).get("crates", ()))
