"""actix-web routes: ``App``/``Scope`` chains, their ``service`` arguments (resources, handlers with route
attributes, ``Files`` mounts, scopes, functions returning those) and ``configure`` functions or closures,
each under the prefix of the scopes around it."""

from __future__ import annotations

from tree_sitter import Node
from viworks_lint.rust.bindings import block_tail, const_str, find_binding, fn_returns
from viworks_lint.rust.context import Ctx
from viworks_lint.rust.facts import Route
from viworks_lint.rust.modules import FnDef
from viworks_lint.rust.parsing import ParsedFile
from viworks_lint.rust.route_walk import HTTP_VERBS, MAX_DEPTH, RouteWalk, constructor_framework, node_key
from viworks_lint.rust.syntax import (
    MethodCall,
    attribute_name,
    call_args,
    is_chain_top,
    item_attributes,
    method_chain,
    path_segments,
    string_value,
    token_tree_parts,
    unparen,
    walk_named,
)


def join_actix(prefix: str, path: str) -> str:
    if not path:
        return prefix
    if path and not path.startswith("/"):
        path = "/" + path
    if prefix.endswith("/"):
        return prefix[:-1] + path
    return prefix + path


class ActixRoutes(RouteWalk):
    def _act_chain(self, ctx: Ctx, expr: Node | None, prefix: str, depth: int, mark: bool = True) -> str | None:
        """An App or Scope chain: register what it adds; return the prefix its methods apply under."""
        expr = unparen(expr)
        if expr is None or depth > MAX_DEPTH:
            return None
        pf = ctx.pf
        if mark:
            self.consumed_nodes.add(node_key(pf, expr))
        if expr.type == "block":
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
            if constructor_framework(pf, root_u) == "actix":
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
        if expr is None or depth > MAX_DEPTH:
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
                        self.consumed_nodes.add(node_key(pf, unparen(b.value) or b.value))
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
        if expr is None or depth > MAX_DEPTH:
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
