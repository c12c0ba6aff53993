"""What a git checkout of the project gives a file, read without running git and without writing
anything: the mode each tracked file is committed with (git's index, ``100755`` or ``100644``), and
whether ``.gitattributes`` makes git check a file out with LF line endings (``eol=lf``).

Why the committed mode matters: CI, deploy hosts and every fresh clone build the image from a checkout,
and git gives a file exactly the exec bit it was committed with, whatever the author's disk says. So a
script that is executable on disk but committed as ``100644`` breaks every build but the author's own.
The reverse (committed ``100755``, not executable on this disk) is a local filesystem or
``core.fileMode=false`` artefact that a fresh checkout does not have."""

from __future__ import annotations

import fnmatch
import posixpath
import struct
from functools import lru_cache
from pathlib import Path

_MAX_INDEX_BYTES = 64 * 1024 * 1024


def repo_root(start: Path) -> Path | None:
    """The nearest directory at or above ``start`` that holds ``.git`` (a directory or a worktree file)."""
    for d in (start, *start.parents):
        if (d / ".git").exists():
            return d
    return None


def _git_dir(root: Path) -> Path | None:
    dot = root / ".git"
    if dot.is_dir():
        return dot
    try:
        text = dot.read_text("utf-8", errors="replace").strip()
    except OSError:
        return None
    if not text.startswith("gitdir:"):
        return None
    gd = Path(text[len("gitdir:") :].strip())
    return gd if gd.is_absolute() else (root / gd)


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    """git's offset varint (varint.c), used by index version 4 path compression."""
    c = buf[pos]
    pos += 1
    value = c & 127
    while c & 128:
        value += 1
        c = buf[pos]
        pos += 1
        value = (value << 7) + (c & 127)
    return value, pos


def _parse(data: bytes, hash_len: int) -> dict[str, int]:
    if len(data) < 12 or data[:4] != b"DIRC":
        raise ValueError("not an index")
    version, count = struct.unpack(">II", data[4:12])
    if version not in (2, 3, 4):
        raise ValueError(f"index version {version}")
    pos = 12
    out: dict[str, int] = {}
    prev = b""
    for _ in range(count):
        start = pos
        mode = struct.unpack(">I", data[pos + 24 : pos + 28])[0]
        pos += 40 + hash_len
        flags = struct.unpack(">H", data[pos : pos + 2])[0]
        pos += 2
        if version >= 3 and flags & 0x4000:
            pos += 2
        if version == 4:
            strip, pos = _varint(data, pos)
            end = data.index(b"\0", pos)
            name = prev[: len(prev) - strip] + data[pos:end]
            pos = end + 1
        else:
            end = data.index(b"\0", pos)
            name = data[pos:end]
            if (flags & 0xFFF) != 0xFFF and (flags & 0xFFF) != len(name):
                raise ValueError("entry name length mismatch")
            pos = start + ((end - start) // 8 + 1) * 8
        prev = name
        stage = (flags >> 12) & 3
        key = name.decode("utf-8", errors="surrogateescape")
        if stage == 0 or key not in out:
            out[key] = mode
    return out


def _modes(root: Path) -> dict[str, int]:
    gd = _git_dir(root)
    if gd is None:
        return {}
    index = gd / "index"
    try:
        st = index.stat()
    except OSError:
        return {}
    if st.st_size > _MAX_INDEX_BYTES:
        return {}
    return _read_index(index, st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=8)
def _read_index(index: Path, _mtime: int, _size: int) -> dict[str, int]:
    try:
        data = index.read_bytes()
    except OSError:
        return {}
    for hash_len in (20, 32):  # SHA-1, then SHA-256 repositories
        try:
            return _parse(data, hash_len)
        except (ValueError, IndexError, struct.error):
            continue
    return {}


def committed_mode(path: Path) -> int | None:
    """The mode git's index records for ``path`` (``0o100755``, ``0o100644``, …), or None when the file
    is in no git work tree or not tracked."""
    root = repo_root(path.parent)
    if root is None:
        return None
    try:
        rel = path.relative_to(root).as_posix()
    except ValueError:
        return None
    return _modes(root).get(rel)


# ------------------------------------------------------------------------------------------ attributes


def _attribute_files(root: Path, rel: str) -> list[tuple[Path, str]]:
    """(.gitattributes file, its directory relative to the root) from lowest to highest precedence."""
    out = [(root / ".gitattributes", "")]
    parts = rel.split("/")[:-1]
    for i in range(1, len(parts) + 1):
        d = "/".join(parts[:i])
        out.append((root / d / ".gitattributes", d))
    gd = _git_dir(root)
    if gd is not None:
        out.append((gd / "info" / "attributes", ""))
    return out


def _matches(pattern: str, rel: str, base: str) -> bool:
    sub = rel if not base else rel[len(base) + 1 :] if rel.startswith(base + "/") else None
    if sub is None:
        return False
    pattern = pattern.lstrip("/") if pattern.startswith("/") else pattern
    if "/" not in pattern:
        return fnmatch.fnmatchcase(posixpath.basename(sub), pattern)
    if pattern.startswith("**/"):
        return fnmatch.fnmatchcase(sub, pattern[3:]) or fnmatch.fnmatchcase(sub, pattern)
    return fnmatch.fnmatchcase(sub, pattern)


def checks_out_lf(path: Path, fallback_root: Path) -> bool:
    """Whether ``.gitattributes`` gives ``path`` ``eol=lf`` (git then writes LF line endings on checkout,
    whatever the file on this disk has), with ``text`` not unset."""
    root = repo_root(path.parent) or fallback_root
    try:
        rel = path.relative_to(root).as_posix()
    except ValueError:
        return False
    eol: str | None = None
    text_unset = False
    for file, base in _attribute_files(root, rel):
        try:
            lines = file.read_text("utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            words = line.split()
            if not words or words[0].startswith(("#", "[attr]")) or not _matches(words[0], rel, base):
                continue
            for attr in words[1:]:
                if attr.startswith("eol="):
                    eol = attr[4:]
                elif attr in ("-eol", "!eol"):
                    eol = None
                elif attr in ("binary", "-text"):
                    text_unset = True
                elif attr.startswith("text") or attr == "!text":
                    text_unset = False
    return eol == "lf" and not text_unset
