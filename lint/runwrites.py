"""Paths a Dockerfile ``RUN`` may create files under, read from its shell text: redirections, ``touch``,
``cp``/``mv``/``ln`` targets, ``git clone``, ``curl -o``/``wget``, ``tar -C``/``unzip -d``, and cargo's own
outputs (``target/``, a generated ``Cargo.lock``, the skeleton ``cargo chef cook`` leaves). Programs known
to write only into system locations (package managers, ``cargo install <crate>``, ``rustup``, …) write
nothing here; anything else (a script, a build tool) may write anywhere, and then the answer is ``/``."""

from __future__ import annotations

import posixpath
import re

from viworks_lint.cargocmd import installs_from_registry
from viworks_lint.dockerutil import commands, run_text
from viworks_lint.parsers.dockerfile import Instruction


def image_path(workdir: str, path: str) -> str:
    """``path`` as an absolute, normalised image path (relative paths are taken from ``workdir``; a leading `//`,
    which POSIX path normalisation keeps, is `/` in an image)."""
    out = posixpath.normpath(path if path.startswith("/") else posixpath.join(workdir, path))
    return "/" + out.lstrip("/") if out.startswith("//") else out


# programs that create no file in the project's directories (they install into system locations, or
# change files that are already there)
_QUIET = {
    "apt-get", "apt", "apk", "yum", "dnf", "microdnf", "rustup", "update-ca-certificates", "useradd",
    "adduser", "groupadd", "addgroup", "usermod", "rm", "rmdir", "chmod", "chown", "ls", "true", "false",
    "set", "export", "unset", "ldconfig", "strip", "which", "rustc", "sleep", "test", "[", "echo", "printf",
    "cat", "mkdir", "sed", "grep", "id", "whoami", "env", "pwd", "uname", "dpkg", "locale-gen", "pip",
    "pip3", "apt-mark", "install_packages", "install-packages", "xx-apt-get", "xx-apk", "xx-verify", "upx",
    "file", "du", "df", "sccache", "ccache", "ldd", "readelf", "find", ".", "source", "xx-info", "tar-verify",
}  # fmt: skip
_SHELLS = {"sh", "bash", "ash", "dash", "zsh"}
_ANYWHERE = [("/", "unknown")]


