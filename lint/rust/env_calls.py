"""Reads of the environment as the code writes them: a ``std::env::var``/``dotenvy::var`` call of one
variable by name, and ``envy::from_env::<T>()`` with the struct it fills and its prefix."""

from __future__ import annotations

from tree_sitter import Node
from viworks_lint.rust.bindings import const_str
from viworks_lint.rust.context import Ctx
from viworks_lint.rust.modules import StructDef
from viworks_lint.rust.syntax import call_args, method_chain, path_segments

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
