"""Environment variable reads: std/dotenv ``var`` calls, envy structs, clap ``env`` args, ``env!``."""

from __future__ import annotations

import contextlib

from tree_sitter import Node
from viworks_lint.rust.bindings import block_tail, closure_result
from viworks_lint.rust.context import Ctx, ctx_at
from viworks_lint.rust.env_calls import env_call, envy_source
from viworks_lint.rust.facts import EnvRead
from viworks_lint.rust.handled import error_handled_by_callers
from viworks_lint.rust.modules import CrateIndex, FileInfo
from viworks_lint.rust.parsing import ParsedFile
from viworks_lint.rust.reach import conditional_read, enclosing_fn, only_reached_from_tests
from viworks_lint.rust.structs import clap_fields, clap_struct_key, clap_subcommands, envy_fields
from viworks_lint.rust.syntax import path_segments, string_value, token_tree_parts
from viworks_lint.rust.values import eval_str

_DIVERGING_MACROS = frozenset({"panic", "unreachable", "todo", "unimplemented"})
# Methods that keep the Result/Option (an unset variable still reaches the next consumer).
_KEEP = frozenset(
    {
        "map_err", "context", "with_context", "wrap_err", "wrap_err_with", "map", "and_then", "as_deref",
        "as_ref", "ok_or", "ok_or_else", "into_string", "filter", "inspect", "inspect_err", "err_into",
        "change_context", "attach_printable", "into_report", "map_or_else_never",
    }
)  # fmt: skip
_REQUIRE = frozenset({"unwrap", "expect", "unwrap_unchecked", "expect_err_never"})
_FALLBACK = frozenset({"unwrap_or", "unwrap_or_else", "unwrap_or_default", "or", "or_else", "map_or", "map_or_else"})


def diverges(pf: ParsedFile, node: Node | None, depth: int = 0) -> bool:
    """True when evaluating ``node`` never yields a value and makes the program fail."""
    if node is None or depth > 20:
        return False
    kind = node.type
    if kind == "macro_invocation":
        segs = path_segments(pf, node.child_by_field_name("macro")) or []
        return bool(segs) and segs[-1] in _DIVERGING_MACROS
    if kind == "return_expression":
        inner = node.named_children
        if not inner:
            return False
        val = inner[0]
        if val.type == "call_expression":
            segs = path_segments(pf, val.child_by_field_name("function")) or []
            return segs[-1:] == ["Err"]
        return False
    if kind == "call_expression":
        segs = path_segments(pf, node.child_by_field_name("function")) or []
        return segs[-2:] == ["process", "exit"] or segs == ["exit"]
    if kind in ("block", "unsafe_block"):
        for child in node.named_children:
            target = child.named_children[0] if child.type == "expression_statement" and child.named_children else child
            if diverges(pf, target, depth + 1):
                return True
        return False
    if kind == "expression_statement":
        return bool(node.named_children) and diverges(pf, node.named_children[0], depth + 1)
    if kind == "closure_expression":
        return diverges(pf, node.child_by_field_name("body"), depth + 1)
    return False


def _is_fallback_pattern(pf: ParsedFile, pat: Node | None) -> bool:
    """Match arm patterns that catch the unset case: ``Err(..)``, ``None``, ``_``."""
    if pat is None:
        return False
    if pat.type == "match_pattern":
        inner = pat.named_children
        if not inner:
            return pf.text(pat).strip() == "_"
        if len(inner) > 1:  # guarded arm
            return False
        pat = inner[0]
    text = pf.text(pat).strip()
    if text == "_" or text == "None":
        return True
    if pat.type == "identifier":
        return True
    if pat.type == "tuple_struct_pattern":
        t = pat.child_by_field_name("type")
        segs = path_segments(pf, t) or []
        return segs[-1:] == ["Err"]
    if pat.type == "or_pattern":
        return any(_is_fallback_pattern(pf, c) for c in pat.named_children)
    return False


