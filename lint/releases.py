"""Images the repository publishes: a Dockerfile a CI workflow or script builds and pushes to a registry
(``docker/build-push-action`` with ``push:`` not false, ``docker buildx build --push``, or ``docker build -f X``
followed by ``docker push`` in the same step or script). An image that is pushed ships, whatever else builds
it (test compose files often build the released Dockerfile too).

Read from what the wrappers say, not by running them: a ``file:`` or ``-f`` built from a variable or a
matrix value is left out (no guess)."""

from __future__ import annotations

import itertools
import posixpath
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from viworks_lint.buildcli import build_args
from viworks_lint.dockerutil import commands, logical_lines
from viworks_lint.location import Location
from viworks_lint.parsers.common import ReadError
from viworks_lint.parsers.yamlnode import YNode, load, text_of, to_node
from viworks_lint.workflowmatrix import fill_matrix, job_matrix

if TYPE_CHECKING:
    from viworks_lint.project import Project


@dataclass(frozen=True)
class Release:
    """One build-and-push of a Dockerfile."""

    dockerfile: Path
    context: Path
    target: str | None
    location: Location
    labels: tuple[str, ...]  # workflow file stem, workflow name, job id, job name, step name: lower-case
    args: tuple[tuple[str, str], ...] = ()  # `build-args:` with literal values (a matrix value filled in)

    def where(self, root: Path) -> str:
        try:
            rel = self.location.path.relative_to(root).as_posix()
        except ValueError:
            rel = self.location.path.name
        return f"{rel}:{self.location.line}"


_CACHE: WeakKeyDictionary[Project, list[Release]] = WeakKeyDictionary()
_ACTION = "docker/build-push-action@"
_FALSE = {"false", "no", "off", "0", ""}
_DOCKER_PUSH = re.compile(r"\bdocker\s+(?:image\s+)?push\b|\bpodman\s+push\b")
# GitHub Actions workflows, and those of Forgejo and Gitea, which run the same syntax
ACTIONS_DIRS = (".github", ".forgejo", ".gitea")
WORKFLOW_GLOBS = tuple(f"{d}/workflows/*.{ext}" for d in ACTIONS_DIRS for ext in ("yml", "yaml"))
_SCRIPT_GLOBS = ("*.sh", "scripts/*.sh", "scripts/*/*.sh", "script/*.sh", "ci/*.sh", "docker/*.sh", "build/*.sh")
_MAX_BYTES = 512_000


def releases(project: Project) -> list[Release]:
    """Every build-and-push of a Dockerfile of the repository by its CI workflows and shell scripts; once the
    compose files are read, also the service builds a `docker/bake-action` step pushes from them."""
    found = _CACHE.get(project)
    if found is None:
        found = []
        root = project.root
        for pattern in WORKFLOW_GLOBS:
            for path in sorted(root.glob(pattern)):
                found.extend(_workflow(root, path))
        for pattern in _SCRIPT_GLOBS:
            for path in sorted(root.glob(pattern)):
                text = _read(path)
                if text is not None:
                    found.extend(_cli(root, path, text, 1, (path.stem.lower(),)))
        for name in (".drone.yml", ".drone.yaml"):
            found.extend(_drone(root, root / name))
        found = [r for r in found if r.dockerfile.is_file()]
        _CACHE[project] = found
    if "composes" not in project.__dict__:
        return found  # the project is still loading: the compose files a bake step names are not read yet
    baked: list[Release] | None = project.__dict__.get("_bake_releases")
    if baked is None:
        baked = [r for r in _bake_compose(project) if r.dockerfile.is_file() and r not in found]
        project.__dict__["_bake_releases"] = baked
    return found + baked


def _read(path: Path) -> str | None:
    try:
        if not path.is_file() or path.stat().st_size > _MAX_BYTES:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _plain_path(value: str) -> str | None:
    """A path a wrapper names literally (no `${{ }}`, `$VAR`)."""
    value = value.strip().strip("'\"")
    if not value or "$" in value or "{{" in value or "*" in value:
        return None
    return value


