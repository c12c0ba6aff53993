"""Where a script builds: a script that moves into a folder (`cd "$ROOT/docker-proxy"`, `cd "${DOCKER_DIR}"` with
`DOCKER_DIR="${WORKING_DIR}/docker"` and `WORKING_DIR=$(pwd)`) and runs `docker build … .` there builds that folder
as its context, with the `-f` file taken from that folder too (the Docker CLI reads `-f` from the folder it runs in).

The folder a script starts in is not known (it is run from the repository root or from its own folder): a path
built from `$(pwd)` before any `cd` stands for both, and each build pairs its Dockerfile and context per candidate."""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache
from pathlib import Path

from viworks_lint.buildcli import build_args
from viworks_lint.dockerutil import commands, logical_lines

# the script's own folder, as scripts name it: `$ROOT`/`$DIR`/… set from `dirname "$0"`, or that expression
_SCRIPT_DIR = re.compile(
    r"^(?:\$\{?(?:ROOT|DIR|SCRIPT_DIR|SCRIPTDIR|SCRIPT_PATH|HERE|BASEDIR|BASE_DIR)\}?(?![\w])"
    r"|\$\(\s*dirname\s+\"?\$(?:0|\{?BASH_SOURCE(?:\[0\])?\}?)\"?\s*\)|\$\{BASH_SOURCE%/\*\})"
)
# the folder the shell is in at that point
_CWD = re.compile(r"^(?:\$\(\s*pwd\s*\)|`pwd`|\$\{PWD\}|\$PWD(?![\w]))")
_TOPLEVEL = re.compile(r"^\$\(\s*git\s+rev-parse\s+--show-toplevel\s*\)")
_CD_PWD = re.compile(r"\$\(\s*cd\s+(\S+)\s*(?:&&|;)\s*pwd(?:\s+-P)?\s*\)")
_VAR = re.compile(r"^\$\{([A-Za-z_]\w*)\}|^\$([A-Za-z_]\w*)")
_ASSIGN = re.compile(r"^\s*(?:export\s+|local\s+|readonly\s+|declare\s+(?:-\w+\s+)?)?([A-Za-z_]\w*)=(\S*)\s*(?:#.*)?$")
# any other assignment of a whole line (a value with spaces: `$(mktemp -d)`): the variable is no longer known, but
# `$(git rev-parse --show-toplevel)` is the repository root
_ASSIGN_ANY = re.compile(r"^\s*(?:export\s+|local\s+|readonly\s+)?([A-Za-z_]\w*)=(.+)$")

Places = frozenset[str]


def _unquote(word: str) -> str:
    if len(word) >= 2 and word[0] == word[-1] and word[0] in "\"'":
        return word[1:-1]
    return word.replace('"', "")


def _join(base: str, rest: str) -> str | None:
    """``rest`` inside ``base`` (both relative to the repository), or None when it leaves the repository or is an
    absolute or home path (`/tmp/build`, `~/src`)."""
    if rest.startswith(("/", "~")):
        return None
    path = posixpath.normpath(posixpath.join(base, rest)) if rest else posixpath.normpath(base)
    return None if path == ".." or path.startswith("../") else path


class _Shell:
    """The folders a script can be in and the folders its variables name, line by line."""

    def __init__(self, here: str) -> None:
        self.here = here
        self.cwd: Places | None = None  # None: where it started (or somewhere not known)
        self.moved = False  # the script moved to a folder it names
        self.stack: list[tuple[Places | None, bool]] = []
        self.vars: dict[str, Places | None] = {}

    def _current(self) -> Places:
        return self.cwd if self.cwd is not None else frozenset({self.here, "."})

    def expand(self, word: str) -> Places | None:
        """The repository folders ``word`` can name, or None when a part of it is not known."""
        word = _unquote(word)
        prefixes: Places = frozenset({""})
        rest = word
        while "$" in rest or "`" in rest:
            at = min(i for i in (rest.find("$"), rest.find("`")) if i >= 0)
            literal, rest = rest[:at], rest[at:]
            prefixes = frozenset(p + literal for p in prefixes)
            values: Places | None
            if (m := _VAR.match(rest)) is not None and (m.group(1) or m.group(2)) in self.vars:
                values = self.vars[m.group(1) or m.group(2)]  # what the script assigned wins over the name
            elif (m := _SCRIPT_DIR.match(rest)) is not None:
                values = frozenset({self.here})
            elif (m := _CWD.match(rest)) is not None:
                values = self._current()
            elif (m := _TOPLEVEL.match(rest)) is not None:
                values = frozenset({"."})
            else:
                return None  # a command substitution, or a variable the script never assigned
            if values is None:
                return None
            prefixes = frozenset(p + v for p in prefixes for v in values)
            rest = rest[m.end() :]
        return frozenset(path for p in prefixes if (path := _join(".", p + rest)) is not None) or None

    def cd(self, target: str | None) -> None:
        if target is None or target in ("", "-", "~"):
            self.cwd, self.moved = None, False
            return
        if "$" in target or "`" in target:
            self.cwd = self.expand(target)
        else:
            self.cwd = frozenset(p for b in self._current() if (p := _join(b, _unquote(target))) is not None) or None
        self.moved = self.cwd is not None

    def assign(self, name: str, value: str) -> None:
        self.vars[name] = self.expand(value) if value else None


