"""VW402 no-init-process."""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterator
from pathlib import Path

from viworks_lint.bashexec import Shells, execs_tail, image_shells
from viworks_lint.dockerutil import commands, final_stages, is_root_user
from viworks_lint.findings import HELP, Finding, Level, Related
from viworks_lint.fixes import Applicability, Fix, SetKey, safe_fix
from viworks_lint.hostroot import published_services
from viworks_lint.images import lookup
from viworks_lint.jobs import compose_job
from viworks_lint.keepalive import keep_alive, no_op_command
from viworks_lint.oneshot import runs_to_completion
from viworks_lint.parsers.compose import Service, command_words
from viworks_lint.parsers.dockerfile import Dockerfile, Instruction, Stage
from viworks_lint.platforms import runs_on_platform
from viworks_lint.project import Build, Project
from viworks_lint.rule import Rule, RuleDocs, register
from viworks_lint.scope import deploy_service_builds
from viworks_lint.scripts import entry_script, script_argv
from viworks_lint.scripttail import script_tail
from viworks_lint.signals import SignalFacts, candidate_signals, forwards_signal, image_signals
from viworks_lint.variants import fold_variants

INITS = (
    "tini",
    "dumb-init",
    "s6-svscan",
    "catatonit",
    "docker-init",
    "/init",
    "s6-overlay-suexec",
    "runit",
    "supervisord",
    "pid1",
)


def _words(instr: Instruction) -> list[str]:
    if instr.json:
        return list(instr.args)
    return " ".join(instr.args).split()


def has_init(instr: Instruction | None) -> bool:
    if instr is None:
        return False
    words = _words(instr)
    for w in words[:3]:
        base = w.rsplit("/", 1)[-1]
        if w in INITS or base in INITS or base.startswith(("tini", "dumb-init")):
            return True
    return False


# interpreters whose programs install their own SIGTERM handler in their source (the app is not Rust here)
_HANDLERS = {
    "node": (re.compile(r"\bprocess\.(?:on|once|addListener|prependListener)\(\s*['\"`]SIGTERM"),
             (".js", ".mjs", ".cjs", ".ts", ".mts")),
    "python": (re.compile(r"\bsignal\.signal\(\s*(?:signal\.)?SIGTERM|add_signal_handler\(\s*(?:signal\.)?SIGTERM"),
               (".py",)),
}  # fmt: skip
_SKIP_DIRS = frozenset({"node_modules", ".git", "target", "dist-types", "__pycache__", ".venv", "venv"})


def _interpreter_handles_sigterm(starter: Instruction, builds: list[Build]) -> bool:
    """The image starts an interpreter (`node dist/index.js`, `python -m app`) and the build context's sources of
    that language install a SIGTERM handler: the program stops on `docker stop` by itself."""
    words = _words(starter)
    prog = posixpath.basename(words[0]) if words else ""
    lang = "node" if prog in ("node", "bun", "deno") else "python" if prog.startswith("python") else None
    if lang is None:
        return False
    pattern, suffixes = _HANDLERS[lang]
    for b in builds:
        seen = 0
        for root, dirs, files in os.walk(b.context):
            dirs[:] = [d for d in dirs if d not in _SKIP_DIRS]
            for name in files:
                if not name.endswith(suffixes):
                    continue
                seen += 1
                if seen > 3000:
                    return False
                try:
                    path = os.path.join(root, name)
                    if os.path.getsize(path) < 1_000_000 and pattern.search(Path(path).read_text("utf-8", "replace")):
                        return True
                except OSError:
                    continue
    return False


def _forwarder(starter: Instruction, stops: list[str]) -> bool:
    """The exec-form ENTRYPOINT/CMD starts a launcher that forwards every stop signal of the services to the
    command it starts (rules/signal_frameworks.json ``forwarders``)."""
    words = _words(starter)
    signals = stops or ["SIGTERM"]
    return starter.json and bool(words) and all(forwards_signal(words[0], sig) for sig in signals)


def _compose_init(build: Build) -> bool:
    return build.service is not None and _service_init(build.service)


def _service_init(svc: Service) -> bool:
    """The service runs its image under an init: `init: true`, or an init as its `entrypoint`."""
    if svc.init is True:
        return True
    words = command_words(svc.entrypoint)
    return any(w.rsplit("/", 1)[-1] in INITS or w in INITS for w in words[:3])


