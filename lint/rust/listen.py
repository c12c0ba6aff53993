"""Addresses the server binds: actix ``HttpServer::bind``, tokio/std ``TcpListener::bind``,
``axum::Server::bind``, with host/port followed back to literals and env reads."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tree_sitter import Node
from viworks_lint.rust.bindings import MAX_DEPTH, find_binding, fn_returns
from viworks_lint.rust.context import Ctx, ctx_at
from viworks_lint.rust.facts import ListenAddr
from viworks_lint.rust.literals import comment_free
from viworks_lint.rust.modules import CrateIndex
from viworks_lint.rust.parsing import SERVER_BIND_METHODS, WARP_BIND_METHODS, ParsedFile
from viworks_lint.rust.syntax import call_args, method_chain, path_segments, unparen
from viworks_lint.rust.values import PASSTHROUGH, Val, eval_str, format_pieces

_FREE_BIND = {
    ("TcpListener", "bind"),
    ("Server", "bind"),
    ("axum_server", "bind"),
    ("axum_server", "bind_rustls"),
    ("Server", "try_bind"),
}


@dataclass(frozen=True)
class Addr:
    host: str | None = None
    port: int | None = None
    host_env: str | None = None
    port_env: str | None = None
    addr_env: str | None = None


def collect_listens(index: CrateIndex) -> list[ListenAddr]:
    out: list[ListenAddr] = []
    for info in index.file_infos():
        pf = info.parsed
        for call in [*pf.captures("freebind"), *pf.captures("methbind")]:
            if index.is_excluded(info, call):
                continue
            func = call.child_by_field_name("function")
            if func is None:
                continue
            arg: Node | None = None
            try:
                if func.type == "scoped_identifier":
                    segs = path_segments(pf, func) or []
                    if tuple(segs[-2:]) in _FREE_BIND:
                        args = call_args(call)
                        arg = args[0] if args else None
                elif func.type == "field_expression":
                    fld = func.child_by_field_name("field")
                    method = pf.text(fld)
                    if method in SERVER_BIND_METHODS or method in WARP_BIND_METHODS:
                        ctx = ctx_at(index, info, call)
                        roots = (["HttpServer", "new"],) if method in SERVER_BIND_METHODS else ()
                        if method in WARP_BIND_METHODS:
                            roots = (*roots, ["warp", "serve"])
                        if _is_server(ctx, func.child_by_field_name("value"), roots, 0):
                            args = call_args(call)
                            arg = args[0] if args else None
                if arg is None or _probe(pf, call):
                    continue
                ctx = ctx_at(index, info, call)
                addr = eval_addr(ctx, arg, 0) or Addr()
                if addr.port == 0 and addr.port_env is None and addr.addr_env is None:
                    continue  # port 0: an ephemeral listener (tests, helpers), never the service's port
                if addr.port is None and addr.port_env is None and _port_zero_default(pf, arg):
                    continue  # `format!("127.0.0.1:{}", port.unwrap_or(0))`: ephemeral unless a caller asks
                out.append(
                    ListenAddr(pf.location(arg), addr.host, addr.port, addr.host_env, addr.port_env, addr.addr_env)
                )
            except RecursionError:
                continue
    return out


_PORT_ZERO = re.compile(r"\b([A-Za-z_]\w*)\s*\.unwrap_or\(\s*0\s*\)\s*[,)]?\s*\)?\s*;?\s*$")


def _port_zero_default(pf: ParsedFile, arg: Node) -> bool:
    """The address (or the binding it names) ends with a port that defaults to 0, `port.unwrap_or(0)` as the last
    argument of its `format!` or `(host, port)` tuple, where `port` is a parameter of the function (a caller may
    name a port, by default the OS picks one): not one read from the environment or configuration."""
    node = unparen(arg)
    while node is not None and node.type == "reference_expression":
        node = unparen(node.named_children[-1]) if node.named_children else None
    if node is not None and node.type == "identifier":
        b = find_binding(pf, node, pf.text(node))
        node = b.value if b is not None else None
    m = _PORT_ZERO.search(comment_free(pf.text(node))) if node is not None else None
    if node is None or m is None:
        return False
    port = find_binding(pf, node, m.group(1))
    return port is not None and port.kind == "param"


def _probe(pf: ParsedFile, call: Node) -> bool:
    """A bind whose listener is dropped at once, only its success tested: `.is_ok()`/`.is_err()`,
    `.ok().is_some()`, `match bind(..) { Ok(_) => true, .. }`, `if let Ok(_) = bind(..)`. A check that a port is
    free; no server listens there."""
    node, parent = call, call.parent
    while parent is not None and parent.type in ("parenthesized_expression", "await_expression"):
        node, parent = parent, parent.parent
    if parent is None:
        return False
    if parent.type == "field_expression":
        field = parent.child_by_field_name("field")
        name = pf.text(field) if field is not None else ""
        if name in ("is_ok", "is_err"):
            return True
        outer = parent.parent
        if name == "ok" and outer is not None and outer.type == "call_expression" and outer.parent is not None:
            nxt = outer.parent.child_by_field_name("field") if outer.parent.type == "field_expression" else None
            return nxt is not None and pf.text(nxt) in ("is_some", "is_none")
        return False
    if parent.type == "match_expression" and parent.child_by_field_name("value") == node:
        body = parent.child_by_field_name("body")
        arms = [a for a in (body.named_children if body is not None else []) if a.type == "match_arm"]
        patterns = [p for a in arms if (p := a.child_by_field_name("pattern")) is not None]
        return any(re.match(r"^Ok\s*\(\s*_\s*\)", pf.text(p)) for p in patterns)
    if parent.type == "let_condition":
        pattern = parent.child_by_field_name("pattern")
        return pattern is not None and re.match(r"^Ok\s*\(\s*_\s*\)$", pf.text(pattern)) is not None
    return False


def _is_server(ctx: Ctx, node: Node | None, roots: tuple[list[str], ...], depth: int) -> bool:
    """The receiver is a server built by one of `roots` (`HttpServer::new(..)`, `warp::serve(..)`), directly,
    through a method chain or through a binding."""
    node = unparen(node)
    if node is None or depth > MAX_DEPTH:
        return False
    chain_root, _ = method_chain(node)
    root = unparen(chain_root)
    if root is None:
        return False
    if root.type == "call_expression":
        segs = path_segments(ctx.pf, root.child_by_field_name("function")) or []
        return segs[-2:] in roots
    if root.type == "identifier":
        b = find_binding(ctx.pf, root, ctx.pf.text(root))
        if b is not None and b.value is not None:
            return _is_server(ctx, b.value, roots, depth + 1)
    return False


def _port(val: Val | None) -> tuple[int | None, str | None]:
    if val is None:
        return None, None
    port = None
    if val.text is not None and val.text.strip().isdecimal():
        port = int(val.text.strip())
    return port, val.env


def split_addr(text: str) -> tuple[str | None, int | None]:
    text = text.strip()
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            return None, None
        host, rest = text[1:end], text[end + 1 :]
        if rest.startswith(":") and rest[1:].isdecimal():
            return host, int(rest[1:])
        return host, None
    if text.count(":") == 1:
        host, port = text.split(":")
        return host, (int(port) if port.isdecimal() else None)
    if text.isdecimal():
        return None, int(text)
    return (text or None), None


def eval_ip(ctx: Ctx, node: Node | None, depth: int) -> Val | None:
    node = unparen(node)
    if node is None or depth > MAX_DEPTH:
        return None
    pf = ctx.pf
    if node.type == "array_expression":
        parts = [eval_str(ctx, c, depth + 1) for c in node.named_children]
        if len(parts) == 4 and all(p is not None and p.text is not None and p.env is None for p in parts):
            return Val(".".join(p.text for p in parts if p is not None and p.text is not None))
        if len(parts) == 8 and all(p is not None and p.text == "0" for p in parts):
            return Val("::")
        return None
    if node.type == "call_expression":
        segs = path_segments(pf, node.child_by_field_name("function")) or []
        args = call_args(node)
        if segs[-2:] in (["Ipv4Addr", "new"],) and len(args) == 4:
            parts = [eval_str(ctx, a, depth + 1) for a in args]
            if all(p is not None and p.text is not None for p in parts):
                return Val(".".join(p.text for p in parts if p is not None and p.text is not None))
            return None
        if segs[-1:] in (["V4"], ["V6"], ["from"]) and len(args) == 1:
            return eval_ip(ctx, args[0], depth + 1)
        root, methods = method_chain(node)
        if methods and all(m.name in PASSTHROUGH for m in methods):
            return eval_ip(ctx, root, depth + 1)
    if node.type == "identifier":
        b = find_binding(pf, node, pf.text(node))
        if b is not None:
            return eval_ip(ctx, b.value, depth + 1) if b.value is not None else None
    return eval_str(ctx, node, depth + 1)


def eval_addr(ctx: Ctx, node: Node | None, depth: int) -> Addr | None:
    node = unparen(node)
    if node is None or depth > MAX_DEPTH:
        return None
    pf = ctx.pf
    kind = node.type
    if kind == "tuple_expression":
        elems = node.named_children
        if len(elems) == 2:
            host = eval_ip(ctx, elems[0], depth + 1)
            port, port_env = _port(eval_str(ctx, elems[1], depth + 1))
            return Addr(
                host.text if host is not None else None,
                port,
                host.env if host is not None else None,
                port_env,
            )
        return None
    if kind == "identifier":
        b = find_binding(pf, node, pf.text(node))
        if b is not None:
            return eval_addr(ctx, b.value, depth + 1) if b.value is not None else None
        return _from_scalar(eval_str(ctx, node, depth + 1))
    if kind in ("try_expression", "await_expression"):
        inner = node.named_children
        return eval_addr(ctx, inner[0], depth + 1) if inner else None
    if kind == "macro_invocation":
        return _format_addr(ctx, node, depth)
    if kind == "call_expression":
        segs = path_segments(pf, node.child_by_field_name("function")) or []
        args = call_args(node)
        if len(segs) >= 2 and segs[-2] in ("SocketAddr", "SocketAddrV4", "SocketAddrV6"):
            if segs[-1] in ("from", "V4", "V6") and len(args) == 1:  # `SocketAddr::V4(SocketAddrV4::new(…))`
                return eval_addr(ctx, args[0], depth + 1)
            if segs[-1] == "new" and len(args) >= 2:
                host = eval_ip(ctx, args[0], depth + 1)
                port, port_env = _port(eval_str(ctx, args[1], depth + 1))
                return Addr(host.text if host else None, port, host.env if host else None, port_env)
            return None
        root, methods = method_chain(node)
        if methods and all(m.name in PASSTHROUGH or m.name in ("unwrap_or", "unwrap_or_else") for m in methods):
            rootu = unparen(root)
            if rootu is not None and rootu.type in ("tuple_expression", "macro_invocation"):
                return eval_addr(ctx, rootu, depth + 1)
            if rootu is not None and rootu.type == "identifier" and all(m.name in PASSTHROUGH for m in methods):
                found = eval_addr(ctx, rootu, depth + 1)
                if found is not None:
                    return found
        if not methods:
            fn = ctx.resolve_fn(segs)
            if fn is not None:
                fctx = ctx.for_fn(fn)
                if fctx is not None:
                    for ret in fn_returns(fn.node):
                        found = eval_addr(fctx, ret, depth + 1)
                        if found is not None:
                            return found
                return None
    return _from_scalar(eval_str(ctx, node, depth + 1))


def _from_scalar(val: Val | None) -> Addr | None:
    if val is None:
        return None
    host, port = split_addr(val.text) if val.text is not None else (None, None)
    return Addr(host, port, addr_env=val.env)


def _format_addr(ctx: Ctx, mac: Node, depth: int) -> Addr | None:
    pieces = format_pieces(ctx, mac, depth + 1)
    if pieces is None:
        return None
    # Split at the last ':' written in the literal parts.
    split_at: tuple[int, int] | None = None
    for i, piece in enumerate(pieces):
        if isinstance(piece, str) and ":" in piece and not piece.endswith("]") and "::" not in piece:
            split_at = (i, piece.rfind(":"))
    if split_at is None:
        if len(pieces) == 1 and not isinstance(pieces[0], str) and pieces[0] is not None:
            return _from_scalar(pieces[0])
        return None
    idx, off = split_at
    piece = pieces[idx]
    assert isinstance(piece, str)
    host_parts = [*pieces[:idx], piece[:off]]
    port_parts = [piece[off + 1 :], *pieces[idx + 1 :]]
    host, host_env = _join(host_parts)
    port_text, port_env = _join(port_parts)
    port = int(port_text) if port_text is not None and port_text.isdecimal() else None
    if host is not None and host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return Addr(host or None, port, host_env, port_env)


def _join(parts: list[str | Val | None]) -> tuple[str | None, str | None]:
    parts = [p for p in parts if p != ""]
    env = None
    texts: list[str] = []
    ok = True
    for p in parts:
        if isinstance(p, str):
            texts.append(p)
        elif p is None:
            ok = False
        else:
            if p.env is not None:
                env = p.env if env is None else env
            if p.text is None:
                ok = False
            else:
                texts.append(p.text)
    if len([p for p in parts if not isinstance(p, str)]) > 1:
        env = None
    return ("".join(texts) if ok else None), env
