"""Whether an image's start drops root before the app runs: the ENTRYPOINT/CMD (or the entrypoint script it
runs, in its last command) starts the program through a privilege-dropping tool (``su-exec``, ``gosu``,
``setpriv --reuid``, ``runuser -u``, ``s6-setuidgid``, ``chpst -u``, ``chroot --userspec``) naming a non-root
user the image has. The usual "fix volume ownership as root, then run the app as its user" entrypoint."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from viworks_lint.baseimages import OS_BASES, is_base
from viworks_lint.dockerutil import commands, is_root_user, logical_lines, run_text
from viworks_lint.images import distro_users, lookup, packages_without_accounts
from viworks_lint.location import Location
from viworks_lint.parsers.dockerfile import Dockerfile, Stage
from viworks_lint.project import Build, Project
from viworks_lint.scripts import entry_script
from viworks_lint.stagecontents import build_contents

# tools that run their argument as another user: name → how the user is given
_POSITIONAL = frozenset({"su-exec", "gosu", "s6-setuidgid"})  # `gosu USER cmd…`
_OPTION = {  # `tool --opt USER cmd…` / `tool --opt=USER cmd…`
    "setpriv": ("--reuid", "--ruid"),
    "runuser": ("-u", "--user"),
    "chpst": ("-u",),
    "chroot": ("--userspec",),
}
# users every base image with /etc/passwd has
_STANDARD_USERS = frozenset({"nobody", "daemon"})
_CREATES_USER = re.compile(r"\b(?:adduser|useradd|addgroup|groupadd)\b")


@dataclass(frozen=True)
class Drop:
    tool: str
    user: str
    location: Location  # the instruction or script line that drops root


def dropped_user(words: list[str]) -> tuple[str, str] | None:
    """``(tool, user)`` when ``words`` (a command, past ``exec``) runs its program as ``user`` through a
    privilege-dropping tool."""
    if words[:1] == ["exec"]:
        words = words[1:]
    if not words:
        return None
    tool = posixpath.basename(words[0])
    rest = words[1:]
    if tool in _POSITIONAL:
        args = [w for w in rest if not w.startswith("-")]
        return (tool, args[0].split(":", 1)[0]) if len(args) >= 2 else None
    for i, w in enumerate(rest):
        for opt in _OPTION.get(tool, ()):
            if w == opt and i + 1 < len(rest):
                return tool, rest[i + 1].split(":", 1)[0]
            if w.startswith(opt + "="):
                return tool, w[len(opt) + 1 :].split(":", 1)[0]
    return None


def _user_exists(df: Dockerfile, stage: Stage, user: str) -> bool:
    """A numeric uid, a user every base has, or one a RUN of the stage (or a stage it is built on) creates."""
    if user.isdecimal() or user in _STANDARD_USERS:
        return True
    if "$" in user:
        # a user the deployment configures (`gosu "$PUID:$PGID" app`): a drop, unless the image or the default
        # says root (`ENV RUN_AS=root`, `${RUN_AS:-root}`)
        m = re.fullmatch(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}?", user.strip("\"'"))
        if m is None:
            return True
        found = stage.state.env.get(m.group(1))
        value = found[0] if found is not None else m.group(2)
        return value is None or not is_root_user(value)
    for current in df.lineage(stage):
        for ins in current.instructions:
            if ins.cmd != "RUN":
                continue
            for cmd in commands(run_text(ins)):
                if cmd and _CREATES_USER.fullmatch(posixpath.basename(cmd[0])) and user in cmd[1:]:
                    return True
    return False


# options of adduser/useradd that take no value (busybox `-D -S -H`, Debian `--disabled-password --system`)
_NO_VALUE = frozenset({
    "-D", "-S", "-H", "-q", "-r", "-m", "-M", "-N", "-U", "--disabled-password", "--disabled-login", "--system",
    "--no-create-home", "--quiet", "--group", "--force-badname", "--debug", "--create-home", "--user-group",
})  # fmt: skip


def _created_names(cmd: list[str]) -> list[str]:
    """The names an `adduser`/`useradd` command gives (options and their values skipped)."""
    names: list[str] = []
    i = 1
    while i < len(cmd):
        w = cmd[i]
        if w.startswith("-"):
            i += 1 if (w in _NO_VALUE or "=" in w) else 2
            continue
        names.append(w.strip("\"'"))
        i += 1
    return names


def _script_creates(text: str, user: str) -> bool:
    """The entrypoint script creates the user itself before it drops to it (`adduser --uid "$USER_ID" app`); not
    Debian's `adduser app docker`, which adds an existing user to a group."""
    for _n, logical in logical_lines(text.replace("\r\n", "\n")):
        for cmd in commands(logical.strip()):
            tool = posixpath.basename(cmd[0]) if cmd else ""
            if tool not in ("adduser", "useradd"):
                continue
            names = _created_names(cmd)
            if names[:1] == [user] and not (tool == "adduser" and len(names) == 2):
                return True
    return False


