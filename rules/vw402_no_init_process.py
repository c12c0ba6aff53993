"""VW402 no-init-process."""

from __future__ import annotations

from collections.abc import Iterator

from viworks_lint.bashexec import image_shells
from viworks_lint.dockerutil import final_stages, is_root_user
from viworks_lint.findings import HELP, Finding, Level, Related
from viworks_lint.fixes import Applicability, Fix, SetKey, safe_fix
from viworks_lint.images import lookup
from viworks_lint.initprocess import (
    code_signals,
    compose_init,
    deploy_init,
    forwarder_passes_stop,
    has_init,
    installed_framework,
    interpreter_handles_sigterm,
    published_init,
    script_is_init,
    script_shell_pid1,
    shell_pid1,
    stop_signal,
)
from viworks_lint.jobs import compose_job
from viworks_lint.keepalive import keep_alive, no_op_command
from viworks_lint.oneshot import runs_to_completion
from viworks_lint.parsers.dockerfile import Dockerfile, Instruction, Stage
from viworks_lint.platforms import runs_on_platform
from viworks_lint.project import Build, Project
from viworks_lint.rule import Rule, RuleDocs, register
from viworks_lint.signals import framework_signals
from viworks_lint.variants import fold_variants


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
        if all(compose_init(b) for b in stage_builds) or deploy_init(project, stage_builds):
            continue
        if published_init(project, stage_builds):
            continue
        if keep_alive(stage) is not None or no_op_command(stage) is not None:
            continue  # `tail -f /dev/null`/`sleep infinity` keeps a box up to exec into: no app is PID 1
        if shell_pid1(starter, image_shells(project, df, stage)):
            continue  # the shell is PID 1, not the app: VW403's finding on the same instruction
        if script_shell_pid1(project, stage, stage_builds, starter):
            continue  # the entrypoint script's shell is PID 1: VW403's finding on the script's last command
        if script_is_init(project, stage, stage_builds, starter):
            continue  # `exec supervisord`, or a script that traps SIGTERM and waits for the app it started
        if interpreter_handles_sigterm(starter, stage_builds):
            continue  # `node app.js` whose code calls `process.on("SIGTERM", …)`: it stops on its own
        running = [b for b in stage_builds if not compose_init(b)]
        served = [b for b in running if not compose_job(b)]
        running = served or running  # a `migrate` job beside the server: the server's signals decide
        # PID 1 is a server the image installs with `cargo install` (miniserve): its framework stops it, whatever
        # the repository's own code copied in beside it does
        installed = installed_framework(df, starter, [stop_signal(df, stage, b) for b in running])
        signals, linked = code_signals(project, running) if installed is None else (None, [])
        stops = [stop_signal(df, stage, b) for b in linked]
        handled = signals is not None and all(s.handles(sig) is not None for s, sig in zip(signals, stops, strict=True))
        spawn = next((s.spawns for s in signals or () if s.spawns is not None), None)
        if handled and spawn is None:
            continue  # the app stops on its stop signal itself and starts no child process to reap
        if spawn is None and forwarder_passes_stop(starter, stops):
            continue  # `dockerize -wait … app`: the launcher is PID 1 and passes the stop signal on to the app
        framework = None
        if signals is not None and spawn is None:
            frameworks = [s.framework for s in signals]
            framework = frameworks[0] if all(f is not None for f in frameworks) else None
            if framework is not None and not all(sig in framework_signals(framework[0]) for sig in stops):
                framework = None  # `STOPSIGNAL SIGUSR1`: a signal the framework does not stop on
        framework = framework or installed
        delegated = None
        turned_off = None
        if signals is not None and spawn is None and not handled and framework is None and all(
            sig == "SIGTERM" for sig in stops
        ):
            # a child process (even one it waits for) may leave grandchildren behind for PID 1 to reap
            handed = [s.delegated if s.children is None else None for s in signals]
            delegated = handed[0] if all(d is not None for d in handed) else None
            if delegated is None:  # the code turns the framework's handling off: a library stops it its own way
                off = [s.turned_off if s.children is None else None for s in signals]
                turned_off = off[0] if all(o is not None for o in off) else None
        related = tuple(
            Related(b.service.location, f"service `{b.service.name}` has no `init: true`")
            for b in stage_builds
            if b.service is not None and not compose_init(b)
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
                f"the app started by this {kind} runs as PID 1 with no init; {name} stops it on "
                f"{stops[0] if stops else 'SIGTERM'} by itself, "
                "so only zombie reaping is missing, which matters once the app or a timed-out healthcheck leaves "
                "child processes behind; `init: true` in compose (or tini) costs nothing"
            )
            why = f"{name} installs its SIGTERM handler here"
            if installed is not None:
                why = f"the server this installs is built on {name}, which installs its own SIGTERM handler"
            related = (*related, Related(where, why))
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
        elif turned_off is not None:
            name, where = turned_off
            message = (
                f"the app started by this {kind} runs as PID 1 with no init; its code turns {name}'s own SIGTERM "
                "handling off, which code does to stop on signals its own way, and no handler is in the repository, "
                "so a library whose source is not here likely stops it: only zombie reaping is missing; "
                "`init: true` in compose (or tini) costs nothing"
            )
            related = (*related, Related(where, f"{name}'s signal handling is turned off here"))
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
    names = (f"`{b.service.name}`" for b in builds if b.service is not None and not compose_init(b))
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
        if b.service is not None and b.compose is not None and not compose_init(b)
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
            "Rust code the image runs (the build's link to its packages, with the repository libraries they use: "
            "by path, or by a git URL naming this repository, or from crates.io when the repository publishes the "
            "crate, whose modules the code names are read) handles the image's stop signal itself and "
            "starts no child process: SIGTERM through `tokio::signal::unix::signal(SignalKind::terminate())` (e.g. in "
            "an axum `with_graceful_shutdown` future), `signal_hook`/`nix` `SIGTERM` or `ctrlc` with its "
            "`termination` feature; or SIGINT (`tokio::signal::ctrl_c`, `ctrlc`) when `STOPSIGNAL SIGINT` or compose "
            "`stop_signal: SIGINT` makes that the signal `docker stop` sends. `ctrl_c` alone under the default "
            "SIGTERM does not count. When only the framework stops the app on SIGTERM (or on the image's "
            "`STOPSIGNAL`, when the framework handles that signal too: `signals` in the data file, such as SIGINT for "
            "actix-web, actix-server, xitca-web, pingora and tokio-graceful-shutdown) (the frameworks of "
            "`rules/signal_frameworks.json`, each with its sources: actix-web's `HttpServer` and actix-server's "
            "`Server` unless `.disable_signals()`, xitca-web's server unless `.disable_signal()`, Rocket from 0.5, "
            "pingora's `Server::run_forever`, rusty-celery's consumer (`consume_from`; not its `Beat`), volo-thrift's "
            "generated `…Server::new(service).run(addr)`, when the code depends on the framework's crate; for one of "
            "several binaries of a package whose library starts the server, when the binary names the library module "
            "that starts it, `use shop::web`) and the code starts no child process, it is a note: only zombie reaping "
            "is missing; so it is when PID 1 is a server a RUN installs with `cargo install` that is built on such a "
            "framework (`miniserve`: `programs` in the data file); also when the build picks its binary by a build "
            "argument we cannot see (`cargo install --path $CRATE`) and every package with a binary in the build "
            "context is such a framework server; and when the code hands its stop signals to a function named for "
            "them (`stop_signal_listener()`, `shutdown_signal()`) of a registry or git dependency whose source the "
            "repository does not hold, and starts no child process at all (a child it waits for may leave "
            "grandchildren to PID 1), or turns such a framework's own handling off (`.disable_signals()`, which code "
            "does to stop on signals its own way) with no handler of its own in sight (not even a `ctrl_c`, which "
            "would miss SIGTERM) and depends on a registry or git library named for running the app (a `…runtime`, "
            "`…shutdown`, `…graceful`, `…lifecycle` crate), which likely stops it. When the code handles its stop "
            "signal but starts child processes it never waits for (a "
            "`std::process::Command`/`tokio::process::Command` `.spawn()` in a file with no `.wait()`, or a `fork`; "
            "`.status()`/`.output()` reap their child), the finding says so and points at the spawn; an image that "
            "runs a binary built outside its Dockerfile (copied from the host or a CI artifact) is linked to the one "
            "package of the repository with a binary of that name, and a binary copied from a build stage under a "
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
            "`/opt/extensions`; Fly.io, for the Dockerfile a `fly.toml` deploys; Heroku, for the one a `heroku.yml` "
            "or a CI deploy step, `heroku container:push` or `akhileshns/heroku-deploy` with `usedocker: true`, "
            "deploys) when no compose service of a deploy compose file that the repository deploys (a wrapper or CI "
            "step runs it, or runs compose over ssh) runs it.",
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
