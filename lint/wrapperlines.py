"""A wrapper file read as the command lines it holds: continuation lines joined, each with the Makefile or
justfile target, Taskfile task, CI job, script or README section it belongs to (a README's fenced code blocks
and the compose commands its prose names inline), and the kind of file it is (``make``, ``ci``, ``script``,
``docs``)."""

from __future__ import annotations

import re
from pathlib import Path

from viworks_lint.docruns import FENCE, front_matter_end, is_doc, setext_heading
from viworks_lint.npmscripts import npm_scripts

_TARGET = re.compile(r"^([A-Za-z0-9_.\-/%$() ]+?)\s*:(?![=:])")
_YAML_KEY = re.compile(r"^( {0,4})([A-Za-z0-9_.:\-]+):\s*(?:#.*)?$")
_INLINE_COMPOSE = re.compile(r"`((?:sudo\s+)?docker[ -]compose\b[^`]*)`")


def job_of(lines: list[str], lineno: int) -> str:
    """The workflow job (a key indented two spaces) a line belongs to."""
    for line in reversed(lines[: lineno - 1]):
        m = _YAML_KEY.match(line)
        if m and len(m.group(1)) == 2:
            return m.group(2).lower()
    return ""


def _gitlab(path: Path) -> bool:
    return path.name.startswith(".gitlab-ci") or path.name.endswith((".gitlab-ci.yml", ".gitlab-ci.yaml"))


def wrapper_kind(path: Path, root: Path) -> str:
    """``ci`` (a GitHub, Forgejo or GitLab workflow), ``script``, ``docs`` or ``make`` (Makefiles, justfiles,
    Taskfiles)."""
    if _gitlab(path) or (path.parent.name == "workflows" and path.suffix in (".yml", ".yaml")):
        return "ci"
    if path.name.endswith((".sh", ".bash")):
        return "script"
    if is_doc(path, root):
        return "docs"
    return "make"


def logical_lines(path: Path, text: str, kind: str) -> list[tuple[int, str, str, bool]]:
    """(line, text, label, indented) of each line that may hold commands, continuation lines joined."""
    if path.name == "package.json":
        return npm_scripts(text)
    out: list[tuple[int, str, str, bool]] = []
    label = path.stem.lower() if kind == "script" else ""
    in_fence = False
    section = 0
    headings: list[tuple[int, str]] = []
    lines = text.splitlines()
    matter = front_matter_end(lines) if kind == "docs" else 0
    i = 0
    while i < len(lines):
        start = i
        raw = lines[i]
        i += 1
        while raw.endswith("\\") and i < len(lines):
            raw = raw[:-1] + " " + lines[i].strip()
            i += 1
        if kind == "docs":
            if FENCE.match(raw):
                in_fence = not in_fence
                continue
            # a setext heading: a line of text underlined with `===` (level 1) or `---` (level 2)
            setext = not in_fence and start >= matter and setext_heading(raw, lines[i] if i < len(lines) else None)
            if setext:
                i += 1
                raw = ("#" if lines[i - 1].lstrip().startswith("=") else "##") + " " + raw.strip()
            if not in_fence and raw.startswith("#"):  # a new section: its commands run in a terminal of their own
                section += 1
                level = len(raw) - len(raw.lstrip("#"))
                headings = [h for h in headings if h[0] < level] + [(level, raw.lstrip("#").strip().lower())]
                # the headings down to this section (`local development / with docker`): what it is for
                label = f"§{section}:" + " / ".join(h for _, h in headings)
                continue
            if not in_fence and not raw.startswith("    "):
                # prose that names the command inline: "2. Run: `docker-compose up`"
                out.extend((start + 1, span, label, True) for span in _INLINE_COMPOSE.findall(raw))
                continue
            out.append((start + 1, raw.strip().removeprefix("$ ").removeprefix("> "), label, True))
            continue
        if kind == "make" and not raw[:1].isspace():
            m = _TARGET.match(raw)
            if m and "=" not in raw.split(":", 1)[0]:
                label = m.group(1).strip().lower()
                rest = raw[m.end() :]
                if ";" in rest:  # `target: deps ; command`
                    out.append((start + 1, rest.split(";", 1)[1], label, True))
                continue
        if kind in ("ci", "make") and path.suffix in (".yml", ".yaml"):
            m = _YAML_KEY.match(raw)
            if m:  # a workflow job or Taskfile task (indented 2), a GitLab job (top level)
                if len(m.group(1)) == (0 if _gitlab(path) else 2):
                    label = m.group(2).lower()
                continue
        body = raw.strip()
        if body.startswith("#"):
            continue
        body = re.sub(r"^-\s+", "", body)
        body = re.sub(r"^(?:run|script|cmd|cmds|command)\s*:\s*[|>]?-?\s*", "", body)
        body = re.sub(r"^(?:-\s+)?(?:name|cmd)\s*:\s*", "", body) if body.startswith(("cmd:", "- cmd:")) else body
        out.append((start + 1, body.lstrip("@-+ \t"), label, raw[:1].isspace()))
    return out


# a bash array (`FILES=(-f compose.yml)`, `FILES+=(-f compose.prod.yml)`, one word per line or several) and a
# use of all its words (`"${FILES[@]}"`)
_ARRAY_START = re.compile(r"^\s*(?:(?:local|declare\s+-a|readonly)\s+)?([A-Za-z_][A-Za-z0-9_]*)\+?=\(([^)]*)(\)?)")
ARRAY_USE = re.compile(r"\"?\$\{([A-Za-z_][A-Za-z0-9_]*)\[[@*]\]\}\"?")


def shell_arrays(text: str) -> dict[str, str]:
    """The words the assignment and every `+=` of each bash array of a script give it, joined: a file set a script
    builds up in branches (`COMPOSE_FILES+=(-f docker-compose.server.yml)` for some features) is read as the
    largest one it runs. An array assigned twice (`FILES=(… prod.yml)` in one branch, `FILES=(… dev.yml)` in
    the other) holds one of two sets, which cannot be told: it is left out."""
    arrays: dict[str, list[str]] = {}
    plain: dict[str, int] = {}  # how many `NAME=(…)` assignments: two are alternatives (prod or dev), not one set
    open_name: str | None = None
    for line in text.splitlines():
        body = line.split(" #", 1)[0].strip()
        if open_name is not None:
            words, closed, rest = body.partition(")")
            arrays[open_name] += words.split()
            if closed or rest:
                open_name = None
            continue
        m = _ARRAY_START.match(body)
        if m is None:
            continue
        if "+=(" not in body:
            plain[m.group(1)] = plain.get(m.group(1), 0) + 1
        arrays.setdefault(m.group(1), []).extend(m.group(2).split())
        if not m.group(3):
            open_name = m.group(1)
    return {name: " ".join(_once(words)) for name, words in arrays.items() if plain.get(name, 0) <= 1}


def _once(words: list[str]) -> list[str]:
    """The words with a repeated `-f FILE` pair (or word) kept once."""
    out: list[str] = []
    seen: set[tuple[str, ...]] = set()
    i = 0
    while i < len(words):
        item = tuple(words[i : i + 2]) if words[i] in ("-f", "--file") else (words[i],)
        if item not in seen:
            seen.add(item)
            out += item
        i += len(item)
    return out
