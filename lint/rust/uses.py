"""The external crates a target's code names: the first segment of ``use x::…``, ``x::f()``, ``x::T``,
``x::m!()``, ``#[x::attr]``, ``#[derive(x::D)]`` and ``extern crate x`` when, under Rust 2018 uniform paths,
nothing in scope has that name (a module, an item, a ``use`` alias, a generic, a glob import that could
bring it, a name a macro may define). Only names this reader is sure about are returned: code under a
``cfg`` other than ``test``, in files with parse errors, or in scopes with unknown names gives none."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from tree_sitter import Node, Query, QueryCursor
from viworks_lint.location import Location
from viworks_lint.rust.parsing import RUST, ParsedFile, parse_file
from viworks_lint.rust.scopes import (
    ITEM_KINDS,
    ModuleScope,
    Scope,
    block_scope,
    find_file,
    generic_names,
    is_macro_attribute,
    module_attributes_open,
    scan_items,
    strip_raw,
)
from viworks_lint.rust.syntax import attribute_name, item_attributes, string_value, token_tree_parts, walk_named

ALWAYS = frozenset({"std", "core", "alloc", "proc_macro", "test"})
TOOLS = frozenset({"rustfmt", "clippy", "diagnostic", "rust_analyzer", "miri", "rustdoc"})  # `#[rustfmt::skip]`
_KEYWORDS = frozenset({"self", "super", "crate", "Self"})  # `extern crate self as name;` parses `self` as a name
PRIMITIVES = frozenset(
    {"bool", "char", "str", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
     "f32", "f64"}
)  # fmt: skip
# Module names a glob import from std/core/alloc can bring (``use std::collections::*`` brings ``hash_map``).
STD_MODULES = frozenset(
    {
        "alloc", "any", "arch", "array", "ascii", "backtrace", "borrow", "boxed", "cell", "char", "clone", "cmp",
        "collections", "convert", "default", "env", "error", "f32", "f64", "ffi", "fmt", "fs", "future", "hash",
        "hint", "i8", "i16", "i32", "i64", "i128", "io", "isize", "iter", "marker", "mem", "net", "num", "ops",
        "option", "os", "panic", "path", "pin", "prelude", "primitive", "process", "ptr", "rc", "result", "slice",
        "str", "string", "sync", "task", "thread", "time", "u8", "u16", "u32", "u64", "u128", "usize", "vec",
        "hash_map", "hash_set", "btree_map", "btree_set", "binary_heap", "linked_list", "vec_deque", "atomic",
        "mpsc", "mpmc", "unix", "windows", "linux", "raw", "consts", "fd", "v1", "rust_2015", "rust_2018",
        "rust_2021", "rust_2024", "c_str", "os_str", "intrinsics", "simd", "assert_matches", "async_iter", "ub_checks",
    }
)  # fmt: skip
_LOWER = re.compile(r"^[a-z_][a-z0-9_]*$")
_GENERIC_HOLDERS = frozenset(
    {"function_item", "function_signature_item", "impl_item", "trait_item", "struct_item", "enum_item",
     "union_item", "type_item"}
)  # fmt: skip
_QUERY_SOURCE = """
(scoped_identifier !path name: (identifier) @global)
(scoped_identifier path: (identifier) @head)
(scoped_type_identifier path: (identifier) @head)
(scoped_use_list path: (identifier) @head)
(use_declaration argument: (identifier) @usehead)
(use_as_clause path: (identifier) @usehead)
(use_wildcard (identifier) @usehead)
(use_list (identifier) @usehead)
(extern_crate_declaration name: (identifier) @extern)
(extern_crate_declaration alias: (identifier) @alias)
(attribute (identifier) @attr arguments: (token_tree))
(macro_definition) @macro
"""
_QUERY: Query | None = None


@dataclass(frozen=True)
class CrateUse:
    name: str  # the crate name the code needs (``r#`` stripped)
    location: Location
    how: str  # use | extern crate | path | macro | attribute | derive
    test_only: bool  # in ``#[cfg(test)]`` / ``#[test]`` code: dev-dependencies count
    module: str | None = None  # a module of this crate with that name (``crate::models``), not in scope here


@dataclass(frozen=True)
class TargetUses:
    uses: tuple[CrateUse, ...] = ()
    aliases: frozenset[str] = frozenset()  # `extern crate x as y` names
    files: tuple[str, ...] = ()


@dataclass(eq=False)
class _File:
    pf: ParsedFile
    module: ModuleScope
    context: str  # "normal" | "test" | "skip"
    inline: dict[int, tuple[ModuleScope, str]] = field(default_factory=dict)  # mod_item start -> module, context


def _query() -> Query:
    global _QUERY
    if _QUERY is None:
        _QUERY = Query(RUST, _QUERY_SOURCE)
    return _QUERY


def _cfg_test(pf: ParsedFile, tt: Node) -> bool:
    for group in token_tree_parts(tt):
        if len(group) == 1 and group[0].type == "identifier" and pf.text(group[0]) == "test":
            return True
        if len(group) == 2 and pf.text(group[0]) == "all" and group[1].type == "token_tree" and _cfg_test(pf, group[1]):
            return True
    return False


def cfg_kind(pf: ParsedFile, attrs: list[Node]) -> str | None:
    """ "other" under any ``cfg`` but test (``feature = …``, ``windows``, ``not(test)``), "test" in test-only
    code (``cfg(test)``, ``#[test]``, ``#[tokio::test]``), None otherwise."""
    kind = None
    for attr in attrs:
        name = attribute_name(pf, attr)
        if name == ["cfg"]:
            args = attr.child_by_field_name("arguments")
            if args is None or not _cfg_test(pf, args):
                return "other"
            kind = "test"
        elif name and name[-1] == "test":
            kind = "test"
    return kind


def _inner_cfg(pf: ParsedFile, root: Node) -> str | None:
    attrs = [c for item in root.named_children if item.type == "inner_attribute_item" for c in item.named_children]
    return cfg_kind(pf, [a for a in attrs if a.type == "attribute"])


class _Reader:
    def __init__(self) -> None:
        self.files: list[_File] = []
        self.local_macros: set[str] = set()
        self.macro_idents: set[str] = set()  # identifiers in macro_rules bodies: names a macro may define
        self.aliases: set[str] = set()
        self.module_paths: dict[str, str] = {}  # module name -> its path from the crate root
        self.seen: set[Path] = set()

    # ------------------------------------------------------------------ module tree

    def load(self, path: Path, module: ModuleScope, context: str) -> None:
        if path in self.seen or len(self.seen) > 20_000:
            module.open = True
            return
        self.seen.add(path)
        pf = parse_file(path)
        root = pf.root
        if root is None:
            module.open = True
            return
        if root.has_error:
            module.open = True
            context = "skip"
        inner = _inner_cfg(pf, root)
        if inner == "other":
            context = "skip"
        elif inner == "test" and context == "normal":
            context = "test"
        entry = _File(pf, module, context)
        self.files.append(entry)
        for node in QueryCursor(_query()).captures(root).get("macro", []):
            name = node.child_by_field_name("name")
            if name is not None:
                self.local_macros.add(pf.text(name))
            for tok in walk_named(node, 200_000):
                if tok.type == "identifier":
                    self.macro_idents.add(strip_raw(pf.text(tok)))
        self._scan(entry, root, module, context, file_level=True, depth=0)

    def _scan(
        self, entry: _File, container: Node, module: ModuleScope, context: str, file_level: bool, depth: int
    ) -> None:
        pf = entry.pf
        for item in scan_items(pf, container, module, self.local_macros):
            name_node = item.child_by_field_name("name")
            if name_node is None:
                continue
            name = strip_raw(pf.text(name_node))
            attrs = item_attributes(item)
            cfg = cfg_kind(pf, attrs)
            child_context = "skip" if cfg == "other" or context == "skip" else ("test" if cfg == "test" else context)
            child = ModuleScope(parent=module, root=module.root)
            child.open = module_attributes_open(pf, item)
            if cfg != "other" or name not in module.children:
                module.children[name] = child
            path_attr = None
            for attr in attrs:
                if attribute_name(pf, attr) == ["path"]:
                    path_attr = string_value(pf, attr.child_by_field_name("value"))
            base = module.child_dir or pf.path.parent
            body = item.child_by_field_name("body")
            if body is not None:
                child.child_dir = base / (path_attr if path_attr is not None else name)
                entry.inline[item.start_byte] = (child, child_context)
                if depth < 64:
                    self._scan(entry, body, child, child_context, file_level=False, depth=depth + 1)
                continue
            found = find_file(base, name, path_attr, pf.path.parent if file_level else base)
            if found is None:
                child.open = True  # `#[path]` we cannot follow, a file generated at build time
                continue
            child.child_dir = found[1]
            self.load(found[0], child, child_context)

    # ------------------------------------------------------------------ resolution

    def _resolve_module(self, module: ModuleScope, path: tuple[str, ...]) -> ModuleScope | set[str] | None:
        cur = module
        segs = list(path)
        if segs and segs[0] == "crate":
            cur, segs = (module.root or module), segs[1:]
        elif segs and segs[0] == "self":
            segs = segs[1:]
        else:
            while segs and segs[0] == "super":
                cur, segs = (cur.parent or cur), segs[1:]
        for i, seg in enumerate(segs):
            if seg in cur.children:
                cur = cur.children[seg]
            elif i == len(segs) - 1 and seg in cur.enum_variants:
                return cur.enum_variants[seg]
            else:
                return None
        return cur

    def _glob_brings(self, module: ModuleScope, glob: tuple[str, ...], name: str, visited: set[int]) -> bool:
        if not glob:
            return True
        if glob[0] in ("std", "core", "alloc"):
            return name in STD_MODULES
        target = self._resolve_module(module, glob)
        if target is None:
            return True  # another crate's items, or a path through an import: anything may come
        if isinstance(target, set):
            return name in target
        return self._could_have(target, name, visited, own_import=False)

    def _could_have(
        self, scope: Scope, name: str, visited: set[int], own_import: bool, at: ModuleScope | None = None
    ) -> bool:
        """``name`` is (or may be) defined in ``scope``. ``own_import``: the path is the one of a one-segment
        ``use name;``, which does not name itself."""
        if id(scope) in visited:
            return False
        visited.add(id(scope))
        if scope.open or name in scope.names or (not own_import and name in scope.self_imports):
            return True
        if scope.has_prefix_of(name):
            return True
        if isinstance(scope, ModuleScope) and name in scope.children:
            return True
        base = at if at is not None else (scope if isinstance(scope, ModuleScope) else None)
        if base is None:
            return bool(scope.globs)
        return any(self._glob_brings(base, g, name, visited) for g in scope.globs)

    # ------------------------------------------------------------------ references

    def _index_modules(self, module: ModuleScope, path: str, depth: int = 0) -> None:
        for name, child in module.children.items():
            self.module_paths.setdefault(name, f"{path}::{name}")
            if depth < 32:
                self._index_modules(child, f"{path}::{name}", depth + 1)

    def references(self) -> list[CrateUse]:
        if self.files:
            self._index_modules(self.files[0].module, "crate")
        # Two passes, each holding one file's nodes at a time (nodes keep their file's whole syntax tree in
        # memory): the aliases of every file first, since any file's check reads them, then the uses.
        for entry in self.files:
            root = entry.pf.root
            if root is not None:
                for node in QueryCursor(_query()).captures(root).get("alias", []):
                    self.aliases.add(strip_raw(entry.pf.text(node)))
        out: list[CrateUse] = []
        for entry in self.files:
            root = entry.pf.root if entry.context != "skip" else None
            if root is None:
                continue
            caps = QueryCursor(_query()).captures(root)
            for kind in ("global", "head", "usehead", "extern", "attr"):
                for node in caps.get(kind, []):
                    for head, how in self._heads(entry.pf, node, kind):
                        use = self._check(entry, head, how, kind)
                        if use is not None:
                            out.append(use)
        return out

    def _heads(self, pf: ParsedFile, node: Node, kind: str) -> list[tuple[Node, str]]:
        if kind == "attr":
            if pf.text(node) != "derive" or node.parent is None:
                return []
            args = node.parent.child_by_field_name("arguments")
            toks = list(args.children) if args is not None else []
            return [
                (t, "derive")
                for i, t in enumerate(toks)
                if t.type == "identifier"
                and i + 1 < len(toks)
                and toks[i + 1].type == "::"
                and (i == 0 or toks[i - 1].type != "::")
            ]
        if kind == "extern":
            return [(node, "extern crate")]
        # inside a use tree: only the first segment of the whole path is a head
        how = "path"
        cur: Node | None = node.parent
        child = node
        while cur is not None:
            if cur.type == "scoped_use_list" and cur.child_by_field_name("path") != child:
                return []  # relative to the list's prefix
            if cur.type == "use_declaration":
                how = "use"
                break
            if cur.type in ("macro_invocation",) and cur.child_by_field_name("macro") == child:
                how = "macro"
                break
            if cur.type == "attribute":
                how = "attribute"
                break
            if cur.type not in (
                "scoped_identifier",
                "scoped_type_identifier",
                "use_list",
                "use_as_clause",
                "use_wildcard",
                "scoped_use_list",
                "generic_type",
                "generic_function",
            ):
                break
            child, cur = cur, cur.parent
        return [(node, how)]

    def _check(self, entry: _File, head: Node, how: str, kind: str) -> CrateUse | None:
        pf = entry.pf
        name = strip_raw(pf.text(head))
        if not _LOWER.match(name) or name in ALWAYS or name in PRIMITIVES or name in TOOLS or name in _KEYWORDS:
            return None
        if how == "attribute" and not _sole_macro_attribute(pf, head):
            return None
        test = entry.context == "test"
        module = entry.module
        blocks: list[Node] = []
        generics: set[str] = set()
        cur: Node | None = head
        while cur is not None:
            if cur.is_error or cur.is_missing:
                return None
            t = cur.type
            if t == "mod_item" and cur.start_byte in entry.inline:
                module, context = entry.inline[cur.start_byte]
                if context == "skip":
                    return None
                test = test or context == "test"
                break
            if t == "block":
                blocks.append(cur)
            elif t in _GENERIC_HOLDERS:
                generics |= generic_names(pf, cur)
            cfg = cfg_kind(pf, _attributes_on(cur))
            if cfg == "other":
                return None
            test = test or cfg == "test"
            cur = cur.parent
        # attributes on enclosing inline modules (and above) were seen on the way up; the file's own
        # context came from the `mod` that loaded it
        if kind not in ("extern", "global"):
            if name in generics or name in self.aliases or name in self.macro_idents:
                return None
            single_use = how == "use"  # a `use` path never starts at what that same import brings
            for block in blocks:
                scope = block_scope(pf, block, self.local_macros)
                if self._could_have(scope, name, set(), own_import=single_use, at=module):
                    return None
            if self._could_have(module, name, set(), own_import=single_use):
                return None
        return CrateUse(name, pf.location(head), how, test, self.module_paths.get(name))


def _sole_macro_attribute(pf: ParsedFile, head: Node) -> bool:
    """``#[x::attr]`` on an item that has no other attribute macro: then ``x`` must resolve. On parameters and
    fields, or beside another macro that may consume it (``#[rstest] #[case::name(..)]``), no claim."""
    attr = head.parent
    while attr is not None and attr.type != "attribute":
        attr = attr.parent
    holder = attr.parent if attr is not None else None
    if holder is None or holder.type != "attribute_item":
        return False
    item = _attributed(holder)
    if item is None or item.type not in ITEM_KINDS | {"impl_item"}:
        return False
    macros = [a for a in item_attributes(item) if is_macro_attribute(pf, a)]
    return len(macros) == 1


# Nodes whose `attribute_item` children belong to the next sibling, not to the node itself.
_ATTRIBUTE_CONTAINERS = frozenset(
    {
        "source_file", "declaration_list", "block", "field_declaration_list", "enum_variant_list",
        "field_initializer_list", "match_block", "parameters", "arguments", "array_expression", "tuple_expression",
        "token_tree", "closure_parameters", "ordered_field_declaration_list", "type_parameters",
    }
)  # fmt: skip


def _attributes_on(node: Node) -> list[Node]:
    """The attributes that apply to ``node``: ``attribute_item``s just before it, or (match arms, struct
    expression fields) at the start of its own children."""
    attrs: list[Node] = []
    owner = _attributed(node)
    if node.type == "attribute_item":
        return item_attributes(owner) if owner is not None else []
    if owner is not None and owner.id == node.id:
        attrs.extend(item_attributes(node))
    if node.type not in _ATTRIBUTE_CONTAINERS:
        for child in node.children:
            if child.type == "attribute_item":
                attrs.extend(c for c in child.named_children if c.type == "attribute")
            elif child.type not in ("line_comment", "block_comment"):
                break
    return attrs


def _attributed(node: Node) -> Node | None:
    """The item or statement whose attributes apply to ``node``: itself when attributes precede it, the
    item an attribute belongs to when ``node`` is an attribute."""
    if node.type == "attribute_item":
        nxt = node.next_sibling
        while nxt is not None and nxt.type in ("attribute_item", "line_comment", "block_comment"):
            nxt = nxt.next_sibling
        return nxt
    prev = node.prev_sibling
    if prev is not None and prev.type in ("attribute_item", "line_comment", "block_comment"):
        return node
    return None


def target_uses(root_file: Path) -> TargetUses:
    """The crate names the target rooted at ``root_file`` uses that nothing in its scope defines. Never raises."""
    reader = _Reader()
    try:
        root = ModuleScope(child_dir=root_file.parent)
        root.root = root
        reader.load(root_file, root, "normal")
        if reader.files and _rustc_private(reader.files[0].pf):
            return TargetUses(files=tuple(str(f.pf.path) for f in reader.files))
        uses = reader.references()
    except (RecursionError, ValueError):
        return TargetUses()
    return TargetUses(tuple(uses), frozenset(reader.aliases), tuple(str(f.pf.path) for f in reader.files))


def _rustc_private(pf: ParsedFile) -> bool:
    root = pf.root
    if root is None:
        return False
    return any(item.type == "inner_attribute_item" and "rustc_private" in pf.text(item) for item in root.named_children)
