"""The place an expression is read in: its crate, file, module and ``impl`` block, through which the
paths it writes find their functions, structs and consts."""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node
from viworks_lint.rust.modules import ConstDef, CrateIndex, FileInfo, FnDef, Module, StructDef
from viworks_lint.rust.parsing import ParsedFile
from viworks_lint.rust.syntax import path_segments


@dataclass
class Ctx:
    index: CrateIndex
    info: FileInfo
    module: Module
    impl_type_: str | None = None
    anchor: Node | None = None  # a node inside the code; the enclosing impl block is found from it lazily

    @property
    def impl_type(self) -> str | None:
        if self.impl_type_ is None and self.anchor is not None:
            cur = self.anchor.parent
            while cur is not None:
                if cur.type == "impl_item":
                    segs = path_segments(self.info.parsed, cur.child_by_field_name("type"))
                    self.impl_type_ = segs[-1] if segs else None
                    break
                cur = cur.parent
            self.anchor = None
        return self.impl_type_

    @property
    def pf(self) -> ParsedFile:
        return self.info.parsed

    def for_fn(self, fn: FnDef) -> Ctx | None:
        info = self.index.info_for(fn.file, fn.module)
        if info is None:
            return None
        return Ctx(self.index, info, fn.module, fn.impl_type)

    def for_module(self, module: Module, pf: ParsedFile) -> Ctx | None:
        info = self.index.info_for(pf, module)
        if info is None:
            return None
        return Ctx(self.index, info, module, None)

    def resolve_fn(self, segs: list[str] | None) -> FnDef | None:
        if not segs:
            return None
        if segs[0] == "Self" and self.impl_type is not None:
            segs = [self.impl_type, *segs[1:]]
        return self.index.resolve_fn(self.module, segs)

    def resolve_struct(self, segs: list[str] | None) -> StructDef | None:
        if not segs:
            return None
        if segs[0] == "Self" and self.impl_type is not None:
            segs = [self.impl_type, *segs[1:]]
        return self.index.resolve_struct(self.module, segs)

    def resolve_const(self, segs: list[str] | None) -> ConstDef | None:
        if not segs:
            return None
        found = self.index.resolve(self.module, segs)
        return found if isinstance(found, ConstDef) else None


def ctx_at(index: CrateIndex, info: FileInfo, node: Node) -> Ctx:
    return Ctx(index, info, index.module_at(info, node), None, node)
