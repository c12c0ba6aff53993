"""The module tree of a crate: which files belong to it, the items each module declares, and how a
path written in the code (``api::init``, ``crate::routes::health``, ``super::x``) finds an item."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tree_sitter import Node
from viworks_lint.rust.parsing import ParsedFile, find_node, parse_file
from viworks_lint.rust.syntax import attribute_name, has_cfg_test, item_attributes, path_segments, string_value

_MAX_MODULES = 20_000
_MAX_RESOLVE_DEPTH = 24
_SPECIAL_HEADS = frozenset({"crate", "self", "super", "std", "core", "alloc"})
_RESOLVE_BUDGET = 4000  # resolve steps per top-level lookup: bounds cyclic or very wide `use` graphs


class _Def:
    """An item found while indexing. It keeps the item's position, not its node, so that the file's
    tree can leave memory (see ``ParsedFile``); ``node`` finds the item again in the file's tree."""

    __slots__ = ("_end", "_kind", "_start", "file", "module", "name")

    def __init__(self, name: str, node: Node, module: Module, file: ParsedFile) -> None:
        self.name = name
        self.module = module
        self.file = file
        self._start, self._end, self._kind = node.start_byte, node.end_byte, node.type

    @property
    def start_byte(self) -> int:
        return self._start

    @property
    def node(self) -> Node:
        found = find_node(self.file, self._start, self._end, self._kind)
        if found is None:  # the file was read again and changed: the index no longer matches it
            raise LookupError(f"{self.name} is no longer at byte {self._start} of {self.file.path}")
        return found

    def same_item(self, node: Node | None) -> bool:
        return node is not None and node.start_byte == self._start and node.end_byte == self._end


class FnDef(_Def):
    __slots__ = ("impl_type",)

    def __init__(self, name: str, node: Node, module: Module, file: ParsedFile, impl_type: str | None = None) -> None:
        super().__init__(name, node, module, file)
        self.impl_type = impl_type

    @property
    def key(self) -> tuple[str, int]:
        return (str(self.file.path), self._start)


class StructDef(_Def):
    __slots__ = ()


class EnumDef(_Def):
    __slots__ = ()


class ConstDef(_Def):  # a const or static item
    __slots__ = ()


Item = FnDef | StructDef | EnumDef | ConstDef


def _fits(found: Item | Module, ns: str | None) -> bool:
    if ns == "value":
        return not isinstance(found, Module)
    if ns == "type":
        return isinstance(found, (Module, StructDef, EnumDef))
    return True


@dataclass(eq=False)
class Module:
    path: tuple[str, ...]
    file: ParsedFile
    child_dir: Path  # where `mod x;` files of this module live
    crate: Crate
    parent: Module | None = None
    children: dict[str, Module] = field(default_factory=dict)
    fns: dict[str, FnDef] = field(default_factory=dict)
    impl_fns: dict[str, dict[str, FnDef]] = field(default_factory=dict)
    structs: dict[str, StructDef] = field(default_factory=dict)
    enums: dict[str, EnumDef] = field(default_factory=dict)
    consts: dict[str, ConstDef] = field(default_factory=dict)
    uses: dict[str, tuple[str, ...]] = field(default_factory=dict)
    globs: list[tuple[str, ...]] = field(default_factory=list)
    # (start_byte, end_byte) for inline modules' bodies: nodes inside belong to the inline module
    span: tuple[int, int] | None = None


@dataclass(eq=False)
class FileInfo:
    parsed: ParsedFile
    module: Module
    inline: list[Module] = field(default_factory=list)
    excluded: list[tuple[int, int]] = field(default_factory=list)  # #[cfg(test)] / #[test] items


@dataclass(eq=False)
class Crate:
    name: str
    root_file: Path
    index: CrateIndex
    root: Module | None = None


