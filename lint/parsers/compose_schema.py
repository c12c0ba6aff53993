"""Validate compose data against the Compose Specification JSON schema (the copy maintained and shipped
by the check-jsonschema package), reporting every violation at its own key."""

from __future__ import annotations

import ast
import contextlib
import hashlib
import importlib.util
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from viworks_lint import cache
from viworks_lint.location import Location
from viworks_lint.parsers.common import Problem
from viworks_lint.parsers.yamlnode import YNode

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError


def _schema_path() -> Path:
    """The Compose Specification schema vendored by check-jsonschema, found without importing that
    package (its import pulls in an HTTP client and costs more than the whole lint of a small project)."""
    spec = importlib.util.find_spec("check_jsonschema")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the check-jsonschema package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "builtin_schemas" / "vendor" / "compose-spec.json"


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema  # only when a compose file is new or changed (see validate)

    text = _schema_path().read_text("utf-8")
    schema = json.loads(text)
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


def _node_at(root: YNode, path: list[Any]) -> tuple[YNode, Location]:
    """The node at a schema error path, and the location to report (the key of the last step)."""
    node = root
    loc = root.loc
    for step in path:
        if isinstance(step, int) and node.is_list and 0 <= step < len(node.value):
            node = node.value[step]
            loc = node.loc
        elif isinstance(step, str) and node.is_map and step in node.value:
            loc = node.key_loc(step)
            node = node.value[step]
        else:
            break
    return node, loc


def _describe(path: list[Any]) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out or "(top level)"


