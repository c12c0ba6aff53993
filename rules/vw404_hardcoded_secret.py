"""VW404 hardcoded-secret. Messages, related messages and keys name the variable, never its value."""

from __future__ import annotations

import re
from collections.abc import Iterator

from viworks_lint.code import package_facts
from viworks_lint.crates import built_code
from viworks_lint.datastores import family_of_image
from viworks_lint.demovalues import demo_reason, documented_default
from viworks_lint.dockerutil import text_location
from viworks_lint.findings import REDACT, Finding, Level
from viworks_lint.location import Location
from viworks_lint.parsers.compose import Service
from viworks_lint.parsers.yamlnode import YNode
from viworks_lint.project import Build, Project
from viworks_lint.rule import Rule, RuleDocs, register
from viworks_lint.secretfiles import documented_stand_in, echoes_name, file_lines, is_literal_secret, is_secret_name


def _looks_secret(name: str, value: str | None) -> bool:
    """A literal value under a secret name that is no stand-in: not a placeholder, a well-known demo value,
    nor the variable's own name (`V1_SECRET_KEY: SECRET_KEY`)."""
    return (
        is_secret_name(name)
        and is_literal_secret(value, demo_counts=False)
        and not (value is not None and echoes_name(name, value))
    )


def _code_default(project: Project, builds: list[Build], name: str, value: str | None) -> bool:
    """The Rust code these builds compile falls back to this very value when the variable is unset
    (`var("JWT_SECRET").unwrap_or_else(|_| "very-secured-secret".into())`): it is the app's own built-in demo
    default, already committed in its code, and setting it for the app changes nothing. Only for the app's
    own image: the same value given to a stock datastore image (`postgres`) sets that server's password.
    Asked only for a value that would otherwise be reported, so a project without one reads no Rust here."""
    if value is None:
        return False
    v = value.strip().strip("\"'")
    for build in builds:
        built = built_code(project, build)
        for manifest in built.packages:
            facts = package_facts(project, manifest)
            if any(r.name == name and r.default == v and not r.in_build_script for r in facts.env_reads):
                return True
    return False


def _service_builds(project: Project, svc: Service) -> list[Build]:
    build = project.build_of_service(svc)
    return [build] if build is not None and build.dockerfile is not None else []


def _message(name: str, where: str, hint: str, demo: str | None = None) -> str:
    if demo is not None:
        return f"`{name}` {where} is set to a demo default ({demo}): change it before deploying; {hint}"
    return (
        f"`{name}` {where} is set to a literal value: it is committed with the repository and readable by anyone "
        f"who can run `docker inspect` or pull the image; {hint}"
    )


def _project_names(project: Project) -> list[str]:
    """The names a demo value may be made of: the repository's folder and its crates."""
    return [project.root.name, *(m.package_name for m in project.manifests.values() if m.package_name)]


_PLAIN_NAME = re.compile(r"^[A-Za-z0-9_.\-]{2,40}$")


def _demo(project: Project, name: str, value: str | None, names: list[str], *, datastore: bool) -> str | None:
    """Why the literal is a demo default (see ``demovalues.py``), or None for a value that looks real."""
    if value is None:
        return None
    reason = demo_reason(name, value, names, datastore=datastore)
    if reason is None:
        documented = documented_default(project, value)
        reason = f"it is the default `{documented}` documents" if documented is not None else None
    return reason


def _entries(svc: Service) -> list[tuple[str, str | None, Location]]:
    env = svc.node.get("environment")
    entries: list[tuple[str, str | None, Location]] = []
    if env is None:
        return entries
    if env.is_map:
        for k, v in env.items():
            entries.append((k, _raw_value(k, v), env.key_loc(k)))
    elif env.is_list:
        for el in env.elements():
            raw = el.raw if el.raw is not None else (el.text() or "")
            name, has, val = raw.partition("=")
            loc = el.loc
            if loc.end_line in (None, loc.line):  # point at the name, so the value can be masked
                loc = Location(loc.path, loc.line, loc.col, loc.line, loc.col + len(name.rstrip()))
            entries.append((name.strip(), val if has else None, loc))
    return entries


