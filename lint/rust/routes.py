"""HTTP routes of actix-web and axum apps, with scope/nest prefixes followed across functions and modules.

Entry points are ``App::new()`` / ``Router::new()`` method chains. A router consumed by another one
(nested, merged, held in a ``let`` that a later chain extends, returned by a function another router
calls) is evaluated under that router's prefix and not again on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tree_sitter import Node
from viworks_lint.rust.bindings import const_str, find_binding, fn_returns
from viworks_lint.rust.context import Ctx, ctx_at
from viworks_lint.rust.facts import Route
from viworks_lint.rust.modules import CrateIndex, FnDef
from viworks_lint.rust.parsing import ParsedFile, find_node
from viworks_lint.rust.syntax import (
    MethodCall,
    attribute_name,
    call_args,
    chain_top,
    is_chain_top,
    item_attributes,
    method_chain,
    path_segments,
    string_value,
    token_tree_parts,
    unparen,
    walk_named,
)

HTTP_VERBS = ("get", "post", "put", "delete", "patch", "head", "options", "trace", "connect")
_WRAPPER_CTOR = re.compile(rb"\b([A-Z][A-Za-z0-9]*Router)::(?:new|default|with_openapi|with_state)\b")
# axum Router methods that add no route and leave routing as it is; any other method (`api_route`,
# a crate's extension trait) may add routes the linter does not see
_AXUM_NEUTRAL = frozenset(
    {
        "layer", "route_layer", "with_state", "into_make_service", "into_make_service_with_connect_info",
        "into_service", "boxed", "handle_error", "method_not_allowed_fallback", "without_v07_checks",
        "reset_fallback", "clone", "into", "finish_api", "finish_api_with", "split_for_parts", "map_err",
    }
)  # fmt: skip
_AXUM_ADDING = frozenset({"route", "nest", "merge", "nest_service", "route_service", "fallback", "fallback_service"})
_ACTIX_ADDING = frozenset({"service", "route", "configure", "default_service"})
_MAX_DEPTH = 24
# Framework calls that start a chain of route-adding methods without being a router of their own.
_BUILDER_FNS = frozenset({"scope", "resource", "new", "default", "named", "get", "post", "put", "delete", "patch"})
# axum_extra::routing::Resource: method -> (path below /{name}, methods); "{id}" is the member id.
_RESOURCE_ROUTES: dict[str, tuple[str, tuple[str, ...]]] = {
    "index": ("", ("GET",)),
    "create": ("", ("POST",)),
    "new": ("/new", ("GET",)),
    "show": ("/{id}", ("GET",)),
    "edit": ("/{id}/edit", ("GET",)),
    "update": ("/{id}", ("PUT", "PATCH")),
    "destroy": ("/{id}", ("DELETE",)),
}

NodeKey = tuple[str, int, int]
FnKey = tuple[str, int]


def _key(pf: ParsedFile, node: Node) -> NodeKey:
    return (str(pf.path), node.start_byte, node.end_byte)


def _enclosing_fn_key(pf: ParsedFile, node: Node) -> FnKey | None:
    cur = node.parent
    while cur is not None:
        if cur.type == "function_item":
            return (str(pf.path), cur.start_byte)
        cur = cur.parent
    return None


def join_actix(prefix: str, path: str) -> str:
    if not path:
        return prefix
    if path and not path.startswith("/"):
        path = "/" + path
    if prefix.endswith("/"):
        return prefix[:-1] + path
    return prefix + path


def join_axum(prefix: str, path: str) -> str:
    if not prefix:
        return path
    if path in ("", "/"):
        return prefix
    if not path.startswith("/"):
        path = "/" + path
    return prefix.rstrip("/") + path


@dataclass
class _Candidate:
    """A router expression to evaluate. It keeps the expression's position, not its node, so the trees
    of files waiting their turn can leave memory."""

    framework: str
    ctx: Ctx
    start: int
    end: int
    kind: str
    key: NodeKey
    fn_key: FnKey | None
    routes: list[Route] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)

    @property
    def node(self) -> Node:
        node = find_node(self.ctx.pf, self.start, self.end, self.kind)
        if node is None:
            raise LookupError(f"router expression moved in {self.ctx.pf.path}")
        return node


@dataclass
class RouteResult:
    routes: list[Route]
    resolved: bool
    frameworks: list[str]
    reasons: list[str]


class RouteCollector:
    def __init__(self, index: CrateIndex) -> None:
        self.index = index
        self.consumed_nodes: set[NodeKey] = set()
        self.consumed_fns: set[FnKey] = set()
        self._routes: list[Route] = []
        self._unresolved: list[str] = []
        self._stack: set[tuple[object, ...]] = set()
        self._uses_axum = False

    # ------------------------------------------------------------------ driver

    def run(self) -> RouteResult:
        frameworks = self._frameworks_from_uses()
        self._uses_axum = "axum" in frameworks
        candidates = self._candidates()
        evaluated: list[_Candidate] = []
        for cand in candidates:
            if self._consumed(cand):
                continue  # a router evaluated before took it in (its routes are counted there)
            self._routes, self._unresolved = [], []
            try:
                if cand.framework == "axum":
                    self._ax_router(cand.ctx, cand.node, "", 0, mark=False)
                elif cand.framework == "actix":
                    self._act_chain(cand.ctx, cand.node, "", 0, mark=False)
                else:
                    self._unresolved.append(cand.framework)
            except RecursionError:
                self._unresolved.append("too deep")
            cand.routes, cand.unresolved = self._routes, self._unresolved
            evaluated.append(cand)
        routes: list[Route] = []
        reasons: list[str] = []
        roots = 0
        for cand in evaluated:
            if cand.framework in ("axum", "actix"):
                if self._consumed(cand):
                    continue
                roots += 1
                if cand.framework not in frameworks:
                    frameworks.append(cand.framework)
            routes.extend(cand.routes)
            reasons.extend(cand.unresolved)
        if roots == 0 and frameworks:
            reasons.append("no App/Router entry point found")
        reasons.extend(self._router_wrappers())
        unique: list[Route] = []
        seen: set[Route] = set()
        for r in routes:
            if r not in seen:
                seen.add(r)
                unique.append(r)
        return RouteResult(unique, not reasons, sorted(frameworks), reasons)

    def _router_wrappers(self) -> list[str]:
        """Router types that wrap axum's and add routes through their own methods (aide's `ApiRouter`,
        utoipa-axum's `OpenApiRouter`): the routes they add are not seen, so routing is unresolved."""
        found: list[str] = []
        for info in self.index.file_infos():
            for m in _WRAPPER_CTOR.finditer(info.parsed.src):
                name = m.group(1).decode()
                if name not in found and not self.index.is_excluded_pos(info, m.start()):
                    found.append(f"router wrapper `{name}` in {info.parsed.path.name}")
        return found

    def _consumed(self, cand: _Candidate) -> bool:
        """Evaluated as part of another router (a nest/merge/configure of it, or of the function it is in)."""
        if cand.framework not in ("axum", "actix"):
            return False
        return cand.key in self.consumed_nodes or (cand.fn_key is not None and cand.fn_key in self.consumed_fns)

    def _frameworks_from_uses(self) -> list[str]:
        found: list[str] = []
        for info in self.index.file_infos():
            mods = [info.module, *info.inline]
            for mod in mods:
                heads = {t[0] for t in mod.uses.values() if t} | {g[0] for g in mod.globs if g}
                for head, name in (("actix_web", "actix"), ("axum", "axum")):
                    if head in heads and name not in found:
                        found.append(name)
        return found

    def _candidates(self) -> list[_Candidate]:
        out: list[_Candidate] = []
        seen: set[NodeKey] = set()
        for info in self.index.file_infos():
            pf = info.parsed
            for call in [*pf.captures("ctor"), *pf.captures("adder")]:
                if self.index.is_excluded(info, call):
                    continue
                func = call.child_by_field_name("function")
                if func is None:
                    continue
                try:
                    if func.type in ("scoped_identifier", "generic_function"):
                        fw = _constructor(pf, call)
                        if fw is None:
                            continue
                        top = chain_top(call)
                    elif func.type == "field_expression":
                        if not is_chain_top(call):
                            continue
                        root, methods = method_chain(call)
                        names = {m.name for m in methods}
                        if not names & (_AXUM_ADDING | _ACTIX_ADDING):
                            continue
                        root_u = unparen(root)
                        if root_u is None or root_u.type not in ("identifier", "call_expression"):
                            continue
                        if root_u.type == "call_expression" and _constructor(pf, root_u) is not None:
                            continue  # found from the constructor itself
                        ctx = ctx_at(self.index, info, call)
                        kind = self._classify_root(ctx, root_u, 0)
                        if kind == "axum-param" and names & _AXUM_ADDING:
                            fw = "router passed in as a parameter"
                        elif kind in ("axum", "actix"):
                            fw = kind
                        elif kind is None and self._unknown_axum_root(ctx, root_u, methods):
                            fw = "axum"  # evaluated, so its own routes count and the root is reported
                        else:
                            continue
                        top = call
                    else:
                        continue
                except RecursionError:
                    continue
                key = _key(pf, top)
                if key in seen:
                    continue
                seen.add(key)
                top_ctx = ctx_at(self.index, info, top)
                _ = top_ctx.impl_type  # resolved now: its anchor node would keep the whole tree in memory
                out.append(
                    _Candidate(fw, top_ctx, top.start_byte, top.end_byte, top.type, key, _enclosing_fn_key(pf, top))
                )
        return out

    def _unknown_axum_root(self, ctx: Ctx, root: Node, methods: list[MethodCall]) -> bool:
        """``r::router().route("/x", get(h))`` where ``r::router`` cannot be found (an alias of another
        crate, a macro-made function): still an axum router, whose base we cannot see."""
        if not self._uses_axum or root.type != "call_expression":
            return False
        segs = path_segments(ctx.pf, root.child_by_field_name("function"))
        if not segs or segs[-1] in _BUILDER_FNS or segs[-2:] == ["Resource", "named"]:
            return False
        if ctx.resolve_fn(segs) is not None:
            return False
        for m in methods:
            if m.name in ("route", "nest", "route_service", "nest_service") and len(m.args) >= 2:
                path = string_value(ctx.pf, unparen(m.args[0]))
                if path is not None and path.startswith("/"):
                    return True
        return False

    def _classify_root(self, ctx: Ctx, root: Node | None, depth: int) -> str | None:
        root = unparen(root)
        if root is None or depth > 8:
            return None
        pf = ctx.pf
        if root.type == "call_expression":
            fw = _constructor(pf, root)
            if fw is not None:
                return fw
            inner_root, methods = method_chain(root)
            if methods:
                return self._classify_root(ctx, inner_root, depth + 1)
            fn = ctx.resolve_fn(path_segments(pf, root.child_by_field_name("function")))
            if fn is None:
                return None
            ret = fn.file.text(fn.node.child_by_field_name("return_type"))
            if "Router" in ret:
                return "axum"
            if "App<" in ret or ret.endswith("App"):
                return "actix"
            return None
        if root.type == "identifier":
            b = find_binding(pf, root, pf.text(root))
            if b is None:
                return None
            if b.kind == "param":
                t = pf.text(b.type)
                if "Router" in t:
                    return "axum-param"
                if "ServiceConfig" in t:
                    return "cfg"
                return None
            if b.value is not None:
                inner_root, _ = method_chain(unparen(b.value) or b.value)
                return self._classify_root(ctx, inner_root, depth + 1)
        return None

    # ------------------------------------------------------------------ shared

    def _add(self, ctx: Ctx, path: str, methods: tuple[str, ...], fw: str, node: Node, prefix: bool = False) -> None:
        if not path:
            path = "/"
        self._routes.append(Route(path, methods, fw, ctx.pf.location(node), prefix))

    def _unresolved_at(self, ctx: Ctx, node: Node, why: str) -> None:
        loc = ctx.pf.location(node)
        self._unresolved.append(f"{why} at {loc.path}:{loc.line}")

    def _enter(self, key: tuple[object, ...]) -> bool:
        if key in self._stack or len(self._stack) > _MAX_DEPTH:
            return False
        self._stack.add(key)
        return True

    def _leave(self, key: tuple[object, ...]) -> None:
        self._stack.discard(key)

    def _fn_ctx(self, ctx: Ctx, fn: FnDef) -> Ctx | None:
        return ctx.for_fn(fn)

    # ------------------------------------------------------------------ axum

    def _ax_router(self, ctx: Ctx, expr: Node | None, prefix: str, depth: int, mark: bool = True) -> None:
        expr = unparen(expr)
        if expr is None or depth > _MAX_DEPTH:
            return
        pf = ctx.pf
        if mark:
            self.consumed_nodes.add(_key(pf, expr))
        if expr.type == "block":
            from viworks_lint.rust.bindings import block_tail

            self._ax_router(ctx, block_tail(expr), prefix, depth + 1)
            return
        if expr.type == "if_expression":
            for part in ("consequence", "alternative"):
                branch = expr.child_by_field_name(part)
                if branch is not None and branch.type == "else_clause":
                    branch = branch.named_children[0] if branch.named_children else None
                self._ax_router(ctx, branch, prefix, depth + 1)
            return
        root, methods = method_chain(expr)
        root_u = unparen(root)
        if root_u is not None and root_u.type == "call_expression":
            segs = path_segments(pf, root_u.child_by_field_name("function")) or []
            if segs[-2:] == ["Resource", "named"]:
                self._ax_resource(ctx, root_u, methods, prefix, depth)
                return
        self._ax_root(ctx, root, prefix, depth)
        for m in methods:
            self._ax_method(ctx, m, prefix, depth)

    def _ax_resource(self, ctx: Ctx, named: Node, methods: list[MethodCall], prefix: str, depth: int) -> None:
        """``Resource::named("users").index(h).show(h).nest(r)``: the conventional CRUD routes under
        ``/users`` (member routes under ``/users/{users_id}``, axum-extra 0.10 syntax)."""
        args = call_args(named)
        name = const_str(ctx, args[0]) if args else None
        if name is None:
            self._unresolved_at(ctx, named, "resource name not a literal")
            return
        base = join_axum(prefix, "/" + name)
        member = f"{base}/{{{name}_id}}"
        for m in methods:
            if m.name in _RESOURCE_ROUTES:
                below, verbs = _RESOURCE_ROUTES[m.name]
                path = base + below.replace("/{id}", member[len(base) :])
                self._add(ctx, path, verbs, "axum", args[0])
            elif m.name in ("nest", "nest_collection") and m.args:
                self._ax_router(ctx, m.args[0], member if m.name == "nest" else base, depth + 1)

    def _ax_root(self, ctx: Ctx, root: Node, prefix: str, depth: int) -> None:
        pf = ctx.pf
        root_u = unparen(root)
        if root_u is None:
            return
        if root_u.type == "call_expression":
            if _constructor(pf, root_u) == "axum":
                return
            segs = path_segments(pf, root_u.child_by_field_name("function"))
            fn = ctx.resolve_fn(segs)
            if fn is None:
                self._unresolved_at(ctx, root_u, "router from an unknown function")
                return
            self._ax_fn(ctx, fn, prefix, depth)
            return
        if root_u.type == "identifier":
            b = find_binding(pf, root_u, pf.text(root_u))
            if b is not None and b.value is not None:
                self._ax_router(ctx, b.value, prefix, depth + 1)
                return
            self._unresolved_at(ctx, root_u, "router from a parameter")
            return
        self._unresolved_at(ctx, root_u, "router from an unsupported expression")

    def _ax_fn(self, ctx: Ctx, fn: FnDef, prefix: str, depth: int) -> None:
        self.consumed_fns.add(fn.key)
        key: tuple[object, ...] = ("ax", fn.key, prefix)
        if not self._enter(key):
            return
        try:
            fctx = self._fn_ctx(ctx, fn)
            if fctx is None:
                return
            for ret in fn_returns(fn.node):
                self._ax_router(fctx, ret, prefix, depth + 1)
        finally:
            self._leave(key)

    def _ax_method(self, ctx: Ctx, m: MethodCall, prefix: str, depth: int) -> None:
        name, args = m.name, m.args
        if name in ("route", "route_service", "nest", "nest_service"):
            if len(args) < 2:
                return
            path = const_str(ctx, args[0])
            if path is None:
                self._unresolved_at(ctx, args[0], "route path not a literal")
                return
            full = join_axum(prefix, path)
            if name == "route":
                self._add(ctx, full, self._ax_methods(ctx, args[1], 0), "axum", args[0])
            elif name == "route_service":
                self._add(ctx, full, (), "axum", args[0])
            elif name == "nest_service":
                self._add(ctx, full, (), "axum", args[0], prefix=True)
            else:
                self._ax_router(ctx, args[1], full, depth + 1)
        elif name == "merge" and args:
            self._ax_router(ctx, args[0], prefix, depth + 1)
        elif name in ("fallback", "fallback_service"):
            self._add(ctx, prefix or "/", (), "axum", m.name_node, prefix=True)
        elif name not in _AXUM_NEUTRAL:
            self._unresolved_at(ctx, m.name_node, f"unknown router method `{name}`")

    def _ax_methods(self, ctx: Ctx, expr: Node | None, depth: int) -> tuple[str, ...]:
        expr = unparen(expr)
        if expr is None or depth > 8:
            return ()
        pf = ctx.pf
        if expr.type == "identifier":
            b = find_binding(pf, expr, pf.text(expr))
            return self._ax_methods(ctx, b.value, depth + 1) if b is not None and b.value is not None else ()
        root, methods = method_chain(expr)
        found: list[str] = []
        any_method = False
        steps: list[tuple[str, tuple[Node, ...]]] = []
        root_u = unparen(root)
        if root_u is not None and root_u.type == "call_expression":
            segs = path_segments(pf, root_u.child_by_field_name("function")) or []
            steps.append((segs[-1] if segs else "", tuple(call_args(root_u))))
        elif root_u is not None and root_u.type == "identifier":
            inner = self._ax_methods(ctx, root_u, depth + 1)
            if not inner:
                any_method = True
            found.extend(inner)
        steps.extend((m.name, m.args) for m in methods)
        for name, args in steps:
            base = name.removesuffix("_service")
            if base in HTTP_VERBS:
                found.append(base.upper())
            elif base == "any":
                any_method = True
            elif name == "on" and args:
                segs = path_segments(pf, unparen(args[0])) or []
                if segs and segs[-1].lower() in HTTP_VERBS:
                    found.append(segs[-1].upper())
                else:
                    any_method = True
        if any_method or not found:
            return ()
        return tuple(dict.fromkeys(found))

    # ------------------------------------------------------------------ actix

    def _act_chain(self, ctx: Ctx, expr: Node | None, prefix: str, depth: int, mark: bool = True) -> str | None:
        """An App or Scope chain: register what it adds; return the prefix its methods apply under."""
        expr = unparen(expr)
        if expr is None or depth > _MAX_DEPTH:
            return None
        pf = ctx.pf
        if mark:
            self.consumed_nodes.add(_key(pf, expr))
        if expr.type == "block":
            from viworks_lint.rust.bindings import block_tail

            return self._act_chain(ctx, block_tail(expr), prefix, depth + 1)
        root, methods = method_chain(expr)
        p = self._act_root(ctx, root, prefix, depth)
        if p is None:
            return None
        for m in methods:
            self._act_method(ctx, m, p, depth)
        return p

    def _act_root(self, ctx: Ctx, root: Node, prefix: str, depth: int) -> str | None:
        pf = ctx.pf
        root_u = unparen(root)
        if root_u is None:
            return None
        if root_u.type == "call_expression":
            segs = path_segments(pf, root_u.child_by_field_name("function")) or []
            if _constructor(pf, root_u) == "actix":
                return prefix
            if segs[-1:] == ["scope"] or segs[-2:] == ["Scope", "new"]:
                args = call_args(root_u)
                p = const_str(ctx, args[0]) if args else None
                if p is None:
                    self._unresolved_at(ctx, root_u, "scope path not a literal")
                    return None
                return join_actix(prefix, p)
            fn = ctx.resolve_fn(segs)
            if fn is None:
                self._unresolved_at(ctx, root_u, "app/scope from an unknown function")
                return None
            self.consumed_fns.add(fn.key)
            key: tuple[object, ...] = ("act", fn.key, prefix)
            if not self._enter(key):
                return None
            try:
                fctx = self._fn_ctx(ctx, fn)
                result = None
                for ret in fn_returns(fn.node) if fctx is not None else []:
                    got = self._act_chain(fctx, ret, prefix, depth + 1) if fctx is not None else None
                    result = result or got
                return result
            finally:
                self._leave(key)
        if root_u.type == "identifier":
            b = find_binding(pf, root_u, pf.text(root_u))
            if b is not None and b.value is not None:
                return self._act_chain(ctx, b.value, prefix, depth + 1)
            if b is not None and b.kind == "param" and "ServiceConfig" in pf.text(b.type):
                return prefix
            self._unresolved_at(ctx, root_u, "app/scope from a parameter")
            return None
        self._unresolved_at(ctx, root_u, "app/scope from an unsupported expression")
        return None

    def _act_method(self, ctx: Ctx, m: MethodCall, prefix: str, depth: int) -> None:
        name, args = m.name, m.args
        if name == "service" and args:
            self._act_service(ctx, args[0], prefix, depth + 1)
        elif name == "route" and len(args) >= 2:
            path = const_str(ctx, args[0])
            if path is None:
                self._unresolved_at(ctx, args[0], "route path not a literal")
                return
            self._add(ctx, join_actix(prefix, path), self._act_route_methods(ctx, args[1], 0), "actix", args[0])
        elif name == "configure" and args:
            self._act_configure(ctx, args[0], prefix, depth + 1)
        elif name == "default_service":
            self._add(ctx, prefix or "/", (), "actix", m.name_node, prefix=True)

    def _act_route_methods(self, ctx: Ctx, expr: Node | None, depth: int) -> tuple[str, ...]:
        expr = unparen(expr)
        if expr is None or depth > 8:
            return ()
        pf = ctx.pf
        if expr.type == "identifier":
            b = find_binding(pf, expr, pf.text(expr))
            return self._act_route_methods(ctx, b.value, depth + 1) if b is not None and b.value is not None else ()
        root, methods = method_chain(expr)
        found: list[str] = []
        root_u = unparen(root)
        if root_u is not None and root_u.type == "call_expression":
            segs = path_segments(pf, root_u.child_by_field_name("function")) or []
            last = segs[-1] if segs else ""
            if last in HTTP_VERBS:
                found.append(last.upper())
            elif last == "method":
                found.extend(self._method_arg(pf, call_args(root_u)))
        for m in methods:
            if m.name == "method":
                found.extend(self._method_arg(pf, list(m.args)))
            elif m.name == "guard" and m.args:
                g = unparen(m.args[0])
                if g is not None and g.type == "call_expression":
                    segs = path_segments(pf, g.child_by_field_name("function")) or []
                    if segs and segs[-1].lower() in HTTP_VERBS:
                        found.append(segs[-1].upper())
        return tuple(dict.fromkeys(found))

    @staticmethod
    def _method_arg(pf: ParsedFile, args: list[Node]) -> list[str]:
        if not args:
            return []
        segs = path_segments(pf, unparen(args[0])) or []
        if segs and segs[-1].lower() in HTTP_VERBS:
            return [segs[-1].upper()]
        return []

    def _act_service(self, ctx: Ctx, expr: Node | None, prefix: str, depth: int) -> None:
        expr = unparen(expr)
        if expr is None or depth > _MAX_DEPTH:
            return
        pf = ctx.pf
        kind = expr.type
        if kind == "tuple_expression":
            for elem in expr.named_children:
                self._act_service(ctx, elem, prefix, depth + 1)
            return
        if kind == "array_expression":
            for elem in expr.named_children:
                self._act_service(ctx, elem, prefix, depth + 1)
            return
        if kind in ("identifier", "scoped_identifier"):
            if kind == "identifier":
                b = find_binding(pf, expr, pf.text(expr))
                if b is not None:
                    if b.value is not None:
                        self.consumed_nodes.add(_key(pf, unparen(b.value) or b.value))
                        self._act_service(ctx, b.value, prefix, depth + 1)
                    else:
                        self._unresolved_at(ctx, expr, "service from a parameter")
                    return
            fn = ctx.resolve_fn(path_segments(pf, expr))
            if fn is None or not self._handler_routes(fn, prefix):
                self._unresolved_at(ctx, expr, "service not a known handler")
            return
        if kind == "call_expression":
            root, methods = method_chain(expr)
            root_u = unparen(root)
            if root_u is not None and root_u.type == "call_expression":
                segs = path_segments(pf, root_u.child_by_field_name("function")) or []
                if segs[-1:] == ["resource"] or segs[-2:] == ["Resource", "new"]:
                    self._act_resource(ctx, root_u, methods, prefix)
                    return
                if segs[-2:] == ["Files", "new"]:
                    args = call_args(root_u)
                    p = const_str(ctx, args[0]) if args else None
                    if p is None:
                        self._unresolved_at(ctx, root_u, "Files mount path not a literal")
                    else:
                        self._add(ctx, join_actix(prefix, p), (), "actix", args[0], prefix=True)
                    return
                if segs[-1:] == ["scope"] or segs[-2:] == ["Scope", "new"]:
                    self._act_chain(ctx, expr, prefix, depth + 1)
                    return
                if not methods:
                    fn = ctx.resolve_fn(segs)
                    if fn is not None:
                        self.consumed_fns.add(fn.key)
                        key: tuple[object, ...] = ("svc", fn.key, prefix)
                        if not self._enter(key):
                            return
                        try:
                            fctx = self._fn_ctx(ctx, fn)
                            for ret in fn_returns(fn.node) if fctx is not None else []:
                                if fctx is not None:
                                    self._act_service(fctx, ret, prefix, depth + 1)
                        finally:
                            self._leave(key)
                        return
            if root_u is not None and root_u.type == "identifier" and methods:
                self._act_chain(ctx, expr, prefix, depth + 1)
                return
        self._unresolved_at(ctx, expr, "service of an unsupported form")

    def _act_resource(self, ctx: Ctx, root: Node, methods: list[MethodCall], prefix: str) -> None:
        pf = ctx.pf
        args = call_args(root)
        if not args:
            return
        path_nodes: list[Node] = []
        first = unparen(args[0])
        if first is not None and first.type == "array_expression":
            path_nodes = list(first.named_children)
        elif first is not None:
            path_nodes = [first]
        found: list[str] = []
        any_method = False
        for m in methods:
            if m.name == "route" and m.args:
                got = self._act_route_methods(ctx, m.args[0], 0)
                if got:
                    found.extend(got)
                else:
                    any_method = True
            elif m.name in ("to", "default_service"):
                any_method = True
            elif m.name in HTTP_VERBS:
                found.append(m.name.upper())
        verbs = () if any_method else tuple(dict.fromkeys(found))
        for node in path_nodes:
            p = const_str(ctx, node)
            if p is None:
                self._unresolved_at(ctx, node, "resource path not a literal")
                continue
            self._add(ctx, join_actix(prefix, p), verbs, "actix", node)
        del pf

    def _handler_routes(self, fn: FnDef, prefix: str) -> bool:
        pf = fn.file
        added = False
        for attr in item_attributes(fn.node):
            name = attribute_name(pf, attr)
            if not name:
                continue
            last = name[-1]
            if last not in HTTP_VERBS and last != "route":
                continue
            groups = token_tree_parts(attr)
            if not groups or len(groups[0]) != 1:
                continue
            lit_node = groups[0][0]
            path = string_value(pf, lit_node)
            if path is None:
                continue
            if last == "route":
                verbs: list[str] = []
                for group in groups[1:]:
                    if len(group) >= 3 and pf.text(group[0]) == "method":
                        v = string_value(pf, group[2])
                        if v is not None:
                            verbs.append(v.upper())
                methods = tuple(dict.fromkeys(verbs))
            else:
                methods = (last.upper(),)
            self._routes.append(Route(join_actix(prefix, path), methods, "actix", pf.location(lit_node)))
            added = True
        return added

    def _act_configure(self, ctx: Ctx, expr: Node | None, prefix: str, depth: int) -> None:
        expr = unparen(expr)
        if expr is None or depth > _MAX_DEPTH:
            return
        pf = ctx.pf
        if expr.type == "closure_expression":
            params = expr.child_by_field_name("parameters")
            body = expr.child_by_field_name("body")
            names = [p for p in (params.named_children if params is not None else [])]
            if not names or body is None:
                return
            pat = names[0].child_by_field_name("pattern") if names[0].type == "parameter" else names[0]
            self._cfg_body(ctx, body, pf.text(pat), prefix, depth)
            return
        if expr.type in ("identifier", "scoped_identifier"):
            fn = ctx.resolve_fn(path_segments(pf, expr))
            if fn is None:
                self._unresolved_at(ctx, expr, "configure function not found")
                return
            self._cfg_fn(ctx, fn, prefix, depth)
            return
        self._unresolved_at(ctx, expr, "configure argument of an unsupported form")

    def _cfg_fn(self, ctx: Ctx, fn: FnDef, prefix: str, depth: int) -> None:
        key: tuple[object, ...] = ("cfg", fn.key, prefix)
        if not self._enter(key):
            return
        try:
            fctx = self._fn_ctx(ctx, fn)
            params = fn.node.child_by_field_name("parameters")
            body = fn.node.child_by_field_name("body")
            plist = [p for p in params.named_children if p.type == "parameter"] if params is not None else []
            if fctx is None or not plist or body is None:
                return
            pat = plist[0].child_by_field_name("pattern")
            self._cfg_body(fctx, body, fn.file.text(pat), prefix, depth)
        finally:
            self._leave(key)

    def _cfg_body(self, ctx: Ctx, body: Node, cfg_name: str, prefix: str, depth: int) -> None:
        pf = ctx.pf
        for node in walk_named(body, 50_000):
            if node.type != "call_expression":
                continue
            func = node.child_by_field_name("function")
            if func is None:
                continue
            if func.type == "field_expression":
                if not is_chain_top(node):
                    continue
                root, methods = method_chain(node)
                root_u = unparen(root)
                if root_u is not None and root_u.type == "identifier" and pf.text(root_u) == cfg_name:
                    for m in methods:
                        self._act_method(ctx, m, prefix, depth + 1)
            elif func.type in ("identifier", "scoped_identifier"):
                args = call_args(node)
                if any((a2 := unparen(a)) is not None and a2.type == "identifier" and pf.text(a2) == cfg_name
                       for a in args):  # fmt: skip
                    fn = ctx.resolve_fn(path_segments(pf, func))
                    if fn is None:
                        self._unresolved_at(ctx, node, "config passed to an unknown function")
                    else:
                        self._cfg_fn(ctx, fn, prefix, depth + 1)


def _constructor(pf: ParsedFile, call: Node) -> str | None:
    """``Router::new()`` -> "axum", ``App::new()`` -> "actix"."""
    if call.type != "call_expression":
        return None
    segs = path_segments(pf, call.child_by_field_name("function")) or []
    if len(segs) < 2:
        return None
    if segs[-2] == "Router" and segs[-1] in ("new", "default"):
        return "axum"
    if segs[-2] == "App" and segs[-1] == "new" and not call_args(call):
        return "actix"
    return None


def collect_routes(index: CrateIndex) -> RouteResult:
    return RouteCollector(index).run()
