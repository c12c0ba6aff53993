"""Env reads through helper functions.

``fn env_var(name: &str) -> String { std::env::var(name).expect("..") }`` called as
``env_var("DATABASE_URL")`` reads ``DATABASE_URL``: the read is reported at the call site's name
argument, required or optional as the helper (or, when the helper hands the unset case back as a
``Result``/``Option``, as the call site) makes it. Helpers calling helpers are followed a few levels,
across modules. A helper that passes the name on to anything else (a format string, an unknown
function) yields no read.
"""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node
from viworks_lint.rust.bindings import block_tail, closure_result, const_str, find_binding
from viworks_lint.rust.context import Ctx, ctx_at
from viworks_lint.rust.env import _KEEP, classify
from viworks_lint.rust.env_calls import is_env_fn
from viworks_lint.rust.facts import EnvRead
from viworks_lint.rust.modules import CrateIndex, FileInfo, FnDef
from viworks_lint.rust.parsing import ParsedFile, free_calls
from viworks_lint.rust.syntax import call_args, method_chain, path_segments, unparen

_MAX_LEVELS = 3
# Methods that hand on the name (or the default) unchanged: `&name`, `name.as_str()`, `d.to_string()`.
_SAME_STR = frozenset({"as_str", "as_ref", "to_string", "to_owned", "into", "clone", "borrow", "as_os_str"})
_TRANSPARENT = frozenset({*_KEEP, "ok"})

FnKey = tuple[str, int]


@dataclass(frozen=True)
class Helper:
    fn: FnDef
    param: int  # position of the name among the call's arguments
    propagates: bool  # the unset case is returned to the caller (Err/None), which then decides
    required: bool = False  # when it does not propagate: does the helper fail on an unset variable
    default: str | None = None
    default_param: int | None = None  # the default is the caller's argument at this position


def helper_env_reads(
    index: CrateIndex, unnamed: list[tuple[FileInfo, Node]], in_build_script: bool = False
) -> list[EnvRead]:
    """Reads made by calling env helpers with a literal (or const) name. ``unnamed``: the env reads
    (``std::env::var(x)``) whose name is not a constant, where helpers are found."""
    if not unnamed:
        return []
    helpers = _find_helpers(index, unnamed)
    if not helpers:
        return []
    out: list[EnvRead] = []
    for info, call, helper, ctx in _helper_calls(index, helpers):
        args = call_args(call)
        if helper.param >= len(args):
            continue
        name = const_str(ctx, args[helper.param])
        if name is None:
            continue
        if helper.propagates:
            required, default = classify(ctx, call)
        else:
            required, default = helper.required, helper.default
        dp = helper.default_param
        if default is None and not required and dp is not None and dp < len(args):
            default = const_str(ctx, _strip_same(args[dp]) or args[dp])
        location = info.parsed.location(args[helper.param])
        out.append(EnvRead(name, "runtime", required, location, in_build_script, default))
    return out


# ---------------------------------------------------------------- finding helpers


def _find_helpers(index: CrateIndex, unnamed: list[tuple[FileInfo, Node]]) -> dict[tuple[FnKey, int], Helper]:
    helpers: dict[tuple[FnKey, int], Helper] = {}
    # Level 1: functions reading the variable their parameter names.
    for info, call in unnamed:
        args = call_args(call)
        if not args or index.is_excluded(info, call):
            continue
        found = _param_of(info.parsed, args[0])
        if found is None:
            continue
        ctx = ctx_at(index, info, call)
        if is_env_fn(ctx, call):
            _add_helper(helpers, index, info, ctx, call, found, None)
    # Further levels: functions handing their parameter to a helper as its name.
    fresh = dict(helpers)
    for _ in range(_MAX_LEVELS - 1):
        if not fresh:
            break
        found_now: dict[tuple[FnKey, int], Helper] = {}
        for info, call, inner, ctx in _helper_calls(index, fresh):
            args = call_args(call)
            if inner.param >= len(args):
                continue
            param = _param_of(info.parsed, args[inner.param])
            if param is not None:
                _add_helper(found_now, index, info, ctx, call, param, inner, known=helpers)
        fresh = {k: v for k, v in found_now.items() if k not in helpers}
        helpers.update(fresh)
    return helpers


def _add_helper(
    out: dict[tuple[FnKey, int], Helper],
    index: CrateIndex,
    info: FileInfo,
    ctx: Ctx,
    call: Node,
    param: tuple[Node, int],
    inner: Helper | None,
    known: dict[tuple[FnKey, int], Helper] | None = None,
) -> None:
    """Record the function owning ``call`` as a helper: ``call`` reads the variable named by its parameter."""
    fn_node, pos = param
    fn = _fn_def(index, info, fn_node)
    if fn is None:
        return
    key = (fn.key, pos)
    if key in out or (known is not None and key in known):
        return
    pf = info.parsed
    if inner is not None and not inner.propagates:
        # The inner helper decides; its default may be one of our parameters or a literal we pass.
        default, passed_on = inner.default, None
        args = call_args(call)
        if default is None and inner.default_param is not None and inner.default_param < len(args):
            darg = args[inner.default_param]
            got = _param_of(pf, darg)
            if got is not None and got[0] == fn_node:
                passed_on = got[1]
            else:
                default = const_str(ctx, _strip_same(darg) or darg)
        out[key] = Helper(fn, pos, False, inner.required, default, passed_on)
        return
    if _propagates(call, fn_node):
        out[key] = Helper(fn, pos, True)
        return
    required, default = classify(ctx, call)
    default_param: int | None = None
    if default is None and not required:
        fallback = _fallback_expr(pf, call)
        got = _param_of(pf, fallback) if fallback is not None else None
        if got is not None and got[0] == fn_node:
            default_param = got[1]
    out[key] = Helper(fn, pos, False, required, default, default_param)


