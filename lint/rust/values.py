"""Following values through the syntax tree: local ``let`` bindings, consts, env reads with literal
defaults, simple helper functions, config structs. Everything here gives up (returns None) rather
than guess."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from tree_sitter import Node
from viworks_lint.rust.modules import ConstDef, CrateIndex, FileInfo, FnDef, Module, StructDef
from viworks_lint.rust.parsing import ParsedFile
from viworks_lint.rust.syntax import (
    attribute_name,
    call_args,
    int_value,
    item_attributes,
    method_chain,
    path_segments,
    string_value,
    token_tree_parts,
    unparen,
)

MAX_DEPTH = 12

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


@dataclass(frozen=True)
class Addr:
    host: str | None = None
    port: int | None = None
    host_env: str | None = None
    port_env: str | None = None
    addr_env: str | None = None


@dataclass(frozen=True)
class Binding:
    kind: str  # "let" | "assign" | "param"
    value: Node | None
    type: Node | None
    decl: Node


@dataclass
class Ctx:
    index: CrateIndex
    info: FileInfo
    module: Module
    impl_type_: str | None = None
    anchor: Node | None = None  # a node inside the code; the enclosing impl block is found from it lazily

    @property
    def impl_type(self) -> str | None:
        if self.impl_type_ is None and self.anchor is not None:
            cur = self.anchor.parent
            while cur is not None:
                if cur.type == "impl_item":
                    segs = path_segments(self.info.parsed, cur.child_by_field_name("type"))
                    self.impl_type_ = segs[-1] if segs else None
                    break
                cur = cur.parent
            self.anchor = None
        return self.impl_type_

    @property
    def pf(self) -> ParsedFile:
        return self.info.parsed

    def for_fn(self, fn: FnDef) -> Ctx | None:
        info = self.index.info_for(fn.file, fn.module)
        if info is None:
            return None
        return Ctx(self.index, info, fn.module, fn.impl_type)

    def for_module(self, module: Module, pf: ParsedFile) -> Ctx | None:
        info = self.index.info_for(pf, module)
        if info is None:
            return None
        return Ctx(self.index, info, module, None)

    def resolve_fn(self, segs: list[str] | None) -> FnDef | None:
        if not segs:
            return None
        if segs[0] == "Self" and self.impl_type is not None:
            segs = [self.impl_type, *segs[1:]]
        return self.index.resolve_fn(self.module, segs)

    def resolve_struct(self, segs: list[str] | None) -> StructDef | None:
        if not segs:
            return None
        if segs[0] == "Self" and self.impl_type is not None:
            segs = [self.impl_type, *segs[1:]]
        return self.index.resolve_struct(self.module, segs)

    def resolve_const(self, segs: list[str] | None) -> ConstDef | None:
        if not segs:
            return None
        found = self.index.resolve(self.module, segs)
        return found if isinstance(found, ConstDef) else None


def ctx_at(index: CrateIndex, info: FileInfo, node: Node) -> Ctx:
    return Ctx(index, info, index.module_at(info, node), None, node)


# ---------------------------------------------------------------- bindings


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


# ---------------------------------------------------------------- env reads


ENV_FNS = {("env", "var"), ("env", "var_os"), ("dotenvy", "var"), ("dotenv", "var")}


def is_env_fn(ctx: Ctx, call: Node) -> bool:
    """``std::env::var(..)`` / ``env::var_os`` / ``dotenvy::var`` / an imported ``var``, whatever the argument."""
    segs = path_segments(ctx.pf, call.child_by_field_name("function"))
    if not segs:
        return False
    if len(segs) == 1:
        target = ctx.module.uses.get(segs[0])
        if target is None or len(target) < 2:
            return False
        segs = list(target)
    if tuple(segs[-2:]) not in ENV_FNS:
        return False
    return len(segs) <= 2 or segs[-3] in ("std", "crate", "self")


def env_call(ctx: Ctx, call: Node) -> tuple[str, Node] | None:
    """(name, name node) when ``call`` reads one environment variable by name."""
    if call.type != "call_expression" or not is_env_fn(ctx, call):
        return None
    args = call_args(call)
    if not args:
        return None
    name = const_str(ctx, args[0])
    if name is None:
        return None
    return name, args[0]


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


# ---------------------------------------------------------------- scalar values

_IP_CONSTS = {
    ("Ipv4Addr", "UNSPECIFIED"): "0.0.0.0",
    ("Ipv4Addr", "LOCALHOST"): "127.0.0.1",
    ("Ipv6Addr", "UNSPECIFIED"): "::",
    ("Ipv6Addr", "LOCALHOST"): "::1",
}


def closure_result(node: Node | None) -> Node | None:
    node = unparen(node)
    if node is None or node.type != "closure_expression":
        return None
    body = node.child_by_field_name("body")
    if body is None:
        return None
    return block_tail(body) if body.type == "block" else body


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


def envy_source(ctx: Ctx, expr: Node, type_node: Node | None) -> tuple[StructDef, str] | None:
    """When ``expr`` is ``envy::from_env::<T>()`` (or ``envy::prefixed(P).from_env``), T and P."""
    root, methods = method_chain(expr)
    pf = ctx.pf
    call: Node | None = None
    prefix = ""
    func = root.child_by_field_name("function") if root.type == "call_expression" else None
    segs = path_segments(pf, func) or []
    if segs[-2:] == ["envy", "from_env"]:
        call = root
    elif segs[-2:] == ["envy", "prefixed"] and methods and methods[0].name == "from_env":
        args = call_args(root)
        p = const_str(ctx, args[0]) if args else None
        if p is None:
            return None
        prefix = p
        call = methods[0].call
    if call is None:
        return None
    targs = None
    f = call.child_by_field_name("function")
    if f is not None and f.type == "generic_function":
        targs = f.child_by_field_name("type_arguments")
    type_src: Node | None = type_node
    if targs is not None and targs.named_children:
        type_src = targs.named_children[0]
    found = _struct_from_type(ctx, type_src)
    return (found, prefix) if found is not None else None


def _struct_from_type(ctx: Ctx, type_node: Node | None) -> StructDef | None:
    if type_node is None:
        return None
    if type_node.type == "generic_type":
        segs = path_segments(ctx.pf, type_node.child_by_field_name("type")) or []
        targs = type_node.child_by_field_name("type_arguments")
        if segs and segs[-1] in ("Result", "Option", "Box", "Arc") and targs is not None and targs.named_children:
            return _struct_from_type(ctx, targs.named_children[0])
    return ctx.resolve_struct(path_segments(ctx.pf, type_node))


def attr_groups(pf: ParsedFile, item: Node, names: tuple[str, ...]) -> list[list[Node]]:
    out: list[list[Node]] = []
    for attr in item_attributes(item):
        name = attribute_name(pf, attr)
        if name and name[-1] in names:
            out.extend(token_tree_parts(attr))
    return out