_WAIT = re.compile(r"^\s*wait(?:\s|$)", re.MULTILINE)


def _background_drop(text: str) -> tuple[tuple[str, str], int] | None:
    """The script starts its program in the background through a privilege-dropping tool and then `wait`s for
    it (`gosu app ./all-in-one &`, later `wait $PID`): the tool and user, and the line."""
    if _WAIT.search(text) is None:
        return None
    for n, logical in logical_lines(text.replace("\r\n", "\n")):
        line = logical.split("#", 1)[0].rstrip()
        if not line.endswith("&") or line.endswith("&&"):
            continue
        for cmd in commands(line.rstrip("&").strip()):
            found = dropped_user(cmd)
            if found is not None:
                return found, n
    return None


def _exec_drop(text: str) -> tuple[tuple[str, str], int] | None:
    """An `exec` through a privilege-dropping tool of the container's own command (`exec su-exec app "$@"`)
    inside the `if`/`case` branches a script ends with (no `exec "$@"` as root after them): the way the script
    means the program to run."""
    for n, logical in logical_lines(text.replace("\r\n", "\n")):
        line = logical.split("#", 1)[0].strip()
        if "exec" not in line or "$@" not in line:
            continue
        for cmd in commands(line):
            if cmd[:1] == ["exec"] and "$@" in cmd and (found := dropped_user(cmd[1:])) is not None:
                return found, n
    return None


def _last_command(text: str) -> tuple[list[str], int] | None:
    """The script's last top-level command line (comments and blank lines skipped, backslash continuations
    joined) as words, with its first line."""
    for n, logical in reversed(logical_lines(text.replace("\r\n", "\n"))):
        line = logical.strip()
        if not line or line.startswith("#"):
            continue
        cmds = commands(line)
        return (cmds[-1], n) if cmds else None
    return None


_Candidate = tuple[str, str, Location, str]


def _drop_candidate(project: Project, build: Build, stage: Stage) -> _Candidate | None:
    """The privilege-dropping command the image starts its program with (tool, user, where, the script's text),
    whether or not the user exists; read once per build and stage (VW401 asks for the drop and for a broken one)."""
    cache: dict[tuple[int, int], _Candidate | None] = project.__dict__.setdefault("_drop_candidates", {})
    key = (id(build), stage.index)
    if key not in cache:
        cache[key] = _find_drop(project, build, stage)
    return cache[key]


def _find_drop(project: Project, build: Build, stage: Stage) -> _Candidate | None:
    svc = build.service
    entry, cmd = stage.state.entrypoint, stage.state.cmd
    if svc is not None and (svc.entrypoint is not None or (entry is None and svc.command is not None)):
        return None  # compose starts something else
    instr = entry if entry is not None else cmd
    if instr is None or not instr.json or instr.exec_error is not None:
        return None
    found: tuple[str, str] | None = dropped_user(list(instr.args))
    where = instr.location
    script_text = ""
    if found is None:
        script = entry_script(project, build, stage, instr)
        last = _last_command(script.text) if script is not None else None
        if script is None or last is None:
            return None  # without `exec` the shell stays PID 1 (VW403), but the app still runs as that user
        found = dropped_user(last[0])
        where = Location(script.host, last[1], 1)
        script_text = script.text
        if found is None and (bg := _background_drop(script.text)) is not None:
            found, line = bg  # `gosu app ./server &` … `wait $PID`: the app runs as that user, the shell waits
            where = Location(script.host, line, 1)
        ends_in_branches = last[0][:1] in (["fi"], ["esac"])  # no program started after the `if`/`case` either
        if found is None and ends_in_branches and (branch := _exec_drop(script.text)) is not None:
            found, line = branch  # `if [ "$(id -u)" = 0 ]; then exec su-exec app "$@"; fi`, inside the branches
            where = Location(script.host, line, 1)
    if found is None or is_root_user(found[1]):
        return None
    img = build_contents(project, build)
    if img is not None and img.has_program(found[0]) is False:
        return None
    return found[0], found[1], where, script_text


