"""Compose files and services that are development stacks by what they run: `cargo watch`/`cargo run` over the
bind-mounted source, a toolchain container the app is started in by hand, an image that installs a file watcher,
infrastructure-only files whose app runs on the host, and files that only build development or test images
(what a file's header comment or the documentation says of it is in ``devdocs``)."""

from __future__ import annotations

import contextlib
import posixpath
import re
from typing import TYPE_CHECKING

from viworks_lint.baseimages import RUST_BASES, is_base
from viworks_lint.datastores import MIGRATION_CLI, family_of_image
from viworks_lint.imagescope import DEV_CARGO, DEV_SERVE
from viworks_lint.parsers.compose import command_words
from viworks_lint.scope import Scope, scope_from_name

if TYPE_CHECKING:
    from viworks_lint.parsers.compose import ComposeProject, Service
    from viworks_lint.parsers.dockerfile import Dockerfile, Instruction, Stage
    from viworks_lint.project import Build, Project


def command_text(svc: Service, stage: Stage | None) -> str:
    """A service's compose `entrypoint` and `command`, or, when it sets neither, its stage's ENTRYPOINT and CMD."""
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


def _built_stage(project: Project, svc: Service) -> tuple[Build | None, Stage | None]:
    """The build of a service and the stage its image is built to (None, None for an image-only service)."""
    build = project.build_of_service(svc)
    if build is None or build.dockerfile is None:
        return build, None
    return build, build.dockerfile.final_stage(build.target)


def dev_service(project: Project, compose: ComposeProject, svc: Service) -> str | None:
    """Why a service is a development one (``cargo watch`` over the bind-mounted source, or a toolchain
    container the app is started in by hand), else None."""
    build, stage = _built_stage(project, svc)
    text = command_text(svc, stage)
    match = DEV_CARGO.search(text)
    mount = _source_mount(project, compose, svc)
    serve = DEV_SERVE.search(text)
    if match is None and serve is not None and mount is not None:
        return f"runs `{serve.group(0)}` with {mount} bind-mounted"
    # the source mount's container folder, and a volume over `target/` beside it (`/code/src` and `/code/target`)
    binds = [m.target or "" for m in svc.volumes if m.type == "bind" and m.source == mount]
    homes = {posixpath.dirname(t.rstrip("/")) for t in binds}
    cache = next((m.target for m in svc.volumes if m.target and m.target.rstrip("/").endswith("/target")
                  and posixpath.dirname(m.target.rstrip("/")) in homes), None)
    if match is None and mount is not None and cache is not None and build is not None:
        # `./backend/src:/code/src` and a volume over `/code/target`: the setup of a compiler in the container
        return f"{mount} is bind-mounted over the source and a volume keeps cargo's `{cache}` between runs"
    if match is None:
        df = build.dockerfile if build is not None else None
        watcher = _installs_watcher(stage)
        if watcher is not None and mount is not None:
            return f"its image installs {watcher} and {mount} is bind-mounted over the source"
        return _toolchain_box(svc, df, stage, text, mount)
    if mount is None:
        own = DEV_CARGO.search(command_text(svc, None))  # compose's own `command:`, not the image's CMD
        if own is not None and own.group(1).split()[0] in ("run", "watch"):
            return f"its compose command runs cargo {own.group(1).split()[0]}"
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
    if not is_base(df.root_base(stage), RUST_BASES):
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
    _build, stage = _built_stage(project, svc)
    text = command_text(svc, stage).strip()
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


def start_text(project: Project, svc: Service) -> str:
    """What a service's container starts with: its compose `entrypoint`/`command` or its image's, and the text
    of the entrypoint script from the build context that the image runs (`ENTRYPOINT ["./scripts/run.sh"]`)."""
    cache: dict[int, str] = project.__dict__.setdefault("_start_text", {})
    if id(svc) not in cache:  # asked by VW309 for waits and for compilation, per service
        cache[id(svc)] = _start_text(project, svc)
    return cache[id(svc)]


