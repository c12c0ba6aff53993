"""Which fixes run, and what they make of each file.

Every fix of a finding that was reported (suppressed findings never reach here) and whose
applicability is allowed is planned: its edits are turned into splices by the fixer of each file's
format, all fixes of one file are applied together, and a fix whose edits cannot be applied (the text
moved, two fixes overlap, the result does not read back) is left out whole, the others are planned
again without it. Nothing is written here; :func:`write_plan` writes, and only files that are inside
the project root (symlinks resolved), and that still hold exactly the bytes that were linted."""

from __future__ import annotations

import difflib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from viworks_lint.findings import Finding
from viworks_lint.fix.text import FixError, Splice, append_splice, apply_splices, line_starts, overlaps, replace_splice
from viworks_lint.fix.tomldeps import add_dependencies
from viworks_lint.fix.yamlkeys import depth_in, load_rt, set_keys
from viworks_lint.fixes import AddDependency, AppendLine, Edit, Fix, ReplaceText, SetKey
from viworks_lint.parsers.common import decode, digest, digest_when_read


@dataclass(frozen=True)
class FileChange:
    path: Path  # as the findings name it
    target: Path  # the real file written (symlinks inside the project resolved)
    before: str
    after: str
    digest: str  # of the bytes the change is based on
    bom: bool = False


@dataclass
class Plan:
    changes: dict[Path, FileChange] = field(default_factory=dict)
    fixed: list[Finding] = field(default_factory=list)
    skipped: list[tuple[Finding, str]] = field(default_factory=list)  # a fix that could not be applied
    unsafe_hidden: list[Finding] = field(default_factory=list)  # fixes --unsafe-fixes would apply


class _Refused(Exception):
    def __init__(self, fix_index: int, reason: str) -> None:
        super().__init__(reason)
        self.fix_index = fix_index
        self.reason = reason


def _within(path: Path, root: Path) -> Path:
    """The real file behind ``path``, when it is a regular file inside ``root``; else FixError."""
    try:
        Path(os.path.normpath(path.absolute())).relative_to(root)
    except ValueError:
        raise FixError("the file is outside the project root") from None
    real = path.resolve()
    try:
        real.relative_to(root.resolve())
    except ValueError:
        raise FixError("the file is a symlink that leads out of the project root") from None
    if not real.is_file():
        raise FixError("not a regular file")
    return real


def _load(path: Path, root: Path, cache: dict[Path, tuple[Path, str, str, bool]]) -> tuple[Path, str, str, bool]:
    """(real path, text, digest, had a BOM) of a file as it is now, checked against what was linted."""
    if path in cache:
        return cache[path]
    real = _within(path, root)
    data = real.read_bytes()
    now = digest(data)
    linted = digest_when_read(path)
    if linted is None:
        raise FixError("the file was not read while linting")
    if now != linted:
        raise FixError("the file changed after it was linted")
    try:
        text = decode(path, data)
    except Exception:
        raise FixError("the file is not UTF-8 text") from None
    cache[path] = (real, text, now, data.startswith(b"\xef\xbb\xbf"))
    return cache[path]


def _compose_file(edit: SetKey, root: Path, cache: dict[Path, tuple[Path, str, str, bool]]) -> Path:
    """The compose file to edit: the one that defines the deepest part of the key path (the last such
    when the key itself is set in several, as compose merges them; else the first)."""
    best: Path | None = None
    depth = -1
    for f in edit.files:
        _real, text, _d, _bom = _load(f, root, cache)
        d = depth_in(load_rt(text), edit.keys)
        if d > depth or (d == depth == len(edit.keys)):
            best, depth = f, d
    if best is None or depth < min(2, len(edit.keys)):
        raise FixError(f"no compose file defines `{'.'.join(edit.keys[:2])}`")
    return best


def _file_of(edit: Edit, root: Path, cache: dict[Path, tuple[Path, str, str, bool]]) -> Path:
    if isinstance(edit, SetKey):
        return _compose_file(edit, root, cache)
    return edit.paths[0]


