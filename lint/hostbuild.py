"""What exists only after a step outside Docker: files a CI workflow, Makefile, justfile or script produces on
the host before it runs `docker build`, and git submodules that a plain clone has not checked out.

A build step is recognised by what it says, not by running it: a wrapper that names the Dockerfile (or its
build context directory) and also names the missing source (`cargo build … && cp target/… bin/`, an
`actions/download-artifact` step with `path: bin/`) makes that source a host-built artifact."""

from __future__ import annotations

import fnmatch
import posixpath
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from weakref import WeakKeyDictionary

from viworks_lint.buildcli import BuildArgs, build_args
from viworks_lint.location import Location
from viworks_lint.project import Project
from viworks_lint.releases import WORKFLOW_GLOBS
from viworks_lint.scriptcd import cd_builds, cd_contexts

_WRAPPER_GLOBS = (
    *WORKFLOW_GLOBS,
    ".gitlab-ci.yml",
    ".gitlab/ci/*.yml",
    ".gitlab/ci/*.yaml",
    "*.gitlab-ci.yml",
    "ci/*.gitlab-ci.yml",
    ".circleci/config.yml",
    ".drone.yml",
    ".woodpecker.yml",
    ".woodpecker/*.yml",
    "Makefile",
    "makefile",
    "GNUmakefile",
    "*.mk",
    "justfile",
    "Justfile",
    ".justfile",
    "Taskfile.yml",
    "Taskfile.yaml",
    "Makefile.toml",  # cargo-make: its tasks' `script`s run `docker build`
    "*.sh",
    "scripts/*.sh",
    "scripts/*/*.sh",
    "script/*.sh",
    "ci/*.sh",
    "docker/*.sh",
    "build/*.sh",
    "bin/*.sh",
    "hack/*.sh",
    "tools/*.sh",
    "deploy/*.sh",
    ".github/scripts/*.sh",
)
_MAX_WRAPPER_BYTES = 512_000
# `${{ matrix.x }}`, `${VAR}`, `$(VAR)`, `$VAR`, `{{var}}`: a part of a path a wrapper fills in
_TEMPLATE = re.compile(r"\$\{\{[^}]*\}\}|\$\{[^}]*\}|\$\([^)]*\)|\$[A-Za-z_][A-Za-z0-9_]*|\{\{[^}]*\}\}")
_PATHISH = re.compile(r"[A-Za-z0-9_./${}()\[\]*:+@-]*(?:[Dd]ockerfile|[Cc]ontainerfile)[A-Za-z0-9_./${}()\[\]*:+@-]*")


@dataclass(frozen=True)
class Wrapper:
    path: Path
    text: str

    def line_of(self, pos: int) -> int:
        return self.text.count("\n", 0, pos) + 1


@dataclass(frozen=True)
class HostStep:
    """A wrapper that builds the image and mentions the missing source."""

    wrapper: Path
    location: Location


_CACHE: WeakKeyDictionary[Project, list[Wrapper]] = WeakKeyDictionary()


def wrappers(project: Project, extra_dirs: tuple[Path, ...] = ()) -> list[Wrapper]:
    """CI workflows, Makefiles, justfiles, Taskfiles and shell scripts at the usual places of the repository."""
    found = _CACHE.get(project)
    if found is None:
        found = _read(project.root, _WRAPPER_GLOBS)
        _CACHE[project] = found
    seen = {w.path for w in found}
    extra = [w for d in extra_dirs for w in _read(d, ("Makefile", "justfile", "*.sh")) if w.path not in seen]
    return found + extra


def _read(base: Path, globs: tuple[str, ...]) -> list[Wrapper]:
    out: list[Wrapper] = []
    for pattern in globs:
        for path in sorted(base.glob(pattern)):
            try:
                if not path.is_file() or path.stat().st_size > _MAX_WRAPPER_BYTES:
                    continue
                out.append(Wrapper(path, _docker_named(path.read_text(encoding="utf-8", errors="replace"))))
            except OSError:
                continue
    return out


