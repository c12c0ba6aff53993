"""VW202 interpolation-unset."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from viworks_lint.buildscript import cargo_sets_for_crate
from viworks_lint.conventions import Provision, documented_env_name, loaded_by_tooling, user_written_env
from viworks_lint.devstack import runs_app_image
from viworks_lint.findings import Finding, Level, Related
from viworks_lint.location import Location
from viworks_lint.parsers.compose import ComposeProject
from viworks_lint.parsers.interpolation import VarRef
from viworks_lint.project import Project
from viworks_lint.rule import Rule, RuleDocs, register
from viworks_lint.scope import Scope
from viworks_lint.secretfiles import is_secret_name


def _sources(project: Project, compose: ComposeProject) -> str:
    parts = [f"`{project.rel(p)}`" for p in compose.env_sources]
    parts += [
        f"`{project.rel(p.template)}` (the template of `{project.rel(p.path)}`)"
        for p in project.compose_env(compose).templates
        if p.template is not None
    ]
    if not parts:
        return "there is no `.env` next to the compose file and no `--env-file`"
    return f"neither {', '.join(parts)} nor the config's `provided-env` defines it"


def check(project: Project) -> Iterator[Finding]:
    # every reference, by the file it is written in and the variable: a file that several compose
    # projects read (alone, and combined by a wrapper) is reported once, and only when no project
    # that reads it defines the variable
    by_name: dict[tuple[Path, str], list[tuple[ComposeProject, VarRef]]] = {}
    for compose in project.composes:
        for ref in compose.var_refs:
            by_name.setdefault((ref.location.path, ref.name), []).append((compose, ref))
    for (_path, name), uses in by_name.items():
        if any(ref.resolved for _c, ref in uses):
            continue
        needed = sorted(
            {ref.location: (c, ref) for c, ref in uses if not ref.has_default}.values(), key=lambda x: x[1].location
        )
        if not needed:
            continue
        compose, first = next(((c, r) for c, r in needed if r.is_required), needed[0])
        related = tuple(Related(r.location, f"`{name}` is also used here") for _c, r in needed if r is not first)
        optional = any(name in project.compose_env(c).optional for c, _r in uses)
        written = f"${{{name}{first.modifier}{first.argument}}}" if first.modifier else f"${{{name}}}"
        where = _sources(project, compose)
        code_needs = _code_requires(project, compose, first)  # the service's own code cannot start without it
        passthrough = bool(project.compose_env(compose).templates) and _passes_through(first) and not code_needs
        missing_env = _missing_dotenv_file(compose)
        secret = is_secret_name(name) and not code_needs
        outside = project.scope_of(first.location.path) is not Scope.DEPLOY and not code_needs
        joined = None if code_needs else _joined_network(project, compose)
        generated = [] if code_needs else project.compose_env(compose).generated
        compiled = cargo_sets_for_crate(name) and _passes_through(first)  # `CARGO_PKG_VERSION: ${CARGO_PKG_VERSION}`
        user_env = user_written_env(project, compose.project_dir)
        documented = documented_env_name(project, compose.project_dir, name) if user_env else None
        # the developer tooling loads the git-ignored `.env` (direnv, `set dotenv-load`): each user keeps one
        loaded = loaded_by_tooling(compose.project_dir / ".env") if user_env and documented is None else None
        # a file that only runs images (a deployment file for a server) whose `.env` the repository git-ignores: the
        # server's operator keeps that `.env`
        served = (
            user_env and documented is None and loaded is None and not code_needs
            and not project.compose_env(compose).templates
            and all(svc.build is None for svc in compose.services.values())
            and runs_app_image(project, compose)
        )
        user_note: tuple[str, tuple[Related, ...]] | None = None  # a `.env` each user (or the server) keeps
        if documented is not None and not (optional or passthrough or missing_env):
            user_note = (
                f"would come from `.env`, which the repository git-ignores so that each user writes their own, and "
                f"`{project.rel(documented.path)}:{documented.line}` names it; compose substitutes an empty string "
                f"for `{written}` until it is",
                (Related(documented, f"`{name}` is documented here"),),
            )
        elif loaded is not None and not (optional or passthrough or missing_env):
            user_note = (
                f"would come from `.env`, which the repository git-ignores so that each user keeps their own and "
                f"`{project.rel(loaded.path)}:{loaded.line}` loads; compose substitutes an empty string for "
                f"`{written}` until it is set, and no template (`.env.example`) lists the names it must hold",
                (Related(loaded, "the git-ignored `.env` is loaded here"),),
            )
        elif served and not (optional or passthrough or missing_env or secret or outside):
            user_note = (
                f"would come from the `.env` beside this file, which only runs images (a deployment file for a "
                f"server) and which the repository git-ignores: the server's operator keeps it; compose substitutes "
                f"an empty string for `{written}` until it is set, and no template (`.env.example`) lists the names "
                "it must hold",
                (),
            )
        if user_note is not None:
            yield RULE.finding(
                f"`{name}` {user_note[0]}",
                first.location,
                key=name,
                related=(*related, *user_note[1]),
                level=Level.NOTE,
            )
        elif optional or passthrough or missing_env or secret or outside or joined or generated or compiled:
            if compiled:
                why = (
                    "is a variable Cargo sets while it compiles the crate (the code reads it with `env!`); no shell "
                    "that runs compose sets it, so the container gets it empty, which the compiled code never reads"
                )
            elif generated and not (optional or passthrough or missing_env):
                made = generated[0]
                assert made.step is not None
                why = (
                    f"would come from `{project.rel(made.path)}`, which {made.step.describe()} writes (what it "
                    "writes cannot be read here)"
                )
            elif joined is not None and not (optional or passthrough or missing_env):
                why = (
                    f"has no `.env` or env template in the repository, and the project joins the network "
                    f"`{joined}` that something outside it creates (`external: true`): the deployment it is part "
                    "of sets its variables"
                )
            elif secret and not (optional or passthrough or missing_env):
                why = (
                    "is a secret, which is best exported by the environment that runs compose rather than written "
                    "in a file"
                )
            elif outside and not (optional or passthrough or missing_env):
                why = (
                    f"is left to the shell of whoever runs this {project.scope_of(first.location.path).value} file"
                )
            elif optional:
                why = "is only commented out in the env file or its template, so it is deliberately optional"
            elif passthrough:
                why = (
                    "is passed through from the host (`NAME: ${NAME}`) and the env template does not list it, "
                    "so it is an optional setting of the host"
                )
            else:
                why = (
                    "would come from `.env`, which services also use as `env_file` and which is missing (VW203 "
                    "reports it)"
                )
            yield RULE.finding(
                f"`{name}` {why}; compose substitutes an empty string for `{written}` when it is not set",
                first.location,
                key=name,
                related=related,
                level=Level.NOTE,
            )
        elif first.is_required:
            # written to be required from the environment that runs compose: compose stops with the
            # author's own message until it is set, which is the point; a reminder, not a defect
            yield RULE.finding(
                f"`{written}` requires `{name}` from the environment that runs compose ({where}): `docker "
                "compose` stops with that message until it is exported; list it under `provided-env` if the "
                "deploy environment sets it",
                first.location,
                key=name,
                related=related,
                level=Level.NOTE,
            )
        else:
            yield RULE.finding(
                f"`{name}` is interpolated without a default, but {where}: compose substitutes an empty string; "
                f"set it in `.env`, write `${{{name}:-default}}`, or list it under `provided-env` if the deploy "
                "environment exports it",
                first.location,
                key=name,
                related=related,
            )
    yield from _template_notes(project)


def _joined_network(project: Project, compose: ComposeProject) -> str | None:
    """An `external` network the project joins when it has no `.env` (or `--env-file`) and no env template:
    it is one part of a deployment defined outside the repository, which passes the variables."""
    if any(p.is_file() for p in compose.env_sources) or (compose.project_dir / ".env").is_file():
        return None
    if project.compose_env(compose).templates:
        return None
    return next((name for name, net in sorted(compose.networks.items()) if net.external), None)


def _missing_dotenv_file(compose: ComposeProject) -> bool:
    """The project's `.env` is missing and services name it as their `env_file` too: one missing file, which
    VW203 reports; the variables it would define are not separate defects."""
    dotenv = compose.project_dir / ".env"
    if dotenv.exists():
        return False
    return any(ref.path == dotenv or ref.path.resolve() == dotenv.resolve()
               for svc in compose.services.values() for ref in svc.env_files)


def _passes_through(ref: VarRef) -> bool:
    """``NAME: ${NAME}`` / ``- NAME=${NAME}``: the whole value is the host's variable of the same name."""
    try:
        lines = ref.location.path.read_text("utf-8", errors="replace").splitlines()
        line = lines[ref.location.line - 1]
    except (OSError, IndexError):
        return False
    n = re.escape(ref.name)
    pattern = rf"""^\s*(?:-\s*)?["']?{n}\s*[:=]\s*["']?\$\{{?{n}\}}?["']?\s*(?:#.*)?$"""
    return re.match(pattern, line) is not None


