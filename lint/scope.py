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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from viworks_lint.discover import COMPOSE_BASES

if TYPE_CHECKING:
    from viworks_lint.composeuses import Use
    from viworks_lint.parsers.compose import ComposeProject, Service
    from viworks_lint.project import Build, Project


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
    # the stack is local development by what surrounds it (its documentation says so, or a production file of the
    # same services sits beside it), which says nothing of the images it builds: they keep their own scope
    documented: bool = False


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
            "devenv",
            "devbox",
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
            "dummy",
            "skeleton",
            "scaffold",
            "template",
            "templates",
            "snippet",
            "snippets",
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
            "tester",
            "harness",
            "simulator",
            "simulators",
            "loadgen",
            "mock",
            "mocks",
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


# the words that name a deployment (`deploy`, `production`, `release`, …)
DEPLOY_WORDS = frozenset(w for w, sc in _WORDS.items() if sc is Scope.DEPLOY)


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[._\-]+", name.lower()) if w not in _NEUTRAL]


def scopes_named(text: str) -> set[Scope | None]:
    """The scopes the words of a name or label stand for (None for words that say nothing)."""
    return {_WORDS.get(w) for w in _words(text)}


# words that name a test image or folder (`mock-server/`) but not what a wrapper task runs: `make run-mock-server`
# may start the whole stack beside a mock
_NAMES_ONLY = frozenset({"mock", "mocks"})


def label_scope(label: str) -> Scope | None:
    """The scope the first scope-naming word of a wrapper's label stands for (`test-e2e` → test), or None."""
    return next((_WORDS[w] for w in _words(label) if w in _WORDS and w not in _NAMES_ONLY), None)


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


# ------------------------------------------------------------------------------------- the whole project

SCOPE_ORDER = {Scope.DEPLOY: 0, Scope.DEV: 1, Scope.TEST: 2, Scope.CI: 3, Scope.TOOLCHAIN: 4, Scope.AUX: 5}


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
    from viworks_lint.composeuses import compose_uses
    from viworks_lint.devdocs import declared_dev, documented_dev
    from viworks_lint.devstack import declares_development, dev_builds, dev_service, infra_only
    from viworks_lint.imagescope import dockerfile_scope
    from viworks_lint.project import norm_path
    from viworks_lint.readmeintro import not_for_production
    from viworks_lint.stackhints import (
        beside_production,
        left_out_of_deploy,
        run_to_deploy,
        throwaway_datastore,
        watched_stack,
    )

    out: dict[Path, ScopeInfo] = {}
    uses = compose_uses(project)
    toy = not_for_production(project)

    def decide(path: Path, kind: str, content: tuple[Scope, str] | None) -> ScopeInfo:
        rel = project.rel(path)
        configured = _configured(project, rel)
        if configured is not None:
            return ScopeInfo(Scope(configured), f"set by config for {rel}", kind)
        named = scope_from_name(rel)
        if named is not None:
            return ScopeInfo(named[0], named[1], kind)
        used = uses.get(norm_path(path))
        if used is not None and used.documented and content is not None:
            return ScopeInfo(content[0], content[1], kind)  # what the file is outweighs how the docs run it
        if used is not None and not (path.parent == project.root and path.name in COMPOSE_BASES):
            return ScopeInfo(used.scope, used.where, kind)
        if content is not None:
            return ScopeInfo(content[0], content[1], kind)
        if toy is not None:
            return ScopeInfo(Scope.DEV, toy, kind)
        return ScopeInfo(Scope.DEPLOY, "", kind)

    for compose in project.composes:
        dev_in: dict[Path, tuple[Scope, str]] = {}
        dev_why = {name: dev_service(project, compose, svc) for name, svc in compose.services.items()}
        # a development box behind a profile (`profiles: [dev]`) beside services of the repository's own code
        # that a plain `up` starts says nothing about the file: those others are what it runs (a postgres beside
        # it is no such service)
        shipped = any(
            not svc.profiles and dev_why[name] is None and _runs_own_code(project, svc)
            for name, svc in compose.services.items()
        )
        for name, svc in compose.services.items():
            why = dev_why[name]
            if why is not None and not (svc.profiles and shipped):
                node = svc.node.get("command") or svc.node.get("entrypoint")
                where = norm_path(node.loc.path if node is not None else svc.file)
                dev_in.setdefault(where, (Scope.TEST if "cargo test" in why or "nextest" in why else Scope.DEV, why))
        infra = infra_only(project, compose) or dev_builds(project, compose)
        watched = watched_stack(compose) if infra is None else None
        if watched is not None and any(run_to_deploy(project, f) for f in compose.files):
            watched = None  # `make deploy` runs `--profile app up -d`: the watched services ship too
        for f in compose.files:
            key = norm_path(f)
            content = dev_in.get(key) or ((Scope.DEV, infra) if infra is not None else watched) or declared_dev(f)
            content = content or _other_language_stack(project, compose, f)
            throwaway = throwaway_datastore(project, compose) if content is None else None
            content = content or (throwaway if throwaway is not None and not run_to_deploy(project, f) else None)
            doc = None
            if content is None:
                doc = documented_dev(project, f) or beside_production(project, compose)
                doc = doc or declares_development(project, compose)
                doc = doc or _platform_stack(project, compose, uses)
            info = decide(f, "compose", content or doc)
            left = left_out_of_deploy(project, compose, f) if info.scope is Scope.DEPLOY else None
            if left is not None and not info.reason.startswith("set by config"):
                info = ScopeInfo(left[0], left[1], "compose")  # the deploy run on the server does not read it
            if doc is not None and info.reason == doc[1]:
                info = replace(info, documented=True)
            if info.scope is Scope.DEPLOY and not info.reason:
                info = ScopeInfo(Scope.DEPLOY, _deploy_reason(project, f, compose), "compose")
            prev = out.get(key)
            if prev is None or SCOPE_ORDER[info.scope] < SCOPE_ORDER[prev.scope]:
                out[key] = info
    for path, df in project.dockerfiles.items():
        out[path] = dockerfile_scope(project, path, df, out, decide)
    return out


