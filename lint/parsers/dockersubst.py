"""Docker's ARG/ENV substitution in an instruction's words, as the builder expands them at build time."""

from __future__ import annotations

from collections.abc import Mapping


def expand(word: str, env: Mapping[str, str | None]) -> tuple[str, set[str]]:
    """Docker-style ``$VAR``/``${VAR}``/``${VAR:-d}``/``${VAR:+d}`` expansion (backslash escapes kept).
    Returns the text and the names that had no value and no default."""
    out: list[str] = []
    missing: set[str] = set()
    i, n = 0, len(word)
    while i < n:
        c = word[i]
        if c == "\\" and i + 1 < n and word[i + 1] == "$":
            out.append("$")
            i += 2
            continue
        if c != "$" or i + 1 >= n:
            out.append(c)
            i += 1
            continue
        if word[i + 1] == "{":
            close = word.find("}", i + 2)
            if close == -1:
                out.append(word[i:])
                break
            inner = word[i + 2 : close]
            name, op, arg = inner, "", ""
            for candidate in (":-", ":+", "-", "+"):
                pos = inner.find(candidate)
                if pos > 0 and (not op or pos < len(name)):
                    name, op, arg = inner[:pos], candidate, inner[pos + len(candidate) :]
                    break
            val = env.get(name)
            if op in (":-", "-"):
                out.append(val if val else arg)
            elif op in (":+", "+"):
                out.append(arg if val else "")
            else:
                if val is None:
                    missing.add(name)
                out.append(val or "")
            i = close + 1
            continue
        j = i + 1
        while j < n and (word[j].isalnum() or word[j] == "_"):
            j += 1
        if j == i + 1:
            out.append(c)
            i += 1
            continue
        name = word[i + 1 : j]
        val = env.get(name)
        if val is None:
            missing.add(name)
        out.append(val or "")
        i = j
    return "".join(out), missing
