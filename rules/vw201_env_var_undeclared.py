"""VW201 env-var-undeclared."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from viworks_lint.code import service_code
from viworks_lint.devstack import builds_only
from viworks_lint.findings import Finding, Level, Related
from viworks_lint.fixes import Applicability, Fix, SetKey, safe_fix, unsafe_fix
from viworks_lint.location import Location
from viworks_lint.oneshot import cli_service
from viworks_lint.operatorenv import operator_fills
from viworks_lint.parsers.compose import ComposeProject, Service
from viworks_lint.project import Project
from viworks_lint.rule import Rule, RuleDocs, register
from viworks_lint.runtime import container_env
from viworks_lint.rust.facts import EnvRead
from viworks_lint.uncalled import never_called


def _root_env_names(project: Project, compose: ComposeProject) -> set[str]:
    """Names the project's `.env` (or `--env-file`) defines: they feed compose interpolation only."""
    names: set[str] = set()
    for src in compose.env_sources:
        ef = project.env_file(src)
        if ef is not None:
            names |= ef.names()
    return names


def check(project: Project) -> Iterator[Finding]:
    # one finding per read site, naming every service that runs the code without the variable
    missing: dict[tuple[Path, int, int, str], list[tuple[Service, Location, bool]]] = {}
    files: dict[int, tuple[Path, ...]] = {}
    reads: dict[tuple[Path, int, int, str], EnvRead] = {}
    # the README step that hands the compose file to operators to fill in, naming the variable
    operator: dict[tuple[Path, int, int, str], Location] = {}
    for compose, svc in project.services():
        if builds_only(compose):
            continue  # `docker-compose.build.yml`: it builds and tags images, it runs no container
        code = service_code(project, svc)
        if code is None:
            continue
        # a command-line tool run with no subcommand: the library its commands call reads what they need when
        # someone runs them; its own binary's reads (in `main` before the dispatch) still happen at start
        own = [m.dir for m in code.packages] if cli_service(project, svc) else None
        env = container_env(project, svc, code.build)
        if not env.complete:
            continue  # an env_file we cannot read may provide anything
        dotenv = _root_env_names(project, compose)
        files[id(svc)] = compose.files
        for read in code.env_reads:
            if read.kind != "runtime" or not read.required or env.has(read.name):
                continue
            if any(env.has(first) for first in read.unless):
                continue  # the fallback of a variable the container gets (`DATABASE_URL` set, `PGHOST` unread)
            if own is not None and not any(read.location.path.is_relative_to(d) for d in own):
                continue
            if never_called(project, read.function):
                continue  # a function no code of the repository names: the read is never made
            key = (read.location.path, read.location.line, read.location.col, read.name)
            reads[key] = read
            missing.setdefault(key, []).append((svc, svc.location, read.name in dotenv))
            told = operator_fills(project, compose, read.name)
            if told is not None:
                operator.setdefault(key, told)
    # the required args of one clap subcommand that the same services all miss: clap reports them in one
    # error, and one `environment` block fixes them, so they are one finding
    groups: dict[tuple[object, ...], list[tuple[Path, int, int, str]]] = {}
    for key in sorted(missing, key=lambda k: (str(k[0]), k[1], k[2])):
        read = reads[key]
        services = tuple(id(s) for s, _, _ in missing[key])
        gkey: tuple[object, ...] = (
            ("clap", read.subcommands, services) if read.subcommands else ("read", read.name, services)
        )
        groups.setdefault(gkey, []).append(key)
    for gkey, keys in groups.items():
        if gkey[0] == "read":  # one variable the same services miss: one finding, its other reads related
            others = tuple(Related(reads[k].location, f"`{reads[k].name}` is required here too") for k in keys[1:])
            f = _finding([(reads[keys[0]], missing[keys[0]])], files)
            f = replace(f, related=f.related + others)
        else:
            f = _finding([(reads[k], missing[k]) for k in keys], files)
        documented = [operator[k] for k in keys if k in operator]
        if len(documented) == len(keys):
            where = f"{project.rel(documented[0].path)}:{documented[0].line}"
            f = replace(
                f,
                message=f.message + f"; the README hands this compose file to operators to fill in its environment "
                f"variables and documents the variable ({where}): each deployment supplies it, so only advice",
                level=Level.NOTE,
                related=(*f.related, Related(documented[0], "the README documents the variable here")),
            )
        yield f


