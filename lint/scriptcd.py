"""Where a script builds: a script that moves into a folder (`cd "$ROOT/docker-proxy"`) and runs `docker build .`
there builds that folder as its context, with its default `Dockerfile`."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from viworks_lint.buildcli import build_args
from viworks_lint.dockerutil import commands, logical_lines

# the script's own folder, as scripts name it: `$ROOT`/`$DIR`/… set from `dirname "$0"`, or that expression
_SCRIPT_DIR = re.compile(
    r"^(?:\$\{?(?:ROOT|DIR|SCRIPT_DIR|SCRIPTDIR|SCRIPT_PATH|HERE|BASEDIR|BASE_DIR)\}?"
    r"|\$\(\s*dirname\s+\"?\$(?:0|\{?BASH_SOURCE(?:\[0\])?\}?)\"?\s*\)|\$\{BASH_SOURCE%/\*\})"
)


def cd_builds(script: Path, text: str, root: Path, context_rel: str) -> bool:
    """The script moves into the context folder (`cd "$ROOT/docker-proxy"`, `pushd docker-proxy`) and, before it
    moves elsewhere, runs `docker build … .` with the default Dockerfile there."""
    try:
        here = script.parent.relative_to(root).as_posix()
    except ValueError:
        return False
    want = posixpath.normpath(context_rel or ".")
    inside = False
    for _line, logical in logical_lines(text.replace("\r\n", "\n")):
        for cmd in commands(logical.split(" #", 1)[0].strip()):
            if cmd[0] in ("cd", "pushd", "popd"):
                target = cmd[1] if len(cmd) > 1 and cmd[0] != "popd" else ""
                m = _SCRIPT_DIR.match(target.strip("\"'"))
                if m is not None:
                    places = {posixpath.normpath(posixpath.join(here, target.strip("\"'")[m.end() :].lstrip("/")))}
                elif target and "$" not in target and not target.startswith("/"):
                    places = {posixpath.normpath(target), posixpath.normpath(posixpath.join(here, target))}
                else:
                    places = set()
                inside = want in places
            elif inside and (cmd[:2] == ["docker", "build"] or cmd[:3] == ["docker", "buildx", "build"]):
                rest = cmd[3:] if cmd[1] == "buildx" else cmd[2:]
                parsed = build_args(rest)
                if parsed.file is None and parsed.positional[-1:] in ((".",), ("./",)):
                    return True
    return False
