"""Replay of a whole run: what an earlier run with the same options, from the same directory, wrote
(its report, its messages, its exit status), reused when every file system question that run asked
still gets the same answer (see :mod:`viworks_lint.cache`). This is what makes a second run over an
unchanged project, as in a pre-commit hook or an editor, cost little more than starting Python: it
needs neither the parsers nor the rules, so they are not even imported."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable
from typing import Any, TextIO

from viworks_lint import cache
from viworks_lint.options import EXIT_FINDINGS, EXIT_OK, Options

# What else decides how the same findings are written: colour and the terminal.
_ENV = ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE", "TERM", "COLUMNS")
# Options whose run does more than write a report (they write or change files): never replayed.
_NOT_REPLAYED = ("write_baseline", "fix", "diff", "unsafe_fixes", "show_project", "list_rules", "explain")


class _Tee(io.TextIOBase):
    """Writes through to the real stream and keeps a copy."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.copy = io.StringIO()

    def write(self, text: str) -> int:
        self.copy.write(text)
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.stream, "encoding", "utf-8") or "utf-8"

    def fileno(self) -> int:
        return self.stream.fileno()


def _key(opts: Options) -> dict[str, Any]:
    return {
        "options": repr(opts),
        "cwd": os.getcwd(),
        "tty": [sys.stdout.isatty(), sys.stderr.isatty()],
        "env": {name: os.environ.get(name) for name in _ENV},
    }


def replayable(opts: Options) -> bool:
    return not any(getattr(opts, name, None) for name in _NOT_REPLAYED)


def run(opts: Options, lint: Callable[[Options], int]) -> int:
    """``lint(opts)``, or the replay of its earlier identical run."""
    store = cache.current()
    if store is None or not replayable(opts):
        return lint(opts)
    key = _key(opts)
    hit = store.get("replay", key)
    if hit is not None and _replay(hit[0], opts):
        code = hit[0]["code"]
        return int(code)
    out, err = _Tee(sys.stdout), _Tee(sys.stderr)
    recorder = cache.Recorder()
    real_out, real_err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        with recorder.active():
            code = lint(opts)
    finally:
        sys.stdout, sys.stderr = real_out, real_err
    if code in (EXIT_OK, EXIT_FINDINGS):  # never an error: it may come from something passing
        report = None
        if opts.output is not None:
            try:
                report = opts.output.read_text("utf-8")
            except OSError:
                return code
        value = {"code": code, "out": out.copy.getvalue(), "err": err.copy.getvalue(), "report": report}
        store.put("replay", key, value, recorder.as_list())
    return code


def _replay(value: Any, opts: Options) -> bool:
    if not isinstance(value, dict) or not isinstance(value.get("code"), int):
        return False
    out, err, report = value.get("out"), value.get("err"), value.get("report")
    if not isinstance(out, str) or not isinstance(err, str) or not isinstance(report, (str, type(None))):
        return False
    if opts.output is not None:
        if report is None:
            return False
        try:
            opts.output.parent.mkdir(parents=True, exist_ok=True)
            opts.output.write_text(report, encoding="utf-8")
        except OSError:
            return False  # the run itself will say what is wrong with the path
    sys.stdout.write(out)
    sys.stdout.flush()
    sys.stderr.write(err)
    sys.stderr.flush()
    return True