def run_writes(instr: Instruction, workdir: str, text: str | None = None) -> list[tuple[str, str]]:
    """(image path, kind) of the trees a RUN may create files under; ``/`` when it cannot be told."""
    out: list[tuple[str, str]] = []
    cwd = workdir
    for raw in commands(run_text(instr) if text is None else text):
        words = list(raw)
        while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
            words = words[1:]  # VAR=value cmd
        while words and words[0] in ("sudo", "exec", "time", "nice", "command", "if", "then", "else", "elif", "do",
                                     "while", "until", "!", "{"):  # fmt: skip
            words = words[1:]
        if words[:1] == ["for"] or words[:1] in (["fi"], ["done"], ["}"]):
            continue  # `for x in a b`: the loop header writes nothing (its body is judged on its own)
        if not words:
            continue
        kept: list[str] = []
        pending = ""  # "w": the next word is a file written, "s": skipped (stderr)
        for w in words:  # redirections write files wherever they point
            if pending:
                if pending == "w" and w != "/dev/null":
                    if "$" in w or "`" in w:
                        return _ANYWHERE
                    out.append((image_path(cwd, w), "unknown"))
                pending = ""
            elif w in (">", ">>", "1>", "1>>"):
                pending = "w"
            elif w in ("2>", "2>>"):
                pending = "s"
            elif w.startswith((">", "1>")) and w.lstrip("1>"):
                target = w.lstrip("1>")
                if "$" in target or "`" in target:
                    return _ANYWHERE
                if target != "/dev/null":
                    out.append((image_path(cwd, target), "unknown"))
            elif not w.startswith("2>"):
                kept.append(w)
        words = kept
        if not words or words[0].isdecimal():
            continue  # `2>&1` splits into a lone `1`
        prog = posixpath.basename(words[0])
        if prog in ("cargo", "cross", "xx-cargo"):
            out.extend(_cargo_writes(words[1:], cwd))
            continue
        if prog in _QUIET:
            continue
        if any("$" in w or "`" in w for w in words[1:]):
            return _ANYWHERE
        if prog == "cd" and len(words) >= 2:
            cwd = image_path(cwd, words[1])
        elif prog == "git" and "clone" in words[1:3]:
            args = [w for w in words[words.index("clone") + 1 :] if not w.startswith("-")]
            if len(args) >= 2:
                out.append((image_path(cwd, args[1]), "unknown"))
            elif args:
                out.append((image_path(cwd, posixpath.basename(args[0].rstrip("/")).removesuffix(".git")), "unknown"))
        elif prog == "git":
            continue
        elif prog in _SHELLS and "-c" in words[1:-1]:
            out.extend(run_writes(instr, cwd, words[words.index("-c") + 1]))
        elif prog in _SHELLS and (len(words) == 1 or words[1].startswith("-")):
            continue  # `curl … | sh -s -- -y`: an installer read from stdin
        elif prog in ("touch", "tee"):
            out.extend((image_path(cwd, w), "unknown") for w in words[1:] if not w.startswith("-"))
        elif prog in ("cp", "mv", "install", "ln") and len(words) >= 3:
            out.append((image_path(cwd, words[-1]), "unknown"))
        elif prog in ("curl", "wget"):
            for k, w in enumerate(words[:-1]):
                if w in ("-o", "--output", "-O", "--output-document") and not words[k + 1].startswith("-"):
                    out.append((image_path(cwd, words[k + 1]), "unknown"))
            if (prog == "wget" and "-O" not in words) or "--remote-name" in words:
                out.append((cwd, "unknown"))  # the remote name, in the working directory
        elif prog in ("tar", "unzip"):
            flag = "-C" if prog == "tar" else "-d"
            where = words[words.index(flag) + 1] if flag in words[:-1] else "."
            out.append((image_path(cwd, where), "unknown"))
        else:
            return _ANYWHERE  # a script, a build tool, anything else: it may write anywhere
    return out


def _cargo_writes(args: list[str], cwd: str) -> list[tuple[str, str]]:
    while args and args[0].startswith("+"):
        args = args[1:]
    if not args:
        return []
    sub = args[0]
    if sub == "install":
        return [] if installs_from_registry(["install", *args[1:]]) else [(image_path(cwd, "target"), "unknown")]
    target_dir = image_path(cwd, "target")
    for k, a in enumerate(args[:-1]):
        if a == "--target-dir":
            target_dir = image_path(cwd, args[k + 1])
    if sub in ("build", "b", "check", "c", "test", "t", "run", "r", "clippy", "doc", "auditable", "zigbuild"):
        if "--locked" in args or "--frozen" in args:
            return [(target_dir, "unknown")]
        return [(target_dir, "unknown"), (image_path(cwd, "Cargo.lock"), "unknown")]  # a missing lock is made
    if sub in ("fetch", "generate-lockfile", "update"):
        return [(image_path(cwd, "Cargo.lock"), "unknown")]
    if sub in ("new", "init"):
        rest, paths = args[1:], []
        skip = False
        for a in rest:  # `cargo init --vcs none`: `none` is the option's value, not the path
            if skip:
                skip = False
            elif a in ("--vcs", "--name", "--edition", "--registry", "--config", "-Z"):
                skip = True
            elif not a.startswith("-"):
                paths.append(a)
        if paths and ("$" in paths[0] or "`" in paths[0]):
            return list(_ANYWHERE)  # `cargo new --bin $APP_NAME`: a folder named by a variable, anywhere
        return [(image_path(cwd, paths[0]) if paths else cwd, "unknown")]
    if sub == "chef" and args[1:2] == ["cook"]:
        return [(target_dir, "unknown"), (cwd, "skeleton")]
    if sub in ("--version", "-V", "version", "search", "metadata", "tree", "fmt"):
        return []
    return [(cwd, "unknown")]  # chef prepare, new/init, vendor, sqlx prepare, …: files below the directory
