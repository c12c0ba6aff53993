"""VW401 runs-as-root."""

from __future__ import annotations

import re
from collections.abc import Iterator

from viworks_lint.dockerutil import final_stages, is_root_user
from viworks_lint.findings import HELP, Finding, Level, Related
from viworks_lint.hostroot import docker_client, host_root, published_services
from viworks_lint.images import lookup
from viworks_lint.imagescope import released
from viworks_lint.jobs import compose_job, copy_job
from viworks_lint.keepalive import no_op_command
from viworks_lint.location import Location
from viworks_lint.oneshot import runs_to_completion
from viworks_lint.parsers.compose import Service
from viworks_lint.parsers.dockerfile import Dockerfile, Instruction, Stage
from viworks_lint.platforms import runs_on_platform
from viworks_lint.privdrop import privilege_drop, unknown_drop_user
from viworks_lint.project import Build, Project
from viworks_lint.rule import Rule, RuleDocs, register
from viworks_lint.standalonebuild import one_off_run
from viworks_lint.variants import fold_variants


def _service_user_nonroot(build: Build) -> bool:
    svc = build.service
    return svc is not None and svc.user is not None and svc.user.strip() != "" and not is_root_user(svc.user)


def _privileged(build: Build) -> bool:
    """The compose service runs the container `privileged: true`: it needs root by design (hardware counters,
    devices, network setup), and a non-root USER would break it."""
    return build.service is not None and _privileged_service(build.service)


def _hardware_mounts(svc: Service) -> bool:
    """The service mounts the host's devices or kernel interfaces (`/sys/class/powercap`, `/dev/…`): the same
    hardware access a privileged run of the image is given elsewhere."""
    return any(m.type == "bind" and (m.source or "").startswith(("/sys/", "/dev/")) for m in svc.volumes)


def _privileged_service(svc: Service) -> bool:
    node = svc.node.get("privileged")
    return node is not None and node.value is True


def check(project: Project) -> Iterator[Finding]:
    return fold_variants(project, _findings(project))


