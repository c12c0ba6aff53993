"""VW205 runtime-library-missing."""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import tomlkit
from viworks_lint.binaryorigin import BinaryOrigin, binary_origins
from viworks_lint.connections import service_env
from viworks_lint.crates import built_code
from viworks_lint.dockerutil import final_stages, from_image_location, stage_title, target_stage, text_location
from viworks_lint.findings import Finding, Level, Related
from viworks_lint.imagecode import image_code
from viworks_lint.location import Location
from viworks_lint.packages import ImageContents
from viworks_lint.parsers.cargo import Dependency, Manifest
from viworks_lint.parsers.dockerfile import Dockerfile, Stage
from viworks_lint.project import Build, Project
from viworks_lint.rule import Rule, RuleDocs, register
from viworks_lint.scope import Scope
from viworks_lint.stagecontents import build_contents
from viworks_lint.storeuse import names_library, package_sources
from viworks_lint.variants import fold_variants

LIBPQ, LIBSSL, CA = "libpq", "libssl", "ca-certificates"
_SONAME = {LIBPQ: "libpq.so.5", LIBSSL: "libssl.so.3"}
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


# ----------------------------------------------------------------------------------------- outbound TLS


@lru_cache(maxsize=1)
def _tls_data() -> dict[str, Any]:
    # rules/outbound_tls.json is validated against schemas/outbound_tls.schema.json by the test suite
    text = resources.files("viworks_lint.rules").joinpath("outbound_tls.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def https_client(package: str) -> bool:
    """Whether ``package`` is an outbound HTTPS (or other verified-TLS) client (rules/outbound_tls.json)."""
    return any(fnmatch.fnmatchcase(package, g) for c in _tls_data()["clients"] for g in c["crates"])


def _framework(package: str) -> bool:
    """A web framework whose optional parts bring an HTTPS client (rules/outbound_tls.json ``frameworks``)."""
    return any(fnmatch.fnmatchcase(package, g) for g in _tls_data().get("frameworks", {}).get("crates", ()))


@lru_cache(maxsize=1)
def _url_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(p["pattern"]), str(p["label"])) for p in _tls_data()["url_patterns"])


@dataclass(frozen=True)
class VerifiedTls:
    """A datastore URL or setting the service gets that asks for a verified TLS connection."""

    label: str  # "a `rediss://` URL"
    location: Location


def _match(text: str) -> str | None:
    for pattern, label in _url_patterns():
        if pattern.search(text):
            return label
    return None


