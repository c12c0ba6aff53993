"""VW209 entrypoint-not-executable."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from viworks_lint.dockerutil import final_stages, is_base_image
from viworks_lint.findings import HELP, Finding, Level, Related
from viworks_lint.fixes import Applicability, Fix, ReplaceText, safe_fix
from viworks_lint.gitindex import checks_out_lf
from viworks_lint.launch import (
    Launch,
    Source,
    bind_source,
    data_file,
    first_argument,
    launch_of,
    launches,
    script_source,
)
from viworks_lint.location import Location
from viworks_lint.packages import Copied, ImageContents
from viworks_lint.parsers.dockerfile import Stage
from viworks_lint.project import Project
from viworks_lint.rule import Rule, RuleDocs, register
from viworks_lint.scriptfile import Script, read_script
from viworks_lint.scriptmode import Runs, mode_problem, runs_after, touched_later
from viworks_lint.scripts import PATH_DIRS
from viworks_lint.stagecontents import build_contents, image_contents

# programs entrypoint scripts run before the app that no base image has unless its facts list them or
# the stage installs them (`images.json`, package installs, COPY); others are not claimed, since the
# base images' full file lists are not known
CHECKED_PROGRAMS = frozenset({
    "nc", "netcat", "ncat", "curl", "wget", "envsubst", "su-exec", "gosu", "jq", "yq", "dockerize", "wait-for-it",
    "pg_isready", "psql", "mysql", "mysqladmin", "mariadb", "redis-cli", "nslookup", "dig", "ping", "bash",
    "python", "python3", "openssl", "tini", "dumb-init", "sqlx", "diesel", "sea-orm-cli", "refinery", "migrate",
})  # fmt: skip


# tools a `cargo install` of a crate with another name can provide
_RUST_TOOLS = frozenset({"sqlx", "diesel", "sea-orm-cli", "refinery", "migrate"})


def _related(src: Source, launch: Launch) -> tuple[Related, ...]:
    out: list[Related] = []
    if src.copy is not None:
        out.append(Related(src.copy.instr.location, f"{src.copy.instr.cmd} puts it at `{src.image_path}`"))
    if src.mount is not None:
        out.append(Related(src.mount, f"bind-mounted at `{src.image_path}`"))
    out.append(Related(launch.location, f"{launch.what} runs it"))
    return tuple(out)


def _first_line(script: Script) -> Location:
    first = script.text.split("\n", 1)[0].rstrip("\r")
    return Location(script.path, 1, 1, 1, max(len(first), 1) + 1)


def _chmod_fix(src: Source) -> Fix | None:
    """``--chmod=755`` on the COPY that brings the script, when that COPY copies only it."""
    copy = src.copy
    if copy is None or src.origin is not None:
        return None
    instr = copy.instr
    srcs = [v for v in instr.values[:-1]]
    if instr.cmd != "COPY" or len(srcs) != 1 or instr.flag("chmod") is not None or instr.flag("from") is not None:
        return None
    loc = instr.location
    edit = ReplaceText(loc.path, loc.line, loc.col + len(instr.cmd), "", " --chmod=755")
    return safe_fix(f"copy `{src.image_path}` with `--chmod=755`", edit)


def _script_findings(
    project: Project,
    launch: Launch,
    src: Source,
    img: ImageContents | None,
    runs: Runs,
    builder_runs: Runs,
    first_arg: str | None = None,
) -> Iterator[Finding]:
    script = read_script(src.host)
    if script is None:
        return
    rel = project.rel(src.host)
    related = _related(src, launch)
    head = f"`{rel}` (`{src.image_path}` in the image), which {launch.what} runs directly"
    rewritten = touched_later(runs, src.image_path)[1] or touched_later(builder_runs, src.origin_path)[1]
    if launch.direct:
        problem = mode_problem(project, src, runs, builder_runs)
        if problem is not None:
            yield RULE.finding(
                f"{head}, is not executable: {problem}. The container fails at start with `permission denied`; "
                "set the bit in git, or copy it with `COPY --chmod=755` (or `RUN chmod +x` after the COPY)",
                _first_line(script),
                key=f"mode:{rel}",
                related=related,
                fix=_chmod_fix(src),
            )
        if not launch.shell_form and not rewritten and (script.bom or script.shebang is None):
            what = "starts with a UTF-8 byte-order mark before `#!`" if script.bom else "has no `#!` line"
            yield RULE.finding(
                f"{head}, {what}: the kernel cannot tell which interpreter runs it and the container fails at "
                "start with `exec format error`; make `#!/bin/sh` (or the shell it needs) the very first bytes",
                _first_line(script),
                key=f"shebang:{rel}",
                related=related,
            )
        if script.crlf_first_line and not rewritten and not checks_out_lf(src.host, project.root):
            interp = (script.interpreter or ["/bin/sh"])[0]
            yield RULE.finding(
                f"{head}, has CRLF (Windows) line endings: the kernel looks for the interpreter `{interp}\\r` and "
                "the container fails at start with `no such file or directory`; convert it to LF and add "
                f"`{posixpath.basename(rel)} text eol=lf` (or `*.sh text eol=lf`) to `.gitattributes`",
                _first_line(script),
                key=f"crlf:{rel}",
                related=related,
            )
        elif script.shebang is not None and not script.bom and img is not None and not rewritten:
            yield from _interpreter_missing(script, img, head, rel, related)
    yield from _programs_missing(script, img, rel, related, first_arg)


def _interpreter_missing(
    script: Script, img: ImageContents, head: str, rel: str, related: tuple[Related, ...]
) -> Iterator[Finding]:
    interp = script.interpreter
    if not interp or "$" in interp[0]:
        return
    missing: str | None = None
    if img.has_program(interp[0]) is False:
        missing = interp[0]
    elif posixpath.basename(interp[0]) == "env" and len(interp) > 1:
        words = [w for w in interp[1].split() if not w.startswith("-")]
        if words and img.has_program(words[0]) is False:
            missing = words[0]
    if missing is None:
        return
    yield RULE.finding(
        f"{head}, starts with `#!{script.shebang}`, but the final image (FROM `{img.base}`) has no `{missing}`: "
        "the container fails at start with `no such file or directory`; install it in the final stage or "
        "change the `#!` line to a shell the image has (`#!/bin/sh`)",
        _first_line(script),
        key=f"interpreter:{rel}:{missing}",
        related=related,
    )


def _programs_missing(
    script: Script, img: ImageContents | None, rel: str, related: tuple[Related, ...], first_arg: str | None
) -> Iterator[Finding]:
    if img is None or not img.complete:
        return
    seen: set[str] = set()
    always = {posixpath.basename(u.program) for u in script.uses if not u.branch}
    for use in sorted(script.uses, key=lambda u: u.branch):  # a use on every start first
        name = posixpath.basename(use.program)
        if name in seen or name not in CHECKED_PROGRAMS or name in script.probed:
            continue
        if use.branch and name not in always:
            continue  # only on one branch of an `if` (wait-for-it.sh runs `nc` only under busybox's `timeout`)
        arm = use.arm
        if arm is not None and arm.first_argument and first_arg is not None and not arm.taken_for(first_arg):
            continue  # a task runner's `db:migrate)` arm: the container's own argument (`start`) selects another
        seen.add(name)
        if img.has_program(use.program) is not False:
            continue
        if name in _RUST_TOOLS and any("cargo install" in ins.original for ins in img.made.values()):
            continue  # a `cargo install` of some crate may have put it there
        yield RULE.finding(
            f"entrypoint script `{rel}` runs `{use.program}` before the app starts, but the final image (FROM "
            f"`{img.base}`) does not have it: the script fails with `{name}: not found` (a wait loop never "
            f"ends) and the app never starts; install it in the final stage ({img.how_to_install(name)})",
            Location(script.path, use.line, use.col, use.line, use.col + len(use.program)),
            key=f"program:{rel}:{name}",
            related=related,
        )


def _path_dirs(stage: Stage) -> tuple[str, ...] | None:
    """The directories of the stage's PATH: the default one, or an `ENV PATH` with no variable in it; None when
    it is not known."""
    env = stage.state.env.get("PATH")
    if env is None:
        return PATH_DIRS
    value = env[0]
    if "$" in value:
        return None
    return tuple(posixpath.normpath(d) for d in value.split(":") if d)


def _off_path(img: ImageContents, stage: Stage, launch: Launch) -> Copied | None:
    """The COPY that puts the program a launch names bare (`CMD ["app"]`) into a directory off PATH (the
    WORKDIR), when nothing else in the image provides a program of that name: Docker looks it up on PATH only."""
    name = launch.program
    dirs = _path_dirs(stage)
    if not launch.direct or "/" in name or "$" in name or not name or dirs is None or not img.complete:
        return None  # `sh wait.sh`: the shell opens the file from the working directory, no PATH lookup
    landed = [c for c in img.copies if posixpath.basename(c.dest) == name and not c.dir_like]
    if not landed or any(posixpath.dirname(c.dest) in dirs for c in landed):
        return None
    if any("bin" in posixpath.dirname(c.dest).split("/") for c in landed):
        return None  # `/usr/local/cargo/bin`, `/go/bin`: a bin folder the base image may put on PATH
    if any(c.dir_like and c.dest.rstrip("/") in dirs for c in img.copies):
        return None  # a whole bin directory was copied in
    if name in img.tools(copies=False):
        return None  # the base image or a package has a program of that name on PATH
    return landed[0]


def _off_path_finding(img: ImageContents, stage: Stage, launch: Launch) -> Finding | None:
    copy = _off_path(img, stage, launch)
    if copy is None:
        return None
    where = posixpath.dirname(copy.dest)
    return RULE.finding(
        f"{launch.what} runs `{launch.program}` by its bare name, but the image has it only at `{copy.dest}`, and "
        f"`{where}` is not on PATH: the container fails at start with `exec: \"{launch.program}\": executable file "
        f"not found in $PATH`; run it by its path (`{copy.dest}`), or copy it into `/usr/local/bin`",
        launch.location,
        key=f"offpath:{launch.program}",
        related=(Related(copy.instr.location, f"{copy.instr.cmd} puts it at `{copy.dest}`"),),
        extra={HELP: f"Run it by its path (`[\"{copy.dest}\"]`), or copy it to `/usr/local/bin/{launch.program}`."},
    )


def _build_checks(project: Project) -> Iterator[Finding]:
    for df, stage, builds in final_stages(project):
        based_on = is_base_image(project, df)
        for build in builds:
            img = None if based_on else build_contents(project, build)
            for launch in launches(build):
                if img is not None and (missing := _off_path_finding(img, stage, launch)) is not None:
                    yield missing
                    continue
                src = script_source(project, build, launch.program)
                if src is None:
                    continue
                final_runs, builder_runs = runs_after(df, build, src)
                first = first_argument(build, launch)
                yield from _script_findings(project, launch, src, img, final_runs, builder_runs, first)


def _image_service_checks(project: Project) -> Iterator[Finding]:
    """Image-only services whose compose `entrypoint:`/`command:` runs a bind-mounted script."""
    for _compose, svc in project.services():
        if project.build_of_service(svc) is not None or not svc.image or "$" in svc.image:
            continue
        for field in ("entrypoint", "command"):
            value = getattr(svc, field)
            if value is None or (field == "command" and svc.entrypoint is not None):
                continue
            node = svc.node.get(field)
            launch = launch_of(
                value, False, f"compose `{field}:` of service `{svc.name}`", node.loc if node else svc.location, None
            )
            if launch is None or "/" not in launch.program:
                continue
            src = bind_source(project, svc, posixpath.normpath(launch.program))
            if src is None or (field == "command" and data_file(src.host)):
                continue  # `command: /etc/redis/redis.conf` is an argument of the image's own entrypoint
            yield from _script_findings(project, launch, src, image_contents(project, svc.image), [], [])


def check(project: Project) -> Iterator[Finding]:
    yield from _build_checks(project)
    yield from _image_service_checks(project)


RULE = register(
    Rule(
        id="VW209",
        name="entrypoint-not-executable",
        level=Level.ERROR,
        summary="The script the container starts is not executable, has no `#!` line or CRLF line endings, or "
        "needs an interpreter or program the image does not have; or the program it names is not on PATH.",
        docs=RuleDocs(
            what="The program the container starts directly (argv[0] of an exec-form `ENTRYPOINT`, of `CMD` when "
            "there is no ENTRYPOINT, of compose `entrypoint:`/`command:` overrides (for an image-only service, a "
            "`command:` that names a config or data file, `/etc/redis/redis.conf`, is an argument of the image's own "
            "entrypoint), past `tini`/`dumb-init`/`gosu`/`su-exec`; the first command of a shell form) is followed to "
            "the file a `COPY`/`ADD` puts there from the build context (or a compose bind mount puts there; a file "
            "copied to a folder every base image has, `/usr/local/bin` without a trailing slash, lands inside it), "
            "and read "
            "as Docker sends it: its mode (the mode git commits it with when the file is tracked, since CI, deploy "
            "hosts and every fresh clone build from a checkout; the mode on disk otherwise) unless `COPY --chmod` or "
            "a later `RUN chmod` sets it; its first bytes (`#!`, a byte-order mark before it, CRLF line endings "
            "unless `.gitattributes` gives it `eol=lf`); the `#!` interpreter and the programs it runs before the app "
            "(`nc`, `curl`, `envsubst`, `su-exec`, `gosu`, `jq`, …), which must be in the final image (the image "
            "facts VW304 uses: `rules/images.json`, packages the stages install, files they copy). A script handed to "
            "an interpreter (`[\"sh\", \"/x.sh\"]`, `sh /x.sh`, a compose `entrypoint: /bin/bash` with the "
            "script as `command:`) needs no exec bit and no `#!`; a shell form needs no "
            "`#!` (sh runs such a file itself). Binary files and files over 256 KiB are not read; programs a script "
            "first looks for (`command -v nc`) are not claimed, nor programs in a `case \"$1\" in` arm that the "
            "container's first argument (compose `command:`, else the image CMD) does not select: a task runner's "
            "`db:migrate)` arm does not run for the `start` the image runs. Arms of other `case`s (one inside a shell "
            "function tests the function's argument, one after a `shift` another argument), and arms the argument "
            "selects, are checked. A program the script runs only inside the branches of an `if` (never on its own "
            "path) is not claimed: the condition may never pick it (wait-for-it.sh runs `nc` only when `timeout` is "
            "busybox's). A program started directly by its bare name (`CMD [\"app\"]`; not a script handed to `sh`) "
            "that the image has only where a COPY put it off PATH (`COPY --from=build /src/target/release/app .` into "
            "a `WORKDIR /srv`) is reported at the instruction: Docker looks a bare name up on PATH only (the default "
            "one, or the stage's own `ENV PATH`; no claim when that PATH has a variable, when the folder is a `bin` "
            "folder the base image may put on PATH, when the base image is not known, or when the base or a package "
            "has a program of that name).",
            why="runc execs the file itself: without an exec bit the container dies with `permission denied`, "
            "without `#!` with `exec format error`, with CRLF endings the kernel looks for `/bin/sh\\r` and "
            "reports `no such file or directory`, and `#!/bin/bash` in an Alpine or distroless image fails the "
            "same way. A wait loop on `nc` that the image lacks never ends. The local build often works "
            "(the author's disk has the bit, or Docker Desktop on Windows marks every file executable), so "
            "the failure shows up first in CI or on the server.",
            example="# docker/entrypoint.sh committed as 100644, with CRLF endings\n"
            "COPY docker/entrypoint.sh /entrypoint.sh\n"
            'ENTRYPOINT ["/entrypoint.sh"]',
            fix="`git update-index --chmod=+x docker/entrypoint.sh` and commit (or `COPY --chmod=755 …`, or "
            "`RUN chmod +x /entrypoint.sh`); start the file with `#!/bin/sh`; store it with LF endings and add "
            "`*.sh text eol=lf` to `.gitattributes`; install the interpreter and tools the script needs in the "
            "final stage.",
            fix_safety="Safe, for a script whose mode is the problem and that a `COPY` of that one file brings "
            "from the build context: the fix writes `--chmod=755` after `COPY`, so the file is executable in the "
            "image whatever mode the checkout gave it; its content and every other file are unchanged (`--chmod` "
            "needs BuildKit, the default builder since Docker 23). Scripts copied with others, through another "
            "stage or bind-mounted get no fix.",
        ),
        check=check,
        tags=("runtime", "dockerfile", "compose"),
        fixable=(Applicability.SAFE,),
    )
)
