"""Whether a required env read is reached on every start of the program, or only on a path the program
takes when asked to: inside a branch that tests another variable (`if let Ok(id) = env::var("S3_KEY_ID")`),
or in a function that is only called from a branch (a CLI subcommand handler, `if args.migrate { … }`).
Such a read is optional for the deployment: the service starts without it."""

from __future__ import annotations

import re

from tree_sitter import Node
from viworks_lint.rust.modules import CrateIndex, FileInfo
from viworks_lint.rust.parsing import ParsedFile
from viworks_lint.rust.syntax import path_segments, walk_named

_ENV_CALL = re.compile(r"\b(?:var|var_os|vars)\s*\(")
_BRANCHES = frozenset({"if_expression", "match_arm", "else_clause"})
_FN_BOUNDARY = frozenset({"function_item", "closure_expression"})


def enclosing_fn(node: Node) -> Node | None:
    """The `fn` item ``node`` is written in, through any closures around it, or None."""
    cur = node.parent
    while cur is not None:
        if cur.type == "function_item":
            return cur
        cur = cur.parent
    return None


def _in_branch(node: Node) -> bool:
    """``node`` sits in a branch of an `if`/`match` of its function (not in the condition itself)."""
    cur: Node | None = node.parent
    child: Node = node
    while cur is not None and cur.type not in _FN_BOUNDARY:
        if cur.type == "if_expression" and cur.child_by_field_name("condition") != child:
            return True
        if cur.type in ("match_arm", "else_clause"):
            return True
        child = cur
        cur = cur.parent
    return False


def guarded_by_other_read(pf: ParsedFile, call: Node) -> bool:
    """The read sits in the body of an `if`/`if let` whose condition reads the environment itself, or in an
    arm of a `match` on something else (`None => env::var("VAULT_SECRET_ID")?` when no file is configured)."""
    cur: Node | None = call.parent
    child: Node = call
    while cur is not None and cur.type not in _FN_BOUNDARY:
        if cur.type == "if_expression":
            cond = cur.child_by_field_name("condition")
            if cond is not None and cond != child and _ENV_CALL.search(pf.text(cond)):
                return True
        if cur.type == "match_arm" and child != cur.child_by_field_name("pattern"):
            return True
        child = cur
        cur = cur.parent
    return False


Sites = dict[str, list[tuple[FileInfo, Node]]]


def _sites(index: CrateIndex) -> tuple[Sites, Sites]:
    """Where each function is called (by its last path segment or method name), and where each upper-case
    identifier (a static, a const: `DB`, `CONFIG`) is used, in the crate; walked once per index."""
    cache: tuple[Sites, Sites] | None = getattr(index, "_reach_sites", None)
    if cache is not None:
        return cache
    calls: Sites = {}
    idents: Sites = {}
    for info in index.file_infos():
        root = info.parsed.root
        if root is None:
            continue
        for node in walk_named(root):
            if node.type == "identifier":
                text = info.parsed.text(node)
                if text.isupper():
                    idents.setdefault(text, []).append((info, node))
                continue
            if node.type != "call_expression":
                continue
            func = node.child_by_field_name("function")
            if func is None:
                continue
            if func.type == "field_expression":
                name = info.parsed.text(func.child_by_field_name("field"))
            else:
                segs = path_segments(info.parsed, func) or []
                name = segs[-1] if segs else ""
            if name:
                calls.setdefault(name, []).append((info, node))
    index.__dict__["_reach_sites"] = (calls, idents)
    return calls, idents


def _call_sites(index: CrateIndex) -> Sites:
    return _sites(index)[0]


def _callers(index: CrateIndex, info: FileInfo, node: Node) -> list[tuple[FileInfo, Node]] | None:
    """The calls, by name, of the function around ``node`` from anywhere but itself; None when ``node`` is in no
    named function or in `main`."""
    fn = enclosing_fn(node)
    if fn is None:
        return None
    name_node = fn.child_by_field_name("name")
    name = info.parsed.text(name_node) if name_node is not None else ""
    if not name or name == "main":
        return None
    return [
        (i, s)
        for i, s in _call_sites(index).get(name, [])
        if not (i is info and fn.start_byte <= s.start_byte < fn.end_byte)  # recursion
    ]


def only_reached_from_tests(index: CrateIndex, info: FileInfo, node: Node, depth: int = 0) -> bool:
    """Every call of the function around ``node`` is test code (`#[test]`/`#[tokio::test]` functions, `#[cfg(test)]`
    modules) or a function only test code calls, in turn (`setup_test_db()` called by `create_test_app()`, which
    only tests call): the program itself never runs it. False for `main`, for a function nobody calls by name, and
    when unsure."""
    sites = _callers(index, info, node) if depth <= 3 else None
    return bool(sites) and all(
        index.is_excluded(i, s) or only_reached_from_tests(index, i, s, depth + 1) for i, s in sites or ()
    )


def only_called_in_branches(index: CrateIndex, info: FileInfo, call: Node) -> bool:
    """The function around the read is not `main` and every call to it in the crate is in a branch."""
    sites = _callers(index, info, call)
    live = [s for i, s in sites or () if not index.is_excluded(i, s)]  # calls from tests do not count
    return bool(sites) and all(_in_branch(s) for s in live)


_LAZY = re.compile(r"\b(?:LazyLock|LazyCell|Lazy)\s*(?:::<[^>]*>)?\s*::\s*new\b")


def _lazy_static(pf: ParsedFile, call: Node) -> Node | None:
    """The `static X: LazyLock<…> = LazyLock::new(|| …)` (or once_cell's `Lazy`) whose initializer holds the read."""
    cur = call.parent
    while cur is not None:
        if cur.type == "function_item":
            return None
        if cur.type == "static_item":
            value = cur.child_by_field_name("value")
            return cur if value is not None and _LAZY.search(pf.text(value)) else None
        cur = cur.parent
    return None


def _identifier_sites(index: CrateIndex) -> Sites:
    return _sites(index)[1]


def lazily_read(index: CrateIndex, info: FileInfo, call: Node) -> bool:
    """The read initializes a lazy static that code run on every start never touches: every use outside its own
    definition is in a test, in a branch, or in a function only called from branches (or there is none)."""
    static = _lazy_static(info.parsed, call)
    name_node = static.child_by_field_name("name") if static is not None else None
    if static is None or name_node is None:
        return False
    name = info.parsed.text(name_node)
    uses = [
        (i, n)
        for i, n in _identifier_sites(index).get(name, [])
        if not (i is info and static.start_byte <= n.start_byte < static.end_byte)
    ]
    live = [(i, n) for i, n in uses if not index.is_excluded(i, n)]
    return all(_in_branch(n) or only_called_in_branches(index, i, n) for i, n in live)


def conditional_read(index: CrateIndex, info: FileInfo, call: Node) -> bool:
    return (
        guarded_by_other_read(info.parsed, call)
        or only_called_in_branches(index, info, call)
        or lazily_read(index, info, call)
    )
