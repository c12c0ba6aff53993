"""How the repository itself runs compose: Makefiles, justfiles, Taskfiles, shell scripts, CI workflows,
cargo-make's ``Makefile.toml`` (see ``cargomake.py``) and documentation code blocks (see ``docruns.py``).
From each ``docker compose`` / ``docker-compose`` command it keeps the compose files (``-f``,
``COMPOSE_FILE``), ``--env-file``s, ``--profile``s, variables set in front of it (``VAR=… docker compose``),
variables the same job, script or recipe ``export``s before it (and a Makefile's top-level ``export``s), the
``export``s of a file it ``source``s (``. ./env.sh``) first, and the directory it runs in. A ``make T`` /
``just T`` / ``task T`` / ``cargo make T`` that runs after such exports (a README block's ``source env.sh``
then ``make compose``) passes them on to the compose commands of target ``T`` and the targets it depends on.
From ``cp``, ``touch``, ``mkdir -p``, ``install`` and ``> file`` it keeps the files those steps create (see
``filesteps.py``). Text is read line by line (see ``wrapperlines.py``); anything built from a variable the file
does not define is left out (no guess)."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from viworks_lint.composeruns import Invocation, compose_run
from viworks_lint.dockerutil import commands
from viworks_lint.docruns import is_doc, relocate
from viworks_lint.filesteps import Step, record_created
from viworks_lint.location import Location
from viworks_lint.parsers.common import ReadError, read_text
from viworks_lint.releases import ACTIONS_DIRS
from viworks_lint.taskruns import TaskRun, make_deps, norm_key, pass_on, resolve_path, task_run
from viworks_lint.wrapperlines import ARRAY_USE, job_of, logical_lines, shell_arrays, wrapper_kind

WRAPPER_NAMES = {
    "Makefile",
    "makefile",
    "GNUmakefile",
    "justfile",
    "Justfile",
    ".justfile",
    "Taskfile.yml",
    "Taskfile.yaml",
    "taskfile.yml",
    "taskfile.yaml",
    ".gitlab-ci.yml",
    ".gitlab-ci.yaml",
    "Makefile.toml",  # cargo-make
    "package.json",  # npm/yarn/pnpm `scripts`
}
MAX_WRAPPER_BYTES = 512 * 1024


def is_wrapper(path: Path, root: Path | None = None) -> bool:
    name = path.name
    if name in WRAPPER_NAMES or name.endswith((".mk", ".sh", ".bash", ".gitlab-ci.yml", ".gitlab-ci.yaml")):
        return True  # `ci/release.gitlab-ci.yml`: a file the pipeline `include:`s
    parent = path.parent
    if parent.name == "workflows" and parent.parent.name in ACTIONS_DIRS and name.endswith((".yml", ".yaml")):
        return True
    return is_doc(path, root)


@dataclass
class Wrappers:
    invocations: list[Invocation] = field(default_factory=list)
    created: dict[Path, list[Step]] = field(default_factory=dict)  # normalised path → the steps creating it
    task_runs: list[TaskRun] = field(default_factory=list)
    deps: dict[Path, dict[str, list[str]]] = field(default_factory=dict)  # task file → target → what runs with it


_ASSIGN = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*(?::=|\?=|\+=|=)\s*(.*)$")
_VAR = re.compile(r"\$(?:\(([A-Za-z_][A-Za-z0-9_]*)\)|\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
_DIRNAME = re.compile(r"\$\(\s*dirname\s+\"?\$\{?(?:0|BASH_SOURCE(?:\[0\])?)\}?\"?\s*\)")
# `$(cd "$(dirname "$0")/.." && pwd)` once the inner dirname is the script's folder: that folder
_CD_PWD = re.compile(r"\$\(\s*cd\s+\"?([^\s\"$`()]+)\"?\s*(?:&&|;)\s*pwd(?:\s+-P)?\s*\)")
_SUBSHELL_CD = re.compile(r"(?:^|[;&|]\s*)\(\s*(?:cd|pushd)\s")
_SUBST = re.compile(r"\$\([^()]*\)|`[^`]*`")
_ACTION_COMPOSE = re.compile(r"^\s+compose-files?:[ \t]*([^\n#]*)$", re.MULTILINE)
_CI_ENV = re.compile(r"^\s+([A-Z][A-Z0-9_]*):\s*\S", re.MULTILINE)
_GITHUB_ENV = re.compile(r"echo\s+[\"']?([A-Za-z_][A-Za-z0-9_]*)=[^\n]*>>\s*\"?\$\{?GITHUB_ENV")
_PREFIXES = {"sudo", "env", "exec", "time", "nohup", "command", "@", "-"}
_EXPORT = re.compile(r"^export\s+(.*)$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_GITHUB_STEP = re.compile(r"^\s+-\s+(?:name|run|uses|id|if|shell|env|with|working-directory)\s*:")


def _exported_names(line: str) -> set[str]:
    """The names an ``export A=1 B`` line exports (empty for any other line)."""
    m = _EXPORT.match(line.strip())
    if m is None:
        return set()
    out = set()
    for word in m.group(1).split():
        name = word.partition("=")[0]
        if word.startswith("-"):
            continue
        if not _NAME.match(name):
            break  # the rest of a value with spaces (`export A=${{ secrets.A }}`)
        out.add(name)
    return out


_JUST_SET = re.compile(r"^set\s+(dotenv-load|dotenv-filename|dotenv-path)\s*(?::=\s*(.+?))?\s*$", re.MULTILINE)


def just_dotenv(path: Path, text: str) -> Path | None:
    """The env file a justfile loads into its recipes' environment (`set dotenv-load`, with `dotenv-filename`
    or `dotenv-path` when set), else None."""
    if path.name.lower().lstrip(".") != "justfile":
        return None
    found = {
        m.group(1): (m.group(2) or "true").split("#", 1)[0].strip().strip("\"'") for m in _JUST_SET.finditer(text)
    }
    if found.get("dotenv-load") == "false":
        return None
    if "dotenv-path" in found:
        return resolve_path(path.parent, found["dotenv-path"])
    if "dotenv-filename" in found:
        return resolve_path(path.parent, found["dotenv-filename"])
    return path.parent / ".env" if found.get("dotenv-load") == "true" else None


def _expand(text: str, variables: dict[str, str]) -> str:
    def sub(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2) or m.group(3)
        return variables.get(name, m.group(0))

    for _ in range(3):  # variables defined from variables
        new = _VAR.sub(sub, text)
        if new == text:
            break
        text = new
    return text


def _heading_path(label: str) -> str:
    """A document section's headings (`§4:deploy / prepare / full stack` → `deploy / prepare / full stack`)."""
    return label.split(":", 1)[1] if label.startswith("§") and ":" in label else label