def _under(root: Path, rel: str) -> Path | None:
    norm = posixpath.normpath(rel)
    if norm.startswith("../") or norm == ".." or posixpath.isabs(norm):
        return None
    return root if norm == "." else root / norm


def _workflow(root: Path, path: Path) -> list[Release]:
    text = _read(path)
    if text is None or ("build-push-action" not in text and "docker" not in text):
        return []
    try:
        data = load(path, text)
    except ReadError:  # GitHub reads some files ruamel refuses (a tab inside `${{ }}`): read the text
        return _workflow_text(root, path, text)
    doc = to_node(path, data)
    out: list[Release] = []
    wf_labels = (path.stem.lower(), (text_of(doc.get("name")) or "").lower())
    jobs = doc.get("jobs")
    for job_id, job in jobs.items() if jobs is not None else []:
        job_labels = (*wf_labels, job_id.lower(), (text_of(job.get("name")) or "").lower())
        steps = job.get("steps")
        combos = job_matrix(job)
        for step in steps.elements() if steps is not None else []:
            labels = (*job_labels, (text_of(step.get("name")) or "").lower())
            uses = text_of(step.get("uses")) or ""
            if uses.startswith(_ACTION):
                for combo in combos:
                    release = _action(root, step, labels, combo)
                    if release is not None and release not in out:
                        out.append(release)
            run = step.get("run")
            run_text = text_of(run)
            if run is not None and run_text:
                out.extend(_cli(root, path, run_text, run.loc.line, labels))
    return out


# Drone's publishing plugins: they build `dockerfile` (from the repository root) with `context` and push `repo`
_DRONE_PLUGINS = ("plugins/docker", "plugins/ecr", "plugins/gcr", "plugins/acr")


def _drone(root: Path, path: Path) -> list[Release]:
    """The `plugins/docker` steps of a Drone pipeline (`steps:` of each `kind: pipeline` document, or the
    `pipeline:` map of the older format, where a step name given twice keeps its first step), with their
    `settings:` (or the step's own keys) and `build_args`."""
    text = _read(path)
    if text is None or "plugins/" not in text:
        return []
    out: list[Release] = []
    lines = text.split("\n")
    starts = [0, *(i + 1 for i, line in enumerate(lines) if _DOC_START.match(line)), len(lines) + 1]
    for a, b in itertools.pairwise(starts):
        body = "\n".join(lines[a : b - 1])
        if "plugins/" not in body:
            continue
        try:
            doc = to_node(path, load(path, "\n" * a + body, duplicates=True))  # the file's line numbers
        except ReadError:
            continue
        if not doc.is_map:
            continue
        steps, old = doc.get("steps"), doc.get("pipeline")
        named = (
            [(text_of(st.get("name")) or "", st) for st in steps.elements()]
            if steps is not None and steps.is_list
            else old.items() if old is not None and old.is_map else []
        )
        pipeline = (text_of(doc.get("name")) or "").lower()
        for name, step in named:
            image = re.sub(r"^(?:docker\.io/|index\.docker\.io/)", "", (text_of(step.get("image")) or ""))
            if not step.is_map or re.split(r"[:@]", image, maxsplit=1)[0] not in _DRONE_PLUGINS:
                continue
            settings = step.get("settings") or step
            if (text_of(settings.get("dry_run")) or "").lower() in ("true", "yes"):
                continue
            values = {k: t for k in ("dockerfile", "context", "target") if (t := text_of(settings.get(k))) is not None}
            values = {"file": values.get("dockerfile", "Dockerfile"), "push": "true", **values}
            release = _release(root, values, step.loc, (path.stem.lower(), pipeline, name.lower()))
            raw = settings.get("build_args")
            if release is None:
                continue
            if raw is not None and raw.is_list:
                args = tuple(
                    (k.strip(), v.strip()) for el in raw.elements() for k, eq, v in [(text_of(el) or "").partition("=")]
                    if eq and k.strip() and "$" not in v
                )
                release = replace(release, args=args)
            out.append(release)
    return out