def shell_pid1(instr: Instruction, shells: Shells | None = None) -> bool:
    """A shell stays PID 1 and the app is its child: a shell form not started with ``exec``, or an exec-form
    ``sh -c`` with several commands whose last one is not ``exec``'d; not when the shell execs that last command
    itself (``bash -c`` when the image's bash is 5.1 or newer, BusyBox's ``sh``). VW403 reports that instruction."""
    if not instr.json:
        text = instr.args[0] if instr.args else ""
        cmds = commands(text)
        if shells is not None and execs_tail(["/bin/sh", "-c", text], shells):
            return False
        return not (text.lstrip().startswith("exec ") or (len(cmds) == 1 and cmds[0][:1] == ["exec"]))
    script, rest = script_argv(list(instr.args))
    if script is not None or len(rest) < 3:
        return False
    cmds = commands(rest[2])
    return len(cmds) > 1 and cmds[-1][:1] != ["exec"] and not (shells is not None and execs_tail(rest, shells))


def _signals(project: Project, builds: list[Build]) -> tuple[list[SignalFacts] | None, list[Build]]:
    """What the code the image runs does with signals, read through each build that links the image to its code
    (a test compose file's build from another context may not: the same stage builds the same program), with
    those builds; None when no build links it."""
    out: list[SignalFacts] = []
    linked: list[Build] = []
    for b in builds:
        facts = image_signals(project, b) or candidate_signals(project, b)
        if facts is not None:
            out.append(facts)
            linked.append(b)
    return (out or None), (linked or builds)


_SIGNAL_NUMBERS = {"2": "SIGINT", "15": "SIGTERM"}


def _signal_name(raw: str) -> str:
    name = raw.strip().strip("\"'").upper()
    name = _SIGNAL_NUMBERS.get(name, name)
    return name if name.startswith("SIG") else "SIG" + name


def _stop_signal(df: Dockerfile, stage: Stage, build: Build) -> str:
    """The signal ``docker stop`` sends: compose ``stop_signal``, else the stage's last ``STOPSIGNAL``
    (inherited through ``FROM <stage>``), else SIGTERM."""
    node = build.service.node.get("stop_signal") if build.service is not None else None
    if node is not None and isinstance(node.value, (str, int)):
        return _signal_name(str(node.value))
    current: Stage | None = stage
    while current is not None:
        for instr in reversed(current.instructions):
            if instr.cmd == "STOPSIGNAL" and instr.args:
                return _signal_name(instr.args[0])
        current = df.stages[current.parent] if current.parent is not None else None
    return "SIGTERM"


def _deploy_init(project: Project, builds: list[Build]) -> bool:
    """The compose services that ship the image (deploy scope) all set `init: true`; services of dev, test or
    benchmark compose files that run it without one do not make it a finding."""
    shipped = deploy_service_builds(project, builds)
    return bool(shipped) and all(_compose_init(b) for b in shipped)


def _published_init(project: Project, builds: list[Build]) -> bool:
    """No compose service builds the image, and the image-only services that run what it publishes (an `image:`
    named for the program it starts, `ghcr.io/acme/feed` for `feed`) all set `init: true`."""
    if any(b.service is not None for b in builds):
        return False
    services = published_services(project, builds)
    return bool(services) and all(_service_init(svc) for svc in services)


def _script_shell_pid1(project: Project, stage: Stage, builds: list[Build], starter: Instruction) -> bool:
    """The ENTRYPOINT/CMD runs an entrypoint script whose last command starts the program without ``exec``."""
    for b in builds:
        found = entry_script(project, b, stage, starter)
        if found is not None:
            return script_tail(found.text) is not None
    return False


_TRAP_TERM = re.compile(r"^\s*trap\s+.+\s(?:SIG)?TERM\b|^\s*trap\s+.+\s15\b", re.MULTILINE)
_WAITS = re.compile(r"^\s*wait(?:[ \t]|$)", re.MULTILINE)  # not `wait-for-it.sh`
_EXEC_INIT = re.compile(r"^\s*exec\s+(\S+)", re.MULTILINE)


