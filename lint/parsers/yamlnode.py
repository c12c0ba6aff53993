"""Load YAML with ruamel.yaml's round-trip loader into a tree of located nodes.

Anchors and aliases become shared sub-trees (an alias bomb stays linear in memory); ``<<`` merge keys
are resolved as compose resolves them (own keys win, then the merged maps in order). Every scalar can
be passed through an interpolation callback (compose ``${VAR}``)."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import ScalarString
from viworks_lint.location import Location
from viworks_lint.parsers.common import Problem, ReadError
from viworks_lint.parsers.yamlspan import value_end

MAX_EXPANDED_NODES = 250_000


@dataclass(eq=False)
class YNode:
    """A YAML value with its location. ``value`` is ``dict[str, YNode]``, ``list[YNode]`` or a scalar
    (str, int, float, bool, None). For mappings, ``keys`` holds each key's location."""

    value: Any
    loc: Location
    keys: dict[str, Location] = field(default_factory=dict)
    raw: str | None = None  # a string scalar before interpolation
    quoted: bool = False
    listed: bool = False  # a mapping value that was a list entry ``KEY=value`` (merged into a mapping)

    @property
    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_list(self) -> bool:
        return isinstance(self.value, list)

    def get(self, key: str) -> YNode | None:
        if isinstance(self.value, dict):
            node = self.value.get(key)
            return node if isinstance(node, YNode) else None
        return None

    def items(self) -> list[tuple[str, YNode]]:
        return list(self.value.items()) if isinstance(self.value, dict) else []

    def elements(self) -> list[YNode]:
        return list(self.value) if isinstance(self.value, list) else []

    def key_loc(self, key: str) -> Location:
        return self.keys.get(key, self.loc)

    def text(self) -> str | None:
        """The scalar as a string, as compose reads it (``8080`` → ``"8080"``, ``true`` → ``"true"``)."""
        v = self.value
        if isinstance(v, (dict, list)) or v is None:
            return None
        if isinstance(v, bool):
            return "true" if v else "false"
        return str(v)

    def plain(self, _memo: dict[int, Any] | None = None) -> Any:
        """Plain Python data (dicts, lists, scalars), for schema validation."""
        memo = {} if _memo is None else _memo
        if id(self) in memo:
            return memo[id(self)]
        out: Any
        if isinstance(self.value, dict):
            out = {}
            memo[id(self)] = out
            for k, v in self.value.items():
                out[k] = v.plain(memo)
        elif isinstance(self.value, list):
            out = []
            memo[id(self)] = out
            out.extend(v.plain(memo) for v in self.value)
        else:
            out = self.value
            memo[id(self)] = out
        return out


Interpolate = Callable[[str, Location, bool], str]


def text_of(node: YNode | None) -> str | None:
    """A node's scalar text, or None for no node (or a map or list)."""
    return node.text() if node is not None else None


def _yaml(duplicates: bool = False) -> YAML:
    y = YAML(typ="rt")
    y.allow_duplicate_keys = duplicates
    return y


MAX_FLOW_DEPTH = 200


def _flow_depth(text: str) -> tuple[int, int]:
    """Deepest ``[``/``{`` nesting (outside quotes and comments) and the line where it is reached; the
    YAML scanner is quadratic in it, so a pathological file is refused before parsing."""
    depth = deepest = 0
    line = at = 1
    quote = ""
    comment = False
    for c in text:
        if c == "\n":
            line += 1
            comment = False
            continue
        if comment:
            continue
        if quote:
            if c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c == "#":
            comment = True
        elif c in "[{":
            depth += 1
            if depth > deepest:
                deepest, at = depth, line
        elif c in "]}" and depth > 0:
            depth -= 1
    return deepest, at


_TRAILING_TABS = re.compile(r"[ \t]*\t[ \t]*$", re.MULTILINE)


def load(path: Path, text: str, duplicates: bool = False) -> Any:
    """Parse YAML text; raises ReadError with a VW001 problem at the error position. ``duplicates``: a key given
    twice keeps its first value (CI formats that accept it, Drone's older `pipeline:` map) instead of failing."""
    if "[[[[[[[[" in text or "{{{{{{{{" in text or text.count("[") + text.count("{") > MAX_FLOW_DEPTH:
        deepest, at = _flow_depth(text)
        if deepest > MAX_FLOW_DEPTH:
            raise ReadError(
                Problem(
                    "VW001",
                    f"YAML flow collections nest {deepest} deep (limit {MAX_FLOW_DEPTH})",
                    Location(path, at, 1),
                    key="deep",
                )
            )
    try:
        with warnings.catch_warnings():
            # ruamel.yaml warns on stderr about valid input (an anchor defined twice, YAML 1.1 floats)
            warnings.simplefilter("ignore")
            try:
                return _yaml(duplicates).load(text)
            except MarkedYAMLError as exc:
                # a tab after a value at the end of its line (`restart: unless-stopped<TAB>`) is trailing white
                # space to YAML 1.2 and to compose's parser, but ruamel refuses it: read it as spaces (same columns)
                if "'\\t'" not in str(exc) or not _TRAILING_TABS.search(text):
                    raise
                return _yaml(duplicates).load(_TRAILING_TABS.sub(lambda m: " " * len(m.group(0)), text))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1) if mark is not None else 1
        col = (mark.column + 1) if mark is not None else 1
        what = exc.problem or exc.context or "invalid YAML"
        if "found duplicate key" in str(exc):
            what = "duplicate key " + str(exc).split("found duplicate key", 1)[1].split("\n")[0].strip()
        raise ReadError(
            Problem("VW001", f"invalid YAML: {what}", Location(path, line, col, line, col + 1), key="yaml")
        ) from None
    except YAMLError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "invalid YAML"
        raise ReadError(Problem("VW001", f"invalid YAML: {first}", Location(path), key="yaml")) from None
    except RecursionError:
        raise ReadError(Problem("VW001", "YAML nesting is too deep to parse", Location(path), key="deep")) from None
    except Exception as exc:  # ruamel.yaml fails with odd errors on some input (a mapping that merges itself)
        what = f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__
        raise ReadError(Problem("VW001", f"invalid YAML: {what}", Location(path), key="yaml")) from None


