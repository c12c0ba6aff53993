"""The project's own conventions for files that are not in the repository: env templates
(``.env.example`` & co.) and the steps (a wrapper, a README code block) that copy or create a file.
A file a documented step puts into place is treated as present; rules then say at most a note naming
the step."""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from viworks_lint.docpages import page_naming
from viworks_lint.docruns import DOC_NAMES
from viworks_lint.filesteps import Step
from viworks_lint.location import Location
from viworks_lint.parsers.common import ReadError, read_text

if TYPE_CHECKING:
    from viworks_lint.project import Project

TEMPLATE_SUFFIXES = (".example", ".sample", ".template", ".tmpl", ".tpl", ".dist", ".default", ".defaults", ".in")
TEMPLATE_WORDS = ("example", "sample", "template", "dist", "default", "defaults", "tmpl", "tpl")
# variables every shell exports: provided wherever compose runs; a path built from one is a host path
SHELL_VARIABLES = frozenset({"HOME", "PWD", "USER", "UID", "GID", "HOSTNAME", "SHELL", "PATH", "LOGNAME", "TERM"})

_COMMENTED = re.compile(r"^\s*#+\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=")


@dataclass(frozen=True)
class Provision:
    """How a file that is not in the repository comes into place."""

    path: Path
    template: Path | None  # the file it is made from
    step: Step | None  # the command that makes it

    def describe(self, rel: str | None = None) -> str:
        if self.step is not None:
            return f"created by {self.step.describe()}"
        assert self.template is not None
        return f"made from the template `{rel or self.template.name}` beside it"


def template_candidates(path: Path) -> list[Path]:
    d, name = path.parent, path.name
    out = [d / (name + s) for s in TEMPLATE_SUFFIXES]
    out += [d / (name + sep + s[1:]) for sep in "-_" for s in TEMPLATE_SUFFIXES]  # .env-sample, .env_example
    out += [
        d / f"{w}{name}" if name.startswith(".") else d / f"{w}.{name}" for w in ("example", "sample", "default")
    ]
    if name.startswith("."):  # .env → .sample.env, .example.env
        out += [d / f".{w}{name}" for w in ("example", "sample", "template", "dist", "default")]
    stem, dot, ext = name.rpartition(".")
    if dot and stem:  # app.env → app.example.env
        out += [d / f"{stem}.{w}.{ext}" for w in ("example", "sample", "template", "dist", "default")]
    if name == ".env":
        out += [
            d / n
            for n in (
                "env.example",
                "env.sample",
                "example.env",
                "sample.env",
                "env.template",
                "env.default",
                "env.defaults",
                "defaults.env",
                ".env.local.example",
                ".env.dev.example",
                ".env.development.example",
            )
        ]
    out += [d / ".example" / name, d.parent / f"{d.name}.example" / name, d.parent / f"{d.name}-example" / name]
    return out


# for compose interpolation only, asked for a `.env` that is absent or git-ignored: a committed `.env.dev` beside it
# holds the values to copy
_DEV_VALUES = (".env.dev", ".env.development")


def template_for(path: Path, dev_values: Project | None = None) -> Path | None:
    """The template beside ``path`` (which is absent or git-ignored); with ``dev_values`` (the project), also a
    committed `.env.dev`/`.env.development` beside a `.env`."""
    extra = [path.parent / n for n in _DEV_VALUES] if path.name == ".env" and dev_values is not None else []
    extra = [c for c in extra if dev_values is not None and not dev_values.is_gitignored(c)]
    for cand in [*template_candidates(path), *extra]:
        try:
            if cand.exists() and cand != path:
                return cand
        except OSError:
            continue
    return None


def provisions(project: Project, path: Path, dev_values: bool = False) -> list[Provision]:
    """How ``path`` (missing or git-ignored) is put into place: the steps of wrappers and the README that
    create it (with what they copy), then a template beside it (with ``dev_values``, for compose interpolation,
    also a committed `.env.dev`)."""
    from viworks_lint.project import norm_path

    key = norm_path(path)
    steps = list(project.wrappers.created.get(key, ()))
    if not steps:  # `cp -r config.example config` creates the files inside too
        for parent in key.parents:
            steps = [s for s in project.wrappers.created.get(parent, ()) if s.source is not None]
            if steps or parent == project.root or parent == parent.parent:
                break
    if not steps:  # a README's `touch app.db` runs wherever the user runs compose (an example folder too)
        steps = _doc_steps_named(project, key)
    if not steps:
        steps = _comment_steps(project, key)
    if not steps:
        steps = _assembly_steps(project, key)
    beside = template_for(path, project if dev_values else None)
    out = [Provision(key, s.source if s.source is not None and s.source.is_file() else beside, s) for s in steps]
    if beside is not None and not any(p.template == beside for p in out):
        out.append(Provision(key, beside, None))
    return out


