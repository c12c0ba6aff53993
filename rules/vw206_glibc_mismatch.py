"""VW206 glibc-mismatch."""

from __future__ import annotations

from collections.abc import Iterator

from viworks_lint.binaryorigin import BinaryOrigin, binary_origins
from viworks_lint.dockerutil import final_stages, from_image_location, stage_title
from viworks_lint.findings import Finding, Level, Related
from viworks_lint.images import glibc_needed_when, glibc_versions_crossed
from viworks_lint.parsers.dockerfile import Dockerfile
from viworks_lint.project import Project
from viworks_lint.rule import Rule, RuleDocs, register
from viworks_lint.spawns import process_start
from viworks_lint.stagecontents import build_contents

_SAME_RELEASE = {
    "debian10": "debian:buster-slim",
    "debian11": "debian:bullseye-slim",
    "debian12": "debian:bookworm-slim",
    "debian13": "debian:trixie-slim",
    "ubuntu20.04": "ubuntu:20.04",
    "ubuntu22.04": "ubuntu:22.04",
    "ubuntu24.04": "ubuntu:24.04",
}
_DISTROLESS = {"debian11": "gcr.io/distroless/cc-debian11", "debian12": "gcr.io/distroless/cc-debian12"}


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split(".") if p.isdecimal())


def _suggest(origin: BinaryOrigin) -> str:
    distro = origin.facts.distro or ""
    options = [f"`{x}`" for x in (_SAME_RELEASE.get(distro), _DISTROLESS.get(distro)) if x]
    return " or ".join(options) if options else "a runtime base of the builder's release"


def _builder_related(df: Dockerfile, origin: BinaryOrigin) -> tuple[Related, ...]:
    rel = [Related(from_image_location(df, origin.stage), f"builder stage `{origin.stage.label}` ({origin.base})")]
    if origin.copy is not None:
        rel.append(Related(origin.copy.location, "the binary is copied into the final image here"))
    return tuple(rel)


def check(project: Project) -> Iterator[Finding]:
    for df, stage, builds in final_stages(project):
        img = build_contents(project, builds[0])
        if img is None or not img.facts.known:
            continue
        run = img.facts
        reported: set[int] = set()
        for build in builds:
            for origin in binary_origins(project, build):
                if origin.copy is None or origin.static or origin.target_unresolved or origin.stage.index in reported:
                    continue
                built = origin.facts
                if built.libc != "glibc":
                    continue
                loc = from_image_location(df, stage)
                label = f"{stage_title(stage)} (`{img.base}`)"
                src = f"`{origin.stage.label}` (`{origin.base}`, glibc {built.glibc or 'unknown version'})"
                if run.libc == "musl":
                    reported.add(origin.stage.index)
                    yield RULE.finding(
                        f"{label} is musl-based, but the binary comes from the glibc builder {src} without a musl "
                        "target: it fails at start with `not found` (no glibc dynamic loader); build with "
                        "`--target x86_64-unknown-linux-musl` or run it on " + _suggest(origin),
                        loc,
                        key=f"{stage.label}<-{origin.stage.label}:musl",
                        related=_builder_related(df, origin),
                    )
                elif run.libc == "none" and img.lacks_library("libc"):
                    reported.add(origin.stage.index)
                    yield RULE.finding(
                        f"{label} has no C library, but the binary from {src} is dynamically linked against glibc: "
                        "it fails at start with `no such file or directory`; build a static musl binary or run it "
                        "on " + _suggest(origin),
                        loc,
                        key=f"{stage.label}<-{origin.stage.label}:nolibc",
                        related=_builder_related(df, origin),
                    )
                elif run.libc == "glibc" and run.glibc and (origin.glibc_target or built.glibc):
                    need = origin.glibc_target or built.glibc or ""
                    if _version(need) <= _version(run.glibc):
                        continue
                    reported.add(origin.stage.index)
                    crossed = glibc_versions_crossed(run.glibc, need)
                    level = Level.ERROR
                    extra_related: tuple[Related, ...] = ()
                    whens = glibc_needed_when(crossed) if crossed else None
                    if crossed == ():
                        level = Level.NOTE
                        message = (
                            f"{label} has glibc {run.glibc} and the binary is built on {src}, but Rust binaries built "
                            "on a newer glibc are not known to need any symbol version in between (the dynamic "
                            "loader lists every missing version, and reports list none there): it most likely "
                            f"starts; building on the runtime's release or running it on {_suggest(origin)} "
                            "removes the doubt"
                        )
                    elif crossed and whens is not None:
                        uses = "; ".join(f"GLIBC_{v} when {w}" for v, w in zip(crossed, whens, strict=True))
                        # evidence that the binary does one of these: the code the image runs starts a process
                        spawn = (
                            next((s for b in builds if (s := process_start(project, b)) is not None), None)
                            if "2.39" in crossed
                            else None
                        )
                        level = Level.WARNING if spawn is not None else Level.NOTE
                        seen = (
                            "; the code it runs starts a process, so it needs GLIBC_2.39 and fails at start "
                            "(`version 'GLIBC_2.39' not found`)"
                            if spawn is not None
                            else "; the repository's code is not seen to start a process, and whether a "
                            "dependency takes a float remainder, starts a process or compiles such C code cannot be "
                            "seen without building it"
                        )
                        message = (
                            f"{label} has glibc {run.glibc}, but the binary is built on {src}: a Rust binary built "
                            f"there needs {uses}; one that does fails at start (`version 'GLIBC_x' not found`), one "
                            f"that does none of this starts{seen}. Build on the runtime's release or run it on "
                            f"{_suggest(origin)} to take the chance away (a floating builder tag moves to newer "
                            "releases on its own)"
                        )
                        if spawn is not None:
                            extra_related = (Related(spawn, "the code starts a process here"),)
                    else:
                        missing = crossed[-1] if crossed else need
                        message = (
                            f"{label} has glibc {run.glibc}, but the binary is built on {src}: Rust binaries built on "
                            f"glibc {need} use symbols of "
                            + (
                                f"{', '.join('GLIBC_' + v for v in crossed)}, which the runtime lacks"
                                if crossed
                                else f"glibc versions up to GLIBC_{need}, newer than the runtime's"
                            )
                            + f", so it fails at start with `GLIBC_{missing}' not found`; run it on "
                            f"{_suggest(origin)} or build on the runtime's release"
                        )
                    yield RULE.finding(
                        message,
                        loc,
                        key=f"{stage.label}<-{origin.stage.label}:glibc",
                        related=_builder_related(df, origin) + extra_related,
                        level=level,
                    )


