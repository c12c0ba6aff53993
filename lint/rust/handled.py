"""Whether a required env read only hands an error back to callers that handle it: the read returns an
``Err`` when the variable is unset (``?``, ``Err(_) => return Err(..)``, a let-else returning one) rather
than panicking, and every call of its function (and, in turn, of the functions that pass the error on)
logs or ignores the error (``match f() { Err(e) => log(e) }``, ``let _ = f()``, ``if let Ok(x) = f()``)
or is a request handler, whose error becomes an HTTP response. The service starts without the variable;
only the feature that needs it fails.

Everything unsure counts as a failure: a call bound to a name (its `?` may come later), an `unwrap`, a
function nobody calls by name (a callback), a `?` inside a closure or async block, `main`."""

from __future__ import annotations

import re

from tree_sitter import Node
from viworks_lint.rust.modules import CrateIndex, FileInfo
from viworks_lint.rust.parsing import ParsedFile
from viworks_lint.rust.reach import _call_sites, enclosing_fn
from viworks_lint.rust.syntax import path_segments

_MAX_DEPTH = 4
_KEEP = frozenset(
    {"map_err", "context", "with_context", "wrap_err", "wrap_err_with", "map", "and_then", "err_into", "inspect_err"}
)
_HANDLE = frozenset(
    {"ok", "is_ok", "is_err", "unwrap_or", "unwrap_or_else", "unwrap_or_default", "map_or", "map_or_else", "or"}
)
_PANICS = re.compile(r"\b(?:panic|unreachable|todo|unimplemented)!|\bexit\s*\(|\.(?:unwrap|expect)\s*\(")
# the return type of a request handler of actix-web / axum: its `Err` is turned into a response
_HANDLER_RETURN = re.compile(
    r"HttpResponse|\bimpl\s+(?:actix_web::)?Responder\b|\bimpl\s+(?:axum::response::)?IntoResponse\b|"
    r"\bResponse\b|\bJson\s*<|\bHtml\s*<|\bRedirect\b"
)
_BOUNDARY = frozenset({"closure_expression", "async_block", "function_item"})


def _up(node: Node) -> Node:
    """The outermost expression that is still ``node``'s value (through parentheses and ``.await``)."""
    cur = node
    while cur.parent is not None and cur.parent.type in ("parenthesized_expression", "await_expression"):
        cur = cur.parent
    return cur


def _returns_err(pf: ParsedFile, arm: Node | None) -> bool:
    """A diverging arm (or let-else block) that returns from the function, without panicking or exiting."""
    if arm is None:
        return False
    text = pf.text(arm)
    return "return" in text and _PANICS.search(text) is None


def _is_fallback(pf: ParsedFile, pattern: Node | None) -> bool:
    text = pf.text(pattern).strip() if pattern is not None else ""
    return text in ("_", "None") or text.startswith(("Err(", "Err (")) or re.fullmatch(r"[a-z_]\w*", text) is not None