def _strip_same(expr: Node | None) -> Node | None:
    """``&name`` / ``name.as_str()`` / ``name.to_string()`` -> ``name``."""
    expr = unparen(expr)
    for _ in range(8):
        if expr is None:
            return None
        if expr.type == "reference_expression":
            expr = unparen(expr.child_by_field_name("value"))
            continue
        if expr.type == "call_expression":
            root, methods = method_chain(expr)
            if methods and all(m.name in _SAME_STR and not m.args for m in methods):
                expr = unparen(root)
                continue
        break
    return expr


def _param_of(pf: ParsedFile, expr: Node | None) -> tuple[Node, int] | None:
    """When ``expr`` is (a borrow of) a function parameter: that function and the parameter's position."""
    ident = _strip_same(expr)
    if ident is None or ident.type != "identifier":
        return None
    b = find_binding(pf, ident, pf.text(ident))
    if b is None or b.kind != "param":
        return None
    params = b.decl.parent
    owner = params.parent if params is not None else None
    if params is None or owner is None or owner.type != "function_item":
        return None
    pos = 0
    for child in params.named_children:
        if child.type not in ("parameter", "self_parameter"):
            continue
        if child == b.decl:
            return owner, pos
        pos += 1
    return None


def _fn_def(index: CrateIndex, info: FileInfo, fn_node: Node) -> FnDef | None:
    name_node = fn_node.child_by_field_name("name")
    if name_node is None:
        return None
    name = info.parsed.text(name_node)
    module = index.module_at(info, fn_node)
    candidates = [module.fns.get(name), *(fns.get(name) for fns in module.impl_fns.values())]
    for fn in candidates:
        if fn is not None and fn.same_item(fn_node):
            return fn
    return None


def _propagates(call: Node, fn_node: Node) -> bool:
    """True when the Result/Option of ``call`` leaves the function: ``?``, or returned (``Ok(..)``, tail)."""
    body = fn_node.child_by_field_name("body")
    cur = call
    for _ in range(100):
        parent = cur.parent
        if parent is None:
            return False
        ptype = parent.type
        if ptype in ("parenthesized_expression", "await_expression"):
            cur = parent
            continue
        if ptype == "try_expression" or ptype == "return_expression":
            return True
        if ptype == "field_expression" and parent.child_by_field_name("value") == cur:
            method_call = parent.parent
            if method_call is None or method_call.type != "call_expression":
                return False
            if _text(parent.child_by_field_name("field")) not in _TRANSPARENT:
                return False
            cur = method_call
            continue
        if ptype == "arguments":
            wrapper = parent.parent
            func = wrapper.child_by_field_name("function") if wrapper is not None else None
            if wrapper is None or func is None or func.type != "identifier" or _text(func) not in ("Ok", "Some"):
                return False
            cur = wrapper
            continue
        return ptype == "block" and parent == body and block_tail(parent) == cur
    return False


def _fallback_expr(pf: ParsedFile, call: Node) -> Node | None:
    """The default given to ``call``'s result: ``.unwrap_or(d)`` / ``.unwrap_or_else(|_| d)``."""
    cur = call
    for _ in range(50):
        parent = cur.parent
        if parent is None:
            return None
        if parent.type in ("parenthesized_expression", "await_expression"):
            cur = parent
            continue
        if parent.type != "field_expression" or parent.child_by_field_name("value") != cur:
            return None
        method_call = parent.parent
        if method_call is None or method_call.type != "call_expression":
            return None
        method = pf.text(parent.child_by_field_name("field"))
        args = call_args(method_call)
        if method in ("unwrap_or", "or") and args:
            return args[0]
        if method in ("unwrap_or_else", "or_else") and args:
            return closure_result(args[0])
        if method not in _TRANSPARENT:
            return None
        cur = method_call
    return None


def _text(node: Node | None) -> str:
    raw = node.text if node is not None else None
    return raw.decode("utf-8", "replace") if raw else ""


# ---------------------------------------------------------------- call sites


def _helper_calls(
    index: CrateIndex, helpers: dict[tuple[FnKey, int], Helper]
) -> list[tuple[FileInfo, Node, Helper, Ctx]]:
    """Every free call (``f(..)``, ``m::f(..)``, ``Self::f(..)``, ``f::<T>(..)``) of a helper."""
    by_fn: dict[FnKey, list[Helper]] = {}
    for (fkey, _), helper in helpers.items():
        by_fn.setdefault(fkey, []).append(helper)
    names = {h.fn.name for h in helpers.values()}
    for info in index.file_infos():  # `use crate::config::env_var as ev;` calls it `ev`
        for module in (info.module, *info.inline):
            names.update(alias for alias, target in module.uses.items() if target and target[-1] in names)
    out: list[tuple[FileInfo, Node, Helper, Ctx]] = []
    for info in index.file_infos():
        pf = info.parsed
        for call in free_calls(pf):
            func = call.child_by_field_name("function")
            segs = path_segments(pf, func)
            if not segs or segs[-1] not in names or index.is_excluded(info, call):
                continue
            ctx = ctx_at(index, info, call)
            fn = ctx.resolve_fn(segs)
            if fn is None or fn.key not in by_fn:
                continue
            for helper in by_fn[fn.key]:
                out.append((info, call, helper, ctx))
    return out
