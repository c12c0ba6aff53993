"""Helpers shared by the parsers: reading files safely and reporting parse problems."""

from __future__ import annotations

import hashlib
import stat
from dataclasses import dataclass
from pathlib import Path

from viworks_lint.location import Location

MAX_FILE_BYTES = 10 * 1024 * 1024

# sha256 of each file's bytes as last read for linting: ``--fix`` edits a file only while it still
# holds exactly what was linted
_DIGESTS: dict[Path, str] = {}


def digest_when_read(path: Path) -> str | None:
    return _DIGESTS.get(path.absolute())


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def record_read(path: Path, data: bytes) -> None:
    """Note the bytes of a file a linter module read itself (not through :func:`read_text`)."""
    _DIGESTS[path.absolute()] = digest(data)


@dataclass(frozen=True)
class Problem:
    """A parse error (VW001) or a shape error (VW002) found while reading a file."""

    rule_id: str
    message: str
    location: Location
    key: str = ""


class ReadError(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def read_text(path: Path, *, limit: int = MAX_FILE_BYTES) -> str:
    """Read a text file as UTF-8. Raises ReadError (carrying a VW001 problem) when the file cannot be
    read, is too large, is binary or is not valid UTF-8."""
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):  # a FIFO would block and a device (/dev/zero) never ends
            raise ReadError(Problem("VW001", "cannot read file: not a regular file", Location(path), key="not-regular"))
        size = st.st_size
        if size > limit:
            raise ReadError(
                Problem(
                    "VW001",
                    f"file is too large to lint ({size / 1048576:.1f} MB, limit {limit // 1048576} MB)",
                    Location(path),
                    key="too-large",
                )
            )
        data = path.read_bytes()
        record_read(path, data)
    except ReadError:
        raise
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise ReadError(Problem("VW001", f"cannot read file: {reason}", Location(path), key="unreadable")) from None
    return decode(path, data)


def decode(path: Path, data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise ReadError(Problem("VW001", "file is binary, not text", Location(path), key="binary"))
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise ReadError(
            Problem(
                "VW001",
                f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
                Location(path, line, col, line, col + 1),
                key="utf8",
            )
        ) from None


def user_path(raw: str) -> Path:
    """``raw`` with a leading ``~`` or ``~user`` expanded to that home folder; as written when there is no such
    user (``~0``) or no home folder is known."""
    try:
        return Path(raw).expanduser()
    except RuntimeError:
        return Path(raw)
