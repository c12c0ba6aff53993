"""Following values through the syntax tree: literals, local bindings, consts, env reads with literal
defaults, ``format!`` strings, simple helper functions, config struct fields. Everything here gives up
(returns None) rather than guess."""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node
from viworks_lint.rust.bindings import MAX_DEPTH, block_tail, closure_result, find_binding, fn_returns
from viworks_lint.rust.context import Ctx
from viworks_lint.rust.env_calls import env_call, envy_source
from viworks_lint.rust.syntax import (
    call_args,
    int_value,
    method_chain,
    path_segments,
    string_value,
    token_tree_parts,
    unparen,
)

# Methods that keep the value (or its default) of the expression they are called on.
PASSTHROUGH = frozenset(
    {
        "unwrap", "expect", "parse", "into", "to_string", "to_owned", "as_str", "as_ref", "as_deref",
        "clone", "trim", "ok", "map_err", "context", "with_context", "wrap_err", "wrap_err_with",
        "into_string", "to_str", "to_string_lossy", "unwrap_or_default", "ok_or", "ok_or_else", "borrow",
        "cloned", "copied", "into_owned", "into_inner", "to_socket_addrs", "next", "await",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Val:
    """A value we could follow: its literal text (or literal default) and the env var overriding it."""

    text: str | None = None
    env: str | None = None


# ---------------------------------------------------------------- scalar values

_IP_CONSTS = {
    ("Ipv4Addr", "UNSPECIFIED"): "0.0.0.0",
    ("Ipv4Addr", "LOCALHOST"): "127.0.0.1",
    ("Ipv6Addr", "UNSPECIFIED"): "::",
    ("Ipv6Addr", "LOCALHOST"): "::1",
}


def eval_str(ctx: Ctx, node: Node | None, depth: int = 0) -> Val | None:
    node = unparen(node)
    if node is None or depth > MAX_DEPTH:
        return None
    pf = ctx.pf
    kind = node.type
    lit = string_value(pf, node)
    if lit is not None:
        return Val(lit)
    if kind == "integer_literal":
        iv = int_value(pf, node)
        return Val(str(iv)) if iv is not None else None
    if kind in ("try_expression", "await_expression", "type_cast_expression"):
        inner = node.named_children
        return eval_str(ctx, inner[0], depth + 1) if inner else None
    if kind == "block":
        return eval_str(ctx, block_tail(node), depth + 1)
    if kind == "identifier":
        b = find_binding(pf, node, pf.text(node))
        if b is not None:
            if b.kind in ("let", "assign") and b.value is not None:
                return eval_str(ctx, b.value, depth + 1)
            return None
        return _eval_const(ctx, node, depth)
    if kind == "scoped_identifier":
        segs = path_segments(pf, node) or []
        if len(segs) >= 2 and (segs[-2], segs[-1]) in _IP_CONSTS:
            return Val(_IP_CONSTS[(segs[-2], segs[-1])])
        return _eval_const(ctx, node, depth)
    if kind == "field_expression":
        return eval_field(ctx, node, depth + 1)
    if kind == "macro_invocation":
        return _eval_format(ctx, node, depth)
    if kind == "call_expression":
        return _eval_call(ctx, node, depth)
    return None


def _eval_const(ctx: Ctx, node: Node, depth: int) -> Val | None:
    const = ctx.resolve_const(path_segments(ctx.pf, node))
    if const is None:
        return None
    cctx = ctx.for_module(const.module, const.file)
    value = const.node.child_by_field_name("value")
    return eval_str(cctx, value, depth + 1) if cctx is not None else None


def _eval_call(ctx: Ctx, node: Node, depth: int) -> Val | None:
    pf = ctx.pf
    env = env_call(ctx, node)
    if env is not None:
        return Val(None, env[0])
    root, methods = method_chain(node)
    if methods:
        base = eval_str(ctx, root, depth + 1)
        if base is None:
            return None
        text, env_name = base.text, base.env
        for m in methods:
            if m.name in ("unwrap_or", "or") and m.args:
                if text is None:
                    dv = eval_str(ctx, m.args[0], depth + 1)
                    text = dv.text if dv is not None else None
            elif m.name in ("unwrap_or_else", "or_else") and m.args:
                if text is None:
                    dv = eval_str(ctx, closure_result(m.args[0]), depth + 1)
                    text = dv.text if dv is not None else None
            elif m.name in ("and_then", "map") and m.args:
                continue
            elif m.name not in PASSTHROUGH:
                return None
        return Val(text, env_name)
    segs = path_segments(pf, node.child_by_field_name("function")) or []
    args = call_args(node)
    if segs and segs[-1] in ("from", "new") and len(segs) >= 2 and segs[-2] in ("String", "Some", "Ok") and args:
        return eval_str(ctx, args[0], depth + 1)
    if segs in (["Some"], ["Ok"]) and args:
        return eval_str(ctx, args[0], depth + 1)
    fn = ctx.resolve_fn(segs)
    if fn is not None and not call_args(node):
        fctx = ctx.for_fn(fn)
        if fctx is None:
            return None
        for ret in fn_returns(fn.node):
            val = eval_str(fctx, ret, depth + 1)
            if val is not None:
                return val
    return None


def format_pieces(ctx: Ctx, mac: Node, depth: int) -> list[str | Val | None] | None:
    """``format!("{}:{port}", host)`` as literal pieces and evaluated placeholders (None: unknown)."""
    pf = ctx.pf
    segs = path_segments(pf, mac.child_by_field_name("macro")) or []
    if not segs or segs[-1] != "format":
        return None
    tt = next((c for c in mac.named_children if c.type == "token_tree"), None)
    if tt is None:
        return None
    groups = token_tree_parts(tt)
    if not groups:
        return None
    fmt = string_value(pf, groups[0][0]) if len(groups[0]) == 1 else None
    if fmt is None:
        return None
    positional: list[list[Node]] = []
    named: dict[str, list[Node]] = {}
    for group in groups[1:]:
        if len(group) >= 3 and group[0].type == "identifier" and group[1].type == "=":
            named[pf.text(group[0])] = group[2:]
        else:
            positional.append(group)
    pieces: list[str | Val | None] = []
    i, next_pos = 0, 0
    buf: list[str] = []
    while i < len(fmt):
        ch = fmt[i]
        if ch in "{}" and i + 1 < len(fmt) and fmt[i + 1] == ch:
            buf.append(ch)
            i += 2
            continue
        if ch == "{":
            end = fmt.find("}", i)
            if end < 0:
                return None
            spec = fmt[i + 1 : end].split(":", 1)[0].strip()
            if buf:
                pieces.append("".join(buf))
                buf = []
            tokens: list[Node] | None
            if spec == "":
                tokens = positional[next_pos] if next_pos < len(positional) else None
                next_pos += 1
            elif spec.isdecimal():
                idx = int(spec)
                tokens = positional[idx] if idx < len(positional) else None
            else:
                tokens = named.get(spec)
                if tokens is None:
                    pieces.append(_eval_name_at(ctx, mac, spec, depth))
                    i = end + 1
                    continue
            pieces.append(_eval_tokens(ctx, tokens, depth) if tokens is not None else None)
            i = end + 1
            continue
        buf.append(ch)
        i += 1
    if buf:
        pieces.append("".join(buf))
    return pieces


def _eval_name_at(ctx: Ctx, at: Node, name: str, depth: int) -> Val | None:
    b = find_binding(ctx.pf, at, name)
    if b is not None and b.kind in ("let", "assign") and b.value is not None:
        return eval_str(ctx, b.value, depth + 1)
    if b is None:
        const = ctx.resolve_const([name])
        if const is not None:
            cctx = ctx.for_module(const.module, const.file)
            return eval_str(cctx, const.node.child_by_field_name("value"), depth + 1) if cctx else None
    return None


def _eval_tokens(ctx: Ctx, tokens: list[Node], depth: int) -> Val | None:
    """A macro argument given as raw tokens: a literal, a name, or ``a.b.c`` field access."""
    if len(tokens) == 1:
        tok = tokens[0]
        if tok.type == "identifier":
            return _eval_name_at(ctx, tok, ctx.pf.text(tok), depth)
        return eval_str(ctx, tok, depth + 1)
    if len(tokens) >= 3 and tokens[0].type == "identifier" and len(tokens) % 2 == 1:
        fields: list[str] = []
        for j in range(1, len(tokens), 2):
            if tokens[j].type != "." or tokens[j + 1].type not in ("identifier", "field_identifier"):
                return None
            fields.append(ctx.pf.text(tokens[j + 1]))
        return field_value(ctx, tokens[0], fields, depth + 1)
    return None


def _eval_format(ctx: Ctx, mac: Node, depth: int) -> Val | None:
    pieces = format_pieces(ctx, mac, depth + 1)
    if pieces is None:
        return None
    out: list[str] = []
    for piece in pieces:
        if isinstance(piece, str):
            out.append(piece)
        elif piece is not None and piece.text is not None:
            out.append(piece.text)
        else:
            return None
    return Val("".join(out))


# ---------------------------------------------------------------- struct fields


def eval_field(ctx: Ctx, node: Node, depth: int) -> Val | None:
    fields: list[str] = []
    cur: Node | None = node
    while cur is not None and cur.type == "field_expression":
        f = cur.child_by_field_name("field")
        if f is None:
            return None
        fields.append(ctx.pf.text(f))
        cur = unparen(cur.child_by_field_name("value"))
    if cur is None or cur.type != "identifier":
        return None
    fields.reverse()
    return field_value(ctx, cur, fields, depth)


def field_value(ctx: Ctx, base: Node, fields: list[str], depth: int) -> Val | None:
    if depth > MAX_DEPTH or not fields:
        return None
    b = find_binding(ctx.pf, base, ctx.pf.text(base))
    if b is None or b.value is None:
        return None
    return _field_of_expr(ctx, b.value, b.type, fields, depth + 1)


def _field_of_expr(ctx: Ctx, expr: Node | None, type_node: Node | None, fields: list[str], depth: int) -> Val | None:
    from viworks_lint.rust.structs import clap_fields, envy_fields

    expr = unparen(expr)
    if expr is None or depth > MAX_DEPTH:
        return None
    pf = ctx.pf
    if expr.type == "struct_expression":
        body = expr.child_by_field_name("body")
        for init in body.named_children if body is not None else []:
            if init.type == "field_initializer":
                fname = init.child_by_field_name("field")
                if fname is not None and pf.text(fname) == fields[0]:
                    value = init.child_by_field_name("value")
                    if len(fields) == 1:
                        return eval_str(ctx, value, depth + 1)
                    return _field_of_expr(ctx, value, None, fields[1:], depth + 1)
            elif init.type == "shorthand_field_initializer":
                ident = init.named_children[0] if init.named_children else None
                if ident is not None and pf.text(ident) == fields[0]:
                    if len(fields) == 1:
                        return eval_str(ctx, ident, depth + 1)
                    return field_value(ctx, ident, fields[1:], depth + 1)
        return None
    if expr.type == "identifier":
        return field_value(ctx, expr, fields, depth + 1)
    if expr.type in ("try_expression", "await_expression"):
        inner = expr.named_children
        return _field_of_expr(ctx, inner[0] if inner else None, type_node, fields, depth + 1)
    if expr.type != "call_expression":
        return None
    chain_root, methods = method_chain(expr)
    if not methods:
        wrap = path_segments(pf, expr.child_by_field_name("function")) or []
        wrapped = call_args(expr)
        if wrap in (["Ok"], ["Some"]) and len(wrapped) == 1:
            return _field_of_expr(ctx, wrapped[0], type_node, fields, depth + 1)
    if any(m.name not in PASSTHROUGH and m.name != "from_env" for m in methods):
        return None
    envy = envy_source(ctx, expr, type_node)
    if envy is not None:
        struct, prefix = envy
        if len(fields) != 1:
            return None
        for ef in envy_fields(ctx.index, struct, prefix):
            if ef.field == fields[0]:
                return Val(ef.default, ef.name)
        return None
    root = unparen(chain_root)
    if root is None or root.type != "call_expression":
        return None
    segs = path_segments(pf, root.child_by_field_name("function")) or []
    if len(segs) >= 2 and segs[-1] in ("parse", "try_parse"):
        clap_struct = ctx.resolve_struct(segs[:-1])
        if clap_struct is not None and len(fields) == 1:
            for cf in clap_fields(ctx.index, clap_struct):
                if cf.field == fields[0]:
                    return Val(cf.default, cf.name)
        return None
    fn = ctx.resolve_fn(segs)
    if fn is None:
        return None
    fctx = ctx.for_fn(fn)
    if fctx is None:
        return None
    ret_type = fn.node.child_by_field_name("return_type")
    for ret in fn_returns(fn.node):
        val = _field_of_expr(fctx, ret, ret_type, fields, depth + 1)
        if val is not None:
            return val
    return None
