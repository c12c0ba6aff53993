"""Where the binary a final image runs was compiled: the builder stage whose cargo output it copies in (or
the stage itself), the builder's base, and whether the target is musl or glibc, linked statically, pinned to
a glibc version (``cargo zigbuild``) or chosen only when the build runs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from viworks_lint.crates import built_code
from viworks_lint.dockerutil import run_text, target_stage
from viworks_lint.images import ImageFacts, lookup
from viworks_lint.parsers.dockerfile import Dockerfile, Instruction, Stage
from viworks_lint.project import Build, Project

_MUSL_TARGET = re.compile(r"--target[= ]+['\"]?([A-Za-z0-9_.\-]*musl[A-Za-z0-9_.\-]*)")
_GNU_PINNED = re.compile(r"--target[= ]+['\"]?[A-Za-z0-9_\-]*-gnu[A-Za-z0-9_]*\.(\d+\.\d+)")
# a `--target` whose value is only known when the RUN runs: `$(cat .toolchain)`, a backquote, or a variable
# no ARG/ENV/build arg gives a value to (checked after those are substituted)
_UNRESOLVED_TARGET = re.compile(r"--target[= ]+['\"]?(?:\$\(|`|\$\{?[A-Za-z_])")
# evidence of a musl build when the target itself is not written out: a musl triple anywhere in the builder's
# RUNs (`echo x86_64-unknown-linux-musl > .toolchain`), or the musl C toolchain installed on a glibc builder
_MUSL_HINT = re.compile(r"-linux-musl|\bmusl-(?:tools|dev|gcc)\b")
# a COPY of cargo's host-target output (`target/release/app`): whatever else the stage mentions, this binary
# was built for the builder's own (glibc) target
_HOST_OUTPUT = re.compile(r"(?:^|[/\s])target/(?:release|debug)/")


@dataclass(frozen=True)
class BinaryOrigin:
    """Where the program the final image runs was compiled."""

    stage: Stage  # the builder stage
    copy: Instruction | None  # the COPY --from that brings it into the final image (None: built in place)
    facts: ImageFacts  # the builder's root base
    base: str
    musl: bool  # a musl target (static by default) or a musl builder
    static: bool  # linked statically (musl, or `-C target-feature=+crt-static`)
    glibc_target: str | None  # glibc version pinned by `cargo zigbuild --target …-gnu.2.17`
    # `--target` is chosen at build time (`$(cat .toolchain)`, an unset variable) and there is no musl evidence:
    # which C library the binary needs is unknown
    target_unresolved: bool = False


def _cargo_config_musl(build: Build) -> bool:
    for rel in (".cargo/config.toml", ".cargo/config"):
        p: Path = build.context / rel
        try:
            text = p.read_text("utf-8", errors="replace")
        except OSError:
            continue
        if re.search(r"^\s*target\s*=\s*['\"][^'\"]*musl", text, re.M):
            return True
    return False


def binary_origins(project: Project, build: Build) -> list[BinaryOrigin]:
    """Builder stages whose cargo output the final image runs (via ``COPY --from``, or built in place)."""
    df = build.dockerfile
    if df is None:
        return []
    final = target_stage(df, build.target)
    if final is None:
        return []
    # a front end's WebAssembly build (`cargo build --target wasm32-unknown-unknown`, under trunk) makes files
    # a browser loads, not a program the image runs
    runs = [r for r in built_code(project, build).runs if not r.wasm_only]
    builders = {r.stage.index for r in runs}
    for r in runs:  # stages built FROM a stage that ran cargo also hold its output
        for st in df.stages:
            if r.stage.index in {s.index for s in df.lineage(st)}:
                builders.add(st.index)
    final_lineage = df.lineage(final)
    out: list[BinaryOrigin] = []
    if any(s.index in {r.stage.index for r in runs} for s in final_lineage):
        out.append(_origin(project, build, df, final, None))
        return out
    seen: set[int] = set()
    for st in final_lineage:
        for instr in st.instructions:
            frm = instr.flag("from")
            if instr.cmd != "COPY" or not frm:
                continue
            src_stage = df.stage(frm)
            if src_stage is None or src_stage.index not in builders or src_stage.index in seen:
                continue
            seen.add(src_stage.index)
            out.append(_origin(project, build, df, src_stage, instr))
    return out


def _stage_vars(build: Build, df: Dockerfile, stage: Stage) -> dict[str, str]:
    """Values a RUN of ``stage`` sees for ``$NAME``: its ENV (inherited ones included), and the stage's own
    ARG defaults (or the global default an ``ARG NAME`` re-declares) with compose ``build.args`` over them.
    Names without a value are left out (their references stay as written)."""
    given = build.service.build.args if build.service is not None and build.service.build is not None else {}
    out = {k: v for k, (v, _i) in stage.state.env.items() if v and "$" not in v}
    for instr in stage.instructions:
        if instr.cmd != "ARG":
            continue
        for arg in instr.args:
            name, eq, default = arg.partition("=")
            value = given.get(name) if name in given else (default.strip("\"'") if eq else df.global_args.get(name))
            if value:
                out[name] = value
            else:
                out.pop(name, None)
    return out


def _substitute(text: str, values: dict[str, str]) -> str:
    """``$NAME``/``${NAME}`` replaced by the value ``values`` gives (others left as written)."""
    if not values or "$" not in text:
        return text

    def one(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2)
        return values.get(name, m.group(0))

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)", one, text)


_TARGET_VAR = re.compile(r"--target[= ]+[\"']?\$\{?([A-Za-z_][A-Za-z0-9_]*)")


def _shell_var_musl(texts: list[str]) -> bool:
    """`cargo build --target "$TARGET"` where the same RUN sets `TARGET=` only to musl triples (one per
    architecture branch: `if [ "$TARGETARCH" = amd64 ]; then TARGET=x86_64-unknown-linux-musl; …`)."""
    for text in texts:
        for name in set(_TARGET_VAR.findall(text)):
            values = re.findall(rf"(?:^|[\s;&|(]){re.escape(name)}=[\"']?([^\s;\"'&|)]*)", text)
            if values and all("musl" in v for v in values):
                return True
    return False


def _origin(project: Project, build: Build, df: Dockerfile, stage: Stage, copy: Instruction | None) -> BinaryOrigin:
    lineage = df.lineage(stage)
    root = lineage[-1]
    facts = lookup(root.base, project.config.base_images) if root.base_resolved else ImageFacts("", "", False)
    # `cargo build --target=$target` with `ARG target=x86_64-unknown-linux-musl`: decided on the values
    texts = [
        _substitute(run_text(i), _stage_vars(build, df, s)) for s in lineage for i in s.instructions if i.cmd == "RUN"
    ]
    env = " ".join(f"{k}={v}" for k, (v, _i) in stage.state.env.items())
    sources = _substitute(" ".join(copy.values[:-1]), _stage_vars(build, df, stage)) if copy is not None else ""
    joined = "\n".join([*texts, env])
    musl = (
        facts.libc == "musl"
        or bool(_MUSL_TARGET.search(joined))
        or bool(re.search(r"CARGO_BUILD_TARGET=\S*musl", env))
        or "-musl/" in sources
        or _cargo_config_musl(build)
    )
    musl = musl or _shell_var_musl(texts)
    host_output = "-gnu/" in sources or bool(_HOST_OUTPUT.search(sources))
    if not musl and not host_output and _MUSL_HINT.search(joined):
        musl = True  # a musl triple or musl-tools in a stage whose output is not cargo's host-target directory
    if "-gnu/" in sources and facts.libc != "musl":
        musl = False
    unresolved = not musl and not host_output and bool(_UNRESOLVED_TARGET.search(joined))
    pinned = _GNU_PINNED.search(joined)
    static = musl or "crt-static" in joined
    return BinaryOrigin(stage, copy, facts, root.base, musl, static, pinned.group(1) if pinned else None, unresolved)