def _section_cwd(sections: dict[str, Path], label: str) -> Path | None:
    """The folder a subsection's commands start in: where its nearest enclosing section's own commands left
    the terminal (`## Prepare` says `cd docker`, its `### Full stack` subsection runs from there), else None. The
    top heading (a document's title) passes nothing on."""
    parts = _heading_path(label).split(" / ")
    for n in range(len(parts) - 1, 1, -1):  # not the document's title: its intro's `cd` is no section's
        found = sections.get(" / ".join(parts[:n]))
        if found is not None:
            return found
    return None



def parse_wrapper(path: Path, root: Path, out: Wrappers) -> None:
    try:
        if path.stat().st_size > MAX_WRAPPER_BYTES:
            return
        text = read_text(path)
    except (ReadError, OSError):
        return
    if path.name == "Makefile.toml":
        from viworks_lint.cargomake import parse_cargo_make

        parse_cargo_make(path, root, text, out)
        return
    kind = wrapper_kind(path, root)
    base = root if kind in ("ci", "docs") else path.parent
    variables: dict[str, str] = {}
    arrays = shell_arrays(text) if kind in ("script", "ci") and "=(" in text else {}
    if kind == "make" and path.suffix in (".yml", ".yaml"):
        out.deps[norm_key(path)] = {"": ["default"]}  # a Taskfile: its tasks' `deps:` are not read
    elif kind == "make":
        variables["MAKE"] = "make"  # `$(MAKE) up` runs a target of the same Makefile
        out.deps[norm_key(path)] = make_deps(text, just=path.name.lower().lstrip(".") == "justfile")
    if kind == "ci":  # the checkout: where a CI job runs
        variables.update(GITHUB_WORKSPACE=root.as_posix(), CI_PROJECT_DIR=root.as_posix())
        text = re.sub(r"\$\{\{\s*github\.workspace\s*\}\}", root.as_posix(), text)
    try:
        shown = path.relative_to(root).as_posix()
    except ValueError:
        shown = path.name
    first = len(out.invocations)
    make_exports: set[str] = set()  # a Makefile's top-level `export X = …`: every recipe's environment
    exported: set[str] = set()  # `export X=…` earlier in this CI job, script or doc: the shell that runs compose
    allexport = False  # `set -a` earlier in the same shell: every assignment (of a sourced file too) is exported
    current = None
    github = path.parent.name == "workflows"
    raw_lines = text.splitlines()
    cwd = base  # a script's (or a README section's terminal's) `cd` holds for the lines after it
    state = Shell()  # `cd -` and `pushd` folders of the shell so far
    subshells: list[Path] = []  # the folders to return to when a multi-line `( … )` ends
    sections: dict[str, Path] = {}  # a document's sections by heading path: the folder its commands left
    for lineno, line, label, indented in logical_lines(path, text, kind):
        step = github and _GITHUB_STEP.match(raw_lines[lineno - 1] if lineno <= len(raw_lines) else "")
        if label != current or step:  # each job, GitHub step and README section runs in a shell of its own
            if kind == "docs" and current is not None:
                sections[_heading_path(current)] = cwd
            start = _section_cwd(sections, label) if kind == "docs" else None
            current, exported, allexport, cwd, state, subshells = label, set(), False, start or base, Shell(), []
        opened = line.strip().startswith("(") and line.count("(") > line.count(")")
        if opened:
            subshells.append(cwd)
        line = _CD_PWD.sub(lambda m: m.group(1), _DIRNAME.sub(path.parent.as_posix(), line))
        names = _exported_names(line)
        if kind == "make" and not indented:
            make_exports |= names
        elif kind != "make":
            exported |= names
        m = _ASSIGN.match(line) if not (kind == "make" and indented) else None
        if m:
            value = m.group(2).split(" #")[0].strip()
            quoted = len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'"
            if quoted or " " not in value or kind == "make":
                variables.setdefault(m.group(1), value[1:-1] if quoted else value)
                if kind == "make" or " " not in value:
                    continue
        where = shown
        if label and kind in ("make", "ci"):
            where = f"{shown} ({'target' if kind == 'make' else 'job'} {label})"
        if arrays and "[" in line:
            line = ARRAY_USE.sub(lambda m: arrays.get(m.group(1), m.group(0)), line)
        line = _expand(line.replace("$$", "$") if kind == "make" else line, variables)
        for _ in range(3):  # `$(git describe)`, `` `date` ``: a value only the host knows
            line = _SUBST.sub("$SUBST", line)
        shell = _scan_line(
            path, lineno, line, label, kind, where, cwd, root, out, frozenset(exported | make_exports), allexport,
            state,
        )
        if kind != "make":  # a recipe line runs in a shell of its own
            exported |= shell.exported
            allexport = shell.allexport
            cwd, state = shell.cwd or cwd, shell
            if subshells and not opened and line.strip().startswith(")"):
                cwd = subshells.pop()  # the `( … )` block ends: its `cd` ends with it
    if github:  # an action that runs compose (`hoverkraft-tech/compose-action` with `compose-file: a.yaml`)
        for m in _ACTION_COMPOSE.finditer(text):
            lineno = text.count("\n", 0, m.start()) + 1
            value = m.group(1).strip()
            if value[:1] in ("|", ">", ""):  # a block: the files are the more indented lines below
                indent = len(raw_lines[lineno - 1]) - len(raw_lines[lineno - 1].lstrip())
                block: list[str] = []
                for nxt in raw_lines[lineno:]:
                    if nxt.strip() and len(nxt) - len(nxt.lstrip()) <= indent:
                        break
                    block.append(nxt.split("#", 1)[0])
                value = " ".join(block)
            given = [w for w in re.split(r"[\s,]+", value.strip("\"'")) if w and w != "-"]
            if not given:
                continue
            flags = [a for n in given for a in ("-f", n.strip("\"'"))]
            loc = Location(path, lineno, 1)
            job = job_of(raw_lines, lineno)
            _add(out, compose_run([*flags, "up"], {}, base, loc, shown, kind, job, m.group(0).strip()))
    dotenv = just_dotenv(path, text)
    if dotenv is not None:  # `set dotenv-load`: just exports the `.env` beside the justfile to every recipe
        for i in range(first, len(out.invocations)):
            out.invocations[i] = replace(out.invocations[i], shell_env_files=(dotenv,))
    if kind == "ci":  # `env:` keys and `echo "X=…" >> $GITHUB_ENV` of the workflow reach its compose runs
        names = set(_CI_ENV.findall(text)) | set(_GITHUB_ENV.findall(text))
        for i in range(first, len(out.invocations)):
            inv = out.invocations[i]
            out.invocations[i] = replace(inv, variables=tuple(sorted(set(inv.variables) | names)))