def expanded_size(data: Any, limit: int = MAX_EXPANDED_NODES) -> int:
    """Number of nodes once aliases are expanded, counted with memoisation (stops early past limit)."""
    memo: dict[int, int] = {}

    def size(obj: Any, depth: int) -> int:
        if depth > 500:
            return limit + 1
        if id(obj) in memo:
            return memo[id(obj)]
        memo[id(obj)] = limit + 1  # a cycle counts as infinite
        total = 1
        if isinstance(obj, dict):
            for v in obj.values():
                total += size(v, depth + 1)
                if total > limit:
                    break
        elif isinstance(obj, list):
            for v in obj:
                total += size(v, depth + 1)
                if total > limit:
                    break
        memo[id(obj)] = total
        return total

    return size(data, 0)


def _pos(path: Path, lc: tuple[int, int] | None, length: int = 1) -> Location:
    if lc is None:
        return Location(path)
    line, col = lc[0] + 1, lc[1] + 1
    return Location(path, line, col, line, col + max(length, 1))


def _key_lc(m: CommentedMap, key: Any) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
    """(key position, value position) of ``key`` in ``m`` or in the maps it merges."""
    try:
        klc, vlc = m.lc.key(key), m.lc.value(key)
        if klc is not None:  # a mapping with only a `<<` merge has no position data of its own
            return klc, vlc
    except (KeyError, AttributeError, TypeError):
        pass
    for merged in getattr(m, "merge", None) or []:
        src = merged[1] if isinstance(merged, tuple) else merged
        if isinstance(src, CommentedMap) and key in src:
            return _key_lc(src, key)
    return None, None


def _flow(obj: Any) -> bool:
    fa = getattr(obj, "fa", None)
    try:
        return bool(fa is not None and fa.flow_style())
    except (AttributeError, TypeError):
        return False


def to_node(path: Path, data: Any, interpolate: Interpolate | None = None, text: str | None = None) -> YNode:
    """Convert ruamel round-trip data to YNode (aliases stay shared). With the source ``text``, every
    scalar's and flow collection's location spans exactly its text (quotes and block lines included)."""
    memo: dict[int, YNode] = {}
    lines = text.splitlines() if text is not None else None

    def span(lc: tuple[int, int] | None, obj: Any, *, flow: bool, key: bool = False) -> Location:
        if lc is None:
            return Location(path)
        guess = len(str(obj)) if isinstance(obj, (str, int, float)) else 1
        if lines is None or (isinstance(obj, (dict, list)) and not _flow(obj)):
            return _pos(path, lc, guess)
        end = value_end(lines, lc[0], lc[1], flow=flow, key=key, value=obj if isinstance(obj, str) else None)
        if end is None or end <= lc:
            return _pos(path, lc, guess)
        return Location(path, lc[0] + 1, lc[1] + 1, end[0] + 1, end[1] + 1)

    def conv(obj: Any, loc: Location) -> YNode:
        if isinstance(obj, (CommentedMap, CommentedSeq, dict, list)) and id(obj) in memo:
            return memo[id(obj)]
        if isinstance(obj, dict):
            node = YNode({}, loc)
            memo[id(obj)] = node
            for k, v in obj.items():
                ks = "" if k is None else (("true" if k else "false") if isinstance(k, bool) else str(k))
                klc, vlc = _key_lc(obj, k) if isinstance(obj, CommentedMap) else (None, None)
                node.keys[ks] = span(klc, k, flow=_flow(obj), key=True) if klc else loc
                node.value[ks] = conv(v, span(vlc, v, flow=_flow(obj)) if vlc else node.keys[ks])
            return node
        if isinstance(obj, list):
            node = YNode([], loc)
            memo[id(obj)] = node
            for i, v in enumerate(obj):
                ilc: tuple[int, int] | None = None
                if isinstance(obj, CommentedSeq):
                    try:
                        ilc = obj.lc.item(i)
                    except (KeyError, AttributeError, TypeError):
                        ilc = None
                node.value.append(conv(v, span(ilc, v, flow=_flow(obj)) if ilc else loc))
            return node
        if isinstance(obj, str):
            quoted = isinstance(obj, ScalarString) and obj.__class__.__name__ in (
                "DoubleQuotedScalarString",
                "SingleQuotedScalarString",
            )
            value = str(obj)
            if interpolate is not None and "$" in value:
                start = Location(path, loc.line, loc.col + (1 if quoted else 0), loc.end_line, loc.end_col)
                return YNode(interpolate(value, start, quoted), loc, raw=value, quoted=quoted)
            return YNode(value, loc, raw=value, quoted=quoted)
        if isinstance(obj, (bool, int, float)) or obj is None:
            return YNode(obj if isinstance(obj, (bool, float)) or obj is None else int(obj), loc)
        return YNode(str(obj), loc)

    root_loc = Location(path)
    lc = getattr(data, "lc", None)
    if lc is not None and getattr(lc, "line", None) is not None:
        root_loc = Location(path, lc.line + 1, lc.col + 1)
    return conv(data, root_loc)
