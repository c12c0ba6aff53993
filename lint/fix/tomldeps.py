"""Cargo.toml: :class:`AddDependency` edits through tomlkit, which keeps every comment, blank line and
key order of the document; the result is parsed again and must hold the
old document plus the new dependencies, nothing else."""

from __future__ import annotations

import re
from typing import Any

import tomlkit
from tomlkit.items import InlineTable, Table
from viworks_lint.fix.text import FixError
from viworks_lint.fixes import AddDependency


def table_path(table: str) -> list[str]:
    """``target.'cfg(unix)'.dependencies`` → ``["target", "cfg(unix)", "dependencies"]``."""
    parts = re.findall(r"""'([^']*)'|"([^"]*)"|([^.]+)""", table)
    return [a or b or c.strip() for a, b, c in parts]


def _spec(edit: AddDependency) -> Any:
    if edit.workspace:
        it: InlineTable = tomlkit.inline_table()
        it.append("workspace", True)
        return it
    if not edit.version:
        raise FixError(f"no version known for `{edit.name}`")
    return edit.version


def add_dependencies(text: str, edits: list[AddDependency]) -> str:
    try:
        doc = tomlkit.parse(text)
        before = tomlkit.parse(text).unwrap()
    except Exception as exc:
        raise FixError(f"the manifest does not parse: {exc}") from None
    expected = before
    for edit in edits:
        path = table_path(edit.table)
        cur: Any = doc
        exp: Any = expected
        for i, part in enumerate(path):
            if part not in cur:
                new: Table = tomlkit.table(is_super_table=i < len(path) - 1)
                cur.append(part, new)
            cur = cur[part]
            exp = exp.setdefault(part, {})
            if not isinstance(cur, (Table, dict)):
                raise FixError(f"`{edit.table}` is not a table")
        if edit.name in cur:
            raise FixError(f"`{edit.name}` is already in [{edit.table}]")
        cur.append(edit.name, _spec(edit))
        exp[edit.name] = {"workspace": True} if edit.workspace else edit.version
    out = tomlkit.dumps(doc)
    try:
        after = tomlkit.parse(out).unwrap()
    except Exception as exc:
        raise FixError(f"the edited manifest does not parse: {exc}") from None
    if after != expected:
        raise FixError("the edited manifest does not read back as intended")
    return out
