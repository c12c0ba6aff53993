"""Dockerfile knowledge shared by rules: which stages a build really runs, COPY/ADD sources, matching
sources against a build context the way BuildKit does, where a word of an instruction is written, how a
stage is named in messages, and which Dockerfiles build a base the repository's other images start from."""

from __future__ import annotations

import fnmatch
import os
import posixpath
import re
import shlex
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from viworks_lint.location import Location
from viworks_lint.parsers.dockerfile import Dockerfile, Instruction, Stage, token_location

if TYPE_CHECKING:
    from viworks_lint.project import Build, Project

ROOT_USERS = {"root", "0"}


def stage_refs(instr: Instruction) -> list[str]:
    """Stages or images an instruction reads from: ``COPY --from=x``, ``RUN --mount=from=x``."""
    out: list[str] = []
    frm = instr.flag("from")
    if frm:
        out.append(frm)
    for f in instr.flags:
        if f.startswith("--mount="):
            for part in f[len("--mount=") :].split(","):
                k, _, v = part.partition("=")
                if k.strip() == "from" and v:
                    out.append(v.strip())
    return out


def target_stage(df: Dockerfile, target: str | None) -> Stage | None:
    return df.final_stage(target)


def reachable_stages(df: Dockerfile, target: str | None = None) -> list[Stage]:
    """The stages BuildKit builds for ``target`` (default: the last stage), in file order."""
    final = df.final_stage(target)
    if final is None:
        return []
    todo = [final]
    seen: set[int] = set()
    while todo:
        st = todo.pop()
        if st.index in seen:
            continue
        seen.add(st.index)
        if st.parent is not None:
            todo.append(df.stages[st.parent])
        todo.extend(df.stages[i] for i in st.alternatives)  # `FROM builder-$TARGETARCH`: any of them
        for ins in st.instructions:
            for ref in stage_refs(ins):
                dep = df.stage(ref)
                if dep is not None and dep.index < len(df.stages):
                    todo.append(dep)
    return [s for s in df.stages if s.index in seen]


def is_root_user(user: str | None) -> bool:
    if user is None:
        return True
    name = user.split(":", 1)[0].strip()
    return name in ROOT_USERS or name == ""


@dataclass(frozen=True)
class CopySource:
    instr: Instruction
    raw: str  # as written
    value: str  # after ARG/ENV substitution
    index: int  # position among the instruction's sources
    resolved: bool  # no unknown variables


def copy_sources(instr: Instruction) -> Iterator[CopySource]:
    """The local-context sources of a COPY/ADD (none for --from, heredocs, URLs)."""
    if instr.cmd not in ("COPY", "ADD") or instr.flag("from") is not None:
        return
    args = instr.args
    values = instr.expanded or instr.args
    if len(args) < 2:
        return
    for i, (raw, val) in enumerate(zip(args[:-1], values[:-1], strict=False)):
        if raw.startswith("<<"):
            continue
        low = val.lower()
        if instr.cmd == "ADD" and (
            low.startswith(("http://", "https://", "git@", "git://", "ssh://")) or low.endswith(".git")
        ):
            continue
        has_var = "$" in raw
        yield CopySource(instr, raw, val, i, not (has_var and instr.unresolved))


def clean_source(value: str) -> str:
    """A COPY/ADD source as BuildKit reads it: joined to the context root and cleaned, so `../x` means `x`
    (dockerfile2llb passes every source through `system.NormalizePath("/", src)`)."""
    cleaned = posixpath.normpath("/" + value.replace("\\", "/")).lstrip("/")
    return cleaned or "."


def escapes_context(value: str) -> bool:
    norm = posixpath.normpath("/" + value.replace("\\", "/")) if value.startswith("/") else posixpath.normpath(value)
    return not value.startswith("/") and (norm == ".." or norm.startswith("../"))


def match_context(context: Path, pattern: str) -> list[str]:
    """Context-relative paths matching a COPY source (filepath.Match per segment, dotfiles included)."""
    pat = clean_source(pattern)
    if pat in (".", ""):
        return ["."] if context.is_dir() else []
    parts = pat.split("/")
    current = [("", context)]
    for depth, part in enumerate(parts):
        nxt: list[tuple[str, Path]] = []
        wildcard = any(c in part for c in "*?[")
        for rel, d in current:
            if not wildcard:
                cand = d / part
                if os.path.lexists(cand):
                    nxt.append((f"{rel}/{part}" if rel else part, cand))
                continue
            try:
                names = sorted(os.listdir(d))
            except OSError:
                continue
            for name in names:
                if fnmatch.fnmatchcase(name, part):
                    nxt.append((f"{rel}/{name}" if rel else name, d / name))
        if depth < len(parts) - 1:
            nxt = [(r, p) for r, p in nxt if p.is_dir()]
        current = nxt
        if not current:
            break
    return [r for r, _ in current]