def _start_text(project: Project, svc: Service) -> str:
    from viworks_lint.launch import mounted_scripts
    from viworks_lint.parsers.common import ReadError, read_text
    from viworks_lint.scripts import entry_script, script_host_path

    build, stage = _built_stage(project, svc)
    text = command_text(svc, stage)
    if build is None or stage is None:
        return text
    if svc.entrypoint is None:
        instr = stage.state.entrypoint or (stage.state.cmd if svc.command is None else None)
        found = entry_script(project, build, stage, instr) if instr is not None and instr.json else None
        if found is not None:
            text += "\n" + found.text
    for script in mounted_scripts(project, svc, text, stage.state.workdir):  # `sh /app/start.sh` with `.:/app`
        with contextlib.suppress(ReadError, OSError):
            text += ("\n" + read_text(script)) if script.stat().st_size < 256_000 else ""
    for value in (svc.entrypoint, svc.command):  # `command: ./setup-db.sh cargo run`: the script it runs
        words = command_words(value)
        if words and words[0].endswith(".sh") and "$" not in words[0]:
            host = script_host_path(project, build, stage, words[0])
            try:
                if host is not None and host.stat().st_size < 256_000:
                    text += "\n" + read_text(host)
            except (ReadError, OSError):
                pass
    return text


# database tools a start script may run before it compiles the app: they connect at once
_CONNECTING_TOOL = re.compile(rf"\b(?:{MIGRATION_CLI}|(?:psql|refinery\s+migrate|dbmate\s+(?:up|migrate|create))\b)")


def compiles_at_start(project: Project, svc: Service) -> str | None:
    """The ``cargo watch``/``cargo run`` a service's container starts with (its command, or its image's, or the
    entrypoint script's): the app is compiled before it connects to anything, so start-up order races are
    moot; else None."""
    build, stage = _built_stage(project, svc)
    text = start_text(project, svc)
    m = DEV_CARGO.search(text)
    if m is None or _CONNECTING_TOOL.search(text, 0, m.start()):
        return None  # `diesel database setup` before `cargo run` connects at once, compiled or not
    if build is not None and build.dockerfile is not None and stage is not None:
        prebuilt = False
        for st in build.dockerfile.lineage(stage):
            for instr in st.instructions:
                if instr.cmd == "RUN" and _PREBUILT.search(" ".join(instr.args)):
                    prebuilt = True
                elif instr.cmd in ("COPY", "ADD") and instr.flag("from") is None and _copies_sources(instr):
                    prebuilt = False  # `cargo build` of a stub main for the dependencies, then the real sources
        if prebuilt:
            return None  # compiled while the image was built: the command starts at once
    return f"cargo {m.group(1)}"


def _copies_sources(instr: Instruction) -> bool:
    """A COPY/ADD that brings Rust sources in (`COPY src ./src`, `COPY . .`): what cargo compiles afterwards."""
    sources = instr.args[:-1]
    return any(
        a.rstrip("/") in (".", "./", "src", "./src") or a.rstrip("/").endswith("/src") or a.endswith(".rs")
        for a in sources
    )


_PREBUILT = re.compile(r"\bcargo\s+(?:\+\S+\s+)?(?:build|b|test\b[^\n]*--no-run|nextest\s+archive)\b")


def dev_builds(project: Project, compose: ComposeProject) -> str | None:
    """Why a compose project is a development stack because every image it builds is a development one
    (``Dockerfile-devel``, ``dev.Dockerfile``, ``test/x/Dockerfile``: named or placed for development or tests;
    or one whose last stage, built as is, runs ``cargo run``/``cargo watch``), else None."""
    from viworks_lint.imagescope import dockerfile_content

    built: list[str] = []
    for svc in compose.services.values():
        if svc.build is None:
            continue
        build = project.build_of_service(svc)
        if build is None:
            return None
        rel = project.rel(build.dockerfile_path)
        named = scope_from_name(rel)  # by its name or its folder (`test/unix-socket/Dockerfile`, `dev-env/…`)
        if (named is None or named[0] not in (Scope.DEV, Scope.TEST)) and build.target is None:
            df = build.dockerfile
            named = dockerfile_content(df) if df is not None else None  # what its last stage runs
        if named is None or named[0] not in (Scope.DEV, Scope.TEST):
            return None
        built.append(rel)
    if not built:
        return None
    return f"only builds development or test images ({', '.join(sorted(set(built))[:3])})"


