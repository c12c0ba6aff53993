"""Find the files a project is made of: compose files, Dockerfiles, .dockerignore files, Cargo
manifests and .env files. Skips .git/, target/, node_modules/ and whatever .gitignore ignores."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pathspec
from viworks_lint.wrappers import is_wrapper

SKIP_DIRS = {".git", "target", "node_modules", ".hg", ".svn", "__pycache__", ".venv", ".tox", ".mypy_cache"}
COMPOSE_BASES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
COMPOSE_OVERRIDES = (
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
)

COMPOSE_VARIANT = re.compile(
    r"^(?:(?:docker-)?compose[.-][A-Za-z0-9_.-]+|[A-Za-z0-9_-]+[.-](?:docker-)?compose)\.ya?ml$"
)


NOT_DOCKERFILE_SUFFIXES = (
    ".dockerignore",
    ".md",
    ".txt",
    ".orig",
    ".bak",
    ".swp",
    ".py",
    ".pyc",
    ".rs",
    ".go",
    ".js",
    ".ts",
    ".json",
    ".yml",
    ".yaml",
    ".toml",
    ".sh",
    ".j2",
    ".jinja",
    ".jinja2",
    ".tmpl",
    ".tpl",
    ".template",
    ".erb",
    ".rej",
    ".patch",
    ".diff",
    ".html",
    ".lock",
    ".cfg",
    ".ini",
    ".rst",
    ".orig",
    "~",
)


def is_dockerfile_name(name: str) -> bool:
    low = name.lower()
    if low.endswith(NOT_DOCKERFILE_SUFFIXES):
        return False
    bases = ("dockerfile", "containerfile")
    return any(low == b or low.startswith(b + ".") or low.endswith("." + b) for b in bases)


def is_dockerfile_like_name(name: str) -> bool:
    """`Dockerfile-release`, `Dockerfile_meta`, `api-dockerfile`: a Dockerfile only when its text is one."""
    low = name.lower()
    if low.endswith(NOT_DOCKERFILE_SUFFIXES) or "." in low:
        return False
    bases = ("dockerfile", "containerfile")
    return any(low.startswith((b + "-", b + "_")) or low.endswith(("-" + b, "_" + b)) for b in bases)


def reads_as_dockerfile(path: Path) -> bool:
    """The first instruction of the file (past comments, blank lines and parser directives) is FROM or ARG."""
    try:
        with path.open("rb") as fh:
            head = fh.read(8192).decode("utf-8", errors="replace")
    except OSError:
        return False
    for line in head.splitlines():
        word = line.strip().split(maxsplit=1)[0].upper() if line.strip() else ""
        if not word or word.startswith("#"):
            continue
        return word in ("FROM", "ARG")
    return False


def is_env_name(name: str) -> bool:
    return name == ".env" or name.startswith(".env.") or name.endswith(".env")


class GitIgnore:
    """The .gitignore files of a tree, applied the way git applies them (deeper files win)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.specs: list[tuple[Path, pathspec.GitIgnoreSpec]] = []
        self._seen: set[Path] = set()

    def add(self, directory: Path) -> None:
        if directory in self._seen:
            return
        self._seen.add(directory)
        f = directory / ".gitignore"
        try:
            if not f.is_file():
                return
            lines = f.read_text("utf-8", errors="replace").splitlines()
        except OSError:
            return
        self.specs.append((directory, pathspec.GitIgnoreSpec.from_lines(lines)))

    def ignored(self, path: Path, is_dir: bool = False) -> bool:
        verdict = False
        for base, spec in self.specs:
            try:
                rel = path.relative_to(base).as_posix()
            except ValueError:
                continue
            if rel in ("", "."):
                continue
            candidate = rel + "/" if is_dir else rel
            # check parents first: a file inside an ignored directory is ignored
            parts = rel.split("/")
            for i in range(1, len(parts)):
                if spec.match_file("/".join(parts[:i]) + "/"):
                    return True
            res = spec.check_file(candidate)
            if res.include is not None:
                verdict = bool(res.include)
        return verdict


# A folder a repository script renders before anything in it is built: cookiecutter/copier/cargo-generate
# placeholders in the folder name, or a `template/`/`templates/` folder that a script of the repository runs
# through a substitution tool. Its files hold placeholders (`${APP}`, `{{project-name}}`) that are filled in
# first, so they are not linted as they are.
_PLACEHOLDER_DIR = re.compile(r"\{\{.*\}\}|\{%.*%\}")
_TEMPLATE_DIRS = ("template", "templates")
_RENDERERS = re.compile(
    r"\b(?:envsubst|cookiecutter|copier|cargo[ -]generate|gomplate|j2)\b|\bsed\s+(?:-[a-zA-Z]*i|-e)"
)
_SCRIPT_SUFFIXES = (".sh", ".bash", ".py", ".just", ".mk")
_SCRIPT_NAMES = ("Justfile", "justfile", "Makefile", "makefile", "GNUmakefile")


def _scripts_near(root: Path, folder: Path) -> Iterable[Path]:
    """Scripts that may render ``folder``: beside it, at the repository root, and in ``scripts/``/``bin/``."""
    dirs = {folder.parent, root, root / "scripts", root / "bin"}
    for d in sorted(dirs):
        try:
            entries = sorted(d.iterdir())
        except OSError:
            continue
        for f in entries:
            if f.is_file() and (f.suffix in _SCRIPT_SUFFIXES or f.name in _SCRIPT_NAMES):
                yield f