def _doc_steps_named(project: Project, key: Path) -> list[Step]:
    """Steps of the documentation that create a bare file name (`touch hatsu.sqlite3`, run in no particular
    folder) equal to ``key``'s name."""
    out: list[Step] = []
    for created, steps in project.wrappers.created.items():
        if created.name != key.name or created == key or created.parent != project.root:
            continue
        for s in steps:
            if DOC_NAMES.match(s.location.path.name) and s.source is None and s.text.split()[-1] == key.name:
                out.append(s)
    return out


_COPY_VERB = re.compile(r"\b(?:cp|copy\w*|install|rsync)\b")
_ASSIGN = re.compile(r"^\s*(?:export\s+|local\s+|readonly\s+)?([A-Za-z_]\w*)=(.*)$", re.M)
_LEADING_VAR = re.compile(r"^[\"']?\$\{?([A-Za-z_]\w*)")


def _assembly_steps(project: Project, key: Path) -> list[Step]:
    """A script that assembles a bundle folder (a compose file and the files it mounts, copied in from the
    repository: `copy_file "${root}/docker/init.sh" "${bundle_dir}/docker/init.sh"`, where `bundle_dir` is
    assigned a path ending in `dist/bundle`): the missing ``key`` under that folder is copied there by that line."""
    from viworks_lint.hostbuild import wrappers

    root = project.root
    for folder in key.parents:
        if folder == root or not folder.is_relative_to(root):
            break
        tail = key.relative_to(folder).as_posix()
        if not (root / tail).exists():
            continue  # what the bundle gets is a file of the repository at the same path from the root
        segments = re.compile(r"(?<![\w.\-])" + re.escape(project.rel(folder)) + r"(?![\w.\-])")
        named = re.compile(r"(?<![\w.\-])" + re.escape(tail) + r"(?![\w\-]|\.\w)")
        for w in wrappers(project):
            if not segments.search(w.text):
                continue
            bundles = {m.group(1) for m in _ASSIGN.finditer(w.text) if segments.search(m.group(2))}
            for no, line in enumerate(w.text.splitlines(), 1):
                words = line.split()
                if len(words) < 3 or line.lstrip().startswith("#") or not _COPY_VERB.search(line):
                    continue
                dest = words[-1]
                lead = _LEADING_VAR.match(dest)
                into = segments.search(dest) is not None or (lead is not None and lead.group(1) in bundles)
                if into and named.search(dest):
                    return [Step(" ".join(words), project.rel(w.path), Location(w.path, no), root / tail)]
    return []


_CREATE_VERB = re.compile(r"\b(create|generate|copy|cp|touch|make)\b", re.IGNORECASE)
_BACKTICKED = re.compile(r"`([^`]+)`")


def _comment_steps(project: Project, key: Path) -> list[Step]:
    """A comment of a compose file in ``key``'s folder that says how to create it: `# You can create a
    .env using `atomic-server generate-dotenv``."""
    from viworks_lint.project import norm_path

    named = re.compile(r"(?<![\w.\-/])" + re.escape(key.name) + r"(?![\w\-]|\.\w)")
    out: list[Step] = []
    for compose in project.composes:
        for f in compose.files:
            if norm_path(f).parent != key.parent:
                continue
            try:
                lines = read_text(f).splitlines()
            except (ReadError, OSError):
                continue
            for i, line in enumerate(lines):
                comment = line.lstrip()
                if not comment.startswith("#"):
                    continue
                text = comment.lstrip("#").strip()
                if not named.search(text) or not _CREATE_VERB.search(text):
                    continue
                cmd = _BACKTICKED.search(text)
                shown = cmd.group(1) if cmd is not None else text
                step = Step(shown, f"a comment of {f.name}", Location(f, i + 1, 1))
                if not any(s.location == step.location for s in out):
                    out.append(step)
    return out


def provision(project: Project, path: Path) -> Provision | None:
    found = provisions(project, path)
    return found[0] if found else None