def _script_is_init(project: Project, stage: Stage, builds: list[Build], starter: Instruction) -> bool:
    """The entrypoint script does an init's work: it ends by exec'ing a process manager (`exec supervisord`,
    `exec s6-svscan`), or it traps SIGTERM and `wait`s for the app it started in the background (it forwards the
    signal and reaps its child)."""
    for b in builds:
        found = entry_script(project, b, stage, starter)
        if found is None:
            continue
        execs = _EXEC_INIT.findall(found.text)
        if execs:  # the last `exec` replaces the shell: an init, or the app (then the trap is gone with it)
            return execs[-1].strip("\"'").rsplit("/", 1)[-1] in INITS
        return _TRAP_TERM.search(found.text) is not None and _WAITS.search(found.text) is not None
    return False


def check(project: Project) -> Iterator[Finding]:
    return fold_variants(project, _findings(project))


def _findings(project: Project) -> Iterator[tuple[Finding, list[Build]]]:
    for df, stage, stage_builds in final_stages(project):
        state = stage.state
        starter = state.entrypoint or state.cmd
        if starter is None:
            continue  # the base image's own command runs: not our app
        if has_init(state.entrypoint) or (state.entrypoint is None and has_init(state.cmd)):
            continue
        if state.entrypoint is None and lookup(df.root_base(stage), project.config.base_images).init_entrypoint:
            continue
        if all(_compose_init(b) for b in stage_builds) or _deploy_init(project, stage_builds):
            continue
        if _published_init(project, stage_builds):
            continue
        if keep_alive(stage) is not None or no_op_command(stage) is not None:
            continue  # `tail -f /dev/null`/`sleep infinity` keeps a box up to exec into: no app is PID 1
        if shell_pid1(starter, image_shells(project, df, stage)):
            continue  # the shell is PID 1, not the app: VW403's finding on the same instruction
        if _script_shell_pid1(project, stage, stage_builds, starter):
            continue  # the entrypoint script's shell is PID 1: VW403's finding on the script's last command
        if _script_is_init(project, stage, stage_builds, starter):
            continue  # `exec supervisord`, or a script that traps SIGTERM and waits for the app it started
        if _interpreter_handles_sigterm(starter, stage_builds):
            continue  # `node app.js` whose code calls `process.on("SIGTERM", …)`: it stops on its own
        running = [b for b in stage_builds if not _compose_init(b)]
        served = [b for b in running if not compose_job(b)]
        running = served or running  # a `migrate` job beside the server: the server's signals decide
        signals, linked = _signals(project, running)
        stops = [_stop_signal(df, stage, b) for b in linked]
        handled = signals is not None and all(s.handles(sig) is not None for s, sig in zip(signals, stops, strict=True))
        spawn = next((s.spawns for s in signals or () if s.spawns is not None), None)
        if handled and spawn is None:
            continue  # the app stops on its stop signal itself and starts no child process to reap
        if spawn is None and _forwarder(starter, stops):
            continue  # `dockerize -wait … app`: the launcher is PID 1 and passes the stop signal on to the app
        framework = None
        if signals is not None and spawn is None and all(sig == "SIGTERM" for sig in stops):
            frameworks = [s.framework for s in signals]
            framework = frameworks[0] if all(f is not None for f in frameworks) else None
        delegated = None
        if signals is not None and spawn is None and not handled and framework is None and all(
            sig == "SIGTERM" for sig in stops
        ):
            # a child process (even one it waits for) may leave grandchildren behind for PID 1 to reap
            handed = [s.delegated if s.children is None else None for s in signals]
            delegated = handed[0] if all(d is not None for d in handed) else None
        related = tuple(
            Related(b.service.location, f"service `{b.service.name}` has no `init: true`")
            for b in stage_builds
            if b.service is not None and not _compose_init(b)
        )
        kind = "ENTRYPOINT" if state.entrypoint is not None else "CMD"
        level = None
        done = runs_to_completion(project, stage, stage_builds) if framework is None else None
        platform = None if done is not None else runs_on_platform(project, df, stage, stage_builds)
        jobs = [b for b in stage_builds if b.service is not None]
        if done is None and jobs and all(compose_job(b) for b in jobs) and len(jobs) == len(stage_builds):
            names = ", ".join(f"`{b.service.name}`" for b in jobs if b.service is not None)
            message = (
                f"the program started by this {kind} runs as PID 1 with no init, but compose runs the image only as "
                f"a one-shot job ({names}: another service waits for it to complete, or it is a `restart: \"no\"` "
                "migration or seed job) that ends on its own: only a stop in mid-run waits for SIGKILL; `init: true` "
                "if that matters"
            )
            level = Level.NOTE
        elif done is not None:
            what = "a command-line tool" if done.cli else "a one-shot job"
            message = (
                f"the program started by this {kind} runs as PID 1 with no init, but it is {what} that runs to "
                "completion (its code serves nothing and nothing keeps it running; the image has no EXPOSE or "
                "HEALTHCHECK and no compose service publishes or restarts it): only a stop in mid-run waits for "
                "SIGKILL; `docker run --init` or `init: true` if that matters"
            )
            related = (*related, Related(done.where, "its subcommands" if done.cli else "the program's code"))
            level = Level.NOTE
        elif platform is not None:
            message = (
                f"the app started by this {kind} runs as PID 1 with no init where the image runs as a container; "
                f"it is built for {platform.platform.name} ({platform.evidence}), where "
                f"{platform.platform.init}: `init: true` on a compose service that runs it elsewhere"
            )
            related = (*related, Related(platform.location, f"the image is built for {platform.platform.name} here"))
            level = Level.NOTE
        elif handled and spawn is not None:
            message = (
                f"the app started by this {kind} runs as PID 1 with no init: it handles its stop signal itself, but it "
                "starts child processes, and those it does not wait for (or that they leave behind) become zombies no "
                "init reaps; use tini/dumb-init or `init: true` in compose"
            )
            related = (*related, Related(spawn, "the app starts a child process here"))
        elif framework is not None:
            name, where = framework
            message = (
                f"the app started by this {kind} runs as PID 1 with no init; {name} stops it on SIGTERM by itself, "
                "so only zombie reaping is missing, which matters once the app or a timed-out healthcheck leaves "
                "child processes behind; `init: true` in compose (or tini) costs nothing"
            )
            related = (*related, Related(where, f"{name} installs its SIGTERM handler here"))
            level = Level.NOTE
        elif delegated is not None:
            name, where = delegated
            message = (
                f"the app started by this {kind} runs as PID 1 with no init; its code hands the stop signals to "
                f"`{name}`, from a library whose source is not in the repository, so it likely stops on SIGTERM "
                "by itself and only zombie reaping is missing; `init: true` in compose (or tini) costs nothing"
            )
            related = (*related, Related(where, f"the code calls `{name}` here"))
            level = Level.NOTE
        else:
            message = (
                f"the app started by this {kind} runs as PID 1 with no init: zombies are never reaped and "
                "SIGTERM may be ignored; use tini/dumb-init or `init: true` in compose"
            )
        yield RULE.finding(
            message,
            starter.location,
            key=f"{kind}:{stage.label}",
            related=related,
            fix=_fix(stage_builds),
            level=level,
            extra={HELP: _help(project, df, stage, starter, kind, stage_builds, on_platform=platform is not None)},
        ), stage_builds


