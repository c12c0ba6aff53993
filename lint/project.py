"""The project as a whole: compose services linked to the Dockerfiles they build, the build contexts,
the crates and their workspaces. Rules read only this model."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from viworks_lint.config import Config
from viworks_lint.discover import Discovered, GitIgnore, discover
from viworks_lint.location import Location
from viworks_lint.parsers.cargo import Manifest, parse_manifest
from viworks_lint.parsers.common import Problem, ReadError, read_text
from viworks_lint.parsers.compose import ComposeProject, Service, load_project
from viworks_lint.parsers.dockerfile import Dockerfile, parse_dockerfile
from viworks_lint.parsers.dockerignore import DockerIgnore, parse_dockerignore
from viworks_lint.parsers.envfile import EnvFile, parse_env
from viworks_lint.parsers.nginx import NginxConfig, parse_nginx

if TYPE_CHECKING:
    from viworks_lint.composeruns import Invocation
    from viworks_lint.conventions import Provision
    from viworks_lint.scope import Scope, ScopeInfo
    from viworks_lint.wrappers import Wrappers


@dataclass
class ComposeEnv:
    """Where a compose project's interpolation variables come from, besides its own ``.env``."""

    sources: list[Path] = field(default_factory=list)  # env files read (.env, --env-file, config env-files)
    templates: list[Provision] = field(default_factory=list)  # absent/ignored env files and their templates
    template_names: dict[str, Provision] = field(default_factory=dict)  # variable → the template defining it
    generated: list[Provision] = field(default_factory=list)  # absent env files a step writes from no template
    optional: set[str] = field(default_factory=set)  # names only commented out (`# X=`): deliberately optional
    wrapper_vars: dict[str, Invocation] = field(default_factory=dict)  # `VAR=… docker compose` of a wrapper
    invocations: tuple[Invocation, ...] = ()  # the wrapper commands that run this file set


@dataclass(frozen=True)
class Build:
    """One way a Dockerfile is built: by a compose service (with its context), or on its own (context =
    the Dockerfile's directory, as ``docker build .`` next to it)."""

    dockerfile_path: Path
    dockerfile: Dockerfile | None
    context: Path
    service: Service | None = None
    compose: ComposeProject | None = None
    target: str | None = None


