"""VW305 depends-on-no-healthcheck."""

from __future__ import annotations

from collections.abc import Iterator

from viworks_lint.dockerutil import target_stage
from viworks_lint.findings import Finding, Level, Related
from viworks_lint.images import lookup, official_image, official_images_healthcheck
from viworks_lint.parsers.compose import ComposeProject, Service
from viworks_lint.parsers.dockerfile import Instruction
from viworks_lint.project import Project
from viworks_lint.rule import Rule, RuleDocs, register


def _image_healthcheck(project: Project, svc: Service) -> tuple[bool, Instruction | None]:
    """(builds from this repo, the HEALTHCHECK of the stage it is built to)."""
    build = project.build_of_service(svc)
    if build is None or build.dockerfile is None:
        return False, None
    stage = target_stage(build.dockerfile, build.target)
    return True, stage.state.healthcheck if stage is not None else None


def _extended_healthcheck(compose: ComposeProject, dep: Service, seen: frozenset[str] = frozenset()) -> bool:
    """The service `extends:` one that may give it a healthcheck: one in another file (not read here: no claim),
    or one of the same file that has a healthcheck."""
    ext = dep.extends
    if ext is None:
        return False
    if not ext.required:
        return True  # `extends: {file: scripts/compose/router.yml, service: router}`
    base = compose.services.get(ext.name)
    if base is None or base.name in seen | {dep.name}:
        return base is None  # a cycle of `extends:` (VW306's business) gives no healthcheck
    if base.healthcheck is not None:
        return not base.healthcheck.disabled
    return _extended_healthcheck(compose, base, seen | {dep.name})


def _problem(project: Project, dep: Service) -> tuple[str, Related | None, Level | None] | None:
    hc = dep.healthcheck
    if hc is not None and hc.disabled:
        return "disables its healthcheck", Related(hc.location, f"healthcheck of `{dep.name}` is disabled here"), None
    if hc is not None and hc.kind not in ("", "NONE"):
        return None
    built, image_hc = _image_healthcheck(project, dep)
    if image_hc is not None:
        if image_hc.args and image_hc.args[0].upper() == "NONE":
            disabled = Related(image_hc.location, "healthcheck disabled here")
            return "has `HEALTHCHECK NONE` in its Dockerfile", disabled, None
        return None
    if hc is not None:
        if not built:
            return None  # a compose healthcheck without `test` on an image we cannot see: it may inherit one
        what = "has a `healthcheck:` without `test` and its Dockerfile defines no HEALTHCHECK"
    elif built:
        what = "has no healthcheck (none in compose, no HEALTHCHECK in its Dockerfile's final stage)"
    else:
        image = dep.image or ""
        defines = lookup(image, project.config.base_images).healthcheck if image else None
        if defines:
            return None  # the image defines its own HEALTHCHECK (rules/images.json, or the config's facts)
        if defines is False:
            what = f"has no healthcheck (none in compose, and the image `{image}` defines none)"
        elif image and official_image(image) and official_images_healthcheck() is False:
            what = f"has no healthcheck (none in compose, and official images such as `{image}` define none)"
        else:
            return "", None, Level.NOTE  # whether the image defines one is not known: the message says so
    return what, None, None


def check(project: Project) -> Iterator[Finding]:
    for compose, svc in project.services():
        for ref in svc.depends_on:
            if ref.condition != "service_healthy":
                continue
            dep = compose.services.get(ref.name)
            if dep is None:
                continue  # VW306 reports unknown services
            if dep.healthcheck is None and _extended_healthcheck(compose, dep):
                continue  # the service it extends may give it a healthcheck
            found = _problem(project, dep)
            if found is None:
                continue
            what, extra, level = found
            related = [Related(dep.location, f"service `{dep.name}`")]
            if extra is not None:
                related.append(extra)
            message = (
                f"`{svc.name}` waits for `{ref.name}` with `condition: service_healthy`, but `{ref.name}` {what}: "
                f"compose fails with `dependency {ref.name} has no healthcheck` (or waits forever); add a "
                f"`healthcheck:` to `{ref.name}` or use `condition: service_started`"
            )
            if level is Level.NOTE:
                message = (
                    f"`{svc.name}` waits for `{ref.name}` with `condition: service_healthy`; `{ref.name}` has no "
                    "healthcheck in compose, and whether "
                    + (f"its image `{dep.image}`" if dep.image else "the image it runs")
                    + " defines one of its own is not known: "
                    f"if it does not, compose fails with `dependency {ref.name} has no healthcheck`; a `healthcheck:` "
                    "on it makes sure"
                )
            yield RULE.finding(
                message,
                ref.location,
                key=f"{svc.name}->{ref.name}",
                related=tuple(related),
                level=level,
            )


RULE = register(
    Rule(
        id="VW305",
        name="depends-on-no-healthcheck",
        level=Level.ERROR,
        summary="`depends_on` waits for `service_healthy` of a service that has no healthcheck.",
        docs=RuleDocs(
            what="For `depends_on: {X: {condition: service_healthy}}`, service X must have a healthcheck: a compose "
            "`healthcheck:` with a `test`, or, when X is built from this repo, a `HEALTHCHECK` in the stage its "
            "Dockerfile is built to, or an image that defines its own `HEALTHCHECK`; a service that `extends:` one of "
            "another file (or one of the same file that has a healthcheck) may get it there, so it is not claimed. "
            "`disable: true`, `test: [\"NONE\"]` and `HEALTHCHECK NONE` count as no healthcheck. For an image-only "
            "service: an official image (`postgres`, `redis`: no namespace) defines no HEALTHCHECK (rules/images.json "
            "`official_images`, from the official images' FAQ), so it is an error; an image the data file knows to "
            "define one (`jellyfin/jellyfin`, `axllent/mailpit`) is fine, one it knows to define none (`bitnami/*`) "
            "is an error; any other image (`acme/db`, `ghcr.io/acme/cache`) may define one, so it is a note.",
            why="`docker compose up` aborts with `dependency failed to start: container db has no healthcheck "
            "configured`, so nothing that depends on X ever starts.",
            example="backend:\n  depends_on:\n    redis:\n      condition: service_healthy\nredis:\n"
            "  image: redis:7      # no healthcheck",
            fix='Give X a healthcheck (`test: ["CMD", "redis-cli", "ping"]`, with `start_period`), or relax '
            "the condition to `service_started`.",
        ),
        check=check,
        tags=("compose", "health"),
    )
)
