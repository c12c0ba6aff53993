"""VW301 healthcheck-start-period-missing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from viworks_lint.composeruns import STACK_DEPLOY
from viworks_lint.datastores import SMALL_INIT_LINES, family_of_image, init_scripts_mounted, small_sql_init
from viworks_lint.dockerutil import target_stage
from viworks_lint.durations import DEFAULT_INTERVAL, DEFAULT_RETRIES, seconds
from viworks_lint.findings import Finding, Level, Related
from viworks_lint.fixes import Applicability, ReplaceText, SetKey, safe_fix
from viworks_lint.hostroot import published_services
from viworks_lint.images import lookup
from viworks_lint.parsers.compose import ComposeProject, Service
from viworks_lint.parsers.dockerfile import Instruction
from viworks_lint.project import Build, Project, norm_path
from viworks_lint.rule import Rule, RuleDocs, register
from viworks_lint.standalonebuild import pushed_targets

START_PERIOD = "30s"


def _image_healthcheck(build: Build | None) -> Instruction | None:
    if build is None or build.dockerfile is None:
        return None
    stage = target_stage(build.dockerfile, build.target)
    return stage.state.healthcheck if stage is not None else None


def _set(duration: str | None) -> bool:
    """A start period that is given and not zero (`0s`, `0` or `0ms` is the same as none)."""
    if duration is None:
        return False
    digits = "".join(c for c in duration if c.isdecimal())
    return duration.strip() != "" and (not digits or int(digits) != 0)


# Probes that fail during start-up mark the container unhealthy after interval × retries. When that is
# longer than the start period the fix would add (30 s), the fix changes nothing a normal start needs: advice.
# Exactly 30 s (10s × 3, the most common compose healthcheck) stays a warning: a start that takes half a minute is
# common for a backend that runs its migrations first.
GENEROUS_BUDGET = 30.0


def _budget(interval: str | None, retries: int | str | None, image: Instruction | None) -> float | None:
    """Seconds of failing probes before Docker calls the container unhealthy: the compose values, else the
    image HEALTHCHECK's, else Docker's defaults; None when a value cannot be read."""
    if interval is None and image is not None:
        interval = image.flag("interval")
    if retries is None and image is not None:
        retries = image.flag("retries")
    every = seconds(interval) if interval is not None else DEFAULT_INTERVAL
    try:
        count = int(retries) if retries is not None else DEFAULT_RETRIES
    except ValueError:
        return None
    return None if every is None else every * max(count, 1)


def _generous(budget: float | None) -> str | None:
    """The advice appended when the budget already covers a slow start, else None."""
    if budget is None or budget <= GENEROUS_BUDGET:
        return None
    return (
        f"; probes already fail for {budget:g}s (interval × retries) before the container counts as unhealthy, "
        "so this matters only if the app can take longer than that to start"
    )


def _awaited(compose: ComposeProject, name: str) -> bool:
    """Some service of the compose project waits for ``name`` to be healthy."""
    return any(
        ref.name == name and ref.condition == "service_healthy"
        for other in compose.services.values()
        for ref in other.depends_on
    )


def _acted_on(project: Project, compose: ComposeProject, svc: Service) -> bool:
    """Something acts on the service turning unhealthy: swarm (`docker stack deploy` of these files replaces an
    unhealthy task), a deploy that waits for health (`docker compose up --wait` fails on an unhealthy container),
    Traefik (it routes only to healthy containers) or an autoheal sidecar (its label on the service, or an
    autoheal service that watches every container)."""
    from viworks_lint.composefiles import default_compose

    node = svc.node.get("labels")
    labels = str(node.plain() if node is not None else "").lower()
    if ("autoheal" in labels and "false" not in labels) or "traefik.enable" in labels:
        return True
    for other in compose.services.values():
        image = (other.image or "").lower()
        if "traefik" in image:
            return True
        env = {v.name: (v.value or "") for v in other.environment}
        if "autoheal" in image and env.get("AUTOHEAL_CONTAINER_LABEL", "").lower() == "all":
            return True
    files = {norm_path(f) for f in compose.files}
    for inv in project.wrappers.invocations:
        ran = {norm_path(f) for f in inv.files or default_compose(project, inv.cwd)}
        if not files & ran:
            continue
        if inv.subcommand == STACK_DEPLOY or (inv.subcommand == "up" and re.search(r"\s--wait\b", inv.text)):
            return True
    return False


def _disabled(instr: Instruction) -> bool:
    return bool(instr.args) and instr.args[0].upper() == "NONE"


def _scoped(project: Project, f: Finding) -> Finding:
    """Outside `deploy` scope (a dev, test, CI or example stack) a missing start period is advice: a note."""
    from viworks_lint.scope import Scope

    if project.scope_of(f.location.path) is Scope.DEPLOY:
        return f
    return replace(f, level=Level.NOTE)


def check(project: Project) -> Iterator[Finding]:
    for f in _check(project):
        yield _scoped(project, f)


def _check(project: Project) -> Iterator[Finding]:
    # compose healthchecks: Docker fills unset fields from the image's HEALTHCHECK
    for compose, svc in project.services():
        hc = svc.healthcheck
        if hc is None or hc.disabled or _set(hc.start_period):
            continue
        build = project.build_of_service(svc)
        image_hc = _image_healthcheck(build)
        if image_hc is not None and not _disabled(image_hc) and _set(image_hc.flag("start-period")):
            continue
        store = family_of_image(svc.image) if build is None else None
        init_lines = small_sql_init(svc, compose.project_dir) if store is not None else None
        third_party = store is not None and (not init_scripts_mounted(svc) or init_lines is not None)
        quick = build is None and store is None and bool(svc.image) and lookup(
            svc.image or "", project.config.base_images
        ).quick_start
        ungated = not (third_party or quick or _awaited(compose, svc.name) or _acted_on(project, compose, svc))
        message = (
            f"healthcheck of service `{svc.name}` has no `start_period`: failed probes during start-up count "
            "towards `retries`, so a slow start is marked unhealthy" + ("" if ungated else " and restarted")
        )
        generous = _generous(_budget(hc.interval, hc.retries, image_hc))
        if third_party and store is not None:
            work = (
                "none of this repository's start-up work"
                if init_lines is None
                else f"only {init_lines} line{'s' if init_lines != 1 else ''} of plain SQL from its init folder"
            )
            message += (
                f"; `{svc.image}` is a stock {store.label} image that runs {work} and is ready in seconds, so this "
                "is only advice"
            )
        elif quick:
            message += (
                f"; `{svc.image}` is a stock server that answers within a second or two and runs none of this "
                "repository's start-up work, so this is only advice"
            )
        elif ungated:
            who = f"`{svc.image}` is not built here and no service" if build is None else "no service"
            message += (
                f"; {who} waits for `{svc.name}` with `condition: service_healthy`, and compose restarts no "
                "unhealthy container, so its health status gates nothing: only advice"
            )
        elif generous is not None:
            message += generous
        yield RULE.finding(
            message,
            hc.location,
            key=f"compose:{svc.name}",
            level=Level.NOTE if third_party or quick or ungated or generous is not None else None,
            fix=safe_fix(
                f"add `start_period: {START_PERIOD}` to the healthcheck of service `{svc.name}`",
                SetKey(compose.files, ("services", svc.name, "healthcheck", "start_period"), START_PERIOD),
            ),
        )
    # Dockerfile HEALTHCHECK of the stage an image is built to
    reported: set[int] = set()
    composes = {id(svc): compose for compose, svc in project.services()}
    for df in project.dockerfiles.values():
        builds = project.builds_of(df)
        for build in builds:
            instr = _image_healthcheck(build)
            if instr is None or id(instr) in reported or _disabled(instr) or _set(instr.flag("start-period")):
                continue
            covering = [b for b in builds if _image_healthcheck(b) is instr]
            if covering and all(_overridden(b) for b in covering):
                continue  # every service that runs this image sets its own start_period (or disables it)
            reported.add(id(instr))
            related = tuple(
                Related(b.service.location, f"service `{b.service.name}` runs this image")
                for b in covering
                if b.service is not None
            )
            generous = _generous(_budget(None, None, instr))
            runners = [b.service for b in covering if b.service is not None] + published_services(project, covering)
            gated = any(
                _awaited(composes[id(s)], s.name) or _acted_on(project, composes[id(s)], s)
                for s in runners
                if id(s) in composes
            ) or (not runners and bool(pushed_targets(project, df)))
            advice = (
                ""
                if gated
                else "; no service waits for it with `condition: service_healthy` and nothing acts on its health "
                "(compose and `docker run` restart no unhealthy container), so its health status gates nothing: "
                "only advice"
            )
            yield RULE.finding(
                "HEALTHCHECK has no `--start-period`: probes that fail while the app starts count as failures, "
                "so a slow start turns into an unhealthy container"
                + (" and a restart loop" if gated else "")
                + (advice or generous or ""),
                instr.location,
                key="dockerfile",
                related=related,
                level=Level.NOTE if generous is not None or not gated else None,
                fix=safe_fix(
                    f"add `--start-period={START_PERIOD}` to the HEALTHCHECK",
                    ReplaceText(
                        instr.location.path,
                        instr.location.line,
                        instr.location.col + len("HEALTHCHECK"),
                        "",
                        f" --start-period={START_PERIOD}",
                    ),
                ),
            )


def _overridden(build: Build) -> bool:
    svc = build.service
    if svc is None or svc.healthcheck is None:
        return False
    return svc.healthcheck.disabled or _set(svc.healthcheck.start_period)


RULE = register(
    Rule(
        id="VW301",
        name="healthcheck-start-period-missing",
        level=Level.WARNING,
        summary="A healthcheck has no start period, so slow starts count as failures and restart loops begin.",
        docs=RuleDocs(
            what="A compose `healthcheck` without `start_period`, or a Dockerfile `HEALTHCHECK` without "
            "`--start-period`, in the stage the image is built to. A compose healthcheck that leaves "
            "`start_period` unset inherits the image's `--start-period`, so that case is silent; so are "
            '`disable: true`, `test: ["NONE"]` and `HEALTHCHECK NONE`. In a compose file or Dockerfile outside '
            "`deploy` scope (a dev, test, CI or example stack, see the README) it is only a note: a slow start "
            "there costs a retry, not a deployment. On an image-only datastore service (a stock postgres, "
            "redis, … image, as listed in the datastore facts, that runs none of the repository's start-up work) "
            "it is a note too, unless the "
            "service mounts init scripts at `/docker-entrypoint-initdb.d` (then its first start runs the "
            "repository's SQL and can take long) other than a few plain `.sql` files (no shell scripts, fewer "
            f"than {SMALL_INIT_LINES} lines and 16 KiB in all, which run in under a second); so is any other "
            "image-only service of a stock server that answers within a second or two (`quick_start` in "
            "`rules/images.json`: nginx, caddy, traefik, httpd, haproxy, mailpit, minio), and on any other "
            "service, built here or not (prometheus, grafana, an OpenTelemetry collector, an API nothing depends on), "
            "that no service waits for with `condition: service_healthy` and whose health nothing else acts on "
            "(swarm, a `docker stack deploy` of the file; `docker compose up --wait` in a wrapper, CI step or README; "
            "Traefik, which routes only to healthy containers; an `autoheal` sidecar, by the service's label or "
            "with `AUTOHEAL_CONTAINER_LABEL=all`), since plain compose restarts no unhealthy container and its "
            "health status then gates nothing; a Dockerfile `HEALTHCHECK` is judged by the services that run its "
            "image (those that build it, and image-only services running the image CI publishes): when none of "
            "them is waited for or acted on, or no compose service runs the image at all and CI pushes none of "
            "it (those who pull a published image may wait for its health), it is a note. It is a "
            "note as well when the probes already allow a slow start: `interval` × `retries` (with Docker's "
            "defaults of 30s and 3 for what is unset, and a compose healthcheck inheriting unset fields from the "
            "image) longer than the 30 seconds the fix would add (`10s` × 3 retries, exactly 30 s, stays a warning).",
            why="Without a start period, every failed probe while the backend runs migrations, warms caches or "
            "waits for postgres counts against `retries`. The container is declared unhealthy before it ever "
            "served, `depends_on: service_healthy` dependants never start, and orchestrators restart it in a loop.",
            example='healthcheck:\n  test: ["CMD", "curl", "-f", "http://localhost:8080/api/health"]\n'
            "  interval: 5s\n  retries: 3        # no start_period: 15 s of failing probes",
            fix="Add `start_period: 30s` (compose) or `--start-period=30s` (Dockerfile), longer than the slowest "
            "start you expect.",
            fix_safety="Safe. The fix adds `start_period: 30s` to the compose healthcheck (or `--start-period=30s` "
            "right after the `HEALTHCHECK` keyword), keeping the rest of the file as it is. A start period changes "
            "only how failed probes during the first 30 seconds are counted: Docker still probes during it and a "
            "passing probe marks the container healthy at once, so a service that starts fast behaves as before. "
            "Lengthen the value by hand if your app starts more slowly.",
        ),
        check=check,
        tags=("health", "compose", "dockerfile"),
        fixable=(Applicability.SAFE,),
    )
)