def _findings(project: Project) -> Iterator[tuple[Finding, list[Build]]]:
    for df, stage, stage_builds in final_stages(project):
        user, user_instr = stage.state.user, stage.state.user_instr
        if user_instr is not None and user_instr.unresolved:
            continue  # USER from a build argument we cannot see
        if user is not None and not is_root_user(user):
            continue
        if user is None and lookup(df.root_base(stage), project.config.base_images).nonroot:
            continue
        root = df.root_base(stage)
        if user is None and (not root.strip() or "$" in root):
            continue  # `FROM ${BASE_IMAGE}` with no default: the image whose user it inherits is not known
        if all(_service_user_nonroot(b) for b in stage_builds):
            continue
        if stage_builds and all(
            _service_user_nonroot(b) or privilege_drop(project, b, df, stage) is not None for b in stage_builds
        ):
            continue  # the entrypoint starts as root only to set up, then execs the app as its user
        broken = next((d for b in stage_builds if (d := unknown_drop_user(project, b, df, stage)) is not None), None)
        if broken is not None:
            yield RULE.finding(
                f"the image starts as root to drop to user `{broken.user}` with `{broken.tool}`, but it has no "
                f"such user (no RUN creates it, and `{df.root_base(stage)}` has none): `{broken.tool}` cannot look "
                "it up and the container exits at start; create the user, or name the one the image creates",
                broken.location,
                key=f"dropuser:{stage.label}",
                related=(
                    Related(user_instr.location, f"the final stage `{stage.label}` switches to `USER {user}`")
                    if user_instr is not None
                    else Related(stage.from_instr.location, f"the final stage `{stage.label}` sets no USER"),
                ),
                extra={
                    HELP: f"Create the user in the image (`RUN adduser -D -H {broken.user}`), or drop to the user "
                    "it creates."
                },
            ), stage_builds
            continue
        privileged = bool(stage_builds) and all(_privileged(b) or _service_user_nonroot(b) for b in stage_builds)
        built_by_compose = any(b.service for b in stage_builds)
        # the image CI publishes, run by the repository's compose files as `image:` (`hubblo/scaphandre`)
        published = published_services(project, stage_builds) if not built_by_compose else []
        if not privileged and not built_by_compose:
            privileged = any(_privileged_service(s) for s in published) and all(
                _privileged_service(s) or _hardware_mounts(s) for s in published
            )
        related = tuple(
            Related(
                b.service.location,
                f"service `{b.service.name}` sets `user: {b.service.user}`, root on purpose"
                if b.service.user is not None and b.service.user.strip()
                else f"service `{b.service.name}` runs this image without a non-root `user:`",
            )
            for b in stage_builds
            if b.service is not None and not _service_user_nonroot(b)
        )
        services = bool(related)
        done = runs_to_completion(project, stage, stage_builds)
        cli = done is not None and done.cli
        if done is not None and cli:
            related = (*related, Related(done.where, "the program is a command-line tool: its subcommands"))
        sockets = host_root(project, [b for b in stage_builds if not _service_user_nonroot(b)])
        related += tuple(Related(m.location, f"service `{svc.name}` mounts the Docker socket") for svc, m in sockets)
        image_env = {k: v for k, (v, _i) in stage.state.env.items()}
        client = docker_client(project, stage_builds, image_env) if not sockets and stage_builds else None
        if client is not None:
            related = (*related, Related(client[1], f"the app is a Docker API client (`{client[0]}`)"))
        platform = runs_on_platform(project, df, stage, stage_builds)
        if platform is not None and platform.platform.user is None:
            platform = None  # the platform runs the image's own USER
        if platform is not None:
            related = (*related, Related(platform.location, f"the image is built for {platform.platform.name} here"))
        no_op = no_op_command(stage)
        if no_op is not None:
            related = (*related, Related(no_op.location, "its own command does nothing"))
        one_off = one_off_run(project, df) if not (services or built_by_compose or published) else None
        if one_off is not None:
            related = (*related, Related(Location(one_off[0], one_off[1], 1), f"run only as `{one_off[2]}`"))
        reason = _stated_reason(df, user_instr) if user_instr is not None else None
        # (not when CI also ships the image, whose own command then runs as root wherever it is pulled)
        copier = any(copy_job(b) for b in stage_builds) and all(
            copy_job(b) or _service_user_nonroot(b) for b in stage_builds
        ) and released(project, df.path) is None
        if copier:
            related = (*related, *(Related(b.service.location, f"service `{b.service.name}` only copies the image's "
                                           "files into a volume and exits") for b in stage_builds if b.service))
        # every service that runs it is a one-shot job another waits for (a seed or migration run): root lasts one run
        job = not copier and any(b.service for b in stage_builds) and all(
            compose_job(b) or _service_user_nonroot(b) for b in stage_builds
        )
        advice = bool(privileged or cli or sockets or client or platform or no_op is not None or reason or one_off)
        advice = advice or copier or job
        level = Level.NOTE if advice else None
        on_platform = (
            f"; it is built for {platform.platform.name} ({platform.evidence}), and {platform.platform.user} "
            "(only advice, for where else it runs)"
            if platform is not None
            else ""
        )
        if user_instr is not None:
            yield RULE.finding(
                f"the final stage `{stage.label}` switches to `USER {user}`: the app runs as root"
                + _PRIV * privileged
                + _CLI * cli
                + _SOCKET * bool(sockets)
                + _client(client)
                + _NO_OP * (no_op is not None)
                + _ONE_OFF * (one_off is not None)
                + _COPIER * copier
                + _JOB * job
                + (f"; the comment above it says why (`{reason}`): a deliberate choice, only advice" if reason else "")
                + on_platform,
                user_instr.location,
                key=f"user:{stage.label}",
                related=related,
                level=level,
            ), stage_builds
        else:
            loc = stage.from_instr.location
            yield RULE.finding(
                f"the final stage `{stage.label}` (FROM {stage.base}) sets no USER, so the app runs as root; "
                + ("add a non-root USER or set `user:` on the compose service" if services else "add a non-root USER")
                + _PRIV * privileged
                + _CLI * cli
                + _SOCKET * bool(sockets)
                + _client(client)
                + _NO_OP * (no_op is not None)
                + _ONE_OFF * (one_off is not None)
                + _COPIER * copier
                + _JOB * job
                + on_platform,
                loc.with_span(loc.line, loc.col + 4),
                key=f"nouser:{stage.label}",
                related=related,
                level=level,
                extra=_shell_less_help(project, df, stage),
            ), stage_builds


def _shell_less_help(project: Project, df: Dockerfile, stage: Stage) -> dict[str, str] | None:
    """For a base with no shell (distroless, scratch) nothing can run `useradd`: the fix is a numeric USER or the
    base's non-root variant."""
    facts = lookup(df.root_base(stage), project.config.base_images)
    if not facts.known or facts.shell:
        return None
    nonroot = " or the base's `:nonroot` tag (distroless)" if "distroless" in df.root_base(stage) else ""
    return {
        HELP: f"The base has no shell to run `useradd`: add `USER 65532:65532` (a numeric user needs no account)"
        f"{nonroot}, and make what the app writes (volumes, data folders) owned by that user."
    }


_SOCKET = (
    "; every compose service that runs it mounts the Docker socket, which is root on the host whatever the "
    "container's user, so a non-root USER would not contain it (only advice)"
)
def _client(client: tuple[str, Location] | None) -> str:
    if client is None:
        return ""
    return (
        f"; its code is a Docker API client (`{client[0]}`) that needs the engine's socket, which only root or the "
        "socket's group can open and which is root on the host whatever the container's user: run it as "
        "`user: \"1000:<docker gid>\"` where it is deployed, or put a socket proxy in front (only advice)"
    )


