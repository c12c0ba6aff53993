"""The scope of a Dockerfile by what its image is: a toolchain or test-runner image, a keep-alive box, a step of a
bake build graph, an image that runs no Rust code of this repository (aux), one a CI workflow builds and pushes
(deploy), or else the scope of the compose files that build it; and whether an image runs a binary of the
repository's crates (hardening rules report at their level only then)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from viworks_lint.baseimages import TOOLCHAIN_BASES, is_base
from viworks_lint.dockerutil import reachable_stages, target_stage
from viworks_lint.imagecontent import builds_rust, file_server, other_program, ships_binary
from viworks_lint.images import lookup
from viworks_lint.noprogram import keep_alive_scope, no_command_scope
from viworks_lint.scope import SCOPE_ORDER, Decide, Scope, ScopeInfo, scopes_named

if TYPE_CHECKING:
    from viworks_lint.parsers.compose import Service
    from viworks_lint.parsers.dockerfile import Dockerfile, Stage
    from viworks_lint.project import Project

# ------------------------------------------------------------------------------------- Dockerfile content

DEV_CARGO = re.compile(r"\bcargo(?:-|\s+)(watch|run|test|nextest|leptos\s+watch|shuttle\s+run)\b")
# front-end development servers that rebuild on save (Dioxus, Trunk)
DEV_SERVE = re.compile(r"\b(dx|trunk)\s+serve\b")

_TEST_RUNNERS = re.compile(r"\b(cargo\s+(?:test|nextest|tarpaulin|llvm-cov|bench)|pytest|npm\s+test|jest|playwright)\b")


# the scope reason of a Dockerfile that no compose file, script or CI step builds
STANDALONE_REASON = "standalone image that builds the repository's Rust code"

# cargo subcommands that check, format or prepare the source: a final stage running one is a build tool's image
_CARGO_TOOL = re.compile(
    r"^\s*cargo\s+(sqlx|fmt|clippy|check|doc|audit|deny|machete|udeps|outdated|sort|about)\b(?!.*(?:&&|;|\|\|))"
)  # the whole program: `cargo sqlx migrate run && ./app` ships the app


def _program(stage: Stage) -> str:
    """The stage's ENTRYPOINT and CMD, as one text."""
    return " ".join(" ".join(i.values) for i in (stage.state.entrypoint, stage.state.cmd) if i is not None)


def stage_at(df: Dockerfile, line: int) -> Stage | None:
    """The stage the line is in."""
    at = [st for st in df.stages if st.from_instr.location.line <= line]
    return at[-1] if at else None


def _dev_server(program: str) -> str | None:
    """What development server a program runs (`cargo watch`, `cargo run`, `trunk serve`), for a message, or None."""
    dev = DEV_CARGO.search(program)
    if dev is not None and dev.group(1).split()[0] in ("watch", "run", "leptos"):
        return f"cargo {dev.group(1).split()[0]}"
    serve = DEV_SERVE.search(program)
    return f"`{serve.group(0)}`, a development server" if serve is not None else None


def test_stage_at(df: Dockerfile, line: int) -> bool:
    """The stage the line is in runs a test runner (`CMD ["cargo", "test"]`): a `--target tests` image of a
    Dockerfile whose other targets ship is no shipped image itself."""
    stage = stage_at(df, line)
    return stage is not None and _TEST_RUNNERS.search(_program(stage)) is not None


# findings about what a container of the stage runs (its user, its PID 1, its command), not about the text of the
# stage that other stages may still build on
_CONTAINER_RULES = frozenset({"VW401", "VW402", "VW403"})


def test_target_at(project: Project, df: Dockerfile, line: int, rule_id: str = "") -> bool:
    """The stage the line is in runs no program of its own, and every build that targets it is a compose service
    whose command runs a test runner (`target: builder` with `command: cargo test`): a test container. When the
    image's last stage or another build's target builds on it or copies from it, only findings about the container
    (``_CONTAINER_RULES``) are the test container's: a secret in its text still ships."""
    stage = stage_at(df, line)
    if stage is None or stage.state.entrypoint is not None or stage.state.cmd is not None:
        return False
    from viworks_lint.devstack import command_text

    every = project.builds_of(df)
    builds = [b for b in every if (t := target_stage(df, b.target)) is not None and t is stage]
    if not builds or any(b.service is None or not _TEST_RUNNERS.search(command_text(b.service, None)) for b in builds):
        return False
    if rule_id in _CONTAINER_RULES:
        return True
    for target in {None, *(b.target for b in every)}:
        final = df.final_stage(target)
        if final is not None and final is not stage and any(s is stage for s in reachable_stages(df, target)):
            return False
    return True


