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
from typing import TYPE_CHECKING, NamedTuple

from viworks_lint.discover import COMPOSE_BASES

if TYPE_CHECKING:
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
    from viworks_lint.devstack import (
        declared_dev,
        declares_development,
        dev_builds,
        dev_service,
        documented_dev,
        infra_only,
    )
    from viworks_lint.imagescope import dockerfile_scope
    from viworks_lint.project import norm_path
    from viworks_lint.stackhints import (
        beside_production,
        left_out_of_deploy,
        run_to_deploy,
        throwaway_datastore,
        watched_stack,
    )

    out: dict[Path, ScopeInfo] = {}
    uses = _uses(project)
    toy = _not_for_production(project)

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


_TOY = re.compile(
    r"\b(?:do\s+not|don't|never)\s+use\s+(?:this|it)\s+in\s+production\b|\bnot\s+(?:meant|intended)\s+"
    r"for\s+production\b|\b(?:toy|learning)\s+(?:example|project)\b",  # not "not ready for production (yet)"
    re.IGNORECASE,
)


# a repository that describes itself as a demonstration: "This is a demo project", "This repository is a sample
# web application", "This repo serves as an example of how to …", "A demo web application made with …" (opening
# a sentence), "a proof-of-concept chat program", "a simple web app to demonstrate how to use …"; not "a demo
# server runs at …" or "built to demonstrate how fast …"
_KIND = r"(?:demo|example|sample|toy|poc|proof[- ]of[- ]concept)"
_DEMO = re.compile(
    r"\b(?:this|the)\s+(?:repo(?:sitory)?|project|app(?:lication)?|code(?:base)?)\s+(?:is|serves\s+as)\s+an?\s+"
    r"(?:[\w-]+\s+){0,2}?" + _KIND + r"\b"
    r"|\bthis\s+is\s+an?\s+(?:[\w-]+\s+){0,2}?" + _KIND + r"\b"
    r"|(?:^|[.!]\s+|#\s*)an?\s+(?:[\w-]+\s+){0,2}?" + _KIND + r"\s+(?:[\w-]+\s+){0,2}?(?:app|application|project)\b"
    r"|\b" + _KIND + r"\s+(?:[\w-]+\s+){0,2}?(?:app|application|project|program)\s*$"
    r"|\bto\s+demo(?:n)?strate\s+how\s+to\b",
    re.IGNORECASE | re.MULTILINE,
)


def demo_repository(project: Project) -> str | None:
    """The root README's introduction (its title and first section) presents the repository as a demo, a sample or
    a proof of concept: why, else None."""
    for name in ("README.md", "README", "readme.md", "Readme.md", "ReadMe.md", "README.rst"):
        path = project.root / name
        try:
            text = path.read_text("utf-8", errors="replace")[:1500] if path.is_file() else ""
        except OSError:
            continue
        if not text:
            continue
        headings = [m.start() for m in re.finditer(r"^#{1,6}\s", text, re.MULTILINE)]
        intro = text[: headings[1]] if len(headings) > 1 else text[:800]
        m = _DEMO.search(intro)
        return f"the README presents it as \"{' '.join(m.group(0).split())}\"" if m is not None else None
    return None


def deploy_service_builds(project: Project, builds: Iterable[Build]) -> list[Build]:
    """The builds of compose services whose compose file is in `deploy` scope: the ones that ship the image."""
    return [
        b
        for b in builds
        if b.service is not None and b.compose is not None and project.scope_of(b.compose.files[0]) is Scope.DEPLOY
    ]


def deployed_by_wrapper(project: Project) -> str | None:
    """Where a wrapper, script or CI step (not the documentation) runs a compose file of the repository for
    deployment (`ssh host docker compose up -d`, `make deploy`), else None."""
    found = next((u.where for u in _uses(project).values() if u.scope is Scope.DEPLOY and not u.documented), None)
    return found or ("a workflow or script that runs compose over ssh" if _remote_compose_run(project) else None)