def _apply_file(path: Path, text: str, edits: list[tuple[int, Edit]]) -> str:
    """Phase 1: text edits (one splice each, overlaps refused); phase 2: keys; phase 3: dependencies."""
    starts = line_starts(text)
    splices: list[tuple[int, Splice]] = []
    for idx, edit in edits:
        try:
            if isinstance(edit, ReplaceText):
                splices.append((idx, replace_splice(text, starts, edit)))
            elif isinstance(edit, AppendLine):
                splices.append((idx, append_splice(text, edit)))
        except FixError as exc:
            raise _Refused(idx, str(exc)) from None
    unique: list[tuple[int, Splice]] = []
    for idx, s in splices:  # two fixes making the very same change make it once
        if all(s != t for _i, t in unique):
            unique.append((idx, s))
    splices = unique
    for i, (idx_a, a) in enumerate(splices):
        for idx_b, b in splices[:i]:
            if idx_a != idx_b and overlaps(a, b):
                raise _Refused(max(idx_a, idx_b), "it overlaps another fix; run --fix again")
    out = apply_splices(text, [s for _i, s in splices]) if splices else text
    keys = [(i, e) for i, e in edits if isinstance(e, SetKey)]
    if keys:
        try:
            out, _ = set_keys(out, [e for _i, e in keys])
        except FixError as exc:
            raise _Refused(_blame(out, keys), str(exc)) from None
    deps = [(i, e) for i, e in edits if isinstance(e, AddDependency)]
    if deps:
        try:
            out = add_dependencies(out, [e for _i, e in deps])
        except FixError as exc:
            raise _Refused(deps[-1][0], str(exc)) from None
    return out


def _blame(text: str, keys: list[tuple[int, SetKey]]) -> int:
    """The first fix whose key edits fail on their own (else the last one)."""
    for idx, edit in keys:
        try:
            set_keys(text, [edit])
        except FixError:
            return idx
    return keys[-1][0]


def plan_fixes(findings: Sequence[Finding], root: Path, *, unsafe: bool) -> Plan:
    plan = Plan()
    root = Path(os.path.normpath(root.absolute()))
    candidates: list[tuple[Finding, Fix]] = []
    seen_edits: dict[tuple[Edit, ...], int] = {}
    duplicates: list[tuple[Finding, int]] = []
    for f in findings:
        if f.fix is None or not f.fix.edits:
            continue
        if not f.fix.safe and not unsafe:
            plan.unsafe_hidden.append(f)
            continue
        if f.fix.edits in seen_edits:
            duplicates.append((f, seen_edits[f.fix.edits]))
            continue
        seen_edits[f.fix.edits] = len(candidates)
        candidates.append((f, f.fix))
    active = list(range(len(candidates)))
    cache: dict[Path, tuple[Path, str, str, bool]] = {}
    while True:
        try:
            changes = _changes(candidates, active, root, cache)
        except _Refused as exc:
            plan.skipped.append((candidates[exc.fix_index][0], exc.reason))
            active.remove(exc.fix_index)
            continue
        break
    plan.changes = changes
    plan.fixed = [candidates[i][0] for i in active]
    plan.fixed += [f for f, i in duplicates if i in active]
    return plan


def _changes(
    candidates: list[tuple[Finding, Fix]], active: list[int], root: Path, cache: dict[Path, tuple[Path, str, str, bool]]
) -> dict[Path, FileChange]:
    by_file: dict[Path, list[tuple[int, Edit]]] = {}
    for idx in active:
        for edit in candidates[idx][1].edits:
            try:
                path = _file_of(edit, root, cache)
                _load(path, root, cache)
            except FixError as exc:
                raise _Refused(idx, str(exc)) from None
            by_file.setdefault(path, []).append((idx, edit))
    out: dict[Path, FileChange] = {}
    for path, edits in by_file.items():
        real, text, dig, bom = cache[path]
        after = _apply_file(path, text, edits)
        if after != text:
            out[path] = FileChange(path, real, text, after, dig, bom)
    return out


def unified_diff(plan: Plan, shown: Path) -> str:
    """The diff of every change, with paths relative to ``shown``."""
    parts: list[str] = []
    for path in sorted(plan.changes):
        ch = plan.changes[path]
        try:
            name = path.relative_to(shown).as_posix()
        except ValueError:
            name = path.as_posix()
        parts.extend(
            difflib.unified_diff(
                ch.before.splitlines(keepends=True),
                ch.after.splitlines(keepends=True),
                f"a/{name}",
                f"b/{name}",
            )
        )
    return "".join(p if p.endswith("\n") else p + "\n\\ No newline at end of file\n" for p in parts)


def write_plan(plan: Plan) -> list[str]:
    """Write every change; returns the problems (a file that changed meanwhile is left alone)."""
    problems: list[str] = []
    for path in sorted(plan.changes):
        ch = plan.changes[path]
        try:
            if digest(ch.target.read_bytes()) != ch.digest:
                problems.append(f"{path}: changed while fixing; left as it is")
                continue
            data = (b"\xef\xbb\xbf" if ch.bom else b"") + ch.after.encode("utf-8")
            mode = ch.target.stat().st_mode & 0o7777
            fd, tmp = tempfile.mkstemp(dir=ch.target.parent, prefix=f".{ch.target.name}.", suffix=".fix")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                os.chmod(tmp, mode)
                os.replace(tmp, ch.target)
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise
        except OSError as exc:
            problems.append(f"{path}: cannot write: {exc.strerror or exc}")
    return problems