# `DOCKER ?= docker` (or `DOCKER=docker`, `DOCKER := podman`) then `$(DOCKER) build …`: the tool by its name
_DOCKER_VAR = re.compile(r"^(?:export\s+)?([A-Z][A-Z0-9_]*)\s*(?:\?=|:=|=)\s*(docker|podman)\s*$", re.M)


def _docker_named(text: str) -> str:
    """The text with a variable that names the docker (podman) command replaced by the command."""
    if "$" not in text:
        return text
    for m in _DOCKER_VAR.finditer(text):
        text = re.sub(r"\$[({]" + m.group(1) + r"[)}]|\$" + m.group(1) + r"\b", m.group(2), text)
    return text


def _names_dockerfile(w: Wrapper, dockerfile_rel: str, context_rel: str, root: Path | None = None) -> bool:
    for m in _PATHISH.finditer(_TEMPLATE.sub("*", w.text)):
        pattern = m.group(0).strip("'\"").removeprefix("./")
        if fnmatch.fnmatchcase(dockerfile_rel, pattern) or (
            "/" not in pattern and pattern == posixpath.basename(dockerfile_rel) and pattern != "Dockerfile"
        ):
            return True
    if context_rel in ("", "."):
        return posixpath.dirname(dockerfile_rel) == "" and _builds_root_context(w.text)
    ctx = re.escape(context_rel.rstrip("/"))
    if re.search(rf"(?<![\w.-])(?:\./)?{ctx}/?(?![\w.-])", w.text) is not None:
        return True
    return root is not None and cd_builds(w.path, w.text, root, dockerfile_rel, context_rel)


# An image build of the repository root with the default `Dockerfile`: `docker/build-push-action` with
# `context: .` (or none: the action's git context is the repository) and no `file:`, or `docker build .`
# / `docker buildx build … .` / `docker image build .` without `-f`.
_ACTION = re.compile(r"uses:\s*['\"]?docker/build-push-action@")
_ACTION_FILE = re.compile(r"^\s*file:\s*['\"]?((?:\$\{\{[^}]*\}\}|[^'\"\s#])*)", re.M)
_ACTION_CTX = re.compile(r"^\s*context:\s*['\"]?([^'\"\s#]*)", re.M)
_CLI_BUILD = re.compile(r"docker\s+(?:buildx\s+build|image\s+build|build)\b([^\n;&|]*)")


def _action_blocks(text: str) -> list[str]:
    """The `with:` part of each `docker/build-push-action` step of a workflow's text (up to the next step)."""
    return [
        text[m.end() : m.end() + 1500].split("\n      - ", 1)[0].split("\n  - ", 1)[0] for m in _ACTION.finditer(text)
    ]


def _builds_root_context(text: str) -> bool:
    for block in _action_blocks(text):
        ctx = _ACTION_CTX.search(block)
        if _ACTION_FILE.search(block) is None and (ctx is None or ctx.group(1) in (".", "./", "")):
            return True
    for m in _CLI_BUILD.finditer(text):
        args = m.group(1).split()
        if args and args[-1] in (".", "./") and not any(a in ("-f", "--file") or a.startswith("--file=") for a in args):
            return True
    return False


@lru_cache(maxsize=256)
def _cli_builds_at(text: str) -> tuple[tuple[int, str, BuildArgs], ...]:
    """Each `docker build … <context>` of a wrapper's text (backslash continuations joined): where it starts, the
    Dockerfile it builds (the one `-f` names, or `Dockerfile` in the context) and its arguments."""
    out: list[tuple[int, str, BuildArgs]] = []
    joined = text.replace("\\\n", " ")
    for m in _CLI_BUILD.finditer(joined):
        at = m.start()
        words = _SHELL_VAR.sub(lambda v: _value_before(joined, at, v), m.group(1))  # noqa: B023 (used at once)
        parsed = build_args([w.strip("'\"") for w in words.split()])
        if not parsed.positional:
            continue
        file = parsed.file or posixpath.join(posixpath.normpath(parsed.positional[-1].removeprefix("./")), "Dockerfile")
        out.append((at, posixpath.normpath(file.removeprefix("./")), parsed))
    return tuple(out)