def toolchain_stage_at(project: Project, df: Dockerfile, line: int, rule_id: str = "") -> bool:
    """The stage the line is in is the toolchain the image's own build starts from (no program of its own, a Rust
    or compiler base, and the last stage builds on it), not the last stage, and a CI release pushes it as a target
    of its own while no compose service builds it: the container CI jobs run in, with the compilers, not the app,
    so findings about the container (``_CONTAINER_RULES``) are not the shipped image's."""
    from viworks_lint.project import norm_path
    from viworks_lint.releases import releases

    stage = stage_at(df, line)
    final = df.final_stage()
    if rule_id not in _CONTAINER_RULES or stage is None or final is None or stage is final:
        return False
    if not no_program(df, stage) or not any(s is stage for s in reachable_stages(df, None)):
        return False
    if any(b.service is not None and target_stage(df, b.target) is stage for b in project.builds_of(df)):
        return False  # a compose service runs a container of it
    key = norm_path(df.path)
    return any(
        norm_path(r.dockerfile) == key and r.target and df.stage(r.target) is stage for r in releases(project)
    )


def dev_stage_at(df: Dockerfile, line: int) -> bool:
    """The stage the line is in runs a development server (`CMD cargo-watch -x run`, `cargo run`, `trunk serve`):
    the `dev` target a development compose file builds, beside the stage the Dockerfile ships."""
    stage = stage_at(df, line)
    if stage is None or len(df.stages) == 1:
        return False  # a single-stage image: its scope says what it is
    return _dev_server(_program(stage)) is not None


def no_program(df: Dockerfile, stage: Stage) -> bool:
    """The stage sets no ENTRYPOINT/CMD and starts from a toolchain image: a container of it runs the base's
    shell, none of the repository's programs (a builder image other builds start `FROM`)."""
    state = stage.state
    return state.entrypoint is None and state.cmd is None and is_base(df.root_base(stage), TOOLCHAIN_BASES)


def dockerfile_content(df: Dockerfile, bins: frozenset[str] = frozenset()) -> tuple[Scope, str] | None:
    final = df.final_stage()
    if final is None:
        return None
    program = _program(final)
    runner = _TEST_RUNNERS.search(program)
    if runner is not None:
        return Scope.TEST, f"its final stage runs {' '.join(runner.group(1).split())}"
    workspace = lookup(df.root_base(final)).dev_environment
    if workspace is not None:
        return Scope.DEV, f"its final stage starts FROM {df.root_base(final)}, {workspace}"
    dev = _dev_server(program)
    if dev is not None:
        return Scope.DEV, f"its final stage runs {dev}"
    tool = _CARGO_TOOL.search(program)
    if tool is not None:
        return Scope.TOOLCHAIN, f"its final stage runs `cargo {tool.group(1)}`, a build tool"
    if no_program(df, final):
        return Scope.TOOLCHAIN, f"its final stage runs no program of its own (FROM {df.root_base(final)})"
    other = other_program(df)
    if other is not None and not builds_rust(df) and ships_binary(df, bins) is None:
        return Scope.AUX, f"runs no Rust code of this repository ({other})"
    server = file_server(df, bins)
    if server is not None:
        return Scope.AUX, f"{server} serves the files the build makes (a WebAssembly or static front end)"
    return None


def dockerfile_scope(
    project: Project, path: Path, df: Dockerfile, composes: Mapping[Path, ScopeInfo], decide: Decide
) -> ScopeInfo:
    from viworks_lint.devdocs import declared_dev
    from viworks_lint.devstack import dev_service
    from viworks_lint.project import norm_path

    builders: list[tuple[ScopeInfo, str]] = []
    for b in project.builds_of(df):
        if b.compose is None or b.service is None:
            continue
        info = composes.get(norm_path(b.service.file))
        if info is not None and info.documented:
            continue  # docs call the stack local development; the image it builds may still ship
        if info is not None:
            where = f"{project.rel(b.service.file)} service {b.service.name}"
            if b.service.profiles and info.scope is Scope.DEPLOY:
                why = dev_service(project, b.compose, b.service)  # a profiled development box of a deploy file
                info = ScopeInfo(Scope.DEV, why, info.kind) if why is not None else info
            tagged = _tag_scope(b.service)
            if tagged is not None and info.scope is Scope.DEPLOY and released(project, path) is None:
                info = ScopeInfo(tagged, f"tagged `{b.service.image}`", info.kind)
            builders.append((info, where))
    bins = frozenset(b for m in project.manifests.values() for b in m.bin_names())
    content = (
        dockerfile_content(df, bins)
        or keep_alive_scope(project, df)
        or no_command_scope(project, df)
        or _bake_stage(project, df)
    )
    pushed = released(project, path)
    if pushed is not None and (content is None or content[0] is Scope.DEPLOY):
        first = decide(path, "dockerfile", None)
        if first.reason:  # config or name said something (`Dockerfile.debug` pushed as an edge-debug tag)
            return first
        return ScopeInfo(Scope.DEPLOY, pushed, "dockerfile")
    if builders and (content is None or content[0] is not Scope.AUX):
        best = min(builders, key=lambda x: SCOPE_ORDER[x[0].scope])
        if best[0].scope is Scope.DEPLOY:
            built = ScopeInfo(Scope.DEPLOY, f"built by {best[1]}", "dockerfile")
        else:
            built = ScopeInfo(best[0].scope, f"built only by {best[1]} ({best[0].scope.value})", "dockerfile")
        first = decide(path, "dockerfile", None)
        production = best[0].scope is Scope.DEPLOY and best[0].reason.startswith("named ")
        if first.reason and not (production and not first.reason.startswith("set by config")):
            return first  # config, name or use said something (a compose file named for production outweighs
            # a Dockerfile named `Dockerfile.local`: it is what that stack deploys)
        if content is not None and content[0] is not Scope.DEPLOY and built.scope is Scope.DEPLOY:
            return ScopeInfo(content[0], content[1], "dockerfile")
        return built
    # a Dockerfile nothing builds or pushes whose header calls it an example (`# An example Dockerfile showing how
    # to build a Rust executable`) or a development file
    info = decide(path, "dockerfile", content or declared_dev(path))
    if info.scope is Scope.DEPLOY and not info.reason:
        info = ScopeInfo(Scope.DEPLOY, STANDALONE_REASON, "dockerfile")
    return info


