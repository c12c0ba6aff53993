"""VW212 exec-form-invalid."""

from __future__ import annotations

import json
from collections.abc import Iterator

from viworks_lint.dockerutil import reachable_stages
from viworks_lint.findings import Finding, Level
from viworks_lint.fixes import Applicability, Fix, ReplaceText, safe_fix
from viworks_lint.location import Location
from viworks_lint.parsers.dockerfile import Dockerfile, Instruction
from viworks_lint.project import Project
from viworks_lint.rule import Rule, RuleDocs, register

_EFFECT = {
    "ENTRYPOINT": "the container runs it as `/bin/sh -c '{text}'`: the shell looks for a program named `{word}` and "
    "the container exits at start with `not found` (in an image without `/bin/sh` it cannot start at all)",
    "CMD": "the container runs it as `/bin/sh -c '{text}'`: the shell looks for a program named `{word}` and the "
    "container exits at start with `not found` (in an image without `/bin/sh` it cannot start at all)",
    "RUN": "the build runs it as `/bin/sh -c '{text}'`: the shell looks for a program named `{word}` and the "
    "build fails with `not found`",
    "HEALTHCHECK": "every probe runs `/bin/sh -c '{text}'`, which fails with `not found`, so the container is "
    "marked unhealthy",
    "SHELL": "BuildKit refuses it (`SHELL requires the arguments to be in JSON form`) and the build fails",
}


def _span(df: Dockerfile, instr: Instruction) -> Location:
    """From the ``[`` that opens the would-be array to the end of the instruction."""
    line = df.lines[instr.start_line - 1] if instr.start_line - 1 < len(df.lines) else ""
    start = line.find("[", instr.location.col - 1 + len(instr.cmd))
    loc = instr.location
    if start == -1:
        return loc
    return Location(loc.path, loc.line, start + 1, loc.end_line, loc.end_col)


def _message(instr: Instruction) -> str:
    text = instr.args[-1] if instr.args else ""
    first = text.split(None, 1)[0] if text.split() else text
    word = first.split("#", 1)[0] or first
    shown = text if len(text) <= 60 else text[:59] + "…"
    effect = _EFFECT[instr.cmd].format(text=shown, word=word)
    what = "HEALTHCHECK CMD" if instr.cmd == "HEALTHCHECK" else instr.cmd
    msg = (
        f"{what} starts with `[` but is not a JSON array ({instr.exec_error}), so BuildKit does not take it as "
        f"exec form: {effect}"
    )
    if "viworks-lint:" in text:
        msg += (
            "; the `# viworks-lint: ignore=…` at the end of the line is part of the instruction, not a comment, "
            "and suppresses nothing: put it on its own line above the instruction"
        )
    elif "#" in text and "Dockerfile" in (instr.exec_error or ""):
        msg += "; put the comment on its own line above the instruction"
    return msg


def _array(text: str) -> tuple[list[str], str] | None:
    """The items the author wrote in ``[ … ]`` (double or single quotes, bare words, missing commas) and
    the text after ``]``; None when the brackets or quotes do not close."""
    items: list[str] = []
    i = 1
    while i < len(text):
        c = text[i]
        if c in " \t,":
            i += 1
        elif c == "]":
            return items, text[i + 1 :].strip()
        elif c in "\"'":
            buf: list[str] = []
            j = i + 1
            while j < len(text) and text[j] != c:
                if c == '"' and text[j] == "\\" and j + 1 < len(text) and text[j + 1] in '"\\':
                    j += 1
                buf.append(text[j])
                j += 1
            if j >= len(text):
                return None
            items.append("".join(buf))
            i = j + 1
        else:
            j = i
            while j < len(text) and text[j] not in " \t,]":
                j += 1
            items.append(text[i:j])
            i = j
    return None


def _fix(df: Dockerfile, instr: Instruction) -> Fix | None:
    """Rewrite a one-line would-be exec form as the JSON array meant; a trailing comment goes above."""
    if instr.start_line != instr.end_line or instr.start_line > len(df.lines):
        return None
    line = df.lines[instr.start_line - 1]
    start = line.find("[", instr.location.col - 1 + len(instr.cmd))
    if start == -1:
        return None
    old = line[start:].rstrip()
    parsed = _array(old)
    if parsed is None or not parsed[0] or (parsed[1] and not parsed[1].startswith("#")):
        return None
    items, comment = parsed
    new = json.dumps(items, ensure_ascii=False)
    edits = [ReplaceText(df.path, instr.start_line, start + 1, old, new)]
    if comment:
        indent = line[: len(line) - len(line.lstrip())]
        edits.insert(0, ReplaceText(df.path, instr.start_line, 1, "", f"{indent}{comment}\n"))
    what = " and move the comment to the line above" if comment else ""
    return safe_fix(f"write the {instr.cmd} as the JSON array `{new}`{what}", *edits)