def _code_requires(project: Project, compose: ComposeProject, ref: VarRef) -> bool:
    """The repository's code of a service that gets the variable reads it as required."""
    from viworks_lint.code import service_code

    for svc in compose.services.values():
        if any(e.name == ref.name and e.location.line == ref.location.line for e in svc.environment):
            code = service_code(project, svc)
            if code is not None and any(r.name == ref.name and r.required for r in code.env_reads):
                return True
    return False


def _template_notes(project: Project) -> Iterator[Finding]:
    """One note per env file made from a template: it names the copy step. It sits at the first variable taken
    from it, in the compose file that fewest projects share (the overlay a wrapper adds, not the base)."""
    shared: dict[Path, int] = {}
    for compose in project.composes:
        for f in compose.files:
            shared[f] = shared.get(f, 0) + 1
    first: dict[Path, tuple[tuple[int, Location], VarRef, Provision]] = {}
    for compose in project.composes:
        env = project.compose_env(compose)
        for ref in compose.var_refs:
            prov = env.template_names.get(ref.name)
            if prov is None or prov.template is None:
                continue
            if any(ref.name in e.as_dict() for p in compose.env_sources if (e := project.env_file(p)) is not None):
                continue  # the real file defines it too
            rank = (shared.get(ref.location.path, 0), ref.location)
            if prov.path not in first or rank < first[prov.path][0]:
                first[prov.path] = (rank, ref, prov)
    for _rank, ref, prov in sorted(first.values(), key=lambda x: x[0][1]):
        if prov.template is not None:
            yield RULE.finding(
                f"`{project.rel(prov.path)}` is not in the repository; the variables this file interpolates from it "
                f"are taken from `{project.rel(prov.template)}`, "
                + (f"which {prov.step.describe()} copies into place" if prov.step else "the template beside it")
                + ": keep the two in step",
                ref.location,
                key=f"template:{project.rel(prov.path)}",
                level=Level.NOTE,
            )