def classify(ctx: Ctx, node: Node) -> tuple[bool, str | None]:
    """Whether a missing variable makes the program fail, and the literal default when one is visible."""
    pf = ctx.pf
    cur = node
    for _ in range(200):
        parent = cur.parent
        if parent is None:
            return False, None
        ptype = parent.type
        if ptype in ("parenthesized_expression", "await_expression"):
            cur = parent
            continue
        if ptype == "try_expression":
            return True, None
        if ptype == "field_expression" and parent.child_by_field_name("value") == cur:
            call = parent.parent
            if call is not None and call.type == "generic_function":
                call = call.parent
            if call is None or call.type != "call_expression":
                return False, None
            fld = parent.child_by_field_name("field")
            method = pf.text(fld)
            args_node = call.child_by_field_name("arguments")
            args = [a for a in args_node.named_children if "comment" not in a.type] if args_node else []
            if method in _REQUIRE:
                return True, None
            if method in ("ok", "is_ok", "is_err", "is_some", "is_none", "unwrap_or_default"):
                if method == "ok":
                    return _after_ok(ctx, call)
                return False, None
            if method in ("unwrap_or", "or") and args:
                val = eval_str(ctx, args[0])
                return False, (val.text if val is not None and val.env is None else None)
            if method in ("unwrap_or_else", "or_else", "map_or_else") and args:
                fn_arg = args[0]
                if diverges(pf, fn_arg):
                    return True, None
                val = eval_str(ctx, closure_result(fn_arg))
                return False, (val.text if val is not None and val.env is None else None)
            if method in _FALLBACK:
                return False, None
            if method in _KEEP:
                cur = call
                continue
            return False, None
        if ptype == "match_expression" and parent.child_by_field_name("value") == cur:
            return _classify_match(ctx, parent)
        if ptype == "let_declaration" and parent.child_by_field_name("value") == cur:
            alt = parent.child_by_field_name("alternative")
            if alt is not None:
                return diverges(pf, alt), None
            return False, None
        return False, None
    return False, None


def _after_ok(ctx: Ctx, ok_call: Node) -> tuple[bool, str | None]:
    """After ``.ok()``: an Option that may still be unwrapped (required) or defaulted. ``.ok()?`` returns
    ``None`` from a function that returns an Option: its caller decides, an unset variable is no failure."""
    parent = ok_call.parent
    while parent is not None and parent.type == "parenthesized_expression":
        parent = parent.parent
    if parent is not None and parent.type == "try_expression":
        return False, None
    required, default = classify(ctx, ok_call)
    return required, default


def _classify_match(ctx: Ctx, match: Node) -> tuple[bool, str | None]:
    pf = ctx.pf
    body = match.child_by_field_name("body")
    arms = [a for a in body.named_children if a.type == "match_arm"] if body is not None else []
    saw_fallback = False
    for arm in arms:
        pat = arm.child_by_field_name("pattern")
        if not _is_fallback_pattern(pf, pat):
            continue
        saw_fallback = True
        value = arm.child_by_field_name("value")
        if diverges(pf, value):
            continue
        val = eval_str(ctx, block_tail(value) if value is not None and value.type == "block" else value)
        return False, (val.text if val is not None and val.env is None else None)
    return saw_fallback, None


def _ctx(index: CrateIndex, info: FileInfo, node: Node) -> Ctx:
    return ctx_at(index, info, node)


def collect_env_reads(index: CrateIndex, in_build_script: bool = False) -> list[EnvRead]:
    out: list[EnvRead] = []
    unnamed: list[tuple[FileInfo, Node]] = []  # env reads of a computed name: maybe inside a helper
    for info in index.file_infos():
        pf = info.parsed
        for call in _merged(pf.captures("envcall"), pf.captures("envy")):
            if index.is_excluded(info, call):
                continue
            try:
                out.extend(_reads_from_call(index, info, call, in_build_script, unnamed))
            except RecursionError:
                continue
        for mac in pf.captures("macro"):
            if index.is_excluded(info, mac):
                continue
            read = _compile_read(pf, mac, in_build_script)
            if read is not None:
                out.append(read)
        for struct_node in pf.captures("struct"):
            if index.is_excluded(info, struct_node):
                continue
            out.extend(_clap_reads(index, info, struct_node, in_build_script))
    from viworks_lint.rust.env_helpers import helper_env_reads  # it builds on classify() above

    with contextlib.suppress(RecursionError):
        out.extend(helper_env_reads(index, unnamed, in_build_script))
    return out


# lazy fallbacks: the closure runs only when the read before it failed (the variable unset); `unwrap_or(…)`
# evaluates its argument eagerly, and `map_or_else`'s second closure runs when the variable is set
_FALLBACK_METHODS = frozenset({"unwrap_or_else", "or_else", "map_or_else"})