def _stock_demo_values(project: Project) -> dict[int, dict[str, str]]:
    """Per compose project, the secret values its stock datastore services are created with that are demo
    defaults (`MONGO_INITDB_ROOT_PASSWORD: dni@123` beside `MONGO_INITDB_ROOT_USERNAME: dni`), with the service."""
    out: dict[int, dict[str, str]] = {}
    for compose, svc in project.services():
        if family_of_image(svc.image) is None or project.build_of_service(svc) is not None:
            continue
        entries = _entries(svc)
        plain = [(v or "").strip().strip("\"'").lower() for n, v, _ in entries if v and not is_secret_name(n)]
        names = [*_project_names(project), svc.name, svc.image or "", *(v for v in plain if _PLAIN_NAME.match(v))]
        for name, value, _loc in entries:
            if value and _looks_secret(name, value) and _demo(project, name, value, names, datastore=True):
                out.setdefault(id(compose), {})[value.strip().strip("\"'")] = svc.name
    return out


def _compose(project: Project) -> Iterator[Finding]:
    stock_demo = _stock_demo_values(project)
    for compose, svc in project.services():
        entries = _entries(svc)
        if not entries:
            continue
        # a password equal to the user or database name beside it (`POSTGRES_USER: docker`,
        # `POSTGRES_PASSWORD: docker`) is a throwaway demo credential, not a secret someone keeps
        plain = {
            (v or "").strip().strip("\"'").lower()
            for n, v, _ in entries
            if v is not None and not is_secret_name(n) and len((v or "").strip().strip("\"'")) >= 3
        }
        for name, raw_value, loc in entries:
            if not _looks_secret(name, raw_value) or documented_stand_in(file_lines(loc.path), loc.line):
                continue
            if raw_value is not None and raw_value.strip().strip("\"'").lower() in plain:
                continue
            builds = _service_builds(project, svc)
            if _code_default(project, builds, name, raw_value):
                continue
            names = [*_project_names(project), svc.name, svc.image or "", *(v for v in plain if _PLAIN_NAME.match(v))]
            stock = family_of_image(svc.image) is not None and project.build_of_service(svc) is None
            demo = _demo(project, name, raw_value, names, datastore=stock)
            store = stock_demo.get(id(compose), {}).get((raw_value or "").strip().strip("\"'"))
            if demo is None and store is not None and store != svc.name:
                demo = f"the throwaway credential the stock service `{store}` of this file is created with"
            yield RULE.finding(
                _message(
                    name,
                    f"in the `environment` of service `{svc.name}`",
                    f"write `{name}: ${{{name}}}` and keep the value in an untracked `.env`, or use a compose "
                    f"`secrets:` entry (read through `{name}_FILE`)",
                    demo,
                ),
                loc,
                key=f"{svc.name}:{name}",
                level=Level.NOTE if demo is not None else None,
                extra={REDACT: "value"},  # reporters mask the rest of the line in every snippet
            )


def _raw_value(key: str, node: YNode) -> str | None:
    if node.value is None:
        return None
    raw = node.raw
    if raw is None:
        return node.text()
    if raw.startswith(key + "="):  # a list entry merged into a mapping by an override file
        return raw[len(key) + 1 :]
    return raw


def _dockerfile(project: Project) -> Iterator[Finding]:
    for df in project.dockerfiles.values():
        for stage in df.stages:
            for instr in stage.instructions:
                pairs: list[tuple[str, str | None]] = []
                if instr.cmd == "ENV":
                    args = instr.args
                    pairs = [(args[i], args[i + 1] if i + 1 < len(args) else "") for i in range(0, len(args), 2)]
                elif instr.cmd == "ARG":
                    for a in instr.args:
                        name, has, val = a.partition("=")
                        pairs.append((name, val if has else None))
                for name, value in pairs:
                    if not _looks_secret(name, value) or documented_stand_in(df.lines, instr.start_line):
                        continue
                    if instr.cmd == "ENV" and _code_default(project, project.builds_of(df), name, value):
                        continue
                    if instr.cmd == "ENV":
                        hint = (
                            f"pass it at run time instead (compose `environment: {{{name}: ${{{name}}}}}` or a "
                            "secret) rather than baking it into the image"
                        )
                    else:
                        hint = (
                            "drop the default and pass it with a BuildKit secret (`RUN --mount=type=secret`); "
                            "build arguments are stored in the image history"
                        )
                    demo = _demo(project, name, value, _project_names(project), datastore=False)
                    yield RULE.finding(
                        _message(name, f"in `{instr.cmd}` (stage `{stage.label}`)", hint, demo),
                        text_location(df, instr, name),
                        key=f"{stage.label}:{instr.cmd}:{name}",
                        level=Level.NOTE if demo is not None else None,
                        extra={REDACT: "value"},
                    )