class Project:
    def __init__(
        self,
        root: Path,
        config: Config,
        *,
        paths: Sequence[Path] = (),
        compose_files: Sequence[Path] = (),
        env_files: Sequence[Path] = (),
    ) -> None:
        self.root = root
        self.config = config
        self.problems: list[Problem] = []
        explicit_compose = [*compose_files, *(root / f for f in config.compose_files)]
        self._explicit_compose = bool(explicit_compose)
        self.compose_envs: dict[int, ComposeEnv] = {}
        self.discovered: Discovered = discover(root, paths, explicit_compose, config.exclude)
        if not paths and not self._explicit_compose:
            self._add_released(config.exclude)
        for path, reason in self.discovered.errors:
            self.problems.append(Problem("VW001", f"cannot read: {reason}", Location(path), key="walk"))
        self._extra_env_files = [*(root / f for f in config.env_files), *env_files]
        self.env_files: dict[Path, EnvFile | None] = {}
        self.dockerfiles: dict[Path, Dockerfile] = {}
        self.manifests: dict[Path, Manifest] = {}
        self.dockerignores: dict[Path, DockerIgnore] = {}
        self.composes: list[ComposeProject] = []
        self.nginx_configs: dict[Path, NginxConfig] = {}
        self._load()

    def _add_released(self, exclude: Sequence[str]) -> None:
        """Dockerfiles a CI workflow or script builds and pushes, under names discovery does not know
        (``Dockerfile-release``): the published image is linted like any other."""
        from viworks_lint.releases import releases

        known = {norm_path(p) for p in self.discovered.dockerfiles}
        gi = self.discovered.gitignore
        spec = None
        if exclude:
            import pathspec

            spec = pathspec.GitIgnoreSpec.from_lines(exclude)
        for release in releases(self):
            path = norm_path(release.dockerfile)
            if path in known:
                continue
            try:
                rel = path.relative_to(norm_path(self.root)).as_posix()
            except ValueError:
                continue
            if (spec is not None and spec.match_file(rel)) or (gi is not None and gi.ignored(path)):
                continue
            self.discovered.dockerfiles.append(path)
            known.add(path)

    # ------------------------------------------------------------------ loading
    def _load(self) -> None:
        for path in self.discovered.manifests:
            self.manifest(path)
        # a crate discovery skipped as someone else's (vendored, or a registry copy) that a manifest of the
        # project depends on by path is built as part of it
        todo = list(self.manifests.values())
        while todo:
            for dep in todo.pop().dependencies:
                target = norm_path(dep.path / "Cargo.toml") if dep.path is not None else None
                if target is None or target in self.manifests or not target.is_relative_to(norm_path(self.root)):
                    continue  # a crate of another repository (`../shared`) is not ours to lint
                if target.is_file():
                    todo.append(self.manifest(target))
        for path in self.discovered.env_files:
            self.env_file(path)
        runs = self._wrapper_runs()
        loaded: set[tuple[Path, ...]] = set()
        for group in self.discovered.compose_groups:
            key = tuple(norm_path(f) for f in group)
            self._load_compose(group, runs.get(key, []))
            loaded.add(key)
        explicit = {f for group in self.discovered.compose_groups for f in group}
        overlays = {f for key in runs if len(key) > 1 for f in key[1:]}  # a wrapper combines them with a base
        overlays |= _extended_files([f for g in self.discovered.compose_groups for f in g])
        for variant in self.discovered.compose_variants:
            key = (norm_path(variant),)
            alone = key in runs or (key[0] not in overlays and _standalone_compose(variant))
            if variant not in explicit and alone:
                self._load_compose([variant], runs.get(key, []))
                loaded.add(key)
        for key, invocations in runs.items():
            if key not in loaded:  # files only a wrapper combines (`-f base -f prod`): linted as it runs them
                self._load_compose(list(key), invocations)
        for path in self.discovered.dockerfiles:
            self.dockerfile(path)
        for build in self.builds:
            if build.dockerfile is None and build.dockerfile_path.exists() and not build.dockerfile_path.is_dir():
                self.dockerfile(build.dockerfile_path)  # a directory there is VW104's to report
        for _compose, svc in self.services():
            for ref in svc.env_files:  # parse them now so their VW001 problems are reported
                if ref.path.is_file():
                    self.env_file(ref.path)
        for path in self.discovered.dockerignores:
            di = parse_dockerignore(path)
            self.dockerignores[path] = di
            self.problems.extend(di.problems)
    def _wrapper_runs(self) -> dict[tuple[Path, ...], list[Invocation]]:
        """The compose file sets the repository's wrappers run, with their invocations. None when compose
        files were named on the command line or in config (they replace discovery)."""
        if self._explicit_compose:
            return {}
        runs: dict[tuple[Path, ...], list[Invocation]] = {}
        for inv in self.wrappers.invocations:
            files = inv.files or default_compose(self, inv.cwd)
            key = tuple(norm_path(f) for f in files)
            if key and all(f.is_file() for f in key):
                runs.setdefault(key, []).append(inv)
        return runs

    def _load_compose(self, group: list[Path], invocations: Sequence[Invocation] = ()) -> None:
        from viworks_lint.conventions import SHELL_VARIABLES, commented_names, provisions

        project_dir = group[0].parent
        env: dict[str, str] = {}
        setup = ComposeEnv(invocations=tuple(invocations))
        # `--env-file` replaces the project directory's `.env` (compose reads `.env` only when none is given)
        dotenv = [] if invocations and all(i.env_files for i in invocations) else [project_dir / ".env"]
        candidates = [
            *dotenv,
            *self._extra_env_files,
            *(f for i in invocations for f in i.env_files),
            *(f for i in invocations for f in i.shell_env_files),
        ]
        for candidate in dict.fromkeys(norm_path(c) for c in candidates):
            present = candidate.is_file()
            ef = self.env_file(candidate) if present else None
            if ef is not None:
                for k, v in ef.as_dict().items():
                    env.setdefault(k, v)
                setup.sources.append(candidate)
                setup.optional.update(commented_names(candidate))
            if present and not self.is_gitignored(candidate):
                continue
            # absent or git-ignored: what the repository copies into place
            for prov in provisions(self, candidate):
                tmpl = self.env_file(prov.template) if prov.template is not None and prov.template.is_file() else None
                if prov.template is None and prov.step is not None and not present and _writes_content(prov.step.text):
                    setup.generated.append(prov)  # `tool env create -o .env`: what it writes cannot be read
                if tmpl is None or prov.template is None or any(t.template == prov.template for t in setup.templates):
                    continue
                setup.templates.append(prov)
                for k, v in tmpl.as_dict().items():
                    env.setdefault(k, v)
                    setup.template_names.setdefault(k, prov)
                setup.optional.update(commented_names(prov.template))
        stated: dict[str, set[str | None]] = {}  # name → the values the wrappers give it (None: the host's)
        for inv in invocations:
            values = dict(inv.values)
            for name in inv.variables:
                stated.setdefault(name, set()).add(values.get(name))
                setup.wrapper_vars.setdefault(name, inv)
        for name, found in stated.items():
            value = next(iter(found)) if len(found) == 1 else None  # one stated value, or unknown
            env.setdefault(name, value if value is not None else f"${{{name}}}")
        for name in SHELL_VARIABLES:
            env.setdefault(name, f"${{{name}}}")  # every shell exports it; its value is the host's
        for name in self.config.provided_env:
            env.setdefault(name, "")
        setup.optional.difference_update(env)
        loaded = load_project(group, env, setup.sources)
        self.problems.extend(loaded.problems)
        if loaded.project is not None:
            self.composes.append(loaded.project)
            self.compose_envs[id(loaded.project)] = setup

    def compose_env(self, compose: ComposeProject) -> ComposeEnv:
        """Where a compose project's interpolation variables come from (templates, wrappers, the shell)."""
        return self.compose_envs.get(id(compose)) or ComposeEnv()

    @cached_property
    def wrappers(self) -> Wrappers:
        """How the repository runs compose and which files its steps create (see ``wrappers.py``)."""
        from viworks_lint.wrappers import read_wrappers

        composes = [f for g in self.discovered.compose_groups for f in g] + list(self.discovered.compose_variants)
        return read_wrappers(self.root, self.discovered.wrappers, [norm_path(f) for f in composes])

    def provision(self, path: Path) -> Provision | None:
        """How a file that is absent (or git-ignored) is put into place by the repository's own steps."""
        from viworks_lint.conventions import provision

        return provision(self, path)

    def env_file(self, path: Path) -> EnvFile | None:
        """An env file, parsed once (None when it cannot be read)."""
        key = norm_path(path)
        if key not in self.env_files:
            try:
                ef = parse_env(path, read_text(path))
                self.problems.extend(ef.problems)
                self.env_files[key] = ef
            except ReadError as exc:
                self.problems.append(exc.problem)
                self.env_files[key] = None
        return self.env_files[key]

    def dockerfile(self, path: Path) -> Dockerfile:
        key = norm_path(path)
        if key not in self.dockerfiles:
            df = parse_dockerfile(path)
            self.problems.extend(df.problems)
            self.dockerfiles[key] = df
        return self.dockerfiles[key]

    def manifest(self, path: Path) -> Manifest:
        key = norm_path(path)
        if key not in self.manifests:
            m = parse_manifest(path)
            self.problems.extend(m.problems)
            self.manifests[key] = m
        return self.manifests[key]

    def nginx(self, path: Path) -> NginxConfig:
        """An nginx config mounted into a service, parsed once (its problems are the rule's to report)."""
        key = norm_path(path)
        if key not in self.nginx_configs:
            self.nginx_configs[key] = parse_nginx(path)
        return self.nginx_configs[key]

    # ------------------------------------------------------------------ links
    @cached_property
    def builds(self) -> list[Build]:
        """Every build of a Dockerfile: one per compose service with a local build, plus one for each
        discovered Dockerfile no service builds."""
        out: list[Build] = []
        built: set[Path] = set()
        for compose in self.composes:
            for svc in compose.services.values():
                b = svc.build
                if b is None or b.context is None or b.dockerfile is None:
                    continue
                df_path = norm_path(b.dockerfile)
                df = self.dockerfile(df_path) if df_path.is_file() else None
                out.append(Build(df_path, df, norm_path(b.context), svc, compose, b.target))
                built.add(df_path)
        for path in self.discovered.dockerfiles:
            p = norm_path(path)
            if p not in built:
                df = self.dockerfile(p)
                context = self._standalone_context(df)
                out.extend(Build(p, df, context, target=t) for t in self._standalone_targets(df))
                built.add(p)
        return out

    def _standalone_targets(self, df: Dockerfile) -> list[str | None]:
        """The stages scripts or CI build a Dockerfile no compose service builds to (``--target``, when each
        names a stage of it); else the last stage, as a plain ``docker build`` does."""
        from viworks_lint.hostbuild import declared_targets
        from viworks_lint.scope import Scope, scope_from_name

        names = {st.name.lower() for st in df.stages if st.name}
        targets = declared_targets(self, df.path)
        last = "" in targets  # also built to its last stage
        targets.discard("")
        if not targets or not all(t.lower() in names for t in targets):
            return [None]
        # a `--target test` stage CI runs is no image anyone ships
        shipped: list[str | None] = [
            t for t in sorted(targets) if (scope_from_name(t) or (Scope.DEPLOY, ""))[0] is Scope.DEPLOY
        ]
        if last:
            # stages the last one is built from, built on their own first to warm the cache, ship nothing
            from viworks_lint.dockerutil import reachable_stages
            from viworks_lint.releases import releases

            feeding = {st.name.lower() for st in reachable_stages(df) if st.name}
            pushed = {(r.target or "").lower() for r in releases(self) if norm_path(r.dockerfile) == norm_path(df.path)}
            shipped = [t for t in shipped if t is not None and (t.lower() not in feeding or t.lower() in pushed)]
            return [*shipped, None]
        return shipped or [None]

    def _standalone_context(self, df: Dockerfile) -> Path:
        """The context of a Dockerfile no compose service builds: the one a CI workflow, Makefile or script
        gives it (``docker build -f <it> <context>``, ``docker/build-push-action``), else its own directory,
        unless its COPY sources are only found higher up (``docker build -f docker/Dockerfile .`` from the repository
        root is common in CI); then the nearest ancestor, up to the project root, where most are found."""
        from viworks_lint.dockerutil import copy_sources, match_context, reachable_stages
        from viworks_lint.hostbuild import declared_context

        declared = declared_context(self, df.path)
        if declared is not None:
            return norm_path(declared)
        sources = [
            src.value
            for stage in reachable_stages(df)
            for instr in stage.instructions
            for src in copy_sources(instr)
            if src.resolved and not src.value.startswith("..")
        ]
        here = df.path.parent
        member = self.manifests.get(here / "Cargo.toml")
        ws = self.workspace_root(member) if member is not None and member.workspace is None else None
        runs = " ".join(i.original for st in df.stages for i in st.instructions if i.cmd == "RUN")
        whole = all(src.rstrip("/") in (".", "") for src in sources)  # `COPY . .` says nothing of the context
        if ws is not None and whole and _WHOLE_WORKSPACE.search(runs):
            return ws.dir  # a member's Dockerfile that plans or picks packages of the workspace: built from its root
        if not sources:
            return here
        best, best_score = here, sum(1 for s in sources if match_context(here, s))
        if best_score == len(sources):
            return here
        for parent in here.parents:
            try:
                parent.relative_to(self.root)
            except ValueError:
                break
            score = sum(1 for s in sources if match_context(parent, s))
            if score > best_score:
                best, best_score = parent, score
            if parent == self.root:
                break
        return best

    @cached_property
    def _builds_by_dockerfile(self) -> dict[int, list[Build]]:
        out: dict[int, list[Build]] = {}
        for b in self.builds:
            if b.dockerfile is not None:
                out.setdefault(id(b.dockerfile), []).append(b)
        return out

    @cached_property
    def _build_by_service(self) -> dict[int, Build]:
        return {id(b.service): b for b in self.builds if b.service is not None}

    def builds_of(self, dockerfile: Dockerfile) -> list[Build]:
        return list(self._builds_by_dockerfile.get(id(dockerfile), ()))

    def services(self) -> Iterator[tuple[ComposeProject, Service]]:
        for compose in self.composes:
            for svc in compose.services.values():
                yield compose, svc

    def build_of_service(self, service: Service) -> Build | None:
        """The build that makes the service's image: its own `build:`, or, for an image-only service, the
        build of another service of the repo that tags the same `image:` (`image: acme/api:1.2` built by
        one compose file and run by another)."""
        own = self._build_by_service.get(id(service))
        if own is not None or service.build is not None or not service.image or "$" in service.image:
            return own
        return self._build_by_image.get(service.image)

    @cached_property
    def _build_by_image(self) -> dict[str, Build]:
        out: dict[str, Build] = {}
        for b in self.builds:
            svc = b.service
            if svc is not None and svc.image and "$" not in svc.image and b.dockerfile is not None:
                out.setdefault(svc.image, b)
        return out

    def dockerignore_for(self, build: Build) -> DockerIgnore | None:
        """``<Dockerfile>.dockerignore`` next to the Dockerfile wins over ``.dockerignore`` at the
        context root, as BuildKit does."""
        own = build.dockerfile_path.parent / (build.dockerfile_path.name + ".dockerignore")
        for candidate in (own, build.context / ".dockerignore"):
            key = norm_path(candidate)
            if key in self.dockerignores:
                return self.dockerignores[key]
            if candidate.is_file():
                di = parse_dockerignore(candidate)
                self.dockerignores[key] = di
                return di
        return None

    @property
    def gitignore(self) -> GitIgnore:
        gi = self.discovered.gitignore
        if gi is None:
            gi = GitIgnore(self.root)
            self.discovered.gitignore = gi
        return gi

    def workspace_root(self, manifest: Manifest) -> Manifest | None:
        """The manifest whose [workspace] lists this one (or this one, when it is a workspace root)."""
        if manifest.workspace is not None:
            return manifest
        for parent in manifest.dir.parents:
            m = self.manifests.get(parent / "Cargo.toml")
            if m is not None and m.workspace is not None:
                return m
            if parent == self.root or parent == parent.parent:
                break
        return None

    def rel(self, path: Path) -> str:
        """``path`` relative to the project root, for messages (``.`` for the root itself)."""
        try:
            return path.relative_to(self.root).as_posix() or "."
        except ValueError:
            return path.as_posix()

    def files_read(self) -> set[Path]:
        """Every file the run read: compose files, Dockerfiles, .dockerignore files, manifests, .env files,
        and (once the rules have run) the Rust sources and nginx configs they analysed."""
        from viworks_lint.code import analyzed_files

        files = {*self.env_files, *self.dockerfiles, *self.manifests, *self.dockerignores, *self.nginx_configs}
        for compose in self.composes:
            files.update(compose.files)
        for group in self.discovered.compose_groups:
            files.update(group)
        files.update(norm_path(Path(f)) for f in analyzed_files(self))
        return {p for p in map(norm_path, files) if p.is_file()}

    def files_checked(self) -> int:
        return len(self.files_read())

    # ------------------------------------------------------------------ deployment scope
    @cached_property
    def scopes(self) -> dict[Path, ScopeInfo]:
        """The scope of every compose file and Dockerfile, with the reason it got it (see ``scope.py``)."""
        from viworks_lint.scope import compute

        return compute(self)

    def scope_info(self, path: Path) -> ScopeInfo | None:
        """The scope of a compose file or Dockerfile (None for other files)."""
        return self.scopes.get(norm_path(path))

    def scope_of(self, path: Path) -> Scope:
        """The scope of a compose file or Dockerfile; ``deploy`` for any other file."""
        from viworks_lint.scope import Scope

        info = self.scope_info(path)
        return info.scope if info is not None else Scope.DEPLOY

    def runs_repo_binary(self, path: Path, line: int | None = None) -> bool:
        """The image a Dockerfile builds (the target stage ``line`` is in) runs a program compiled from this
        repository's crates."""
        from viworks_lint.imagescope import runs_repo_binary

        df = self.dockerfiles.get(norm_path(path))
        return df is not None and runs_repo_binary(self, df, line)

    def is_gitignored(self, path: Path) -> bool:
        gi = self.gitignore
        for parent in reversed(path.parents):
            try:
                parent.relative_to(self.root)
            except ValueError:
                continue
            gi.add(parent)
        # a path that does not exist may be meant as a directory (``COPY artifacts/ …``): try both forms
        return gi.ignored(path, is_dir=False) or gi.ignored(path, is_dir=True)


