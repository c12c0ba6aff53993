"""VW308 exec-form-variable."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from viworks_lint.dockerutil import text_location
from viworks_lint.findings import Finding, Level
from viworks_lint.location import Location, line_span
from viworks_lint.packages import SHELLS
from viworks_lint.parsers.dockerfile import Instruction, Stage
from viworks_lint.project import Project
from viworks_lint.rule import Rule, RuleDocs, register
from viworks_lint.runtime import container_env
from viworks_lint.scripts import replaced_by_compose

_VAR = re.compile(r"\$(?:\{[A-Za-z_][A-Za-z0-9_]*[^}]*\}|[A-Za-z_][A-Za-z0-9_]*)")
_DOCKER_SETS = frozenset({"HOSTNAME", "HOME", "PATH", "TERM"})  # variables Docker itself sets in a container
_COMPOSE_ESCAPED = re.compile(r"\$\$(?:\{[A-Za-z_][A-Za-z0-9_]*[^}]*\}|[A-Za-z_][A-Za-z0-9_]*)")


def _shell_wrapped(argv: list[str]) -> bool:
    """``sh -c "…"`` (also ``bash -lc``, ``/bin/sh -ec``): the shell expands the variables."""
    if not argv or posixpath.basename(argv[0]) not in SHELLS:
        return False
    return any(a.startswith("-") and not a.startswith("--") and "c" in a for a in argv[1:3])


def _argv(instr: Instruction) -> list[str]:
    args = list(instr.args)
    if instr.cmd == "HEALTHCHECK":
        return args[1:] if args and args[0].upper() == "CMD" else []
    return args


def _dockerfile(project: Project) -> Iterator[Finding]:
    for df in project.dockerfiles.values():
        for stage in df.stages:
            for instr in stage.instructions:
                if instr.cmd not in ("CMD", "ENTRYPOINT", "HEALTHCHECK") or not instr.json:
                    continue
                argv = _argv(instr)
                if _shell_wrapped(argv) or (instr.cmd == "CMD" and _entrypoint_is_shell(stage)):
                    continue
                if replaced_by_compose(project, df, stage, instr.cmd):
                    continue  # every service that runs the stage sets its own `command:`/`entrypoint:`/healthcheck
                seen: dict[str, int] = {}
                for arg in argv:
                    for m in _VAR.finditer(arg):
                        token = m.group(0)
                        n = seen.get(token, 0)
                        seen[token] = n + 1
                        yield RULE.finding(
                            f"`{token}` in the exec form of {instr.cmd} is passed literally: Docker expands no "
                            f"variables in a JSON array, so the program receives the text `{token}`; use the shell "
                            f'form, wrap it as `["sh", "-c", "… {token} …"]`, or read the variable in the program',
                            text_location(df, instr, token, n),
                            key=f"{stage.label}:{instr.cmd}:{token}:{n}",
                        )


def _entrypoint_is_shell(stage: Stage) -> bool:
    ep = stage.state.entrypoint
    return ep is not None and ep.json and _shell_wrapped(list(ep.args))


def _compose(project: Project) -> Iterator[Finding]:
    for _compose_project, svc in project.services():
        hc = svc.node.get("healthcheck")
        test = hc.get("test") if hc is not None else None
        if test is None or not test.is_list:
            continue
        elements = test.elements()
        if not elements or elements[0].text() != "CMD":
            continue
        argv = [e.raw if e.raw is not None else (e.text() or "") for e in elements[1:]]
        if _shell_wrapped(argv):
            continue
        env = container_env(project, svc)
        built = project.build_of_service(svc) is not None  # the image's ENV is known
        for el, raw in zip(elements[1:], argv, strict=True):
            for m in _COMPOSE_ESCAPED.finditer(raw):
                token = m.group(0)
                name = token[2:].strip("{}").split(":", 1)[0].split("-", 1)[0]
                absent = built and env.complete and name not in env.values
                if name not in _DOCKER_SETS and (absent or raw[m.end() : m.end() + 1] == "/"):
                    continue  # no such variable in the container, or a path (`$$SYS/#`, an MQTT topic): literal
                loc: Location = line_span(el.loc, token)
                yield RULE.finding(
                    f"`{token}` in the exec-form (`CMD`) healthcheck of service `{svc.name}`: compose turns `$$` into "
                    f"a literal `$` and no shell runs, so the probe receives the text `{token[1:]}`; use "
                    "`CMD-SHELL` so a shell expands it, or write the value (compose interpolates `${VAR}`)",
                    loc,
                    key=f"compose:{svc.name}:{token}",
                )


def check(project: Project) -> Iterator[Finding]:
    yield from _dockerfile(project)
    yield from _compose(project)


RULE = register(
    Rule(
        id="VW308",
        name="exec-form-variable",
        level=Level.ERROR,
        summary="A `$VAR` in an exec-form CMD/ENTRYPOINT/HEALTHCHECK (or `$$VAR` in a compose `CMD` test) is never "
        "expanded.",
        docs=RuleDocs(
            what="`$VAR`/`${VAR}` inside the JSON (exec) form of a Dockerfile `CMD`, `ENTRYPOINT` or `HEALTHCHECK "
            "CMD`, and `$$VAR` in a compose healthcheck `test: [\"CMD\", …]`. Shell forms, `[\"sh\", \"-c\", \"…\"]` "
            "wrappers (any shell, `-c`/`-lc`/`-ec`), a `CMD` whose `ENTRYPOINT` is such a wrapper, `CMD-SHELL`, and "
            "compose `${VAR}` (compose substitutes it before the container starts) are fine; so is a compose `$$NAME` "
            "that is a path (`$$SYS/#`, an MQTT system topic) or that names no variable of a container built here "
            "(compose `environment`, `env_file`, image `ENV`; Docker's own `HOSTNAME`, `HOME`, `PATH` count): the "
            "literal is meant. An instruction that every compose service running the stage replaces (`command:`, "
            "`entrypoint:`, its own `healthcheck:`) never runs and gets no finding.",
            why='Docker runs exec forms without a shell: `CMD ["app", "--port", "$PORT"]` passes the five characters '
            "`$PORT`, the app fails to parse its port and exits, or a healthcheck probes `http://localhost:$PORT/` "
            "and fails forever.",
            example='ENV PORT=8080\nCMD ["/usr/local/bin/app", "--port", "${PORT}"]',
            fix='Use the shell form with `exec` (`CMD exec /usr/local/bin/app --port "$PORT"`), wrap it in '
            '`["sh", "-c", "exec app --port $PORT"]`, or let the program read `PORT` itself.',
        ),
        check=check,
        tags=("dockerfile", "compose"),
    )
)