Entries = list[tuple[Service, Location, bool]]  # the services that miss a read, and whether `.env` has it


def _finding(group: list[tuple[EnvRead, Entries]], files: dict[int, tuple[Path, ...]]) -> Finding:
    read, entries = group[0]
    names = [r.name for r, _ in group]
    in_dotenv = [n for (r, es) in group for n in [r.name] if any(d for _, _, d in es)]
    services = ", ".join(f"`{s.name}`" for s, _, _ in entries)
    plural = "services" if len(entries) > 1 else "service"
    if len(group) == 1:
        msg = (
            f"`{read.name}` is required here (the program fails when it is unset) but {plural} {services} "
            f"never gets it: it is in no compose `environment`, `env_file` or image `ENV`"
        )
    else:
        listed = ", ".join(f"`{n}`" for n in names)
        msg = (
            f"the command line of {plural} {services} selects a clap subcommand that requires {listed}, "
            f"which {'it never gets' if len(entries) == 1 else 'they never get'} (clap stops with a usage "
            f"error): they are in no compose `environment`, `env_file` or image `ENV`"
        )
    if in_dotenv:
        pass_on = ", ".join(f"`{n}: ${{{n}}}`" for n in in_dotenv)
        msg += (
            f"; the project's `.env` defines {'it' if len(in_dotenv) == 1 else 'them'}, but that file only "
            f"feeds compose interpolation: add {pass_on} to the service's `environment`"
        )
    related = tuple(Related(loc, f"service `{s.name}` runs this code") for s, loc, _ in entries)
    related += tuple(Related(r.location, f"`{r.name}` is required here too") for r, _ in group[1:])
    return RULE.finding(msg, read.location, key=",".join(names), related=related, fix=_fix(group, files))


def _fix(group: list[tuple[EnvRead, Entries]], files: dict[int, tuple[Path, ...]]) -> Fix:
    """``NAME: ${NAME}`` in each service's `environment`: safe when the project's `.env` defines NAME
    (the value the author meant), unsafe when it must come from the shell that runs compose."""
    edits = [
        SetKey(files[id(s)], ("services", s.name, "environment", r.name), f"${{{r.name}}}")
        for r, entries in group
        for s, _, _ in entries
    ]
    services = ", ".join(f"`{s.name}`" for s, _, _ in group[0][1])
    listed = ", ".join(f"`{r.name}`" for r, _ in group)
    if all(in_dotenv for _, entries in group for _, _, in_dotenv in entries):
        return safe_fix(f"pass {listed} from the project's `.env` to service {services}", *edits)
    return unsafe_fix(f"pass {listed} from the environment compose runs in to service {services}", *edits)