@dataclass(frozen=True)
class Shell:
    """What a line leaves in its shell for the lines after it."""

    exported: frozenset[str] = frozenset()
    allexport: bool = False
    cwd: Path | None = None
    previous: Path | None = None  # the folder `cd -` goes back to
    stack: tuple[Path, ...] = ()  # `pushd`'s folders, for `popd`


def _scan_line(
    path: Path,
    lineno: int,
    line: str,
    label: str,
    kind: str,
    where: str,
    base: Path,
    root: Path,
    out: Wrappers,
    exported: frozenset[str] = frozenset(),
    allexport: bool = False,
    prior: Shell | None = None,
) -> Shell:
    cwd = base
    previous, stack = (prior.previous, list(prior.stack)) if prior is not None else (None, [])
    loc = Location(path, lineno, 1)
    new: set[str] = set()
    for words in commands(line):
        if words and words[0] == "export":  # `export X=1 && docker compose up` in one recipe line
            names = _exported_names(" ".join(words))
            exported, new = exported | names, new | names
            continue
        if words and words[0] == "set":
            allexport = _allexport(words[1:], allexport)
            continue
        if len(words) >= 2 and words[0] in ("source", "."):  # `. ./env.sh`: the variables it exports
            names = _sourced_names(words[1], (cwd, path.parent, root), allexport)
            exported, new = exported | names, new | names
            continue
        if allexport and words and all(re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", w) for w in words):
            names = {w.partition("=")[0] for w in words}
            exported, new = exported | names, new | names
            continue
        assigned = {k: "" for k in exported if k not in ("COMPOSE_FILE", "COMPOSE_PROFILES")}
        while words and (words[0] in _PREFIXES or re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0])):
            if "=" in words[0] and words[0] not in _PREFIXES:
                k, _, v = words[0].partition("=")
                assigned[k] = v
            words = words[1:]
        if not words:
            continue
        prog = posixpath.basename(words[0])
        if prog == "popd" or (prog == "cd" and words[1:2] == ["-"]):
            back = stack.pop() if prog == "popd" and stack else (previous if prog == "cd" else None)
            previous, cwd = cwd, back or cwd
            continue
        if prog in ("cd", "pushd") and len(words) >= 2:
            if prog == "pushd":
                stack.append(cwd)
            previous = cwd
            target = resolve_path(cwd, words[1])
            # a folder of the repository; not an install folder (`cd /srv/app` after downloading the compose
            # file there): its files are the repository's, as the commands that follow name them
            if target is not None and target.is_dir() and (target == root or root in target.parents):
                cwd = target
            continue
        # as the repository reads: the script's folder and the CI workspace were filled in as absolute paths
        step_text = _relative_text(" ".join(words), root)
        record_created(words, prog, cwd, root, Step(step_text, where, loc), out)
        if prog == "docker" and len(words) > 1 and words[1] == "compose":
            _add(out, compose_run(words[2:], assigned, cwd, loc, where, kind, label, step_text))
        elif prog in ("docker-compose", "podman-compose"):
            _add(out, compose_run(words[1:], assigned, cwd, loc, where, kind, label, step_text))
        elif prog == "docker" and words[1:3] == ["stack", "deploy"]:  # a swarm stack
            _add(out, compose_run(words[3:], assigned, cwd, loc, where, kind, label, step_text, stack=True))
        else:
            passed = frozenset(k for k in assigned if k not in ("COMPOSE_FILE", "COMPOSE_PROFILES"))
            run = task_run(words, prog, cwd, passed) if passed else None
            if run is not None:
                out.task_runs.append(run)
    if _SUBSHELL_CD.search(line):  # `(cd web && npm ci)`: the subshell's directory ends with it
        cwd, stack = base, list(prior.stack) if prior is not None else []
    return Shell(frozenset(new), allexport, cwd, previous, tuple(stack))


