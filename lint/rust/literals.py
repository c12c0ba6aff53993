"""Rust source text read without its comments: strings, raw strings and char literals are read first, so that
`"http://…"`, `"/static/*path"` or `'"'` starts no comment. Line and column numbers are kept."""

from __future__ import annotations

import re

# a raw string `r#"…"#`, a string, a char literal (`'"'`, `'\n'`, `'\u{e9}'`; not a lifetime `'a`)
LITERAL = r'r(#*)".*?"\1|"(?:[^"\\]|\\.)*"|\'(?:[^\'\\\n]|\\u\{[0-9A-Fa-f]{1,6}\}|\\.)\''
_COMMENT_OR_LITERAL = re.compile(LITERAL + r"|(//[^\n]*|/\*.*?\*/)", re.S)


def blank(m: re.Match[str]) -> str:
    """The matched text with everything but its line breaks made spaces (line numbers kept)."""
    return re.sub(r"[^\n]", " ", m.group(0))


def _blank_comment(m: re.Match[str]) -> str:
    return m.group(0) if m.group(2) is None else blank(m)


def comment_free(raw: str) -> str:
    """``raw`` with its comments blanked and its strings kept (line and column numbers kept)."""
    return _COMMENT_OR_LITERAL.sub(_blank_comment, raw)


_CFG_TEST = re.compile(r"#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+\w+\s*\{")


def without_tests(text: str) -> str:
    """``text`` with its `#[cfg(test)]` modules blanked (line numbers kept)."""
    out = text
    for m in reversed(list(_CFG_TEST.finditer(text))):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        out = out[: m.start()] + re.sub(r"[^\n]", " ", out[m.start() : i]) + out[i:]
    return out