def _fallback_of(ctx: Ctx, call: Node) -> tuple[str, ...]:
    """The variables whose reads ``call`` is the fallback of: it sits in the closure given as the first argument
    of `.unwrap_or_else(…)` (`.or_else`, `.map_or_else`) of a chain that starts with `env::var("X")`, so it runs
    only when X is unset."""
    pf = ctx.pf
    names: list[str] = []
    cur = call
    for _ in range(60):
        parent = cur.parent
        if parent is None or parent.type in ("function_item", "source_file"):
            break
        if (
            parent.type == "arguments"
            and cur.type == "closure_expression"
            and parent.named_children[:1] == [cur]
            and parent.parent is not None
            and parent.parent.type == "call_expression"
        ):
            func = parent.parent.child_by_field_name("function")
            if func is not None and func.type == "field_expression":
                field = func.child_by_field_name("field")
                receiver = func.child_by_field_name("value")
                if field is not None and pf.text(field) in _FALLBACK_METHODS and receiver is not None:
                    names.extend(_chain_var(ctx, receiver))
        cur = parent
    return tuple(dict.fromkeys(names))


def _chain_var(ctx: Ctx, node: Node) -> list[str]:
    """The variable an `env::var("X")…` method chain starts from (`env::var("X").ok().filter(…)`), if any."""
    cur: Node | None = node
    for _ in range(20):
        if cur is None or cur.type != "call_expression":
            return []
        func = cur.child_by_field_name("function")
        if func is None:
            return []
        if func.type == "field_expression":
            cur = func.child_by_field_name("value")
            continue
        last = func.child_by_field_name("name") if func.type == "scoped_identifier" else func
        if last is None or ctx.pf.text(last) not in ("var", "var_os"):
            return []
        found = env_call(ctx, cur)
        return [found[0]] if found is not None else []
    return []


def _merged(a: list[Node], b: list[Node]) -> list[Node]:
    return sorted({(n.start_byte, n.end_byte, n.id): n for n in [*a, *b]}.values(), key=lambda n: n.start_byte)


def _reads_from_call(
    index: CrateIndex, info: FileInfo, call: Node, in_build: bool, unnamed: list[tuple[FileInfo, Node]]
) -> list[EnvRead]:
    """The reads ``call`` makes; a ``var(..)`` call whose name is not a constant goes to ``unnamed``."""
    func = call.child_by_field_name("function")
    if func is None:
        return []
    ftype = func.type
    pf = info.parsed
    if ftype in ("scoped_identifier", "identifier"):
        last = func.child_by_field_name("name") if ftype == "scoped_identifier" else func
        last_name = pf.text(last)
        if last_name == "from_env":
            return _envy_reads(index, info, call, in_build)
        if last is None or last_name not in ("var", "var_os"):
            return []
        ctx = _ctx(index, info, call)
        found = env_call(ctx, call)
        if found is None:
            unnamed.append((info, call))
            return []
        name, name_node = found
        required, default = classify(ctx, call)
        if required and conditional_read(index, info, call):
            required = False  # only on a path the program takes when asked to: the service starts without it
        if required and only_reached_from_tests(index, info, call):
            required = False  # a test helper (`setup_test_db`): the program itself never reads it
        if required and error_handled_by_callers(index, info, call):
            required = False  # an `Err` its callers log or ignore: only the feature that needs it fails
        unless = _fallback_of(ctx, call)
        fn = enclosing_fn(call)
        fn_name = (
            fn.child_by_field_name("name")
            if fn is not None and not _trait_method(fn) and not _macro_attributed(pf, fn)
            else None
        )
        function = pf.text(fn_name) if fn_name is not None else ""
        return [
            EnvRead(
                name, "runtime", required, pf.location(name_node), in_build, default, (), unless,
                function if function != "main" else "",
            )
        ]
    # envy::from_env::<T>() / envy::prefixed("P").from_env::<T>()
    is_envy = False
    if ftype == "generic_function":
        inner = func.child_by_field_name("function")
        segs = path_segments(pf, inner) if inner is not None and inner.type == "scoped_identifier" else None
        is_envy = bool(segs) and segs is not None and segs[-2:] == ["envy", "from_env"]
        if not is_envy and inner is not None and inner.type == "field_expression":
            fld = inner.child_by_field_name("field")
            is_envy = pf.text(fld) == "from_env"
    elif ftype == "field_expression":
        is_envy = pf.text(func.child_by_field_name("field")) == "from_env"
    if not is_envy:
        return []
    return _envy_reads(index, info, call, in_build)


