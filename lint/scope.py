"""Deployment scope of each compose file and Dockerfile: what ships (``deploy``) and what only serves
development, tests, CI, tool builds or helper images. Hardening rules report on ``deploy`` only; every
scope comes with the reason it was given, so users can see (and override in config) why.

Decided in this order: the config's ``scope`` table; the file's own name (``docker-compose.dev.yml``,
``Dockerfile.test``); its folders (``examples/``, ``docs/``, ``.devcontainer/``, ``ci/``); how the repository
uses it (only by CI or a wrapper's test target); its content (``cargo watch`` with the source
bind-mounted, toolchain containers the app is started in by hand, infrastructure-only compose files whose
app runs on the host, compose files that only build development images such as ``Dockerfile-devel``,
toolchain and test-runner images, images that run no Rust code of this repository); for Dockerfiles, a CI
workflow or script that builds and pushes the image (``deploy``, over the compose files that build it),
then the scope of the compose files that build them; otherwise ``deploy``."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from viworks_lint.discover import COMPOSE_BASES
from viworks_lint.dockerutil import commands, reachable_stages, run_text

if TYPE_CHECKING:
    from viworks_lint.parsers.compose import ComposeProject, Service
    from viworks_lint.parsers.dockerfile import Dockerfile, Stage
    from viworks_lint.project import Project


class Scope(str, enum.Enum):
    DEPLOY = "deploy"
    DEV = "dev"
    TEST = "test"
    CI = "ci"
    TOOLCHAIN = "toolchain"
    AUX = "aux"


SCOPE_NAMES = tuple(s.value for s in Scope)


@dataclass(frozen=True)
class ScopeInfo:
    scope: Scope
    reason: str  # why, in a few words: "named docker-compose.dev.yml", "runs cargo watch with ./ bind-mounted"
    kind: str  # "compose" or "dockerfile"


# words of a file or folder name that tell its scope (a name is split on `.`, `-`, `_`)
_WORDS: dict[str, Scope] = {
    **dict.fromkeys(
        (
            "dev",
            "devel",
            "develop",
            "development",
            "local",
            "example",
            "examples",
            "demo",
            "demos",
            "sample",
            "samples",
            "devcontainer",
            "gitpod",
            "sandbox",
            "playground",
            "tutorial",
            "tutorials",
            "quickstart",
            "debug",
            "tilt",
            "doc",
            "docs",
            "documentation",
        ),
        Scope.DEV,
    ),
    **dict.fromkeys(
        (
            "test",
            "tests",
            "testing",
            "it",
            "e2e",
            "bdd",
            "integration",
            "itest",
            "bench",
            "benches",
            "benchmark",
            "benchmarks",
            "load",
            "loadtest",
            "stress",
            "perf",
            "fixtures",
            "fuzz",
            "smoke",
        ),
        Scope.TEST,
    ),
    **dict.fromkeys(("ci", "pr", "github", "gitlab", "circleci", "buildkite", "woodpecker", "drone"), Scope.CI),
    **dict.fromkeys(
        ("builder", "cross", "toolchain", "codegen", "generator", "buildenv", "sccache", "chef"), Scope.TOOLCHAIN
    ),
    **dict.fromkeys(("prod", "production", "release", "deploy", "deployment", "staging"), Scope.DEPLOY),
}
# words that say nothing about scope in file names: "docker-compose", "Dockerfile", extensions
_NEUTRAL = {"docker", "compose", "dockerfile", "yml", "yaml", "containerfile", "override", ""}


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[._\-]+", name.lower()) if w not in _NEUTRAL]


def scope_from_name(rel: str) -> tuple[Scope, str] | None:
    """The scope a path's file name or folders name (the file name first, then the nearest folder)."""
    parts = rel.split("/")
    named = next(((_WORDS[w], f"named {parts[-1]}") for w in _words(parts[-1]) if w in _WORDS), None)
    if named is not None and named[0] is not Scope.DEPLOY:
        return named
    for folder in reversed(parts[:-1]):  # `tests/e2e/docker-compose.prod.yml` is a test file
        for word in _words(folder):
            scope = _WORDS.get(word)
            if scope is not None and scope is not Scope.DEPLOY:
                return scope, f"in folder {folder}/"
    return named


# ------------------------------------------------------------------------------------- compose content

_DEV_CARGO = re.compile(r"\bcargo(?:-|\s+)(watch|run|test|nextest|leptos\s+watch|shuttle\s+run)\b")


