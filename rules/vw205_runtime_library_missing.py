"""VW205 runtime-library-missing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from viworks_lint.binaryorigin import BinaryOrigin, binary_origins
from viworks_lint.dockerutil import final_stages, from_image_location, stage_title, text_location
from viworks_lint.findings import Finding, Level, Related
from viworks_lint.outboundtls import VerifiedTls, generic_client, names_secure_url, verified_tls
from viworks_lint.packages import ImageContents
from viworks_lint.parsers.dockerfile import Dockerfile, Stage
from viworks_lint.project import Build, Project
from viworks_lint.rule import Rule, RuleDocs, register
from viworks_lint.runtimelibs import CA, LIBSSL, SONAME, package_for, runtime_openssl
from viworks_lint.runtimeneeds import Need, needs
from viworks_lint.scope import Scope
from viworks_lint.stagecontents import build_contents
from viworks_lint.variants import fold_variants


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


def _fix(lib: str, img: ImageContents) -> str:
    if img.facts.package_manager in ("apt", "apk", "dnf", "microdnf", "yum"):
        return f"install it in this stage: {img.how_to_install(package_for(lib, img))}"
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


def _openssl_mismatch(
    df: Dockerfile, stage: Stage, img: ImageContents, origins: list[BinaryOrigin], need: Need
) -> Finding | None:
    """A binary linked against one OpenSSL major version in a runtime that has only the other."""
    runtime = runtime_openssl(img)
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


_PLAIN_HTTP = (
    "; but neither the image's code nor the service's environment names an https:// (or wss://) URL, so the "
    "client may call only plain-HTTP services: only advice"
)


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
                    soname, fix = SONAME[need.library], _fix(need.library, img)
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
                    plain = need.client is not None and generic_client(need.client) and not names_secure_url(
                        project, build
                    )
                    if plain:  # a general HTTP client the code points only at http:// URLs (sibling services)
                        f = replace(f, message=f.message + _PLAIN_HTTP)
                    yield replace(f, level=Level.NOTE if watched or plain else Level.WARNING), builds
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
            "`lettre`, `oauth2`, `octocrab`, …; the list with reasons is `rules/outbound_tls.json`, which also names "
            "the registry packages that use a client only in their build script, such as `utoipa-swagger-ui`'s "
            "download of the Swagger UI: Cargo.lock cannot tell) in the service's tree that itself reaches a "
            "store-reading crate, a package of the repository that depends on one directly, or a datastore URL or "
            "setting the service gets that asks for verified TLS (`rediss://`, `sslmode=verify-ca|verify-full`, MySQL "
            "`ssl-mode=VERIFY_*`, in its environment or its code). When the client is a general HTTP client "
            "(`reqwest`, `ureq`, hyper's HTTPS connectors, …: `generic` in the data file) and neither the image's "
            "code nor a variable the service gets and the code may read names an `https://` (or `wss://`) URL, the "
            "client may call only plain-HTTP services (`http://auth:4002`): a note. A TLS crate that only a datastore "
            "driver's TLS features bring (redis `tokio-rustls-comp`, sqlx/sea-orm `runtime-*-native-tls`) or that is "
            "reached only through the web framework's own optional parts (salvo's proxy and OIDC, poem's ACME) is no "
            "evidence. A `Cargo.lock` with registry packages is followed from the crate's dependencies (vendored "
            "`openssl-src`/`pq-src` count as static); without one, `Cargo.toml` features decide. The final stage has "
            "a library when its base image ships it (`rules/images.json`), a package providing it is installed "
            "(`apt-get`, `apk`, `dnf`/`microdnf`/`yum`; `apt-get install` without `--no-install-recommends` also "
            "brings the packages' Recommends, e.g. curl brings ca-certificates), or the file is copied in. A runtime "
            "that has libssl of another OpenSSL major version than the builder's distribution (a binary built on "
            "bullseye links `libssl.so.1.1`, on bookworm or Ubuntu 22.04 `libssl.so.3`; versions per image in "
            "`rules/images.json`, with sources) is an error too, unless the builder's newer glibc already explains it "
            "(VW206). Stays silent for static musl builds (including `clux/muslrust` and `rust-musl-cross` builders) "
            "and `crt-static` builds, images whose contents are not fully known, and rustls-only dependency trees; "
            "missing CA certificates are a warning, and a note for images in `test` or `dev` scope (tests, "
            "benchmarks, dev images). A crate declared in `Cargo.toml` that no compiled source file names (files of "
            "the targets' module trees: an orphan `schema.rs` no `mod` declares does not count) is not linked, so it "
            "needs nothing; packages that bring a library as a dependency count (`postgresql` brings libpq and "
            "libssl, `python3-pip` the CA store), and so do Recommends `apt-get` installs without "
            "`--no-install-recommends`.",
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