_EXTENDS_FILE = re.compile(r"^\s*extends:\s*\n(?:\s+\w+:.*\n)*?\s+file:\s*['\"]?([^'\"\s#]+)", re.M)
_DEFAULTED = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}")


def _extended_files(compose_files: list[Path]) -> set[Path]:
    """Files the compose files pull services from with `extends: {file: …}`
    (`docker-compose.${ECR_OR_BUILD:-build}.yml`: the default and every file the variable could name): fragments of
    that project, not projects of their own."""
    out: set[Path] = set()
    for path in compose_files:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for m in _EXTENDS_FILE.finditer(text):
            raw = m.group(1)
            pattern = re.sub(r"\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*", "*", raw)
            out.update(norm_path(p) for p in path.parent.glob(pattern) if p.is_file())
            default = _DEFAULTED.sub(lambda d: d.group(1), raw)
            if "$" not in default:
                out.add(norm_path(path.parent / default))
    return out


# cargo commands that need the workspace root manifest: `cargo chef prepare`, a package picked with `-p`
_WHOLE_WORKSPACE = re.compile(
    r"\bcargo\s+chef\s+prepare\b|\bcargo\s+(?:\+\S+\s+)?build\b[^\n]*\s(?:-p|--package|--workspace)\b"
)


def _writes_content(command: str) -> bool:
    """A step that writes a file whose content cannot be read here (a generator, `tool env create -o .env`), not
    an empty one (`touch .env`, `: > .env`) nor one whose lines are written out (`echo "X=1" > .env`)."""
    words = command.split()
    return bool(words) and words[0] not in _SHOWN_WRITERS and not command.lstrip().startswith(">")


