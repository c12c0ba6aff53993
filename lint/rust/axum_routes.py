"""axum routes: ``Router`` chains (``route``, ``nest``, ``merge``, fallbacks), routers that functions return
or bindings hold, and axum-extra's ``Resource`` CRUD routes, each under the prefix it is nested at."""

from __future__ import annotations

from tree_sitter import Node
from viworks_lint.rust.bindings import block_tail, const_str, find_binding, fn_returns
from viworks_lint.rust.context import Ctx
from viworks_lint.rust.modules import FnDef
from viworks_lint.rust.route_walk import HTTP_VERBS, MAX_DEPTH, RouteWalk, constructor_framework, node_key
from viworks_lint.rust.syntax import MethodCall, call_args, method_chain, path_segments, unparen

# axum Router methods that add no route and leave routing as it is; any other method (`api_route`,
# a crate's extension trait) may add routes the linter does not see
_AXUM_NEUTRAL = frozenset(
    {
        "layer", "route_layer", "with_state", "into_make_service", "into_make_service_with_connect_info",
        "into_service", "boxed", "handle_error", "method_not_allowed_fallback", "without_v07_checks",
        "reset_fallback", "clone", "into", "finish_api", "finish_api_with", "split_for_parts", "map_err",
    }
)  # fmt: skip
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


def join_axum(prefix: str, path: str) -> str:
    if not prefix:
        return path
    if path in ("", "/"):
        return prefix
    if not path.startswith("/"):
        path = "/" + path
    return prefix.rstrip("/") + path


class AxumRoutes(RouteWalk):
    def _ax_router(self, ctx: Ctx, expr: Node | None, prefix: str, depth: int, mark: bool = True) -> None:
        expr = unparen(expr)
        if expr is None or depth > MAX_DEPTH:
            return
        pf = ctx.pf
        if mark:
            self.consumed_nodes.add(node_key(pf, expr))
        if expr.type == "block":
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
            if constructor_framework(pf, root_u) == "axum":
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