def check(project: Project) -> Iterator[Finding]:
    yield from _compose(project)
    yield from _dockerfile(project)


RULE = register(
    Rule(
        id="VW404",
        name="hardcoded-secret",
        level=Level.WARNING,
        summary="A secret-like variable has a literal value in compose `environment` or a Dockerfile `ENV`/`ARG`.",
        docs=RuleDocs(
            what="Variables whose name ends in a secret word (the last `_`-separated word is `SECRET`, `PASSWORD`, "
            "`PASSWD`, `PASS`, `PASSPHRASE`, `TOKEN` or `APIKEY`, or it is `KEY` after a word that is not "
            "`PUBLIC`/`PUBLISHABLE`/`PARTITION`/…: `JWT_SECRET`, `DB_PASSWORD`, `PICTRS__SERVER__API_KEY`, "
            "`SIGNING_KEY`), given a literal value in a compose service's `environment` (mapping and list forms) or a "
            "Dockerfile `ENV` / `ARG` default. The value is never shown in findings. Stays silent for: names where "
            "the secret word is not the last word (`TOKEN_INFO_URL`, `PASSWORD_MIN_LENGTH`, `JWT_SECRET_TTL`, "
            "`*_FILE`), interpolated values (`${X}`), empty values, `ARG X` without a default, file paths (a key "
            "file's name or relative path too: `data/vapid.pem`), booleans, placeholders that stand for the value "
            "(`<token>`, `{{ secret }}`, `{db-password}`, `changeme`, `your-api-key`, `YourStrong!Passw0rd`, `xxxx`, "
            "values that call themselves insecure such as `This-is-NOT-Secure!`), values the file itself marks as "
            "examples to replace (a `# CHANGEME`, `# change this in production`, `# ONLY USE FOR TESTING` or `# DO "
            "NOT USE THIS KEY IN PRODUCTION` comment on the line or right above it), and well-known demo or "
            "image-default values nobody treats as a secret (the whole value is `password`, `postgres`, "
            "`mysecretpassword`, `example`, `admin`, `secret`, `root`, `test`, `TopSecretPass`, … : the reviewed list "
            "with its sources is `rules/secrets.json`), a value equal to a plain (non-secret) value beside it in the "
            "same `environment` (`POSTGRES_PASSWORD: docker` next to `POSTGRES_USER: docker`: a throwaway demo "
            "credential), values that only repeat the variable's name or its last words (`V1_SECRET_KEY: "
            "SECRET_KEY`), and a value equal to the built-in default the repository's Rust code falls back to when "
            "the variable is unset (`var(\"JWT_SECRET\").unwrap_or_else(|_| \"dev-secret\".into())` with `JWT_SECRET: "
            "dev-secret` on the service or image built from that code: the value is already in the code, and setting "
            "it changes nothing; the same value given to a stock image such as `postgres` still fires). A demo "
            "default is a note (change it before deploying) rather than a warning: a value that is all digits "
            "(`1234`), that cuts without rest into runs of a keyboard or counting sequence (`qwerty`, `1234asdf`), "
            "the variable's own words, demo words (`my`, `db`, `pass`, `dev`) and the names of the project, service, "
            "image or the user and database beside it (`axum123` next to `POSTGRES_USER: axum`), a value under 8 "
            "characters given to a stock database image (the password its local database is initialised with; an "
            "admin UI's short password stays a warning), the same demo credential a stock datastore service of the "
            "file is created with, given to the app that connects to it, or the value an env template "
            "(`.env.example`) or the README documents as the default (a backticked value, `KEY=value`, or the "
            "password of a connection URL it gives, `postgresql://graph:let-me-in@localhost:5432/graph`; the reviewed "
            "patterns are `demo_patterns` in `rules/secrets.json`). A real-looking value still fires, whatever word "
            "it contains.",
            why="The secret lives in git history forever, is copied to every clone and CI log, and ends up in "
            "`docker inspect` and the image's layer history where anyone with pull access can read it.",
            example="environment:\n  JWT_SECRET: 9f86d081884c7d659a2feaa0c55ad015",
            fix="Reference it (`JWT_SECRET: ${JWT_SECRET}`) and keep the value in an untracked `.env` or the "
            "deploy environment, or mount it as a compose secret and read `JWT_SECRET_FILE`.",
        ),
        check=check,
        tags=("hardening", "security", "compose", "dockerfile"),
        security_severity=8.0,  # a committed secret is readable by anyone with the repository or the image
    )
)
