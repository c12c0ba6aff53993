"""The script a container runs: which program an exec-form ``ENTRYPOINT``/``CMD`` starts (past init
wrappers, or the ``sh -c`` text), and which build-context file a ``COPY``/``ADD`` put at that path. The bytes
the kernel sees at ``execve`` and the programs a script runs are read in ``scriptfile.py``."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from viworks_lint.dockerutil import final_stages
from viworks_lint.packages import SHELLS
from viworks_lint.parsers.common import record_read
from viworks_lint.parsers.dockerfile import Dockerfile, Instruction, Stage
from viworks_lint.project import Build, Project
from viworks_lint.stagefiles import image_path, stage_files

INITS = frozenset({"tini", "tini-static", "dumb-init", "catatonit", "s6-svscan", "gosu", "su-exec"})
MAX_SCRIPT_BYTES = 256 * 1024  # larger files are no hand-written entrypoint script: no claim


@dataclass(frozen=True)
class EntryScript:
    """A script file from the build context that an ENTRYPOINT/CMD runs."""

    name: str  # as written in the instruction
    host: Path  # the build-context file
    text: str
    instr: Instruction


def shell_words(text: str) -> list[str]:
    """A compose string ``command:`` split as compose does (shell-like quoting); plain split if unbalanced."""
    import shlex

    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def _overridden(build: Build, field: str) -> bool:
    svc = build.service
    return svc is not None and getattr(svc, field) is not None


def run_elsewhere(project: Project, df: Dockerfile) -> bool:
    """Something besides compose runs the image with its own ENTRYPOINT/CMD: a CI workflow or script pushes it,
    a Makefile, script or the README builds it with `docker build`, or a platform config (`fly.toml`) deploys it."""
    from viworks_lint.hostbuild import hand_built
    from viworks_lint.imagescope import released
    from viworks_lint.platforms import platform_deployed
    from viworks_lint.project import norm_path

    return (
        released(project, df.path) is not None
        or project.rel(df.path) in hand_built(project)
        or norm_path(df.path) in platform_deployed(project)
    )


def replaced_by_compose(project: Project, df: Dockerfile, stage: Stage, cmd: str) -> bool:
    """Every build that runs ``stage`` is a compose service that replaces its ``cmd`` instruction: `command:` or
    `entrypoint:` (which also clears the image's CMD) for CMD, `entrypoint:` for ENTRYPOINT, its own `healthcheck:`
    test (or `disable`) for HEALTHCHECK, and nothing else runs the image (no CI push, no `docker build` of a
    wrapper or the README, no platform deploy). The instruction then never runs; a stage no build runs keeps it."""
    covering = [b for b in project.builds_of(df) if df.final_stage(b.target) is stage]
    if not covering or any(b.service is None for b in covering) or run_elsewhere(project, df):
        return False
    if cmd == "CMD":
        return all(_overridden(b, "command") or _overridden(b, "entrypoint") for b in covering)
    if cmd == "ENTRYPOINT":
        return all(_overridden(b, "entrypoint") for b in covering)
    hcs = [b.service.healthcheck for b in covering if b.service is not None]
    return len(hcs) == len(covering) and all(h is not None and (h.disabled or bool(h.test)) for h in hcs)


def main_instructions(project: Project) -> Iterator[tuple[Dockerfile, Stage, list[Build], Instruction]]:
    """The instruction that starts each final stage's main process: its ``ENTRYPOINT``, else its ``CMD``,
    unless every compose service that builds it overrides that with ``entrypoint:``/``command:`` and nothing
    else runs the image (:func:`run_elsewhere`). A broken
    exec form is left out (VW212's finding)."""
    for df, stage, builds in final_stages(project):
        entry, cmd = stage.state.entrypoint, stage.state.cmd
        instr = None
        # every compose service replaces it: it still runs where CI pushes or a wrapper builds the image
        if entry is not None and (
            not all(_overridden(b, "entrypoint") for b in builds) or run_elsewhere(project, df)
        ):
            instr = entry
        elif entry is None and cmd is not None and (
            not all(_overridden(b, "command") for b in builds) or run_elsewhere(project, df)
        ):
            instr = cmd
        if instr is not None and instr.exec_error is None:
            yield df, stage, builds, instr


def script_argv(argv: list[str]) -> tuple[str | None, list[str]]:
    """The script an exec-form ENTRYPOINT/CMD runs (past init wrappers), or None with the ``sh -c …``
    argv when a shell runs inline text."""
    i = 0
    while i < len(argv) and posixpath.basename(argv[i]) in INITS:
        i += 1
        while i < len(argv) and (argv[i].startswith("-") or argv[i] == "--"):
            i += 1
        if posixpath.basename(argv[i - 1]) in ("gosu", "su-exec") and i < len(argv):
            i += 1  # the user argument
    rest = argv[i:]
    if not rest:
        return None, []
    if posixpath.basename(rest[0]) in SHELLS and len(rest) > 1:
        if rest[1].startswith("-") and "c" in rest[1]:
            return None, rest
        return rest[1], rest
    return rest[0], rest


PATH_DIRS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")


def script_host_path(project: Project, build: Build, stage: Stage, script: str) -> Path | None:
    """The build-context file a COPY/ADD puts where the final image finds ``script`` (a bare name: any
    file copied under that name, or into a PATH directory)."""
    files = stage_files(project, build, stage)
    if "/" in script:
        candidates = [image_path(stage.state.workdir, script)]
    else:
        candidates = [p.dest for p in files.context_copies() if not p.tree and posixpath.basename(p.dest) == script]
        candidates += [f"{d}/{script}" for d in PATH_DIRS]
    for cand in candidates:
        host = files.host_of(cand)
        if host is not None and host.is_file():
            return host
    return _moved_into_place(project, build, stage, posixpath.basename(script))


_MOVES = re.compile(r"\b(?:mv|cp|install)\s")


def _moved_into_place(project: Project, build: Build, stage: Stage, name: str) -> Path | None:
    """The build-context file a RUN of a builder stage moves or copies into the tree the final stage takes
    (`mv /build/app/bin/entrypoint.sh /runtime/usr/local/bin`, then `COPY --from=builder /runtime /`): the one
    file of that name a `mv`/`cp`/`install` names that a COPY had put there."""
    from viworks_lint.dockerutil import reachable_stages

    df = build.dockerfile
    if df is None:
        return None
    token = re.compile(r"(?<![\w$])((?:\.?/)?[\w./-]*/" + re.escape(name) + r")(?![\w.-])")
    found: set[Path] = set()
    for st in reachable_stages(df, build.target):
        if st.index == stage.index:
            continue
        files = stage_files(project, build, st)
        for instr in st.instructions:
            if instr.cmd != "RUN" or not _MOVES.search(instr.original):
                continue
            for m in token.finditer(instr.original):
                host = files.host_of(image_path(files.workdir(instr), m.group(1)), instr)
                if host is not None and host.is_file():
                    found.add(host)
    return found.pop() if len(found) == 1 else None


def entry_script(project: Project, build: Build, stage: Stage, instr: Instruction) -> EntryScript | None:
    """The shell script from the build context that an exec-form ENTRYPOINT/CMD runs, with its text;
    None for binaries, scripts built in the image, unreadable, binary or oversized files."""
    script, _rest = script_argv(list(instr.args))
    if script is None:
        return None
    host = script_host_path(project, build, stage, script)
    if host is None:
        return None
    try:
        if host.stat().st_size > MAX_SCRIPT_BYTES:
            return None
        raw = host.read_bytes()
        record_read(host, raw)  # --fix edits it only while it holds these bytes
    except OSError:
        return None
    if b"\0" in raw:
        return None
    text = raw.decode("utf-8", errors="replace")
    first_line = text.split("\n", 1)[0]
    if not (first_line.startswith("#!") and any(sh in first_line for sh in SHELLS)) and host.suffix != ".sh":
        return None
    return EntryScript(script, host, text, instr)
