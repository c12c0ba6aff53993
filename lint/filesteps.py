"""The repository's steps that create a file (``cp .env.example .env``, ``touch``, ``mkdir -p``, ``install``,
``ln``, ``> file``, the output file of a key, certificate, download or generator command), kept by the path
each creates."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from viworks_lint.location import Location
from viworks_lint.taskruns import resolve_path

if TYPE_CHECKING:
    from viworks_lint.wrappers import Wrappers


@dataclass(frozen=True)
class Step:
    """A command of the repository that creates a file: ``cp .env.example .env`` in the README."""

    text: str
    where: str  # "Makefile (target setup)", "README.md"
    location: Location
    source: Path | None = None  # what `cp`/`install` copies from

    def describe(self) -> str:
        return f"`{self.text}` in {self.where}"


# the option naming the file a key, certificate or download tool writes
_OUTPUT_FLAGS: dict[str, tuple[str, ...]] = {
    "ssh-keygen": ("-f",),
    "openssl": ("-out", "-keyout"),
    "mkcert": ("-cert-file", "-key-file"),
    "curl": ("-o", "--output"),
    "wget": ("-O", "--output-document"),
}


# any other command's output-file option (a project's own generator: `cargo run --bin tct env create -o .env`)
_OUTPUT_OPTIONS = ("-o", "--output", "--out", "--output-file")
# commands whose `-o` is no output file: shell and mount options, ssh options, match-only output
_OTHER_O = frozenset({
    "set", "ssh", "scp", "sftp", "mount", "grep", "egrep", "rg", "shopt", "docker", "podman", "install", "unzip", "ls",
    "bash", "sh", "yq", "jq", "kubectl", "helm", "tar",
})  # fmt: skip


def _path_like(word: str) -> bool:
    """A word that names a file (`.env`, `conf/nginx.conf`), not an option or a value (`json`, `KEY=v`)."""
    return not word.startswith("-") and "=" not in word and ("/" in word or "." in word)


_REMOTE = re.compile(r"^[^/\s:]+:(.+)$")  # `user@host:path`, not a local path


def _remote_repo_path(dest: str, root: Path, workflow: str) -> str | None:
    """The repository path a copy to a server lands at, when the remote path is a variable folder followed by a
    path whose first folder the repository has (`$USER@$HOST:${DEPLOY_PATH}/deploy/auth.htpasswd` →
    `<root>/deploy/auth.htpasswd`): the server holds a checkout (or a copy) of the repository there."""
    m = _REMOTE.match(dest.strip("\"'"))
    if m is None:
        return None
    parts = [p for p in m.group(1).split("/") if p]
    if len(parts) < 3 or not parts[0].startswith("$"):
        return None
    rel = parts[1:]
    if not (root / rel[0]).is_dir() or any("$" in p or p in (".", "..") for p in rel):
        return None
    if not _compose_runs_in(workflow, parts[0]):
        return None  # no evidence that the folder is where the repository's compose runs on the server
    return (root / "/".join(rel)).as_posix()


def _compose_runs_in(text: str, folder: str) -> bool:
    """The same file runs compose in ``folder`` on the server (`cd $DEPLOY_PATH && docker compose up`, `-f
    $DEPLOY_PATH/compose.yml`) or copies a compose file there (`scp compose.yml host:$DEPLOY_PATH/`)."""
    name = re.escape(folder.strip("{}$").removeprefix("{").removesuffix("}"))
    var = rf"\$\{{?{name}\}}?"
    runs = rf"{var}[^\n]*docker[ -]compose|docker[ -]compose[^\n]*{var}"
    copies = rf"\b(?:scp|rsync)\b[^\n]*(?:compose|docker-compose)[\w.-]*\.ya?ml\b[^\n]*:[\"']?{var}"
    return re.search(f"{runs}|{copies}", text) is not None


def _file_text(path: Path) -> str:
    try:
        return path.read_text("utf-8", errors="replace") if path.stat().st_size < 2_000_000 else ""
    except OSError:
        return ""


def record_created(words: list[str], prog: str, cwd: Path, root: Path, step: Step, out: Wrappers) -> None:
    targets: list[tuple[str, str | None]] = []
    args = [w for w in words[1:] if not w.startswith("-")]
    if prog in ("touch", "mkdir"):
        targets = [(a, None) for a in args]
    elif prog in ("cp", "install", "ln") and len(args) >= 2:
        dest = args[-1]
        if dest.endswith("/") or (cwd / dest).is_dir():
            targets = [(posixpath.join(dest, posixpath.basename(a.rstrip("/"))), a) for a in args[:-1]]
        else:
            targets = [(dest, args[0] if len(args) == 2 else None)]
    elif prog in ("scp", "rsync") and len(args) >= 2:
        remote = _remote_repo_path(args[-1], root, _file_text(step.location.path))
        if remote is not None:  # a deploy job copies the file into the server's checkout (`host:$DIR/deploy/x`)
            targets = [(remote, None)]
    generic = prog not in _OUTPUT_FLAGS  # any command's `-o`: a file only when the word after it looks like one
    outputs = _OUTPUT_FLAGS.get(prog, _OUTPUT_OPTIONS if prog not in _OTHER_O else ())
    if prog == "ssh-keygen" and any(w in ("-R", "-l", "-y", "-F", "-e", "-i", "-H") for w in words):
        outputs = ()  # reads a key or a known_hosts file, writes none
    for i, w in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if w in outputs and nxt and (not generic or _path_like(nxt)):
            # `ssh-keygen -f keys/id_rsa`, `openssl … -out cert.pem`, a generator's `tool env create -o .env`
            targets.append((nxt, None))
            if prog == "ssh-keygen":
                targets.append((nxt + ".pub", None))
        if w in (">", ">>") and i + 1 < len(words):
            targets.append((words[i + 1], None))
        elif w.startswith(">") and len(w) > 1 and w[1:2] not in (">", "&"):
            targets.append((w.lstrip(">"), None))
    for t, src in targets:
        for base in (cwd, root) if step.location.path.name.endswith((".sh", ".bash")) else (cwd,):
            p = resolve_path(base, t)  # a script may run from the repository root
            if p is None or str(p).startswith("/dev/"):
                continue
            source = resolve_path(base, src) if src else None
            steps = out.created.setdefault(p, [])
            if not any(s.text == step.text for s in steps):
                steps.append(Step(step.text, step.where, step.location, source))
