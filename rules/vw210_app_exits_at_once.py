"""VW210 app-exits-at-once."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from viworks_lint.backgrounded import backgrounded_then_exits
from viworks_lint.code import service_code
from viworks_lint.cratedeps import extern_name
from viworks_lint.dockerutil import text_location
from viworks_lint.findings import HELP, Finding, Level, Related
from viworks_lint.location import Location
from viworks_lint.packages import SHELLS
from viworks_lint.parsers.cargo import Manifest
from viworks_lint.parsers.dockerfile import Dockerfile, Instruction, Stage
from viworks_lint.project import Build, Project
from viworks_lint.rule import Rule, RuleDocs, register
from viworks_lint.rust.serve import ServerExit, server_exits
from viworks_lint.scope import Scope
from viworks_lint.scripts import entry_script, main_instructions, script_argv, shell_words
from viworks_lint.stubbuild import stale_stubs

_EXITS = (
    "the container's main process then ends and Docker stops the container with exit code 0 (a `restart:` policy "
    "starts it again, in a loop)"
)
_FIX = {
    "dropped": "add `.await` to it",
    "unused": "`.await` it before `main` returns",
    "spawned": "`.await` the server (or the task's JoinHandle) before `main` returns",
}
_WHAT = {
    "actix-web": "the actix-web server (`HttpServer::…run()`)",
    "axum": "the axum server (`axum::serve(…)`)",
    "hyper": "the server (`Server::bind(…).serve(…)`)",
    "axum-server": "the server (`axum_server::bind(…).serve(…)`)",
    "warp": "the warp server (`warp::serve(…).run(…)`)",
    "rocket": "the rocket server (`rocket::build()…launch()`)",
}
_HOW = {
    "dropped": "is made but never `.await`ed: the future is dropped unpolled, so it never serves",
    "unused": "is bound to a variable that is never `.await`ed",
    "spawned": "is spawned, and nothing waits for the task: when `main` returns the runtime shuts down and "
    "takes the server with it",
}


def _text_finding(df: Dockerfile, instr: Instruction, text: str, where: str) -> Finding | None:
    bg = backgrounded_then_exits(text)
    if bg is None:
        return None
    return RULE.finding(
        f"{where} starts `{bg.program}` in the background (`&`) and then ends without `wait` or `exec`: {_EXITS}; "
        f"start the app in the foreground with `exec {bg.program} …`, or end with `wait`",
        text_location(df, instr, bg.program),
        key=f"{instr.cmd}:{bg.program}",
    )


def _stage_finding(project: Project, build: Build, df: Dockerfile, stage: Stage, instr: Instruction) -> Finding | None:
    if not instr.json:
        return _text_finding(df, instr, instr.args[0] if instr.args else "", f"`{instr.cmd}` (run by `/bin/sh -c`)")
    script, rest = script_argv(list(instr.args))
    if script is None:
        if len(rest) > 2:
            return _text_finding(df, instr, rest[2], f"`{instr.cmd}` (`{rest[0]} {rest[1]}`)")
        return None
    found = entry_script(project, build, stage, instr)
    if found is None:
        return None
    bg = backgrounded_then_exits(found.text)
    if bg is None:
        return None
    line = found.text.count("\n", 0, bg.offset) + 1
    col = bg.offset - (found.text.rfind("\n", 0, bg.offset) + 1) + 1
    return RULE.finding(
        f"entrypoint script `{found.name}` starts `{bg.program}` in the background (`&`) and then ends without "
        f"`wait` or `exec`: {_EXITS}; start it in the foreground with `exec {bg.program} …`, or end the script "
        "with `wait`",
        Location(found.host, line, col, line, col + bg.length),
        key=f"script:{found.host.name}:{bg.program}",
        related=(Related(instr.location, f"{instr.cmd} runs the script"),),
    )


def _script_findings(project: Project) -> Iterator[Finding]:
    for df, stage, builds, instr in main_instructions(project):
        if instr.json and instr.args and instr.args[0] in SHELLS and len(instr.args) == 1:
            continue
        for build in builds:
            found = _stage_finding(project, build, df, stage, instr)
            if found is not None:
                yield found
                break


def _compose_findings(project: Project) -> Iterator[Finding]:
    """``command:``/``entrypoint:`` of a compose service that runs ``sh -c "app & …"`` (list or string)."""
    for _compose, svc in project.services():
        for field in ("entrypoint", "command"):
            value = getattr(svc, field)
            node = svc.node.get(field) if svc.node is not None else None
            if value is None or node is None:
                continue
            argv = list(value) if isinstance(value, tuple) else shell_words(value)
            if field == "command" and svc.entrypoint is not None and _script_text(list(svc.entrypoint)) is None:
                continue  # arguments to an entrypoint that is no shell
            text = _script_text(argv)
            if text is None:
                continue
            bg = backgrounded_then_exits(text)
            if bg is None:
                continue
            yield RULE.finding(
                f"`{field}:` of service `{svc.name}` runs a shell that starts `{bg.program}` in the background (`&`) "
                f"and then ends without `wait` or `exec`: {_EXITS}; start it with `exec {bg.program} …`, or end "
                "with `wait`",
                node.loc,
                key=f"compose:{svc.name}:{field}:{bg.program}",
            )


def _script_text(argv: list[str]) -> str | None:
    """The text of ``sh -c TEXT`` (past init wrappers), else None."""
    script, rest = script_argv(argv)
    return rest[2] if script is None and len(rest) > 2 else None


def _version(req: object) -> tuple[int, int] | None:
    """(major, minor) of the lowest version a requirement allows (``"4"``, ``"^0.5.1"``); None if unclear."""
    if isinstance(req, Mapping):
        req = req.get("version")
    if not isinstance(req, str):
        return None
    m = re.match(r"^\s*[\^~=>]*\s*(\d+)(?:\.(\d+))?", req)
    return (int(m.group(1)), int(m.group(2) or 0)) if m is not None else None


def _dep_version(project: Project, manifest: Manifest, package: str) -> tuple[int, int] | None:
    for dep in manifest.dependencies:
        if dep.package != package or dep.section != "dependencies":
            continue
        if dep.workspace:
            root = project.workspace_root(manifest)
            return _version(root.workspace.dependencies.get(dep.name) if root and root.workspace else None)
        deps = manifest.data.get("dependencies")
        return _version(deps.get(dep.name) if isinstance(deps, Mapping) else None)
    return None


def _main_files(
    project: Project, sc_packages: tuple[Manifest, ...], bins: frozenset[str] | None
) -> Iterator[tuple[Manifest, Location]]:
    for m in sc_packages:
        targets = [t for t in m.targets if t.kind == "bin" and t.path is not None]
        if bins is not None:
            targets = [t for t in targets if t.name in bins]
        elif len(targets) != 1:
            continue  # which binary runs is not known: no claim
        for t in targets:
            if t.path is not None:
                yield m, Location(t.path)


def _rust_findings(project: Project) -> Iterator[Finding]:
    seen: set[Location] = set()
    for _compose, svc in project.services():
        sc = service_code(project, svc)
        if sc is None:
            continue
        for manifest, main in _main_files(project, sc.packages, sc.bins):
            lib = manifest.lib
            lib_file = lib.path if lib is not None else None
            lib_name = extern_name(lib.name) if lib is not None and lib.name else None
            for exit_ in server_exits(main.path, lib_file, lib_name):
                if exit_.location in seen or not _framework_is_async(project, manifest, exit_):
                    continue
                seen.add(exit_.location)
                yield RULE.finding(
                    f"`main` ends right after it starts: {_WHAT[exit_.framework]} {_HOW[exit_.how]}, and nothing "
                    f"after it in `main` blocks, so the process exits with code 0 at once; {_EXITS}; "
                    f"{_FIX[exit_.how]}",
                    exit_.location,
                    key=f"rust:{exit_.framework}:{exit_.how}",
                    related=(
                        Related(exit_.end, "`main` returns here"),
                        Related(svc.location, f"service `{svc.name}` runs this binary"),
                    ),
                )


def _framework_is_async(project: Project, manifest: Manifest, exit_: ServerExit) -> bool:
    """actix-web before 2.0 and rocket before 0.5 ran their servers synchronously in ``run``/``launch``."""
    if exit_.framework == "actix-web":
        version = _dep_version(project, manifest, "actix-web")
        return version is None or version >= (2, 0)
    if exit_.framework == "rocket":
        version = _dep_version(project, manifest, "rocket")
        return version is None or version >= (0, 5)
    return True


def _stub_findings(project: Project) -> Iterator[Finding]:
    """Images whose second `cargo build` finds the stub build's binary up to date (see ``stubbuild``)."""
    seen: set[tuple[Path, int]] = set()
    for build in project.builds:
        df = build.dockerfile
        if df is None:
            continue
        info = project.scope_info(df.path)
        if info is None or info.scope is not Scope.DEPLOY:
            continue
        for st in stale_stubs(project, build):
            key = (df.path, st.build.location.line)
            if key in seen:
                continue
            seen.add(key)
            yield RULE.finding(
                f"this cargo build finds the binary of the stub build (line {st.stub.location.line}) up to date: "
                f"COPY keeps the modification time of the real `{posixpath.basename(st.main)}` (the checkout's, "
                "older than that build), and Cargo compares those times, so it does not compile it and the image "
                f"ships the stub `{st.binary}`, whose `fn main() {{}}` exits at once; {_EXITS}; run "
                f"`touch {st.main}` before this build (or remove the stub's `deps/{st.binary.replace('-', '_')}*` "
                "files from the profile folder of the target directory after the stub build)",
                st.build.location,
                key=f"stub:{st.main}",
                related=(
                    Related(st.stub.location, "the stub `main` is written and built here"),
                    Related(st.copy.location, "the real sources are copied over it here"),
                ),
                extra={
                    HELP: f"Run `touch {st.main}` before the real `cargo build`, or remove the stub's "
                    f"`target/<profile>/deps/{st.binary.replace('-', '_')}*` files after the stub build."
                },
            )


