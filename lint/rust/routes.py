"""HTTP routes of actix-web and axum apps, with scope/nest prefixes followed across functions and modules.

Entry points are ``App::new()`` / ``Router::new()`` method chains. A router consumed by another one
(nested, merged, held in a ``let`` that a later chain extends, returned by a function another router
calls) is evaluated under that router's prefix and not again on its own. What the routers of each
framework add is read in ``axum_routes`` and ``actix_routes``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tree_sitter import Node
from viworks_lint.rust.actix_routes import ActixRoutes
from viworks_lint.rust.axum_routes import AxumRoutes
from viworks_lint.rust.bindings import find_binding
from viworks_lint.rust.context import Ctx, ctx_at
from viworks_lint.rust.facts import Route
from viworks_lint.rust.modules import CrateIndex
from viworks_lint.rust.parsing import ParsedFile, find_node
from viworks_lint.rust.route_walk import FnKey, NodeKey, constructor_framework, node_key
from viworks_lint.rust.syntax import (
    MethodCall,
    chain_top,
    is_chain_top,
    method_chain,
    path_segments,
    string_value,
    unparen,
)

_WRAPPER_CTOR = re.compile(rb"\b([A-Z][A-Za-z0-9]*Router)::(?:new|default|with_openapi|with_state)\b")
_AXUM_ADDING = frozenset({"route", "nest", "merge", "nest_service", "route_service", "fallback", "fallback_service"})
_ACTIX_ADDING = frozenset({"service", "route", "configure", "default_service"})
# Framework calls that start a chain of route-adding methods without being a router of their own.
_BUILDER_FNS = frozenset({"scope", "resource", "new", "default", "named", "get", "post", "put", "delete", "patch"})


def _enclosing_fn_key(pf: ParsedFile, node: Node) -> FnKey | None:
    cur = node.parent
    while cur is not None:
        if cur.type == "function_item":
            return (str(pf.path), cur.start_byte)
        cur = cur.parent
    return None


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


class RouteCollector(AxumRoutes, ActixRoutes):
    def __init__(self, index: CrateIndex) -> None:
        super().__init__(index)
        self._uses_axum = False

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
                        fw = constructor_framework(pf, call)
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
                        if root_u.type == "call_expression" and constructor_framework(pf, root_u) is not None:
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
                key = node_key(pf, top)
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
            fw = constructor_framework(pf, root)
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


def collect_routes(index: CrateIndex) -> RouteResult:
    return RouteCollector(index).run()