# ------------------------------------------------------------------------------------------ shell text


def run_text(instr: Instruction) -> str:
    """The shell text of a RUN (heredocs, exec form joined)."""
    if instr.heredocs:
        return "\n".join(h.content for h in instr.heredocs)
    if instr.json:
        return shlex.join(instr.args)
    return " ".join(instr.args)


def commands(text: str) -> list[list[str]]:
    """Simple commands of shell text (split on ``;``, ``&&``, ``||``, ``|``, newlines), as words."""
    try:
        lex = shlex.shlex(text.replace("\\\n", " "), posix=True, punctuation_chars=";&|()\n")
        lex.whitespace = " \t\r"
        lex.whitespace_split = True
        tokens = list(lex)
    except ValueError:
        return []
    out: list[list[str]] = [[]]
    for tok in tokens:
        if tok and all(ch in ";&|()\n" for ch in tok):
            out.append([])
        else:
            out[-1].append(tok)
    return [c for c in out if c]


def logical_lines(text: str, first: int = 1) -> list[tuple[int, str]]:
    """Shell text's lines with backslash continuations joined, each with the number of its first line (the text's
    first line being ``first``)."""
    out: list[tuple[int, str]] = []
    start, parts = first, list[str]()
    for n, line in enumerate(text.splitlines(), first):
        if not parts:
            start = n
        if line.endswith("\\"):
            parts.append(line[:-1])
            continue
        parts.append(line)
        out.append((start, " ".join(parts)))
        parts = []
    if parts:
        out.append((start, " ".join(parts)))
    return out


# ------------------------------------------------------------------------------------------ builds


_EXPORT_ONLY_INSTRUCTIONS = frozenset({"COPY", "ADD", "ARG", "LABEL"})


def export_only(df: Dockerfile, stage: Stage, builds: Iterable[Build]) -> bool:
    """A ``FROM scratch`` stage that only copies files in and names no program to run (no CMD/ENTRYPOINT,
    nothing but COPY/ADD/ARG/LABEL), and no compose service gives it a ``command:``/``entrypoint:``: an
    artifact stage exported with ``docker build --output``, not an image that runs."""
    if df.root_base(stage) != "scratch" or stage.state.entrypoint is not None or stage.state.cmd is not None:
        return False
    if any(ins.cmd not in _EXPORT_ONLY_INSTRUCTIONS for ins in stage.instructions):
        return False
    return not any(b.service is not None and (b.service.command is not None or b.service.entrypoint is not None)
                   for b in builds)  # fmt: skip


def final_stages(project: Project) -> Iterable[tuple[Dockerfile, Stage, list[Build]]]:
    """Each stage some build targets, with the builds that target it — except export-only artifact stages
    (:func:`export_only`), which never run as a container."""
    for df in project.dockerfiles.values():
        by_stage: dict[int, list[Build]] = {}
        for b in project.builds_of(df):
            st = target_stage(df, b.target)
            if st is not None:
                by_stage.setdefault(st.index, []).append(b)
        for index, builds in sorted(by_stage.items()):
            if not export_only(df, df.stages[index], builds):
                yield df, df.stages[index], builds


def text_location(df: Dockerfile, instr: Instruction, needle: str, occurrence: int = 0) -> Location:
    """Where ``needle`` is written inside ``instr`` (plain substring search after the keyword), else the
    instruction's keyword."""
    return token_location(df, instr, needle, occurrence, whole_word=False)


def from_image_location(df: Dockerfile, stage: Stage) -> Location:
    """The image reference of a stage's FROM line."""
    return text_location(df, stage.from_instr, stage.base_raw)


def stage_title(stage: Stage, what: str = "final stage") -> str:
    """``final stage `runtime` `` or just ``final stage`` for an unnamed stage."""
    return f"{what} `{stage.name}`" if stage.name else what


def is_base_image(project: Project, df: Dockerfile) -> bool:
    """A Dockerfile whose image other images of the repository build on (named like `Dockerfile.base`,
    or its name is the tag another Dockerfile's FROM uses): they may add the tools its script needs."""
    words = [w for w in re.split(r"[._-]+", df.path.name.lower()) if w and w != "dockerfile"]
    if "base" in words:
        return True
    name = df.path.name.lower().removeprefix("dockerfile").strip("._-")
    if not name:
        return False
    tails = {name, *(name.split(".", i)[-1] for i in range(1, name.count(".") + 1))}
    for other in project.dockerfiles.values():
        if other is df:
            continue
        for st in other.stages:
            ref = st.base.lower()
            tag = ref.rsplit(":", 1)[-1] if ":" in ref.rsplit("/", 1)[-1] else ""
            if tag in tails or ref.rsplit("/", 1)[-1].split(":", 1)[0] in tails:
                return True
    return False
