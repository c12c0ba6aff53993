"""Environment variables declared by struct fields: serde structs loaded with envy, clap ``env`` args."""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node
from viworks_lint.rust.modules import CrateIndex, EnumDef, StructDef
from viworks_lint.rust.parsing import ParsedFile
from viworks_lint.rust.syntax import attr_groups, has_cfg_feature, path_segments, string_value

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
    """The struct's fields, without those only some Cargo features compile (`#[cfg(feature = "x")]`): whether
    the image's build enables the feature is not read, so what they read is no claim."""
    body = struct.node.child_by_field_name("body")
    if body is None or body.type != "field_declaration_list":
        return []
    return [
        c for c in body.named_children if c.type == "field_declaration" and not has_cfg_feature(struct.file, c)
    ]


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
    from viworks_lint.rust.bindings import fn_returns
    from viworks_lint.rust.context import Ctx
    from viworks_lint.rust.values import eval_str

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
                elif len(group) >= 2 and group[1].type == "token_tree":
                    # `env("IMMICH_API_KEY")`: the call form names the variable as `env = "…"` does
                    named = [c for c in group[1].named_children if c.type in ("string_literal", "raw_string_literal")]
                    lit = string_value(pf, named[0]) if len(named) == 1 else None
                    if lit is not None:
                        env_name, env_node = lit, named[0]
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


# ------------------------------------------------------------------------------------ clap subcommands
#
# A clap struct reached only through a subcommand (a variant of the enum a `#[command(subcommand)]` field
# names, or a struct flattened into such a variant) is parsed only when the command line selects that
# subcommand: its required `env` args are required then, and never read otherwise.

# One subcommand level: the names that select it (its name and aliases). A chain lists the levels from the
# top-level parser down; the empty chain means "on every run".
Level = tuple[str, ...]
Chain = tuple[Level, ...]

_CLAP_ATTRS = ("arg", "clap", "command", "structopt")
_MAX_CHAIN = 6


def _kebab(name: str, style: str) -> str | None:
    words: list[str] = []
    cur = ""
    for i, ch in enumerate(name):
        if ch.isupper() and cur and (not name[i - 1].isupper() or (i + 1 < len(name) and name[i + 1].islower())):
            words.append(cur)
            cur = ""
        cur += ch
    if cur:
        words.append(cur)
    lower = [w.lower() for w in words]
    return {
        "kebab-case": "-".join(lower),
        "snake_case": "_".join(lower),
        "lower": "".join(lower),
        "lowercase": "".join(lower),
        "verbatim": name,
        "UPPER": "".join(lower).upper(),
        "SCREAMING_SNAKE_CASE": "_".join(lower).upper(),
        "camelCase": lower[0] + "".join(w.capitalize() for w in lower[1:]) if lower else "",
        "PascalCase": "".join(w.capitalize() for w in lower),
    }.get(style)


def _clap_groups(pf: ParsedFile, node: Node) -> dict[str, list[Node]]:
    """The clap attribute keys on ``node`` (``flatten``, ``subcommand``, ``name = "x"`` …) with their tokens."""
    return {pf.text(g[0]): g for g in attr_groups(pf, node, _CLAP_ATTRS) if g}


def _attr_str(pf: ParsedFile, group: list[Node] | None) -> str | None:
    if group is None or len(group) < 3 or group[1].type != "=":
        return None
    return string_value(pf, group[2])


def _type_segs(pf: ParsedFile, type_node: Node | None) -> list[str] | None:
    """The path of a field's type, through one ``Option<…>``/``Box<…>``."""
    if type_node is None:
        return None
    if type_node.type == "generic_type":
        segs = path_segments(pf, type_node.child_by_field_name("type")) or []
        args = type_node.child_by_field_name("type_arguments")
        inner = [c for c in args.named_children if "type" in c.type] if args is not None else []
        if segs[-1:] in (["Option"], ["Box"]) and len(inner) == 1:
            return _type_segs(pf, inner[0])
        return None
    return path_segments(pf, type_node)


