"""VW203 env-file-missing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from viworks_lint.conventions import documented_file
from viworks_lint.findings import Finding, Level, Related
from viworks_lint.parsers.compose import ComposeProject, EnvFileRef, Service
from viworks_lint.project import Project, norm_path
from viworks_lint.rule import Rule, RuleDocs, register
from viworks_lint.scope import Scope


def check(project: Project) -> Iterator[Finding]:
    # one finding per missing file and compose file, at its first reference; the other services using it
    # are related locations
    missing: dict[tuple[Path, Path], list[tuple[ComposeProject, Service, EnvFileRef]]] = {}
    for compose, svc in project.services():
        for ref in svc.env_files:
            if not ref.required or not ref.raw or ref.path.is_file():
                continue
            if ref.raw.startswith(("/", "~")) or "$" in ref.raw or ref.templated:
                continue  # a path on the deploy host, or built from a variable: no claim
            missing.setdefault((ref.location.path, norm_path(ref.path)), []).append((compose, svc, ref))
    for (_file, path), uses in missing.items():
        uses = sorted(uses, key=lambda u: (u[2].location, u[1].location))
        compose, svc, ref = uses[0]
        by_name = {u[1].name: u for u in sorted(uses, key=lambda u: u[1].location)}
        who = f"service `{svc.name}`" if len(by_name) == 1 else "services " + ", ".join(f"`{n}`" for n in by_name)
        related: tuple[Related, ...] = ()
        if len(by_name) > 1:
            related = tuple(Related(u[1].location, f"service `{n}` uses it") for n, u in by_name.items())
        note = _put_in_place(project, path, ref.raw, who, related, ref.location.path)
        if note is not None:
            yield RULE.finding(note[0], ref.location, key=ref.raw, related=note[1], level=Level.NOTE)
            continue
        what = "is a directory, not a file" if path.is_dir() else "does not exist"
        try:
            shown = path.relative_to(compose.project_dir).as_posix()
        except ValueError:
            shown = ref.raw
        yield RULE.finding(
            f"`env_file` `{ref.raw}` of {who} {what} (resolved against the project directory: `{shown}`): "
            "`docker compose up` refuses to start; create it, fix the path, or mark it optional with "
            "`required: false`",
            ref.location,
            key=ref.raw,
            related=related,
        )


def _put_in_place(
    project: Project, path: Path, raw: str, who: str, related: tuple[Related, ...], compose_file: Path
) -> tuple[str, tuple[Related, ...]] | None:
    """How a missing env file comes into place (a step, the documentation, each user of a dev stack): the
    note's message and related locations, else None."""
    if path.is_dir():
        return None
    head = f"`env_file` `{raw}` of {who} is not in the repository"
    template = f"a template beside it, such as `{path.name}.example`, would show what it holds"
    prov = project.provision(path)
    if prov is not None:
        made = prov.describe(project.rel(prov.template) if prov.template else None)
        return f"{head}; it is {made}: run that step before `docker compose up`", related
    doc = documented_file(project, path)
    if doc is not None:
        return (
            f"{head}: it is git-ignored so that each user writes their own, as `{project.rel(doc.path)}:{doc.line}` "
            f"says; `docker compose up` refuses to start until it exists ({template})",
            (*related, Related(doc, "the documentation names it here")),
        )
    scope = project.scope_of(compose_file)
    if project.is_gitignored(path) and scope is not None and scope is not Scope.DEPLOY:
        return f"{head}: it is git-ignored, so each user writes their own before running this {scope.value} stack " \
            f"({template})", related
    home = _operators_host(project, compose_file)
    if project.is_gitignored(path) and home is not None:
        # nothing runs the file but its operator, on the host whose home folder it mounts: their secrets file
        return (
            f"{head}: it is git-ignored, and this compose file is one host's own (it mounts `{home}` from the "
            f"operator's home folder and no README, script or CI step runs it), so its operator writes their own "
            f"({template})",
            related,
        )
    return None


def _operators_host(project: Project, compose_file: Path) -> str | None:
    """A home-folder bind source (`~/docker/postgres`) of a compose file no wrapper, CI step or document of the
    repository runs: the file describes one machine, its operator's; None otherwise."""
    key = norm_path(compose_file)
    home: str | None = None
    for c in project.composes:
        if key not in {norm_path(f) for f in c.files}:
            continue
        if project.compose_env(c).invocations:
            return None
        sources = [m.source or "" for s in c.services.values() for m in s.volumes if m.type == "bind"]
        home = home or next((src for src in sources if src.startswith("~/")), None)
    return home


RULE = register(
    Rule(
        id="VW203",
        name="env-file-missing",
        level=Level.ERROR,
        summary="An `env_file` path of a compose service is not on disk.",
        docs=RuleDocs(
            what="Each `env_file` entry of a service (short string or long `path:` form) is resolved against the "
            "compose project directory and must be a file. Entries with `required: false` are optional and never "
            "reported; absolute paths (a file on the deploy host) and paths written with variables "
            "(`.envs/.${DEPLOY_ENV}/app.env`, whatever value compose would give them) are not claimed. A file the "
            "repository puts into place itself, from a template beside it (`backend.env.example`, `.env.sample`, "
            "`default.env` or `.env.default` beside a git-ignored `.env`, a sibling `.example/` folder) or by a step "
            "of a wrapper, a script, a CI workflow or the README (`cp`, `touch`, `> file`), or named by a comment of "
            "the compose file beside it (`# create a .env using app generate-dotenv`), is only a note naming that "
            "step; so is a git-ignored file a README or setup document names (`Create a docker.env file with …`; the "
            "README of its folder, of the folder above or of the root; in another folder by its path, or by its name "
            "in a document that also names its folder, as a drawn tree does; or a page of the documentation site, "
            "`docs/`, `book/`, `website/`, that names it and its folder and says to create, copy or fill it) or the "
            "developer tooling loads (a direnv "
            "`.envrc` that runs `dotenv` or `source .env`, a justfile's `set dotenv-load`): each user writes their "
            "own; as is any git-ignored file of a dev, test, CI or example stack, or of a compose file that is one "
            "host's own: it mounts folders of its operator's home (`~/docker/postgres`) and no README, script or CI "
            "step of the repository runs it.",
            why="Compose refuses to create the service (`env file …/backend.env not found`), so the whole stack "
            "fails to come up; typical after renaming `.env.example` or deploying from a fresh clone where the "
            "file is git-ignored.",
            example="services:\n  backend:\n    env_file: ./config/backend.env     # file not in the repo",
            fix="Create the file (commit an example and copy it during deploy), fix the path, or use "
            "`env_file: [{path: ./config/backend.env, required: false}]` if the values are optional.",
        ),
        check=check,
        tags=("compose", "config"),
    )
)
