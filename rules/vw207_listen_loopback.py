"""VW207 listen-loopback."""

from __future__ import annotations

import re
from collections.abc import Iterator

from viworks_lint.code import service_code
from viworks_lint.dockerutil import target_stage
from viworks_lint.findings import Finding, Level, Related
from viworks_lint.imagecode import image_listens
from viworks_lint.oneshot import help_default, runs_to_completion
from viworks_lint.project import Project
from viworks_lint.rule import Rule, RuleDocs, register
from viworks_lint.runtime import container_env, effective_listens
from viworks_lint.scope import Scope

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]", "ip6-localhost"}


def _is_loopback(host: str) -> bool:
    h = host.strip().lower()
    return h in LOOPBACK or h.startswith("127.")


def check(project: Project) -> Iterator[Finding]:
    for _compose, svc in project.services():
        if svc.network_mode in ("host",):
            continue  # the container shares the host's network: loopback is reachable there
        code = service_code(project, svc)
        if code is None or not code.listens:
            continue
        env = container_env(project, svc, code.build)
        if not env.complete:
            continue
        for lst in effective_listens(code.listens, env):
            if lst.host is None or not _is_loopback(lst.host):
                continue
            where = (
                f"`{lst.host_from[4:]}` is set to `{lst.host}` for the container"
                if lst.host_from.startswith("env:")
                else f"the code binds `{lst.host}`"
            )
            related = [Related(svc.location, f"service `{svc.name}`")]
            if lst.host_from.startswith("env:"):
                for var in svc.environment:
                    if var.name == lst.host_from[4:]:
                        related.append(Related(var.location, f"`{var.name}` is set here"))
            yield RULE.finding(
                f"service `{svc.name}` listens on loopback only ({where}): published ports, healthchecks "
                "from other containers and every other service can never reach it; bind `0.0.0.0`",
                lst.addr.location,
                key=f"{svc.name}:{lst.host}",
                related=tuple(related),
            )
    yield from _standalone(project)


_HOST_NETWORK = re.compile(r"\b(?:docker|podman)\s+(?:container\s+)?run\b[^\n]*--net(?:work)?[= ]host\b")
_RUN_FILES = ("*.sh", "Makefile", "makefile", "justfile", "Justfile", "*.md", ".github/workflows/*.yml",
              ".github/workflows/*.yaml", "scripts/*", "deploy/*", "bin/*")  # fmt: skip


def _runs_on_host_network(project: Project) -> bool:
    """A script, Makefile, workflow or document runs an image with `docker run --network host`: loopback is the
    host's there."""
    for pattern in _RUN_FILES:
        for path in sorted(project.root.glob(pattern))[:200]:
            try:
                if (
                    path.is_file()
                    and path.stat().st_size < 1_000_000
                    and _HOST_NETWORK.search(path.read_text("utf-8", errors="replace"))
                ):
                    return True
            except OSError:
                continue
    return False


def _standalone(project: Project) -> Iterator[Finding]:
    """Images no compose service runs, which the repository ships (deploy scope): when every address the code
    of the image's own package binds is a loopback host written in the code (no variable to override it with
    `docker run -e`), nothing outside the container reaches it through `docker run -p`."""
    seen: set[tuple[object, ...]] = set()
    host_network: bool | None = None
    for build in project.builds:
        if build.service is not None or build.dockerfile is None:
            continue
        if any(b.service is not None for b in project.builds_of(build.dockerfile)):
            continue  # compose runs it: the services' findings cover it
        info = project.scope_info(build.dockerfile.path)
        if info is None or info.scope is not Scope.DEPLOY:
            continue
        stage = target_stage(build.dockerfile, build.target)
        done = runs_to_completion(project, stage, [build]) if stage is not None else None
        if stage is not None and (help_default(stage, [build]) is not None or (done is not None and done.cli)):
            continue  # a command-line tool: a listener of one of its subcommands is a local helper
        listens = image_listens(project, build, libraries=False) or ()
        if not listens or not all(
            lst.host is not None and _is_loopback(lst.host) and not (lst.host_env or lst.addr_env) for lst in listens
        ):
            continue  # a server on 0.0.0.0 beside a local admin port or a probe; or a host a variable sets
        if host_network is None:
            host_network = _runs_on_host_network(project)
        if host_network:
            return
        for lst in listens:
            if (build.dockerfile.path, lst.location) in seen:
                continue
            seen.add((build.dockerfile.path, lst.location))
            yield RULE.finding(
                f"the app of the image built by `{project.rel(build.dockerfile.path)}` binds `{lst.host}` in its "
                "code: inside a container that is the container itself, so `docker run -p`, a proxy and every "
                "other container can never reach it; bind `0.0.0.0`",
                lst.location,
                key=f"image:{project.rel(build.dockerfile.path)}:{lst.host}",
                related=(Related(stage.from_instr.location, "the image that runs it"),) if stage is not None else (),
            )


RULE = register(
    Rule(
        id="VW207",
        name="listen-loopback",
        level=Level.ERROR,
        summary="The app inside a container listens on 127.0.0.1/localhost/::1, so nothing outside it can reach it.",
        docs=RuleDocs(
            what="The address the app binds (a literal, the default of an env read, or the value compose or the "
            "Dockerfile sets for that variable) is a loopback address. Values the container's environment overrides "
            "to `0.0.0.0` are silent, and so are services with `network_mode: host` and port 0 (an ephemeral listener "
            "of a test or helper, never the service's port; also a port parameter of the function that defaults to 0, "
            "`format!(\"127.0.0.1:{}\", port.unwrap_or(0))`, a local callback listener; not a port read from the "
            "environment). Only code the service's binary reaches counts: not `#[cfg(test)]` items, tests and "
            "benches, modules behind test/mock features (`#[cfg(feature = \"e2e_tests\")]`), nor other binaries of "
            "the image (when several are copied in, the one `ENTRYPOINT`/`CMD` starts). An image no compose service "
            "runs that the repository ships (deploy scope: built by CI, a release script, or standalone) is checked "
            "too, when every address its own package binds is a loopback host written in the code "
            "(`format!(\"127.0.0.1:{port}\")`, no variable to override it at `docker run`; a local admin port beside "
            "a server on `0.0.0.0` is deliberate), it is no command-line tool (default command `--help`, clap "
            "subcommands), and no script, Makefile, workflow or document runs an image with `docker run --network "
            "host`. A bind whose result is only tested (`.is_ok()`, a free-port probe) is no listener.",
            why="Inside a container, 127.0.0.1 is the container itself: the published port, nginx, and every "
            "other service get `connection refused`, while `curl localhost` inside the container works, so "
            "the defect hides until deployment.",
            example='HttpServer::new(app).bind(("127.0.0.1", 8080))?',
            fix="Bind `0.0.0.0` (or `[::]`), or set the address variable to `0.0.0.0:<port>` in compose.",
        ),
        check=check,
        tags=("runtime", "rust"),
    )
)
