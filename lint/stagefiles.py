"""The files of a Dockerfile build stage: which build-context files (after ``.dockerignore``) or files of
another stage are at which image path at each instruction.

One :class:`StageFiles` per (build, stage), from :func:`stage_files`. It replays the stage's lineage
(``FROM <stage>`` included) as a list of :class:`Placement` s: ``COPY``/``ADD`` from the context
(single files, directory trees filtered by ``.dockerignore``, wildcards, ``--parents``), ``COPY --from``
another stage (looked up in that stage's own model) or an image, remote and archive ``ADD`` s, and the
paths an earlier ``RUN`` may write. ``RUN --mount=type=bind|cache`` targets count only during their RUN.

:meth:`StageFiles.lookup` answers for one image path, before a given instruction:

* ``present`` — a COPY/ADD put it there (``host`` is the context file when known);
* ``absent`` — nothing that ran before puts it there (``ignored_by`` names the ``.dockerignore``
  pattern that dropped it from a directory copy that would have brought it);
* ``unknown`` — something we cannot read may have (a RUN that writes files, an archive, an image).

Absence is only claimed when every earlier step is understood: a RUN is "unknown everywhere" unless
all its commands are known not to create project files (package managers, ``cargo install <crate>``,
``rm``, ``chmod``, …) or write only the paths they name (``touch``, ``>``, ``cp``, ``tar -C``, …)."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from viworks_lint.cargocmd import installs_from_registry
from viworks_lint.dockerutil import commands, escapes_context, match_context, run_text
from viworks_lint.parsers.dockerfile import Dockerfile, Instruction, Stage
from viworks_lint.parsers.dockerignore import DockerIgnore, IgnorePattern

if TYPE_CHECKING:
    from viworks_lint.project import Build, Project

PRESENT, ABSENT, UNKNOWN = "present", "absent", "unknown"
_ARCHIVE = re.compile(r"\.(tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst)$", re.IGNORECASE)
_REMOTE = ("http://", "https://", "git@", "git://", "ssh://")


def image_path(workdir: str, path: str) -> str:
    """``path`` as an absolute, normalised image path (relative paths are taken from ``workdir``)."""
    return posixpath.normpath(path if path.startswith("/") else posixpath.join(workdir, path))


def _under(path: str, top: str) -> bool:
    return path == top or top == "/" or path.startswith(top.rstrip("/") + "/")


@dataclass(frozen=True)
class Placement:
    """Files one instruction puts at ``dest``.

    kind: ``context`` (``source`` is a context-relative path), ``stage`` (``source`` is a path of
    ``from_stage``), ``image`` (``source`` is the image), ``heredoc`` (a file written inline),
    ``unknown`` (a RUN's output, an extracted archive, a remote file), ``mount`` (a RUN's bind or cache
    mount, visible only during that RUN). ``tree``: ``dest`` is a directory whose contents mirror
    ``source``; otherwise ``dest`` is the single file (or directory) named by ``source``."""

    instr: Instruction
    order: int  # position of ``instr`` in the lineage, from 0
    dest: str
    kind: str
    source: str = ""
    tree: bool = False
    from_stage: Stage | None = None


@dataclass(frozen=True)
class Presence:
    state: str  # PRESENT | ABSENT | UNKNOWN
    placement: Placement | None = None  # what decides it (none when absent)
    host: Path | None = None  # the build-context file that is there, when known
    ignored_by: IgnorePattern | None = None  # absent: the .dockerignore pattern that dropped it

    @property
    def present(self) -> bool:
        return self.state == PRESENT

    @property
    def absent(self) -> bool:
        return self.state == ABSENT


@dataclass
class StageFiles:
    """The file model of one stage of one build (see the module doc)."""

    dockerfile: Dockerfile
    stage: Stage
    context: Path | None
    ignore: DockerIgnore | None
    placements: list[Placement] = field(default_factory=list)
    workdirs: dict[int, str] = field(default_factory=dict)  # id(instr) → WORKDIR in effect at it
    orders: dict[int, int] = field(default_factory=dict)  # id(instr) → its order in the lineage
    end_workdir: str = "/"
    _others: dict[int, StageFiles | None] = field(default_factory=dict)  # stages copied from

    # ------------------------------------------------------------------ queries
    def workdir(self, instr: Instruction | None = None) -> str:
        """The working directory at ``instr`` (at the end of the stage when None)."""
        return self.end_workdir if instr is None else self.workdirs.get(id(instr), self.end_workdir)

    def lookup(self, path: str, before: Instruction | None = None, *, copies_only: bool = False) -> Presence:
        """Is the absolute image path ``path`` (a file or a directory) there when ``before`` runs (at the
        end of the stage when None)? The bind and cache mounts of ``before`` itself count, and so do
        the files its own commands write.
        ``copies_only``: look only at COPY/ADD (what a COPY put there, whatever a RUN did since)."""
        path = posixpath.normpath(path)
        ignored: IgnorePattern | None = None
        for p in reversed(self._visible(before)):
            if copies_only and p.instr.cmd == "RUN":
                continue
            if not (_under(path, p.dest) if p.tree or self.context is None else path == p.dest):
                continue
            sub = posixpath.relpath(path, p.dest) if path != p.dest else "."
            if p.kind in ("unknown", "image", "mount"):
                return Presence(UNKNOWN, p)
            if p.kind == "skeleton":
                if _skeleton_file(sub):
                    return Presence(UNKNOWN, p)
                continue
            if p.kind == "heredoc":
                return Presence(PRESENT, p)
            if p.kind == "stage":
                other = self._others.get(id(p))
                if other is None:
                    return Presence(UNKNOWN, p)
                there = other.lookup(posixpath.normpath(posixpath.join(p.source, sub)), copies_only=copies_only)
                if there.absent:
                    continue
                return Presence(there.state, p, there.host)
            if self.context is None:
                return Presence(UNKNOWN, p)
            rel = posixpath.normpath(posixpath.join(p.source, sub))
            host = self.context / rel
            if not p.tree:
                return Presence(PRESENT, p, host)  # named by the COPY itself: VW102/VW103 judge the source
            if not host.exists():
                continue
            if self.ignore is not None and self.ignore.excluded(rel):
                ignored = ignored or self.ignore.deciding(rel)
                continue
            return Presence(PRESENT, p, host)
        for p in self._visible(before):  # a directory that something was put into
            if copies_only and p.instr.cmd == "RUN":
                continue
            if p.dest != path and _under(p.dest, path) and p.kind not in ("skeleton", "mount"):
                return Presence(UNKNOWN if p.kind in ("unknown", "image") else PRESENT, p)
        if before is not None and not copies_only:
            for p in self.placements:  # what the RUN's own commands write (`echo … > src/main.rs && cargo build`)
                mine = p.instr is before and p.kind in ("unknown", "skeleton") and _under(path, p.dest)
                if mine and (p.kind == "unknown" or _skeleton_file(posixpath.relpath(path, p.dest))):
                    return Presence(UNKNOWN, p)
        return Presence(ABSENT, ignored_by=ignored)

    def _visible(self, before: Instruction | None) -> list[Placement]:
        if before is None:
            return [p for p in self.placements if p.kind != "mount"]
        limit = self.orders.get(id(before), len(self.orders))
        return [p for p in self.placements if p.order < limit or (p.kind == "mount" and p.instr is before)]

    def host_of(self, path: str, before: Instruction | None = None) -> Path | None:
        """The build-context file a COPY/ADD put at image path ``path`` (RUN outputs aside), following
        ``COPY --from`` through other stages; None when there is none."""
        found = self.lookup(path, before, copies_only=True)
        return found.host if found.present else None

    def context_copies(self) -> list[Placement]:
        """The COPY/ADD placements from the build context, in order."""
        return [p for p in self.placements if p.kind == "context"]

    def image_dir_of(self, rel_dir: str) -> str | None:
        """Where the stage mirrors the context directory ``rel_dir`` (``.`` = the context root), as its
        COPYs imply: a copy of the directory or an ancestor (``COPY . .``), or of something inside it
        (``COPY src ./src`` puts the context root at ``./``); the last COPY that tells wins. None when
        no COPY tells."""
        rel_dir = posixpath.normpath(rel_dir)
        direct: str | None = None
        implied: str | None = None
        for p in self.context_copies():
            src = posixpath.normpath(p.source)
            if p.tree:
                sdir, ddir = src, p.dest
            elif posixpath.basename(p.dest) == posixpath.basename(src):
                sdir, ddir = posixpath.dirname(src) or ".", posixpath.dirname(p.dest)
            else:
                continue
            if sdir == "." or rel_dir == sdir or rel_dir.startswith(sdir + "/"):
                direct = image_path(ddir, rel_dir if sdir == "." else posixpath.relpath(rel_dir, sdir))
            elif ddir == "/" + sdir or ddir.endswith("/" + sdir):
                root = ddir[: len(ddir) - len(sdir)].rstrip("/") or "/"
                implied = image_path(root, rel_dir)
        return direct or implied


# ---------------------------------------------------------------------------------------------- building


def stage_files(project: Project, build: Build, stage: Stage) -> StageFiles:
    """The file model of ``stage`` as ``build`` builds it (cached per build and stage)."""
    cache: dict[tuple[int, int], StageFiles | None] = project.__dict__.setdefault("_stage_files_cache", {})
    key = (id(build), stage.index)
    hit = cache.get(key)
    if hit is not None:
        return hit
    df = build.dockerfile
    assert df is not None
    context = build.context if build.context.is_dir() else None
    model = StageFiles(df, stage, context, project.dockerignore_for(build) if context is not None else None)
    cache[key] = model  # a stage that copies from itself sees its own (partial) model
    _replay(model, lambda st: _other(project, build, st, cache))
    return model


def _other(project: Project, build: Build, stage: Stage, cache: dict[tuple[int, int], StageFiles | None]) -> StageFiles:
    return cache.get((id(build), stage.index)) or stage_files(project, build, stage)


def _replay(model: StageFiles, other: object) -> None:
    df = model.dockerfile
    order = 0
    workdir = "/"
    dirs: set[str] = {"/"}  # image paths known to be directories (WORKDIRs, copied trees)
    for st in reversed(df.lineage(model.stage)):
        for instr in st.instructions:
            model.orders[id(instr)] = order
            if instr.cmd == "WORKDIR" and instr.values:
                workdir = image_path(workdir, instr.values[0])
                dirs.add(workdir)
            model.workdirs[id(instr)] = workdir
            if instr.cmd in ("COPY", "ADD") and len(instr.values) >= 2:
                for p in _copy_placements(model, instr, order, workdir, dirs):
                    if p.kind == "stage" and p.from_stage is not None and callable(other):
                        model._others[id(p)] = other(p.from_stage) if p.from_stage.index != model.stage.index else None
                    model.placements.append(p)
                    if p.tree:
                        dirs.add(p.dest)
            elif instr.cmd == "RUN":
                model.placements.extend(_mount_placements(instr, order, workdir))
                for path, kind in _run_writes(instr, workdir):
                    model.placements.append(Placement(instr, order, path, kind, tree=True))
            order += 1
    model.end_workdir = workdir


def _copy_placements(
    model: StageFiles, instr: Instruction, order: int, workdir: str, dirs: set[str]
) -> list[Placement]:
    raw_dest = instr.values[-1]
    dest = image_path(workdir, raw_dest)
    sources = [s for s in instr.values[:-1] if s]
    into = len(sources) > 1 or raw_dest.endswith("/") or raw_dest in (".", "./") or dest in dirs
    out: list[Placement] = []
    if instr.heredocs:
        names = {h.name for h in instr.heredocs}
        for s in sources:
            if s.startswith("<<") and s.lstrip("<-").strip("'\"") in names:
                target = posixpath.join(dest, s.lstrip("<-").strip("'\"")) if into else dest
                out.append(Placement(instr, order, target, "heredoc"))
        sources = [s for s in sources if not s.startswith("<<")]
    frm = instr.flag("from")
    if instr.unresolved and any("$" in a for a in instr.args[:-1]):
        return [*out, Placement(instr, order, dest, "unknown", tree=True)]  # sources from build arguments
    if frm:
        st = model.dockerfile.stage(frm)
        if st is None:
            return [*out, Placement(instr, order, dest, "image", frm, tree=True)]
        for s in sources:
            src = posixpath.normpath("/" + s) if not s.startswith("/") else posixpath.normpath(s)
            # a directory's contents land in dest; a file lands at dest (or dest/name): record both
            out.append(Placement(instr, order, dest, "stage", src, tree=True, from_stage=st))
            if into and src != "/":
                name = posixpath.join(dest, posixpath.basename(src))
                out.append(Placement(instr, order, name, "stage", src, tree=True, from_stage=st))
        return out
    parents = instr.flag("parents") is not None
    for s in sources:
        low = s.lower()
        if instr.cmd == "ADD" and (low.startswith(_REMOTE) or low.endswith(".git")):
            out.append(Placement(instr, order, dest, "unknown", s, tree=True))
            continue
        if escapes_context(s):
            continue
        if instr.cmd == "ADD" and _ARCHIVE.search(s):
            out.append(Placement(instr, order, dest, "unknown", s, tree=True))  # extracted into dest
            continue
        wildcard = any(c in s for c in "*?[")
        if model.context is None:
            out.append(Placement(instr, order, dest, "context", _clean(s), tree=s.endswith("/") or s in (".", "./")))
            continue
        matches = match_context(model.context, s) if wildcard or parents else [_clean(s)]
        for rel in matches:
            is_dir = (model.context / rel).is_dir()
            if parents:
                keep = rel
                pivot = s.find("/./")
                if pivot != -1:
                    keep = posixpath.relpath(rel, posixpath.normpath(s[:pivot]))
                target = image_path(dest, keep)
                out.append(Placement(instr, order, target, "context", rel, tree=is_dir))
            elif is_dir:
                out.append(Placement(instr, order, dest, "context", rel, tree=True))
            else:
                many = into or (wildcard and len(matches) > 1)
                target = posixpath.join(dest, posixpath.basename(rel)) if many else dest
                out.append(Placement(instr, order, target, "context", rel))
    return out


def _skeleton_file(sub: str) -> bool:
    """Files ``cargo chef cook`` leaves in its directory: manifests, the lock file, cargo's config and
    toolchain files (target sources are empty placeholders, not the real ones)."""
    name = posixpath.basename(sub)
    return name in ("Cargo.toml", "Cargo.lock", "rust-toolchain", "rust-toolchain.toml") or "/.cargo/" in f"/{sub}"


def _clean(source: str) -> str:
    return posixpath.normpath(source.lstrip("/")) if source.strip("/") else "."


def _mount_placements(instr: Instruction, order: int, workdir: str) -> list[Placement]:
    out: list[Placement] = []
    for f in instr.flags:
        if not f.startswith("--mount="):
            continue
        opts: dict[str, str] = {}
        for part in f[len("--mount=") :].split(","):
            k, has, v = part.partition("=")
            opts[k.strip().lower()] = v.strip() if has else "true"
        kind = opts.get("type", "bind")
        target = opts.get("target") or opts.get("dst") or opts.get("destination")
        if kind in ("bind", "cache") and target:
            out.append(Placement(instr, order, image_path(workdir, target), "mount", opts.get("source", "."), True))
    return out


# ---------------------------------------------------------------------------------------------- RUN writes

# programs that create no file in the project's directories (they install into system locations, or
# change files that are already there)
_QUIET = {
    "apt-get", "apt", "apk", "yum", "dnf", "microdnf", "rustup", "update-ca-certificates", "useradd",
    "adduser", "groupadd", "addgroup", "usermod", "rm", "rmdir", "chmod", "chown", "ls", "true", "false",
    "set", "export", "unset", "ldconfig", "strip", "which", "rustc", "sleep", "test", "[", "echo", "printf",
    "cat", "mkdir", "sed", "grep", "id", "whoami", "env", "pwd", "uname", "dpkg", "locale-gen", "pip",
    "pip3", "apt-mark", "install_packages", "install-packages", "xx-apt-get", "xx-apk", "xx-verify", "upx",
    "file", "du", "df", "sccache", "ccache", "ldd", "readelf", "find",
}  # fmt: skip
_SHELLS = {"sh", "bash", "ash", "dash", "zsh"}
_ANYWHERE = [("/", "unknown")]


def _run_writes(instr: Instruction, workdir: str, text: str | None = None) -> list[tuple[str, str]]:
    """(image path, kind) of the trees a RUN may create files under; ``/`` when it cannot be told."""
    out: list[tuple[str, str]] = []
    cwd = workdir
    for raw in commands(run_text(instr) if text is None else text):
        words = list(raw)
        while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
            words = words[1:]  # VAR=value cmd
        while words and words[0] in ("sudo", "exec", "time", "nice", "command"):
            words = words[1:]
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
            out.extend(_run_writes(instr, cwd, words[words.index("-c") + 1]))
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
    if sub == "chef" and args[1:2] == ["cook"]:
        return [(target_dir, "unknown"), (cwd, "skeleton")]
    if sub in ("--version", "-V", "version", "search", "metadata", "tree", "fmt"):
        return []
    return [(cwd, "unknown")]  # chef prepare, new/init, vendor, sqlx prepare, …: files below the directory