def _command_text(svc: Service, stage: Stage | None) -> str:
    parts: list[str] = []
    for value in (svc.entrypoint, svc.command):
        if isinstance(value, tuple):
            parts.append(" ".join(value))
        elif isinstance(value, str):
            parts.append(value)
    if stage is not None and not parts:
        for instr in (stage.state.entrypoint, stage.state.cmd):
            if instr is not None:
                parts.append(" ".join(instr.values))
    return " ".join(parts)


def _source_mount(project: Project, compose: ComposeProject, svc: Service) -> str | None:
    """A bind mount of the repository's source (a folder holding Cargo.toml or `src/`) into the service."""
    for m in svc.volumes:
        if m.type != "bind" or not m.source or m.source.startswith(("/", "~", "$")):
            continue
        host = compose.project_dir / m.source
        if (host / "Cargo.toml").is_file() or host.name == "src" or (host / "src").is_dir():
            return m.source
    return None


def dev_service(project: Project, compose: ComposeProject, svc: Service) -> str | None:
    """Why a service is a development one (``cargo watch`` over the bind-mounted source, or a toolchain
    container the app is started in by hand), else None."""
    build = project.build_of_service(svc)
    stage = None
    if build is not None and build.dockerfile is not None:
        stage = build.dockerfile.final_stage(build.target)
    text = _command_text(svc, stage)
    match = _DEV_CARGO.search(text)
    mount = _source_mount(project, compose, svc)
    if match is None:
        df = build.dockerfile if build is not None else None
        watcher = _installs_watcher(stage)
        if watcher is not None and mount is not None:
            return f"its image installs {watcher} and {mount} is bind-mounted over the source"
        return _toolchain_box(svc, df, stage, text, mount)
    if mount is None:
        return None
    return f"runs cargo {match.group(1).split()[0]} with {mount} bind-mounted"


_WATCHERS = re.compile(r"\bcargo\s+(?:\+\S+\s+)?install\b[^\n]*?\b(cargo-watch|bacon|watchexec-cli|systemfd)\b")


def _installs_watcher(stage: Stage | None) -> str | None:
    """A file watcher the image always installs for rebuild-on-save development (`cargo install cargo-watch`;
    not one installed only under a condition, `if [ "$BUILD_ENV" = dev ]`, in an image that also ships)."""
    for instr in stage.instructions if stage is not None else ():
        if instr.cmd == "RUN":
            text = " ".join(instr.args)
            m = _WATCHERS.search(text)
            if m is not None and not re.search(r"\b(?:if|case)\s", text[: m.start()]):
                return m.group(1)
    return None


def _toolchain_box(
    svc: Service, df: Dockerfile | None, stage: Stage | None, text: str, mount: str | None
) -> str | None:
    """Why a service is a development container whose app is started by hand (`docker compose exec app cargo
    run`): it builds a stage of a Rust toolchain image with no ENTRYPOINT or CMD of its own, sets no
    `command:`, and bind-mounts the source or keeps a terminal open (`stdin_open`/`tty`); else None."""
    if df is None or stage is None or text.strip():
        return None
    if not _is_base(df.root_base(stage), _RUST_BASES):
        return None
    tty = [k for k in ("stdin_open", "tty") if (n := svc.node.get(k)) is not None and n.value is True]
    if mount is None and not tty:
        return None
    named = f"stage `{stage.name}`" if stage.name else "an image"
    held = f"{mount} bind-mounted" if mount is not None else f"`{'`/`'.join(tty)}` set"
    return f"builds {named} of {df.root_base(stage)} that runs no program of its own, with {held}"


_SHELLS = {"nix-shell", "bash", "sh", "zsh", "fish", "ash"}
_DOC_FOLDERS = {"doc", "docs", "documentation"}


def doc_snippet(rel: str) -> str | None:
    """The documentation folder a file lies in (a snippet the docs show, not a file run in place), else None."""
    for folder in rel.split("/")[:-1]:
        if folder.lower() in _DOC_FOLDERS:
            return folder
    return None


def starts_shell(project: Project, svc: Service) -> str | None:
    """The interactive shell a service's container starts instead of a program (``nix-shell``, a bare
    ``bash``, ``nix develop``, ``sleep infinity``): a development box whose app is started by hand."""
    build = project.build_of_service(svc)
    stage = None
    if build is not None and build.dockerfile is not None:
        stage = build.dockerfile.final_stage(build.target)
    text = _command_text(svc, stage).strip()
    if not text:
        return None
    words = text.split()
    prog = words[0].rsplit("/", 1)[-1]
    args = [w for w in words[1:] if not w.startswith("-")]
    if prog in _SHELLS and not args and "-c" not in words:
        return prog
    if text in ("sleep infinity", "tail -f /dev/null") or words[:2] == ["nix", "develop"]:
        return text
    return None