# attributes that generate no code calling the function (`#[server]`, `#[get("/")]`, `#[handler]` do)
_INERT_ATTRIBUTES = frozenset({
    "doc", "allow", "warn", "deny", "expect", "inline", "cold", "cfg", "cfg_attr", "must_use", "deprecated",
    "instrument", "tracing::instrument", "track_caller", "rustfmt::skip", "clippy::too_many_arguments",
})


def _macro_attributed(pf: ParsedFile, fn: Node) -> bool:
    """The `fn` carries an attribute macro (`#[server(ResetPassword, "/api")]` of Leptos, a route macro): the code it
    generates calls the function without the repository naming it."""
    prev = fn.prev_named_sibling
    while prev is not None and prev.type in ("attribute_item", "line_comment", "block_comment"):
        if prev.type == "attribute_item":
            text = pf.text(prev).lstrip("#[").split("(", 1)[0].split("=", 1)[0].strip().rstrip("]").strip()
            if text not in _INERT_ATTRIBUTES:
                return True
        prev = prev.prev_named_sibling
    return False


def _trait_method(fn: Node) -> bool:
    """The `fn` implements or declares a trait method (`impl FromRequestParts<S> for Auth`, `impl Default for
    Settings`, a `trait` item): code outside the repository (the framework, `unwrap_or_default()`) calls it without
    naming it."""
    block = fn.parent
    owner = block.parent if block is not None and block.type == "declaration_list" else None
    if owner is None:
        return False
    return owner.type == "trait_item" or (owner.type == "impl_item" and owner.child_by_field_name("trait") is not None)


def _envy_reads(index: CrateIndex, info: FileInfo, call: Node, in_build: bool) -> list[EnvRead]:
    ctx = _ctx(index, info, call)
    type_node = _let_type(call)
    src = envy_source(ctx, call, type_node)
    if src is None:
        return []
    struct, prefix = src
    required, _ = classify(ctx, call)
    out = []
    for ef in envy_fields(index, struct, prefix):
        out.append(
            EnvRead(
                ef.name,
                "runtime",
                required and not ef.optional,
                ef.pf.location(ef.node),
                in_build,
                ef.default,
            )
        )
    return out


def _let_type(call: Node) -> Node | None:
    cur = call
    for _ in range(50):
        parent = cur.parent
        if parent is None:
            return None
        if parent.type == "let_declaration":
            return parent.child_by_field_name("type")
        if parent.type in ("try_expression", "await_expression", "parenthesized_expression"):
            cur = parent
            continue
        if parent.type == "field_expression" and parent.parent is not None and parent.parent.type == "call_expression":
            cur = parent.parent
            continue
        return None
    return None


def _compile_read(pf: ParsedFile, mac: Node, in_build: bool) -> EnvRead | None:
    segs = path_segments(pf, mac.child_by_field_name("macro")) or []
    if not segs or segs[-1] not in ("env", "option_env") or (len(segs) > 1 and segs[-2] not in ("std", "core")):
        return None
    tt = next((c for c in mac.named_children if c.type == "token_tree"), None)
    if tt is None:
        return None
    groups = token_tree_parts(tt)
    if not groups or len(groups[0]) != 1:
        return None
    name = string_value(pf, groups[0][0])
    if name is None:
        return None
    required = segs[-1] == "env"
    return EnvRead(name, "compile", required, pf.location(groups[0][0]), in_build, None)


def _clap_reads(index: CrateIndex, info: FileInfo, struct_node: Node, in_build: bool) -> list[EnvRead]:
    pf = info.parsed
    name = struct_node.child_by_field_name("name")
    if name is None:
        return []
    module = index.module_at(info, struct_node)
    struct = module.structs.get(pf.text(name))
    if struct is None or not struct.same_item(struct_node):
        return []
    fields = clap_fields(index, struct, depth=99)
    if not fields:
        return []
    chains = clap_subcommands(index).get(clap_struct_key(struct), ())
    under = () if () in chains else chains  # reached without a subcommand: read on every run
    return [
        EnvRead(f.name, "runtime", not f.optional, f.pf.location(f.node), in_build, f.default, under)
        for f in fields
    ]
