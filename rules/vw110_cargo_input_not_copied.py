"""VW110 cargo-input-not-copied."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from viworks_lint.cargocmd import EDITS_MANIFEST, cargo_calls
from viworks_lint.cargoneeds import CargoNeeds, Need, cargo_needs
from viworks_lint.dockerutil import clean_source, copy_sources, match_context, reachable_stages
from viworks_lint.findings import Finding, Level, Related
from viworks_lint.parsers.dockerfile import Instruction, token_location
from viworks_lint.project import Build, Project, norm_path
from viworks_lint.rule import Rule, RuleDocs, register
from viworks_lint.stagefiles import Presence, StageFiles, stage_files


def _missing(files: StageFiles, needs: CargoNeeds, need: Need) -> Presence | None:
    """The need's absence (None when the stage has it, or may have it)."""
    absent: Presence | None = None
    for host in (need.host, *need.alternatives):
        state = files.lookup(needs.image_path_of(host), needs.call.instr)
        if not state.absent:
            return None
        absent = absent or state
    return absent


def _top(files: StageFiles, needs: CargoNeeds, need: Need, context: Path, instr: Instruction) -> Path:
    """The highest directory above the need that the stage lacks as a whole (what one COPY brings in),
    up to the package directory when the need belongs to a package."""
    cur = need.host
    while cur != need.unit and cur.parent not in (cur, context, needs.root.dir):
        try:
            cur.parent.relative_to(context)
        except ValueError:
            break
        if not files.lookup(needs.image_path_of(cur.parent), instr).absent:
            break
        cur = cur.parent
    return cur


def _fix(project: Project, build: Build, files: StageFiles, needs: CargoNeeds, top: Path, state: Presence) -> str:
    instr = needs.call.instr
    try:
        rel = top.relative_to(build.context).as_posix()
    except ValueError:
        return (
            f"it is outside the build context `{project.rel(build.context)}`, so no COPY can bring it in: "
            "widen the build context (compose `build.context`) to a directory that holds it"
        )
    if state.ignored_by is not None:
        pat = state.ignored_by
        return (
            f"`{project.rel(pat.location.path)}` drops it from the build context with `{pat.text}` "
            f"(line {pat.location.line}): remove or narrow the pattern, or add `!{rel}` after it"
        )
    image = needs.image_path_of(top)
    workdir = files.workdir(instr)
    dest = posixpath.relpath(image, workdir) if image.startswith(workdir.rstrip("/") + "/") else image
    return f"add `COPY {rel} {dest}` before this RUN"


def _findings(
    project: Project, build: Build, files: StageFiles, instr: Instruction, host_made: tuple[str, ...] = ()
) -> Iterator[Finding]:
    df = files.dockerfile
    reported: set[Path] = set()
    for call in cargo_calls(instr, files.workdir(instr)):
        needs = cargo_needs(project, files, call)
        if needs is None:
            continue
        for need in needs.needs:
            state = _missing(files, needs, need)
            if state is None or project.is_gitignored(need.host):
                continue
            image = needs.image_path_of(need.host)
            if any(image == d or image.startswith(d.rstrip("/") + "/") for d in host_made):
                continue
            top = _top(files, needs, need, build.context, instr) if state.ignored_by is None else need.host
            if top in reported or any(p in reported for p in top.parents):
                continue
            reported.add(top)
            cmd = f"cargo {call.sub}"
            where = f"stage `{files.stage.label}`" if files.stage.name else "this stage"
            fix = _fix(project, build, files, needs, top, state)
            msg = (
                f"`{cmd}` needs {need.what}, but {where} has no `{needs.image_path_of(top)}`, so the build fails "
                f"although `{project.rel(top)}` is in the repository; {fix}"
            )
            related = [Related(need.why, need.why_text)]
            if state.ignored_by is not None:
                related.append(Related(state.ignored_by.location, f"`{state.ignored_by.text}` excludes it"))
            yield RULE.finding(
                msg,
                token_location(df, instr, "cargo"),
                key=f"{files.stage.label}:{project.rel(need.host)}",
                related=tuple(related),
            )


