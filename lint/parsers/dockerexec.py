"""Exec form or shell form: whether BuildKit reads an instruction's argument as a JSON array of strings,
and why text that starts with ``[`` but is no such array is run as shell text."""

from __future__ import annotations

import json
import re

# instructions whose argument BuildKit reads as a JSON array when it is one, else as shell text
EXEC_FORM = {"CMD", "ENTRYPOINT", "RUN", "SHELL", "HEALTHCHECK"}


def _after_flags(text: str, flags: tuple[str, ...]) -> str:
    """``text`` (what follows the keyword) without the leading ``--flag`` words BuildKit took off."""
    rest = text.lstrip()
    for f in flags:
        if rest.startswith(f):
            rest = rest[len(f) :].lstrip()
    while rest.startswith("--"):  # a flag written differently from how the binding reports it
        rest = rest.split(None, 1)[1] if len(rest.split(None, 1)) > 1 else ""
    return rest


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def exec_form_error(rest: str) -> str | None:
    """Why ``rest`` (an instruction's argument text starting with ``[``) is no JSON array of strings, as
    BuildKit decides it since dockerfile frontend 1.9 (``json.Unmarshal`` of the whole text: nothing may
    follow the closing ``]``); None when it is one."""
    text = rest.strip()
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except ValueError as exc:
        return _json_problem(text, exc)
    if not isinstance(value, list):
        return "it is not a JSON array"
    return None  # non-string items make BuildKit (and the parser binding) fail the whole file


def _json_problem(text: str, exc: ValueError) -> str:
    """A human reason for a JSON decode failure of exec-form text."""
    close = _array_end(text)
    if close is not None and close < len(text) - 1:
        try:
            json.loads(text[: close + 1], parse_constant=_no_constant)
            tail = text[close + 1 :].strip()
            if tail.startswith("#"):
                return f"the `{_short(tail)}` after the closing `]` is not a comment in a Dockerfile"
            return f"text follows the closing `]` (`{_short(tail)}`)"
        except ValueError:
            pass
    if "'" in text and '"' not in text:
        return "it uses single quotes; JSON strings need double quotes"
    msg = str(exc)
    if "Invalid \\escape" in msg or "Invalid \\uXXXX" in msg:
        return "it has a backslash that is no JSON escape (write `\\\\` for a literal backslash)"
    if close is None:
        return "the closing `]` is missing"
    if "Expecting ',' delimiter" in msg:
        return "a comma is missing between two items"
    if "Expecting value" in msg and re.search(r",\s*\]", text):
        return "it has a trailing comma before `]`"
    return f"it is not valid JSON ({msg.split(':')[0]})"


def _array_end(text: str) -> int | None:
    """Index of the ``]`` that closes the array opened at ``text[0]`` (strings skipped), or None."""
    depth = 0
    quote = False
    i = 0
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 2
                continue
            if c == '"':
                quote = False
        elif c == '"':
            quote = True
        elif c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def exec_form(
    cmd: str, original: str, flags: tuple[str, ...], args: tuple[str, ...], json_form: bool
) -> tuple[tuple[str, ...], bool, str | None]:
    """(args, json, exec_error) as current BuildKit reads an exec-form-capable instruction."""
    keyword_end = len(original) - len(original.lstrip()) + len(cmd)
    rest = _after_flags(original[keyword_end:], flags)
    prefix: tuple[str, ...] = ()
    if cmd == "HEALTHCHECK":
        words = rest.split(None, 1)
        if not words:
            return args, json_form, None
        prefix = (words[0],)
        rest = words[1] if len(words) > 1 else ""
    if not rest.lstrip().startswith("["):
        return args, json_form, None
    problem = exec_form_error(rest)
    if problem is None:
        return args, True, None
    text = rest.strip()
    return (*prefix, text), False, problem if _meant_as_exec_form(text) else None


def _meant_as_exec_form(text: str) -> bool:
    """Whether text that starts with ``[`` but is no JSON array was meant as an array, not as the shell's
    ``[ test ]`` / ``[[ test ]]`` (where ``[`` is a word of its own)."""
    if text.startswith("[["):
        return False
    if len(text) > 1 and not text[1].isspace():
        return True  # `["/app",` or `['a'` is no shell word anyone means to run
    close = _array_end(text)
    if close is not None:
        try:
            json.loads(text[: close + 1], parse_constant=_no_constant)
            return True  # `[ "/app" ] # comment`
        except ValueError:
            pass
    return bool(re.search(r"""["']\s*,\s*["']""", text))  # `[ '/app', '-v' ]`