_DOC_START = re.compile(r"^---(?:\s|#|$)")


_STEP_USES = re.compile(r"^(\s*)(?:-\s+)?uses:\s*['\"]?docker/build-push-action@", re.M)
_JOB_KEY = re.compile(r"^  ([A-Za-z0-9_-]+):\s*(?:#.*)?$", re.M)
_WITH_KEY = re.compile(r"^\s*(file|context|push|target):\s*(.*?)\s*(?:#.*)?$")


def _workflow_text(root: Path, path: Path, text: str) -> list[Release]:
    """`docker/build-push-action` steps of a workflow that does not parse as YAML, read line by line: the
    step's lines are those indented deeper than its `- ` item."""
    out: list[Release] = []
    lines = text.splitlines()
    for m in _STEP_USES.finditer(text):
        line_no = text.count("\n", 0, m.start())
        # the step item: the nearest line above (or this one) that starts with `- `
        item = line_no
        while item > 0 and not lines[item].lstrip().startswith("- "):
            item -= 1
        indent = len(lines[item]) - len(lines[item].lstrip())
        block = [lines[item]]
        for line in lines[item + 1 :]:
            if line.strip() and len(line) - len(line.lstrip()) <= indent:
                break
            block.append(line)
        values: dict[str, str] = {}
        for line in block:
            km = _WITH_KEY.match(line)
            if km is not None:
                values.setdefault(km.group(1), km.group(2).strip("'\""))
        job = None
        for jm in _JOB_KEY.finditer(text, 0, m.start()):
            job = jm.group(1).lower()
        names = [ln.split("name:", 1)[1].strip().strip("'\"").lower() for ln in block if "name:" in ln]
        labels = (path.stem.lower(), job or "", names[0] if names else "")
        release = _release(root, values, Location(path, item + 1, 1), labels)
        if release is not None:
            out.append(release)
    return out


def _action(root: Path, step: YNode, labels: tuple[str, ...], matrix: dict[str, str]) -> Release | None:
    with_ = step.get("with")
    if with_ is None:
        return None
    values = {
        k: fill_matrix(t, matrix)
        for k in ("file", "context", "push", "target")
        if (t := text_of(with_.get(k))) is not None
    }
    release = _release(root, values, step.loc, labels)
    raw_args = with_.get("build-args")
    if release is None or raw_args is None:
        return release
    lines = (
        [t for el in raw_args.elements() if (t := text_of(el))]
        if raw_args.is_list
        else (text_of(raw_args) or "").splitlines()
    )
    args = tuple(
        (k.strip(), v.strip().strip("'\""))
        for line in lines
        for k, eq, v in [fill_matrix(line.strip(), matrix).partition("=")]
        if eq and k.strip() and "${{" not in v
    )
    return replace(release, args=args) if args else release


def _release(root: Path, values: dict[str, str], location: Location, labels: tuple[str, ...]) -> Release | None:
    """The Dockerfile a `docker/build-push-action` step with these `with:` values pushes, else None."""
    push = values.get("push")
    if push is None or push.strip().lower() in _FALSE:
        return None  # only built (a CI check), or exported with `outputs:`
    ctx_raw = values.get("context")
    ctx_rel = _plain_path(ctx_raw) if ctx_raw is not None else "."
    if ctx_rel is None:
        return None
    context = _under(root, ctx_rel)
    file_raw = values.get("file")
    if file_raw is None:
        dockerfile = context / "Dockerfile" if context is not None else None
    else:
        file_rel = _plain_path(file_raw)
        dockerfile = _under(root, file_rel) if file_rel is not None else None
    if context is None or dockerfile is None:
        return None
    target = _plain_path(values.get("target") or "")
    return Release(dockerfile, context, target, location, labels)