def _own_images(project: Project) -> set[str]:
    """Images this project builds itself (compose services with both ``build`` and ``image``)."""
    out: set[str] = set()
    for _compose, svc in project.services():
        if svc.build is not None and svc.image:
            out.add(svc.image)
            out.add(svc.image.split(":", 1)[0])
    return out


# the RUN ends in `cargo … || true`: its last command's failure is ignored (`cargo fetch || true && cargo build` is not)
_IGNORED_FAILURE = re.compile(r"\bcargo\b[^\n;&|]*\|\|\s*(?:true|:|exit\s+0|echo\b[^\n;&|]*)\s*$")


_COPIES_MANIFEST = re.compile(r"(?<![\w.])Cargo\.toml(?![\w.])|\s\.\s")


def check(project: Project) -> Iterator[Finding]:
    # per Dockerfile and build target: the missing inputs reported so far, so that a later RUN of the same
    # build that fails for the same cause is not reported again; across builds, each finding once
    seen_by_target: dict[tuple[Path, str | None], set[str]] = {}
    reported: set[tuple[Path, int, str]] = set()
    own = _own_images(project)
    for build in project.builds:
        df = build.dockerfile
        if df is None or not build.context.is_dir():
            continue
        seen = seen_by_target.setdefault((df.path, build.target), set())
        for stage in reachable_stages(df, build.target):
            base = df.root_base(stage)
            if base in own or base.split(":", 1)[0] in own:
                continue  # built FROM an image of this project: it may hold any file
            files = stage_files(project, build, stage)
            host_made: list[str] = []  # where the stage gets folders a host step makes: what they hold is not read
            edited = False  # an earlier RUN rewrote a manifest (`sed -i 's#src/main.rs#src/dummy.rs#' Cargo.toml`)
            for instr in stage.instructions:
                if _missing_source(project, build, instr):
                    break  # the build stops at this COPY (VW102): what later RUNs of the stage lack is its echo
                made = _host_made_folders(project, build, files, instr)
                if made:
                    host_made.extend(made)  # a host step puts it into the context first (VW102's note)
                    continue
                if instr.cmd == "RUN" and EDITS_MANIFEST.search(instr.original):
                    edited = True
                    continue
                if instr.cmd in ("COPY", "ADD") and not instr.flag("from") and _COPIES_MANIFEST.search(instr.original):
                    edited = False  # the repository's manifest is back
                text = instr.original.strip()
                if instr.cmd != "RUN" or "cargo" not in text or _IGNORED_FAILURE.search(text):
                    continue  # `cargo build --release || true`: a cache-warming step whose failure is ignored
                if edited:
                    continue  # the stage's manifest is not the repository's: what it needs cannot be told
                # the build stops at the first RUN that lacks an input: a later RUN of the same build (this stage
                # or another it builds) that lacks one already reported fails for the same cause (often the build
                # context), so what else it lacks is not reported apart
                found = list(_findings(project, build, files, instr, tuple(host_made)))
                keys = {f.key.split(":", 1)[-1] for f in found}
                if keys & seen:
                    seen |= keys
                    continue
                seen |= keys
                fresh = [f for f in found if (df.path, instr.start_line, f.key) not in reported]
                reported.update((df.path, instr.start_line, f.key) for f in fresh)
                yield from _grouped(fresh)


def _missing_source(project: Project, build: Build, instr: Instruction) -> bool:
    """A COPY/ADD of the build context whose plain source (no wildcard, no unknown variable) is a manifest or a
    folder that neither the context nor the repository root has (`COPY services/worker/Cargo.toml …` after the
    crates moved; a context that is merely wrong is VW110's to explain): BuildKit fails
    the build there, and what the cargo commands after it lack is what that COPY was to bring. A missing file of
    another kind (`Cargo.lock`) is a defect of its own beside theirs."""
    for src in copy_sources(instr):
        name = posixpath.basename(src.value.rstrip("/"))
        if not src.resolved or any(c in src.value for c in "*?[") or (name != "Cargo.toml" and "." in name):
            continue
        if not match_context(build.context, src.value) and not (project.root / clean_source(src.value)).exists():
            return True  # a stale path, in no folder of the repository (not a context that is merely wrong)
    return False


