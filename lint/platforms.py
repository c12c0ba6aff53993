"""Platforms that run an image under a process manager, and some under a user, of their own (AWS Lambda,
Fly.io), read from the reviewed data file ``rules/platforms.json`` (validated by
``schemas/platforms.schema.json``). An image is built for one when its final stage starts from the platform's
base image, installs one of its extensions, or is the Dockerfile a platform config file of the repository
deploys (``fly.toml``)."""

from __future__ import annotations

import fnmatch
import json
import posixpath
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomlkit
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from tomlkit.exceptions import TOMLKitError
from viworks_lint.images import split_image
from viworks_lint.location import Location
from viworks_lint.parsers.dockerfile import Dockerfile, Stage

if TYPE_CHECKING:
    from collections.abc import Sequence

    from viworks_lint.project import Build, Project


@dataclass(frozen=True)
class Platform:
    name: str
    base_images: tuple[str, ...]
    extension_dir: str | None
    extension_images: tuple[str, ...]
    config_files: tuple[str, ...]
    dockerfile_key: str | None
    user: str | None  # what the platform runs the image as, when it ignores the image's USER
    init: str  # what is PID 1 there, instead of the image's program
    deploy_steps: tuple[re.Pattern[str], ...] = ()  # CI or script steps that deploy the repository's Dockerfile
    signals_every_process: bool = False  # the stop signal goes to every process, not only PID 1


@dataclass(frozen=True)
class BuiltFor:
    """The platform an image is built for, and what shows it."""

    platform: Platform
    evidence: str  # `FROM public.ecr.aws/lambda/provided:al2023`, the extension COPY, or `fly.toml`
    location: Location


@lru_cache(maxsize=1)
def platforms() -> tuple[Platform, ...]:
    # validated against schemas/platforms.schema.json by the test suite, not at run time
    data: dict[str, Any] = json.loads(
        resources.files("viworks_lint.rules").joinpath("platforms.json").read_text("utf-8")
    )
    return tuple(
        Platform(
            name=p["name"],
            base_images=tuple(p["base_images"]),
            extension_dir=p.get("extension_dir"),
            extension_images=tuple(p.get("extension_images", ())),
            config_files=tuple(p.get("config_files", ())),
            dockerfile_key=p.get("dockerfile_key"),
            user=p.get("user"),
            init=p["init"],
            deploy_steps=tuple(re.compile(r) for r in p.get("deploy_steps", ())),
            signals_every_process=bool(p.get("signals_every_process", False)),
        )
        for p in data["platforms"]
    )


def built_for(project: Project, df: Dockerfile, stage: Stage) -> BuiltFor | None:
    """The platform whose base image the stage (through the stages it is built from) starts from, whose
    extension it copies in (`COPY --from=public.ecr.aws/awsguru/aws-lambda-adapter:0.9.0 /lambda-adapter
    /opt/extensions/lambda-adapter`), or whose config file deploys the Dockerfile; else None."""
    base = split_image(df.root_base(stage))[0]
    for p in platforms():
        if any(fnmatch.fnmatchcase(base, g) for g in p.base_images):
            return BuiltFor(p, f"FROM {stage.base}", stage.from_instr.location)
        for instr in stage.instructions:
            if instr.cmd not in ("COPY", "ADD") or len(instr.args) < 2:
                continue
            source = split_image(instr.flag("from") or "")[0]
            dest = posixpath.normpath(instr.args[-1]) if instr.args[-1].startswith("/") else ""
            into = p.extension_dir is not None and (dest + "/").startswith(p.extension_dir.rstrip("/") + "/")
            if into or (source and source in p.extension_images):
                return BuiltFor(p, f"`{_short(instr.original)}`", instr.location)
    return platform_deployed(project).get(df.path)


def runs_on_platform(project: Project, df: Dockerfile, stage: Stage, builds: Sequence[Build]) -> BuiltFor | None:
    """The platform the image is built for (`built_for`), unless a compose service of a `deploy` compose file runs
    it and the repository deploys compose files (a wrapper or CI step runs one for deployment, or over ssh): then
    it also runs as a plain container, where its own USER and PID 1 are what count. A compose file nothing deploys
    beside a Lambda image is the local stack around it."""
    from viworks_lint.composeuses import deployed_by_wrapper
    from viworks_lint.scope import deploy_service_builds

    if deploy_service_builds(project, builds) and deployed_by_wrapper(project):
        return None
    return built_for(project, df, stage)


def platform_deployed(project: Project) -> dict[Path, BuiltFor]:
    """The Dockerfiles a platform config file of the repository deploys (`fly.toml` at the root or beside a
    Dockerfile; its `[build] dockerfile`, else `Dockerfile` beside it), keyed by normalised path (read once)."""
    from viworks_lint.project import norm_path

    cached: dict[Path, BuiltFor] | None = project.__dict__.get("_platform_deployed")
    if cached is not None:
        return cached
    cached = {}
    folders = dict.fromkeys([norm_path(project.root), *(norm_path(p).parent for p in project.dockerfiles)])
    for p in platforms():
        for folder in folders:
            for name in p.config_files:
                config = folder / name
                target = _deployed_dockerfile(config, p.dockerfile_key)
                if target is not None and target.is_file():
                    found = BuiltFor(p, f"`{project.rel(config)}`", Location(config, 1, 1))
                    cached.setdefault(norm_path(target), found)
    from viworks_lint.hostbuild import wrappers

    for p in platforms():
        for w in wrappers(project) if p.deploy_steps else ():
            for pattern in p.deploy_steps:
                m = pattern.search(w.text)
                if m is None:
                    continue
                appdir = _APPDIR.search(w.text[m.start() : m.end() + 400])
                target = norm_path(project.root / (appdir.group(1) if appdir else ".") / "Dockerfile")
                if target.is_file():
                    found = BuiltFor(p, f"`{project.rel(w.path)}`", Location(w.path, w.line_of(m.start()), 1))
                    cached.setdefault(target, found)
    project.__dict__["_platform_deployed"] = cached
    return cached


_APPDIR = re.compile(r"^\s*appdir:\s*['\"]?([\w./-]+)", re.M)


def _deployed_dockerfile(config: Path, key: str | None) -> Path | None:
    """The Dockerfile a platform config file builds; None when it deploys a prebuilt `image` or is unreadable."""
    try:
        if not config.is_file():
            return None
        text = config.read_text("utf-8")
        if config.suffix in (".yml", ".yaml"):
            data: Any = YAML(typ="safe").load(text)
        else:
            data = tomlkit.parse(text).unwrap()
    except (OSError, UnicodeDecodeError, TOMLKitError, YAMLError):
        return None
    if not isinstance(data, dict):
        return None
    section: Any = data
    parts = key.split(".") if key else []
    for part in parts[:-1]:
        section = section.get(part) if isinstance(section, dict) else None
    if isinstance(section, dict) and any(section.get(k) for k in ("image", "builder", "buildpacks")):
        return None  # `[build] image = "…"` (a prebuilt image) or a buildpacks build: no Dockerfile of the repo
    named = section.get(parts[-1]) if isinstance(section, dict) and parts else None
    return config.parent / (named if isinstance(named, str) and named else "Dockerfile")


def _short(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= 100 else line[:99] + "…"