def _tag_scope(svc: Service) -> Scope | None:
    """The scope the tag of a compose `image:` names when it is just `dev` or `test(s)` (`acme/api:tests`); a
    branch tag such as `:develop` or `:1.2-dev` names an image deployed to a server."""
    image = svc.image
    if not image or "$" in image or ":" not in image.rsplit("/", 1)[-1]:
        return None
    return _TAGS.get(image.rsplit(":", 1)[1].lower())


_TAGS = {"dev": Scope.DEV, "test": Scope.TEST, "tests": Scope.TEST, "testing": Scope.TEST}


def _bake_stage(project: Project, df: Dockerfile) -> tuple[Scope, str] | None:
    """A final stage with no program of its own that starts `FROM` a build context bake passes in (`FROM input`
    with `contexts = { input = "target:build" }`): a step of a bake build graph (compile, test, package)."""
    from viworks_lint.bake import named_contexts

    final = df.final_stage()
    if final is None or final.state.entrypoint is not None or final.state.cmd is not None:
        return None
    root = df.root_base(final)
    if root and root.lower() in named_contexts(project):
        return Scope.TOOLCHAIN, f"its final stage runs no program of its own (FROM `{root}`, a bake build context)"
    return None


def released(project: Project, path: Path) -> str | None:
    """Where a CI workflow or script builds and pushes this Dockerfile to a registry (the published image),
    else None. A workflow, job or step named only for development or tests (`test-images.yml`, a job `dev`
    that pushes a dev tag) does not count."""
    from viworks_lint.project import norm_path
    from viworks_lint.releases import releases

    key = norm_path(path)
    found: list[tuple[int, str]] = []
    for release in releases(project):
        if norm_path(release.dockerfile) != key:
            continue
        said = {sc for label in release.labels for sc in scopes_named(label)}
        if Scope.DEPLOY not in said and said & {Scope.DEV, Scope.TEST}:
            continue  # `push dev image`, `test-images.yml`; a `test-and-release` workflow's release job counts
        found.append((0 if Scope.DEPLOY in said else 1, release.where(project.root)))
    return f"built and pushed by {min(found)[1]}" if found else None


def runs_repo_binary(project: Project, df: Dockerfile, line: int | None = None) -> bool:
    """The image runs a program compiled from this repository's crates: built in the image or a builder
    stage, or a host-built binary of one of the repository's `[[bin]]` targets copied in. With ``line``, only
    the image of the target stage that line is in (a `migrations` target that installs `diesel_cli` from the
    registry runs no code of the repository, whatever the file's other targets build)."""
    builds = project.builds_of(df)
    targets = {b.target for b in builds} or {None}
    if line is not None and len(targets) > 1:
        at = [st for st in df.stages if st.from_instr.location.line <= line]
        if at:
            mine = {t for t in targets if (f := df.final_stage(t)) is not None and f.index == at[-1].index}
            targets = mine or targets
    if any(builds_rust(df, t) for t in targets):
        return True
    bins = {b for m in project.manifests.values() for b in m.bin_names()}
    if not bins:
        return False
    for t in targets:
        for stage in reachable_stages(df, t):
            for instr in stage.instructions:
                copied = instr.values[:-1] if instr.cmd in ("COPY", "ADD") else ()
                if any(v.rstrip("/").rsplit("/", 1)[-1] in bins for v in copied):
                    return True
    return False

