"""JSON encoding of the values the cache stores: findings and Rust facts, which are frozen dataclasses
of this package holding paths, enums, tuples, dicts and plain values. Decoding only ever rebuilds
classes of this package, so a foreign cache entry cannot make the linter construct anything else."""

from __future__ import annotations

import dataclasses
import enum
import importlib
from pathlib import Path, PurePath
from typing import Any

_PREFIX = "viworks_lint."


class Unencodable(TypeError):
    """A value the cache cannot store (then the value is simply not cached)."""


def encode(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return {"$e": _qualname(type(value)), "v": value.value}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, PurePath):
        return {"$p": str(value)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        return {"$d": _qualname(type(value)), "f": fields}
    if isinstance(value, tuple):
        return {"$t": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, frozenset):
        return {"$fs": [encode(v) for v in value]}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"$m": {k: encode(v) for k, v in value.items()}}
    raise Unencodable(type(value).__name__)


def decode(data: Any) -> Any:
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict):
        raise ValueError("not a cache value")
    if "$p" in data:
        return Path(data["$p"])
    if "$t" in data:
        return tuple(decode(v) for v in data["$t"])
    if "$fs" in data:
        return frozenset(decode(v) for v in data["$fs"])
    if "$m" in data:
        return {k: decode(v) for k, v in data["$m"].items()}
    if "$e" in data:
        cls = _resolve(data["$e"])
        if not (isinstance(cls, type) and issubclass(cls, enum.Enum)):
            raise ValueError("not an enum")
        return cls(data["v"])
    if "$d" in data:
        cls = _resolve(data["$d"])
        if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
            raise ValueError("not a dataclass")
        return cls(**{k: decode(v) for k, v in data["f"].items()})
    raise ValueError("not a cache value")


def _qualname(cls: type) -> str:
    if not cls.__module__.startswith(_PREFIX) or "<" in cls.__qualname__:
        raise Unencodable(cls.__qualname__)
    return f"{cls.__module__}:{cls.__qualname__}"


def _resolve(name: Any) -> Any:
    if not isinstance(name, str) or ":" not in name:
        raise ValueError("bad class name")
    module, _, qual = name.partition(":")
    if not module.startswith(_PREFIX):
        raise ValueError("foreign class")
    obj: Any = importlib.import_module(module)
    for part in qual.split("."):
        obj = getattr(obj, part)
    return obj