_ONE_OFF = (
    "; the repository runs the image only as a one-off command that removes its container when done (`docker run "
    "--rm <image> <command>`, never detached or restarted), an admin tool rather than a service (only advice)"
)
_COPIER = (
    "; every compose service that runs it only copies the image's files into a volume and exits (an init "
    "container that carries files for other containers, writing where Docker made the volume owned by root): "
    "only advice"
)
_JOB = (
    "; every compose service that runs it is a one-shot job (another service waits for it with "
    "`condition: service_completed_successfully`, or a `restart: \"no\"` migration or seed run) that exits when "
    "done, so root lasts one run (only advice)"
)
_CLI = (
    "; it runs a command-line tool (subcommands, `help` as its default command, or a terminal UI; no EXPOSE or "
    "HEALTHCHECK, serves nothing) that exits when its command is done, so root lasts one command (only advice)"
)
def _stated_reason(df: Dockerfile, instr: Instruction) -> str | None:
    """The comment on the line right above an explicit `USER root` (`# Run as root to manage /dev/kvm`): the
    author chose root and says why."""
    line = instr.location.line - 2
    if line < 0 or line >= len(df.lines):
        return None
    text = df.lines[line].strip()
    if not text.startswith("#") or len(text.lstrip("# ")) < 12:
        return None
    words = text.lstrip("# ")
    if re.search(r"\binstall", words, re.I):
        return None  # `# switch to root to install packages`: for the build, not the app
    return words if _RUNTIME_NEED.search(words) else None


# what a comment gives as the reason the app itself needs root
_RUNTIME_NEED = re.compile(
    r"\b(?:run|runs|running)\s+as\s+root\b|\b(?:requires?|needs?)\s+root\b|/dev/|\bkvm\b|\bdevices?\b"
    r"|\bprivileg\w*|\bcapabilit\w*|docker\.sock|\bnet_admin\b|\btap\b",
    re.IGNORECASE,
)


_NO_OP = (
    "; its own command does nothing (`CMD [\"false\"]`), so whoever runs it gives the command, a one-off tool of "
    "an image of tools (only advice)"
)
_PRIV = "; the compose service runs it `privileged: true`, so root is what it asks for (only advice)"


