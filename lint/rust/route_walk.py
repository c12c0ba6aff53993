"""What a walk over an app's routers shares between actix-web and axum: the routes found, why routing
stays unresolved, the router expressions and functions another router already took in, the guard against
recursion; and the constructors (``Router::new()``, ``App::new()``) a router starts from."""

from __future__ import annotations

from tree_sitter import Node
from viworks_lint.rust.context import Ctx
from viworks_lint.rust.facts import Route
from viworks_lint.rust.modules import CrateIndex, FnDef
from viworks_lint.rust.parsing import ParsedFile
from viworks_lint.rust.syntax import call_args, path_segments

HTTP_VERBS = ("get", "post", "put", "delete", "patch", "head", "options", "trace", "connect")
MAX_DEPTH = 24

NodeKey = tuple[str, int, int]
FnKey = tuple[str, int]


def node_key(pf: ParsedFile, node: Node) -> NodeKey:
    return (str(pf.path), node.start_byte, node.end_byte)


class RouteWalk:
    """The state of one walk over a crate's routers, and what the framework walkers share."""

    def __init__(self, index: CrateIndex) -> None:
        self.index = index
        self.consumed_nodes: set[NodeKey] = set()
        self.consumed_fns: set[FnKey] = set()
        self._routes: list[Route] = []
        self._unresolved: list[str] = []
        self._stack: set[tuple[object, ...]] = set()

    def _add(self, ctx: Ctx, path: str, methods: tuple[str, ...], fw: str, node: Node, prefix: bool = False) -> None:
        if not path:
            path = "/"
        self._routes.append(Route(path, methods, fw, ctx.pf.location(node), prefix))

    def _unresolved_at(self, ctx: Ctx, node: Node, why: str) -> None:
        loc = ctx.pf.location(node)
        self._unresolved.append(f"{why} at {loc.path}:{loc.line}")

    def _enter(self, key: tuple[object, ...]) -> bool:
        if key in self._stack or len(self._stack) > MAX_DEPTH:
            return False
        self._stack.add(key)
        return True

    def _leave(self, key: tuple[object, ...]) -> None:
        self._stack.discard(key)

    def _fn_ctx(self, ctx: Ctx, fn: FnDef) -> Ctx | None:
        return ctx.for_fn(fn)


def constructor_framework(pf: ParsedFile, call: Node) -> str | None:
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