@lru_cache(maxsize=256)
def script_builds(script: Path, text: str, root: Path) -> frozenset[tuple[str, str]]:
    """Each `docker build` the script runs after moving into a folder: (Dockerfile, context), relative to
    ``root``, for every folder the script can be in there."""
    try:
        here = script.parent.relative_to(root).as_posix()
    except ValueError:
        return frozenset()
    sh = _Shell(posixpath.normpath(here))
    makefile = script.name in ("Makefile", "makefile", "GNUmakefile") or script.suffix == ".mk"
    out: set[tuple[str, str]] = set()
    for _line, logical in logical_lines(text.replace("\r\n", "\n")):
        code = logical.split(" #", 1)[0].strip()
        if (a := _ASSIGN.match(code)) is not None:
            sh.assign(a.group(1), a.group(2))
            continue
        if (a := _ASSIGN_ANY.match(code)) is not None and not a.group(2).lstrip().startswith("("):
            value = _unquote(a.group(2).strip())
            inner = _CD_PWD.fullmatch(value)  # `$(cd "$(dirname "$0")/.." && pwd)`: that folder
            sh.assign(a.group(1), inner.group(1) if inner is not None else value)
            continue
        if makefile:
            sh.cwd, sh.moved, sh.stack = None, False, []  # each recipe line runs in a shell of its own
        saved = (sh.cwd, sh.moved) if code.startswith("(") else None  # `( cd web && … )`: a subshell
        for cmd in commands(code):
            if cmd[0] in ("cd", "pushd"):
                if cmd[0] == "pushd":
                    sh.stack.append((sh.cwd, sh.moved))
                sh.cd(next((w for w in cmd[1:] if not w.startswith("-") and not w.startswith(">")), None))
            elif cmd[0] == "popd":
                sh.cwd, sh.moved = sh.stack.pop() if sh.stack else (None, False)
            elif sh.moved and sh.cwd is not None and _is_build(cmd):
                parsed = build_args(cmd[3:] if cmd[1] in ("buildx", "image") else cmd[2:])
                if not parsed.positional or parsed.file == "-":
                    continue
                for base in sh.cwd:
                    ctx = _join(base, parsed.positional[-1])
                    if ctx is None or "$" in ctx:
                        continue
                    df = _join(base, parsed.file) if parsed.file else _join(ctx, "Dockerfile")
                    if df is not None and "$" not in df:
                        out.add((df, ctx))
        if saved is not None:
            sh.cwd, sh.moved = saved
    return frozenset(out)


def _is_build(cmd: list[str]) -> bool:
    return len(cmd) > 2 and cmd[0] in ("docker", "podman") and (
        cmd[1] == "build" or (cmd[1] in ("buildx", "image") and cmd[2] == "build")
    )


def cd_builds(script: Path, text: str, root: Path, dockerfile_rel: str, context_rel: str) -> bool:
    """The script moves into a folder and there builds ``dockerfile_rel`` with the context ``context_rel``."""
    pair = (posixpath.normpath(dockerfile_rel), posixpath.normpath(context_rel or "."))
    return pair in script_builds(script, text, root)


def cd_contexts(script: Path, text: str, root: Path, dockerfile_rel: str) -> set[str]:
    """The contexts the script builds ``dockerfile_rel`` with from a folder it moved into."""
    rel = posixpath.normpath(dockerfile_rel)
    return {ctx for df, ctx in script_builds(script, text, root) if df == rel}
