"""Configuration: ``.viworks-lint.toml`` at the project root, or ``[workspace.metadata.viworks-lint]`` /
``[package.metadata.viworks-lint]`` in the root Cargo.toml, validated against
``schemas/config.schema.json``."""

from __future__ import annotations

import difflib
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import ParseError
from viworks_lint.findings import Level

CONFIG_NAME = ".viworks-lint.toml"


class ConfigError(Exception):
    """A configuration problem; the CLI prints it and exits 2."""


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    levels: Mapping[str, str] = field(default_factory=dict)
    compose_files: tuple[str, ...] = ()
    env_files: tuple[str, ...] = ()
    provided_env: frozenset[str] = frozenset()
    exclude: tuple[str, ...] = ()
    report_unused_suppressions: bool = False
    base_images: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    scope: Mapping[str, str] = field(default_factory=dict)  # path glob → deploy | dev | test | ci | toolchain | aux
    baseline: str | None = None
    source: Path | None = None

    def level_for(self, rule_id: str, default: Level) -> Level | None:
        """The configured level, or None when the rule is turned off."""
        value = self.levels.get(rule_id)
        if value is None:
            return default
        if value == "off":
            return None
        return Level(value)


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    text = resources.files("viworks_lint.schemas").joinpath("config.schema.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _validate(data: Mapping[str, Any], where: str) -> None:
    import jsonschema  # only when there is a config to validate

    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        err = errors[0]
        path = [str(p) for p in err.absolute_path]
        key = ".".join(f'"{p}"' if "." in p or "/" in p or "*" in p else p for p in path)
        if err.validator == "additionalProperties":
            name = err.message.split("'")[1] if "'" in err.message else key
            known = list(schema().get("properties", {})) if not path else []
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            raise ConfigError(f"{where}: unknown setting `{name}`{hint}")
        raise ConfigError(f"{where}: `{key or '(top level)'}`: {_explain(err)}")


def _explain(err: Any) -> str:
    """jsonschema's message, without raw regular expressions."""
    if err.validator == "pattern":
        what = {
            "^VW[0-9]{3}$": "a rule id such as VW301",
            "^[A-Za-z_][A-Za-z0-9_]*$": "a variable name",
        }.get(str(err.validator_value), "a rule id (VW301), an id prefix (VW3) or a rule name")
        return f"{err.instance!r} is not {what}"
    if err.validator == "propertyNames":
        return "keys must be rule ids such as VW301"
    if err.validator == "enum":
        return f"{err.instance!r} is not one of {', '.join(map(str, err.validator_value))}"
    return str(err.message)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from None
    try:
        data: dict[str, Any] = tomlkit.parse(text).unwrap()
    except ParseError as exc:
        where = f"{path}:{exc.line}:{exc.col + 1}"
        reason = str(exc).split(" at line ")[0]
        if sys.version_info >= (3, 11):  # its parser words errors better: "Invalid value (at line 2, column 1)"
            import tomllib

            try:
                tomllib.loads(text)
            except ValueError as better:
                where, reason = str(path), str(better)
            except RecursionError:
                pass
        raise ConfigError(f"{where}: invalid TOML in config: {reason}") from None
    except Exception as exc:
        raise ConfigError(f"{path}: invalid TOML in config: {exc}") from None
    return data


def from_mapping(data: Mapping[str, Any], where: str, source: Path | None = None) -> Config:
    _validate(data, where)
    return Config(
        select=tuple(data.get("select", ())),
        ignore=tuple(data.get("ignore", ())),
        per_file_ignores={k: tuple(v) for k, v in data.get("per-file-ignores", {}).items()},
        levels=dict(data.get("levels", {})),
        compose_files=tuple(data.get("compose-files", ())),
        env_files=tuple(data.get("env-files", ())),
        provided_env=frozenset(data.get("provided-env", ())),
        exclude=tuple(data.get("exclude", ())),
        report_unused_suppressions=bool(data.get("report-unused-suppressions", False)),
        base_images=dict(data.get("base-images", {})),
        scope=dict(data.get("scope", {})),
        baseline=data.get("baseline"),
        source=source,
    )


def load_config(root: Path, explicit: Path | None = None) -> Config:
    """The explicit file, else .viworks-lint.toml at the root, else the root Cargo.toml's metadata."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"{explicit}: config file not found")
        data = _read_toml(explicit)
        if explicit.name == "Cargo.toml":
            return _from_cargo(explicit, data) or Config(source=explicit)
        return from_mapping(data, str(explicit), explicit)
    own = root / CONFIG_NAME
    if own.is_file():
        return from_mapping(_read_toml(own), str(own), own)
    cargo = root / "Cargo.toml"
    if cargo.is_file():
        try:
            data = _read_toml(cargo)
        except ConfigError:
            return Config()  # a broken Cargo.toml is reported as VW001 by the linter itself
        found = _from_cargo(cargo, data)
        if found is not None:
            return found
    return Config()


def _from_cargo(path: Path, data: Mapping[str, Any]) -> Config | None:
    for section in ("workspace", "package"):
        sec = data.get(section)
        if isinstance(sec, Mapping):
            meta = sec.get("metadata")
            if isinstance(meta, Mapping) and "viworks-lint" in meta:
                body = meta["viworks-lint"]
                where = f"{path} [{section}.metadata.viworks-lint]"
                if not isinstance(body, Mapping):
                    raise ConfigError(f"{where}: must be a table")
                return from_mapping(body, where, path)
    return None