_SHOWN_WRITERS = frozenset({"touch", ":", "mkdir", "true", "echo", "printf", "cat", "tee", "cp", "install", "ln"})


def _standalone_compose(path: Path) -> bool:
    """A ``docker-compose.<env>.yml`` is linted on its own only when it is a complete project: every
    service has an image or a build, every service it names (``depends_on``, ``links``, ``extends``,
    ``network_mode: service:``) is its own, every named volume it mounts is declared, and nothing in it
    says it is meant to be combined with ``-f``. Overlays and parts of a ``-f a -f b`` set are left out."""
    from viworks_lint.parsers.yamlnode import load

    try:
        text = read_text(path)
        data = load(path, text)
    except (ReadError, RecursionError):
        return False
    if "-f " in text or "--file" in text or "include:" in text:
        return False  # a comment or an include tells how it is combined
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, dict) or not services:
        return False
    volumes = data.get("volumes") if isinstance(data.get("volumes"), dict) else {}
    for svc in services.values():
        if not isinstance(svc, dict) or not ("image" in svc or "build" in svc):
            return False
        deps = svc.get("depends_on") or []
        names = list(deps) if isinstance(deps, (list, dict)) else []
        links = svc.get("links") or []
        names += [str(x).split(":")[0] for x in links] if isinstance(links, list) else []
        nm = svc.get("network_mode")
        if isinstance(nm, str) and nm.startswith("service:"):
            names.append(nm[len("service:") :])
        if any(str(n) not in services for n in names):
            return False
        for mount in svc.get("volumes") or []:
            src = str(mount).split(":")[0] if isinstance(mount, str) else ""
            if src and not src.startswith((".", "/", "~", "$")) and "/" not in src and src not in volumes:
                return False
    return True


def default_compose(project: Project, cwd: Path) -> tuple[Path, ...]:
    """The compose files a bare `docker compose` run in ``cwd`` reads: the default file set of that folder or,
    as compose looks upward, of the nearest parent up to the repository root that has one."""
    defaults: dict[Path, list[Path]] = project.__dict__.setdefault(
        "_default_compose", {norm_path(g[0].parent): g for g in project.discovered.compose_groups}
    )
    root = norm_path(project.root)
    d = norm_path(cwd)
    while True:
        if d in defaults:
            return tuple(defaults[d])
        if d == root or d.parent == d or root not in d.parents:
            return ()
        d = d.parent


def norm_path(path: Path) -> Path:
    """Absolute, with ``..`` collapsed, without resolving symlinks."""
    import os

    return Path(os.path.normpath(path.absolute()))