def verified_tls(project: Project, build: Build) -> VerifiedTls | None:
    """The container's environment (compose over env files over the image's ENV), then the source files
    of the code it runs (literal URLs, defaults, sqlx SSL modes)."""
    values: list[tuple[str, Location]] = []
    if build.service is not None:
        for v in service_env(project, build.compose, build.service).values():
            for text in {v.value, v.raw} - {None}:
                values.append((str(text), v.location))
    elif build.dockerfile is not None:
        stage = target_stage(build.dockerfile, build.target)
        for name, (value, instr) in stage.state.env.items() if stage is not None else ():
            values.append((value, text_location(build.dockerfile, instr, name)))
    for text, loc in values:
        label = _match(text)
        if label is not None:
            return VerifiedTls(label, loc)
    code = image_code(project, build)
    for file in code.files if code is not None else ():
        try:
            lines = Path(file).read_text("utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for n, line in enumerate(lines, start=1):
            if line.lstrip().startswith("//"):
                continue
            label = _match(line)
            if label is not None:
                return VerifiedTls(label, Location(Path(file), n))
    return None


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
        todo.extend(lock.deps.get(name, ()))
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
            if _framework(dep.package)
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
            out.append(Need(CA, f"`{dep.name}` (through `{client[1]}`)", dep.location))
        else:
            out.append(Need(CA, f"`{dep.name}` (through `{client[0]}` and `{client[1]}`)", dep.location))
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


def _enabled(manifest: Manifest, dep: Dependency) -> bool:
    if not dep.optional:
        return True
    feats = manifest.data.get("features", {})
    default = feats.get("default", []) if isinstance(feats, Mapping) else []
    names = {str(f).removeprefix("dep:").split("/")[0].rstrip("?") for f in default}
    return dep.name in names


def _needs_from_manifest(manifest: Manifest, deps: list[Dependency]) -> list[Need]:
    out: list[Need] = []

    def need(lib: str, dep: Dependency, why: str = "", outbound: bool = True) -> None:
        out.append(Need(lib, f"`{dep.name}`{why}", dep.location, outbound))

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


# ----------------------------------------------------------------------------------------- check


def _runtime_deps(project: Project, manifest: Manifest) -> list[Dependency]:
    """The package's enabled dependencies that its code names (`diesel::…`, `use reqwest`): a crate declared in
    `Cargo.toml` that no source file names is not linked, and neither is the C library it would bring."""
    deps = [_workspace_dep(project, manifest, d) for d in manifest.dependencies if d.section == "dependencies"]
    enabled = [d for d in deps if _enabled(manifest, d)]
    texts = package_sources(project, manifest)
    if not texts:
        return enabled  # no sources to read: keep every declared crate
    return [d for d in enabled if names_library(texts, {d.name.replace("-", "_")})]


def needs(project: Project, build: Build) -> list[Need]:
    """What the binary needs at run time. A CA store that only a datastore driver's TLS mode would read
    is kept (``outbound=False``); ``check`` claims it only when the service asks for verified TLS."""
    code = built_code(project, build)
    out: list[Need] = []
    for manifest in code.runtime or code.packages:
        deps = _runtime_deps(project, manifest)
        lock = _lock_for(project, manifest)
        found = _needs_from_lock(lock, deps) if lock is not None else _needs_from_manifest(manifest, deps)
        out.extend(found)
    return out


def _ca_message(stage: Stage, img: ImageContents, need: Need, tls: VerifiedTls | None) -> str:
    head = f"{stage_title(stage)} (`{stage.base}`) has no CA certificates, but {need.because} "
    if need.outbound or tls is None:
        return (
            head + "verifies TLS against the system CA store: every outbound HTTPS call fails with a certificate "
            "error; " + _fix(CA, img)
        )
    return (
        head + f"verifies the TLS connection that {tls.label} asks for against the system CA store: connecting "
        "fails with a certificate error; " + _fix(CA, img)
    )


def _package_for(lib: str, img: ImageContents) -> str:
    pm = img.facts.package_manager
    distro = img.facts.distro or ""
    if lib == CA:
        return "ca-certificates"
    if lib == LIBPQ:
        return {"apt": "libpq5", "apk": "libpq"}.get(pm or "", "libpq")
    if pm == "apt":
        return "libssl1.1" if distro in ("debian10", "debian11", "ubuntu20.04") else "libssl3"
    return {"apk": "libssl3"}.get(pm or "", "openssl-libs")


def _fix(lib: str, img: ImageContents) -> str:
    if img.facts.package_manager in ("apt", "apk", "dnf", "microdnf", "yum"):
        return f"install it in this stage: {img.how_to_install(_package_for(lib, img))}"
    if lib == CA:
        return (
            "copy the CA bundle from the builder (`COPY --from=builder /etc/ssl/certs/ca-certificates.crt "
            "/etc/ssl/certs/`) or use a base that ships it"
        )
    return (
        "use a base that ships it (e.g. `gcr.io/distroless/cc-debian12` has libssl), build a static musl binary, "
        "or copy the library from the builder stage"
    )


def _newer(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    return tuple(int(x) for x in a.split(".")) > tuple(int(x) for x in b.split("."))


def _runtime_openssl(img: ImageContents) -> str | None:
    for inst in img.installs:
        if inst.package.startswith("libssl1.1"):
            return "1.1"
        if inst.package.startswith("libssl3"):
            return "3"
    return img.facts.openssl


def _openssl_mismatch(
    df: Dockerfile, stage: Stage, img: ImageContents, origins: list[BinaryOrigin], need: Need
) -> Finding | None:
    """A binary linked against one OpenSSL major version in a runtime that has only the other."""
    runtime = _runtime_openssl(img)
    distro_ssl = img.facts.openssl
    if runtime is not None and distro_ssl is not None and runtime != distro_ssl:
        inst = next(i for i in img.installs if i.package.startswith(f"libssl{runtime}"))
        return RULE.finding(
            f"{stage_title(stage)} (`{stage.base}`) installs `{inst.package}`, but this release ships OpenSSL "
            f"{distro_ssl} (`libssl{'3' if distro_ssl == '3' else '1.1'}`): `apt-get install` fails with `Unable to "
            f"locate package {inst.package}` and the binary, which links libssl via {need.because}, has no "
            "libssl; install the release's libssl package or pin the base to the release you meant",
            text_location(df, inst.instr, inst.package),
            key=f"openssl-package:{stage.label}",
            related=(Related(need.location, f"{need.because} needs libssl at run time"),),
        )
    built = next((o for o in origins if not o.static and o.facts.openssl), None)
    if runtime is None or built is None or built.facts.openssl == runtime:
        return None
    if _newer(built.facts.glibc, img.facts.glibc):
        return None  # built on a newer glibc: VW206 reports the root cause
    want, have = f"libssl.so.{built.facts.openssl}", f"libssl.so.{runtime}"
    return RULE.finding(
        f"{stage_title(stage)} (`{stage.base}`) has OpenSSL {runtime} ({have}), but the binary was built on "
        f"`{built.base}` (OpenSSL {built.facts.openssl}) and links {want} via {need.because}: it exits at start "
        f"with `error while loading shared libraries: {want}`; build and run on the same Debian/Ubuntu release, "
        "or switch to rustls",
        from_image_location(df, stage),
        key=f"openssl:{stage.label}",
        related=(
            Related(need.location, f"{need.because} needs {want} at run time"),
            Related(from_image_location(df, built.stage), f"built here with OpenSSL {built.facts.openssl}"),
        ),
    )


def check(project: Project) -> Iterator[Finding]:
    # Dockerfiles of one program (per-architecture copies) that lack the same library: one finding
    return fold_variants(project, _findings(project))


def _findings(project: Project) -> Iterator[tuple[Finding, list[Build]]]:
    for df, stage, builds in final_stages(project):
        img = build_contents(project, builds[0])
        if img is None or not img.complete:
            continue
        reported: set[str] = set()
        for build in builds:
            origins = binary_origins(project, build)
            if not origins or all(o.static for o in origins):
                continue
            tls: VerifiedTls | None = None
            for need in needs(project, build):
                if need.library == CA and not need.outbound:
                    # only a datastore driver's TLS mode reads the store: claim it for a URL that asks
                    # for a verified connection, never for a TLS crate that merely sits in the tree
                    if CA in reported or not img.lacks_library(CA):
                        continue
                    tls = tls or verified_tls(project, build)
                    if tls is None:
                        continue
                if need.library == LIBSSL and need.library not in reported and not img.lacks_library(LIBSSL):
                    mismatch = _openssl_mismatch(df, stage, img, origins, need)
                    if mismatch is not None:
                        reported.add(LIBSSL)
                        yield mismatch, builds
                    continue
                if need.library in reported or not img.lacks_library(need.library):
                    continue
                reported.add(need.library)
                shown = f"`{stage.base}`"
                if need.library == CA:
                    msg = _ca_message(stage, img, need, tls)
                else:
                    soname, fix = _SONAME[need.library], _fix(need.library, img)
                    built = next((o for o in origins if not o.static and o.facts.openssl), None)
                    if need.library == LIBSSL and built is not None and built.facts.openssl is not None:
                        soname = f"libssl.so.{built.facts.openssl}"  # the OpenSSL of the release it was built on
                        if img.facts.openssl is not None and img.facts.openssl != built.facts.openssl:
                            fix = (
                                f"this release ships OpenSSL {img.facts.openssl}, so installing its libssl would "
                                "not help: build and run on the same Debian/Ubuntu release, or switch to rustls"
                            )
                    msg = (
                        f"{stage_title(stage)} ({shown}) has no {need.library}, but the binary links it "
                        f"dynamically via {need.because}: it exits at start with `error while loading shared "
                        f"libraries: {soname}`; " + fix
                    )
                related = [Related(need.location, f"{need.because} needs {need.library} at run time")]
                if need.library == CA and not need.outbound and tls is not None:
                    related.append(Related(tls.location, f"{tls.label} asks for a verified TLS connection"))
                f = RULE.finding(
                    msg,
                    from_image_location(df, stage),
                    key=f"{need.library}:{stage.label}",  # the library first: variants fold per library
                    related=tuple(related),
                )
                if need.library == CA:
                    # a test, benchmark or dev image runs where its own author watches it: an HTTPS call
                    # it makes fails in that run, so there the CA store is advice (a CI-built image may ship)
                    watched = project.scope_of(f.location.path) in (Scope.TEST, Scope.DEV)
                    yield replace(f, level=Level.NOTE if watched else Level.WARNING), builds
                else:
                    yield f, builds


RULE = register(
    Rule(
        id="VW205",
        name="runtime-library-missing",
        level=Level.ERROR,
        summary="The final image lacks a shared library (libpq, libssl) or the CA certificates the Rust "
        "dependencies need at run time.",
        docs=RuleDocs(
            what="For each image built from this repo, the crates its binary is compiled from (the `cargo build` the "
            "Dockerfile runs, narrowed by `-p`/`--bin`) are checked for dynamically linked C libraries: `libpq` "
            "(`pq-sys`, `diesel` with feature `postgres`; the `postgres`/`tokio-postgres`/`sqlx` crates are pure Rust "
            "and need none), `libssl` (`openssl-sys`, `native-tls`, `reqwest` with default features before 0.13, "
            "`lettre` defaults, `*-native-tls` features) and the system CA store (native-tls, `rustls-native-certs`, "
            "`rustls-platform-verifier`, `hyper-rustls` defaults, AWS SDK). The CA store is claimed only for outbound "
            "TLS: an HTTPS client (`reqwest`, `ureq`, `isahc`, `awc`, hyper-tls/hyper-rustls connectors, AWS SDK, "
            "`lettre`, `oauth2`, `octocrab`, …; the list with reasons is `rules/outbound_tls.json`) in the service's "
            "tree that itself reaches a store-reading crate, a package of the repository that depends on one "
            "directly, or a datastore URL or setting the service gets that asks for verified TLS (`rediss://`, "
            "`sslmode=verify-ca|verify-full`, MySQL `ssl-mode=VERIFY_*`, in its environment or its code). A TLS crate "
            "that only a datastore driver's TLS features bring (redis `tokio-rustls-comp`, sqlx/sea-orm "
            "`runtime-*-native-tls`) or that is reached only through the web framework's own optional parts (salvo's "
            "proxy and OIDC, poem's ACME) is no evidence. A `Cargo.lock` with registry packages is followed from the "
            "crate's dependencies (vendored `openssl-src`/`pq-src` count as static); without one, `Cargo.toml` "
            "features decide. The final stage has a library when its base image ships it (`rules/images.json`), a "
            "package providing it is installed (`apt-get`, `apk`, `dnf`/`microdnf`/`yum`; `apt-get install` without "
            "`--no-install-recommends` also brings the packages' Recommends, e.g. curl brings ca-certificates), or "
            "the file is copied in. A runtime that has libssl of another OpenSSL major version than the builder's "
            "distribution (a binary built on bullseye links `libssl.so.1.1`, on bookworm or Ubuntu 22.04 "
            "`libssl.so.3`; versions per image in `rules/images.json`, with sources) is an error too, unless the "
            "builder's newer glibc already explains it (VW206). Stays silent for static musl builds (including "
            "`clux/muslrust` and `rust-musl-cross` builders) and `crt-static` builds, images whose contents are not "
            "fully known, and rustls-only dependency trees; missing CA certificates are a warning, and a note for "
            "images in `test` or `dev` scope (tests, benchmarks, dev images). A crate declared in `Cargo.toml` that "
            "no source file names is not linked, so it needs nothing; packages that bring a library as a dependency "
            "count (`postgresql` brings libpq and libssl, `python3-pip` the CA store), and so do Recommends `apt-get` "
            "installs without `--no-install-recommends`.",
            why="The image builds fine and the container dies at start with `error while loading shared "
            "libraries: libpq.so.5: cannot open shared object file`; without CA certificates the service runs "
            "but every HTTPS request fails.",
            example='# Cargo.toml: diesel = { version = "2", features = ["postgres"] }\n'
            "FROM debian:bookworm-slim\nCOPY --from=builder /app/target/release/api /usr/local/bin/api",
            fix="Install the runtime package in the final stage (`libpq5`, `libssl3`, `ca-certificates` on "
            "Debian; `libpq`, `libssl3` on Alpine), switch to rustls with bundled roots, or build a static musl "
            "binary.",
        ),
        check=check,
        tags=("runtime", "dockerfile", "cargo"),
    )
)
