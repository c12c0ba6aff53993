"""Compose YAML: :class:`SetKey` edits as splices at the positions ruamel.yaml's round-trip parser
reports, then checked by parsing the result again with it: the new document must be exactly the old one
with the keys set (applied to ruamel's round-trip tree), else the fix is refused.

A new key goes after the last line of the mapping it belongs to, at the indentation of that mapping's
keys; missing mappings on the path are created with the file's own indentation step. A list-form
mapping (``environment: ["A=1"]``) gets a ``NAME=value`` item with the item style already there. A
value that is set already is rewritten in its own quoting style. Flow collections (``{a: 1}``),
block scalars and multi-line scalars are not edited."""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from viworks_lint.fix.text import FixError, Splice, line_starts, line_text, newline_of
from viworks_lint.fixes import SetKey

Value = str | int | bool


def load_rt(text: str) -> Any:
    y = YAML(typ="rt")
    y.allow_duplicate_keys = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return y.load(text)
        except Exception as exc:  # any ruamel failure: the fix is refused, the message says why
            raise FixError(f"the result is not valid YAML: {str(exc).splitlines()[0] if str(exc) else exc}") from None


def plain(obj: Any, _memo: dict[int, Any] | None = None) -> Any:
    """Plain data of a round-trip tree, merge keys resolved (as compose reads it)."""
    memo = {} if _memo is None else _memo
    if isinstance(obj, dict):
        if id(obj) in memo:
            return memo[id(obj)]
        out: dict[Any, Any] = {}
        memo[id(obj)] = out
        for k in list(obj.keys()):
            out[str(k)] = plain(obj[k], memo)
        return out
    if isinstance(obj, list):
        if id(obj) in memo:
            return memo[id(obj)]
        lst: list[Any] = []
        memo[id(obj)] = lst
        lst.extend(plain(v, memo) for v in obj)
        return lst
    if isinstance(obj, bool) or obj is None:
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return float(obj)
    return str(obj)


def depth_in(doc: Any, keys: tuple[str, ...]) -> int:
    """How many leading keys of the path the document has."""
    cur, n = doc, 0
    for k in keys:
        if isinstance(cur, dict) and k in cur:
            cur, n = cur[k], n + 1
        else:
            break
    return n


# ------------------------------------------------------------------------------------- rendering

_PLAIN_OK = re.compile(r"^[A-Za-z0-9_$/.][A-Za-z0-9_${}/.:@+=,-]*$")


def render_scalar(value: Value, style: str = "") -> str:
    """YAML text of a scalar; ``style`` is the quote character of the value it replaces."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    if style == '"':
        return json.dumps(value, ensure_ascii=False)
    if _PLAIN_OK.match(value) and not re.match(r"^(true|false|yes|no|on|off|null|~|[-+0-9.:]+)$", value, re.I):
        return value
    return json.dumps(value, ensure_ascii=False)


def _key_text(key: str) -> str:
    return key if re.match(r"^[A-Za-z_][A-Za-z0-9_.-]*$", key) else json.dumps(key)


# ------------------------------------------------------------------------------------- positions


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _block_end(text: str, starts: list[int], first_line: int, col: int, dash_ok: bool) -> int:
    """Offset just past the last content line of a block whose entries start at column ``col`` (0-based),
    scanning from the 1-based ``first_line``. Trailing blank and comment lines are left after it."""
    last = first_line
    n = first_line + 1
    while n <= len(starts):
        line = line_text(text, starts, n)
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            ind = _indent(line)
            if ind < col or (ind == col and not (dash_ok and (stripped == "-" or stripped.startswith("- ")))):
                break
            if line.startswith(("---", "...")):
                break
            last = n
        n += 1
    end = starts[last] if last < len(starts) else len(text)
    return end


def _map_lines(cm: CommentedMap) -> tuple[int, int, int]:
    """(first key line, last key line, key column), 0-based, of a block mapping's own keys."""
    own = [k for k in cm if k in getattr(cm, "_ok", set(cm.keys()))]
    if not own:
        raise FixError("the mapping has no keys of its own to align with")
    pos = [cm.lc.key(k) for k in own]
    return min(p[0] for p in pos), max(p[0] for p in pos), pos[0][1]


def _indent_step(doc: Any) -> int:
    """The file's indentation step: how far the keys of the first nested block mapping are indented."""
    stack = [doc]
    while stack:
        cur = stack.pop(0)
        if isinstance(cur, CommentedMap) and not cur.fa.flow_style():
            for k in cur:
                child = cur[k]
                if isinstance(child, CommentedMap) and not child.fa.flow_style() and child:
                    try:
                        _f, _l, ccol = _map_lines(child)
                        _f2, _l2, pcol = _map_lines(cur)
                    except (FixError, KeyError):
                        continue
                    if ccol > pcol:
                        return ccol - pcol
                if isinstance(child, (CommentedMap, CommentedSeq)):
                    stack.append(child)
    return 2


def _scalar_end(line: str, col: int) -> tuple[int, str]:
    """End column (exclusive) and quote style of the one-line scalar starting at ``col``."""
    if col >= len(line):
        raise FixError("the value is not on the key's line")
    q = line[col]
    if q in "|>":
        raise FixError("block scalars are not rewritten")
    if q == '"':
        i = col + 1
        while i < len(line):
            if line[i] == "\\":
                i += 2
                continue
            if line[i] == '"':
                return i + 1, q
            i += 1
        raise FixError("multi-line quoted scalars are not rewritten")
    if q == "'":
        i = col + 1
        while i < len(line):
            if line[i] == "'":
                if i + 1 < len(line) and line[i + 1] == "'":
                    i += 2
                    continue
                return i + 1, q
            i += 1
        raise FixError("multi-line quoted scalars are not rewritten")
    if q in "[{&*!":
        raise FixError("flow collections, anchors and tags are not rewritten")
    end = len(line)
    m = re.search(r"\s#", line[col:])
    if m:
        end = col + m.start()
    return len(line[:end].rstrip()), ""


