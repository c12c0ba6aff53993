"""The script a container runs: which program an exec-form ``ENTRYPOINT``/``CMD`` starts (past init
wrappers, or the ``sh -c`` text), and which build-context file a ``COPY``/``ADD`` put at that path; the
bytes the kernel sees at ``execve`` (``#!`` line, byte-order mark, CRLF) and the programs it runs."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from viworks_lint.dockerutil import final_stages
from viworks_lint.packages import SHELLS
from viworks_lint.parsers.common import record_read
from viworks_lint.parsers.dockerfile import Dockerfile, Instruction, Stage
from viworks_lint.project import Build, Project
from viworks_lint.stagefiles import image_path, stage_files

INITS = frozenset({"tini", "tini-static", "dumb-init", "catatonit", "s6-svscan", "gosu", "su-exec"})
MAX_SCRIPT_BYTES = 256 * 1024  # larger files are no hand-written entrypoint script: no claim


@dataclass(frozen=True)
class EntryScript:
    """A script file from the build context that an ENTRYPOINT/CMD runs."""

    name: str  # as written in the instruction
    host: Path  # the build-context file
    text: str
    instr: Instruction


def shell_words(text: str) -> list[str]:
    """A compose string ``command:`` split as compose does (shell-like quoting); plain split if unbalanced."""
    import shlex

    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def _overridden(build: Build, field: str) -> bool:
    svc = build.service
    return svc is not None and getattr(svc, field) is not None


def main_instructions(project: Project) -> Iterator[tuple[Dockerfile, Stage, list[Build], Instruction]]:
    """The instruction that starts each final stage's main process: its ``ENTRYPOINT``, else its ``CMD``,
    unless every compose service that builds it overrides that with ``entrypoint:``/``command:``. A broken
    exec form is left out (VW212's finding)."""
    for df, stage, builds in final_stages(project):
        entry, cmd = stage.state.entrypoint, stage.state.cmd
        instr = None
        if entry is not None and not all(_overridden(b, "entrypoint") for b in builds):
            instr = entry
        elif entry is None and cmd is not None and not all(_overridden(b, "command") for b in builds):
            instr = cmd
        if instr is not None and instr.exec_error is None:
            yield df, stage, builds, instr


def script_argv(argv: list[str]) -> tuple[str | None, list[str]]:
    """The script an exec-form ENTRYPOINT/CMD runs (past init wrappers), or None with the ``sh -c …``
    argv when a shell runs inline text."""
    i = 0
    while i < len(argv) and posixpath.basename(argv[i]) in INITS:
        i += 1
        while i < len(argv) and (argv[i].startswith("-") or argv[i] == "--"):
            i += 1
        if posixpath.basename(argv[i - 1]) in ("gosu", "su-exec") and i < len(argv):
            i += 1  # the user argument
    rest = argv[i:]
    if not rest:
        return None, []
    if posixpath.basename(rest[0]) in SHELLS and len(rest) > 1:
        if rest[1].startswith("-") and "c" in rest[1]:
            return None, rest
        return rest[1], rest
    return rest[0], rest


PATH_DIRS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")


def script_host_path(project: Project, build: Build, stage: Stage, script: str) -> Path | None:
    """The build-context file a COPY/ADD puts where the final image finds ``script`` (a bare name: any
    file copied under that name, or into a PATH directory)."""
    files = stage_files(project, build, stage)
    if "/" in script:
        candidates = [image_path(stage.state.workdir, script)]
    else:
        candidates = [p.dest for p in files.context_copies() if not p.tree and posixpath.basename(p.dest) == script]
        candidates += [f"{d}/{script}" for d in PATH_DIRS]
    for cand in candidates:
        host = files.host_of(cand)
        if host is not None and host.is_file():
            return host
    return _moved_into_place(project, build, stage, posixpath.basename(script))


_MOVES = re.compile(r"\b(?:mv|cp|install)\s")


def _moved_into_place(project: Project, build: Build, stage: Stage, name: str) -> Path | None:
    """The build-context file a RUN of a builder stage moves or copies into the tree the final stage takes
    (`mv /build/app/bin/entrypoint.sh /runtime/usr/local/bin`, then `COPY --from=builder /runtime /`): the one
    file of that name a `mv`/`cp`/`install` names that a COPY had put there."""
    from viworks_lint.dockerutil import reachable_stages

    df = build.dockerfile
    if df is None:
        return None
    token = re.compile(r"(?<![\w$])((?:\.?/)?[\w./-]*/" + re.escape(name) + r")(?![\w.-])")
    found: set[Path] = set()
    for st in reachable_stages(df, build.target):
        if st.index == stage.index:
            continue
        files = stage_files(project, build, st)
        for instr in st.instructions:
            if instr.cmd != "RUN" or not _MOVES.search(instr.original):
                continue
            for m in token.finditer(instr.original):
                host = files.host_of(image_path(files.workdir(instr), m.group(1)), instr)
                if host is not None and host.is_file():
                    found.add(host)
    return found.pop() if len(found) == 1 else None


def entry_script(project: Project, build: Build, stage: Stage, instr: Instruction) -> EntryScript | None:
    """The shell script from the build context that an exec-form ENTRYPOINT/CMD runs, with its text;
    None for binaries, scripts built in the image, unreadable, binary or oversized files."""
    script, _rest = script_argv(list(instr.args))
    if script is None:
        return None
    host = script_host_path(project, build, stage, script)
    if host is None:
        return None
    try:
        if host.stat().st_size > MAX_SCRIPT_BYTES:
            return None
        raw = host.read_bytes()
        record_read(host, raw)  # --fix edits it only while it holds these bytes
    except OSError:
        return None
    if b"\0" in raw:
        return None
    text = raw.decode("utf-8", errors="replace")
    first_line = text.split("\n", 1)[0]
    if not (first_line.startswith("#!") and any(sh in first_line for sh in SHELLS)) and host.suffix != ".sh":
        return None
    return EntryScript(script, host, text, instr)


# Commands that end quickly and start nothing that keeps the container up.
_QUICK = frozenset(
    {
        "echo", "printf", "true", ":", "set", "export", "unset", "cd", "exit", "return", "trap", "umask", "ulimit",
        "readonly", "mkdir", "chmod", "chown", "rm", "cp", "mv", "ln", "touch", "test", "[", "[[", "shift",
        "logger", "date", "env", "local", "declare", "typeset",
    }
)  # fmt: skip
# Wrappers that start the program named after them.
_WRAPPERS = frozenset({"nohup", "setsid", "exec", "env", "nice", "ionice", "stdbuf", "timeout", "chpst", *INITS})


@dataclass(frozen=True)
class Backgrounded:
    """A program an entrypoint starts with ``&`` after which the script only runs quick commands and ends."""

    program: str
    offset: int  # where its first word is written in the script text
    length: int


def _program(words: list[str]) -> str | None:
    """The program a command runs: past ``VAR=x`` assignments and ``nohup``/``setsid`` wrappers."""
    i = 0
    while i < len(words) and "=" in words[i] and not words[i].startswith(("=", "-")):
        i += 1
    while i < len(words) and posixpath.basename(words[i]) in _WRAPPERS - {"exec"}:
        i += 1
        while i < len(words) and words[i].startswith("-"):
            i += 1
    return words[i] if i < len(words) else None


def _items(trees: list[object]) -> list[tuple[list[object], bool]] | None:
    """Top-level commands in order, each as (nodes joined by &&/||/|, backgrounded with ``&``)."""
    items: list[tuple[list[object], bool]] = []
    for top in trees:
        kind = getattr(top, "kind", "")
        if kind != "list":
            items.append(([top], False))
            continue
        group: list[object] = []
        for part in getattr(top, "parts", []):
            if getattr(part, "kind", "") == "operator":
                op = getattr(part, "op", "")
                if op in (";", "&", "\n"):
                    if group:
                        items.append((group, op == "&"))
                    group = []
                else:
                    group.append(part)
                continue
            group.append(part)
        if group:
            items.append((group, False))
    return items


def _words(node: object) -> list[tuple[str, int, int]]:
    return [
        (str(getattr(p, "word", "")), p.pos[0], p.pos[1])
        for p in getattr(node, "parts", [])
        if getattr(p, "kind", "") == "word"
    ]


def _quick(group: list[object]) -> bool:
    """A command that ends at once: a single simple command from the quick list, ``sleep <seconds>``."""
    if len(group) != 1 or getattr(group[0], "kind", "") != "command":
        return False
    words = [w for w, _a, _b in _words(group[0])]
    i = 0
    while i < len(words) and "=" in words[i] and not words[i].startswith(("=", "-")):
        i += 1
    if i >= len(words):
        return True  # only assignments
    prog = words[i]
    if prog == "sleep":
        return len(words) == i + 2 and words[i + 1].rstrip("smhd").replace(".", "", 1).isdigit()
    return prog in _QUICK and not any("$(" in w or "`" in w for w in words)


def backgrounded_then_exits(text: str) -> Backgrounded | None:
    """The program a shell script starts in the background (``app &``, ``nohup app &``) when nothing after
    it waits (``wait``, ``exec``, a foreground program, a loop): the script, and so the container, ends.
    None when there is no such program or the script cannot be followed (then no claim)."""
    if len(text) > MAX_SCRIPT_BYTES or "\0" in text:
        return None
    try:
        import bashlex  # builds its grammar tables on import: only when a script is read

        trees = bashlex.parse(text)
    except Exception:
        return None
    items = _items(list(trees))
    if not items:
        return None
    last_bg = max((i for i, (_g, bg) in enumerate(items) if bg), default=None)
    if last_bg is None:
        return None
    if not all(_quick(group) for group, _bg in items[last_bg + 1 :]):
        return None
    group = items[last_bg][0]
    if len(group) != 1 or getattr(group[0], "kind", "") != "command":
        return None
    words = _words(group[0])
    prog = _program([w for w, _a, _b in words])
    if prog is None or posixpath.basename(prog) in _QUICK or posixpath.basename(prog) in ("sleep", "wait"):
        return None
    for word, start, end in words:
        if word == prog:
            return Backgrounded(prog, start, end - start)
    return None


# ------------------------------------------------------------------------------------------ bytes and programs

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

    def visit(node: Any) -> None:
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
                    uses.append(Use(w.word, line, col))
        for child in getattr(node, "parts", None) or []:
            visit(child)
        for attr in ("list", "command"):
            sub = getattr(node, attr, None)
            if isinstance(sub, list):
                for child in sub:
                    visit(child)
            elif sub is not None and hasattr(sub, "kind"):
                visit(sub)

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
        for words in commands(line.replace(";;", "  ")):
            i = 0
            while i < len(words) and (words[i] in _KEYWORDS or re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[i])):
                i += 1
            if i >= len(words) or "$" in words[i] or "`" in words[i]:
                continue
            col = line.find(words[i])
            if col >= 0:
                uses.append(Use(words[i], n, col + 1, arm))
    return uses
