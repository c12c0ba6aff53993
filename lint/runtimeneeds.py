"""What the binary a build compiles needs from its image at run time: the C libraries its crates link
dynamically (libpq, libssl) and the system CA store, with the dependency that brings each. A ``Cargo.lock`` with
registry packages is followed from each dependency the code names (vendored ``openssl-src``/``pq-src`` link
statically); without one, the ``Cargo.toml`` features decide."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import tomlkit
from viworks_lint.crates import built_code
from viworks_lint.location import Location
from viworks_lint.outboundtls import build_only, https_client, web_framework
from viworks_lint.parsers.cargo import Dependency, Manifest
from viworks_lint.project import Build, Project
from viworks_lint.runtimelibs import CA, LIBPQ, LIBSSL
from viworks_lint.storeuse import names_library, tree_sources

# crates in a Cargo.lock that mean a dynamic link (unless the vendoring crate is in the lock too)
_LOCK_LIBS = {"pq-sys": (LIBPQ, "pq-src"), "openssl-sys": (LIBSSL, "openssl-src")}
_LOCK_CA = ("native-tls", "rustls-native-certs", "rustls-platform-verifier", "openssl-probe")


@dataclass(frozen=True)
class Need:
    library: str
    because: str  # "`diesel` with feature `postgres`"
    location: Location  # the dependency in Cargo.toml (or the lock entry)
    # for the CA store: an outbound HTTPS client (or the package's own use of the store) needs it; when
    # False only a datastore driver's TLS mode does, which needs it only for a URL asking for verified TLS
    outbound: bool = True
    client: str | None = None  # the HTTPS client package that brings the store, when one does


# ----------------------------------------------------------------------------------------- Cargo.lock


@dataclass(frozen=True)
class _Lock:
    path: Path
    deps: Mapping[str, tuple[str, ...]]  # package name → dependency names (union over versions)
    lines: Mapping[str, int]  # package name → line of its `name = "…"`
    local: frozenset[str] = frozenset()  # packages of the repository (no `source`)


def _read_lock(path: Path) -> _Lock | None:
    """A Cargo.lock with registry packages (a lock listing only local crates says nothing)."""
    try:
        text = path.read_text("utf-8")
        data: Any = tomlkit.parse(text).unwrap()
    except Exception:
        return None
    pkgs = data.get("package") if isinstance(data, Mapping) else None
    if not isinstance(pkgs, list) or not any(isinstance(p, Mapping) and "source" in p for p in pkgs):
        return None
    deps: dict[str, set[str]] = {}
    for p in pkgs:
        if isinstance(p, Mapping) and isinstance(p.get("name"), str):
            names = {str(d).split(" ")[0] for d in p.get("dependencies", []) if isinstance(d, str)}
            deps.setdefault(p["name"], set()).update(names)
    lines: dict[str, int] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        m = re.match(r'^name\s*=\s*"([^"]+)"', line)
        if m:
            lines.setdefault(m.group(1), n)
    local = frozenset(str(p["name"]) for p in pkgs if isinstance(p, Mapping) and "source" not in p and "name" in p)
    return _Lock(path, {k: tuple(sorted(v)) for k, v in deps.items()}, lines, local)


def _lock_for(project: Project, manifest: Manifest) -> _Lock | None:
    dirs = [manifest.dir]
    root = project.workspace_root(manifest)
    if root is not None and root.dir != manifest.dir:
        dirs.append(root.dir)
    for d in dirs:
        lock = _read_lock(d / "Cargo.lock")
        if lock is not None:
            return lock
    return None


def _reach(lock: _Lock, start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        skip = build_only(name)  # `utoipa-swagger-ui`'s reqwest downloads at build time only
        todo.extend(d for d in lock.deps.get(name, ()) if d not in skip)
    return seen


def _needs_from_lock(lock: _Lock, deps: list[Dependency]) -> list[Need]:
    out: list[Need] = []
    for dep in deps:
        reach = _reach(lock, dep.package)
        for sys_crate, (lib, vendored) in _LOCK_LIBS.items():
            if sys_crate in reach and vendored not in reach:
                via = f"`{dep.name}`" if dep.package == sys_crate else f"`{dep.name}` (through `{sys_crate}`)"
                out.append(Need(lib, via, dep.location))
        ca = [c for c in _LOCK_CA if c in reach]
        if not ca:
            continue
        if dep.package in _LOCK_CA:
            out.append(Need(CA, f"`{dep.name}`", dep.location))  # the package uses the store itself
            continue
        own = next((n for n in sorted(reach & lock.local) for c in _LOCK_CA if c in lock.deps.get(n, ())), None)
        if own is not None:
            store = next(c for c in _LOCK_CA if c in lock.deps.get(own, ()))
            out.append(Need(CA, f"`{dep.name}` (through `{own}`, which uses `{store}`)", dep.location))
            continue
        client = (
            None
            if web_framework(dep.package)
            else next(
                (
                    (name, store)
                    for name in [dep.package, *sorted(reach - {dep.package})]
                    if https_client(name)
                    for store in [next((c for c in _LOCK_CA if c in _reach(lock, name)), None)]
                    if store is not None
                ),
                None,
            )
        )
        if client is None:
            out.append(Need(CA, f"`{dep.name}` (through `{ca[0]}`)", dep.location, outbound=False))
        elif client[0] == dep.package:
            out.append(Need(CA, f"`{dep.name}` (through `{client[1]}`)", dep.location, client=client[0]))
        else:
            out.append(Need(CA, f"`{dep.name}` (through `{client[0]}` and `{client[1]}`)", dep.location,
                            client=client[0]))  # fmt: skip
    return out


# ----------------------------------------------------------------------------------------- Cargo.toml


def _dep_spec(manifest: Manifest, dep: Dependency) -> Mapping[str, Any]:
    root_data: Mapping[str, Any] = manifest.data
    for table in ("dependencies",):
        sec = root_data.get(table)
        if isinstance(sec, Mapping) and isinstance(sec.get(dep.name), Mapping):
            spec: Mapping[str, Any] = sec[dep.name]
            return spec
    return {}


def _version(manifest: Manifest, dep: Dependency) -> tuple[int, ...]:
    raw = manifest.data.get("dependencies", {}).get(dep.name)
    text = raw if isinstance(raw, str) else _dep_spec(manifest, dep).get("version", "")
    nums = re.findall(r"\d+", str(text))[:2]
    return tuple(int(n) for n in nums)


def _workspace_dep(project: Project, manifest: Manifest, dep: Dependency) -> Dependency:
    """Fold `[workspace.dependencies]` features/default-features into a `x.workspace = true` dependency."""
    if not dep.workspace:
        return dep
    root = project.workspace_root(manifest)
    ws = root.workspace if root is not None else None
    spec = ws.dependencies.get(dep.name) if ws is not None else None
    if not isinstance(spec, Mapping):
        return dep
    feats = spec.get("features", [])
    return replace(
        dep,
        package=str(spec.get("package", dep.package)),
        features=tuple({*dep.features, *(f for f in feats if isinstance(f, str))}),
        default_features=spec.get("default-features", True) is not False,
    )


def enabled_by_default(manifest: Manifest, dep: Dependency) -> bool:
    if not dep.optional:
        return True
    feats = manifest.data.get("features", {})
    default = feats.get("default", []) if isinstance(feats, Mapping) else []
    names = {str(f).removeprefix("dep:").split("/")[0].rstrip("?") for f in default}
    return dep.name in names


def _needs_from_manifest(manifest: Manifest, deps: list[Dependency]) -> list[Need]:
    out: list[Need] = []

    def need(lib: str, dep: Dependency, why: str = "", outbound: bool = True) -> None:
        client = dep.package if lib == CA and outbound and https_client(dep.package) else None
        out.append(Need(lib, f"`{dep.name}`{why}", dep.location, outbound, client))

    for dep in deps:
        f = set(dep.features)
        name = dep.package
        vendored = "vendored" in f or "native-tls-vendored" in f
        if name == "pq-sys" and "bundled" not in f:
            need(LIBPQ, dep)
        elif name == "diesel" and "postgres" in f:
            need(LIBPQ, dep, " with feature `postgres` (through `pq-sys`)")
        elif name in ("openssl-sys", "openssl") and not vendored:
            need(LIBSSL, dep)
        elif name in ("native-tls", "hyper-tls", "tokio-native-tls", "async-native-tls", "postgres-native-tls"):
            if not vendored:
                need(LIBSSL, dep, " (through `openssl-sys`)")
            need(CA, dep)
        elif name == "postgres-openssl" and not vendored:
            need(LIBSSL, dep, " (through `openssl-sys`)")
        elif name == "reqwest":
            modern = _version(manifest, dep) >= (0, 13)
            native = "native-tls" in f or (not modern and ("default-tls" in f or dep.default_features))
            if native and "native-tls-vendored" not in f:
                why = " with default features (native-tls)" if dep.default_features else " with feature `native-tls`"
                need(LIBSSL, dep, why + " (through `openssl-sys`)")
            if native or (modern and dep.default_features) or any("native-roots" in x for x in f):
                need(CA, dep)
        elif name == "lettre" and (dep.default_features or "native-tls" in f or "tokio1-native-tls" in f):
            if not vendored:
                need(LIBSSL, dep, " with the native-tls feature (through `openssl-sys`)")
            need(CA, dep)
        elif name in ("sqlx", "redis") and any("native-tls" in x for x in f):
            need(LIBSSL, dep, " with a native-tls feature (through `openssl-sys`)")
            need(CA, dep, " with a native-tls feature", outbound=False)
        elif name == "ureq" and "native-tls" in f:
            need(LIBSSL, dep, " with feature `native-tls` (through `openssl-sys`)")
            need(CA, dep)
        elif name == "git2" and dep.default_features:
            need(LIBSSL, dep, " with default features (https, through `openssl-sys`)")
        elif name in ("rustls-native-certs", "rustls-platform-verifier", "openssl-probe") or (
            name == "hyper-rustls" and (dep.default_features or "native-tokio" in f or "rustls-native-certs" in f)
        ):
            need(CA, dep, " (reads the system CA store)")
        elif name == "aws-config" or name.startswith("aws-sdk-"):
            if dep.default_features:
                need(CA, dep, " (its default HTTPS client reads the system CA store)")
        elif name == "tonic" and ("tls-roots" in f or "tls-native-roots" in f):
            need(CA, dep, " with native roots")
    return out


def _runtime_deps(project: Project, manifest: Manifest) -> list[Dependency]:
    """The package's enabled dependencies that its code names (`diesel::…`, `use reqwest`): a crate declared in
    `Cargo.toml` that no compiled source names (a file no `mod` declares does not count) is not linked, and neither
    is the C library it would bring."""
    deps = [_workspace_dep(project, manifest, d) for d in manifest.dependencies if d.section == "dependencies"]
    enabled = [d for d in deps if enabled_by_default(manifest, d)]
    texts = tree_sources(project, manifest)
    if not texts:
        return enabled  # no sources to read: keep every declared crate
    return [d for d in enabled if names_library(texts, {d.name.replace("-", "_")})]


def needs(project: Project, build: Build) -> list[Need]:
    """What the binary needs at run time. A CA store that only a datastore driver's TLS mode would read
    is kept (``outbound=False``); VW205 claims it only when the service asks for verified TLS."""
    code = built_code(project, build)
    out: list[Need] = []
    for manifest in code.runtime or code.packages:
        deps = _runtime_deps(project, manifest)
        lock = _lock_for(project, manifest)
        found = _needs_from_lock(lock, deps) if lock is not None else _needs_from_manifest(manifest, deps)
        out.extend(found)
    return out