RULE = register(
    Rule(
        id="VW401",
        name="runs-as-root",
        level=Level.WARNING,
        summary="The final stage of an image built from this repo runs as root and no compose service overrides "
        "`user:`.",
        docs=RuleDocs(
            what="The stage an image is built to has no `USER` (or `USER root`/`0`), counting `USER` inherited from "
            "an earlier stage it is built `FROM`, its base image is not a known non-root image (distroless "
            "`:nonroot`, chainguard, `nginx-unprivileged`, or one declared in config), and not every compose service "
            "running it sets a non-root `user:`. Silent when the ENTRYPOINT/CMD, or the last command of the "
            "entrypoint script it runs, starts the program (with `exec` or not: VW403 reports a missing one) through "
            "`su-exec`/`gosu`/`setpriv --reuid`/`runuser -u`/`s6-setuidgid`/`chpst -u`/`chroot --userspec` as a "
            "non-root user the image has or may have (a numeric uid, `nobody`, one an `adduser`/`useradd` of a RUN or "
            "of the script itself creates, one the deployment configures, `\"$PUID\"`; or any user when the image "
            "installs a package not known to create no account, `apk add postgresql16`, runs a script of its own, "
            "copies files over `/` or `/etc`, or is built on an image that may bring accounts of its own, `node`, "
            "`postgres`, not a bare operating system image) with a tool the image is not known to lack, or starts it "
            "that way in the background and `wait`s for it, or `exec`s the container's command that way (`exec "
            "su-exec app \"$@\"`) inside the `if`/`case` branches the script ends with: the script runs as root only "
            "to set up (fix volume ownership), the app does not. When the user it drops to is none the image can have "
            "(a bare operating system image whose accounts are known and packages known to create none, "
            "`rules/images.json`), the finding is at the drop: the tool cannot look the user up and the container "
            "exits at start. Image-only services are not checked, nor export-only artifact stages (`FROM scratch` "
            "with only COPY/ADD/ARG/LABEL, no CMD/ENTRYPOINT, no compose `command:`), which `docker build --output` "
            "writes to the host and never run as a container. When every compose service that runs the image as root "
            "sets `privileged: true` (hardware counters, devices, network setup need root by design), it is a note; "
            "so for an image no compose service builds whose published image the repository's compose files run "
            "(`image: acme/powermeter`) `privileged: true`, or with the host's `/sys/…` or `/dev/…` mounted in. "
            "Several Dockerfiles that ship the same program (the same package's binary: multi-arch and single-arch, "
            "glibc and alpine variants) with the same finding are reported once, at one that compose or CI builds "
            "(else the first path), with the others as related locations. A note when the image runs a command-line "
            "tool that ends with its command: the code it runs defines clap subcommands for its own command line "
            "(`Cli::parse()`, not chat commands parsed with `try_parse_from(words)`) and serves nothing (no socket "
            "bound, no server started), or is a terminal UI (ratatui/tui, crossterm's raw mode) a person quits, or "
            "its ENTRYPOINT's default command (`CMD [\"help\"]`) or its only argument (`CMD [\"/sbin/tool\", "
            "\"-h\"]`) prints its usage, so it is run with a command; the image has no HEALTHCHECK and no EXPOSE of "
            "its own, and no compose service publishes `ports:` for it or restarts it `always`/`unless-stopped`. "
            "One-shot jobs without a CLI (migrations, cron jobs) stay warnings: they run as root against real data. A "
            "note for an explicit `USER root` whose comment right above gives the app's need for it (`# Run as root "
            "to allow /dev/kvm`, `needs root`, devices, capabilities, the Docker socket; not `# switch to root to "
            "install`). A note for an image of tools whose own command does nothing (`CMD [\"false\"]` or `true`, no "
            "ENTRYPOINT): whoever runs it gives the command. A note for an image no compose service runs that the "
            "repository builds with a tag (`docker build -f Dockerfile.cli -t app-cli .`, `$(DOCKER)` of a Makefile "
            "too) and runs only as a one-off command (every `docker run` of the tag, in any wrapper or document, has "
            "`--rm` and a command, and none is detached, restarted, publishes a port or uses the host network) and "
            "never pushes: an admin tool. A note when the compose services that run the image only copy its files "
            "into a volume they mount and exit (`entrypoint: [\"/bin/sh\", \"-c\", \"cp /usr/local/bin/agent "
            "/opt/agent/ && chmod +x …\"]`, no restart policy but `no`: an init container carrying files for others), "
            "and when every compose service that runs it is a one-shot job (another service waits for it with "
            "`condition: service_completed_successfully`, or a `restart: \"no\"` migration or seed run). A note when "
            "every compose service that runs the image (one that builds it, or an `image:` whose name carries the "
            "program the image starts, as `acme/shop-agent` for `agent`) bind-mounts the Docker or Podman socket: "
            "that is root on the host whatever the container's user; and when the code the image runs is a Docker API "
            "client (it depends on `bollard`, `docker-api`, `shiplift` or `dockworker`, rules/crates.json "
            "`docker_clients`, with sources; an optional one only when a default feature enables it) and neither a "
            "service that runs it nor the image's `ENV` points `DOCKER_HOST` elsewhere than the local socket "
            "(`tcp://socket-proxy:2375`), and the repository mounts the socket for it: a compose service that runs it "
            "does, or, when no compose service runs it, a compose file or documentation page mounts it (`-v "
            "/var/run/docker.sock:…`): it needs the engine's socket, which only root or the socket's group can open. "
            "A note too for a Dockerfile that cannot build as it is (a VW106 error) when nothing builds it or the "
            "repository has no binary at all (a crate that became a library), or for one nothing builds that was "
            "retired: its only build line in a compose file or CI workflow is commented out (not a `# build: .` to "
            "uncomment under a service that still pulls the image), or a `deploy` Dockerfile that compose or CI "
            "builds ships the same binaries (not when a `fly.toml`/`render.yaml` may build it). A note for an image "
            "built for a platform that runs it as a user of its own whatever its USER (`rules/platforms.json`, with "
            "sources: AWS Lambda, from a `public.ecr.aws/lambda/*` base or with a Lambda extension such as the Lambda "
            "Web Adapter copied into `/opt/extensions`; Heroku, for the Dockerfile a `heroku.yml` or a CI deploy step "
            "deploys), unless a compose service of a deploy compose file that the repository deploys (a wrapper or CI "
            "step runs it, or runs compose over ssh) runs it as a plain container.",
            why="A compromised or buggy backend running as root can write anywhere in the container, and any "
            "container escape starts as root on the host.",
            example="FROM debian:bookworm-slim\nCOPY --from=builder /app/target/release/backend /usr/local/bin/\n"
            'CMD ["backend"]      # no USER',
            fix="Create a user and switch to it: `RUN useradd --system --uid 10001 app` then `USER app`; or use a "
            '`:nonroot` base; or set `user: "10001:10001"` on the compose service.',
        ),
        check=check,
        tags=("hardening", "security", "dockerfile"),
        security_severity=4.0,  # root in the container widens what an exploited app can do
    )
)