def deploy_service_builds(project: Project, builds: Iterable[Build]) -> list[Build]:
    """The builds of compose services whose compose file is in `deploy` scope: the ones that ship the image."""
    return [
        b
        for b in builds
        if b.service is not None and b.compose is not None and project.scope_of(b.compose.files[0]) is Scope.DEPLOY
    ]


def _runs_own_code(project: Project, svc: Service) -> bool:
    """A service that runs the repository's code: it builds it, or pulls an image that is no datastore and no
    stock server (`ghcr.io/acme/shop`)."""
    from viworks_lint.datastores import family_of_image
    from viworks_lint.images import lookup

    if project.build_of_service(svc) is not None:
        return True
    image = svc.image or ""
    return bool(image) and "$" not in image and family_of_image(image) is None and not lookup(
        image, project.config.base_images
    ).quick_start


def _other_language_stack(project: Project, compose: ComposeProject, path: Path) -> tuple[Scope, str] | None:
    """A compose file in a subfolder whose services build only programs in other languages (`FROM node`, `npm
    run build`) and pull only datastores or stock servers: a side project of the repository (a generated sample,
    a frontend's own stack), not the Rust app's deployment."""
    from viworks_lint.imagecontent import foreign_program
    from viworks_lint.project import norm_path

    if norm_path(path.parent) == norm_path(project.root):
        return None
    shown = ""
    for name, svc in compose.services.items():
        build = project.build_of_service(svc)
        if build is None:
            if not svc.image or "$" in svc.image or _runs_own_code(project, svc):
                return None  # an image of the repository's own, or one only the environment names
            continue
        other = foreign_program(build.dockerfile) if build.dockerfile is not None else None
        if other is None:
            return None
        shown = shown or f"`{name}`: {other}"
    if not shown:
        return None
    return Scope.AUX, f"its services build programs in other languages ({shown}) and run no Rust code of the repository"



def _platform_stack(project: Project, compose: ComposeProject, uses: dict[Path, Use]) -> tuple[Scope, str] | None:
    """Every image the compose file builds is one a platform config file deploys (`fly.toml` builds the same
    Dockerfile on Fly.io), and no wrapper, CI step or documented command runs the compose file for deployment:
    the compose file is the local stack around it."""
    from viworks_lint.composeuses import remote_compose_run
    from viworks_lint.platforms import platform_deployed
    from viworks_lint.project import norm_path

    if any((u := uses.get(norm_path(f))) is not None and u.scope is Scope.DEPLOY for f in compose.files):
        return None  # `make deploy`, or the README's install steps: the compose file ships
    if remote_compose_run(project):
        return None  # `ssh host 'docker compose up -d'` in a CI workflow or script: some host runs compose
    deployed = platform_deployed(project)
    built = [b for svc in compose.services.values() if (b := project.build_of_service(svc)) is not None]
    if not deployed or not built or any(norm_path(b.dockerfile_path) not in deployed for b in built):
        return None
    first = deployed[norm_path(built[0].dockerfile_path)]
    return (
        Scope.DEV,
        f"it builds `{project.rel(built[0].dockerfile_path)}`, which {first.evidence} deploys to "
        f"{first.platform.name}: this file is the local stack around it",
    )


def _deploy_reason(project: Project, path: Path, compose: ComposeProject) -> str:
    if len(compose.files) > 1 and path != compose.files[0]:
        return f"override of {project.rel(compose.files[0])}"
    return "compose project"


Decide = Callable[[Path, str, "tuple[Scope, str] | None"], ScopeInfo]


def most_deployed(infos: Iterable[ScopeInfo]) -> ScopeInfo | None:
    best: ScopeInfo | None = None
    for info in infos:
        if best is None or SCOPE_ORDER[info.scope] < SCOPE_ORDER[best.scope]:
            best = info
    return best