def cli_builds(text: str) -> tuple[tuple[str, BuildArgs], ...]:
    """Each `docker build … <context>` of a wrapper's text, with the Dockerfile it builds: the one `-f` names, or
    `Dockerfile` in the context (`docker build -t gen tools/gen`). Read once per wrapper text."""
    return tuple((built, parsed) for _at, built, parsed in _cli_builds_at(text))


def tagged_builds(text: str) -> tuple[tuple[str, BuildArgs], ...]:
    """The `docker build -t …` of a wrapper that run where the wrapper starts (the repository root, as CI and
    Makefiles do): not one after a `cd` on its line, and none of a workflow whose steps set `working-directory:`."""
    if "working-directory:" in text:
        return ()
    joined = text.replace("\\\n", " ")
    return tuple(
        (built, parsed)
        for at, built, parsed in _cli_builds_at(text)
        if not re.search(r"(?:^|[\s;&|(])(?:cd|pushd)\s", joined[joined.rfind("\n", 0, at) + 1 : at])
    )


_SHELL_VAR = re.compile(r"\$\{([A-Za-z_]\w*)\}|\$([A-Za-z_]\w*)")


def _value_before(text: str, at: int, var: re.Match[str]) -> str:
    """The literal value the last `name=value` line above ``at`` in the same block gives the shell variable ``var``
    (`app=migrator` before `docker build --target $app .` in one CI step: lines indented as far as the build
    line, up to the first one indented less), else the variable as written."""
    name = var.group(1) or var.group(2)
    start = text.rfind("\n", 0, at) + 1
    indent = len(text[start:at]) - len(text[start:at].lstrip(" \t"))
    lines = text[:start].splitlines()
    block: list[str] = []
    for line in reversed(lines):
        if line.strip() and len(line) - len(line.lstrip(" \t")) < indent:
            break
        block.append(line)
    pattern = re.compile(rf"^[ \t]*(?:export[ \t]+)?{name}=(['\"]?)([\w.:/-]+)\1[ \t]*$")
    for line in block:  # nearest first
        if re.match(rf"^[ \t]*(?:export[ \t]+|local[ \t]+)?{name}=", line) or re.search(rf"\bfor\s+{name}\b", line):
            m = pattern.match(line)
            return m.group(2) if m else var.group(0)  # a value from a variable, a loop: not known
    return var.group(0)


def _cli_contexts(text: str, dockerfile_rel: str) -> set[str]:
    """The context argument of each `docker build` of ``dockerfile_rel`` in ``text``."""
    return {parsed.positional[-1] for built, parsed in cli_builds(text) if built == dockerfile_rel}


_ACTION_TARGET = re.compile(r"^\s*target:\s*['\"]?([^'\"\s#]*)", re.M)
_ACTION_CONTEXT = re.compile(r"^\s*context:\s*['\"]?([^'\"\s#$]+)['\"]?\s*(?:#.*)?$", re.M)


def declared_targets(project: Project, dockerfile: Path, templated: bool = False) -> set[str]:
    """The stages a CI workflow, Makefile or script builds a Dockerfile no compose service builds to:
    `docker build --target <stage>` of it (`-f` naming it, or `Dockerfile` in the context given), and
    `docker/build-push-action` steps with `target:` whose `file:` names it; `""` when one of them builds it to its
    last stage (no target). With ``templated``, targets a variable names are kept as written.
    Read once per project and Dockerfile."""
    cache: dict[Path, set[str]] = project.__dict__.setdefault("_declared_targets", {})
    if dockerfile not in cache:
        cache[dockerfile] = _declared_targets(project, dockerfile)
    written = cache[dockerfile]
    if templated:
        return set(written)  # with the ones a variable or a template names (`--target "$tgt"`), unknown here
    return {t for t in written if not _TEMPLATE.search(t) and "$" not in t and "{" not in t}