# how a distribution's package manager installs tini, and where it puts it
_TINI = {"apt": ("RUN apt-get update && apt-get install -y --no-install-recommends tini", "/usr/bin/tini"),
         "apk": ("RUN apk add --no-cache tini", "/sbin/tini")}  # fmt: skip


def _help(
    project: Project,
    df: Dockerfile,
    stage: Stage,
    starter: Instruction,
    kind: str,
    builds: list[Build],
    *,
    on_platform: bool = False,
) -> str:
    """The fix for this image: `init: true` on the services that run it, or tini in front of its own program (not
    for an image a platform runs under its own init)."""
    names = (f"`{b.service.name}`" for b in builds if b.service is not None and not _compose_init(b))
    services = list(dict.fromkeys(names))  # one name once, though several compose files run it
    compose = f"add `init: true` to service{'s' if len(services) > 1 else ''} {', '.join(services)}" if services else ""
    manager = lookup(df.root_base(stage), project.config.base_images).package_manager
    tini = None if on_platform else _TINI.get(manager or "")
    image = ""
    if tini is not None and starter.json:
        install, path = tini
        user = stage.state.user
        # a RUN after a non-root USER cannot install packages
        where = f" before `USER {user}`" if user is not None and not is_root_user(user) else ""
        if kind == "CMD":
            image = f'`{install}`{where} and `ENTRYPOINT ["{path}", "--"]` (the CMD stays the program)'
        else:
            argv = ", ".join(f'"{v}"' for v in (starter.expanded or starter.args))
            image = f'`{install}`{where} and `ENTRYPOINT ["{path}", "--", {argv}]`'
    if compose and image:
        return f"{compose[0].upper()}{compose[1:]}, or put tini in the image: {image}."
    if compose or image:
        text = compose or image
        return f"{text[0].upper()}{text[1:]}."
    return "Run the container with `docker run --init` (or `init: true` on the compose service that runs it)."


