"""Whether a binary's ``main`` keeps its HTTP server running: the server future (actix-web
``HttpServer::…run()``, ``axum::serve(…)``, hyper/axum 0.6 ``Server::bind(…).serve(…)``, ``warp::serve(…).run(…)``,
rocket ``build().launch()``) must be awaited, or spawned and then waited for, before ``main`` returns.

Only the plain shapes are claimed: the server at the top level of an ``async fn main`` body, dropped (a
statement without ``.await``), bound and never used, or spawned with its handle dropped, and after it
nothing but printing and ``Ok(())`` until ``main`` ends. Everything else (a handle used later, ``join!``,
``select!``, a loop, a signal, any other call that may block) keeps the claim away."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tree_sitter import Node
from viworks_lint.location import Location
from viworks_lint.rust.parsing import ParsedFile, parse_file
from viworks_lint.rust.syntax import (
    attribute_name,
    has_cfg_test,
    item_attributes,
    method_chain,
    path_segments,
    walk_named,
)

_PRINT_MACROS = frozenset(
    {"println", "print", "eprintln", "eprint", "info", "debug", "warn", "error", "trace", "event"}
)
_SPAWNS = frozenset({"spawn", "spawn_local", "spawn_blocking"})


@dataclass(frozen=True)
class ServerExit:
    """``main`` creates a server future and ends without waiting for it."""

    framework: str  # actix-web | axum | hyper | warp | rocket | axum-server
    how: str  # "dropped" | "unused" | "spawned"
    location: Location  # the server expression (the call that makes the future)
    end: Location  # where main ends (its closing brace)


def _imports(pf: ParsedFile, root: Node) -> dict[str, tuple[str, ...]]:
    """Top-level ``use`` names of the file: local name → full path."""
    out: dict[str, tuple[str, ...]] = {}

    def add(node: Node, prefix: tuple[str, ...]) -> None:
        kind = node.type
        if kind in ("identifier", "scoped_identifier"):
            segs = path_segments(pf, node) or []
            if segs:
                out[segs[-1]] = (*prefix, *segs)
        elif kind == "use_as_clause":
            segs = path_segments(pf, node.child_by_field_name("path")) or []
            alias = node.child_by_field_name("alias")
            if segs and alias is not None:
                out[pf.text(alias)] = (*prefix, *segs)
        elif kind == "scoped_use_list":
            segs = path_segments(pf, node.child_by_field_name("path")) or []
            lst = node.child_by_field_name("list")
            for child in lst.named_children if lst is not None else []:
                add(child, (*prefix, *segs))
        elif kind == "use_list":
            for child in node.named_children:
                add(child, prefix)

    for item in root.named_children:
        if item.type == "use_declaration":
            arg = item.child_by_field_name("argument")
            if arg is not None:
                add(arg, ())
    return out


def _full(segs: list[str], imports: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    if not segs:
        return ()
    head = imports.get(segs[0])
    return (*head, *segs[1:]) if head is not None else tuple(segs)


def _call_path(pf: ParsedFile, call: Node, imports: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    func = call.child_by_field_name("function")
    if func is not None and func.type == "generic_function":
        func = func.child_by_field_name("function")
    return _full(path_segments(pf, func) or [], imports)


def _server(pf: ParsedFile, call: Node, imports: dict[str, tuple[str, ...]]) -> str | None:
    """The framework when ``call`` is the call that makes a server future, else None."""
    path = _call_path(pf, call, imports)
    if path[-1:] == ("serve",) and path[:1] == ("axum",) and len(path) == 2:
        return "axum"
    root, chain = method_chain(call)
    if not chain or chain[-1].call != call or root.type != "call_expression":
        return None
    method = chain[-1].name
    rpath = _call_path(pf, root, imports)
    names = [c.name for c in chain]
    if method == "run" and rpath[-2:] == ("HttpServer", "new") and (len(rpath) == 2 or rpath[0] == "actix_web"):
        return "actix-web"
    if method == "run" and rpath == ("warp", "serve"):
        return "warp"
    if method == "launch" and rpath in (("rocket", "build"), ("rocket", "custom")):
        return "rocket"
    if method == "serve" and rpath in (("axum", "Server", "bind"), ("hyper", "Server", "bind")):
        return "hyper"
    axum_server = rpath[:1] == ("axum_server",) and rpath[-1].startswith("bind")
    if method == "serve" and axum_server and "serve" not in names[:-1]:
        return "axum-server"
    return None


def _outer(node: Node) -> tuple[Node, bool]:
    """Follow ``node`` up through further method calls and ``?``; True when it is ``.await``ed."""
    cur = node
    for _ in range(64):
        parent = cur.parent
        if parent is None:
            break
        if parent.type == "await_expression":
            return parent, True
        if parent.type == "try_expression":
            cur = parent
            continue
        if parent.type == "field_expression" and parent.child_by_field_name("value") == cur:
            grand = parent.parent
            if grand is not None and grand.type == "call_expression":
                cur = grand
                continue
        break
    return cur, False


def _mentions(pf: ParsedFile, node: Node, name: str) -> bool:
    return any(n.type == "identifier" and pf.text(n) == name for n in walk_named(node, 200_000))


def _harmless(pf: ParsedFile, stmt: Node) -> bool:
    """A statement after which ``main`` still ends at once: printing/logging, ``Ok(())``, ``()``."""
    node = stmt
    if node.type == "expression_statement" and node.named_children:
        node = node.named_children[0]
    if node.type == "return_expression":
        inner = node.named_children
        if not inner:
            return True
        node = inner[0]
    if node.type in ("unit_expression", "line_comment", "block_comment", "empty_statement"):
        return True
    if node.type == "macro_invocation":
        segs = path_segments(pf, node.child_by_field_name("macro")) or []
        if not segs or segs[-1] not in _PRINT_MACROS:
            return False
        return not any(t.type == "identifier" and pf.text(t) == "await" for t in walk_named(node, 50_000))
    if node.type == "call_expression":
        func = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        if func is not None and func.type == "generic_function":
            func = func.child_by_field_name("function")
        if func is not None and pf.text(func) == "Ok" and args is not None:
            return all(a.type in ("unit_expression", "line_comment") for a in args.named_children)
    return False


def _spawned(pf: ParsedFile, node: Node, imports: dict[str, tuple[str, ...]]) -> Node | None:
    """The spawn call when ``node`` is its only argument (``tokio::spawn(x)``, ``thread::spawn(move || x)``)."""
    parent = node.parent
    if parent is None or parent.type != "arguments" or len(parent.named_children) != 1:
        return None
    call = parent.parent
    if call is None or call.type != "call_expression":
        return None
    path = _call_path(pf, call, imports)
    return call if path and path[-1] in _SPAWNS and len(path) >= 2 else None


def _statement_of(node: Node, body: Node) -> Node | None:
    """The top-level statement of ``body`` that is ``node`` itself (as a statement or a let value)."""
    parent = node.parent
    if parent == body:
        return node
    if parent is not None and parent.parent == body and parent.type in ("expression_statement", "let_declaration"):
        return parent
    return None


def _fate(pf: ParsedFile, server: Node, body: Node, imports: dict[str, tuple[str, ...]]) -> tuple[str, Node] | None:
    """How the server future ends up at the top level of main: (how, statement), or None when it is
    awaited, kept, or in a shape we do not follow."""
    cur, awaited = _outer(server)
    how = "dropped"
    if awaited:
        # awaited inside an async block or closure that is spawned at the top level of main
        holder = cur.parent
        while holder is not None and holder != body and holder.type not in ("async_block", "closure_expression"):
            holder = holder.parent
        if holder is None or holder == body:
            return None
        if holder.type == "async_block" and holder.parent is not None and holder.parent.type == "closure_expression":
            holder = holder.parent
        cur = holder
        if _spawned(pf, cur, imports) is None:
            return None
    spawn = _spawned(pf, cur, imports)
    if spawn is not None:
        how, cur = "spawned", spawn
    stmt = _statement_of(cur, body)
    if stmt is None:
        return None
    if stmt.type == "let_declaration":
        pattern = stmt.child_by_field_name("pattern")
        if pattern is None:
            return None
        if pattern.type == "identifier" and pf.text(pattern) != "_":
            name = pf.text(pattern)
            later = [s for s in body.named_children if s.start_byte > stmt.end_byte]
            uses = [s for s in later if _mentions(pf, s, name)]
            if not uses:
                return ("spawned" if how == "spawned" else "unused"), stmt
            if how == "spawned" or len(uses) != 1:
                return None  # the handle is used (awaited, joined, selected): kept alive
            # `let server = …run(); tokio::spawn(server);` and nothing waits for the task
            use_stmt = uses[0]
            inner = use_stmt.named_children[0] if use_stmt.type == "expression_statement" else None
            if inner is None or inner.type != "call_expression":
                return None
            args = inner.child_by_field_name("arguments")
            arg = args.named_children[0] if args is not None and len(args.named_children) == 1 else None
            if arg is None or pf.text(arg) != name or _spawned(pf, arg, imports) is None:
                return None
            return "spawned", use_stmt
        if pattern.type != "identifier" and pf.text(pattern) != "_":
            return None
    return how, stmt


def _async_main(pf: ParsedFile, root: Node) -> Node | None:
    for item in root.named_children:
        if item.type != "function_item":
            continue
        name = item.child_by_field_name("name")
        if name is None or pf.text(name) != "main" or has_cfg_test(pf, item):
            continue
        mods = [c for c in item.children if c.type == "function_modifiers"]
        if not mods or "async" not in pf.text(mods[0]).split():
            return None
        if not any((attribute_name(pf, a) or [""])[-1] == "main" for a in item_attributes(item)):
            return None
        return item
    return None


class _Helpers:
    """Functions of the crate that ``main`` calls and that make the server: an ``async fn`` with a server
    future in it (its own future must be awaited for the server to exist), or a plain ``fn`` that returns
    the server (its return type names ``Server``/``Serve``)."""

    def __init__(self, main_file: Path, lib_file: Path | None, lib_name: str | None) -> None:
        from viworks_lint.rust.modules import CrateIndex

        self.index = CrateIndex(lib_name)
        if lib_file is not None and lib_name is not None:
            self.index.add_crate(lib_file, lib_name)
        crate = self.index.add_crate(main_file, "main")
        self.root = crate.root
        self.memo: dict[tuple[str, int], str | None] = {}

    def framework(self, pf: ParsedFile, call: Node) -> str | None:
        if self.root is None:
            return None
        func = call.child_by_field_name("function")
        if func is None or func.type not in ("identifier", "scoped_identifier"):
            return None
        fn = self.index.resolve_fn(self.root, path_segments(pf, func))
        if fn is None or fn.impl_type is not None:
            return None
        if fn.key not in self.memo:
            self.memo[fn.key] = _makes_server(fn.file, fn.node)
        return self.memo[fn.key]


def _makes_server(pf: ParsedFile, fn: Node) -> str | None:
    body = fn.child_by_field_name("body")
    root = pf.root
    if body is None or root is None or body.has_error:
        return None
    mods = [c for c in fn.children if c.type == "function_modifiers"]
    is_async = bool(mods) and "async" in pf.text(mods[0]).split()
    ret = pf.text(fn.child_by_field_name("return_type"))
    if not is_async and "Serve" not in ret:
        return None
    imports = _imports(pf, root)
    for node in walk_named(body):
        if node.type == "call_expression":
            found = _server(pf, node, imports)
            if found is not None:
                return found
    return None


def server_exits(main_file: Path, lib_file: Path | None = None, lib_name: str | None = None) -> list[ServerExit]:
    """Servers the ``async fn main`` in ``main_file`` makes (itself, or through a function of the crate it
    calls) and does not wait for. Never raises."""
    try:
        return _server_exits(parse_file(main_file), lambda: _Helpers(main_file, lib_file, lib_name))
    except (RecursionError, ValueError):
        return []


def _server_exits(pf: ParsedFile, helpers: Callable[[], _Helpers]) -> list[ServerExit]:
    root = pf.root
    if root is None:
        return []
    main = _async_main(pf, root)
    body = main.child_by_field_name("body") if main is not None else None
    if body is None or body.has_error:
        return []
    imports = _imports(pf, root)
    found_helpers: _Helpers | None = None
    out: list[ServerExit] = []
    for node in walk_named(body):
        if node.type != "call_expression":
            continue
        framework = _server(pf, node, imports)
        if framework is None:
            func = node.child_by_field_name("function")
            if func is None or func.type not in ("identifier", "scoped_identifier"):
                continue
            if found_helpers is None:
                found_helpers = helpers()
            framework = found_helpers.framework(pf, node)
            if framework is None:
                continue
        fate = _fate(pf, node, body, imports)
        if fate is None:
            continue
        how, stmt = fate
        tail = [s for s in body.named_children if s.start_byte > stmt.end_byte]
        if all(_harmless(pf, s) for s in tail):
            close = body.children[-1] if body.children else body
            out.append(ServerExit(framework, how, pf.location(node), pf.location(close)))
    return out