def _app_names(project: Project) -> tuple[set[str], set[str]]:
    """Words that name this repository's own programs (packages with binaries, binaries, the repository folder),
    and the names of its library packages, which name an image only exactly (`trino-client` says nothing of
    `trinodb/trino`, the server it talks to; a library `billing` may be what the `billing` image runs)."""
    names: set[str] = set()
    libraries: set[str] = set()
    for m in project.manifests.values():
        if m.package_name:
            (names if m.bin_names() else libraries).add(m.package_name.lower().replace("_", "-"))
        names.update(b.lower().replace("_", "-") for b in m.bin_names())
    names.add(project.root.name.lower().replace("_", "-"))
    return {n for n in names if n}, {n for n in libraries if n}


def _image_is_app(image: str, names: tuple[set[str], set[str]]) -> bool:
    app_names, libraries = names
    repo = image.split("@")[0]
    last = repo.rsplit("/", 1)[-1].split(":")[0].lower().replace("_", "-")
    if "$" in image:
        return True  # `${REGISTRY}/app:${TAG}`: most likely the project's own image
    if last in app_names or last in libraries:
        return True
    return any(last.startswith(n + "-") or n.startswith(last + "-") for n in app_names)


def runs_app_image(project: Project, compose: ComposeProject) -> bool:
    """A service of the compose file runs the repository's own image by name (`ghcr.io/acme/shop:latest`)."""
    names = _app_names(project)
    return any(svc.image and _image_is_app(svc.image, names) for svc in compose.services.values())


def _ci_image_text(project: Project) -> str:
    """The text of the CI workflows that build or push images (GitHub Actions, GitLab CI), read once."""
    from viworks_lint.hostbuild import wrappers  # the files it reads, each read once per run

    cache: dict[str, str] = project.__dict__.setdefault("_ci_image_text", {})
    if "text" not in cache:
        workflows, gitlab = project.root / ".github" / "workflows", project.root / ".gitlab-ci.yml"
        texts = [w.text for w in wrappers(project) if w.path.parent == workflows or w.path == gitlab][:100]
        found = r"docker/build-push-action|docker\s+(?:buildx\s+)?(?:build|push)\b|\bkaniko\b"
        cache["text"] = "\n".join(t for t in texts if re.search(found, t))
    return cache["text"]


def _ci_pushes(text: str, name: str) -> bool:
    """The CI text names ``name`` where it builds or pushes an image: an `*IMAGE*` variable, a `-t`/`--tag`, a
    `docker push`, a `tags:` entry or a bare registry reference line; not a workflow's `services:` image it runs."""
    if len(name) <= 3:
        return False
    word = rf"(?<![\w.-]){re.escape(name)}(?![\w.-])"
    forms = (
        rf"\b\w*IMAGE\w*\s*[:=]\s*['\"]?[^\s'\"]*{word}",
        rf"(?:\s-t|--tag)[ =]['\"]?\S*{word}",
        rf"docker\s+push\s+['\"]?\S*{word}",
        rf"\btags:\s*['\"]?\S*{word}",
        rf"^\s*-?\s*['\"]?[\w.-]+(?::\d+)?/[\w./-]*{word}(?::\S+)?['\"]?\s*$",
    )
    return any(re.search(f, text, re.MULTILINE) for f in forms)


def _image_name_part(written: str) -> str:
    """The repository and name of an image reference as written, without its tag or digest (a variable only in
    the tag, `postgres:${PG_VERSION:-16}`, leaves the name known)."""
    ref = written.split("@", 1)[0]
    if ref.startswith("${"):
        return ref  # the whole reference may come from the variable
    head, _sep, last = ref.rpartition("/")
    return f"{head}/{last.split(':', 1)[0]}" if head else last.split(":", 1)[0]


