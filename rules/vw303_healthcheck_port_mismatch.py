"""VW303 healthcheck-port-mismatch."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from viworks_lint.code import service_code
from viworks_lint.dockerutil import target_stage
from viworks_lint.findings import Finding, Level, Related
from viworks_lint.location import Location
from viworks_lint.packages import SHELLS
from viworks_lint.parsers.compose import Service, command_words
from viworks_lint.parsers.dockerfile import Stage, token_location
from viworks_lint.probes import service_probes
from viworks_lint.project import Project
from viworks_lint.rule import Rule, RuleDocs, register
from viworks_lint.runtime import container_env, effective_listens


def _routed_by_expose(svc: Service) -> bool:
    """Traefik labels (`traefik.enable=true`, a `traefik.http.routers.*` rule; Traefik's Docker provider exposes
    containers by default) with no `loadbalancer.server.port`: Traefik routes to the port the image EXPOSEs."""
    labels = svc.node.get("labels")
    text = " ".join(
        f"{k}={v.value}" for k, v in (labels.items() if labels is not None else ())
    ) + " ".join(str(e.value) for e in (labels.elements() if labels is not None else ()))
    flat = text.replace(" ", "").lower()
    if "traefik.enable=false" in flat or "loadbalancer.server.port" in flat:
        return False
    return "traefik.enable=true" in flat or "traefik.http." in flat or "traefik.tcp." in flat


# a listen address in a word (`0.0.0.0:2345`, `:9229`, `localhost:5005`, `TCP-LISTEN:8000`), or the value of a
# listen option (`--port 9229`, `--listen=9000`)
_LISTEN_WORD = re.compile(
    r"^(?:(?:0\.0\.0\.0|127\.0\.0\.1|localhost|\[::\]|\[::1\]|\*)?:|TCP(?:4|6)?-LISTEN:)(\d{2,5})(?:,|$)", re.IGNORECASE
)
_LISTEN_OPTION = re.compile(r"^--?(?:port|listen|bind|inspect|debug-port|addr|address)(?:=(\S+))?$")


def _start_words(svc: Service, stage: Stage | None) -> list[str]:
    """The command the container really starts with: compose `entrypoint:` replaces the image's ENTRYPOINT and
    drops its CMD; compose `command:` replaces the CMD."""
    entry = command_words(svc.entrypoint) if svc.entrypoint is not None else None
    cmd = command_words(svc.command) if svc.command is not None else None
    image_entry = list(stage.state.entrypoint.values) if stage is not None and stage.state.entrypoint else []
    image_cmd = list(stage.state.cmd.values) if stage is not None and stage.state.cmd else []
    if entry is not None:
        return entry + (cmd or [])
    return image_entry + (cmd if cmd is not None else image_cmd)


def _command_ports(svc: Service, stage: Stage | None, bins: set[str]) -> set[int]:
    """Ports a program in front of the app listens on, as the start command gives them (`gdbserver
    0.0.0.0:2345 /app`, `socat TCP-LISTEN:8000,fork …`); not a word of the app's own arguments, nor a URL."""
    words = _start_words(svc, stage)
    if not words or posixpath.basename(words[0]) in bins or posixpath.basename(words[0]) in SHELLS:
        return set()
    out: set[int] = set()
    for i, w in enumerate(words[1:], start=1):
        if posixpath.basename(w) in bins:
            break  # the app's own arguments follow
        m = _LISTEN_WORD.match(w)
        if m is not None:
            out.add(int(m.group(1)))
            continue
        opt = _LISTEN_OPTION.match(w)
        if opt is not None:
            value = opt.group(1) or (words[i + 1] if i + 1 < len(words) else "")
            port = value.rsplit(":", 1)[-1]
            if port.isdecimal():
                out.add(int(port))
    return out