RULE = register(
    Rule(
        id="VW201",
        name="env-var-undeclared",
        level=Level.ERROR,
        summary="The service's code requires an environment variable that nothing provides to its container.",
        docs=RuleDocs(
            what="A read of an environment variable that fails when it is unset (`env::var(\"X\")` followed by "
            "`.expect`/`.unwrap`/`?`, `dotenvy::var`, `envy` config structs, clap `#[arg(env)]` without a default, "
            "the variable named by `env = \"X\"` or `env(\"X\")`) in the code a compose service runs, where neither "
            "the service's `environment`, its `env_file` files, the image's `ENV` nor a dotenv file mounted or copied "
            "into the container (which the app may load with `dotenvy::dotenv()`) set the variable; a `.env` each "
            "user writes (git-ignored and absent, not kept out by `.dockerignore`) that a `COPY . .` takes into the "
            "image, when the service's code loads a dotenv file (`dotenvy::dotenv()`), sets the names the repository "
            "writes out for it (`DATABASE_URL=…` lines of a README or setup document in that folder, or elsewhere "
            "naming the folder beside `.env`; the template a documented step copies into place), and none when "
            "nothing does (a bare template beside it tells no one to make it, unless the Dockerfile copies the file "
            "in by name, also out of an earlier stage that took the context along: `COPY --from=build /app/.env .` "
            "needs one at build time, and the template beside it gives its names). The project-root `.env` only feeds "
            "compose interpolation and does not reach the container. Reported at the read, with the compose service "
            "as related location. Reads with a default (`unwrap_or`, `.ok()`, `if let Ok`), reads whose `Err` (`?`, "
            "`Err(_) => return Err(..)`) every caller logs or ignores, transitively, or a request handler turns into "
            "a response (not `main`'s start path: only the feature fails), compile-time `env!` and variables Docker "
            "sets (`HOSTNAME`, `HOME`, `PATH`) are never reported. Stays silent too for reads the program makes only "
            "when asked to: inside a branch that tests another variable (`if let Ok(id) = env::var(\"S3_KEY_ID\") { "
            "env::var(\"S3_SECRET\")? }`) or in a function called only from a branch (a CLI subcommand handler), in "
            "the initializer of a lazy static (`LazyLock::new(|| env::var(..).unwrap())`) that start-up code never "
            "uses outside a branch or a test, in test-helper modules (`pub mod tests { … }` without `#[cfg(test)]`), "
            "and in a function only test code calls, directly or through other such functions (`setup_test_db()` "
            "called by `create_test_app()`, which only `#[tokio::test]` functions call). A clap struct reached only "
            "through a subcommand (a variant of the `#[command(subcommand)]` enum, or a struct flattened into one) is "
            "parsed only when the command line selects that subcommand: its required args count for a service whose "
            "compose `entrypoint`/`command` or image `ENTRYPOINT`/`CMD` names it, never for one that runs another "
            "subcommand, and no claim is made when the command line cannot be told (a shell, a script, a variable). "
            "The required args of one subcommand that the same services all miss are one finding, as clap reports "
            "them in one usage error. Only code the service's binary reaches counts: not `#[cfg(test)]` items, tests "
            "and benches, modules behind test/mock features (`#[cfg(feature = \"e2e_tests\")]`), a function no Rust "
            "code of the repository names (a library's `Config::from_env` nothing calls; not a trait method, which "
            "the framework calls, nor one under an attribute macro such as Leptos' `#[server]`, whose generated code "
            "calls it), nor other binaries of the image (when several are copied in, the one `ENTRYPOINT`/`CMD` "
            "starts). A compose file that only builds and tags images (named for building, or every build lists "
            "`tags:`, and no service sets anything that runs a container) runs no container: not checked; nor is a "
            "service whose image is a toolchain build other Dockerfiles start from (its final stage on a Rust "
            "toolchain base sets no ENTRYPOINT or CMD, compose gives it no `command:`, another build uses its "
            "`image:` tag as a build arg or `FROM`, and nobody works in it: no `tty`/`stdin_open`, no bind mount): it "
            "runs a shell, none of the code; nor a service that runs a command-line tool (clap subcommands, serves "
            "nothing) with no subcommand on its command line (`command: [\"--docker-service\"]`): its commands, run "
            "with `docker compose run`, read what they need then. One variable the same services miss is one finding, "
            "at its first read, with its other reads as related locations. A read that is the fallback of another "
            "variable (inside the `.unwrap_or_else(…)` of `env::var(\"DATABASE_URL\")`) happens only when that "
            "variable is unset: when the container gets it, the fallback is not read. A clap or envy field that only "
            "some Cargo features compile (`#[cfg(feature = \"keycloak\")]`) is no claim: whether the build enables "
            "the feature is not read. A note when the README of the root or of the compose file's folder hands "
            "the compose file to operators as a template (a step that names the file and, within a few lines, "
            "tells the reader to fill in, set or add its environment variables) and names the variable (a "
            "configuration table): each deployment supplies it.",
            why="The binary panics at start-up (`JWT_REFRESH_SECRET must be set`), often before logging is set up, "
            "and the container restarts in a loop with nothing in `docker logs`.",
            example='let refresh = env::var("JWT_REFRESH_SECRET").expect("JWT_REFRESH_SECRET must be set");\n'
            "# compose: environment: {JWT_SECRET: ${JWT_SECRET}}   # refresh secret missing",
            fix="Pass the variable to the service (`environment:` or an `env_file`), or give the read a default.",
            fix_safety="Safe when the project's `.env` defines the variable, else unsafe. The fix adds "
            "`NAME: ${NAME}` to the service's `environment` (a `NAME=${NAME}` item when the list form is used; "
            "the mapping is created when the service has none). With `.env` defining NAME, compose substitutes "
            "the value the project already keeps for it, which is what the code expects. Without it, the value "
            "comes from the shell that runs `docker compose`: when that shell does not set it, compose passes an "
            "empty string (VW202 then reports the unset variable), which a check for presence accepts but the "
            "app may still reject, so review where the value should come from.",
        ),
        check=check,
        tags=("runtime", "compose", "rust"),
        fixable=(Applicability.SAFE, Applicability.UNSAFE),
    )
)