def rendered_template(root: Path, folder: Path) -> str | None:
    """Why ``folder`` is a template a script renders (None: it is not)."""
    name = folder.name
    if _PLACEHOLDER_DIR.search(name):
        return f"`{name}` is a placeholder folder name (cookiecutter/copier/cargo-generate)"
    if name.lower() not in _TEMPLATE_DIRS:
        return None
    word = re.compile(rf"(?:^|[/\s\"'=]){re.escape(name)}(?:/|[\s\"']|$)", re.M)
    for script in _scripts_near(root, folder):
        try:
            text = script.read_text("utf-8", errors="replace")[:100_000]
        except OSError:
            continue
        m = _RENDERERS.search(text)
        if m and word.search(text):
            return f"`{script.name}` renders it with `{m.group(0).strip()}`"
    return None


@dataclass
class Discovered:
    root: Path
    compose_groups: list[list[Path]] = field(default_factory=list)
    compose_variants: list[Path] = field(default_factory=list)  # docker-compose.prod.yml and the like
    dockerfiles: list[Path] = field(default_factory=list)
    dockerignores: list[Path] = field(default_factory=list)
    manifests: list[Path] = field(default_factory=list)
    env_files: list[Path] = field(default_factory=list)
    wrappers: list[Path] = field(default_factory=list)  # Makefiles, scripts, CI workflows, READMEs
    configs: list[Path] = field(default_factory=list)  # .viworks-lint.toml files below the root (subprojects)
    gitignore: GitIgnore | None = None
    errors: list[tuple[Path, str]] = field(default_factory=list)  # unreadable dirs, loops


def _walk(
    root: Path, gi: GitIgnore, excluded: pathspec.GitIgnoreSpec | None, errors: list[tuple[Path, str]]
) -> Iterable[Path]:
    seen_dirs: set[tuple[int, int]] = set()

    def onerror(exc: OSError) -> None:
        errors.append((Path(exc.filename or root), exc.strerror or str(exc)))

    for dirpath, dirnames, filenames in os.walk(root, onerror=onerror, followlinks=False):
        d = Path(dirpath)
        try:
            st = d.stat()
            ident = (st.st_dev, st.st_ino)
            if ident in seen_dirs:
                dirnames[:] = []
                continue
            seen_dirs.add(ident)
        except OSError:
            pass
        gi.add(d)
        keep = []
        for name in sorted(dirnames):
            full = d / name
            if name in SKIP_DIRS or gi.ignored(full, is_dir=True) or rendered_template(root, full):
                continue
            if excluded is not None and excluded.match_file(full.relative_to(root).as_posix() + "/"):
                continue
            keep.append(name)
        dirnames[:] = keep
        for name in sorted(filenames):
            full = d / name
            if excluded is not None and excluded.match_file(full.relative_to(root).as_posix()):
                continue
            yield full


def discover(
    root: Path, paths: Sequence[Path] = (), compose_files: Sequence[Path] = (), exclude: Sequence[str] = ()
) -> Discovered:
    """Walk ``root`` (or just ``paths`` when given, files or directories below root)."""
    gi = GitIgnore(root)
    out = Discovered(root=root, gitignore=gi)
    excluded = pathspec.GitIgnoreSpec.from_lines(exclude) if exclude else None
    candidates: list[Path] = []
    targets = list(paths) or [root]
    for target in targets:
        if target.is_dir():
            candidates.extend(_walk(target, gi, excluded, out.errors))
        elif target.exists() or target.is_symlink():
            candidates.append(target)
        else:
            out.errors.append((target, "no such file or directory"))
    by_dir: dict[Path, set[str]] = {}
    explicit = [p.resolve() if not p.is_absolute() else p for p in compose_files]
    for path in candidates:
        name = path.name
        if name in COMPOSE_BASES or name in COMPOSE_OVERRIDES:
            by_dir.setdefault(path.parent, set()).add(name)
        elif COMPOSE_VARIANT.match(name):
            out.compose_variants.append(path)
        elif is_dockerfile_name(name) or (is_dockerfile_like_name(name) and reads_as_dockerfile(path)):
            out.dockerfiles.append(path)
        elif name == ".dockerignore" or name.endswith(".dockerignore"):
            out.dockerignores.append(path)
        elif name == "Cargo.toml":
            out.manifests.append(path)
        elif is_env_name(name):
            out.env_files.append(path)
        elif name == ".viworks-lint.toml" and path.parent != root:
            out.configs.append(path)
        elif is_wrapper(path, root):
            out.wrappers.append(path)
    if explicit:
        # `-f` / `compose-files` name the compose project: discovery of compose files stops there
        out.compose_groups.append(explicit)
        out.compose_variants = []
        return out
    for directory in sorted(by_dir):
        names = by_dir[directory]
        group: list[Path] = []
        base = next((n for n in COMPOSE_BASES if n in names), None)
        if base is not None:
            group.append(directory / base)
        override = next((n for n in COMPOSE_OVERRIDES if n in names), None)
        if override is not None and base is not None:  # compose ignores an override with no base file
            group.append(directory / override)
        if group and not any(g in explicit for g in group):
            out.compose_groups.append(group)
    return out