def dev_builds(project: Project, compose: ComposeProject) -> str | None:
    """Why a compose project is a development stack because every image it builds is a development one
    (``Dockerfile-devel``, ``dev.Dockerfile``, ``test/x/Dockerfile``: named or placed for development or tests),
    else None."""
    built: list[str] = []
    for svc in compose.services.values():
        if svc.build is None:
            continue
        build = project.build_of_service(svc)
        if build is None:
            return None
        rel = project.rel(build.dockerfile_path)
        named = scope_from_name(rel)  # by its name or its folder (`test/unix-socket/Dockerfile`, `dev-env/…`)
        if named is None or named[0] not in (Scope.DEV, Scope.TEST):
            return None
        built.append(rel)
    if not built:
        return None
    return f"only builds development or test images ({', '.join(sorted(set(built))[:3])})"


def _app_names(project: Project) -> set[str]:
    """Words that name this repository's own programs: packages, binaries, the repository folder."""
    names: set[str] = set()
    for m in project.manifests.values():
        if m.package_name:
            names.add(m.package_name.lower().replace("_", "-"))
        names.update(b.lower().replace("_", "-") for b in m.bin_names())
    names.add(project.root.name.lower().replace("_", "-"))
    return {n for n in names if n}


def _image_is_app(image: str, app_names: set[str]) -> bool:
    repo = image.split("@")[0]
    last = repo.rsplit("/", 1)[-1].split(":")[0].lower().replace("_", "-")
    if "$" in image:
        return True  # `${REGISTRY}/app:${TAG}`: most likely the project's own image
    return last in app_names or any(last.startswith(n + "-") or n.startswith(last + "-") for n in app_names)


def infra_only(project: Project, compose: ComposeProject) -> str | None:
    """Why a compose project only runs infrastructure for an app that runs on the host, else None."""
    if not compose.services or not any(m.bin_names() for m in project.manifests.values()):
        return None
    names = _app_names(project)
    images: list[str] = []
    for svc in compose.services.values():
        if svc.build is not None or svc.image is None or _image_is_app(svc.image, names):
            return None
        images.append(svc.image.split("@")[0].rsplit("/", 1)[-1].split(":")[0])
    shown = ", ".join(sorted(set(images))[:4])
    return f"only runs infrastructure images ({shown}); the app runs on the host"


# ------------------------------------------------------------------------------------- Dockerfile content

_RUST_BASES = (
    "rust",
    "clux/muslrust",
    "messense/rust-musl-cross",
    "ghcr.io/cross-rs/",
    "rustembedded/cross",
    "lukemathwalker/cargo-chef",
    "ghcr.io/rust-lang/",
    "rustlang/rust",
    "ekidd/rust-musl-builder",
)
_TOOLCHAIN_BASES = (*_RUST_BASES, "golang", "gcc", "buildpack-deps")
_TEST_RUNNERS = re.compile(r"\b(cargo\s+(?:test|nextest|tarpaulin|llvm-cov|bench)|pytest|npm\s+test|jest|playwright)\b")


def _base_name(image: str) -> str:
    return image.split("@")[0].rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image.split("@")[0]


def _is_base(image: str, bases: tuple[str, ...]) -> bool:
    name = _base_name(image).lower()
    first, _, rest = name.partition("/")
    if rest and ("." in first or ":" in first) and not any(b.startswith(first + "/") for b in bases):
        name = rest  # a registry or mirror: public.ecr.aws/docker/library/rust is rust
    name = name.removeprefix("docker/library/").removeprefix("library/")
    return any(name == b or name.startswith(b) if b.endswith("/") else name == b for b in bases)