class _ClapGraph:
    """How clap structs reach each other: flatten edges keep the subcommand chain, subcommand enums add a level."""

    def __init__(self, index: CrateIndex) -> None:
        self.index = index
        self.edges: dict[int, list[tuple[int, Chain]]] = {}  # struct/enum start -> (target, levels added)
        self.defs: dict[int, StructDef | EnumDef] = {}
        self.targets: set[int] = set()

    @staticmethod
    def key(d: StructDef | EnumDef) -> int:
        return hash((str(d.file.path), d.start_byte))

    def add_struct(self, struct: StructDef) -> None:
        self.defs[self.key(struct)] = struct
        for fd in _fields(struct):
            self._field_edge(struct, self.key(struct), fd, ())

    def _field_edge(self, owner: StructDef | EnumDef, owner_key: int, fd: Node, levels: Chain) -> None:
        pf = owner.file
        groups = _clap_groups(pf, fd)
        if "flatten" not in groups and "subcommand" not in groups:
            return
        segs = _type_segs(pf, fd.child_by_field_name("type"))
        target: StructDef | EnumDef | None = self.index.resolve_struct(owner.module, segs)
        if target is None:
            target = self.index.resolve_enum(owner.module, segs)
        if target is None:
            return
        self._edge(owner_key, target, levels)

    def _edge(self, owner_key: int, target: StructDef | EnumDef, levels: Chain) -> None:
        tkey = self.key(target)
        self.edges.setdefault(owner_key, []).append((tkey, levels))
        self.targets.add(tkey)
        if tkey not in self.defs:
            self.defs[tkey] = target
            if isinstance(target, EnumDef):
                self._add_enum(target)

    def _add_enum(self, enum: EnumDef) -> None:
        pf = enum.file
        ekey = self.key(enum)
        rename = _attr_str(pf, _clap_groups(pf, enum.node).get("rename_all")) or "kebab-case"
        body = enum.node.child_by_field_name("body")
        for variant in body.named_children if body is not None else []:
            if variant.type != "enum_variant":
                continue
            name_node = variant.child_by_field_name("name")
            if name_node is None:
                continue
            groups = _clap_groups(pf, variant)
            vbody = variant.child_by_field_name("body")
            if "flatten" in groups:  # the variants of another subcommand enum, at this level
                types = [c for c in vbody.named_children if "type" in c.type] if vbody is not None else []
                if len(types) == 1:
                    inner = self.index.resolve_enum(enum.module, _type_segs(pf, types[0]))
                    if inner is not None:
                        self._edge(ekey, inner, ())
                continue
            name = _attr_str(pf, groups.get("name")) or _kebab(pf.text(name_node), rename)
            if name is None:
                continue  # a renaming we do not know: the structs below it stay "always"
            level: Level = (name, *(a for k in ("alias", "visible_alias") if (a := _attr_str(pf, groups.get(k)))))
            if vbody is None:
                continue
            if vbody.type == "ordered_field_declaration_list":
                types = [c for c in vbody.named_children if "type" in c.type]
                if len(types) != 1:
                    continue
                segs = _type_segs(pf, types[0])
                target: StructDef | EnumDef | None = self.index.resolve_struct(enum.module, segs)
                if target is None:
                    target = self.index.resolve_enum(enum.module, segs)
                if target is not None:
                    self._edge(ekey, target, (level,))
            elif vbody.type == "field_declaration_list":
                for fd in vbody.named_children:
                    if fd.type == "field_declaration":
                        self._field_edge(enum, ekey, fd, (level,))

    def chains(self) -> dict[int, tuple[Chain, ...]]:
        """For each struct reached from a top-level parser, every chain that reaches it."""
        out: dict[int, set[Chain]] = {}
        roots = [k for k, d in self.defs.items() if isinstance(d, StructDef) and k not in self.targets]
        stack: list[tuple[int, Chain]] = [(r, ()) for r in roots]
        seen: set[tuple[int, Chain]] = set()
        while stack:
            k, chain = stack.pop()
            if (k, chain) in seen or len(chain) > _MAX_CHAIN or len(seen) > 10_000:
                continue
            seen.add((k, chain))
            out.setdefault(k, set()).add(chain)
            for target, levels in self.edges.get(k, []):
                stack.append((target, chain + levels))
        return {k: tuple(sorted(v)) for k, v in out.items()}


def clap_subcommands(index: CrateIndex) -> dict[int, tuple[Chain, ...]]:
    """Struct key (see ``clap_struct_key``) -> the subcommand chains under which clap parses it. A struct
    missing from the map, or with the empty chain among its chains, is parsed on every run."""
    cached = index.__dict__.get("_clap_chains")
    if isinstance(cached, dict):
        return cached
    graph = _ClapGraph(index)
    for info in index.file_infos():
        for node in info.parsed.captures("struct"):
            if index.is_excluded(info, node):
                continue
            name = node.child_by_field_name("name")
            struct = index.module_at(info, node).structs.get(info.parsed.text(name)) if name is not None else None
            if struct is not None and struct.same_item(node):
                graph.add_struct(struct)
    result = graph.chains()
    index.__dict__["_clap_chains"] = result
    return result


def clap_struct_key(struct: StructDef) -> int:
    return _ClapGraph.key(struct)
