"""Small helpers on Rust syntax trees: literal values, paths, method chains, call arguments, attributes,
and whether an item is built only for tests.

Nothing here looks at the source text with patterns: every fact comes from node types and fields.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from tree_sitter import Node
from viworks_lint.rust.parsing import ParsedFile

_NON_ARGS = frozenset({"line_comment", "block_comment", "attribute_item"})
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'"}


def unparen(node: Node | None) -> Node | None:
    """Strip parentheses and ``&``/``&mut`` around an expression."""
    while node is not None and node.type in ("parenthesized_expression", "reference_expression"):
        inner = node.named_children
        node = inner[-1] if inner else None
        if node is not None and node.type == "mutable_specifier":
            node = None
    return node


def string_value(pf: ParsedFile, node: Node | None) -> str | None:
    """The value of a string literal node (escapes decoded), else None."""
    if node is None:
        return None
    if node.type == "raw_string_literal":
        for child in node.named_children:
            if child.type == "string_content":
                return pf.text(child)
        return ""
    if node.type != "string_literal":
        return None
    parts: list[str] = []
    for child in node.named_children:
        if child.type == "string_content":
            parts.append(pf.text(child))
        elif child.type == "escape_sequence":
            parts.append(_unescape(pf.text(child)))
    return "".join(parts)


def _unescape(esc: str) -> str:
    body = esc[1:]
    if body in _ESCAPES:
        return _ESCAPES[body]
    try:
        if body.startswith("u{") and body.endswith("}"):
            return chr(int(body[2:-1].replace("_", ""), 16))
        if body.startswith("x") and len(body) == 3:
            return chr(int(body[1:], 16))
    except ValueError:
        pass
    if body.startswith("\n") or body.startswith("\r"):
        return ""
    return esc


def int_value(pf: ParsedFile, node: Node | None) -> int | None:
    if node is None or node.type != "integer_literal":
        return None
    text = pf.text(node).replace("_", "")
    for suffix in ("usize", "isize", "u128", "i128", "u64", "i64", "u32", "i32", "u16", "i16", "u8", "i8"):
        if text.endswith(suffix):
            text = text[: -len(suffix)]
            break
    try:
        return int(text, 0)
    except ValueError:
        return None


def path_segments(pf: ParsedFile, node: Node | None) -> list[str] | None:
    """``a::b::c`` / ``Router::<S>::new`` / ``crate::x`` as segment names; None for other nodes."""
    if node is None:
        return None
    kind = node.type
    if kind in ("identifier", "type_identifier", "crate", "self", "super", "field_identifier"):
        return [pf.text(node)]
    if kind == "generic_function":
        return path_segments(pf, node.child_by_field_name("function"))
    if kind == "generic_type":
        return path_segments(pf, node.child_by_field_name("type"))
    if kind in ("scoped_identifier", "scoped_type_identifier"):
        name = node.child_by_field_name("name")
        prefix = node.child_by_field_name("path")
        head: list[str] | None = [] if prefix is None else path_segments(pf, prefix)
        if head is None or name is None:
            return None
        return [*head, pf.text(name)]
    return None


@dataclass(frozen=True)
class MethodCall:
    name: str
    args: tuple[Node, ...]
    name_node: Node
    call: Node


def method_chain(node: Node) -> tuple[Node, list[MethodCall]]:
    """Split ``root.a(x).b(y)?.await`` into (root, [a, b]) innermost first; ``?``/``.await`` are skipped."""
    calls: list[MethodCall] = []
    cur = node
    for _ in range(10_000):
        kind = cur.type
        if kind in ("try_expression", "await_expression", "parenthesized_expression"):
            inner = cur.named_children
            if not inner:
                break
            cur = inner[0]
            continue
        if kind != "call_expression":
            break
        func = cur.child_by_field_name("function")
        if func is not None and func.type == "generic_function":
            func = func.child_by_field_name("function")
        if func is None or func.type != "field_expression":
            break
        field_node = func.child_by_field_name("field")
        value = func.child_by_field_name("value")
        if field_node is None or value is None:
            break
        args_node = cur.child_by_field_name("arguments")
        args = tuple(args_node.named_children) if args_node is not None else ()
        if any(a.type in _NON_ARGS for a in args):
            args = tuple(a for a in args if a.type not in _NON_ARGS)
        raw = field_node.text
        calls.append(MethodCall(raw.decode("utf-8", "replace") if raw else "", args, field_node, cur))
        cur = value
    calls.reverse()
    return cur, calls


def chain_top(node: Node) -> Node:
    """The outermost expression of the method chain ``node`` is the receiver of."""
    cur = node
    for _ in range(10_000):
        parent = cur.parent
        if parent is None:
            break
        if parent.type in ("try_expression", "await_expression"):
            cur = parent
            continue
        if parent.type == "field_expression" and parent.child_by_field_name("value") == cur:
            grand = parent.parent
            if grand is not None and grand.type == "generic_function":
                grand = grand.parent
            if grand is not None and grand.type == "call_expression":
                cur = grand
                continue
        break
    return cur


def is_chain_top(node: Node) -> bool:
    """True unless ``node`` is the receiver of a further method call (``node.x()``, ``node?.x()``)."""
    cur = node
    parent = cur.parent
    while parent is not None and parent.type in ("try_expression", "await_expression"):
        cur, parent = parent, parent.parent
    if parent is None or parent.type != "field_expression":
        return True
    grand = parent.parent
    if grand is not None and grand.type == "generic_function":
        grand = grand.parent
    return not (grand is not None and grand.type == "call_expression" and parent.child_by_field_name("value") == cur)


def call_args(node: Node) -> list[Node]:
    args = node.child_by_field_name("arguments")
    if args is None:
        return []
    return [a for a in args.named_children if a.type not in ("line_comment", "block_comment", "attribute_item")]


def item_attributes(node: Node) -> list[Node]:
    """``attribute`` nodes written just before an item (doc comments skipped)."""
    attrs: list[Node] = []
    sib = node.prev_sibling
    while sib is not None and sib.type in ("attribute_item", "line_comment", "block_comment"):
        if sib.type == "attribute_item":
            for child in sib.named_children:
                if child.type == "attribute":
                    attrs.append(child)
        sib = sib.prev_sibling
    attrs.reverse()
    return attrs


def attribute_name(pf: ParsedFile, attr: Node) -> list[str]:
    first = attr.named_children[0] if attr.named_children else None
    return path_segments(pf, first) or []


def token_tree_parts(attr_or_tt: Node) -> list[list[Node]]:
    """Top-level comma-separated token groups of an attribute's (or macro's) token tree."""
    tt = attr_or_tt
    if tt.type == "attribute":
        found = attr_or_tt.child_by_field_name("arguments")
        if found is None:
            return []
        tt = found
    groups: list[list[Node]] = [[]]
    children = tt.children
    for child in children[1:-1] if len(children) >= 2 else children:
        if child.type == ",":
            groups.append([])
        else:
            groups[-1].append(child)
    return [g for g in groups if g]


def attr_groups(pf: ParsedFile, item: Node, names: tuple[str, ...]) -> list[list[Node]]:
    out: list[list[Node]] = []
    for attr in item_attributes(item):
        name = attribute_name(pf, attr)
        if name and name[-1] in names:
            out.extend(token_tree_parts(attr))
    return out


def has_cfg_test(pf: ParsedFile, node: Node) -> bool:
    for attr in item_attributes(node):
        name = attribute_name(pf, attr)
        if name and name[-1] == "test":
            return True
        if name == ["cfg"]:
            args = attr.child_by_field_name("arguments")
            if args is not None and _tt_is_test(pf, args):
                return True
    return False


def has_cfg_feature(pf: ParsedFile, node: Node) -> bool:
    """The item exists only for some set of Cargo features (`#[cfg(feature = "x")]`, `#[cfg(not(feature =
    …))]`, `all(…)`/`any(…)` with one): whether the build enables it is not read here."""
    for attr in item_attributes(node):
        if attribute_name(pf, attr) == ["cfg"]:
            args = attr.child_by_field_name("arguments")
            if args is not None and re.search(r"\bfeature\s*=", pf.text(args)):
                return True
    return False


# features that exist to build tests, mocks and fixtures: a production image does not enable them
_TEST_FEATURE = re.compile(
    r"(?:^|[-_])(?:tests?|testing|e2e|mocks?|mocking|fakes?|fixtures?|bench(?:es|mark)?)(?:$|[-_])"
)


def _tt_is_test(pf: ParsedFile, tt: Node) -> bool:
    """The cfg predicate holds only in test builds: `test`, a test/mock feature (`feature = "e2e_tests"`),
    `all(…)` with one of those, `any(…)` of only those; never `not(test)`."""
    parts = token_tree_parts(tt)
    return len(parts) == 1 and _only_in_tests(pf, parts[0])


def _only_in_tests(pf: ParsedFile, group: list[Node]) -> bool:
    if not group or group[0].type != "identifier":
        return False
    head = pf.text(group[0])
    if len(group) == 1:
        return head == "test"
    if head == "feature" and len(group) == 3 and group[2].type == "string_literal":
        return bool(_TEST_FEATURE.search(pf.text(group[2]).strip('"')))
    if len(group) == 2 and group[1].type == "token_tree" and head in ("all", "any"):
        inner = token_tree_parts(group[1])
        hits = [_only_in_tests(pf, g) for g in inner]
        return any(hits) if head == "all" else bool(hits) and all(hits)
    return False


def walk_named(node: Node, max_nodes: int = 2_000_000) -> Iterator[Node]:
    """Iterative pre-order walk over named nodes (no recursion, so deep trees are safe)."""
    stack = [node]
    seen = 0
    while stack and seen < max_nodes:
        cur = stack.pop()
        seen += 1
        yield cur
        stack.extend(reversed(cur.named_children))
