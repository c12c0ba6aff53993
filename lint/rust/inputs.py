"""Files the compiler reads because the code names them: ``include_str!``/``include_bytes!``/``include!``
(relative to the file that names them), ``sqlx::migrate!`` and ``sqlx::query_file!`` (relative to the
package directory, ``CARGO_MANIFEST_DIR``), the ``sqlx::query!`` family (their offline data under
``SQLX_OFFLINE``), ``refinery::embed_migrations!``, ``diesel_migrations::embed_migrations!``, and the
templates of askama/rinja ``#[template(path = "…")]`` (under the package's ``templates/``); in a build
script, the ``.proto`` files it hands to a ``compile…`` call (prost-build, tonic-build; relative to the
package directory, the build script's working directory)."""

from __future__ import annotations

from tree_sitter import Node
from viworks_lint.rust.facts import CompileInput
from viworks_lint.rust.modules import CrateIndex
from viworks_lint.rust.parsing import ParsedFile
from viworks_lint.rust.syntax import (
    attribute_name,
    item_attributes,
    path_segments,
    string_value,
    token_tree_parts,
    walk_named,
)

_INCLUDES = {"include_str", "include_bytes", "include"}
_QUERIES = {
    "query", "query_as", "query_scalar", "query_unchecked", "query_as_unchecked", "query_scalar_unchecked",
}  # fmt: skip
_QUERY_FILES = {
    "query_file": 0, "query_file_unchecked": 0, "query_file_scalar": 0, "query_file_scalar_unchecked": 0,
    "query_file_as": 1, "query_file_as_unchecked": 1,
}  # fmt: skip


def collect_inputs(index: CrateIndex, *, build_script: bool = False) -> list[CompileInput]:
    out: list[CompileInput] = []
    for info in index.file_infos():
        pf = info.parsed
        if build_script and pf.root is not None:
            out.extend(_protos(pf))
        uses_sqlx = b"sqlx" in pf.src
        for mac in pf.captures("macro"):
            found = _input(pf, mac, uses_sqlx)
            if found is not None:
                macro, path, base = found
                out.append(
                    CompileInput(macro, path, base, pf.location(mac), str(pf.path), index.is_excluded(info, mac))
                )
        for struct in pf.captures("struct"):
            for attr in item_attributes(struct):
                if attribute_name(pf, attr) != ["template"]:
                    continue
                for group in token_tree_parts(attr):
                    if len(group) == 3 and pf.text(group[0]) == "path" and pf.text(group[1]) == "=":
                        value = string_value(pf, group[2])
                        if value is not None:
                            loc = pf.location(group[2])
                            excluded = index.is_excluded(info, struct)
                            out.append(CompileInput("template", value, "templates", loc, str(pf.path), excluded))
    return out


def _protos(pf: ParsedFile) -> list[CompileInput]:
    """``.proto`` literals passed to ``compile_protos(…)``/``.compile(&[…], &[…])`` in a build script."""
    out: list[CompileInput] = []
    root = pf.root
    assert root is not None
    for node in walk_named(root, 200_000):
        if node.type != "call_expression":
            continue
        func = node.child_by_field_name("function")
        if func is None or "compile" not in pf.text(func).rsplit(".", 1)[-1].rsplit("::", 1)[-1]:
            continue
        args = node.child_by_field_name("arguments")
        for lit in walk_named(args, 2_000) if args is not None else []:
            value = string_value(pf, lit) if lit.type == "string_literal" else None
            if value and value.endswith(".proto") and "{" not in value:
                out.append(CompileInput("build.rs compile", value, "manifest", pf.location(lit), str(pf.path)))
    return out


def _args(mac: Node) -> list[list[Node]]:
    tt = next((c for c in mac.named_children if c.type == "token_tree"), None)
    return token_tree_parts(tt) if tt is not None else []


def _literal(pf: ParsedFile, group: list[Node]) -> tuple[str, str] | None:
    """A string argument: a literal (relative to the file) or ``concat!(env!("CARGO_MANIFEST_DIR"), "…")``
    (relative to the package directory). None for anything else (``OUT_DIR``, variables)."""
    if len(group) == 1:
        value = string_value(pf, group[0])
        return (value, "file") if value is not None else None
    if len(group) == 3 and pf.text(group[0]) == "concat" and group[2].type == "token_tree":
        parts = token_tree_parts(group[2])
        if not parts or not _is_manifest_dir(pf, parts[0]):
            return None
        tail: list[str] = []
        for part in parts[1:]:
            value = string_value(pf, part[0]) if len(part) == 1 else None
            if value is None:
                return None
            tail.append(value)
        return "".join(tail).lstrip("/"), "manifest"
    return None


def _is_manifest_dir(pf: ParsedFile, group: list[Node]) -> bool:
    if len(group) != 3 or pf.text(group[0]) != "env" or group[2].type != "token_tree":
        return False
    inner = token_tree_parts(group[2])
    return len(inner) == 1 and len(inner[0]) == 1 and string_value(pf, inner[0][0]) == "CARGO_MANIFEST_DIR"


def _input(pf: ParsedFile, mac: Node, uses_sqlx: bool) -> tuple[str, str | None, str] | None:
    segs = path_segments(pf, mac.child_by_field_name("macro")) or []
    if not segs:
        return None
    name, head = segs[-1], segs[:-1]
    args = _args(mac)
    if name in _INCLUDES and (not head or head[-1] in ("std", "core")):
        lit = _literal(pf, args[0]) if args else None
        return (name, lit[0], lit[1]) if lit is not None else None
    sqlx = head == ["sqlx"] or (not head and uses_sqlx)
    if name == "migrate" and sqlx:
        if not args:
            return "sqlx::migrate", "migrations", "manifest"
        lit = _literal(pf, args[0])
        return ("sqlx::migrate", lit[0], "manifest") if lit is not None and lit[1] == "file" else None
    if name in _QUERIES and sqlx:
        return "sqlx::query", None, "manifest"
    if name in _QUERY_FILES and sqlx:
        at = _QUERY_FILES[name]
        lit = _literal(pf, args[at]) if len(args) > at else None
        return ("sqlx::query_file", lit[0], "manifest") if lit is not None and lit[1] == "file" else None
    if name == "embed_migrations" and (not head or head[0] in ("refinery", "diesel_migrations")):
        crate = head[0] if head else ""
        if not args:
            return f"{crate}::embed_migrations" if crate else "embed_migrations", None, "manifest"
        lit = _literal(pf, args[0])
        if lit is None or lit[1] != "file":
            return None
        return (f"{crate}::embed_migrations" if crate else "embed_migrations"), lit[0], "manifest"
    return None
