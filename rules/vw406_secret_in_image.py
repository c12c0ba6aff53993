"""VW406 secret-in-image."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, replace

from viworks_lint.dockerutil import text_location
from viworks_lint.findings import Finding, Level, Related
from viworks_lint.gitindex import committed_mode
from viworks_lint.location import Location
from viworks_lint.parsers.dockerfile import Dockerfile, Instruction
from viworks_lint.project import Build, Project
from viworks_lint.rule import Rule, RuleDocs, register
from viworks_lint.secretfiles import secret_kind, secrets_below
from viworks_lint.stagefiles import Placement, StageFiles, image_path, stage_files


@dataclass(frozen=True)
class _Secret:
    rel: str  # context-relative path
    kind: str  # "a dotenv file", "a private key", …
    image_path: str
    committed: bool  # tracked in the repository's git index: published with the source already


def _under(path: str, top: str) -> bool:
    return path == top or top == "/" or path.startswith(top.rstrip("/") + "/")


def _secrets_of(files: StageFiles, p: Placement) -> list[_Secret]:
    """Secret files a context COPY/ADD placement puts into the image."""
    context = files.context
    if context is None or p.kind != "context":
        return []
    if not p.tree:
        host = context / p.source
        if files.ignore is not None and files.ignore.excluded(p.source):
            return []  # the build fails on it (VW103), it never reaches the image
        kind = secret_kind(posixpath.basename(p.source), host if host.exists() else None)
        return [_Secret(p.source, kind, p.dest, committed_mode(host) is not None)] if kind else []
    out: list[_Secret] = []
    for rel, kind in secrets_below(context, p.source, files.ignore):
        sub = posixpath.relpath(rel, p.source) if p.source not in ("", ".") else rel
        out.append(_Secret(rel, kind, image_path(p.dest, sub), committed_mode(context / rel) is not None))
    return out


def _listed(secrets: list[_Secret]) -> str:
    shown = ", ".join(f"`{s.rel}` ({s.kind})" for s in secrets[:5])
    return shown + (f" and {len(secrets) - 5} more" if len(secrets) > 5 else "")


def _advice(secrets: list[_Secret], tree: bool, has_ignore: bool) -> str:
    dotenv = any(s.kind == "a dotenv file" for s in secrets)
    out = []
    if tree:
        where = "add them to `.dockerignore`" if has_ignore else "add a `.dockerignore` that lists them"
        out.append(f"{where} (e.g. `.env*` with `!.env.example`, `*.key`, `*.pem`)")
    else:
        out.append("do not copy it into the image")
    if dotenv:
        out.append("give the container its variables at run time (compose `env_file:`/`environment:`)")
    out.append("mount secrets only where needed (`RUN --mount=type=secret`, compose `secrets:`)")
    return "; ".join(out)


def _finding(
    df: Dockerfile,
    instr: Instruction,
    token: str,
    secrets: list[_Secret],
    what: str,
    related: tuple[Related, ...],
    *,
    tree: bool,
    has_ignore: bool,
) -> Finding:
    one = len(secrets) == 1
    places = ", ".join(f"`{s.image_path}`" for s in secrets[:3]) + (", …" if len(secrets) > 3 else "")
    message = (
        f"{what} {_listed(secrets)} into the final image ({places}): anyone who can pull the image can read "
        f"{'it' if one else 'them'} from its layers, even if a later step deletes {'it' if one else 'them'}; "
        + _advice(secrets, tree, has_ignore)
    )
    published = all(s.committed for s in secrets)
    if published:
        message += (
            f"; {'it is' if one else 'they are'} committed to the repository, so the image shows nothing its "
            "source does not: if these are real secrets, the commit is the leak (rotate them and take them out of git)"
        )
    return RULE.finding(
        message,
        text_location(df, instr, token),
        key=f"{instr.cmd}:{instr.start_line}:" + ",".join(s.rel for s in secrets),
        related=related,
        level=Level.NOTE if published else None,
    )


def _ignore_related(files: StageFiles) -> tuple[Related, ...]:
    if files.ignore is None:
        return ()
    return (
        Related(Location(files.ignore.path), "the `.dockerignore` that applies to this build does not exclude them"),
    )


def _check_build(project: Project, build: Build, done: set[tuple[int, str]]) -> Iterator[Finding]:
    df = build.dockerfile
    if df is None or not build.context.is_dir():
        return
    final = df.final_stage(build.target)
    if final is None:
        return
    files = stage_files(project, build, final)
    by_instr: dict[int, tuple[Placement, list[_Secret]]] = {}
    for p in files.placements:
        if p.kind == "context":
            found = [s for s in _secrets_of(files, p) if (id(p.instr), s.rel) not in done]
            if found:
                by_instr.setdefault(id(p.instr), (p, []))[1].extend(found)
        elif p.kind == "stage" and p.from_stage is not None and p.from_stage.index != final.index:
            yield from _from_stage(project, build, df, p, done)
    for p, secrets in by_instr.values():
        done.update((id(p.instr), s.rel) for s in secrets)
        token = p.source if not p.tree or p.source not in ("", ".") else "."
        raw = next((a for a in p.instr.args[:-1] if posixpath.normpath(a.lstrip("/") or ".") == token), None)
        yield _finding(
            df,
            p.instr,
            raw or posixpath.basename(token),
            secrets,
            f"`{p.instr.cmd} {' '.join(p.instr.args)}` puts" if p.tree else f"{p.instr.cmd} puts",
            _ignore_related(files) if p.tree else (),
            tree=p.tree,
            has_ignore=files.ignore is not None,
        )


def _from_stage(
    project: Project, build: Build, df: Dockerfile, p: Placement, done: set[tuple[int, str]]
) -> Iterator[Finding]:
    """``COPY --from=<stage> <dir>`` that brings a secret that stage copied from the context along."""
    assert p.from_stage is not None
    other = stage_files(project, build, p.from_stage)
    secrets: list[_Secret] = []
    copies: list[Instruction] = []
    tree = False
    for q in other.context_copies():
        if not (_under(q.dest, p.source) or _under(p.source, q.dest)):
            continue
        for s in _secrets_of(other, q):
            if _under(s.image_path, p.source) and (id(p.instr), s.rel) not in done:
                sub = posixpath.relpath(s.image_path, p.source) if s.image_path != p.source else ""
                secrets.append(_Secret(s.rel, s.kind, image_path(p.dest, sub) if sub else p.dest, s.committed))
                copies.append(q.instr)
                tree = tree or q.tree
    if not secrets:
        return
    done.update((id(p.instr), s.rel) for s in secrets)
    stage = p.from_stage.name or str(p.from_stage.index)
    related = tuple(
        Related(i.location, f"stage `{stage}` copies it from the build context here") for i in dict.fromkeys(copies)
    )
    yield _finding(
        df,
        p.instr,
        p.instr.args[0] if p.instr.args else p.instr.cmd,
        secrets,
        f"`{p.instr.cmd} --from={p.instr.flag('from')} {p.source}` brings",
        related,
        tree=tree,
        has_ignore=other.ignore is not None,
    )


def check(project: Project) -> Iterator[Finding]:
    done: set[tuple[int, str]] = set()
    for build in project.builds:
        local: bool | None = None  # asked once per build, and only when it has a finding
        for f in _check_build(project, build, done):
            df = build.dockerfile
            if local is None and f.level is not Level.NOTE and df is not None:
                local = _built_where_it_runs(project, df)
            if f.level is not Level.NOTE and local:
                f = replace(
                    f,
                    level=Level.NOTE,
                    message=f"{f.message}; but compose builds this image where it runs and nothing pushes it (no CI "
                    "release, no `docker push`, no `image:` under a registry name): who can read its layers can "
                    "read the file on that host too",
                )
            yield f


def _built_where_it_runs(project: Project, df: Dockerfile) -> bool:
    """Compose services build the image (`up --build` on the host that runs it), none names it under a registry
    or account (`ghcr.io/acme/api`, `acme/api`: `docker compose push` sends it there), and no CI release or
    script pushes it."""
    from viworks_lint.standalonebuild import pushed_targets

    builds = project.builds_of(df)
    if not builds or any(b.service is None for b in builds) or pushed_targets(project, df):
        return False
    return not any("/" in (b.service.image or "") for b in builds if b.service is not None)


RULE = register(
    Rule(
        id="VW406",
        name="secret-in-image",
        level=Level.WARNING,
        summary="A file that holds secrets (`.env`, a private key, a credentials file) is copied into the final image.",
        docs=RuleDocs(
            what="The `COPY`/`ADD` instructions from the build context that end up in the final image (the target "
            "stage and the stages it is built FROM, and `COPY --from=<stage>` of a directory that stage filled from "
            "the context): a source named `.env` or `.env.*` that sets a secret (a variable whose name ends in a "
            "secret word, as VW404 reads names, with a literal value, or a URL with a password; a file that is not in "
            "the checkout counts, since the deploy host's copy is what ships; templates such as `.env.example`, "
            "`.env.sample`, `.env.template`, `.env.dist` and files of plain settings are fine), "
            "`id_rsa`/`id_ed25519`-style SSH keys, `*.p12`/`*.pfx` key stores, `*.key` and `*.pem` files that hold a "
            "private key (a certificate or public key is fine), credentials JSON (`credentials.json`, service-account "
            "keys with a `private_key`); and a directory copy (`COPY . .`) whose files include one of those because "
            "`.dockerignore` does not exclude it (test, fixture and example directories are left out). Copies into a "
            "build stage that the final image does not take them from are not reported. When every file a finding "
            "names is committed to the repository (in its git index), the finding is a note: the image shows nothing "
            "the source does not, and the fix is in git, not in the Dockerfile. The finding names the files and their "
            "kind, never their content. It is a note for an image compose builds where it runs that nothing pushes "
            "(no CI release, no `docker push`, no service `image:` under a registry or account name): who can read "
            "its layers can read the file on that host too.",
            why="Every layer of an image is readable by anyone who can pull it: `docker save` or `docker run "
            "--rm image cat /app/.env` shows production database passwords, API tokens and TLS keys. Deleting "
            "the file in a later layer does not help. The local `.env` that compose reads for interpolation "
            "sits in the build context of most projects, so `COPY . .` ships it unless `.dockerignore` says "
            "otherwise.",
            example="# .dockerignore lists only target/\nFROM rust:1.83\nWORKDIR /app\nCOPY . .\n"
            'RUN cargo build --release\nCMD ["./target/release/app"]',
            fix="List `.env*` (with `!.env.example`), `*.key`, `*.pem` and credential files in `.dockerignore`; "
            "give the container its configuration at run time (compose `environment:`/`env_file:`) and "
            "secrets through `secrets:` or `RUN --mount=type=secret` during the build.",
        ),
        check=check,
        tags=("hardening", "security", "dockerfile"),
    )
)