def infra_only(project: Project, compose: ComposeProject) -> str | None:
    """Why a compose project only runs infrastructure for an app that runs on the host, else None."""
    if not compose.services or not any(m.bin_names() for m in project.manifests.values()):
        return None
    names = _app_names(project)
    published = _ci_image_text(project)
    images: list[str] = []
    for svc in compose.services.values():
        if svc.build is not None or svc.image is None or _image_is_app(svc.image, names):
            return None
        if project.build_of_service(svc) is not None:
            return None  # the image a Makefile or script builds here (`docker build -t acme/chat-api .`)
        written = svc.node.get("image")
        if not svc.image.strip() or (written is not None and "$" in _image_name_part(written.raw or "")):
            return None  # `image: ${API_IMAGE}`: the deploy names the image, which may well be the app's
        last = svc.image.split("@")[0].rsplit("/", 1)[-1].split(":")[0]
        if family_of_image(svc.image) is None and _ci_pushes(published, last):
            return None  # an image the repository's own CI builds and pushes (`IMAGE_NAME: shop-gateway`)
        images.append(svc.image.split("@")[0].rsplit("/", 1)[-1].split(":")[0])
    shown = ", ".join(sorted(set(images))[:4])
    return f"only runs infrastructure images ({shown}); the app runs on the host"


# the keys of a service that only describe how its image is built and named
_BUILD_KEYS = frozenset({"build", "image", "container_name", "platform", "labels", "pull_policy"})


def builds_only(compose: ComposeProject) -> bool:
    """A compose file that only builds and tags images (`docker compose -f docker-compose.build.yml build`):
    every service has `build:` and nothing that runs a container (no environment, ports, volumes, command,
    depends_on, healthcheck), and the file is named for building or every build lists `tags:`."""
    services = list(compose.services.values())
    if not services or not all(
        svc.build is not None and all(k in _BUILD_KEYS for k, _ in svc.node.items()) for svc in services
    ):
        return False
    named = any("build" in re.split(r"[._\-]+", f.name.lower()) for f in compose.files)
    tagged = all(
        (b := svc.node.get("build")) is not None and b.is_map and b.get("tags") is not None for svc in services
    )
    return named or tagged  # a bare `build: .` service is also what `docker compose up` runs


# variables an app reads to pick its environment, and the values that name a developer's machine
_ENV_NAMES = frozenset(
    {"ENV", "ENVIRONMENT", "APP_ENV", "APP_ENVIRONMENT", "RUST_ENV", "RUN_ENV", "RUN_MODE", "NODE_ENV", "RAILS_ENV",
     "APP__ENVIRONMENT", "DEPLOY_ENV", "STAGE"}
)  # fmt: skip
_DEV_VALUES = frozenset({"development", "dev", "local"})
# a build stage of the debug profile (`target: ${DOCKER_BUILD_TARGET:-debug}`), and stages of what ships; a
# `development` stage that runs a program of its own may be what a team deploys (no claim from its name)
_DEV_TARGETS = frozenset({"debug"})
_RELEASE_TARGETS = frozenset({"release", "prod", "production", "runtime", "final"})


def declares_development(project: Project, compose: ComposeProject) -> tuple[Scope, str] | None:
    """A compose file whose services built from this repository tell their app it runs in development
    (`ENVIRONMENT: development`, `APP_ENV=dev`) or build it to a development stage (`target: debug`), and none
    tells it production or builds a release stage: the file is the developers' stack.
    What the images it builds are is not said by it (they may ship elsewhere)."""
    found: str | None = None
    for svc in compose.services.values():
        if svc.build is None:
            continue
        target = (svc.build.target or "").strip().lower()
        if target in _RELEASE_TARGETS:
            return None  # an image built to its release stage: run for real somewhere
        if target in _DEV_TARGETS:
            found = found or f"service `{svc.name}` builds its image to the `{svc.build.target}` stage"
        for var in svc.environment:
            if var.name.upper() not in _ENV_NAMES or var.value is None or "$" in var.value:
                continue
            if var.value.strip().lower() not in _DEV_VALUES:
                return None  # `production`, `staging`: it is run for real somewhere
            found = found or f"service `{svc.name}` sets `{var.name}: {var.value}`, a development environment"
    return (Scope.DEV, found) if found is not None else None


