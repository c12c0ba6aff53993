"""Where a name gets its value: the ``let``, assignment or parameter in scope where the name is written,
or a const/static of the crate (for strings); and the expressions a function, block or closure gives
back. Everything here gives up (returns None) rather than guess."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from tree_sitter import Node
from viworks_lint.rust.context import Ctx
from viworks_lint.rust.parsing import ParsedFile
from viworks_lint.rust.syntax import path_segments, string_value, unparen

MAX_DEPTH = 12


@dataclass(frozen=True)
class Binding:
    kind: str  # "let" | "assign" | "param"
    value: Node | None
    type: Node | None
    decl: Node


def _pattern_binds(pf: ParsedFile, pattern: Node | None, name: str) -> bool:
    if pattern is None:
        return False
    if pattern.type == "identifier":
        return pf.text(pattern) == name
    if pattern.type == "mut_pattern":
        return any(_pattern_binds(pf, c, name) for c in pattern.named_children)
    return False


@dataclass(frozen=True)
class _Entry:
    name: str
    start: int
    decl_end: int
    scope: tuple[int, int]
    binding: Binding


def _fn_at(pf: ParsedFile, pos: int) -> Node | None:
    fns = pf.captures("function")
    starts = pf.memo.get("fn_starts")
    if not isinstance(starts, list):
        starts = [f.start_byte for f in fns]
        pf.memo["fn_starts"] = starts
    i = bisect.bisect_right(starts, pos) - 1
    while i >= 0:
        fn = fns[i]
        if fn.start_byte <= pos < fn.end_byte:
            return fn
        i -= 1
    return None


def _fn_bindings(pf: ParsedFile, fn: Node) -> dict[str, list[_Entry]]:
    key = ("bindings", fn.start_byte)
    cached = pf.memo.get(key)
    if isinstance(cached, dict):
        return cached
    table: dict[str, list[_Entry]] = {}

    def add(pattern: Node | None, start: int, decl_end: int, scope: Node, binding: Binding) -> None:
        if pattern is not None and pattern.type == "mut_pattern" and pattern.named_children:
            pattern = pattern.named_children[-1]
        if pattern is None or pattern.type != "identifier":
            return
        name = pf.text(pattern)
        table.setdefault(name, []).append(_Entry(name, start, decl_end, (scope.start_byte, scope.end_byte), binding))

    def add_params(owner: Node) -> None:
        params = owner.child_by_field_name("parameters")
        for param in params.named_children if params is not None else []:
            pat = param.child_by_field_name("pattern") if param.type == "parameter" else param
            add(pat, param.start_byte, param.end_byte, owner,
                Binding("param", None, param.child_by_field_name("type"), param))  # fmt: skip

    add_params(fn)
    stack = list(fn.named_children)
    seen = 0
    while stack and seen < 200_000:
        seen += 1
        node = stack.pop()
        kind = node.type
        if kind == "function_item":
            continue
        if kind == "let_declaration":
            scope = node.parent or fn
            add(node.child_by_field_name("pattern"), node.start_byte, node.end_byte, scope,
                Binding("let", node.child_by_field_name("value"), node.child_by_field_name("type"), node))  # fmt: skip
        elif kind == "assignment_expression":
            left = node.child_by_field_name("left")
            holder = node.parent
            if holder is not None and holder.type == "expression_statement" and holder.parent is not None:
                add(left, node.start_byte, node.end_byte, holder.parent,
                    Binding("assign", node.child_by_field_name("right"), None, node))  # fmt: skip
        elif kind == "closure_expression":
            add_params(node)
        stack.extend(node.named_children)
    pf.memo[key] = table
    return table


def find_binding(pf: ParsedFile, at: Node, name: str) -> Binding | None:
    """The ``let``/assignment/parameter that gives ``name`` its value where ``at`` is written."""
    pos = at.start_byte
    fn = _fn_at(pf, pos)
    if fn is None:
        return None
    best: _Entry | None = None
    for entry in _fn_bindings(pf, fn).get(name, ()):
        in_scope = entry.decl_end <= pos and entry.scope[0] <= pos < entry.scope[1]
        if in_scope and (best is None or entry.start > best.start):
            best = entry
    return best.binding if best is not None else None


def fn_returns(fn_node: Node) -> list[Node]:
    """Expressions a function body returns: the tail expression and ``return x`` expressions."""
    body = fn_node.child_by_field_name("body")
    if body is None:
        return []
    out: list[Node] = []
    tail = block_tail(body)
    if tail is not None:
        out.append(tail)
    stack = list(body.named_children)
    seen = 0
    while stack and seen < 20_000:
        seen += 1
        cur = stack.pop()
        if cur.type in ("closure_expression", "function_item", "async_block"):
            continue
        if cur.type == "return_expression":
            inner = cur.named_children
            if inner:
                out.append(inner[0])
            continue
        stack.extend(cur.named_children)
    return out


def block_tail(block: Node) -> Node | None:
    if block.type != "block":
        return block
    children = [c for c in block.named_children if c.type not in ("line_comment", "block_comment")]
    if not children:
        return None
    last = children[-1]
    if last.type.endswith("_expression") or last.type in (
        "identifier", "scoped_identifier", "string_literal", "integer_literal", "macro_invocation", "block",
    ):  # fmt: skip
        # A final expression_statement with ';' is not a tail, but tree-sitter wraps those.
        return last
    if last.type == "expression_statement" and last.named_children:
        inner = last.named_children[0]
        if last.child_count == 1 and inner.type in (
            "if_expression", "match_expression", "block", "unsafe_block", "loop_expression",
        ):  # fmt: skip
            return inner
    return None


def closure_result(node: Node | None) -> Node | None:
    node = unparen(node)
    if node is None or node.type != "closure_expression":
        return None
    body = node.child_by_field_name("body")
    if body is None:
        return None
    return block_tail(body) if body.type == "block" else body


def const_str(ctx: Ctx, node: Node, depth: int = 0) -> str | None:
    """A string literal, or a const/static (or local) bound to one."""
    node_ = unparen(node)
    if node_ is None or depth > MAX_DEPTH:
        return None
    lit = string_value(ctx.pf, node_)
    if lit is not None:
        return lit
    if node_.type == "identifier":
        b = find_binding(ctx.pf, node_, ctx.pf.text(node_))
        if b is not None:
            return const_str(ctx, b.value, depth + 1) if b.kind == "let" and b.value is not None else None
    if node_.type in ("identifier", "scoped_identifier"):
        const = ctx.resolve_const(path_segments(ctx.pf, node_))
        if const is not None:
            cctx = ctx.for_module(const.module, const.file)
            value = const.node.child_by_field_name("value")
            if cctx is not None and value is not None:
                return const_str(cctx, value, depth + 1)
    return None
