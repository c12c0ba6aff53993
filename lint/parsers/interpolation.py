"""Compose variable interpolation: ``$VAR``, ``${VAR}``, ``${VAR:-d}``, ``${VAR-d}``, ``${VAR:?e}``,
``${VAR?e}``, ``${VAR:+r}``, ``${VAR+r}`` (nestable in the default) and ``$$`` escapes."""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass

from viworks_lint.location import Location

_MODIFIERS = (":-", ":?", ":+", "-", "?", "+")


@dataclass(frozen=True)
class VarRef:
    """One ``${VAR…}`` reference in a compose file. ``modifier`` is "" for a bare reference."""

    name: str
    modifier: str
    argument: str
    location: Location
    resolved: bool  # the variable was defined where compose looks (.env, --env-file, config)

    @property
    def has_default(self) -> bool:
        return self.modifier in (":-", "-", ":+", "+")

    @property
    def is_required(self) -> bool:
        return self.modifier in (":?", "?")


def _is_name_start(c: str) -> bool:
    return c == "_" or (c.isascii() and c.isalpha())


def _is_name_char(c: str) -> bool:
    return c == "_" or (c.isascii() and c.isalnum())


class Interpolator:
    """Substitutes variables from ``env``; records every reference in ``refs``."""

    def __init__(self, env: Mapping[str, str], weak: Set[str] = frozenset()) -> None:
        self.env = env
        self.weak = weak  # names whose value is a guess: a reference's default outweighs it
        self.refs: list[VarRef] = []

    def __call__(self, text: str, start: Location, quoted: bool = False) -> str:
        try:
            out, _ = self._scan(text, 0, start, top=True)
        except RecursionError:  # defaults nested thousands deep: keep the text as written
            return text
        return out

    def _loc(self, start: Location, offset: int, length: int) -> Location:
        # exact column only for single-line scalars; otherwise the scalar's own start
        if start.end_line is not None and start.end_line != start.line:
            return Location(start.path, start.line, start.col)
        col = start.col + offset
        return Location(start.path, start.line, col, start.line, col + length)

    def _scan(self, text: str, i: int, start: Location, top: bool) -> tuple[str, int]:
        """Scan from i; at top level to the end, else up to the matching ``}``. Returns (text, index)."""
        out: list[str] = []
        n = len(text)
        while i < n:
            c = text[i]
            if not top and c == "}":
                return "".join(out), i
            if c != "$":
                out.append(c)
                i += 1
                continue
            nxt = text[i + 1] if i + 1 < n else ""
            if nxt == "$":
                out.append("$")
                i += 2
                continue
            if nxt == "{":
                j = i + 2
                k = j
                while k < n and _is_name_char(text[k]):
                    k += 1
                name = text[j:k]
                if not name or not _is_name_start(name[0]):
                    out.append(c)
                    i += 1
                    continue
                modifier = ""
                for m in _MODIFIERS:
                    if text.startswith(m, k):
                        modifier = m
                        break
                arg = ""
                end = k
                if modifier:
                    before = len(self.refs)
                    arg, end = self._scan(text, k + len(modifier), start, top=False)
                    if modifier in (":+", "+"):
                        # `${X:+--flag=${X}}`: the argument is read only when X is set, so its own X is never unset
                        self.refs[before:] = [r for r in self.refs[before:] if r.name != name]
                if end >= n or text[end] != "}":
                    out.append(text[i:])  # unterminated: compose errors; keep the text
                    return "".join(out), n
                self._record(name, modifier, arg, start, i, end + 1 - i)
                out.append(self._value(name, modifier, arg))
                i = end + 1
                continue
            if nxt and _is_name_start(nxt):
                k = i + 1
                while k < n and _is_name_char(text[k]):
                    k += 1
                name = text[i + 1 : k]
                self._record(name, "", "", start, i, k - i)
                out.append(self.env.get(name, ""))
                i = k
                continue
            out.append(c)
            i += 1
        return "".join(out), i

    def _record(self, name: str, modifier: str, arg: str, start: Location, offset: int, length: int) -> None:
        self.refs.append(VarRef(name, modifier, arg, self._loc(start, offset, length), name in self.env))

    def _value(self, name: str, modifier: str, arg: str) -> str:
        val = self.env.get(name)
        if name in self.weak and modifier in (":-", "-"):
            return arg
        if modifier == ":-":
            return val if val else arg
        if modifier == "-":
            return val if val is not None else arg
        if modifier == ":+":
            return arg if val else ""
        if modifier == "+":
            return arg if val is not None else ""
        return val or ""
