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

from viworks_lint.dockerutil import escapes_context, match_context
from viworks_lint.parsers.dockerfile import Dockerfile, Instruction, Stage
from viworks_lint.parsers.dockerignore import DockerIgnore, IgnorePattern
from viworks_lint.runwrites import image_path, run_writes

if TYPE_CHECKING:
    from viworks_lint.project import Build, Project

__all__ = ["ABSENT", "PRESENT", "UNKNOWN", "Placement", "Presence", "StageFiles", "image_path", "stage_files"]

PRESENT, ABSENT, UNKNOWN = "present", "absent", "unknown"
_ARCHIVE = re.compile(r"\.(tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst)$", re.IGNORECASE)
_REMOTE = ("http://", "https://", "git@", "git://", "ssh://")


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
    from_context: bool = False  # a bind mount of the build context (no `from=`): ``source`` is context-relative


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
        path = image_path("/", path)
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
                if host.is_dir() and self.ignore.keeps_inside(rel, host):
                    return Presence(PRESENT, p, host)  # `*` then `!.sqlx/**`: the folder arrives with its files
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
        ``COPY --from`` through other stages, or that a bind mount of the context gives ``before`` itself
        (`RUN --mount=type=bind,source=Cargo.toml,target=Cargo.toml cargo build`); None when there is none."""
        mounted = self._bound_from_context(path, before)
        if mounted is not None:
            return mounted
        found = self.lookup(path, before, copies_only=True)
        return found.host if found.present else None

    def _bound_from_context(self, path: str, before: Instruction | None) -> Path | None:
        if before is None or self.context is None:
            return None
        path = posixpath.normpath(path)
        for p in reversed([p for p in self.placements if p.kind == "mount" and p.instr is before]):
            if not p.from_context or not (path == p.dest or _under(path, p.dest)):
                continue
            sub = posixpath.relpath(path, p.dest) if path != p.dest else "."
            rel = posixpath.normpath(posixpath.join(p.source, sub))
            host = self.context / rel if rel != "." else self.context
            if self.ignore is not None and rel != "." and self.ignore.excluded(rel):
                return None  # `.dockerignore` keeps it out of the context: the mount does not have it
            return host if host.is_file() else None
        return None

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
                    dirs.update(_ancestors(p.dest))  # `COPY app /srv/bin/app` makes `/srv` a directory
            elif instr.cmd == "RUN":
                model.placements.extend(_mount_placements(instr, order, workdir))
                for path, kind in run_writes(instr, workdir):
                    model.placements.append(Placement(instr, order, path, kind, tree=True))
            order += 1
    model.end_workdir = workdir


def _ancestors(path: str) -> list[str]:
    out = []
    parent = posixpath.dirname(path)
    while parent not in ("/", ""):
        out.append(parent)
        parent = posixpath.dirname(parent)
    return out


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
            context = kind == "bind" and "from" not in opts
            given = opts.get("source") or opts.get("src") or "."  # BuildKit reads `src=` as `source=`
            source = _clean(given) if context else given
            out.append(Placement(instr, order, image_path(workdir, target), "mount", source, True, None, context))
    return out