def privilege_drop(project: Project, build: Build, df: Dockerfile, stage: Stage) -> Drop | None:
    """How the image drops root before its program runs; None when it does not (or it cannot be shown): the
    dropping tool must not be one the image lacks (VW209's facts) and the user must exist in the image."""
    found = _drop_candidate(project, build, stage)
    if found is None:
        return None
    tool, user, where, script_text = found
    if not (
        _user_exists(df, stage, user)
        or _script_creates(script_text, user)
        or _base_may_have(df, stage)
        or _image_may_create(df, stage, user)
    ):
        return None
    return Drop(tool, user, where)


_INSTALL = re.compile(r"^(?:apk|apt-get|apt|dnf|yum|microdnf|zypper)$")


def _installed(cmd: list[str]) -> list[str] | None:
    """The packages a package-manager command installs (`apk add --no-cache a b`), None when it is none."""
    if not cmd or not _INSTALL.match(posixpath.basename(cmd[0])):
        return None
    if not any(w in ("add", "install") for w in cmd[1:3]):
        return None
    words = cmd[cmd.index(next(w for w in cmd[1:3] if w in ("add", "install"))) + 1 :]
    return [re.split(r"[=~<>]", w)[0] for w in words if not w.startswith("-")]


def _image_may_create(df: Dockerfile, stage: Stage, user: str) -> bool:
    """Something in the image may create the user though no `adduser` names it: an `adduser`/`useradd` whose name
    comes from a variable, a package that is not known to create no account (`apk add postgresql16` makes
    `postgres`), a script the image runs, or files copied over `/` or `/etc` (a passwd of its own)."""
    quiet = packages_without_accounts()
    for current in df.lineage(stage):
        for ins in current.instructions:
            if ins.cmd in ("COPY", "ADD") and ins.values and ins.values[-1].rstrip("/") in ("", "/etc", "/etc/passwd"):
                return True
            if ins.cmd != "RUN":
                continue
            for cmd in commands(run_text(ins)):
                tool = posixpath.basename(cmd[0]) if cmd else ""
                if tool in ("adduser", "useradd") and any("$" in n for n in _created_names(cmd)[:1]):
                    return True
                packages = _installed(cmd)
                if packages is not None and any(p not in quiet for p in packages):
                    return True
                if tool in ("sh", "bash", "ash", "dash") and len(cmd) > 1 and not cmd[1].startswith("-"):
                    return True  # `sh /tmp/setup.sh`: a script of its own
                if cmd[0].endswith(".sh") or (cmd[0].startswith(("./", "/")) and tool not in _SYSTEM_TOOLS):
                    return True
    return False


_SYSTEM_TOOLS = frozenset({"chmod", "chown", "mkdir", "rm", "ln", "cp", "mv", "echo", "sed", "cat", "touch", "true"})


def _base_may_have(df: Dockerfile, stage: Stage) -> bool:
    """The final stage is built on an image that may bring accounts of its own (`node`, `postgres`, a company
    base): not a bare operating system image, whose accounts are known."""
    root = df.root_base(stage)
    return bool(root.strip()) and "$" not in root and not is_base(root, OS_BASES)


def unknown_drop_user(project: Project, build: Build, df: Dockerfile, stage: Stage) -> Drop | None:
    """The image drops root to a user it does not have: the final stage is built on an operating system image
    whose accounts are known (rules/images.json ``distro_users``), the user is not one of them, no RUN of the
    stage or the stages it is built on names it (no `adduser`, no package that creates it), nothing is copied
    over /etc/passwd, and the entrypoint script does not create it. `su-exec`, `gosu` and the others then fail
    to look the user up and the container exits at start. None when the drop cannot be shown broken."""
    found = _drop_candidate(project, build, stage)
    if found is None:
        return None
    tool, user, where, script_text = found
    if "$" in user or user.isdecimal() or _user_exists(df, stage, user) or _script_creates(script_text, user):
        return None
    root = df.root_base(stage)
    accounts = distro_users(lookup(root, project.config.base_images).distro) if is_base(root, OS_BASES) else None
    if accounts is None or user in accounts:
        return None
    if _image_may_create(df, stage, user):
        return None
    return Drop(tool, user, where)
