"""Facts about base images (libc, tools, libraries, default user, init entrypoint), read from the
reviewed data file ``rules/images.json`` (validated by ``schemas/images.schema.json``) and extended by
the user's ``base-images`` config."""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class ImageFacts:
    name: str
    tag: str
    known: bool  # a data entry matched
    libc: str | None = None  # glibc | musl | none
    glibc: str | None = None
    distro: str | None = None
    shell: bool | None = None
    tools: frozenset[str] = frozenset()
    libraries: frozenset[str] = frozenset()
    nonroot: bool = False
    init_entrypoint: bool = False
    quick_start: bool = False  # a stock server ready within a second or two (nginx, caddy, traefik, mailpit)
    package_manager: str | None = None
    openssl: str | None = None  # OpenSSL major version of the distro's libssl ("1.1", "3")
    user: str | None = None  # the USER the image itself sets (an entrypoint that drops privileges later: None)
    dev_environment: str | None = None  # what development environment the image is (a Dev Container image)
    healthcheck: bool | None = None  # the image's own Dockerfile defines a HEALTHCHECK (None: not known)


def split_image(ref: str) -> tuple[str, str]:
    """``docker.io/library/rust:1.83-slim@sha256:…`` → (``rust``, ``1.83-slim``). A reference pinned by digest
    alone (``ubuntu@sha256:…``) has the tag ``""``: which release it is is not known, not ``latest``."""
    ref = ref.strip()
    ref, digest, _ = ref.partition("@")
    name, tag = ref, "" if digest else "latest"
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        name, tag = ref[:colon], ref[colon + 1 :]
    for prefix in ("docker.io/library/", "index.docker.io/library/", "docker.io/", "library/", *_mirrors()):
        if name.startswith(prefix):
            name = name[len(prefix) :]
            break
    return name.lower(), tag


@lru_cache(maxsize=1)
def _file() -> dict[str, Any]:
    # rules/images.json is validated against schemas/images.schema.json by the test suite, not at run time
    data: dict[str, Any] = json.loads(resources.files("viworks_lint.rules").joinpath("images.json").read_text("utf-8"))
    return data


@lru_cache(maxsize=1)
def _mirrors() -> tuple[str, ...]:
    """Registry prefixes serving Docker Hub's official images under the same names (rules/images.json)."""
    return tuple(m["prefix"] for m in _file().get("hub_mirrors", ()))


def _data() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = _file()["images"]
    return entries


def official_image(ref: str) -> bool:
    """A Docker Official Image: a Docker Hub name with no namespace (`postgres`, `docker.io/library/redis`, or the
    same name under a mirror of them), not `bitnami/postgresql` or `ghcr.io/acme/db`."""
    return "/" not in split_image(ref)[0] and "$" not in ref


def official_images_healthcheck() -> bool | None:
    """Whether official images define a HEALTHCHECK of their own (rules/images.json ``official_images``)."""
    entry = _file().get("official_images")
    return bool(entry["healthcheck"]) if isinstance(entry, dict) and "healthcheck" in entry else None


def recommends(manager: str, package: str) -> tuple[str, ...]:
    """Packages ``manager`` also installs with ``package`` when Recommends are on (rules/images.json)."""
    table = _file().get("recommends", {}).get(manager, {})
    if not isinstance(table, dict):
        return ()
    if package in table:
        return tuple(table[package])
    return next((tuple(v) for k, v in table.items() if "*" in k and fnmatch.fnmatchcase(package, k)), ())


def version_tuple(text: str) -> tuple[int, ...]:
    """`2.41` → (2, 41); words that are no numbers are left out."""
    return tuple(int(p) for p in text.split(".") if p.isdecimal())


def glibc_versions_crossed(runtime: str, built: str) -> tuple[str, ...] | None:
    """The glibc symbol versions Rust binaries are known to need (rules/images.json ``glibc_symbol_versions``)
    that a binary built on glibc ``built`` may require and a runtime with glibc ``runtime`` lacks, lowest
    first; None when the gap leaves the reviewed range (nothing known: assume the worst)."""
    table = _file().get("glibc_symbol_versions")
    if not isinstance(table, dict):
        return None
    reviewed = table.get("reviewed", {})
    low, high = version_tuple(str(reviewed.get("from", "99"))), version_tuple(str(reviewed.get("to", "0")))
    run, build = version_tuple(runtime), version_tuple(built)
    if run < low or build > high:
        return None
    known = sorted((version_tuple(str(v["version"])), str(v["version"])) for v in table.get("versions", ()))
    return tuple(text for ver, text in known if run < ver <= build)


def glibc_needed_when(versions: tuple[str, ...]) -> tuple[str, ...] | None:
    """What in a binary brings each of ``versions`` (rules/images.json ``needed_when``), in order; None when one
    of them every binary built there needs (no ``needed_when``)."""
    table = _file().get("glibc_symbol_versions")
    entries = {str(v["version"]): v for v in table.get("versions", ())} if isinstance(table, dict) else {}
    whens = [entries.get(v, {}).get("needed_when") for v in versions]
    return tuple(str(w) for w in whens) if whens and all(whens) else None


def distro_bash(distro: str | None) -> str | None:
    """The bash version a distribution release ships (rules/images.json ``distro_bash``), or None."""
    entry = _file().get("distro_bash", {}).get("versions", {}).get(distro or "")
    return str(entry["bash"]) if isinstance(entry, dict) and "bash" in entry else None


def distro_users(distro: str | None) -> frozenset[str] | None:
    """The accounts the /etc/passwd of a distribution's base image has (rules/images.json ``distro_users``), or
    None when the distribution is not known."""
    families = _file().get("distro_users", {}).get("families", {})
    for family, entry in families.items():
        if distro is not None and distro.startswith(family) and isinstance(entry, dict):
            return frozenset(entry.get("users", ()))
    return None


def packages_without_accounts() -> frozenset[str]:
    """Packages that create no account when an image installs them (rules/images.json ``distro_users``)."""
    return frozenset(_file().get("distro_users", {}).get("packages_without_accounts", ()))


def lookup(ref: str, extra: Mapping[str, Mapping[str, Any]] | None = None) -> ImageFacts:
    name, tag = split_image(ref)
    entries: list[Mapping[str, Any]] = []
    for user_name, facts in (extra or {}).items():
        entries.append({"name": split_image(user_name)[0], **facts})
    entries.extend(_data())
    for e in entries:
        if not fnmatch.fnmatchcase(name, str(e["name"])):
            continue
        if "tag" in e and not fnmatch.fnmatchcase(tag, str(e["tag"])):
            continue
        return ImageFacts(
            name=name,
            tag=tag,
            known=True,
            libc=e.get("libc"),
            glibc=e.get("glibc"),
            distro=e.get("distro"),
            shell=e.get("shell"),
            tools=frozenset(e.get("tools", ())),
            libraries=frozenset(e.get("libraries", ())),
            nonroot=bool(e.get("nonroot", False)),
            init_entrypoint=bool(e.get("init_entrypoint", False)),
            quick_start=bool(e.get("quick_start", False)),
            package_manager=e.get("package_manager"),
            openssl=e.get("openssl"),
            user=e.get("user"),
            dev_environment=e.get("dev_environment"),
            healthcheck=e.get("healthcheck"),
        )
    return ImageFacts(name=name, tag=tag, known=False)