class CrateIndex:
    """All crates (targets) of one package, with their modules and files."""

    def __init__(self, lib_name: str | None = None) -> None:
        self.crates: list[Crate] = []
        self.files: dict[tuple[str, str], FileInfo] = {}  # (crate root, path) -> info
        self.file_order: list[FileInfo] = []
        self.lib_name = lib_name
        self.module_count = 0
        self._memo: dict[tuple[int, tuple[str, ...], str | None], Item | Module | None] = {}
        self._budget = _RESOLVE_BUDGET

    # ------------------------------------------------------------------ building

    def add_crate(self, root_file: Path, name: str) -> Crate:
        crate = Crate(name, root_file, self)
        self._memo.clear()
        pf = parse_file(root_file)
        root = Module((), pf, root_file.parent, crate)
        crate.root = root
        self.crates.append(crate)
        self._load_file(crate, root, pf)
        return crate

    def _load_file(self, crate: Crate, module: Module, pf: ParsedFile) -> None:
        key = (str(crate.root_file), str(pf.path))
        if key in self.files:
            return
        info = FileInfo(pf, module)
        self.files[key] = info
        self.file_order.append(info)
        root = pf.root
        if root is not None:
            self._scan_items(crate, module, pf, root, info, inline_depth=0)

    def _scan_items(
        self, crate: Crate, module: Module, pf: ParsedFile, container: Node, info: FileInfo, inline_depth: int
    ) -> None:
        for item in container.named_children:
            kind = item.type
            if kind in ("attribute_item", "line_comment", "block_comment", "inner_attribute_item"):
                continue
            if has_cfg_test(pf, item) or _test_module(pf, item):
                info.excluded.append((item.start_byte, item.end_byte))
                continue
            try:
                if kind == "function_item":
                    self._add_fn(module, pf, item, None)
                elif kind == "mod_item":
                    self._add_mod(crate, module, pf, item, info, inline_depth)
                elif kind == "use_declaration":
                    arg = item.child_by_field_name("argument")
                    if arg is not None:
                        self._add_use(module, pf, arg, ())
                elif kind == "struct_item":
                    name = item.child_by_field_name("name")
                    if name is not None:
                        module.structs[pf.text(name)] = StructDef(pf.text(name), item, module, pf)
                elif kind == "enum_item":
                    name = item.child_by_field_name("name")
                    if name is not None:
                        module.enums[pf.text(name)] = EnumDef(pf.text(name), item, module, pf)
                elif kind in ("const_item", "static_item"):
                    name = item.child_by_field_name("name")
                    if name is not None:
                        module.consts[pf.text(name)] = ConstDef(pf.text(name), item, module, pf)
                elif kind == "impl_item":
                    self._add_impl(module, pf, item, info)
            except RecursionError:
                continue

    def _add_fn(self, module: Module, pf: ParsedFile, item: Node, impl_type: str | None) -> None:
        name = item.child_by_field_name("name")
        if name is None:
            return
        fn = FnDef(pf.text(name), item, module, pf, impl_type)
        if impl_type is None:
            module.fns[fn.name] = fn
        else:
            module.impl_fns.setdefault(impl_type, {})[fn.name] = fn

    def _add_impl(self, module: Module, pf: ParsedFile, item: Node, info: FileInfo) -> None:
        type_node = item.child_by_field_name("type")
        segs = path_segments(pf, type_node)
        body = item.child_by_field_name("body")
        if not segs or body is None:
            return
        for child in body.named_children:
            if child.type != "function_item":
                continue
            if has_cfg_test(pf, child):
                info.excluded.append((child.start_byte, child.end_byte))
                continue
            self._add_fn(module, pf, child, segs[-1])

    def _add_mod(
        self, crate: Crate, module: Module, pf: ParsedFile, item: Node, info: FileInfo, inline_depth: int
    ) -> None:
        name_node = item.child_by_field_name("name")
        if name_node is None or self.module_count >= _MAX_MODULES:
            return
        name = pf.text(name_node)
        self.module_count += 1
        path_attr = None
        for attr in item_attributes(item):
            if attribute_name(pf, attr) == ["path"]:
                path_attr = string_value(pf, attr.child_by_field_name("value"))
        body = item.child_by_field_name("body")
        if body is not None:
            child_dir = module.child_dir / (path_attr if path_attr is not None else name)
            child = Module((*module.path, name), pf, child_dir, crate, module, span=(body.start_byte, body.end_byte))
            module.children[name] = child
            info.inline.append(child)
            if inline_depth < 64:
                self._scan_items(crate, child, pf, body, info, inline_depth + 1)
            return
        candidates: list[tuple[Path, bool]] = []
        if path_attr is not None:
            base = pf.path.parent if inline_depth == 0 else module.child_dir
            candidates.append((base / path_attr, True))
        else:
            candidates.append((module.child_dir / f"{name}.rs", False))
            candidates.append((module.child_dir / name / "mod.rs", True))
        for cand, mod_rs_like in candidates:
            if cand.is_file():
                child_pf = parse_file(cand)
                child_dir = cand.parent if mod_rs_like else cand.parent / cand.stem
                child = Module((*module.path, name), child_pf, child_dir, crate, module)
                module.children[name] = child
                self._load_file(crate, child, child_pf)
                return
        # A declared module without a file: keep the module (empty) so paths into it fail softly.
        module.children[name] = Module((*module.path, name), pf, module.child_dir / name, crate, module)

    def _add_use(self, module: Module, pf: ParsedFile, node: Node, prefix: tuple[str, ...]) -> None:
        kind = node.type
        if kind in ("identifier", "scoped_identifier", "crate", "self", "super"):
            segs = path_segments(pf, node)
            if not segs:
                return
            full = (*prefix, *segs)
            if segs == ["self"] and prefix:
                module.uses[prefix[-1]] = prefix
            else:
                module.uses[full[-1]] = full
        elif kind == "use_as_clause":
            segs = path_segments(pf, node.child_by_field_name("path"))
            alias = node.child_by_field_name("alias")
            if segs and alias is not None:
                full = (*prefix, *segs)
                if segs == ["self"] and prefix:
                    full = prefix
                module.uses[pf.text(alias)] = full
        elif kind == "use_wildcard":
            inner = node.named_children[0] if node.named_children else None
            segs = path_segments(pf, inner) if inner is not None else []
            module.globs.append((*prefix, *(segs or [])))
        elif kind == "scoped_use_list":
            path_node = node.child_by_field_name("path")
            segs = path_segments(pf, path_node) if path_node is not None else []
            lst = node.child_by_field_name("list")
            if lst is not None:
                for child in lst.named_children:
                    self._add_use(module, pf, child, (*prefix, *(segs or [])))
        elif kind == "use_list":
            for child in node.named_children:
                self._add_use(module, pf, child, prefix)

    # ------------------------------------------------------------------ queries

    def file_infos(self) -> Iterator[FileInfo]:
        return iter(self.file_order)

    def module_at(self, info: FileInfo, node: Node) -> Module:
        best = info.module
        best_size = None
        pos = node.start_byte
        for mod in info.inline:
            if mod.span is not None and mod.span[0] <= pos < mod.span[1]:
                size = mod.span[1] - mod.span[0]
                if best_size is None or size < best_size:
                    best, best_size = mod, size
        return best

    @staticmethod
    def is_excluded(info: FileInfo, node: Node) -> bool:
        return CrateIndex.is_excluded_pos(info, node.start_byte)

    @staticmethod
    def is_excluded_pos(info: FileInfo, pos: int) -> bool:
        return any(a <= pos < b for a, b in info.excluded)

    def crate_by_name(self, name: str) -> Crate | None:
        if self.lib_name is not None and name == self.lib_name:
            for crate in self.crates:
                if crate.name == name:
                    return crate
        return None

    def resolve(
        self, module: Module, segs: list[str] | tuple[str, ...], depth: int = 0, ns: str | None = None
    ) -> Item | Module | None:
        """Find the item a path names, seen from ``module``. None when it is outside the crate.

        ``ns`` is the namespace the last segment is looked up in: "value" (functions, consts: a module
        of the same name is only a fallback, as for ``pub use live::live;``), "type" (modules, structs)
        or None (either, modules first)."""
        if not segs or depth > _MAX_RESOLVE_DEPTH:
            return None
        if depth == 0:
            self._budget = _RESOLVE_BUDGET
        else:
            self._budget -= 1
            if self._budget < 0:
                return None
        head = segs[0]
        local: Item | Module | None = None
        if head not in _SPECIAL_HEADS:  # the common case, a name of this module: no search
            local = self._lookup_local(module, head, list(segs[1:]), depth, ns)
            if local is not None and _fits(local, ns):
                return local
        if depth > 0:
            return self._search(module, segs, depth, ns, local)
        memo_key = (id(module), tuple(segs), ns)
        if memo_key in self._memo:
            return self._memo[memo_key]
        self._budget = _RESOLVE_BUDGET
        found = self._search(module, segs, depth, ns, local)
        self._memo[memo_key] = found
        return found

    def _search(
        self,
        module: Module,
        segs: list[str] | tuple[str, ...],
        depth: int,
        ns: str | None,
        weak: Item | Module | None,
    ) -> Item | Module | None:
        """The first candidate in the namespace wanted, else the first one found (``weak`` first)."""
        for found in self._candidates(module, segs, depth, ns):
            if found is None:
                continue
            if _fits(found, ns):
                return found
            if weak is None:
                weak = found
        return weak

    def _candidates(
        self, module: Module, segs: list[str] | tuple[str, ...], depth: int, ns: str | None
    ) -> Iterator[Item | Module | None]:
        """What a path may name beyond the module's own items, most direct first: ``use`` imports,
        other crates of the package, glob imports, then (2015 style) the crate root."""
        head, rest = segs[0], list(segs[1:])
        crate_root = module.crate.root
        if head == "crate":
            yield self._descend(crate_root, rest, depth, ns) if crate_root else None
            return
        if head == "self":
            yield self._descend(module, rest, depth, ns)
            return
        if head == "super":
            yield self._descend(module.parent or module, rest, depth, ns)
            return
        if head in ("std", "core", "alloc"):
            return
        # (the module's own names were looked at by _resolve)
        target = module.uses.get(head)
        if target is not None and tuple(target) != (head,):
            for scope in self._use_scopes(module, head, target):
                yield self.resolve(scope, [*target, *rest], depth + 1, ns)
        other = self.crate_by_name(head)
        if other is not None and other is not module.crate and other.root is not None:
            yield self._descend(other.root, rest, depth, ns)
        for glob in module.globs:
            if not glob:
                continue
            base = self.resolve(module, list(glob), depth + 1, "type")
            if isinstance(base, Module):
                yield self._descend(base, segs, depth, ns)
        if crate_root is not None and module is not crate_root and depth == 0:
            # 2015-style absolute paths
            yield self._lookup_local(crate_root, head, rest, depth + 1, ns)

    @staticmethod
    def _use_scopes(module: Module, head: str, target: tuple[str, ...]) -> list[Module]:
        """Where a ``use`` path starts: ``self``/``super`` paths at the module, ``crate`` paths at the
        root, and other paths at the module's own names (children, other imports) before the root."""
        root = module.crate.root
        first = target[0]
        if first in ("self", "super"):
            return [module]
        if first == "crate":
            return [root] if root is not None else []
        scopes: list[Module] = []
        # `mod live; pub use live::live;`: the path starts at the child module. Any other `use x::x;`
        # names an outer `x`, never this import itself.
        if first != head or first in module.children:
            scopes.append(module)
        if root is not None and root is not module:
            scopes.append(root)
        return scopes

    def _lookup_local(
        self, module: Module, head: str, rest: list[str], depth: int, ns: str | None = None
    ) -> Item | Module | None:
        if not rest:
            item = module.fns.get(head) or module.consts.get(head) or module.structs.get(head) or module.enums.get(head)
            child = module.children.get(head)
            if ns == "value":
                return item or child
            return child or item
        if head in module.children:
            return self._descend(module.children[head], rest, depth, ns)
        if len(rest) == 1 and head in module.impl_fns:
            return module.impl_fns[head].get(rest[0])
        return None

    def _descend(
        self, module: Module, rest: list[str] | tuple[str, ...], depth: int, ns: str | None = None
    ) -> Item | Module | None:
        if not rest:
            return module
        return self.resolve(module, rest, depth + 1, ns) if rest[0] not in ("crate",) else None

    def resolve_fn(self, module: Module, segs: list[str] | None) -> FnDef | None:
        if not segs:
            return None
        if segs[0] == "Self" and len(segs) == 2:
            return None
        found = self.resolve(module, segs, ns="value")
        return found if isinstance(found, FnDef) else None

    def resolve_struct(self, module: Module, segs: list[str] | None) -> StructDef | None:
        if not segs:
            return None
        found = self.resolve(module, segs, ns="type")
        return found if isinstance(found, StructDef) else None

    def resolve_enum(self, module: Module, segs: list[str] | None) -> EnumDef | None:
        if not segs:
            return None
        found = self.resolve(module, segs, ns="type")
        return found if isinstance(found, EnumDef) else None

    def info_for(self, pf: ParsedFile, module: Module) -> FileInfo | None:
        return self.files.get((str(module.crate.root_file), str(pf.path)))


# inline modules that hold test helpers even without `#[cfg(test)]` (`pub mod tests { … }` shared with other
# crates' tests): production code does not live in a module named so
_TEST_MODULES = frozenset({"tests", "test"})


def _test_module(pf: ParsedFile, item: Node) -> bool:
    if item.type != "mod_item" or item.child_by_field_name("body") is None:
        return False
    name = item.child_by_field_name("name")
    return name is not None and pf.text(name) in _TEST_MODULES
