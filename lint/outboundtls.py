"""Outbound TLS, from the reviewed data file ``rules/outbound_tls.json``: which crates are HTTPS (or other
verified-TLS) clients, which web frameworks bring one only through their optional parts, and whether a service
asks for a verified TLS connection to a datastore (a ``rediss://`` URL, ``sslmode=verify-full``) in its
environment or its code."""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from viworks_lint.connections import service_env
from viworks_lint.dockerutil import target_stage, text_location
from viworks_lint.imagecode import image_code
from viworks_lint.location import Location
from viworks_lint.project import Build, Project


@lru_cache(maxsize=1)
def _tls_data() -> dict[str, Any]:
    # rules/outbound_tls.json is validated against schemas/outbound_tls.schema.json by the test suite
    text = resources.files("viworks_lint.rules").joinpath("outbound_tls.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def build_only(package: str) -> frozenset[str]:
    """The dependencies of a registry package that are build dependencies only (rules/outbound_tls.json
    ``build_only``): Cargo.lock lists them like the others, but they are not in the binary."""
    return frozenset(d for e in _tls_data().get("build_only", ()) if e["package"] == package for d in e["dependencies"])


def https_client(package: str) -> bool:
    """Whether ``package`` is an outbound HTTPS (or other verified-TLS) client (rules/outbound_tls.json)."""
    return any(fnmatch.fnmatchcase(package, g) for c in _tls_data()["clients"] for g in c["crates"])


def generic_client(package: str) -> bool:
    """``package`` is a general HTTP client (rules/outbound_tls.json ``generic``): which servers it calls is the
    code's, so whether any is HTTPS is read from the code's URLs."""
    clients = _tls_data()["clients"]
    return any(c.get("generic") and any(fnmatch.fnmatchcase(package, g) for g in c["crates"]) for c in clients)


_SECURE_URL = re.compile(r"\b(?:https|wss)://")


def names_secure_url(project: Project, build: Build) -> bool:
    """The image's own code (comments left out) or the service's environment names an `https://`/`wss://` URL;
    True when the code is not known."""
    from viworks_lint.rust.literals import comment_free

    code = image_code(project, build)
    if code is None or not code.files:
        return True
    for f in code.files:
        try:
            text = Path(f).read_text("utf-8", errors="replace")
        except OSError:
            return True
        if _SECURE_URL.search(comment_free(text)):
            return True
    if build.service is None:
        return False
    from viworks_lint.storeuse import reads_variable

    svc = build.service
    values = [(v.name, v.value) for v in service_env(project, None, svc).values()]
    for ref in svc.env_files:
        if ref.path.is_file():
            continue
        prov = project.provision(ref.path)  # an env file each deployment writes: its template says what it holds
        ef = project.env_file(prov.template) if prov is not None and prov.template is not None else None
        if ef is None:
            return True
        values += [(e.name, e.value) for e in ef.entries]
    # a URL the code reads (or may: a configuration loader, unknown code); one in a shared env file it never
    # reads is another service's
    return any(v is not None and _SECURE_URL.search(v) and reads_variable(project, svc, n) is not False
               for n, v in values)  # fmt: skip


def web_framework(package: str) -> bool:
    """A web framework whose optional parts bring an HTTPS client (rules/outbound_tls.json ``frameworks``)."""
    return any(fnmatch.fnmatchcase(package, g) for g in _tls_data().get("frameworks", {}).get("crates", ()))


@lru_cache(maxsize=1)
def _url_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(p["pattern"]), str(p["label"])) for p in _tls_data()["url_patterns"])


@dataclass(frozen=True)
class VerifiedTls:
    """A datastore URL or setting the service gets that asks for a verified TLS connection."""

    label: str  # "a `rediss://` URL"
    location: Location


def _match(text: str) -> str | None:
    for pattern, label in _url_patterns():
        if pattern.search(text):
            return label
    return None


def verified_tls(project: Project, build: Build) -> VerifiedTls | None:
    """The container's environment (compose over env files over the image's ENV), then the source files
    of the code it runs (literal URLs, defaults, sqlx SSL modes)."""
    values: list[tuple[str, Location]] = []
    if build.service is not None:
        for v in service_env(project, build.compose, build.service).values():
            for text in {v.value, v.raw} - {None}:
                values.append((str(text), v.location))
    elif build.dockerfile is not None:
        stage = target_stage(build.dockerfile, build.target)
        for name, (value, instr) in stage.state.env.items() if stage is not None else ():
            values.append((value, text_location(build.dockerfile, instr, name)))
    for text, loc in values:
        label = _match(text)
        if label is not None:
            return VerifiedTls(label, loc)
    code = image_code(project, build)
    for file in code.files if code is not None else ():
        try:
            lines = Path(file).read_text("utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for n, line in enumerate(lines, start=1):
            if line.lstrip().startswith("//"):
                continue
            label = _match(line)
            if label is not None:
                return VerifiedTls(label, Location(Path(file), n))
    return None
