"""Environment variables declared by struct fields: serde structs loaded with envy, clap ``env`` args."""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node
from viworks_lint.rust.modules import CrateIndex, StructDef
from viworks_lint.rust.syntax import ParsedFile, path_segments, string_value

_MAX_FLATTEN = 4


@dataclass(frozen=True)
class EnvField:
    field: str
    name: str  # the environment variable
    optional: bool
    default: str | None
    node: Node  # where to point: field name (or the clap ``env = "X"`` literal)
    pf: ParsedFile


def _outer_type(pf: ParsedFile, type_node: Node | None) -> str:
    if type_node is None:
        return ""
    if type_node.type == "generic_type":
        segs = path_segments(pf, type_node.child_by_field_name("type")) or []
        return segs[-1] if segs else ""
    if type_node.type == "primitive_type":
        return pf.text(type_node)
    segs = path_segments(pf, type_node) or []
    return segs[-1] if segs else ""


def _fields(struct: StructDef) -> list[Node]:
    body = struct.node.child_by_field_name("body")
    if body is None or body.type != "field_declaration_list":
        return []
    return [c for c in body.named_children if c.type == "field_declaration"]


def _literal_text(pf: ParsedFile, tokens: list[Node]) -> str | None:
    if len(tokens) == 1:
        tok = tokens[0]
        lit = string_value(pf, tok)
        if lit is not None:
            return lit
        if tok.type in ("integer_literal", "float_literal", "boolean_literal"):
            return pf.text(tok).replace("_", "")
    if len(tokens) == 2 and tokens[0].type == "-" and tokens[1].type == "integer_literal":
        return "-" + pf.text(tokens[1])
    return None


def _default_fn_value(index: CrateIndex, struct: StructDef, path: str) -> str | None:
    from viworks_lint.rust.values import Ctx, eval_str, fn_returns

    info = index.info_for(struct.file, struct.module)
    if info is None:
        return None
    ctx = Ctx(index, info, struct.module)
    fn = ctx.resolve_fn(path.split("::"))
    if fn is None:
        return None
    fctx = ctx.for_fn(fn)
    if fctx is None:
        return None
    for ret in fn_returns(fn.node):
        val = eval_str(fctx, ret)
        if val is not None and val.text is not None and val.env is None:
            return val.text
    return None


def envy_fields(index: CrateIndex, struct: StructDef, prefix: str, depth: int = 0) -> list[EnvField]:
    from viworks_lint.rust.values import attr_groups

    pf = struct.file
    struct_default = any(len(g) == 1 and pf.text(g[0]) == "default" for g in attr_groups(pf, struct.node, ("serde",)))
    out: list[EnvField] = []
    for fd in _fields(struct):
        name_node = fd.child_by_field_name("name")
        if name_node is None:
            continue
        fname = pf.text(name_node)
        rename: str | None = None
        has_default = struct_default
        default: str | None = None
        flatten = False
        skip = False
        for group in attr_groups(pf, fd, ("serde",)):
            key = pf.text(group[0])
            if key == "flatten":
                flatten = True
            elif key == "skip" or key == "skip_deserializing":
                skip = True
            elif key == "default":
                has_default = True
                if len(group) >= 3:
                    fn_path = string_value(pf, group[2])
                    if fn_path is not None:
                        default = _default_fn_value(index, struct, fn_path)
            elif key == "rename" and len(group) >= 3:
                rename = string_value(pf, group[2]) or rename
        if skip:
            continue
        type_node = fd.child_by_field_name("type")
        if flatten:
            if depth < _MAX_FLATTEN:
                inner = index.resolve_struct(struct.module, path_segments(pf, type_node))
                if inner is not None:
                    out.extend(envy_fields(index, inner, prefix, depth + 1))
            continue
        optional = has_default or _outer_type(pf, type_node) == "Option"
        env_name = prefix + (rename if rename is not None else fname).upper()
        out.append(EnvField(fname, env_name, optional, default, name_node, pf))
    return out


def clap_fields(index: CrateIndex, struct: StructDef, depth: int = 0) -> list[EnvField]:
    from viworks_lint.rust.values import attr_groups

    pf = struct.file
    out: list[EnvField] = []
    for fd in _fields(struct):
        name_node = fd.child_by_field_name("name")
        if name_node is None:
            continue
        fname = pf.text(name_node)
        groups = attr_groups(pf, fd, ("arg", "clap", "structopt"))
        env_name: str | None = None
        env_node: Node = name_node
        default: str | None = None
        has_default = False
        required_flag: bool | None = None
        flatten = False
        for group in groups:
            key = pf.text(group[0])
            if key == "env":
                if len(group) >= 3 and group[1].type == "=":
                    lit = string_value(pf, group[2])
                    if lit is not None:
                        env_name, env_node = lit, group[2]
                else:
                    env_name = fname.upper()
            elif key in ("default_value", "default_value_t", "default_values_t", "default_value_os_t",
                         "default_values", "default_value_os"):  # fmt: skip
                has_default = True
                if len(group) >= 3:
                    default = _literal_text(pf, group[2:])
            elif key == "required" and len(group) >= 3:
                required_flag = pf.text(group[2]) == "true"
            elif key == "flatten":
                flatten = True
        if flatten and depth < _MAX_FLATTEN:
            inner = index.resolve_struct(struct.module, path_segments(pf, fd.child_by_field_name("type")))
            if inner is not None:
                out.extend(clap_fields(index, inner, depth + 1))
            continue
        if env_name is None:
            continue
        outer = _outer_type(pf, fd.child_by_field_name("type"))
        optional = has_default or outer in ("Option", "bool", "Vec")
        if required_flag is not None:
            optional = not required_flag
        out.append(EnvField(fname, env_name, optional, default, env_node, pf))
    return out