def commented_names(path: Path) -> set[str]:
    """Names that appear only commented out (``# X=``) in an env file: deliberately optional."""
    try:
        text = read_text(path)
    except (ReadError, OSError):
        return set()
    return {m.group(1) for line in text.splitlines() if (m := _COMMENTED.match(line))}


def is_template_name(name: str) -> bool:
    low = name.lower()
    parts = re.split(r"[._\-]", low)
    return any(w in parts for w in TEMPLATE_WORDS)


_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=")


def user_written_env(project: Project, project_dir: Path) -> bool:
    """The project's ``.env`` is absent and the repository git-ignores it: each user writes their own."""
    dotenv = project_dir / ".env"
    return not dotenv.exists() and project.is_gitignored(dotenv)


def documented_env_name(project: Project, project_dir: Path, name: str) -> Location | None:
    """Where the repository tells the user what to put in a ``.env`` it does not ship: another env file beside
    it that defines the name (``.env.test``, ``.env.local``), or a README / setup document that names it
    (`` `NAME` `` or ``NAME=``). None when nothing does."""
    table: dict[str, Location] = project.__dict__.setdefault("_documented_env", {}).setdefault(
        project_dir, _documented_names(project, project_dir)
    )
    return table.get(name)


def documented_env_assignments(project: Project, project_dir: Path) -> frozenset[str]:
    """The names the repository's documents write out as `NAME=value` lines for the ``.env`` of ``project_dir`` it
    does not ship (a README or setup document there, or elsewhere naming the folder beside `.env`); not a name the
    documents only mention."""
    table: dict[Path, frozenset[str]] = project.__dict__.setdefault("_documented_assignments", {})
    if project_dir not in table:
        table[project_dir] = frozenset(_documented_names(project, project_dir, assignments=True))
    return table[project_dir]


def docs_in(*folders: Path) -> list[Path]:
    """README and setup documents (`DOC_NAMES`) of these folders, each folder once."""
    out: list[Path] = []
    for folder in dict.fromkeys(folders):
        try:
            out += sorted(p for p in folder.iterdir() if p.is_file() and DOC_NAMES.match(p.name))
        except OSError:
            continue
    return out


def doc_lines(path: Path) -> list[str]:
    """A small text file's lines (none for files over 512 KB or unreadable)."""
    try:
        return [] if path.stat().st_size > 512_000 else read_text(path).splitlines()
    except (ReadError, OSError):
        return []


def _documented_names(project: Project, project_dir: Path, assignments: bool = False) -> dict[str, Location]:
    out: dict[str, Location] = {}
    try:
        siblings = sorted(project_dir.iterdir())
    except OSError:
        siblings = []
    docs = docs_in(project_dir, project.root)
    if assignments and project_dir != project.root:
        # a document elsewhere speaks of this folder's `.env` only when it names the folder beside it ("set up a
        # .env in the backend dir"); a root README's `cp .env.example .env` is the root's
        rel = project_dir.relative_to(project.root).as_posix() if project_dir.is_relative_to(project.root) else ""
        folder = re.compile(rf"(?<![\w.-]){re.escape(rel)}(?![\w-])") if rel else None
        docs = [
            d for d in docs
            if d.parent == project_dir
            or (folder is not None and any(".env" in ln and folder.search(ln) for ln in doc_lines(d)))
        ]  # fmt: skip
    files = list(docs)  # the documents first: they say what to set
    files += [
        p
        for p in siblings
        if not assignments and p.is_file() and p.name != ".env" and (p.name.startswith(".env.") or p.suffix == ".env")
    ]  # (a template beside it says what it may hold, not that anyone makes it: `provisions` tells that)
    files += [p for p in _named_env_files(docs) if p not in files]  # "Make a copy of [.env.save](.env.save)"
    for f in files[:40]:
        env_file = not DOC_NAMES.match(f.name)
        for i, line in enumerate(doc_lines(f), 1):
            if env_file:
                m = _ENV_LINE.match(line)
                names = [m.group(1)] if m else []
            else:
                names = [] if assignments else re.findall(r"`([A-Z][A-Z0-9_]{2,})`", line)
                m = _ENV_LINE.match(line.strip().lstrip("-*> ").removeprefix("$ "))
                if m and m.group(1).isupper():
                    names.append(m.group(1))
            for n in names:
                out.setdefault(n, Location(f, i, 1))
    return out


_COPY_STEP = re.compile(r"\b(?:cp|copy|copies|rename|mv|duplicate)\b", re.IGNORECASE)
_ENV_FILE_NAME = re.compile(r"(?<![\w/-])((?:[\w.-]+/)*(?:\.env[\w.-]*|[\w.-]+\.env))(?![\w-])")