def _short(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def validate(root: YNode) -> list[Problem]:
    """Every violation, from the cache when this file's text was validated before by this version."""
    from viworks_lint.cachecodec import Unencodable, decode, encode

    store = cache.current()
    path = root.loc.path
    key = {"path": str(path)}
    try:
        # the text gives the locations, the interpolated data the verdict
        plain = json.dumps(root.plain(), sort_keys=True, default=str) if store is not None else ""
        digest = hashlib.sha256(path.read_bytes() + b"\0" + plain.encode()).hexdigest() if store is not None else ""
    except (OSError, ValueError, TypeError):
        store = None
    if store is not None:
        hit = store.get("schema", key)
        if hit is not None and isinstance(hit[0], dict) and hit[0].get("sha") == digest:
            try:
                cached = decode(hit[0]["problems"])
                if isinstance(cached, list):
                    return cached
            except Exception:
                pass
    problems = _validate(root)
    if store is not None:
        with contextlib.suppress(Unencodable):
            store.put("schema", key, {"sha": digest, "problems": encode(problems)}, [])
    return problems


def _validate(root: YNode) -> list[Problem]:
    validator = _validator()
    data = root.plain()
    problems: list[Problem] = []
    seen: set[tuple[int, int, str]] = set()
    for error in validator.iter_errors(data):
        for problem in _problems_of(root, error):
            ident = (problem.location.line, problem.location.col, problem.message)
            if ident not in seen:
                seen.add(ident)
                problems.append(problem)
    problems.sort(key=lambda p: (p.location.line, p.location.col))
    return problems


_DEFAULTED = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?[-?+]")


def _emptied(node: YNode) -> bool:
    """A scalar written with a variable that interpolated to nothing (`container_name: ${NAME}` with NAME
    unset): the shape is fine once the variable is set, and VW202 reports the variable."""
    if node.raw is None or "$" not in node.raw or node.value not in ("", None):
        return False
    return _DEFAULTED.search(node.raw) is None  # `${X:-}` is empty on purpose: the shape is the author's


def _repeated_by_interpolation(node: YNode | None) -> bool:
    """A list whose repeated entries are written differently, with variables that interpolated to the same text
    (`${HOST_PORT_REST}:${DOCKER_PORT_REST}` and `${HOST_PORT_GRPC}:…` both `:` when unset): once the variables
    are set they differ, and VW202 reports them."""
    if node is None or not node.is_list:
        return False
    seen: dict[str, str] = {}
    for el in node.elements():
        if el.is_map or el.is_list:
            continue  # a long-syntax entry: compared by the schema as a whole, written with no single raw text
        raw, value = el.raw or "", repr(el.value)
        if value in seen and seen[value] != raw and "$" in raw + seen[value]:
            return True
        seen.setdefault(value, raw)
    return False


def _problems_of(root: YNode, error: ValidationError) -> list[Problem]:
    path = list(error.absolute_path)
    node, loc = _node_at(root, path)
    if _emptied(node):
        return []
    if error.validator == "uniqueItems" and _repeated_by_interpolation(node):
        return []
    where = _describe(path)
    if error.validator in ("additionalProperties", "unevaluatedProperties") and isinstance(error.instance, dict):
        out = []
        for key in _unexpected_keys(error):
            kloc = node.key_loc(key) if node.is_map else loc
            scope = f" in {where}" if path else " at the top level"
            out.append(
                Problem(
                    "VW002",
                    f"unknown key {key!r}{scope} (not in the Compose Specification)",
                    kloc,
                    key=f"{where}.{key}",
                )
            )
        # every key it lists is one the schema defines: a sibling failed and dropped their annotations, and
        # that value has its own error (a duplicate `environment` entry): nothing more to say here
        return out
    if error.validator in ("oneOf", "anyOf") and error.context:
        from jsonschema.exceptions import best_match

        # a list form that only fails for a repeated entry: say that, not that the map form was expected
        repeated = [e for e in error.context if e.validator == "uniqueItems" and not e.relative_path]
        deepest = repeated[0] if repeated else best_match(error.context)
        sub_path = path + list(deepest.relative_path)
        node2, loc2 = _node_at(root, sub_path)
        if _emptied(node2) or (deepest.validator == "uniqueItems" and _repeated_by_interpolation(node2)):
            return []
        msg = _message(deepest, _describe(sub_path))
        return [Problem("VW002", msg, loc2, key=_describe(sub_path))]
    return [Problem("VW002", _message(error, where), loc, key=where)]


_UNEXPECTED = re.compile(r"\((.*) (?:was|were) unexpected\)")


def _unexpected_keys(error: ValidationError) -> list[str]:
    """The keys jsonschema names in "(... was/were unexpected)"; every key when it names none."""
    m = _UNEXPECTED.search(error.message)
    keys: list[str] = []
    if m:
        try:
            parsed = ast.literal_eval("(" + m.group(1) + ",)")
            keys = [str(k) for k in parsed]
        except (ValueError, SyntaxError):
            keys = []
    instance = error.instance if isinstance(error.instance, dict) else {}
    # A key the schema defines is never "unknown": `unevaluatedProperties` also lists valid keys when a
    # sibling fails (a `depends_on:` left null drops every annotation of `properties`), so only keys the
    # object's schema does not name (nor match by pattern) are reported; the failing value has its own error.
    known, patterns = _declared(error.schema if isinstance(error.schema, dict) else {}, 0)
    return [k for k in keys if k in instance and k not in known and not any(re.search(p, k) for p in patterns)]


def _declared(schema: dict[str, Any], depth: int) -> tuple[set[str], list[str]]:
    """Property names and patterns a schema object declares, through `allOf` and local `$ref`s."""
    names = set(schema.get("properties") or {}) if isinstance(schema.get("properties"), dict) else set()
    patterns = [str(p) for p in schema.get("patternProperties") or {}] if isinstance(schema, dict) else []
    if depth > 8:
        return names, patterns
    parts = list(schema.get("allOf") or [])
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = _validator().schema
        for step in ref[2:].split("/"):
            target = target.get(step) if isinstance(target, dict) else None
        parts.append(target)
    for part in parts:
        if isinstance(part, dict):
            more, more_patterns = _declared(part, depth + 1)
            names |= more
            patterns += more_patterns
    return names, patterns


def _message(error: ValidationError, where: str) -> str:
    v = error.validator
    if v == "type":
        expected = error.validator_value
        exp = " or ".join(expected) if isinstance(expected, list) else str(expected)
        return f"{where}: expected {exp}, got {_short(error.instance)}"
    if v == "required":
        return f"{where}: {error.message}"
    if v == "enum" and isinstance(error.validator_value, list):
        return f"{where}: {_short(error.instance)} is not one of {', '.join(map(str, error.validator_value))}"
    if v == "pattern":
        return f"{where}: {_short(error.instance)} does not match the expected pattern"
    if v == "uniqueItems" and isinstance(error.instance, list):
        dup = next((x for i, x in enumerate(error.instance) if x in error.instance[:i]), None)
        return f"{where}: {_short(dup)} is listed twice, and compose refuses a list with a repeated entry"
    msg = error.message
    if len(msg) > 160:
        msg = msg[:157] + "..."
    return f"{where}: {msg}"