# ------------------------------------------------------------------------------------- planning


@dataclass
class _Pending:
    node: Any
    tree: dict[str, Any] = field(default_factory=dict)  # new keys below an existing mapping
    items: list[str] = field(default_factory=list)  # new items of a list-form mapping


def _is_list_mapping(seq: Any) -> bool:
    return isinstance(seq, CommentedSeq) and all(isinstance(v, str) for v in seq)


def _nest(tree: dict[str, Any], keys: tuple[str, ...], value: Value) -> None:
    for k in keys[:-1]:
        sub = tree.setdefault(k, {})
        if not isinstance(sub, dict):
            raise FixError(f"`{k}` is set twice")
        tree = sub
    if keys[-1] in tree and tree[keys[-1]] != value:
        raise FixError(f"`{keys[-1]}` is set to two values")
    tree[keys[-1]] = value


def set_keys(text: str, edits: list[SetKey]) -> tuple[str, list[Splice]]:
    """The splices that set every key, and the text after them (verified)."""
    doc = load_rt(text)
    expected = load_rt(text)
    starts = line_starts(text)
    splices: list[Splice] = []
    pending: dict[int, _Pending] = {}
    for edit in edits:
        _expect(expected, edit)
        cur = doc
        for i, key in enumerate(edit.keys):
            last = i == len(edit.keys) - 1
            if isinstance(cur, CommentedMap):
                if cur.fa.flow_style():
                    raise FixError("flow-style mappings are not edited")
                own = key in getattr(cur, "_ok", set(cur.keys()))
                if key in cur and (own or not last):
                    if not last:
                        cur = cur[key]
                        continue
                    splices.extend(_replace_value(text, starts, cur, key, edit.value))
                    break
                _nest(pending.setdefault(id(cur), _Pending(cur)).tree, edit.keys[i:], edit.value)
                break
            if last and _is_list_mapping(cur):
                names = {str(v).partition("=")[0].strip(): str(v) for v in cur}
                item = f"{key}={edit.value}"
                if key in names:
                    if names[key] != item:
                        raise FixError(f"`{key}` is already set to another value")
                    break
                p = pending.setdefault(id(cur), _Pending(cur))
                if item not in p.items:
                    p.items.append(item)
                break
            raise FixError(f"`{'.'.join(edit.keys[: i + 1])}` is not a mapping this fix can extend")
    step = _indent_step(doc)
    nl = newline_of(text)
    for p in pending.values():
        splices.append(_insert(text, starts, p, step, nl))
    from viworks_lint.fix.text import apply_splices

    new_text = apply_splices(text, splices)
    if plain(load_rt(new_text)) != plain(expected):
        raise FixError("the edited YAML does not read back as intended")
    return new_text, splices


def _expect(doc: Any, edit: SetKey) -> None:
    cur = doc
    for key in edit.keys[:-1]:
        if isinstance(cur, dict):
            if key not in cur:
                cur[key] = CommentedMap()
            cur = cur[key]
    key = edit.keys[-1]
    if isinstance(cur, dict):
        cur[key] = edit.value
    elif _is_list_mapping(cur):
        if not any(str(v).partition("=")[0].strip() == key for v in cur):
            cur.append(f"{key}={edit.value}")
    else:
        raise FixError(f"`{'.'.join(edit.keys)}` cannot be set here")


def _replace_value(text: str, starts: list[int], cm: CommentedMap, key: str, value: Value) -> list[Splice]:
    current = cm[key]
    if isinstance(current, (dict, list)) or current is None:
        raise FixError(f"`{key}` holds no single value to replace")
    if plain(current) == value and type(plain(current)) is type(value):
        return []
    line0, col0 = cm.lc.value(key)
    line = line_text(text, starts, line0 + 1)
    end, style = _scalar_end(line, col0)
    at = starts[line0]
    return [Splice(at + col0, at + end, render_scalar(value, style))]


def _render_tree(tree: dict[str, Any], col: int, step: int, nl: str) -> str:
    out = []
    for k, v in tree.items():
        if isinstance(v, dict):
            out.append(f"{' ' * col}{_key_text(k)}:{nl}{_render_tree(v, col + step, step, nl)}")
        else:
            out.append(f"{' ' * col}{_key_text(k)}: {render_scalar(v)}{nl}")
    return "".join(out)


def _insert(text: str, starts: list[int], p: _Pending, step: int, nl: str) -> Splice:
    if isinstance(p.node, CommentedMap):
        _first, last_line, col = _map_lines(p.node)
        end = _block_end(text, starts, last_line + 1, col, dash_ok=True)
        body = _render_tree(p.tree, col, step, nl)
    else:
        seq: CommentedSeq = p.node
        if not seq or seq.fa.flow_style():
            raise FixError("only block-style lists with items are extended")
        line0, col0 = seq.lc.item(len(seq) - 1)
        line = line_text(text, starts, line0 + 1)
        dash = line.rfind("-", 0, col0)
        if dash == -1:
            raise FixError("the list item has no dash on its line")
        end = _block_end(text, starts, line0 + 1, dash + 1, dash_ok=False)
        prefix = line[:dash] if not line[:dash].strip() else " " * dash
        gap = " " * max(col0 - dash - 1, 1)
        body = "".join(f"{prefix}-{gap}{render_scalar(item)}{nl}" for item in p.items)
    if end == len(text) and text and not text.endswith("\n"):
        body = nl + body
    return Splice(end, end, body)