def _named_env_files(docs: list[Path]) -> list[Path]:
    """Env files (`.env.save`, `config/app.env`) that a README or setup document tells the user to copy into place
    (`Make a copy of .env.save`, `cp config/app.env .env`, "rename … to .env"), under a name of its own. A
    conventional template name (`.env.example`) is the template of the `.env` beside it, which the template rules
    place; it is not taken here, nor a file the document only mentions (the test suite's `ci/test.env`)."""
    out: list[Path] = []
    for doc in docs:
        for line in doc_lines(doc):
            if not _COPY_STEP.search(line):
                continue
            for m in _ENV_FILE_NAME.finditer(line):
                p = doc.parent / m.group(1)
                if p.name != ".env" and not is_template_name(p.name) and p not in out and p.is_file():
                    out.append(p)
    return out


def documented_file(project: Project, path: Path) -> Location | None:
    """A README or setup document (in the repository root, the file's folder or the folder above, or a page of the
    documentation site that also names the file's folder) that names a file the repository git-ignores, so that
    each user writes their own (``Create a `docker.env` file with …``), or the developer tooling that loads it
    (:func:`loaded_by_tooling`)."""
    if path.exists() or not project.is_gitignored(path):
        return None
    pattern = re.compile(rf"(?<![\w.-]){re.escape(path.name)}(?![\w-])")
    loaded = loaded_by_tooling(path)
    if loaded is not None:
        return loaded
    # the README of the file's folder, of the folder above (`docker/README.md` naming `compose/.env`), of the root
    from viworks_lint.project import norm_path

    above = norm_path(path.parent.parent)
    inside = norm_path(path.parent) != norm_path(project.root) and above.is_relative_to(norm_path(project.root))
    folders = [path.parent] + ([above] if inside else []) + [project.root]
    for doc in docs_in(*folders):
        rel = Path(os.path.relpath(path, doc.parent)).as_posix()
        # beside the document its name is enough; elsewhere the document must name its folder too
        # (`checkout/.env`): a root README's `.env` is the root's
        named = pattern if "/" not in rel else re.compile(rf"(?<![\w.-]){re.escape(rel)}(?![\w-])")
        lines = doc_lines(doc)
        # or it names the folder (`secrets/`, a tree drawn in a code block) and the file by its own name
        folder = posixpath.dirname(rel)
        tree = "/" in rel and re.search(rf"(?<![\w.-]){re.escape(folder)}/", "\n".join(lines)) is not None
        for i, line in enumerate(lines, 1):
            if named.search(line) or (tree and pattern.search(line)):
                return Location(doc, i, 1)
    return page_naming(project, path)  # a page of the documentation site (`book/`, `docs/`)


def loaded_by_tooling(path: Path) -> Location | None:
    """Where the developer tooling beside an env file loads it, so that each user keeps their own: a direnv
    `.envrc` (`dotenv`, `source .env`) or a justfile's `set dotenv-load`."""
    envrc = path.parent / ".envrc"  # direnv: `dotenv` loads the `.env` beside it, which each user keeps
    sourced = re.compile(rf"(?:^|[;&|]\s*)(?:source|\.)\s+(?:\./)?{re.escape(path.name)}(?=$|[\s;&|])")
    for i, line in enumerate(doc_lines(envrc) if envrc.is_file() else [], 1):
        code = line.split("#", 1)[0]
        words = code.split()
        if words[:1] in (["dotenv"], ["dotenv_if_exists"]) and (
            words[1:2] == [path.name] or (len(words) == 1 and path.name == ".env")
        ):
            return Location(envrc, i, 1)
        if sourced.search(code.strip()):  # `set -a && source .env && set +a`
            return Location(envrc, i, 1)
    return _justfile_loading(path)


def _justfile_loading(path: Path) -> Location | None:
    """The `set dotenv-load` line of a justfile beside ``path`` that loads it into every recipe."""
    from viworks_lint.wrappers import just_dotenv

    for name in ("justfile", "Justfile", ".justfile"):
        just = path.parent / name
        if not just.is_file():
            continue
        lines = doc_lines(just)
        if just_dotenv(just, "\n".join(lines)) != path:
            continue
        return next(
            (Location(just, i, 1) for i, line in enumerate(lines, 1) if line.startswith("set dotenv-")),
            Location(just, 1, 1),
        )
    return None