def check(project: Project) -> Iterator[Finding]:
    yield from _script_findings(project)
    yield from _compose_findings(project)
    yield from _rust_findings(project)
    yield from _stub_findings(project)


RULE = register(
    Rule(
        id="VW210",
        name="app-exits-at-once",
        level=Level.ERROR,
        summary="The container's main process ends right after it starts: the entrypoint backgrounds the app and "
        "ends, `main` drops or spawns the server future and returns, or the image ships a stub `main`.",
        docs=RuleDocs(
            what="An entrypoint script (the file `ENTRYPOINT`/`CMD` runs, found through the COPY that puts it there), "
            "a shell-form `ENTRYPOINT`/`CMD` or an `sh -c` text that starts a program with `&` (also `nohup … &`) and "
            "after it runs only quick commands (`echo`, `export`, `sleep 5`, …) before it ends, with no `wait`, "
            "`exec` or foreground program. And in the Rust binary the service runs, an `async fn main` that makes a "
            "server future (actix-web `HttpServer::…run()` from 2.0 on, `axum::serve(…)`, `Server::bind(…).serve(…)` "
            "of hyper/axum 0.6, `axum_server::bind(…).serve(…)`, `warp::serve(…).run(…)`, rocket 0.5 "
            "`build()…launch()`, or a call of a function of the crate that makes one: an `async fn` with a server in "
            "it, a `fn` returning the `Server`) at the top level of its body and drops it (no `.await`), binds it to "
            "a variable it never uses, or `spawn`s it and drops the handle, when after that `main` only prints and "
            "returns. A helper started with `&` and followed by `exec app` or `wait`, a spawned server whose handle, "
            "`join!`/`select!` or a shutdown signal is awaited later, and a `main` that blocks in a loop are not "
            "reported. And, in an image the repository ships (deploy scope), the dependency-cache pattern that ships "
            "its placeholder: a RUN writes a stub `main` (`echo \"fn main() {}\" > src/main.rs`) and builds it, a "
            "COPY later puts the real file there, and a second `cargo build`/`cargo install --path` with the same "
            "profile, target and features follows with no `touch` of the sources, no removal of the stub's artifacts "
            "(`rm target/…/deps/app*`, `rm -rf target`) and no `cargo clean` in between. COPY keeps the checkout's "
            "modification times, older than the stub build, and Cargo decides freshness by those times, so it keeps "
            "the stub binary (rust-lang/cargo#7181, #9312). Claimed only for a package with no library target, build "
            "script or path dependency (those, copied in new, rebuild the binary) whose `Cargo.lock` was copied "
            "before the stub build and is not removed or updated in between.",
            why="A container lives as long as its main process. A script that backgrounds the app and returns, "
            "or a `main` that returns without polling the server, ends that process at once with exit code 0; "
            "compose marks the container exited and `restart: unless-stopped` restarts it every few seconds, "
            "while logs show a normal start and no error.",
            example="#[actix_web::main]\nasync fn main() -> std::io::Result<()> {\n"
            '    HttpServer::new(|| App::new()).bind(("0.0.0.0", 8080))?.run();\n    Ok(())\n}\n'
            "# or docker-entrypoint.sh:  /usr/local/bin/api &",
            fix="Await the server (`….run().await`, `axum::serve(listener, app).await`), or await the spawned "
            'task\'s handle; in a script, start the app last with `exec /usr/local/bin/api "$@"`, or end '
            "with `wait`.",
        ),
        check=check,
        tags=("runtime", "rust", "dockerfile"),
    )
)
