"""VW211 env-entry-malformed."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from viworks_lint.findings import Finding, Level, Related
from viworks_lint.location import Location
from viworks_lint.parsers.compose import Service
from viworks_lint.parsers.yamlnode import YNode
from viworks_lint.project import Project
from viworks_lint.rule import Rule, RuleDocs, register

# compose-go decodes a list-form `environment` with `strings.Cut(entry, "=")` and keeps both halves as
# written (types/mapping.go, MappingWithEquals.DecodeMapstructure); the container gets `name=value`.


def _invisible(c: str) -> bool:
    """Characters a reader of the variable cannot type or see: controls, format characters (zero-width
    space, BOM), and every separator except the plain space (handled on its own)."""
    return unicodedata.category(c)[0] in ("C", "Z") and c != " "


# `- KEY:value` / `- KEY:${KEY}` (a map entry written in list form without the space YAML needs)
_COLON_ENTRY = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_.-]*):(\S*)$")


def _problem(name: str, value: str) -> str | None:
    colon = _COLON_ENTRY.match(name) if "=" not in name else None
    if colon is not None:
        key = colon.group(1)
        return (
            f"is `{key}:…`, with `:` where compose expects `=`: a list entry without `=` is a variable "
            f"name whose value compose takes from its own environment, so the container never gets `{key}`; "
            f"write `- {key}=…` (or the map form `{key}: …`)"
        )
    stripped = name.strip()
    if not stripped:
        return "has an empty name: the container gets a variable no program can read by name"
    bad = sorted({f"U+{ord(c):04X}" for c in name if _invisible(c)})
    if bad:
        return (
            f"has a name holding invisible characters ({', '.join(bad)}): the app asks for "
            f"`{''.join(c for c in stripped if not _invisible(c))}` and never gets it"
        )
    if stripped != name:
        where = (
            "spaces around it"
            if name[:1].isspace() and name[-1:].isspace()
            else ("a trailing space" if name[-1:].isspace() else "a leading space")
        )
        note = " (and the value starts with a space)" if value[:1].isspace() else ""
        return (
            f"defines `{name}` with {where}: compose splits at the first `=` and trims nothing, so the "
            f"variable `{stripped}` is never set in the container{note}; write `- {stripped}=…` without spaces "
            "around `=`"
        )
    if any(c.isspace() for c in stripped):
        first = stripped.split()[0]
        hint = f"; `{first}` looks like shell syntax, which compose does not read" if first == "export" else ""
        return (
            f"defines a variable named `{stripped}`, with a space inside the name: no program reads it "
            f"back as `{stripped.split()[-1]}`{hint}"
        )
    return None


def _entries(svc: Service) -> list[tuple[str, str, YNode]]:
    """(name, value, node) of each list-form entry with a ``=`` (entries of an override file's list that
    were merged into a mapping included)."""
    env = svc.node.get("environment")
    if env is None:
        return []
    out: list[tuple[str, str, YNode]] = []
    if env.is_list:
        for el in env.elements():
            text = el.text()
            if text is not None and "=" in text:
                name, _, value = text.partition("=")
                out.append((name, value, el))
            elif text is not None and _COLON_ENTRY.match(text):
                out.append((text, "", el))  # `- KEY:value`: no `=`, the whole entry is a name
    elif env.is_map:
        for name, node in env.items():
            text = node.text()
            if node.listed and text is not None:
                out.append((name, text, node))
            elif node.listed and _COLON_ENTRY.match(name):
                out.append((name, "", node))
    return out


def _env_files_may_set(project: Project, svc: Service, key: str) -> bool:
    """One of the service's env files sets ``key``, or may (a file the linter cannot read)."""
    for ref in svc.env_files:
        ef = project.env_file(ref.path) if ref.path.is_file() else None
        if ef is None or any(e.name == key for e in ef.entries):
            return True
    return False


def check(project: Project) -> Iterator[Finding]:
    seen: dict[Location, list[Service]] = {}
    found: dict[Location, tuple[str, str]] = {}
    for _compose, svc in project.services():
        for name, value, node in _entries(svc):
            problem = _problem(name, value)
            if problem is None:
                continue
            colon = _COLON_ENTRY.match(name) if "=" not in name else None
            if colon is not None and _env_files_may_set(project, svc, colon.group(1)):
                continue  # an env_file gives the container the variable anyway: the entry is harmless
            loc = node.loc
            start = loc.col + (1 if node.quoted else 0)
            if loc.end_line in (None, loc.line):
                loc = Location(loc.path, loc.line, start, loc.line, start + max(len(name), 1) + 1)
            seen.setdefault(loc, []).append(svc)
            found[loc] = (name, problem)
    for loc, services in seen.items():
        name, problem = found[loc]
        names = ", ".join(f"`{s.name}`" for s in services)
        plural = "services" if len(services) > 1 else "service"
        yield RULE.finding(
            f"`environment` entry of {plural} {names} {problem}",
            loc,
            key=f"{name.strip()}:{','.join(s.name for s in services)}",
            related=tuple(Related(s.location, f"service `{s.name}`") for s in services[1:]),
        )


RULE = register(
    Rule(
        id="VW211",
        name="env-entry-malformed",
        level=Level.ERROR,
        summary="A list-form compose `environment` entry like `- KEY = value` defines `KEY ` (or an empty or "
        "unreadable name), so the app never sees `KEY`.",
        docs=RuleDocs(
            what="A list-form `environment` entry whose name (the text before the first `=`) has spaces around "
            "it (`- KEY = value`, `- KEY =value`), a space inside it (`- export KEY=value`), is empty "
            "(`- =value`), holds invisible characters (a zero-width space or byte-order mark pasted in with the "
            "name). Compose's loader (compose-go, `types/mapping.go`, `MappingWithEquals.DecodeMapstructure`) "
            'splits each entry with `strings.Cut(entry, "=")` and keeps both halves exactly as written, so '
            "`- KEY = value` sets a variable named `KEY ` (trailing space) to ` value` (leading space). Map-form "
            "entries (`KEY: value`, YAML trims the key) and `env_file` lines (compose's dotenv parser trims "
            "names and values) are never reported.",
            why="The app asks for `KEY`, the container has `KEY `: the variable is simply missing, so the app "
            "panics on a required setting or silently runs with its default. `docker compose config` shows the "
            "entry as written, which looks right at a glance.",
            example="environment:\n  - DATABASE_URL = postgres://app:${DB_PASSWORD}@db/app",
            fix="Write the entry without spaces around `=` (`- DATABASE_URL=postgres://…`), or switch to the map "
            "form (`DATABASE_URL: postgres://…`).",
        ),
        check=check,
        tags=("compose", "runtime"),
    )
)