def check(project: Project) -> Iterator[Finding]:
    exposed: set[Location] = set()  # one finding per EXPOSE line, whichever services run the image
    for _compose, svc in project.services():
        code = service_code(project, svc)
        if code is None or not code.listens:
            continue
        env = container_env(project, svc, code.build)
        listens = effective_listens(code.listens, env)
        if not env.complete or any(lst.port is None for lst in listens):
            continue  # a port we cannot resolve: no claim
        ports = sorted({lst.port for lst in listens if lst.port is not None})
        shown = ", ".join(str(p) for p in ports)
        origin = listens[0]
        related = (
            Related(
                origin.addr.location,
                f"the app binds port {origin.port} here"
                + (f" (from `{origin.port_from[4:]}`)" if origin.port_from.startswith("env:") else ""),
            ),
        )
        checks: list[tuple[int, Location, str, str]] = []
        for probe in service_probes(project, svc):
            if probe.port is not None:
                checks.append(
                    (
                        probe.port,
                        probe.location,
                        f"healthcheck of service `{svc.name}` probes port {probe.port}",
                        f"probe:{probe.port}",
                    )
                )
        for port in svc.ports:
            if port.target is not None:
                checks.append(
                    (
                        port.target,
                        port.location,
                        f"service `{svc.name}` publishes container port {port.target}",
                        f"ports:{port.target}",
                    )
                )
        df = code.build.dockerfile
        stage = target_stage(df, code.build.target) if df is not None else None
        if df is not None and stage is not None:
            for st in df.lineage(stage):
                for instr in st.instructions:
                    if instr.cmd != "EXPOSE" or instr.unresolved:
                        continue
                    for raw, val in zip(instr.args, instr.values, strict=False):
                        num = val.split("/")[0]
                        if num.isdecimal():
                            checks.append(
                                (
                                    int(num),
                                    token_location(df, instr, raw),
                                    f"EXPOSE {num} in the image of service `{svc.name}`",
                                    f"expose:{num}",
                                )
                            )
        own = _command_ports(svc, stage, {b for m in code.packages for b in m.bin_names()})
        for number, loc, what, key in checks:
            if number in ports or number in own:
                continue  # the app's port, or one the start command gives a program of its own (`gdbserver :2345`)
            if key.startswith("expose:"):
                if loc in exposed:
                    continue
                exposed.add(loc)
                if not _routed_by_expose(svc):
                    yield RULE.finding(
                        f"{what}, but its app listens on {shown}; nothing publishes or probes the exposed port, so "
                        "it is only misleading documentation: expose the port the app listens on",
                        loc,
                        key=key,
                        related=related,
                        level=Level.NOTE,
                    )
                    continue
                what += (
                    " (its Traefik labels name no `loadbalancer.server.port`, so Traefik routes requests to the "
                    "exposed port)"
                )
            yield RULE.finding(f"{what}, but its app listens on {shown}", loc, key=f"{svc.name}:{key}", related=related)


RULE = register(
    Rule(
        id="VW303",
        name="healthcheck-port-mismatch",
        level=Level.ERROR,
        summary="A healthcheck, a `ports:` container port or `EXPOSE` targets a port the app does not listen on.",
        docs=RuleDocs(
            what="The port the app binds is read from its code (`HttpServer::bind((\"0.0.0.0\", 8081))`, "
            "`TcpListener::bind(\"0.0.0.0:3000\")`, warp's `serve(routes).run(([0, 0, 0, 0], 3030))`, "
            "`SocketAddr::from(([0, 0, 0, 0], port))`, a port read from a "
            "`PORT`-style variable with a literal default) and resolved with the environment the container really "
            "gets (compose `environment`, `env_file`, the image's `ENV`). The healthcheck's URL port, the container "
            "side of `ports:` and `EXPOSE` must be one of them. Ports that cannot be resolved get no claim; port 0 is "
            "never a service port. Only code the service's binary reaches counts: not `#[cfg(test)]` items, tests and "
            "benches, modules behind test/mock features (`#[cfg(feature = \"e2e_tests\")]`), nor other binaries of "
            "the image (when several are copied in, the one `ENTRYPOINT`/`CMD` starts). An `EXPOSE` that no probe, "
            "`ports:` or proxy uses is only documentation: a note, once per `EXPOSE` line whichever services run the "
            "image; it stays an error when a service's Traefik labels (`traefik.enable=true` or router rules, without "
            "`loadbalancer.server.port`) make Traefik route to it. A port that a program in front of the app listens "
            "on, as the container's real start command gives it (compose `entrypoint:`/`command:` over the image's; a "
            "listen address such as `gdbserver 0.0.0.0:2345 /app` or `socat TCP-LISTEN:3000,…`, or a "
            "`--port`/`--listen` option of that program, not a URL and not the app's own arguments) is that "
            "program's: no claim.",
            why="A probe on the wrong port is refused: the service is marked unhealthy and restarted although it "
            "works. A published port that nothing listens on gives `connection reset` to every client.",
            example='environment:\n  PORT: "8081"\nhealthcheck:\n  test: ["CMD", "curl", "-f", '
            '"http://localhost:8080/api/health"]',
            fix="Use the port the app listens on in the healthcheck and in `ports:`, or set the app's port variable "
            "to the one you probe.",
        ),
        check=check,
        tags=("health", "compose", "rust"),
    )
)
