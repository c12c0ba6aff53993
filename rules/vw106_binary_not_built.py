"""VW106 binary-not-built."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from viworks_lint.cargolock import (
    lockfile_for,
    run_packages,
    workspace_members,
)
from viworks_lint.crates import BuiltCode, CargoRun, CopiedBinary, built_code, package_spec_name
from viworks_lint.findings import Finding, Level, Related
from viworks_lint.location import Location
from viworks_lint.parsers.cargo import Manifest
from viworks_lint.parsers.dockerfile import Dockerfile, Instruction, token_location
from viworks_lint.project import Build, Project
from viworks_lint.rule import Rule, RuleDocs, register

# subcommands that compile the workspace's own targets into target/<profile>/
_BUILDS = {"build", "auditable build", "zigbuild"}
# entries of target/<profile>/ that are not binaries
_NOT_BINARIES = {"deps", "build", "incremental", "examples", ".fingerprint"}


def _is_triple(part: str) -> bool:
    return part.count("-") >= 2


def _target_binary(source: str) -> bool:
    """``…/target/<profile>/<name>`` or ``…/target/<triple>/<profile>/<name>``."""
    parts = source.rstrip("/").split("/")
    if len(parts) < 3 or parts[-1] in _NOT_BINARIES or parts[-2] in _NOT_BINARIES:
        return False
    if parts[-3] == "target":
        return not _is_triple(parts[-2])  # target/<triple>/<profile> is a directory
    return len(parts) >= 4 and parts[-4] == "target" and _is_triple(parts[-3])


@dataclass
class _StageBins:
    """What the cargo runs of a stage (and the stages it is built FROM) leave in the target directory."""

    runs: list[CargoRun] = field(default_factory=list)
    built: dict[str, Manifest] = field(default_factory=dict)  # binary name → package
    known: dict[str, Manifest] = field(default_factory=dict)  # every binary of the packages in play
    narrowed_by: list[str] = field(default_factory=list)  # --bin names that restricted the build


def _bins_of(packages: Iterable[Manifest]) -> dict[str, Manifest]:
    out: dict[str, Manifest] = {}
    for m in packages:
        for name in sorted(m.bin_names()):
            out.setdefault(name, m)
    return out


def _stage_bins(project: Project, df: Dockerfile, bc: BuiltCode, stage_ref: str) -> _StageBins | None:
    stage = df.stage(stage_ref)
    if stage is None:
        return None
    lineage = {s.index for s in df.lineage(stage)}
    runs = [r for r in bc.runs if r.stage.index in lineage and not r.subcommand.startswith("chef")]
    if not any(r.subcommand in _BUILDS for r in runs) or any(r.manifest is None for r in runs):
        return None  # the stage compiles nothing we can follow: no claim
    out = _StageBins(runs)
    for r in runs:
        pkgs = run_packages(project, r, exact=False)
        bins = _bins_of(pkgs)
        if _unknown_packages(project, r) or not set(r.bins) <= set(bins):
            return None  # the cargo command itself is wrong (reported there); the copy follows from it
        for name, m in bins.items():
            out.known.setdefault(name, m)
        if r.bins and not r.all_bins:
            out.narrowed_by.extend(r.bins)
            bins = {n: m for n, m in bins.items() if n in r.bins}
        for name, m in bins.items():
            out.built.setdefault(name, m)
    return out


def _closest(name: str, names: Iterable[str]) -> str | None:
    pool = sorted(names)
    norm = name.replace("_", "-").lower()
    for n in pool:
        if n.replace("_", "-").lower() == norm:
            return n
    close = difflib.get_close_matches(name, pool, n=1, cutoff=0.5)
    return close[0] if close else None


def _listing(project: Project, bins: dict[str, Manifest]) -> str:
    if not bins:
        return "no binary at all"
    items = [f"`{n}` (package `{m.package_name}`, {project.rel(m.path)})" for n, m in sorted(bins.items())]
    return "only " + ", ".join(items[:6]) + (", …" if len(items) > 6 else "")


def _source_token(instr: Instruction, source: str) -> str:
    for raw, val in zip(instr.args[:-1], instr.values[:-1], strict=False):
        if val == source:
            return raw
    return source


def _copies(project: Project, build: Build, df: Dockerfile, bc: BuiltCode) -> Iterator[Finding]:
    cache: dict[str, _StageBins | None] = {}
    for cb in bc.copied:
        if not _target_binary(cb.source) or (cb.instr.unresolved and "$" in _source_token(cb.instr, cb.source)):
            continue
        if "{{" in cb.source or "{%" in cb.source:
            continue  # a template's placeholder (`target/release/{{project-name}}`): cargo-generate renders it
        if cb.from_stage not in cache:
            cache[cb.from_stage] = _stage_bins(project, df, bc, cb.from_stage)
        sb = cache[cb.from_stage]
        if sb is None or cb.name in sb.built:
            continue
        yield _copy_finding(project, df, cb, sb)


def _copy_finding(project: Project, df: Dockerfile, cb: CopiedBinary, sb: _StageBins) -> Finding:
    raw = _source_token(cb.instr, cb.source)
    loc = token_location(df, cb.instr, raw)
    prefix = cb.source[: len(cb.source) - len(cb.name)]
    related = tuple(Related(r.instr.location, f"cargo run in stage `{r.stage.label}`") for r in sb.runs)
    head = f"`COPY --from={cb.from_stage}` copies `{cb.source}`, but stage `{cb.from_stage}`"
    if cb.name in sb.known:
        m = sb.known[cb.name]
        flags = " ".join(f"--bin {b}" for b in dict.fromkeys(sb.narrowed_by))
        msg = (
            f"{head} compiles only `{flags}`: `{cb.name}` is a binary of package `{m.package_name}` but is never "
            f'built there, so the COPY fails with "not found"; add `--bin {cb.name}` to the cargo command or '
            "copy a binary that is built"
        )
    else:
        guess = _closest(cb.name, sb.built) or _closest(cb.name, sb.known)
        if guess is None and len(sb.built) == 1:
            guess = next(iter(sb.built))
        msg = f"{head} builds {_listing(project, sb.built)}; no binary is named `{cb.name}`"
        if guess is not None and guess.replace("_", "-") == cb.name.replace("_", "-"):
            msg += (
                f". Cargo keeps a binary's name exactly as the package or `[[bin]] name` spells it "
                f"(`-` is not turned into `_`): copy `{prefix}{guess}`"
            )
        elif guess is not None:
            msg += f"; did you mean `{prefix}{guess}`?"
        else:
            msg += "; copy one of the built binaries or add a `[[bin]]` target with that name"
    return RULE.finding(msg, loc, key=f"copy:{cb.from_stage}:{cb.name}", related=related)


_FLAG_VALUE = r"(?:^|[\s\"'\[,])(?:{flags})(?:=|[\s\"',]+)[\"']?({value})(?=[\"'\s,\]\\;&|)]|$)"


def _value_location(df: Dockerfile, instr: Instruction, flags: tuple[str, ...], value: str) -> Location:
    rx = re.compile(_FLAG_VALUE.format(flags="|".join(re.escape(f) for f in flags), value=re.escape(value)))
    for ln in range(instr.start_line, instr.end_line + 1):
        if ln - 1 >= len(df.lines):
            break
        m = rx.search(df.lines[ln - 1])
        if m:
            return Location(df.path, ln, m.start(1) + 1, ln, m.end(1) + 1)
    return token_location(df, instr, value)


def _unknown_packages(project: Project, run: CargoRun) -> list[str]:
    """``-p`` specs that name no package of the workspace nor of its dependency graph."""
    if run.manifest is None or not run.packages:
        return []
    members = workspace_members(project, run.manifest)
    member_names = {m.package_name for m in members if m.package_name}
    deps = {d.package for m in members for d in m.dependencies}
    lock = lockfile_for(project, run.manifest)
    out: list[str] = []
    for spec in run.packages:
        name = package_spec_name(spec)
        if not name or name in member_names or name in deps or any(c in name for c in "*?["):
            continue
        if lock is not None and name in lock.packages:
            continue  # `-p` may name any package of the dependency graph
        if lock is None and _closest(name, member_names) is None:
            continue  # could be a transitive dependency we cannot see without Cargo.lock
        out.append(spec)
    return out


def _run_checks(project: Project, df: Dockerfile, run: CargoRun) -> Iterator[Finding]:
    if run.manifest is None or run.subcommand == "install" or run.subcommand == "chef prepare":
        return
    members = workspace_members(project, run.manifest)
    member_names = {m.package_name for m in members if m.package_name}
    where = project.rel(run.manifest.path)
    bad_packages = _unknown_packages(project, run)
    for spec in bad_packages:
        name = package_spec_name(spec)
        guess = _closest(name, member_names)
        msg = (
            f"`cargo {run.subcommand} -p {spec}`: no package named `{name}` in the workspace of {where} "
            f"(members: {', '.join(f'`{n}`' for n in sorted(member_names)) or 'none'}); cargo fails with "
            f'"package ID specification `{name}` did not match any packages"'
        )
        if guess is not None:
            msg += f"; did you mean `-p {guess}`?"
        yield RULE.finding(
            msg,
            _value_location(df, run.instr, ("-p", "--package"), spec),
            key=f"package:{name}",
            related=(Related(Location(run.manifest.path), "the manifest this cargo command reads"),),
        )
    if run.subcommand == "chef cook" or bad_packages:
        return
    pkgs = run_packages(project, run, exact=False)
    bins = _bins_of(pkgs)
    for b in run.bins:
        if b in bins:
            continue
        guess = _closest(b, bins)
        scope = f"package{'s' if len(pkgs) != 1 else ''} " + ", ".join(
            f"`{m.package_name}` ({project.rel(m.path)})" for m in pkgs if m.package_name
        )
        msg = (
            f"`cargo {run.subcommand} --bin {b}`: {scope if pkgs else 'the selected packages'} "
            f'{"have" if len(pkgs) != 1 else "has"} no binary target `{b}`; cargo fails with "no bin target '
            f'named `{b}`". Binaries: {", ".join(f"`{n}`" for n in sorted(bins)) or "none"}'
        )
        if guess is not None:
            msg += f"; did you mean `--bin {guess}`?"
        yield RULE.finding(msg, _value_location(df, run.instr, ("--bin",), b), key=f"bin:{b}")


def check(project: Project) -> Iterator[Finding]:
    for build in project.builds:
        df = build.dockerfile
        if df is None:
            continue
        bc = built_code(project, build)
        for run in bc.runs:
            yield from _run_checks(project, df, run)
        yield from _copies(project, build, df, bc)


RULE = register(
    Rule(
        id="VW106",
        name="binary-not-built",
        level=Level.ERROR,
        summary="A Dockerfile copies or asks for a binary the crates built in that stage do not have.",
        docs=RuleDocs(
            what="`COPY --from=<stage> …/target/<profile>/<name>` is checked against the binary targets of the "
            "packages the cargo commands of `<stage>` compile (the package's default binary from `src/main.rs`, "
            "`src/bin/*`, `[[bin]] name`, narrowed by `-p` and `--bin`). `cargo build --bin <name>` must name a "
            "binary of the selected packages and `cargo build -p <name>` a package of the workspace or its dependency "
            "graph. Stages whose cargo runs cannot be mapped to a manifest of the repository are not judged, nor "
            "binaries a template placeholder names (`target/release/{{project-name}}`, rendered by cargo-generate), "
            "nor cargo runs after a RUN that rewrites the stage's manifest (`sed -i 's/members = …/' Cargo.toml`).",
            why="After a package is renamed, or when the Dockerfile spells `my_app` for the binary `my-app`, "
            "the builder stage succeeds and the final stage fails with `failed to compute cache key: "
            '"/app/target/release/my_app": not found`; the deploy keeps the old image.',
            example='# Cargo.toml: [package] name = "viworks-backend"\n'
            "COPY --from=builder /app/target/release/viworks_backend /usr/local/bin/app",
            fix="Copy the binary under the name Cargo gives it (the `[[bin]] name`, else the package name, "
            "dashes kept), or rename the target in Cargo.toml.",
        ),
        check=check,
        tags=("build", "dockerfile", "cargo"),
    )
)
