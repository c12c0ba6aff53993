"""A script file as ``execve`` and its shell see it: the ``#!`` line, a byte-order mark before it, CRLF line
endings, and the programs the script runs (with the ``case`` arm each is in, and those it first looks for)."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from viworks_lint.scripts import MAX_SCRIPT_BYTES

_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Arm:
    """A `case … esac` arm a command is in: the patterns that select it, those of the arms before it (a match
    there wins), and whether the case tests the script's first argument (`case "$1" in`, or a variable set from
    it: `cmd="${1:-help}"`)."""

    patterns: tuple[str, ...]
    earlier: tuple[str, ...]
    first_argument: bool

    def taken_for(self, arg: str) -> bool:
        import fnmatch

        if any(fnmatch.fnmatchcase(arg, p) for p in self.earlier):
            return False
        return any(fnmatch.fnmatchcase(arg, p) for p in self.patterns)


@dataclass(frozen=True)
class Use:
    program: str
    line: int
    col: int
    arm: Arm | None = None  # inside a `case … esac` arm: runs only for what that arm matches
    branch: bool = False  # inside the body of an `if`/`elif`/`else`: runs only when its condition holds


@dataclass
class Script:
    path: Path
    text: str
    shebang: str | None  # the `#!` line without `#!` and line ending, None when there is none
    bom: bool  # starts with a UTF-8 byte-order mark (before `#!`, the kernel sees no `#!`)
    crlf_first_line: bool  # the first line ends in CR LF: the interpreter's name ends in `\r`
    uses: list[Use] = field(default_factory=list)  # programs the script runs, in order
    probed: set[str] = field(default_factory=set)  # programs it looks for first (`command -v x`)

    @property
    def interpreter(self) -> list[str]:
        """The ``#!`` line's interpreter and its argument (``["/usr/bin/env", "bash"]``)."""
        if self.shebang is None:
            return []
        return self.shebang.strip().split(None, 1)


def read_script(path: Path) -> Script | None:
    """The script at ``path``; None when it cannot be read, is empty, binary (NUL bytes, an ELF
    header) or too large to be an entrypoint script."""
    try:
        if not path.is_file() or path.stat().st_size > MAX_SCRIPT_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    if not data.strip() or b"\0" in data[:8192] or data.startswith(b"\x7fELF"):
        return None
    bom = data.startswith(_BOM)
    body = data[len(_BOM) :] if bom else data
    first, nl, _rest = body.partition(b"\n")
    shebang = first[2:].decode("utf-8", errors="replace").rstrip("\r") if body.startswith(b"#!") else None
    text = body.decode("utf-8", errors="replace")
    script = Script(path, text, shebang, bom, bool(nl) and first.endswith(b"\r"))
    script.uses, script.probed = _programs(text.replace("\r\n", "\n"))
    return script


_PROBE = re.compile(r"\b(?:command\s+-v|which|type|hash)\s+([A-Za-z0-9_.+-]+)")


def _programs(text: str) -> tuple[list[Use], set[str]]:
    """Programs the script runs as commands (first words of simple commands, past ``exec``,
    ``VAR=value`` prefixes and ``sudo``/``env``/``nohup``/``timeout``), and the ones it probes for."""
    probed = set(_PROBE.findall(text))
    try:
        import bashlex  # builds its grammar tables on import: only when a script is read

        trees = bashlex.parse(text)
    except Exception:
        return _programs_by_line(text), probed  # bashlex reads only part of bash ([[ =~ ]], arrays, …)
    uses: list[Use] = []
    starts = [0]
    for m in re.finditer("\n", text):
        starts.append(m.end())

    def position(offset: int) -> tuple[int, int]:
        line = max(i for i, s in enumerate(starts) if s <= offset)
        return line + 1, offset - starts[line] + 1

    def visit(node: Any, branch: bool = False) -> None:
        if node.kind == "if":
            body = False  # the condition runs; what follows `then`/`else` runs only on its branch
            for part in node.parts:
                if part.kind == "reservedword" and part.word in ("then", "else"):
                    body = True
                elif part.kind == "reservedword" and part.word == "elif":
                    body = False
                visit(part, branch or body)
            return
        if node.kind == "command":
            words = [p for p in node.parts if p.kind == "word"]
            i = 0
            while i < len(words) and ("=" in words[i].word.split("/")[0] and words[i].word[0] != "-"):
                i += 1
            while i < len(words) and words[i].word in ("exec", "sudo", "env", "nohup", "command", "time"):
                i += 1
                while i < len(words) and words[i].word.startswith("-"):
                    i += 1
            if i < len(words) and words[i].word == "timeout":
                i += 1
                while i < len(words) and (words[i].word.startswith("-") or words[i].word[:1].isdecimal()):
                    i += 1
            if i < len(words):
                w = words[i]
                if "$" not in w.word and "`" not in w.word and w.word:
                    line, col = position(w.pos[0])
                    uses.append(Use(w.word, line, col, None, branch))
        for child in getattr(node, "parts", None) or []:
            visit(child, branch)
        for attr in ("list", "command"):
            sub = getattr(node, attr, None)
            if isinstance(sub, list):
                for child in sub:
                    visit(child, branch)
            elif sub is not None and hasattr(sub, "kind"):
                visit(sub, branch)

    for tree in trees:
        visit(tree)
    return uses, probed