def _declared_targets(project: Project, dockerfile: Path) -> set[str]:
    rel = project.rel(dockerfile)
    out: set[str] = set()
    for w in wrappers(project):
        if "target" not in w.text:
            continue
        # "" for a build of it to its last stage (no `--target`) beside the targeted ones
        out.update(parsed.target or "" for built, parsed in cli_builds(w.text) if built == rel)
        for block in _action_blocks(w.text):
            file = _ACTION_FILE.search(block)
            target = _ACTION_TARGET.search(block)
            ctx = _ACTION_CONTEXT.search(block)
            default = posixpath.join(ctx.group(1).removeprefix("./"), "Dockerfile") if ctx is not None else "Dockerfile"
            named = file.group(1).removeprefix("./") if file is not None else posixpath.normpath(default)
            if named == rel:
                out.add(target.group(1) if target is not None else "")
    from viworks_lint.project import norm_path
    from viworks_lint.releases import releases

    key = norm_path(dockerfile)
    out.update(r.target or "" for r in releases(project) if norm_path(r.dockerfile) == key)  # matrix values
    return out


_MATRIX_REF = re.compile(r"\$\{\{\s*matrix\.([\w.-]+)\s*\}\}")


def _in_matrix(text: str, named: str, rel: str) -> bool:
    """`file: ${{ matrix.container.path }}/Dockerfile` fits ``rel`` when the matrix values the workflow writes
    for that key (`path: crates/gateway`) include its folder, or when it writes none (a matrix computed by a job)."""
    refs = list(_MATRIX_REF.finditer(named))
    if len(refs) != 1:
        return True
    ref = refs[0]
    key = ref.group(1).rsplit(".", 1)[-1]
    values = {
        v.removeprefix("./").rstrip("/")
        for v in re.findall(rf"^\s*-?\s*{re.escape(key)}:\s*['\"]?([^'\"\s#]+)", text, re.M)
        if "$" not in v
    }
    if not values:
        return True
    prefix, _, suffix = named.removeprefix("./").partition(ref.group(0))
    return any(posixpath.normpath(f"{prefix}{v}{suffix}") == rel for v in values)


def declared_context(project: Project, dockerfile: Path) -> Path | None:
    """The build context a CI workflow, Makefile or script gives a Dockerfile no compose service builds:
    `docker build -f <file> <context>`, or `docker/build-push-action` with `file:` naming it (or filled in from a
    matrix that names it) and a literal `context:` (none: the repository). None unless they all agree."""
    rel = project.rel(dockerfile)
    contexts: set[str] = set()
    for w in wrappers(project):
        mentioned = rel in w.text
        contexts |= _cli_contexts(w.text, rel)
        contexts |= cd_contexts(w.path, w.text, project.root, rel)
        for block in _action_blocks(w.text):
            file = _ACTION_FILE.search(block)
            named = file.group(1).removeprefix("./") if file is not None else ""
            # `file: ${{ matrix.dockerfile }}/Dockerfile`: a pattern that fits every `<dir>/Dockerfile` of a matrix
            pattern = _TEMPLATE.sub("*", named)
            # only a folder filled in, the file name as written: the matrix lists folders of like images; when the
            # workflow writes the matrix values out (`path: crates/gateway`), only those
            fits = (
                pattern not in (named, "*")
                and not _TEMPLATE.search(posixpath.basename(named))
                and fnmatch.fnmatchcase(rel, pattern)
                and _in_matrix(w.text, named, rel)
            )
            if not (named == rel or fits or ("${{" in named and mentioned)):
                continue
            ctx = _ACTION_CTX.search(block)
            contexts.add(ctx.group(1) if ctx is not None and ctx.group(1) else ".")
    if len(contexts) != 1:
        return None
    value = contexts.pop()
    if _TEMPLATE.search(value) or "://" in value:
        return None
    path = (project.root / value).resolve()
    try:
        path.relative_to(project.root.resolve())
    except ValueError:
        return None
    return path if path.is_dir() else None


