"""A compose project as a typed model: its services (build, environment, env files, healthcheck, ports,
mounts, references to other services and resources) and its top-level volumes, networks, secrets and configs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from viworks_lint.location import Location
from viworks_lint.parsers.interpolation import VarRef
from viworks_lint.parsers.yamlnode import YNode


@dataclass(frozen=True)
class EnvVar:
    """One ``environment`` entry. ``name`` is what compose passes to the container: for a list entry
    ``- KEY = value`` that is the text before the first ``=`` as written (``"KEY "``), since compose
    splits there and trims nothing."""

    name: str
    value: str | None  # None: passed through from the host shell ("- NAME" / "NAME:" with no value)
    location: Location
    listed: bool = False  # written as a list entry (``- KEY=value``), not a mapping key
    raw: str | None = None  # the value as written, before compose interpolation


@dataclass(frozen=True)
class EnvFileRef:
    raw: str
    path: Path
    required: bool
    location: Location
    templated: bool = False  # written with a variable (`../.envs/.${DEPLOY_ENV}/app.env`): the deployment picks it


@dataclass(frozen=True)
class AdditionalContext:
    name: str
    raw: str
    path: Path | None  # None for remote / image / stage contexts
    location: Location


@dataclass(frozen=True)
class BuildSpec:
    location: Location
    context_raw: str
    context: Path | None  # None when remote (git URL, http)
    context_location: Location
    dockerfile_raw: str | None
    dockerfile: Path | None  # resolved; None for dockerfile_inline or remote context
    dockerfile_location: Location | None
    inline: str | None = None
    target: str | None = None
    args: Mapping[str, str | None] = field(default_factory=dict)
    additional_contexts: tuple[AdditionalContext, ...] = ()


@dataclass(frozen=True)
class Healthcheck:
    location: Location  # the "healthcheck:" key
    test: tuple[str, ...] | None  # exec form arguments, or ("CMD-SHELL", cmd) normalised
    test_location: Location | None
    disabled: bool
    start_period: str | None
    interval: str | None = None
    timeout: str | None = None
    retries: int | None = None

    @property
    def kind(self) -> str:
        """ "NONE", "CMD", "CMD-SHELL" or "" (no test given: inherited from the image)."""
        if self.test is None or not self.test:
            return ""
        return self.test[0]

    @property
    def command(self) -> tuple[str, ...]:
        return self.test[1:] if self.test else ()


@dataclass(frozen=True)
class Port:
    raw: str
    host_ip: str | None
    published: str | None
    target: int | None
    protocol: str
    location: Location


@dataclass(frozen=True)
class Mount:
    type: str  # bind | volume | tmpfs | npipe | cluster | image
    source: str | None
    target: str | None
    read_only: bool
    location: Location
    bind_create_host_path: bool = True
    templated: bool = False  # the source is written with a variable (`${DIR:-./data}`): its value is the host's


@dataclass(frozen=True)
class Reference:
    """A reference from a service to something by name (service, volume, network, secret, config)."""

    name: str
    location: Location
    condition: str | None = None  # for depends_on
    required: bool = True


@dataclass(frozen=True)
class Service:
    name: str
    location: Location  # the service's key
    file: Path
    node: YNode  # the merged raw service mapping, for anything the typed fields do not cover
    image: str | None = None
    image_location: Location | None = None
    build: BuildSpec | None = None
    environment: tuple[EnvVar, ...] = ()
    env_files: tuple[EnvFileRef, ...] = ()
    healthcheck: Healthcheck | None = None
    user: str | None = None
    user_location: Location | None = None
    init: bool | None = None
    ports: tuple[Port, ...] = ()
    expose: tuple[Port, ...] = ()
    volumes: tuple[Mount, ...] = ()
    depends_on: tuple[Reference, ...] = ()
    links: tuple[Reference, ...] = ()
    networks: tuple[Reference, ...] = ()
    secrets: tuple[Reference, ...] = ()
    configs: tuple[Reference, ...] = ()
    network_mode: str | None = None
    network_mode_location: Location | None = None
    extends: Reference | None = None
    command: tuple[str, ...] | str | None = None
    entrypoint: tuple[str, ...] | str | None = None

    def env_dict(self) -> dict[str, EnvVar]:
        return {e.name: e for e in self.environment}

    @property
    def restart(self) -> str:
        """The service's `restart:` policy as written (`unless-stopped`, `no`), `""` when it sets none."""
        node = self.node.get("restart")
        return str(node.value).strip("\"'") if node is not None and node.value is not None else ""

    @property
    def profiles(self) -> tuple[str, ...]:
        """The service's `profiles:`: a plain `docker compose up` starts it only when this is empty."""
        node = self.node.get("profiles")
        if node is None:
            return ()
        return tuple(p.value for p in node.elements() if isinstance(p.value, str))


def command_words(value: tuple[str, ...] | str | None) -> list[str]:
    """The words of a compose `command:`/`entrypoint:`: the list form as written, the string form split on
    white space (how the rules read its program; compose's own shell-like split is not needed for that)."""
    return list(value) if isinstance(value, tuple) else (value or "").split()


@dataclass(frozen=True)
class Resource:
    name: str
    location: Location
    external: bool = False


@dataclass(frozen=True)
class ComposeProject:
    files: tuple[Path, ...]
    project_dir: Path
    services: Mapping[str, Service]
    volumes: Mapping[str, Resource] = field(default_factory=dict)
    networks: Mapping[str, Resource] = field(default_factory=dict)
    secrets: Mapping[str, Resource] = field(default_factory=dict)
    configs: Mapping[str, Resource] = field(default_factory=dict)
    var_refs: tuple[VarRef, ...] = ()
    env_sources: tuple[Path, ...] = ()  # the .env / --env-file files used for interpolation
    name: str | None = None  # the top-level `name:` (the compose project name), when written as a plain value