def _not_for_production(project: Project) -> str | None:
    """The root README says the whole repository is a toy or learning example, not for production: files that
    nothing else gives a scope are then `dev`."""
    for name in ("README.md", "README", "readme.md", "README.rst"):
        path = project.root / name
        try:
            text = path.read_text("utf-8", errors="replace")[:20000] if path.is_file() else ""
        except OSError:
            continue
        m = _TOY.search(text)
        if m is not None:
            return f"the README says \"{' '.join(m.group(0).split())}\""
    return None


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
    from viworks_lint.imagescope import foreign_program
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



def _platform_stack(project: Project, compose: ComposeProject, uses: dict[Path, _Use]) -> tuple[Scope, str] | None:
    """Every image the compose file builds is one a platform config file deploys (`fly.toml` builds the same
    Dockerfile on Fly.io), and no wrapper, CI step or documented command runs the compose file for deployment:
    the compose file is the local stack around it."""
    from viworks_lint.platforms import platform_deployed
    from viworks_lint.project import norm_path

    if any((u := uses.get(norm_path(f))) is not None and u.scope is Scope.DEPLOY for f in compose.files):
        return None  # `make deploy`, or the README's install steps: the compose file ships
    if _remote_compose_run(project):
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


_REMOTE_COMPOSE = re.compile(r"\bssh\b[^\n]*\bdocker[ -]compose\b|\bdocker[ -]compose\b[^\n]*\bup\b[^\n]*\bssh\b")


def _remote_compose_run(project: Project) -> bool:
    """A CI workflow or script runs compose on another host over ssh (`ssh deploy@host 'docker compose up -d'`):
    which of the repository's compose files it runs there cannot be told, so none is taken for a local stack."""
    from viworks_lint.hostbuild import wrappers

    found: bool | None = project.__dict__.get("_remote_compose_run")
    if found is None:
        found = project.__dict__["_remote_compose_run"] = any(_REMOTE_COMPOSE.search(w.text) for w in wrappers(project))
    return found


class _Use(NamedTuple):
    scope: Scope
    where: str
    documented: bool = False  # a run the project's documentation shows, under no heading naming a scope


def _uses(project: Project) -> dict[Path, _Use]:
    """The scope a compose file gets from how the repository's wrappers run it: a CI job, a make target or
    script named for tests, development or deployment. A file any deploy use runs is ``deploy`` (read once)."""
    cached: dict[Path, _Use] | None = project.__dict__.get("_compose_uses")
    if cached is None:
        cached = project.__dict__["_compose_uses"] = _read_uses(project)
    return cached


def _read_uses(project: Project) -> dict[Path, _Use]:
    from viworks_lint.composefiles import default_compose
    from viworks_lint.project import norm_path

    found: dict[Path, list[_Use]] = {}
    for inv in project.wrappers.invocations:
        scope = next((_WORDS[w] for w in _words(inv.label) if w in _WORDS), None)
        if scope is None and inv.kind == "ci":
            scope = Scope.CI
        # the project's own documentation (the root README, a top-level docs folder; not a tool's README deep in
        # the tree) shows how it is run; what for is `documented_dev`'s question
        top = project.rel(inv.location.path).split("/")
        documented = inv.kind == "docs" and (len(top) == 1 or top[0].lower() in ("docs", "doc", "documentation"))
        if documented:
            scope = Scope.DEPLOY
        elif inv.kind == "docs":
            continue
        if scope is None:
            continue
        for f in inv.files or default_compose(project, inv.cwd):
            found.setdefault(norm_path(f), []).append(_Use(scope, inv.where, documented))
    out: dict[Path, _Use] = {}
    for path, items in found.items():
        if any(u.scope is Scope.DEV for u in items) or all(u.documented for u in items):
            # a documented run says less than a dev task that runs it, and alone it says nothing new
            items = [u for u in items if not u.documented]
        if not items:
            continue
        deploy = next((u for u in items if u.scope is Scope.DEPLOY), None)
        if deploy is not None:
            # a run the docs show outweighs a test script's, not what the file itself is (infrastructure only)
            out[path] = _Use(Scope.DEPLOY, f"run by {deploy.where}", deploy.documented)
        else:
            least = min(items, key=lambda u: SCOPE_ORDER[u.scope])
            out[path] = _Use(least.scope, f"run only for {least.scope.value} by {least.where}")
    return out


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