RULE = register(
    Rule(
        id="VW206",
        name="glibc-mismatch",
        level=Level.ERROR,
        summary="The binary is built against a newer glibc than the runtime image has, or a glibc build is copied "
        "into a musl or libc-less image.",
        docs=RuleDocs(
            what="The builder stage a binary is `COPY --from`'d out of and the final stage are looked up in "
            "`rules/images.json` (plain `rust:1.70`–`1.88` tags are Debian 12 bookworm, 1.89 and later trixie; "
            "`-bullseye`/`-bookworm`/`-trixie` suffixes are explicit). It is an error when the builder's glibc is "
            "newer than the runtime's (e.g. `rust:1.83` → `debian:bullseye-slim`), when a glibc build lands in an "
            "Alpine (musl) image, or in a `scratch`/static image with no libc (one that copies `libc.so.6` and the "
            "`ld-linux` loader in from a stage has one, and so does one that copies in a whole root file system, even "
            "through a folder another stage filled: `COPY --from=base / /clean`, then `COPY --from=that /clean /`). "
            "Musl targets (`--target *-musl`, a `-musl/` path in the COPY, `CARGO_BUILD_TARGET`, "
            "`.cargo/config.toml`; a `$target` in the command or path is read with the stage's ARG default, compose "
            "`build.args` or ENV value, so `--target=$target` with `ARG target=x86_64-unknown-linux-musl` is a musl "
            "build), a `--target \"$TARGET\"` whose variable the RUN sets only to musl triples (one per architecture "
            "branch), a builder that writes a musl triple anywhere in its RUNs (`echo x86_64-unknown-linux-musl > "
            ".toolchain` for `--target $(cat .toolchain)`) or installs `musl-tools`/`musl-dev`, unless the COPY takes "
            "cargo's host-target output `target/release/`), Alpine builders, `crt-static` builds, `cargo zigbuild` "
            "with a pinned `…-gnu.2.17` target, same-release pairs and distroless `cc` images matching the builder "
            "are silent, and so are export-only artifact stages (`FROM scratch` with only COPY/ADD/ARG/LABEL and no "
            "CMD/ENTRYPOINT, built with `docker build --output`): the binary runs on the host, not in that stage. A "
            "`--target` only known when the RUN runs (`$(…)`, a variable with no ARG/ENV/build-arg value) and no musl "
            "evidence: no claim. A newer builder glibc is an error when the gap crosses a symbol version Rust "
            "binaries were seen to need (`glibc_symbol_versions` in `rules/images.json`, with the reports: 2.29, "
            "2.32–2.34, 2.38, 2.39) or leaves the reviewed range 2.28–2.41, and only a note otherwise (e.g. Debian "
            "13's 2.41 → Ubuntu 24.04's 2.39: builds on 2.41 were seen to need GLIBC_2.39 at most). A gap that "
            "crosses only versions a binary needs for what it uses (`needed_when` in the data file: GLIBC_2.38 for a "
            "float remainder, libm's `fmod`, or C code compiled against 2.38 headers; GLIBC_2.39 for starting "
            "processes, `std::process::Command`'s `pidfd_spawnp`), such as Debian 13's 2.41 → Debian 12's 2.36, is a "
            "note that names those uses, since a binary with neither starts; a warning when the code the image runs "
            "starts a process (a `std::process`/`tokio::process` `Command`, duct, subprocess or a fork, tests left "
            "out, as VW402 reads it), named as a related location.",
            why="The image builds, then the container exits immediately with "
            "`/lib/x86_64-linux-gnu/libc.so.6: version 'GLIBC_2.34' not found`, or on Alpine with the baffling "
            "`exec /usr/local/bin/app: no such file or directory`.",
            example="FROM rust:1.83 AS builder          # Debian 12, glibc 2.36\n...\n"
            "FROM debian:bullseye-slim           # glibc 2.31\n"
            "COPY --from=builder /app/target/release/api /usr/local/bin/",
            fix="Use the runtime base of the same release as the builder (`rust:1.83-bookworm` → "
            "`debian:bookworm-slim` or `gcr.io/distroless/cc-debian12`), pin the builder to the runtime's release "
            "(`rust:1.83-bullseye`), or build a static musl binary.",
        ),
        check=check,
        tags=("runtime", "dockerfile"),
    )
)
