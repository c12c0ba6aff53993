"""Parsing Rust files with tree-sitter: the parsed file and its syntax tree, the node kinds collected once
per file, a per-process parse cache, and the memory budget that keeps only recently used trees.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import tree_sitter_rust
from tree_sitter import Language, Node, Parser, Query, QueryCursor, Tree
from viworks_lint.location import Location

RUST: Language = Language(tree_sitter_rust.language())

# Node kinds collected once per file, so later passes never walk whole trees in Python.
_QUERY_SOURCE = """
(call_expression function: (identifier) @name)
(call_expression function: (scoped_identifier name: (identifier) @name))
(call_expression function: (generic_function function: (scoped_identifier name: (identifier) @name)))
(call_expression function: (field_expression field: (field_identifier) @name))
(call_expression function: (generic_function function: (field_expression field: (field_identifier) @name)))
(macro_invocation) @macro
(struct_item) @struct
(function_item) @function
"""

# Call categories, by the called name: the last path segment or the method name.
_ADDERS = frozenset(
    {
        "route", "nest", "merge", "nest_service", "route_service", "fallback", "fallback_service",
        "service", "configure", "default_service",
    }
)  # fmt: skip
# the methods a server takes its listen address with: actix-web's `HttpServer` and warp's `Server`
# (`warp::serve(routes).run(addr)` and its bind variants); the listen reader tells the receivers apart
SERVER_BIND_METHODS = frozenset(
    {"bind", "bind_rustls", "bind_rustls_021", "bind_rustls_0_22", "bind_rustls_0_23", "bind_openssl",
     "bind_auto_h2c"}
)  # fmt: skip
WARP_BIND_METHODS = frozenset(
    {"run", "bind", "try_bind", "bind_with_graceful_shutdown", "try_bind_with_graceful_shutdown"}
)
_CATEGORIES: dict[tuple[bool, str], tuple[str, ...]] = {}
for _n in ("var", "var_os"):
    _CATEGORIES[(False, _n)] = ("envcall",)
_CATEGORIES[(False, "from_env")] = ("envy",)
_CATEGORIES[(True, "from_env")] = ("envy",)
for _n in ("new", "default"):
    _CATEGORIES[(False, _n)] = ("ctor",)
for _n in ("bind", "try_bind", "bind_rustls"):
    _CATEGORIES[(False, _n)] = (*_CATEGORIES.get((False, _n), ()), "freebind")
for _n in SERVER_BIND_METHODS | WARP_BIND_METHODS:
    _CATEGORIES[(True, _n)] = (*_CATEGORIES.get((True, _n), ()), "methbind")
for _n in _ADDERS:
    _CATEGORIES[(True, _n)] = (*_CATEGORIES.get((True, _n), ()), "adder")
_CATEGORY_BYTES = {(m, k.encode()): v for (m, k), v in _CATEGORIES.items()}

_MAX_FILE_BYTES = 8 * 1024 * 1024


@dataclass(eq=False)
class ParsedFile:
    """A Rust file and its syntax tree. The tree is the large part (tens of times the source's size), so
    only the most recently used trees stay in memory (see :class:`_Trees`); an evicted tree is parsed
    again from the kept source when it is next asked for. Nodes handed out before an eviction stay
    valid (each keeps its own tree alive), but compare equal only to nodes of the same parse: compare
    positions (``start_byte``) across passes, not nodes."""

    path: Path
    src: bytes
    _tree: Tree | None
    read_error: str | None = None
    _captures: dict[str, list[Node]] | None = field(default=None, repr=False)
    memo: dict[object, object] = field(default_factory=dict, repr=False)  # per-file caches of later passes
    _evicted: bool = field(default=False, repr=False)
    _capture_names: frozenset[str] | None = field(default=None, repr=False)  # kept across evictions

    def __post_init__(self) -> None:
        if self._tree is not None:
            _TREES.keep(self)

    @property
    def tree(self) -> Tree | None:
        if self._tree is None and self._evicted:
            self._tree = _parser().parse(self.src)
            self._evicted = False
        if self._tree is not None:
            _TREES.keep(self)
        return self._tree

    def evict(self) -> None:
        """Drop the tree and everything holding its nodes; they are rebuilt on demand."""
        if self._tree is not None:
            self._tree = None
            self._captures = None
            self.memo.clear()
            self._evicted = True

    @property
    def root(self) -> Node | None:
        tree = self.tree
        return tree.root_node if tree is not None else None

    def text(self, node: Node | None) -> str:
        if node is None:
            return ""
        return self.src[node.start_byte : node.end_byte].decode("utf-8", errors="replace")

    def _char_col(self, byte_offset: int, byte_col: int) -> int:
        prefix = self.src[byte_offset - byte_col : byte_offset]
        return len(prefix.decode("utf-8", errors="replace")) + 1

    def location(self, node: Node) -> Location:
        sl, sc = node.start_point
        el, ec = node.end_point
        return Location(
            self.path,
            sl + 1,
            self._char_col(node.start_byte, sc),
            el + 1,
            self._char_col(node.end_byte, ec),
        )

    def captures(self, name: str) -> list[Node]:
        if self._captures is None:
            if self._capture_names is not None and name not in self._capture_names:
                return []  # known from an earlier parse: no need to parse an evicted file again
            self._captures = {}
            root = self.root
            if root is not None:
                try:
                    self._captures = _categorize(QueryCursor(_query()).captures(root))
                except Exception:
                    self._captures = {}
            self._capture_names = frozenset(k for k, v in self._captures.items() if v)
        return self._captures.get(name, [])

    def first_error(self) -> Location | None:
        """Location of the first ERROR or MISSING node, or of the read failure."""
        if self.read_error is not None:
            return Location(self.path, 1, 1)
        root = self.root
        if root is None or not root.has_error:
            return None
        node = root
        while True:
            if node.is_error or node.is_missing:
                return self.location(node)
            nxt = None
            for child in node.children:
                if child.has_error or child.is_missing:
                    nxt = child
                    break
            if nxt is None:
                return self.location(node)
            node = nxt


_QUERY: Query | None = None
_CALLS_QUERY: Query | None = None
# Calls of a function by path (``f(..)``, ``m::f(..)``, ``f::<T>(..)``), not method calls: asked for
# only when some later pass needs them (env helper call sites).
_CALLS_QUERY_SOURCE = """
(call_expression function: [(identifier) (scoped_identifier) (generic_function)]) @call
"""
_LOCAL = threading.local()
_CACHE: dict[tuple[str, int, int], ParsedFile] = {}
_CACHE_LOCK = threading.Lock()

# Source bytes whose trees stay in memory at once. A tree takes about 50 times its source, so this keeps
# trees to roughly 100 MB whatever the size of the crate; smaller crates never evict anything.
TREE_BUDGET_BYTES = 2_000_000


class _Trees:
    """The parsed files whose trees are in memory, least recently used first."""

    def __init__(self) -> None:
        self._order: OrderedDict[int, ParsedFile] = OrderedDict()
        self._bytes = 0

    def keep(self, pf: ParsedFile) -> None:
        key = id(pf)
        if key in self._order:
            self._order.move_to_end(key)
            return
        self._order[key] = pf
        self._bytes += len(pf.src)
        while self._bytes > TREE_BUDGET_BYTES and len(self._order) > 1:
            _, old = self._order.popitem(last=False)
            self._bytes -= len(old.src)
            old.evict()

    def forget(self, pf: ParsedFile) -> None:
        if self._order.pop(id(pf), None) is not None:
            self._bytes -= len(pf.src)


_TREES = _Trees()


def _categorize(found: dict[str, list[Node]]) -> dict[str, list[Node]]:
    out: dict[str, list[Node]] = {k: found.get(k, []) for k in ("macro", "struct", "function")}
    for name in found.get("name", []):
        is_method = name.type == "field_identifier"
        cats = _CATEGORY_BYTES.get((is_method, name.text or b""))
        if not cats:
            continue
        call = name.parent
        while call is not None and call.type != "call_expression":
            call = call.parent
        if call is None:
            continue
        for cat in cats:
            out.setdefault(cat, []).append(call)
    return {k: sorted(v, key=lambda n: n.start_byte) for k, v in out.items()}


def free_calls(pf: ParsedFile) -> list[Node]:
    """Every call of a function by path in the file, in source order (computed once per file)."""
    cached = pf.memo.get("free_calls")
    if isinstance(cached, list):
        return cached
    global _CALLS_QUERY
    found: list[Node] = []
    root = pf.root
    if root is not None:
        try:
            if _CALLS_QUERY is None:
                _CALLS_QUERY = Query(RUST, _CALLS_QUERY_SOURCE)
            found = sorted(QueryCursor(_CALLS_QUERY).captures(root).get("call", []), key=lambda n: n.start_byte)
        except Exception:
            found = []
    pf.memo["free_calls"] = found
    return found


def _query() -> Query:
    global _QUERY
    if _QUERY is None:
        _QUERY = Query(RUST, _QUERY_SOURCE)
    return _QUERY


def _parser() -> Parser:
    parser: Parser | None = getattr(_LOCAL, "parser", None)
    if parser is None:
        parser = Parser(RUST)
        _LOCAL.parser = parser
    return parser


def parse_bytes(path: Path, src: bytes) -> ParsedFile:
    try:
        tree = _parser().parse(src)
    except Exception as exc:  # pragma: no cover - tree-sitter only fails on resource exhaustion
        return ParsedFile(path, src, None, read_error=str(exc))
    return ParsedFile(path, src, tree)


def parse_file(path: Path) -> ParsedFile:
    """Parse ``path`` once per process (keyed by path, mtime and size). Never raises."""
    try:
        st = os.stat(path)
    except OSError as exc:
        return ParsedFile(path, b"", None, read_error=str(exc))
    key = (str(path), st.st_mtime_ns, st.st_size)
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
    if hit is not None:
        return hit
    if st.st_size > _MAX_FILE_BYTES:
        return ParsedFile(path, b"", None, read_error="file too large")
    try:
        src = path.read_bytes()
    except OSError as exc:
        return ParsedFile(path, b"", None, read_error=str(exc))
    parsed = parse_bytes(path, src)
    with _CACHE_LOCK:
        _CACHE[key] = parsed
    return parsed


def find_node(pf: ParsedFile, start: int, end: int, kind: str) -> Node | None:
    """The node of type ``kind`` spanning exactly ``start``..``end`` in the file's current tree: how
    long-lived records find their node again after the tree was evicted and parsed anew."""
    root = pf.root
    found = root.descendant_for_byte_range(start, end) if root is not None else None
    while found is not None and not (found.type == kind and found.start_byte == start and found.end_byte == end):
        found = found.parent
    return found


def clear_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()
