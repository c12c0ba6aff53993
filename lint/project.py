"""The project as a whole: compose services linked to the Dockerfiles they build, the build contexts,
the crates and their workspaces. Rules read only this model."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from viworks_lint.config import Config
from viworks_lint.discover import Discovered, GitIgnore, discover
from viworks_lint.location import Location
from viworks_lint.parsers.cargo import Manifest
from viworks_lint.parsers.cargoparse import parse_manifest
from viworks_lint.parsers.common import Problem, ReadError, read_text
from viworks_lint.parsers.compose import ComposeProject, Service
from viworks_lint.parsers.composeload import load_project
from viworks_lint.parsers.dockerfile import Dockerfile
from viworks_lint.parsers.dockerignore import DockerIgnore, parse_dockerignore
from viworks_lint.parsers.dockerparse import parse_dockerfile
from viworks_lint.parsers.envfile import EnvFile, parse_env
from viworks_lint.parsers.nginx import NginxConfig, parse_nginx

if TYPE_CHECKING:
    from viworks_lint.composeenv import ComposeEnv
    from viworks_lint.composeruns import Invocation
    from viworks_lint.conventions import Provision
    from viworks_lint.scope import Scope, ScopeInfo
    from viworks_lint.wrappers import Wrappers


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
    args: tuple[tuple[str, str], ...] = ()  # build arguments of a CI release (`build-args:`); a service has its own


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
        from viworks_lint.composefiles import extended_files, standalone_compose

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
        extended = extended_files([f for g in self.discovered.compose_groups for f in g])
        for group in self.discovered.compose_groups:
            key = tuple(norm_path(f) for f in group)
            if len(key) == 1 and key[0] in extended and key not in runs and not standalone_compose(key[0]):
                continue  # `services/x/compose.yaml` that the root file `extends`, incomplete on its own
            if key not in runs and norm_path(group[0].parent) != norm_path(self.root) and any(
                len(k) > len(key) and k[: len(key)] == key for k in runs
            ):
                continue  # a subfolder's default file every run of which adds files (`-f compose.yml -f server.yml`)
            self._load_compose(group, runs.get(key, []))
            loaded.add(key)
        explicit = {f for group in self.discovered.compose_groups for f in group}
        overlays = {f for key in runs if len(key) > 1 for f in key[1:]}  # a wrapper combines them with a base
        overlays |= extended
        for variant in self.discovered.compose_variants:
            key = (norm_path(variant),)
            alone = key in runs or (key[0] not in overlays and standalone_compose(variant))
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
        # a `.dockerignore` Docker reads: at a build context's root, or beside a Dockerfile (`X.dockerignore`, or the
        # context of a Dockerfile nothing else builds); one elsewhere is never read, so its problems are no one's
        read_at = {norm_path(b.context) for b in self.builds}
        read_at |= {norm_path(d.parent) for d in self.discovered.dockerfiles}
        for path in self.discovered.dockerignores:
            di = parse_dockerignore(path)
            self.dockerignores[path] = di
            if path.name != ".dockerignore" or norm_path(path.parent) in read_at:
                self.problems.extend(di.problems)
    def _wrapper_runs(self) -> dict[tuple[Path, ...], list[Invocation]]:
        """The compose file sets the repository's wrappers run, with their invocations. None when compose
        files were named on the command line or in config (they replace discovery)."""
        if self._explicit_compose:
            return {}
        from viworks_lint.composefiles import default_compose

        runs: dict[tuple[Path, ...], list[Invocation]] = {}
        for inv in self.wrappers.invocations:
            files = inv.files or default_compose(self, inv.cwd)
            key = tuple(norm_path(f) for f in files)
            if key and all(f.is_file() for f in key):
                runs.setdefault(key, []).append(inv)
        return runs

    def _load_compose(self, group: list[Path], invocations: Sequence[Invocation] = ()) -> None:
        from viworks_lint.composeenv import interpolation_env

        env, setup = interpolation_env(self, group, invocations, self._extra_env_files)
        loaded = load_project(group, env, setup.sources, setup.weak)
        self.problems.extend(loaded.problems)
        if loaded.project is not None:
            self.composes.append(loaded.project)
            self.compose_envs[id(loaded.project)] = setup

    def compose_env(self, compose: ComposeProject) -> ComposeEnv:
        """Where a compose project's interpolation variables come from (templates, wrappers, the shell)."""
        from viworks_lint.composeenv import ComposeEnv

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
        from viworks_lint.standalonebuild import standalone_context, standalone_targets

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
                context = standalone_context(self, df)
                out.extend(Build(p, df, context, target=t) for t in standalone_targets(self, df))
                built.add(p)
        return out

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
        return self._build_by_image.get(_tagged(service.image))

    @cached_property
    def _build_by_image(self) -> dict[str, Build]:
        """Builds by the image name they tag: a compose service's `image:` beside its `build:`, then a wrapper's
        `docker build -t acme/api -f Dockerfile .` (Makefile, script, CI step) of a Dockerfile built here."""
        from viworks_lint.hostbuild import tagged_builds, wrappers

        out: dict[str, Build] = {}
        by_rel: dict[str, list[Build]] = {}
        for b in self.builds:
            if b.dockerfile is None:
                continue
            by_rel.setdefault(self.rel(b.dockerfile_path), []).append(b)
            svc = b.service
            if svc is not None and svc.image and "$" not in svc.image:
                out.setdefault(_tagged(svc.image), b)
        tagged: dict[str, set[tuple[Path, str | None] | None]] = {}  # a tag several images are built to: no link
        found: dict[str, Build] = {}
        for w in wrappers(self):
            for built, parsed in tagged_builds(w.text):
                candidates = [b for b in by_rel.get(built, ()) if (b.target or None) == (parsed.target or None)]
                context = posixpath.normpath(parsed.positional[-1].removeprefix("./"))
                fits = [b for b in candidates if self.rel(b.context) == context]
                images = {(b.dockerfile_path, b.target) for b in fits}
                for tag in parsed.tags if "$" not in " ".join(parsed.tags) else ():
                    if "{" in tag:
                        continue
                    tagged.setdefault(_tagged(tag), set()).add(next(iter(images)) if len(images) == 1 else None)
                    if len(images) == 1:
                        found.setdefault(_tagged(tag), fits[0])
        for tag, build in found.items():
            if len(tagged[tag]) == 1:
                out.setdefault(tag, build)
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
        # a path that does not exist may be meant as a directory (``COPY artifacts/ …``): try both forms, and a
        # folder whose every entry is ignored (``app/*``), which git then never creates
        if gi.ignored(path, is_dir=False) or gi.ignored(path, is_dir=True):
            return True
        probes = ("x", "x.rs", ".x", "X-1.bin")  # differently shaped names: only `app/*` or `app/**` ignores them all
        return not path.exists() and all(gi.ignored(path / name, is_dir=False) for name in probes)


def _tagged(image: str) -> str:
    """An image reference with its implied `:latest` written out (`acme/api` and `acme/api:latest` are one)."""
    name = image.rsplit("/", 1)[-1]
    return image if ":" in name or "@" in name else f"{image}:latest"


def norm_path(path: Path) -> Path:
    """Absolute, with ``..`` collapsed, without resolving symlinks."""
    import os

    return Path(os.path.normpath(path.absolute()))