def program_name(word: str) -> str:
    return posixpath.basename(word)


_HEREDOC = re.compile(r"<<-?\s*['\"]?([A-Za-z_][A-Za-z0-9_]*)")
_CASE_START = re.compile(r"^\s*case\s+(.*?)\s+in\s*(?:#.*)?$")
_CASE_END = re.compile(r"^\s*esac\b")
_CASE_PATTERN = re.compile(r"^\s*\(?\s*((?:[^()\s|;]+\s*\|\s*)*[^()\s|;]+)\s*\)(.*)$")
_FROM_ARG1 = re.compile(r"^(?:readonly\s+)?([A-Za-z_]\w*)=[\"']?\$\{?1(?![0-9])", re.MULTILINE)  # top level only
_FUNCTION = re.compile(r"^\s*(?:function\s+[A-Za-z_][\w-]*|[A-Za-z_][\w-]*\s*\(\s*\))\s*\{?\s*$")
_SHIFTS = re.compile(r"^\s*(?:shift\b|set\s+--)")


def _first_argument(subject: str, names: set[str], shifted: bool) -> bool:
    """A `case` subject that is the script's first argument: `"$1"` (before any `shift`), `${1:-help}`, or a
    variable the script sets from it at its top level."""
    m = re.fullmatch(r"[\"']?\$\{?([A-Za-z_]\w*|1)(?:[:}][^\"']*)?[\"']?", subject.strip())
    return m is not None and ((m.group(1) == "1" and not shifted) or m.group(1) in names)


_KEYWORDS = frozenset(
    {"if", "then", "else", "elif", "do", "while", "until", "!", "time", "exec", "{", "}", "fi", "done"}
)


def _programs_by_line(text: str) -> list[Use]:
    """First words of the commands on each line, for scripts bashlex cannot parse: heredoc bodies, lines
    inside multi-line quotes and ``case`` patterns are skipped, so a word is only taken where a command
    starts."""
    from viworks_lint.dockerutil import commands

    uses: list[Use] = []
    heredoc: str | None = None
    in_quote = False
    arg1 = set(_FROM_ARG1.findall(text))
    # open `case` blocks: whether each tests the first argument, the patterns of its earlier arms, its arm now
    frames: list[tuple[bool, list[str], list[str]]] = []
    functions = 0  # shell function bodies open at this line: their `$1` is the function's argument
    shifted = False
    ifs = 0  # `if … fi` blocks open at this line; a line inside one (past its `then`) runs on a branch
    for n, line in enumerate(text.splitlines(), start=1):
        if heredoc is not None:
            if line.strip() == heredoc:
                heredoc = None
            continue
        try:
            import shlex

            shlex.split(line, comments=True)
            balanced = True
        except ValueError:
            balanced = False
        if in_quote or not balanced:
            in_quote = in_quote != (not balanced)
            continue
        m = _HEREDOC.search(line)
        if m is not None:
            heredoc = m.group(1)
        if _FUNCTION.match(line):
            functions += 1
        elif line.strip() == "}" and functions:
            functions -= 1
        shifted = shifted or (not functions and _SHIFTS.match(line) is not None)
        start = _CASE_START.match(line)
        if start is not None:
            frames.append((not functions and _first_argument(start.group(1), arg1, shifted), [], []))
            continue
        if _CASE_END.match(line):
            if frames:
                frames.pop()
            continue
        pattern = _CASE_PATTERN.match(line) if frames else None
        if pattern is not None:
            _positional, earlier, current = frames[-1]
            earlier.extend(current)
            current[:] = [p.strip().strip("\"'") for p in pattern.group(1).split("|")]
            line = " " * pattern.start(2) + pattern.group(2)  # the commands after `pat)`, at their columns
        arm = None
        if frames and frames[-1][2]:
            arm = Arm(tuple(frames[-1][2]), tuple(frames[-1][1]), frames[-1][0])
        stripped = line.strip()
        opens = re.match(r"^if\b", stripped) is not None and re.search(r"\bfi\b", stripped) is None
        branch = ifs > 0 and not re.match(r"^(?:elif)\b", stripped)
        if opens:
            ifs += 1
        elif re.match(r"^fi\b", stripped) and ifs:
            ifs -= 1
        for words in commands(line.replace(";;", "  ")):
            i = 0
            while i < len(words) and (words[i] in _KEYWORDS or re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[i])):
                i += 1
            if i >= len(words) or "$" in words[i] or "`" in words[i]:
                continue
            col = line.find(words[i])
            if col >= 0:
                uses.append(Use(words[i], n, col + 1, arm, branch))
    return uses