def _outcome(pf: ParsedFile, node: Node) -> str:
    """What happens to the ``Result`` that ``node`` evaluates to when it is an error: ``handled`` (logged,
    ignored, defaulted), ``returned`` (handed to the caller) or ``fails`` (a panic, or anything unsure)."""
    cur = _up(node)
    for _ in range(50):
        parent = cur.parent
        if parent is None:
            return "fails"
        ptype = parent.type
        if ptype == "try_expression":
            return "returned"
        if ptype == "field_expression" and parent.child_by_field_name("value") == cur:
            call = parent.parent
            method = pf.text(parent.child_by_field_name("field"))
            if call is None or call.type != "call_expression":
                return "fails"
            if method in _KEEP:
                cur = _up(call)
                continue
            if method in _HANDLE:
                after = _up(call).parent
                if method == "ok" and after is not None and after.type == "try_expression":
                    return "returned"  # `.ok()?`: None to the caller
                args = call.child_by_field_name("arguments")
                return "fails" if args is not None and _PANICS.search(pf.text(args)) else "handled"
            return "fails"
        if ptype == "match_expression" and parent.child_by_field_name("value") == cur:
            body = parent.child_by_field_name("body")
            arms = [a for a in body.named_children if a.type == "match_arm"] if body is not None else []
            fallback = [a for a in arms if _is_fallback(pf, a.child_by_field_name("pattern"))]
            if not fallback:
                return "fails"
            values = [a.child_by_field_name("value") for a in fallback]
            if any(v is not None and _PANICS.search(pf.text(v)) for v in values):
                return "fails"
            return "returned" if any(_returns_err(pf, v) for v in values) else "handled"
        if ptype == "let_declaration" and parent.child_by_field_name("value") == cur:
            pattern = parent.child_by_field_name("pattern")
            alt = parent.child_by_field_name("alternative")
            if alt is not None:
                return "returned" if _returns_err(pf, alt) else "fails"
            return "handled" if pattern is not None and pf.text(pattern).strip() == "_" else "fails"
        if ptype == "let_condition" and parent.child_by_field_name("value") == cur:
            return "handled"
        if ptype == "expression_statement":
            return "handled"  # the result is dropped
        if ptype == "return_expression":
            return "returned"
        if ptype == "block" and parent.named_children and parent.named_children[-1] == cur:
            if parent.parent is not None and parent.parent.type == "function_item":
                return "returned"  # the function's tail
            return "fails"
        return "fails"
    return "fails"


def _direct_fn(node: Node) -> Node | None:
    """The function ``node`` is in, when no closure or async block lies between (a `?` there returns from it)."""
    cur = node.parent
    while cur is not None and cur.type not in _BOUNDARY:
        cur = cur.parent
    return cur if cur is not None and cur.type == "function_item" else None


def _handled_by_callers(index: CrateIndex, info: FileInfo, node: Node, depth: int) -> bool:
    """The error ``node`` returns from its function is handled by every caller, transitively."""
    fn = _direct_fn(node)
    if fn is None or depth > _MAX_DEPTH:
        return False
    pf = info.parsed
    name_node = fn.child_by_field_name("name")
    name = pf.text(name_node) if name_node is not None else ""
    if not name or name == "main":
        return False
    ret = fn.child_by_field_name("return_type")
    if ret is not None and _HANDLER_RETURN.search(pf.text(ret)):
        return True  # a request handler: the error becomes the response
    owner = _impl_type(pf, fn)
    sites = [
        (i, s)
        for i, s in _call_sites(index).get(name, [])
        if not (i is info and fn.start_byte <= s.start_byte < fn.end_byte)
        and not index.is_excluded(i, s)
        and _may_call(i, s, owner)
    ]
    if not sites or enclosing_fn(fn) is not None:
        return False
    for site_info, site in sites:
        outcome = _outcome(site_info.parsed, site)
        if outcome == "handled":
            continue
        if outcome == "returned" and _handled_by_callers(index, site_info, site, depth + 1):
            continue
        return False
    return True


def _impl_type(pf: ParsedFile, fn: Node) -> str | None:
    """The type an associated function belongs to (`impl Vault { fn from_env() … }` → `Vault`)."""
    cur = fn.parent
    while cur is not None and cur.type != "impl_item":
        if cur.type in ("function_item", "source_file", "mod_item"):
            return None
        cur = cur.parent
    ty = cur.child_by_field_name("type") if cur is not None else None
    if ty is None:
        return None
    return pf.text(ty).split("<", 1)[0].rsplit("::", 1)[-1].strip() or None


def _may_call(info: FileInfo, site: Node, owner: str | None) -> bool:
    """A call site of the function's name that may call it: `Other::from_env()` calls another type's function
    of the same name."""
    if owner is None:
        return True
    func = site.child_by_field_name("function")
    if func is None or func.type == "field_expression":
        return True  # a method call: its receiver's type is not known here
    segs = path_segments(info.parsed, func) or []
    return len(segs) < 2 or segs[-2] in (owner, "Self")


def error_handled_by_callers(index: CrateIndex, info: FileInfo, call: Node) -> bool:
    """The env read ``call`` returns an error when its variable is unset, and the callers handle it."""
    return _outcome(info.parsed, call) == "returned" and _handled_by_callers(index, info, call, 0)