def builds_rust(df: Dockerfile, target: str | None = None) -> bool:
    """The build compiles Rust (a `cargo` build or install, not from the registry) or copies a binary out
    of a `target/` directory."""
    for stage in reachable_stages(df, target):
        for instr in stage.instructions:
            if instr.cmd == "RUN":
                for words in commands(run_text(instr)):
                    if (
                        words[0] in ("cargo", "cross")
                        and len(words) > 1
                        and words[1]
                        in (
                            "build",
                            "install",
                            "auditable",
                            "zigbuild",
                            "leptos",
                            "chef",
                            "run",
                            "watch",
                            "test",
                            "shuttle",
                        )
                    ):
                        return True
            elif (
                instr.cmd in ("COPY", "ADD")
                and not (instr.flag("from") and df.stage(instr.flag("from") or "") is not None)
                and any("target/" in v or "/target" in v for v in instr.values[:-1])
            ):
                return True  # a host-built `target/` (from a stage: that stage's own build decides; Maven has one too)
        if _is_base(stage.base, _RUST_BASES):
            return True
    return False


def _ships_binary(df: Dockerfile, bins: frozenset[str]) -> str | None:
    """One of the repository's binaries the final stage copies in or runs (a prebuilt binary from a CI
    artifact or a release download), else None."""
    final = df.final_stage()
    if final is None or not bins:
        return None
    for instr in (final.state.entrypoint, final.state.cmd):
        if instr is not None and instr.values:
            name = instr.values[0].rstrip("/").rsplit("/", 1)[-1]
            if name in bins:
                return name
    for instr in final.instructions:
        if instr.cmd in ("COPY", "ADD") and len(instr.values) >= 2:
            for v in instr.values:
                name = v.rstrip("/").rsplit("/", 1)[-1]
                if name in bins:
                    return name
    return None


def dockerfile_content(df: Dockerfile, bins: frozenset[str] = frozenset()) -> tuple[Scope, str] | None:
    final = df.final_stage()
    if final is None:
        return None
    program = " ".join(" ".join(i.values) for i in (final.state.entrypoint, final.state.cmd) if i is not None)
    runner = _TEST_RUNNERS.search(program)
    if runner is not None:
        return Scope.TEST, f"its final stage runs {' '.join(runner.group(1).split())}"
    dev = _DEV_CARGO.search(program)
    if dev is not None and dev.group(1).split()[0] in ("watch", "run", "leptos"):
        return Scope.DEV, f"its final stage runs cargo {dev.group(1).split()[0]}"
    root = df.root_base(final)
    if final.state.entrypoint is None and final.state.cmd is None and _is_base(root, _TOOLCHAIN_BASES):
        return Scope.TOOLCHAIN, f"its final stage runs no program of its own (FROM {root})"
    other = _other_program(df)
    if other is not None and not builds_rust(df) and _ships_binary(df, bins) is None:
        return Scope.AUX, f"runs no Rust code of this repository ({other})"
    return None


# images and build tools of programs in other languages, and third-party servers
_OTHER_BASES = (
    "node",
    "nginx",
    "nginxinc/",
    "httpd",
    "caddy",
    "traefik",
    "envoyproxy/",
    "haproxy",
    "python",
    "ruby",
    "php",
    "openjdk",
    "eclipse-temurin",
    "amazoncorretto",
    "maven",
    "gradle",
    "golang",
    "mcr.microsoft.com/dotnet/",
    "quay.io/keycloak/",
    "keycloak/",
    "flink",
    "bitnami/",
    "grafana/",
    "prom/",
    "postgres",
    "mysql",
    "mariadb",
    "redis",
    "mongo",
    "elasticsearch",
    "docker.elastic.co/",
    "minio/",
    "oven/bun",
    "denoland/",
    "clickhouse/",
    "rabbitmq",
    "nats",
    "confluentinc/",
    "otel/",
    "jaegertracing/",
    "hashicorp/",
    "vault",
    "certbot/",
)
_OTHER_TOOLS = {
    "npm",
    "yarn",
    "pnpm",
    "npx",
    "pip",
    "pip3",
    "poetry",
    "go",
    "mvn",
    "gradle",
    "bundle",
    "composer",
    "dotnet",
    "bun",
    "deno",
    "uv",
}


def _other_program(df: Dockerfile) -> str | None:
    final = df.final_stage()
    if final is None:
        return None
    root = df.root_base(final)
    if _is_base(root, _OTHER_BASES):
        return f"FROM {root}"
    for stage in reachable_stages(df):
        for instr in stage.instructions:
            if instr.cmd == "RUN":
                for words in commands(run_text(instr)):
                    if words[0] in _OTHER_TOOLS:
                        return f"builds with {words[0]}"
    return None


# ------------------------------------------------------------------------------------- the whole project

_ORDER = {Scope.DEPLOY: 0, Scope.DEV: 1, Scope.TEST: 2, Scope.CI: 3, Scope.TOOLCHAIN: 4, Scope.AUX: 5}


