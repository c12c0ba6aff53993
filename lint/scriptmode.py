"""Whether the script a container starts is executable in the image, and whether a ``RUN`` rewrites it: the
mode a later ``RUN chmod``/``install`` (in the final stage, or the builder stage it is copied from) or a
``COPY --chmod`` gives it, else the mode git commits it with, else the mode on disk."""

from __future__ import annotations

import posixpath
import re

from viworks_lint.dockerutil import commands, run_text
from viworks_lint.gitindex import committed_mode
from viworks_lint.launch import Source
from viworks_lint.parsers.dockerfile import Dockerfile, Instruction, Stage
from viworks_lint.project import Build, Project
from viworks_lint.stagefiles import image_path


def _chmod_covers(words: list[str], path: str, workdir: str) -> bool:
    recursive = any(w.startswith("-") and "R" in w for w in words[1:]) or "--recursive" in words
    operands = [w for w in words[1:] if not w.startswith("-")]
    for w in operands[1:] if operands and not operands[0].startswith("/") else operands:
        if "$" in w or "`" in w:
            return True
        target = image_path(workdir, w)
        if any(c in w for c in "*?["):
            import fnmatch

            if fnmatch.fnmatchcase(path, target) or fnmatch.fnmatchcase(posixpath.basename(path), w):
                return True
            continue
        if target == path or (recursive and path.startswith(target.rstrip("/") + "/")):
            return True
    return False


Runs = list[tuple[Instruction, str]]


def _later_runs(df: Dockerfile, stage: Stage, copy: Instruction) -> list[tuple[Instruction, str]]:
    """The RUNs of ``stage``'s lineage after ``copy``, with the WORKDIR each runs in."""
    out: list[tuple[Instruction, str]] = []
    seen = False
    workdir = "/"
    for st in reversed(df.lineage(stage)):
        for instr in st.instructions:
            if instr.cmd == "WORKDIR" and instr.values:
                workdir = image_path(workdir, instr.values[0])
            if instr is copy:
                seen = True
            elif seen and instr.cmd == "RUN":
                out.append((instr, workdir))
    return out


def runs_after(
    df: Dockerfile, build: Build, src: Source
) -> tuple[list[tuple[Instruction, str]], list[tuple[Instruction, str]]]:
    """(RUNs after the final image's COPY, RUNs after the builder stage's COPY when it came from one)."""
    final = df.final_stage(build.target)
    if src.copy is None or final is None:
        return [], []
    runs = _later_runs(df, final, src.copy.instr)
    if src.origin is None or src.copy.from_stage is None:
        return runs, []
    return runs, _later_runs(df, src.copy.from_stage, src.origin.instr)


def touched_later(runs: list[tuple[Instruction, str]], path: str) -> tuple[bool, bool]:
    """(mode set, file rewritten) by a later RUN: a ``chmod`` that covers the path (itself, a glob, a
    directory with ``-R``, a variable), or any command that names the file (``dos2unix``, ``sed -i``)."""
    chmod = rewritten = False
    name = posixpath.basename(path)
    for instr, workdir in runs:
        text = run_text(instr)
        for words in commands(text):
            prog = posixpath.basename(words[0]) if words else ""
            if prog == "chmod" and _chmod_covers(words, path, workdir):
                chmod = True
            elif prog == "install" and any(image_path(workdir, w) == path for w in words[1:]):
                chmod = rewritten = True
        if name in text:
            rewritten = True
    return chmod, rewritten


def _mode_bits(chmod_flag: str) -> int | None:
    return int(chmod_flag, 8) if re.fullmatch(r"[0-7]{3,4}", chmod_flag) else None


def mode_problem(project: Project, src: Source, runs: list[tuple[Instruction, str]], builder_runs: Runs) -> str | None:
    """Why the script has no exec bit in the image, or None."""
    steps = [(src.copy, runs, src.image_path)] if src.copy is not None else []
    if src.origin is not None:
        steps.append((src.origin, builder_runs, src.origin_path))
    for copy, after, path in steps:  # the final image's COPY first, then the builder's it copies from
        if copy is None:
            continue
        if touched_later(after, path)[0]:
            return None
        flag = copy.instr.flag("chmod")
        if flag is not None:
            bits = _mode_bits(flag)
            if bits is None or bits & 0o111:
                return None
            return f"`{copy.instr.cmd} --chmod={flag}` gives it no exec bit"
    committed = committed_mode(src.host)
    try:
        disk = src.host.stat().st_mode
    except OSError:
        return None
    rel = project.rel(src.host)
    if committed is not None:
        if committed & 0o111:
            return None  # every checkout gets the exec bit (a local filesystem may not show it)
        if disk & 0o111:
            return (
                f"it is executable on this disk but committed without the exec bit (mode 100644), so every fresh "
                f"clone, CI and deploy build gets it non-executable (`git update-index --chmod=+x {rel}` and commit)"
            )
        return f"it is committed without the exec bit (mode 100644; `git update-index --chmod=+x {rel}` and commit)"
    if disk & 0o111:
        return None
    return f"it has no exec bit (mode {disk & 0o777:o}; `chmod +x {rel}`)"
