"""Names in scope, for telling a crate name from a local one (Rust 2018 uniform paths).

A module's names are its items (of every kind), its ``use`` imports, ``extern crate`` names, and the
identifiers of item-level macro calls (a macro may define an item named by its input). A scope is
*open* when names may come from where this reader cannot see: a glob import from another crate, a
macro it does not know, an ``include!``, an attribute macro on the module, a file with parse errors.
Then no name there is claimed to be a crate."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from tree_sitter import Node
from viworks_lint.rust.parsing import ParsedFile
from viworks_lint.rust.syntax import attribute_name, item_attributes, path_segments, walk_named

ITEM_KINDS = frozenset(
    {
        "function_item", "function_signature_item", "struct_item", "enum_item", "union_item", "trait_item",
        "type_item", "const_item", "static_item", "mod_item", "macro_definition",
    }
)  # fmt: skip
# Item-level macros known to define only what their input names (or nothing a path can start with).
BENIGN_ITEM_MACROS = frozenset(
    {
        "lazy_static", "thread_local", "bitflags", "cfg_if", "table", "joinable",
        "allow_tables_to_appear_in_same_query", "allow_columns_to_appear_in_same_group_by_clause", "sql_function",
        "define_sql_function", "pin_project", "const_assert", "const_assert_eq", "assert_impl_all",
        "assert_not_impl_any", "assert_eq_size", "assert_obj_safe",
        "task_local", "static_assertions", "newtype", "macro_rules", "debug_assert", "assert", "compile_error",
        "info", "debug", "warn", "error", "trace", "println", "eprintln", "doc", "shadow", "lalrpop_mod",
        "generated_code", "use_contract",
    }
)  # fmt: skip
# Macros of well-known crates that define items named by the macro, not by its input: the names they bring
# into the module or block they are called in (at item level they open nothing else).
GENERATED_NAMES: dict[str, frozenset[str]] = {
    # diesel_migrations 1.x: `embed_migrations!()` expands to `mod embedded_migrations { pub fn run(..) }`;
    # refinery: `embed_migrations!("./migrations")` expands to `mod migrations { pub fn runner() }`
    "embed_migrations": frozenset({"embedded_migrations", "migrations"}),
}
# Attributes that are no macros (built in, or tool attributes).
BUILTIN_ATTRS = frozenset(
    {
        "cfg", "cfg_attr", "path", "allow", "warn", "deny", "forbid", "expect", "doc", "macro_use", "macro_export",
        "must_use", "deprecated", "inline", "cold", "non_exhaustive", "repr", "derive", "automatically_derived",
        "test", "ignore", "should_panic", "no_mangle", "link", "link_name", "export_name", "used", "track_caller",
        "rustfmt", "clippy", "diagnostic", "recursion_limit", "type_length_limit", "debugger_visualizer",
    }
)  # fmt: skip


@dataclass(eq=False)
class Scope:
    """The names of a module or a block, and its glob imports (base paths, not yet resolved)."""

    names: set[str] = field(default_factory=set)
    # names only a one-segment import brings (`use serde_json;`): that import's own path still names a crate
    self_imports: set[str] = field(default_factory=set)
    globs: list[tuple[str, ...]] = field(default_factory=list)
    open: bool = False
    enum_variants: dict[str, set[str]] = field(default_factory=dict)  # local enums, for `use Kind::*`
    # snake_case names of items with a derive or attribute macro: such macros may define `name`, `name_builder`
    # (graphql_client, bon) beside the item
    macro_prefixes: set[str] = field(default_factory=set)

    def has_prefix_of(self, name: str) -> bool:
        return any(name == p or name.startswith(p + "_") for p in self.macro_prefixes)


@dataclass(eq=False)
class ModuleScope(Scope):
    child_dir: Path | None = None  # where its `mod x;` files live
    parent: ModuleScope | None = None
    children: dict[str, ModuleScope] = field(default_factory=dict)
    root: ModuleScope | None = None  # the crate root (itself for the root)


def strip_raw(name: str) -> str:
    return name[2:] if name.startswith("r#") else name


_ITEM_KEYWORDS = frozenset(
    {"mod", "use", "fn", "struct", "enum", "union", "trait", "type", "static", "const", "extern"}
)


def _tokens(node: Node, pf: ParsedFile, out: set[str]) -> None:
    for tok in walk_named(node, 200_000):
        if tok.type == "identifier":
            out.add(strip_raw(pf.text(tok)))


def _declares_items(node: Node) -> bool:
    """A macro input with an item keyword in it (``mod``, ``use``, ``fn``, …)."""
    stack = [node]
    seen = 0
    while stack and seen < 200_000:
        cur = stack.pop()
        seen += 1
        if cur.type in _ITEM_KEYWORDS:
            return True
        stack.extend(cur.children)
    return False


def _use_names(pf: ParsedFile, node: Node, prefix: tuple[str, ...], scope: Scope) -> None:
    kind = node.type
    if kind in ("identifier", "scoped_identifier", "self", "crate", "super"):
        segs = path_segments(pf, node) or []
        if segs == ["self"] and prefix:
            (scope.self_imports if len(prefix) == 1 else scope.names).add(strip_raw(prefix[-1]))
        elif segs:
            (scope.self_imports if len(prefix) + len(segs) == 1 else scope.names).add(strip_raw(segs[-1]))
    elif kind == "use_as_clause":
        alias = node.child_by_field_name("alias")
        if alias is not None:
            scope.names.add(strip_raw(pf.text(alias)))
    elif kind == "use_wildcard":
        inner = node.named_children[0] if node.named_children else None
        base = (path_segments(pf, inner) if inner is not None else None) or []
        scope.globs.append(tuple(strip_raw(s) for s in (*prefix, *base)))
    elif kind == "scoped_use_list":
        list_prefix = path_segments(pf, node.child_by_field_name("path")) or []
        lst = node.child_by_field_name("list")
        for child in lst.named_children if lst is not None else []:
            _use_names(pf, child, (*prefix, *list_prefix), scope)
    elif kind == "use_list":
        for child in node.named_children:
            _use_names(pf, child, prefix, scope)


STD_DERIVES = frozenset({"Debug", "Clone", "Copy", "PartialEq", "Eq", "PartialOrd", "Ord", "Hash", "Default"})


def is_macro_attribute(pf: ParsedFile, attr: Node) -> bool:
    name = attribute_name(pf, attr)
    return bool(name) and name[0] not in BUILTIN_ATTRS


def has_macro(pf: ParsedFile, item: Node) -> bool:
    """An attribute macro or a derive other than the standard ones on ``item``."""
    for attr in item_attributes(item):
        if is_macro_attribute(pf, attr):
            return True
        if attribute_name(pf, attr) == ["derive"]:
            args = attr.child_by_field_name("arguments")
            toks = [pf.text(t) for t in (args.children if args is not None else []) if t.type == "identifier"]
            if any(t not in STD_DERIVES for t in toks):
                return True
    return False


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def scan_items(
    pf: ParsedFile, container: Node, scope: Scope, local_macros: set[str], module_level: bool = True
) -> list[Node]:
    """Record the names ``container``'s items declare in ``scope``; returns its ``mod`` items. In a block,
    a macro call is mostly an expression: only one whose input has an item keyword can define names."""
    mods: list[Node] = []
    for item in container.named_children:
        kind = item.type
        if kind in ITEM_KINDS:
            name = item.child_by_field_name("name")
            if name is not None:
                scope.names.add(strip_raw(pf.text(name)))
                if kind != "mod_item" and has_macro(pf, item):
                    scope.macro_prefixes.add(snake(strip_raw(pf.text(name))))
            if kind == "mod_item":
                mods.append(item)
            elif kind == "enum_item" and name is not None:
                body = item.child_by_field_name("body")
                scope.enum_variants[strip_raw(pf.text(name))] = {
                    strip_raw(pf.text(v.child_by_field_name("name")))
                    for v in (body.named_children if body is not None else [])
                    if v.type == "enum_variant" and v.child_by_field_name("name") is not None
                }
        elif kind == "use_declaration":
            arg = item.child_by_field_name("argument")
            if arg is not None:
                _use_names(pf, arg, (), scope)
        elif kind == "extern_crate_declaration":
            alias = item.child_by_field_name("alias") or item.child_by_field_name("name")
            if alias is not None:
                scope.names.add(strip_raw(pf.text(alias)))
        elif kind == "foreign_mod_item":
            body = item.child_by_field_name("body")
            for sub in body.named_children if body is not None else []:
                name = sub.child_by_field_name("name")
                if name is not None:
                    scope.names.add(strip_raw(pf.text(name)))
        elif kind in ("macro_invocation", "expression_statement"):
            call = item if kind == "macro_invocation" else (item.named_children[0] if item.named_children else None)
            if call is None or call.type != "macro_invocation":
                continue
            segs = path_segments(pf, call.child_by_field_name("macro")) or []
            macro = segs[-1] if segs else ""
            if "include" in macro:
                scope.open = True
            elif macro in GENERATED_NAMES and macro not in local_macros:
                scope.names.update(GENERATED_NAMES[macro])
            elif module_level and macro not in BENIGN_ITEM_MACROS and macro not in local_macros:
                scope.open = True  # an unknown macro at item level may define any item
            for tt in call.named_children:
                if tt.type == "token_tree" and (module_level or _declares_items(tt)):
                    _tokens(tt, pf, scope.names)
    return mods


def block_scope(pf: ParsedFile, block: Node, local_macros: set[str]) -> Scope:
    """The items and imports declared directly in a block (cached per file)."""
    key = ("block_scope", block.start_byte, block.end_byte)
    hit = pf.memo.get(key)
    if isinstance(hit, Scope):
        return hit
    scope = Scope()
    scan_items(pf, block, scope, local_macros, module_level=False)
    pf.memo[key] = scope
    return scope


def generic_names(pf: ParsedFile, node: Node) -> set[str]:
    """Type, const and lifetime-free generic parameter names an item declares."""
    params = node.child_by_field_name("type_parameters")
    out: set[str] = set()
    for p in params.named_children if params is not None else []:
        name = p.child_by_field_name("name")
        if name is not None:
            out.add(strip_raw(pf.text(name)))
        elif p.type == "type_identifier":
            out.add(pf.text(p))
    return out


def module_attributes_open(pf: ParsedFile, item: Node) -> bool:
    """A ``mod`` with an attribute macro on it (``#[cxx::bridge]``): the macro may rewrite its items."""
    return any(is_macro_attribute(pf, a) for a in item_attributes(item))


def find_file(child_dir: Path, name: str, path_attr: str | None, base_dir: Path) -> tuple[Path, Path] | None:
    """The file of ``mod name;`` and the directory its own ``mod`` files live in."""
    if path_attr is not None:
        cand = base_dir / path_attr
        return (cand, cand.parent) if cand.is_file() else None
    for cand, is_mod_rs in ((child_dir / f"{name}.rs", False), (child_dir / name / "mod.rs", True)):
        if cand.is_file():
            return cand, (cand.parent if is_mod_rs else cand.parent / cand.stem)
    return None