def _configured(project: Project, rel: str) -> str | None:
    table: Mapping[str, str] = project.config.scope
    if not table:
        return None
    import pathspec

    for pattern, value in table.items():
        if pathspec.GitIgnoreSpec.from_lines([pattern]).match_file(rel):
            return value
    return None


def compute(project: Project) -> dict[Path, ScopeInfo]:
    from viworks_lint.project import norm_path

    out: dict[Path, ScopeInfo] = {}
    uses = _uses(project)

    def decide(path: Path, kind: str, content: tuple[Scope, str] | None) -> ScopeInfo:
        rel = project.rel(path)
        configured = _configured(project, rel)
        if configured is not None:
            return ScopeInfo(Scope(configured), f"set by config for {rel}", kind)
        named = scope_from_name(rel)
        if named is not None:
            return ScopeInfo(named[0], named[1], kind)
        used = uses.get(norm_path(path))
        if used is not None and not (path.parent == project.root and path.name in COMPOSE_BASES):
            return ScopeInfo(used[0], used[1], kind)
        if content is not None:
            return ScopeInfo(content[0], content[1], kind)
        return ScopeInfo(Scope.DEPLOY, "", kind)

    for compose in project.composes:
        dev_in: dict[Path, tuple[Scope, str]] = {}
        for svc in compose.services.values():
            why = dev_service(project, compose, svc)
            if why is not None:
                node = svc.node.get("command") or svc.node.get("entrypoint")
                where = norm_path(node.loc.path if node is not None else svc.file)
                dev_in.setdefault(where, (Scope.TEST if "cargo test" in why or "nextest" in why else Scope.DEV, why))
        infra = infra_only(project, compose) or dev_builds(project, compose)
        for f in compose.files:
            key = norm_path(f)
            content = dev_in.get(key) or ((Scope.DEV, infra) if infra is not None else None) or declared_dev(f)
            info = decide(f, "compose", content)
            if info.scope is Scope.DEPLOY and not info.reason:
                info = ScopeInfo(Scope.DEPLOY, _deploy_reason(project, f, compose), "compose")
            prev = out.get(key)
            if prev is None or _ORDER[info.scope] < _ORDER[prev.scope]:
                out[key] = info
    for path, df in project.dockerfiles.items():
        out[path] = _dockerfile_scope(project, path, df, out, decide)
    return out


# what a maintainer writes at the top of a compose file meant for development only
_DEV_HEADER = re.compile(
    r"\b(?:local[ -]dev(?:elopment)?\b|development (?:stack|environment|setup|only|purposes?|use)\b|"
    r"for (?:local )?development\b|dev(?:elopment)?[ -]only\b|not (?:meant |intended |suitable )?for production\b|"
    r"do(?:n't| not) use (?:it |this )?in production\b)",
    re.I,
)


def declared_dev(path: Path) -> tuple[Scope, str] | None:
    """A compose file whose leading comment block says it is for development (`# Development stack: local dev,
    integration tests and CI`, `# not for production`)."""
    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            head = fh.read(4096)
    except OSError:
        return None
    comments: list[str] = []
    for line in head.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            comments.append(stripped)
        elif stripped and not stripped.startswith("---") and not stripped.startswith(("name:", "version:")):
            break
    m = _DEV_HEADER.search(" ".join(comments))
    return (Scope.DEV, f"its header comment says so ({m.group(0)!r})") if m else None


def _uses(project: Project) -> dict[Path, tuple[Scope, str]]:
    """The scope a compose file gets from how the repository's wrappers run it: a CI job, a make target or
    script named for tests, development or deployment. A file any deploy use runs is ``deploy``."""
    from viworks_lint.project import norm_path

    defaults = {norm_path(g[0].parent): g for g in project.discovered.compose_groups}
    found: dict[Path, list[tuple[Scope, str]]] = {}
    for inv in project.wrappers.invocations:
        scope = next((_WORDS[w] for w in _words(inv.label) if w in _WORDS), None)
        if scope is None and inv.kind == "ci":
            scope = Scope.CI
        if scope is None:
            continue
        for f in inv.files or defaults.get(norm_path(inv.cwd), ()):
            found.setdefault(norm_path(f), []).append((scope, inv.where))
    out: dict[Path, tuple[Scope, str]] = {}
    for path, items in found.items():
        deploy = next((w for s, w in items if s is Scope.DEPLOY), None)
        if deploy is not None:
            out[path] = (Scope.DEPLOY, f"run by {deploy}")
        else:
            scope, where = min(items, key=lambda x: _ORDER[x[0]])
            out[path] = (scope, f"run only for {scope.value} by {where}")
    return out