def _fix(builds: list[Build]) -> Fix | None:
    """``init: true`` on every compose service that runs the image without it; none for an image no
    compose service runs (installing an init in the image is a choice of package and base)."""
    edits = [
        SetKey(b.compose.files, ("services", b.service.name, "init"), True)
        for b in builds
        if b.service is not None and b.compose is not None and not _compose_init(b)
    ]
    if not edits or any(b.service is None for b in builds):
        return None
    names = ", ".join(f"`{e.keys[1]}`" for e in edits)
    return safe_fix(f"set `init: true` on service {names}", *edits)


RULE = register(
    Rule(
        id="VW402",
        name="no-init-process",
        level=Level.WARNING,
        summary="The app runs as PID 1 with no init to reap zombies and forward signals.",
        docs=RuleDocs(
            what="The image's ENTRYPOINT (or CMD) starts the app directly, with no `tini`, `dumb-init` or `s6` in "
            "front of it, and the compose services that run it do not set `init: true` (when the compose files that "
            "ship it, in deploy scope, all set it, services of dev, test or benchmark compose files without it do not "
            "count). Silent when the entrypoint script it runs starts the program without `exec` (its shell is PID 1: "
            "VW403's finding on the script), when the image only inherits its base's command or only keeps the "
            "container up (`tail -f /dev/null`, `sleep infinity`: no app is PID 1) or has a CMD that does nothing "
            "(`CMD [\"false\"]`, no ENTRYPOINT: an image of tools whose runner gives the command), when it starts a "
            "launcher that stays PID 1 and forwards the stop signal to the app (`dockerize -wait tcp://db:5432 app`, "
            "rules/signal_frameworks.json `forwarders`, with sources) and the app's code starts no child process (or "
            "its code is not known: the launcher's signal forwarding is what the finding was about), when it starts "
            "an interpreter (`node`, `bun`, `deno`, `python`) whose sources in the build context install a SIGTERM "
            "handler (`process.on(\"SIGTERM\", …)`, `signal.signal(signal.SIGTERM, …)`), when the base image's "
            "entrypoint is an init, for image-only services (and for an image no compose service builds whose "
            "published name, `ghcr.io/acme/feed` for the program `feed`, the image-only services that run it all "
            "start with `init: true`), for a shell-form (or multi-command `sh -c`) ENTRYPOINT/CMD, where the shell is "
            "PID 1 and VW403 reports the instruction (but `bash -c \"migrate && app\"` on an image whose bash is 5.1 "
            "or newer, per `distro_bash` in `rules/images.json`, execs `app` as PID 1, and so does BusyBox's `sh` of "
            "an Alpine image for `CMD ./app` or `sh -c \"migrate; app\"`, so those are checked here), and when the "
            "Rust code the image runs (the build's link to its packages) handles the image's stop signal itself and "
            "starts no child process: SIGTERM through `tokio::signal::unix::signal(SignalKind::terminate())` (e.g. in "
            "an axum `with_graceful_shutdown` future), `signal_hook`/`nix` `SIGTERM` or `ctrlc` with its "
            "`termination` feature; or SIGINT (`tokio::signal::ctrl_c`, `ctrlc`) when `STOPSIGNAL SIGINT` or compose "
            "`stop_signal: SIGINT` makes that the signal `docker stop` sends. `ctrl_c` alone under the default "
            "SIGTERM does not count. When only the framework stops the app on SIGTERM (the frameworks of "
            "`rules/signal_frameworks.json`, each with its sources: actix-web's `HttpServer` and actix-server's "
            "`Server` unless `.disable_signals()`, xitca-web's server unless `.disable_signal()`, Rocket from 0.5, "
            "pingora's `Server::run_forever`, when the code depends on the framework's crate) and the code starts no "
            "child process, it is a note: only zombie reaping is missing; also when the build picks its binary by a "
            "build argument we cannot see (`cargo install --path $CRATE`) and every package with a binary in the "
            "build context is such a framework server; and when the code hands its stop signals to a function named "
            "for them (`stop_signal_listener()`, `shutdown_signal()`) of a registry or git dependency whose source "
            "the repository does not hold, and starts no child process at all (a child it waits for may leave "
            "grandchildren to PID 1). When the code handles its stop signal but starts child processes it never waits "
            "for (a `std::process::Command`/`tokio::process::Command` `.spawn()` in a file with no `.wait()`, or a "
            "`fork`; `.status()`/`.output()` reap their child), the finding says so and points at the spawn; an image "
            "that runs a binary built outside its Dockerfile (copied from the host or a CI artifact) is linked to the "
            "one package of the repository with a binary of that name, and a binary copied from a build stage under a "
            "name the build does not produce (a `cargo install` output renamed by mistake) to the package when the "
            "build compiles only one, with one binary; when the image cannot be linked to its code, it is reported "
            "(no handler can be shown); when several compose files build the same image and only some builds link it "
            "(a test stack building from its own folder), the code is read through those that do. Several Dockerfiles "
            "that ship the same program (the same package's binary: multi-arch and single-arch, glibc and alpine "
            "variants) with the same finding are reported once, at one that compose or CI builds (else the first "
            "path), with the others as related locations. A note, saying why, when the program runs to completion: a "
            "command-line tool (clap subcommands of its own command line, an ENTRYPOINT whose default command is "
            "`help`, or a terminal UI, ratatui/tui or crossterm's raw mode, that a person quits) or a one-shot job "
            "whose own code serves nothing and shows nothing that keeps it running (no unbounded `loop`, no `while` "
            "on a stop flag or a channel, no queue consumer, timer or signal wait, nor in the library functions it "
            "calls a worker pool, consumer, server or timer), with no HEALTHCHECK, no EXPOSE but the one copied from "
            "the Dockerfile of the same package's server binary, and no compose `ports:` or always-on `restart:`. A "
            "compose service that runs the image as a one-shot job beside the serving ones (another service waits for "
            "it with `service_completed_successfully`, or it is a `migrate`/`seed`/`init` service with `restart: "
            "\"no\"`) does not decide: the serving services' code does; when every service that runs the image is "
            "such a job, it is a note. An entrypoint script that execs a process manager (`exec supervisord`) or "
            "traps SIGTERM and `wait`s for the app it started in the background (and ends with no `exec` of the app) "
            "is the init; a script a builder stage moves into place (`mv bin/entrypoint.sh /runtime/usr/local/bin`, "
            "then `COPY --from=builder /runtime /`) is read too. The program of a one-command `sh -c 'prog \"$@\"'` "
            "is linked to its crate like an exec-form one, so its own SIGTERM handling counts. A note too for a "
            "Dockerfile that cannot build as it is (a VW106 error) when nothing builds it or the repository has no "
            "binary at all (a crate that became a library), or for one nothing builds that was retired: its only "
            "build line in a compose file or CI workflow is commented out (not a `# build: .` to uncomment under a "
            "service that still pulls the image), or a `deploy` Dockerfile that compose or CI builds ships the same "
            "binaries (not when a `fly.toml`/`render.yaml` may build it). A note for an image built for a platform "
            "whose own process manager is PID 1 (`rules/platforms.json`, with sources: AWS Lambda, from a "
            "`public.ecr.aws/lambda/*` base or with a Lambda extension such as the Lambda Web Adapter copied into "
            "`/opt/extensions`; Fly.io, for the Dockerfile a `fly.toml` deploys) when no compose service of a deploy "
            "compose file that the repository deploys (a wrapper or CI step runs it, or runs compose over ssh) runs "
            "it.",
            why="PID 1 gets no default signal handlers: unless the app installs its own, `docker stop` waits the full "
            "grace period and then SIGKILLs it, cutting requests and skipping shutdown hooks. Child processes "
            "(a healthcheck's curl, a spawned migration) are never reaped and pile up as zombies.",
            example='ENTRYPOINT ["/usr/local/bin/backend"]',
            fix='`RUN apt-get install -y tini` and `ENTRYPOINT ["/usr/bin/tini", "--", '
            '"/usr/local/bin/backend"]`, or add `init: true` to the compose service.',
            fix_safety="Safe. The fix sets `init: true` on each compose service that runs the image (an image no "
            "compose service runs gets no automatic fix). Docker then starts its bundled `docker-init` (tini) as "
            "PID 1, which runs the same entrypoint and command as its child, forwards every signal to it and reaps "
            "zombies; the app's arguments, environment and exit code are unchanged.",
        ),
        check=check,
        tags=("hardening", "reliability", "dockerfile"),
        fixable=(Applicability.SAFE,),
    )
)