def _cli(root: Path, path: Path, text: str, first_line: int, labels: tuple[str, ...]) -> list[Release]:
    """`docker build -f X ctx` / `docker buildx build --push …` commands of a script or a `run:` block that
    pushes what it builds (`--push`, or a `docker push` in the same text)."""
    if "docker" not in text:
        return []
    pushes = _DOCKER_PUSH.search(text) is not None
    out: list[Release] = []
    # lines stripped of trailing blanks first: a `\\` followed by spaces still joins, as this reader always did
    for line, logical in logical_lines("\n".join(t.rstrip() for t in text.splitlines()), first_line):
        if "docker" not in logical or "build" not in logical:
            continue
        for words in commands(logical):
            release = _cli_build(root, words, pushes)
            if release is not None:
                dockerfile, context, target = release
                out.append(Release(dockerfile, context, target, Location(path, line, 1), labels))
    return out


def _cli_build(root: Path, words: list[str], pushes: bool) -> tuple[Path, Path, str | None] | None:
    if not words or words[0] not in ("docker", "podman"):
        return None
    rest = words[1:]
    if rest[:2] == ["buildx", "build"] or rest[:2] == ["image", "build"]:
        rest = rest[2:]
    elif rest[:1] == ["build"]:
        rest = rest[1:]
    else:
        return None
    parsed = build_args(rest)
    file_rel, target, positional, push = parsed.file, parsed.target, parsed.positional, pushes or parsed.push
    if not push or len(positional) != 1:
        return None
    ctx_rel = _plain_path(positional[0])
    context = _under(root, ctx_rel) if ctx_rel is not None else None
    if context is None:
        return None
    if file_rel is None:
        dockerfile: Path | None = context / "Dockerfile"
    else:
        plain = _plain_path(file_rel)
        dockerfile = _under(root, plain) if plain is not None else None
    if dockerfile is None:
        return None
    return dockerfile, context, _plain_path(target or "") or None


_BAKE_ACTION = "docker/bake-action@"


def _bake_compose(project: Project) -> list[Release]:
    """The images a `docker/bake-action` step with `push: true` builds from compose files (`files: compose.yml`
    and `compose.override.yml`): every service build of the compose project those files make."""
    from viworks_lint.project import norm_path

    root = project.root
    out: list[Release] = []
    for pattern in WORKFLOW_GLOBS:
        for path in sorted(root.glob(pattern)):
            text = _read(path)
            if text is None or _BAKE_ACTION not in text:
                continue
            try:
                doc = to_node(path, load(path, text))
            except ReadError:
                continue
            jobs = doc.get("jobs")
            for job_id, job in jobs.items() if jobs is not None else []:
                steps = job.get("steps")
                for step in steps.elements() if steps is not None else []:
                    with_ = step.get("with")
                    if not (text_of(step.get("uses")) or "").startswith(_BAKE_ACTION) or with_ is None:
                        continue
                    if (text_of(with_.get("push")) or "").strip().lower() in _FALSE:
                        continue
                    node = with_.get("files")
                    written = (
                        [t for el in node.elements() if (t := text_of(el))]
                        if node is not None and node.is_list
                        else (text_of(node) or "").replace(",", "\n").splitlines()
                    )
                    base = _under(root, _plain_path(text_of(with_.get("workdir")) or ".") or ".")
                    files = {norm_path(base / w.strip()) for w in written if w.strip()} if base is not None else set()
                    if not files or not all(f.suffix in (".yml", ".yaml") for f in files):
                        continue  # an HCL or JSON bake file: its targets are not read here
                    labels = (path.stem.lower(), job_id.lower(), (text_of(step.get("name")) or "").lower())
                    for compose in project.composes:
                        if {norm_path(f) for f in compose.files} != files:
                            continue
                        for svc in compose.services.values():
                            build = project.build_of_service(svc)
                            if build is None or build.context is None:
                                continue
                            release = Release(build.dockerfile_path, build.context, build.target, step.loc, labels)
                            if release not in out:
                                out.append(release)
    return out