RULE = register(
    Rule(
        id="VW202",
        name="interpolation-unset",
        level=Level.WARNING,
        summary="A compose `${VAR}` has no default and nothing defines VAR (compose substitutes an empty string).",
        docs=RuleDocs(
            what="Every `${VAR}` / `$VAR` in a compose file is resolved the way `docker compose` resolves it: from "
            "the `.env` next to the first compose file, `--env-file` files and the variables listed in config as "
            "`provided-env`, and from the way the repository itself runs compose: the `--env-file`s and `VAR=… docker "
            "compose` of its Makefile, justfile, Taskfile, scripts, CI workflows and documentation (README and setup "
            "pages, Markdown / MDX under a docs folder: a page's `-f myapp/x.compose.yaml --env-file myapp/x.env` "
            "that names the folder its install steps create means the repository's compose file of that name and the "
            "env file of that name beside it), and the variables the same CI step, script or recipe `export`s before "
            "it runs compose (a deploy script's `export X=${{ secrets.X }}`, a Makefile's top-level `export`) or "
            "exports by sourcing a file (`source env.sh`, `set -a; . ./prod.env`), also when it runs compose through "
            "`make T` / `just T` / `cargo make T` (a README block `source env.sh` then `make compose`: target `T` and "
            "the targets it depends on). cargo-make's `Makefile.toml` is read too: a task running `docker compose` "
            "(`command = \"docker\"`, `args = [\"compose\", …]`, or a shell `script`) gets the top-level `[env]`, its "
            "own `env` and that of the task it `extend`s, and the `env` of the tasks that run before it "
            "(`dependencies`) or run it (`run_task`). When `.env` (or an `--env-file`) is absent or git-ignored, the "
            "template beside it (`.env.example`, `.env.sample`, `.env.template`, `.env.dist`, `.env.default`, "
            "`default.env`, `example.env`, a committed `.env.dev`/`.env.development` beside an absent `.env`, or "
            "whatever a repository step copies into place) defines what it will hold, and so do the lines a step "
            "writes into it one by one (`echo \"NAME=value\" >> .env.prod` in a CI job that then runs compose with "
            "`--env-file .env.prod`); one note per compose file names that step. A compose file another one pulls in "
            "with `include:` (and no wrapper runs on its own) is interpolated with the including project's variables, "
            "its `.env` and those of the files that include it, merged with the include entry's `env_file`, or else "
            "the `.env` of its project directory (its folder, or the entry's `project_directory`), as compose does. A "
            "reference without a default (`${VAR:-d}`, `${VAR-d}`) to a variable nothing defines is a warning, once "
            "per variable and compose file with the other places as related locations. `${VAR:?msg}` / `${VAR?msg}` "
            "is written to demand the variable from the environment that runs compose (compose stops with that "
            "message): a note. Stays silent for `$$VAR` escapes, variables every shell exports (`HOME`, `PWD`, "
            "`USER`, `UID`, `GID`, `HOSTNAME`, `SHELL`, `PATH`), variables of an env file the repository passes with "
            "`--env-file` (a wrapper or a documented command), and a file that another compose project (such as a "
            "wrapper's `-f base -f prod`) reads with the variable defined; a name that appears only commented out (`# "
            "X=`) in `.env` or its template is deliberately optional, a secret (`*_API_KEY`, `*_PASSWORD`) is best "
            "exported by the environment, and a dev, test or CI file leaves variables to the shell of whoever runs "
            "it: a note at most. A service's `env_file:` only reaches the container: a variable it defines is still "
            "unset for `${VAR}` unless a `--env-file` passes the same file. When the repository git-ignores `.env` "
            "and ships no template, each user writes their own: a variable a README or setup document names (`` "
            "`NAME` `` or `NAME=`), or another env file beside it (`.env.test`) or one such a document names (`Make a "
            "copy of .env.save`) defines, is a note pointing there; so is every variable when the developer tooling "
            "loads that `.env` (a direnv `.envrc` that runs `dotenv` or `source .env`, a justfile's `set "
            "dotenv-load`), and the note asks for a template; so is every variable of a compose file that only runs "
            "images, the repository's own among them (a deployment file for a server, whose operator keeps the "
            "git-ignored `.env`), when no template exists. A `--env-file` on every run of a compose project replaces "
            "its `.env`, as in compose. A compose project with no `.env` and no template that joins a network created "
            "outside it (`external: true`) is one part of a larger deployment, which sets its variables: a note. "
            "Templates named with a dash or underscore (`.env-sample`, `.env_example`) count as well. A `.env` an "
            "opaque generator writes (`tool env create -o .env`) makes its variables notes, except those the code "
            "requires; a variable Cargo sets at compile time passed through (`CARGO_PKG_VERSION: "
            "${CARGO_PKG_VERSION}`) is a note: the compiled code reads it with `env!`, never at run time.",
            why="Compose prints a warning nobody reads and substitutes an empty string: `DATABASE_URL` becomes "
            "`postgres://app:@db/app`, the backend fails authentication and restarts in a loop.",
            example="environment:\n  JWT_SECRET: ${JWT_SECRET}      # no .env entry, no default",
            fix="Define the variable in `.env` (or the `--env-file` you deploy with), give it a default with "
            "`${VAR:-value}`, or add it to `provided-env` in `.viworks-lint.toml` when CI or the host exports it.",
        ),
        check=check,
        tags=("compose", "config"),
    )
)