def _allexport(flags: list[str], current: bool) -> bool:
    """``set -a`` / ``set -o allexport`` turn automatic export on, ``set +a`` / ``set +o allexport`` off."""
    for i, f in enumerate(flags):
        if f in ("-o", "+o") and flags[i + 1 : i + 2] == ["allexport"]:
            current = f == "-o"
        elif f[:1] in "-+" and not f.startswith(("--", "++")) and "a" in f[1:] and "o" not in f[1:]:
            current = f[0] == "-"
    return current


def _sourced_names(word: str, bases: tuple[Path, ...], allexport: bool) -> set[str]:
    """The names a sourced shell file exports: its ``export X=…`` lines, and every assignment while
    ``set -a`` is on (in the file, or in the shell that sources it)."""
    if "$" in word or "`" in word:
        return set()
    for base in bases:
        p = resolve_path(base, word)
        try:
            if p is not None and p.is_file() and p.stat().st_size <= MAX_WRAPPER_BYTES:
                text = read_text(p)
                break
        except (ReadError, OSError):
            continue
    else:
        return set()
    names: set[str] = set()
    on = allexport
    for raw in text.splitlines():
        line = raw.strip()
        words = line.split()
        if words[:1] == ["set"]:
            on = _allexport(words[1:], on)
            continue
        names |= _exported_names(line)
        m = _ASSIGN.match(line) if on and "=" in line else None
        if m is not None and re.match(r"^(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*=", line):
            names.add(m.group(1))
    return names


def _add(out: Wrappers, inv: Invocation | None) -> None:
    if inv is not None:
        out.invocations.append(inv)


def read_wrappers(root: Path, paths: list[Path], compose_files: Sequence[Path] = ()) -> Wrappers:
    """The wrappers' compose runs and file-creating steps; ``compose_files`` (the repository's) are what a
    documentation page's install-folder paths are matched against (see ``docruns.py``)."""
    out = Wrappers()
    for p in sorted(paths):
        parse_wrapper(p, root, out)
    pass_on(out)
    out.invocations = [relocate(inv, compose_files) for inv in out.invocations]
    return out


def _relative_text(text: str, root: Path) -> str:
    """A command's words with the repository's absolute path written as the path inside it (`./x`, `.`)."""
    top = root.as_posix().rstrip("/")
    if not top:
        return text  # the repository at `/`: every path is its own
    pattern = r"(?<![\w./-])" + re.escape(top) + r"(?:/|(?=[\s\"':;]|$))"
    return re.sub(pattern, lambda m: "./" if m.group(0).endswith("/") else ".", text)