def _broken(instr: Instruction | None) -> bool:
    return instr is not None and instr.exec_error is not None


def check(project: Project) -> Iterator[Finding]:
    done: set[int] = set()
    for df in project.dockerfiles.values():
        builds = project.builds_of(df)
        targets = {b.target for b in builds} or {None}
        for target in sorted(targets, key=lambda t: t or ""):
            for stage in reachable_stages(df, target):
                for instr in stage.instructions:
                    if instr.cmd in ("RUN", "SHELL") and _broken(instr) and id(instr) not in done:
                        done.add(id(instr))
                        yield RULE.finding(
                            _message(instr),
                            _span(df, instr),
                            key=f"{instr.cmd}:{instr.start_line}",
                            fix=_fix(df, instr),
                        )
            final = df.final_stage(target)
            if final is None:
                continue
            for started in (final.state.entrypoint, final.state.cmd, final.state.healthcheck):
                if started is not None and _broken(started) and id(started) not in done:
                    done.add(id(started))
                    yield RULE.finding(
                        _message(started),
                        _span(df, started),
                        key=f"{started.cmd}:{started.start_line}",
                        fix=_fix(df, started),
                    )


RULE = register(
    Rule(
        id="VW212",
        name="exec-form-invalid",
        level=Level.ERROR,
        summary="An ENTRYPOINT, CMD, RUN, SHELL or HEALTHCHECK CMD starts with `[` but is not a JSON array, so it "
        "runs through `/bin/sh -c` as text.",
        docs=RuleDocs(
            what="An `ENTRYPOINT`, `CMD` or `HEALTHCHECK CMD` of the image a build produces, or a `RUN`/`SHELL` of "
            "a stage the build runs, whose argument starts with `[` but is not a JSON array of strings as "
            "BuildKit reads it (`json.Unmarshal` of the whole text, since dockerfile frontend 1.9 / BuildKit "
            "0.15): text after the closing `]` (a trailing `# comment`: Dockerfiles have no end-of-line "
            "comments), single quotes, a backslash that is no JSON escape (`C:\\path`), a missing or trailing "
            "comma, a missing `]`. A `# viworks-lint: ignore=…` written at the end of such a line is part of the "
            "instruction: it suppresses nothing, and the finding says so. Valid JSON arrays and shell forms "
            "that do not start with `[` are not reported.",
            why="BuildKit does not report the mistake: it silently takes the whole text as shell form and runs "
            "`/bin/sh -c '[\"/usr/local/bin/app\"] # start'`. The shell looks for a program named "
            '`["/usr/local/bin/app"]` and the container exits at once with `not found` (or cannot start at all '
            "in a distroless image without `/bin/sh`); a `RUN` fails the build the same way, a `HEALTHCHECK` "
            "marks a working service unhealthy, and `SHELL` is refused. Builders before dockerfile frontend "
            "1.9 ignored text after the array, which is why such a line may have worked before.",
            example="ENTRYPOINT [\"/usr/local/bin/app\"]  # viworks-lint: ignore=VW402\nCMD ['--port', '8080']",
            fix="Remove the text after `]` (put the comment on its own line above: "
            '`# viworks-lint: ignore=VW402` then `ENTRYPOINT ["/usr/local/bin/app"]`), use double quotes, '
            "escape backslashes as `\\\\`, and separate items with commas.",
            fix_safety="Safe. For an instruction on one line, the fix writes the items as they were meant (quoted "
            "with double or single quotes, or bare words; a missing comma separates them, a backslash is kept as "
            "written) as a valid JSON array, and moves a trailing `# comment` to its own line above the "
            "instruction. Docker then runs exactly those arguments as exec form, which is what the `[` said; "
            "brackets or quotes that do not close, or other text after `]`, get no fix.",
        ),
        check=check,
        tags=("runtime", "dockerfile"),
        fixable=(Applicability.SAFE,),
    )
)
