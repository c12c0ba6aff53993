"""Where the BuildKit parser binding trails current BuildKit: text it must see in a form its older shell
lexer accepts, and how its fallout is reported.

Heredocs: BuildKit recognises ``<<WORD`` / ``<<-WORD`` / ``<<"WORD"`` / ``<<'WORD'`` (several per line)
anywhere in a ``RUN``/``COPY``/``ADD`` line, not only right after the keyword: ``heredocsFromLine`` in
moby/buildkit ``frontend/dockerfile/parser/parser.go`` splits the whole line into words with the shell lexer
(``shlex.ProcessWords``) and matches each word against ``^(\\d*)<<(-?)\\s*([^<]*)$``. It drops the lexer's
error (``words, _ := shlex.ProcessWords(...)``), so when the lexer rejects the line the heredoc is silently
not recognised and its body lines become "instructions". The lexer in the binding predates Dockerfile
frontend 1.7, which added ``${var#pattern}``, ``${var%pattern}`` and ``${var/pattern/replacement}`` (Docker
blog "New Dockerfile capabilities in v1.7.0"); a line such as ``RUN B="${URL%/}" && cat > f <<EOF`` is
valid for current BuildKit but fails the old lexer. :func:`lexer_safe` hands the parser those expansions as
plain ``${name}`` placeholders and :func:`restore` puts the written text back in what it returns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from viworks_lint.location import Location
from viworks_lint.parsers.common import Problem

# `${name#…}`, `${name##…}`, `${name%…}`, `${name%%…}`, `${name/…/…}`, `${name//…/…}`: Dockerfile 1.7 forms
_NEW_EXPANSION = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?:##?|%%?|//?)[^{}\n]*\}")


@dataclass
class Placeholders:
    written: dict[str, str] = field(default_factory=dict)  # placeholder → the text it stands for

    def restore(self, text: str) -> str:
        if not self.written or "${__vwlint" not in text:
            return text
        for ph, original in self.written.items():
            text = text.replace(ph, original)
        return text


def lexer_safe(text: str) -> tuple[str, Placeholders]:
    """``text`` with the expansion forms the binding's lexer rejects replaced by placeholders (only when the
    file has a heredoc marker, the one place where the lexer's verdict changes the parse)."""
    marks = Placeholders()
    if "<<" not in text or "__vwlint" in text or not _NEW_EXPANSION.search(text):
        return text, marks
    n = 0

    def swap(m: re.Match[str]) -> str:
        nonlocal n
        ph = f"${{__vwlint{n}__}}"
        n += 1
        marks.written[ph] = m.group(0)
        return ph

    return _NEW_EXPANSION.sub(swap, text), marks


_HEREDOC_WORD = re.compile(r"""(?:^|\s)\d*<<-?\s*(["']?)([A-Za-z_][A-Za-z0-9_]*)\1(?=\s|$)""")
_HEREDOC_CMDS = {"RUN", "COPY", "ADD"}


def unread_heredoc(command: Any) -> tuple[int, str] | None:
    """(line, ``<<WORD``) when ``command`` (a node of the parser binding) is a RUN/COPY/ADD that writes a
    heredoc marker the parser did not read as one (its body then follows as bogus instructions), else None."""
    if command is None or str(command.cmd).upper() not in _HEREDOC_CMDS or command.heredocs:
        return None
    m = _HEREDOC_WORD.search(str(command.original))
    if m is None:
        return None
    return int(command.end_line), m.group(0).strip()


def unknown_problem(path: Path, loc: Location, word: str, last_known: Any) -> Problem:
    """The VW001 for a line that starts with no instruction keyword: a note when it follows a heredoc marker
    the parser did not read (the linter's limit, not a proven build failure), else BuildKit's own error."""
    at = Location(path, loc.line, loc.col, loc.line, loc.col + len(word))
    opener = unread_heredoc(last_known)
    if opener is None:
        return Problem("VW001", f"unknown instruction {word!r}", at, key=f"unknown:{word}")
    return Problem(
        "VW001",
        f"line {loc.line} looks like the body of the heredoc `{opener[1]}` opened on line {opener[0]}, which "
        "this linter's Dockerfile parser could not read (BuildKit may well accept it): the rules make no claim "
        "about that instruction",
        at,
        key=f"heredoc:{opener[1]}",
    )


def widen_unknown(first: Problem, later: Location) -> Problem:
    """``first`` (an unknown-instruction VW001) stretched over the later bad lines of its run: one finding
    per run of lines that are no instructions, not one per line."""
    start = first.location
    end = later.end_line or later.line
    if first.key.startswith("heredoc:"):
        msg = re.sub(r"^lines? \d+(?:-\d+)? looks? like", f"lines {start.line}-{end} look like", first.message)
    else:
        msg = first.message.split(" (and the lines up to")[0]
        msg += f" (and the lines up to line {end}, which do not parse as instructions either)"
    return Problem(first.rule_id, msg, Location(start.path, start.line, start.col, end, later.end_col), key=first.key)