def _deploy_reason(project: Project, path: Path, compose: ComposeProject) -> str:
    if len(compose.files) > 1 and path != compose.files[0]:
        return f"override of {project.rel(compose.files[0])}"
    return "compose project"


Decide = Callable[[Path, str, "tuple[Scope, str] | None"], ScopeInfo]


def _dockerfile_scope(
    project: Project, path: Path, df: Dockerfile, composes: Mapping[Path, ScopeInfo], decide: Decide
) -> ScopeInfo:
    from viworks_lint.project import norm_path

    builders: list[tuple[ScopeInfo, str]] = []
    for b in project.builds_of(df):
        if b.compose is None or b.service is None:
            continue
        info = composes.get(norm_path(b.service.file))
        if info is not None:
            builders.append((info, f"{project.rel(b.service.file)} service {b.service.name}"))
    bins = frozenset(b for m in project.manifests.values() for b in m.bin_names())
    content = dockerfile_content(df, bins) or _placeholder(project, df) or _bake_stage(project, df)
    pushed = released(project, path)
    if pushed is not None and (content is None or content[0] is Scope.DEPLOY):
        first = decide(path, "dockerfile", None)
        if first.reason:  # config or name said something (`Dockerfile.debug` pushed as an edge-debug tag)
            return first
        return ScopeInfo(Scope.DEPLOY, pushed, "dockerfile")
    if builders and (content is None or content[0] is not Scope.AUX):
        best = min(builders, key=lambda x: _ORDER[x[0].scope])
        if best[0].scope is Scope.DEPLOY:
            built = ScopeInfo(Scope.DEPLOY, f"built by {best[1]}", "dockerfile")
        else:
            built = ScopeInfo(best[0].scope, f"built only by {best[1]} ({best[0].scope.value})", "dockerfile")
        first = decide(path, "dockerfile", None)
        if first.reason:  # config, name or use said something
            return first
        if content is not None and content[0] is not Scope.DEPLOY and built.scope is Scope.DEPLOY:
            return ScopeInfo(content[0], content[1], "dockerfile")
        return built
    info = decide(path, "dockerfile", content)
    if info.scope is Scope.DEPLOY and not info.reason:
        info = ScopeInfo(Scope.DEPLOY, "standalone image that builds the repository's Rust code", "dockerfile")
    return info


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


def _placeholder(project: Project, df: Dockerfile) -> tuple[Scope, str] | None:
    """A final stage that only keeps the container up (`tail -f /dev/null`, `sleep infinity`) for someone to
    `docker exec` into, unless a compose service gives it a program to run: a toolchain box on a toolchain
    base, a development box otherwise."""
    from viworks_lint.keepalive import keep_alive

    final = df.final_stage()
    instr = keep_alive(final) if final is not None else None
    if final is None or instr is None:
        return None
    field = "entrypoint" if instr.cmd == "ENTRYPOINT" else "command"
    if any(b.service is not None and getattr(b.service, field) is not None for b in project.builds_of(df)):
        return None
    root = df.root_base(final)
    shown = " ".join(instr.values) if instr.json else " ".join(instr.args)
    scope = Scope.TOOLCHAIN if _is_base(root, _TOOLCHAIN_BASES) else Scope.DEV
    return scope, f"its final stage only keeps the container up (`{shown}`), it runs no program of its own"


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
        said = {_WORDS.get(w) for label in release.labels for w in _words(label)}
        if Scope.DEPLOY not in said and said & {Scope.DEV, Scope.TEST}:
            continue  # `push dev image`, `test-images.yml`; a `test-and-release` workflow's release job counts
        found.append((0 if Scope.DEPLOY in said else 1, release.where(project.root)))
    return f"built and pushed by {min(found)[1]}" if found else None


def most_deployed(infos: Iterable[ScopeInfo]) -> ScopeInfo | None:
    best: ScopeInfo | None = None
    for info in infos:
        if best is None or _ORDER[info.scope] < _ORDER[best.scope]:
            best = info
    return best


def runs_repo_binary(project: Project, df: Dockerfile) -> bool:
    """The image runs a program compiled from this repository's crates: built in the image or a builder
    stage, or a host-built binary of one of the repository's `[[bin]]` targets copied in."""
    builds = project.builds_of(df)
    targets = {b.target for b in builds} or {None}
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