def _host_made_folders(project: Project, build: Build, files: StageFiles, instr: Instruction) -> list[str]:
    """Where a COPY/ADD puts folders the context lacks that the host puts there before the build: a git-ignored
    path of the context, or one a step of a script, Makefile or CI workflow creates (`cp -r ../operator ./` in a
    pre-build hook, as the wrapper reader records it). VW102 notes it; what the stage then holds under those paths
    is not read. A file (a name with an extension, a dotfile) is no such folder."""
    if instr.cmd not in ("COPY", "ADD") or instr.flag("from") or len(instr.args) < 2:
        return []
    dest = instr.args[-1]
    out: list[str] = []
    for src in copy_sources(instr):
        name = posixpath.basename(src.value.rstrip("/"))
        if not src.resolved or any(c in src.value for c in "*?[") or "." in name:
            continue
        if match_context(build.context, src.value):
            continue
        target = build.context / clean_source(src.value)
        if project.is_gitignored(target) or project.wrappers.created.get(norm_path(target)):
            # a folder's contents land in the destination itself, as Docker copies folders
            out.append(posixpath.normpath(posixpath.join(files.workdir(instr), dest)))
    return out


_GROUP_AFTER = 3


def _grouped(findings: list[Finding]) -> list[Finding]:
    """One RUN missing many inputs (every workspace member of a `COPY` that missed the workspace) is one
    root cause: past three, the first finding names the others, which become its related locations."""
    if len(findings) <= _GROUP_AFTER:
        return findings
    first, rest = findings[0], findings[1:]
    names = [f.key.split(":", 1)[-1] for f in rest]
    shown = ", ".join(f"`{n}`" for n in names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
    message = f"{first.message}; this RUN also misses {len(rest)} more inputs it needs: {shown}"
    related = (*first.related, *(Related(f.location, f.message) for f in rest[:20]))
    return [replace(first, message=message, related=related)]


RULE = register(
    Rule(
        id="VW110",
        name="cargo-input-not-copied",
        level=Level.ERROR,
        summary="A cargo build in a Dockerfile stage needs a repository file the stage never got.",
        docs=RuleDocs(
            what="Each `RUN cargo build`/`install --path`/`run`/`test`/`check` (and `cargo chef prepare`) of the "
            "stages a build runs is resolved as Cargo would from the stage's working directory (`cd dir &&`, "
            "`--manifest-path`, `-p`, `--bin`, `--workspace`, `default-members`): the workspace root and every "
            "member's manifest (globs match only what the stage has), path dependencies (transitively, "
            "`workspace.dependencies` included), the targets and module files of the packages compiled, a build "
            "script named by `package.build` (an auto-detected `build.rs` only when the real code uses what it "
            "produces — `OUT_DIR`, `include_proto!`, `env!` of a variable it emits, not `option_env!`, which compiles "
            "without it — since Cargo simply runs none when the file is absent), `Cargo.lock` under "
            "`--locked`/`--frozen`/`--offline`, a `.cargo/config.toml` that changes how the build resolves or "
            "compiles (Cargo config reference, https://doc.rust-lang.org/cargo/reference/config.html: `[source]` "
            "replacement/vendoring, `[patch]`, `[registries]` (another registry than crates-io, or an `index`: "
            "`[registries.crates-io] protocol = \"sparse\"` is Cargo's default), `[registry] default`, `[net] offline "
            "= true`, `[build] target`, a `[build] target-dir` a later instruction names, `--cfg` rustflags (unless "
            "the build sets `RUSTFLAGS` itself, on its command line or by `ENV`: Cargo then ignores config "
            "rustflags), `[target.<triple>]` linker/ar for a triple the command builds for (`--target`, "
            "`CARGO_BUILD_TARGET`), `links` overrides, `[unstable]`, and `[env]` values the compiled code reads at "
            "build time with `env!`/`option_env!` or in `build.rs` — for `cargo run`/`test` any `[env]`, since the "
            "config's `[env]` reaches build scripts, rustc and the program cargo runs; `--cfg` rustflags (not one a "
            "dependency's feature refuses to compile without, rules/crates.json `cfg_gated`: `tokio_unstable`), a "
            "`target-dir` and a `[build] target` are not needed by the build of a stub `main` that caches "
            "dependencies when a later build of the same folder, one that has the file, follows (a `cargo build`, or "
            "`dx build`/`trunk build`, which run cargo themselves)); a config holding only aliases, `[profile]`/`-C "
            "target-cpu` tuning, `rustc-wrapper`, a host linker/`-fuse-ld` choice or test-only `[env]` values is not "
            "claimed, and what the code embeds at compile time: `include_str!`/`include_bytes!`/`include!` (relative "
            "to the file), `sqlx::migrate!`, `sqlx::query_file!`, `refinery::embed_migrations!`, "
            "`diesel_migrations::embed_migrations!` (relative to the package directory), `.sqlx/` for `sqlx::query!` "
            "under `SQLX_OFFLINE=true`, askama `#[template(path)]` files under the package's `templates/`, and the "
            "`.proto` files a build script hands to `compile_protos`; a `rust-toolchain.toml` that selects nightly "
            "when the stage has no other nightly. Each file is looked up in the stage's file model: what COPY/ADD put "
            "there (filtered by the `.dockerignore` that applies, `<Dockerfile>.dockerignore` first), `COPY --from` "
            "other stages, bind and cache mounts of the RUN. A RUN that misses more than three inputs (a COPY that "
            "left out the workspace) is one finding naming them all, the others as related locations. The context of "
            "a Dockerfile no compose service builds is the one a CI workflow, Makefile or script gives it (`docker "
            "build -f <it> <context>`, `docker/build-push-action` `context:`), else inferred from its COPY sources. "
            "Files an earlier RUN may create (`echo 'fn main() {}' > src/main.rs`, scripts, `cargo chef cook`'s "
            "manifests) are never claimed missing, nor are files the cargo RUN itself writes; in the dependency-cache "
            "step (`mkdir src && echo 'fn main() {}' > src/main.rs && cargo build`) an auto-discovered `src/lib.rs` "
            "or `src/bin/*` the stage lacks is simply no target, and so is `src/main.rs` when the RUN writes a "
            "`src/lib.rs` stub instead; `cargo chef cook` itself builds from its recipe and is not checked, nor is a "
            "cargo command whose failure the RUN ignores (`cargo build --release || true`, a cache-warming step), nor "
            "a cargo command after a RUN that rewrote the stage's manifest (`sed -i 's#src/main.rs#src/dummy.rs#' "
            "Cargo.toml`). A file missing from the repository too is VW101's or VW105's. An input a stage lacks is "
            "reported at the first RUN that needs it (the build stops there), not again at later RUNs of the same "
            "build target, whatever their stage; and not at all after a COPY of the stage whose plain source, a "
            "`Cargo.toml` or a folder, is in neither the build context nor the repository (a stale path, VW102's "
            "error: the build stops at that COPY, and what the RUNs after it lack is what it was to bring). Nor after "
            "a COPY of a folder the host puts into the context before the build (git-ignored there, or made by a step "
            "of a script, Makefile or CI workflow, such as a pre-build hook's `cp -r ../operator ./`: VW102's note): "
            "the stage holds what that step copies, which is not read.",
            why="The build runs in a stage that holds only what the Dockerfile copied, not the repository: "
            '`cargo build` fails with "failed to load manifest for workspace member", "couldn\'t read '
            'src/../migrations" or "error: failed to read `.sqlx`" although `cargo build` on the host works.',
            example='# Cargo.toml: [workspace] members = ["api", "core"]\n'
            "COPY Cargo.toml Cargo.lock ./\nCOPY api api\nRUN cargo build --release --locked   "
            "# core/ was never copied",
            fix="Add the COPY the message names before the RUN (or `COPY . .` with a `.dockerignore` that keeps "
            "`target/` out), or remove the `.dockerignore` pattern that drops the file.",
        ),
        check=check,
        tags=("build", "dockerfile", "cargo"),
    )
)