def host_step(project: Project, dockerfile: Path, context: Path, source: str) -> HostStep | None:
    """A wrapper that builds ``dockerfile`` with ``context`` and names ``source`` (or its top directory)."""
    df_rel, ctx_rel = project.rel(dockerfile), project.rel(context)
    src = posixpath.normpath("/" + source).lstrip("/")
    if not src or src == ".":
        return None
    inside = (src, src.split("/", 1)[0])
    extra = tuple(d for d in {dockerfile.parent, context} if d != project.root)
    for w in wrappers(project, extra):
        if not _names_dockerfile(w, df_rel, ctx_rel, project.root):
            continue
        for needle in inside:
            if needle in (".", "..", "*"):
                continue
            esc = re.escape(needle.rstrip("/"))
            # a path (`artifact/`) before a bare word (`Upload build artifact`)
            m = re.search(rf"(?<![\w.-]){esc}/", w.text) or re.search(rf"(?<![\w.-]){esc}/?(?![\w-]|\.\w)", w.text)
            if m is not None:
                line = w.line_of(m.start())
                return HostStep(w.path, Location(w.path, line, 1))
    return None


_LOCK_MAKERS = re.compile(r"\bcargo\s+(?:\+\S+\s+)?(?:generate-lockfile|build|b|update|fetch|check|c|run|r|test|t)\b")


def host_lockfile_step(project: Project, dockerfile: Path, context: Path) -> HostStep | None:
    """A wrapper that builds ``dockerfile`` with ``context`` and runs a cargo command, which writes
    ``Cargo.lock`` when it is missing (`cargo generate-lockfile`, `build`, `fetch`, …)."""
    df_rel, ctx_rel = project.rel(dockerfile), project.rel(context)
    extra = tuple(d for d in {dockerfile.parent, context} if d != project.root)
    for w in wrappers(project, extra):
        if not _names_dockerfile(w, df_rel, ctx_rel, project.root):
            continue
        m = _LOCK_MAKERS.search(w.text)
        if m is not None:
            return HostStep(w.path, Location(w.path, w.line_of(m.start()), 1))
    return None


_SCRIPT_GLOBS = ("*.py", "*.sh", "Makefile", "justfile", "Justfile", "*.mk")


def script_creating(base: Path, missing: Path) -> Path | None:
    """A script or Makefile next to the manifest (``base``) that names the missing directory: it generates it
    (an amalgamation, a vendoring or codegen step) before cargo runs."""
    name = re.escape(missing.name)
    for w in _read(base, _SCRIPT_GLOBS):
        if re.search(rf"(?<![\w.-]){name}(?![\w-])", w.text):
            return w.path
    return None


def hand_built(project: Project) -> frozenset[str]:
    """The Dockerfiles (relative paths) a `docker build` of a CI workflow, Makefile, script or of the repository's
    documentation (README and setup pages at the root or in `docs/`) builds (read once)."""
    from viworks_lint.docruns import is_doc

    cached: frozenset[str] | None = project.__dict__.get("_hand_built")
    if cached is not None:
        return cached
    texts = [w.text for w in wrappers(project)]
    for folder in (project.root, project.root / "docs"):
        try:
            pages = sorted(p for p in folder.iterdir() if p.is_file() and is_doc(p, project.root))
        except OSError:
            continue
        for page in pages[:40]:
            try:
                if page.stat().st_size <= 512_000:
                    texts.append(page.read_text("utf-8", errors="replace"))
            except OSError:
                continue
    found = frozenset(built for text in texts if "build" in text for built, _parsed in cli_builds(text))
    project.__dict__["_hand_built"] = found
    return found
