"""Files that hold secrets, recognised by name and, where a name alone cannot tell (``*.pem``, ``*.key``,
credentials JSON), by the markers in their first bytes. Nothing here returns or keeps file content."""

from __future__ import annotations

import json
import os
import posixpath
import re
from collections.abc import Iterator, Sequence
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from viworks_lint.parsers.dockerignore import DockerIgnore

# words after `.env.` that make it a template or a non-secret sample (`.env.example`, `.env.local.sample`)
TEMPLATE_WORDS = frozenset(
    {"example", "examples", "sample", "samples", "template", "templates", "tmpl", "tpl", "dist", "default",
     "defaults", "in", "schema", "skel", "stub", "ref", "reference"}
)  # fmt: skip
_SSH_KEYS = ("id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk", "id_ed25519_sk")
_JSON_NAME_WORDS = ("credential", "service-account", "service_account", "serviceaccount", "client_secret", "adminsdk")
_JSON_MARKERS = (b'"private_key"', b'"client_secret"', b'"refresh_token"', b'"secret_access_key"')
# directories whose files are test or sample material, not what the service deploys with
SAMPLE_DIRS = frozenset(
    {"test", "tests", "testdata", "test-data", "fixtures", "fixture", "examples", "example", "spec", "specs",
     "benches", "docs", "doc", "samples", "sample", "testing", "mocks", "mock"}
)  # fmt: skip
_SKIP_DIRS = frozenset({".git", "node_modules", "target", ".hg", ".svn"})
WALK_LIMIT = 50_000  # files looked at below one copied directory before giving up (no claim beyond)
_HEAD = 64 * 1024

# the last `_`-separated word(s) of a secret's name; settings about a secret (`JWT_SECRET_TTL`,
# `PASSWORD_MIN_LENGTH`, `TOKEN_INFO_URL`) end in another word and are no secret
_SECRET_LAST = frozenset(
    {"SECRET", "SECRETS", "PASSWORD", "PASSWD", "PASS", "PASSPHRASE", "TOKEN", "APIKEY", "SECRETKEY", "PRIVATEKEY"}
)
# `*_KEY` is a secret unless the word before says it is public or not a credential at all
_KEY_NOT_SECRET = frozenset(
    {
        "PUBLIC",
        "PUBLISHABLE",
        "PUB",
        "PARTITION",
        "SORT",
        "PRIMARY",
        "FOREIGN",
        "CACHE",
        "ROUTING",
        "IDEMPOTENCY",
        "SITE",
        "LICENSE",
        "OBJECT",
        "S3",
        "BUCKET",
        "PREFIX",
        "HASH",
        "SHARD",
        "MAP",
        "GROUP",
    }
)
_INTERPOLATED = re.compile(r"(?<!\$)\$(?:\{|[A-Za-z_])")


def is_secret_name(name: str) -> bool:
    """The name's last word is a secret word: `JWT_SECRET`, `DB_PASSWORD`, `PICTRS__API_KEY`, `SIGNING_KEY`."""
    words = [w for w in re.split(r"[_.\-]+", name.upper()) if w]
    if not words:
        return False
    if words[-1] in _SECRET_LAST:
        return True
    return words[-1] == "KEY" and len(words) > 1 and words[-2] not in _KEY_NOT_SECRET


_PLACEHOLDER = re.compile(
    r"^(?:<.*>|\{\{.*\}\}|\{[\w.-]+\}|\[.*\]|x{3,}.*|\*{3,}|\.{3,}|your[-_ ].*"
    r"|(?:please[-_ ]?)?(?:change|replace)[-_ ]?(?:me|this|it)\b.*"
    r"|todo|tbd|fixme|none|null|nil|placeholder|redacted|example|dummy|<none>)$",
    re.IGNORECASE,
)


@cache
def demo_values() -> frozenset[str]:
    """Well-known demo/default values (`password`, `postgres`, `mysecretpassword`, grafana's `admin`), read from the
    reviewed data file ``rules/secrets.json`` (each with its source; validated by the test suite)."""
    data = json.loads(resources.files("viworks_lint.rules").joinpath("secrets.json").read_text("utf-8"))
    values = {str(v["value"]).lower() for v in data["demo_values"]["values"]}
    # an unquoted `0x…` is a number to YAML: the value compose reads is its decimal form
    return frozenset(values | {str(int(v, 16)) for v in values if re.fullmatch(r"0x[0-9a-f]+", v)})


# values that say they are no real secret: `This-is-NOT-Secure!`, `insecure-dev-key`, `change_in_prod`
_SELF_DECLARED = ("changeme", "insecure", "notsecure", "notasecret", "changeinprod", "replaceme", "devonly",
                  "dontuseinprod", "donotuseinprod")


def is_placeholder(value: str) -> bool:
    """A value that stands for the secret instead of being one: `<token>`, `{{ x }}`, `changeme`, `your-key`,
    or one that says it is none (`This-is-NOT-Secure!`, `insecure-dev-key`, `dev_secret_change_in_prod`)."""
    v = value.strip()
    low = "".join(c for c in v.lower() if c.isalnum())
    if re.match(r"^[Yy]our[A-Z]", v):  # `YourStrong!Passw0rd`, `YourApiKeyHere`: a value to put yours in place of
        return True
    return bool(_PLACEHOLDER.match(v)) or any(w in low for w in _SELF_DECLARED)


# a comment that tells the reader to replace the value: `# CHANGEME`, `# change this in production`
_CHANGE_COMMENT = re.compile(
    r"#.*\b(?:change|replace|set your own|generate (?:a|your)|example|demo|placeholder|not for production|"
    r"dev(?:elopment)? only|do not use\b[^#\n]{0,30}\bin prod|(?:only )?(?:use )?for testing(?: only)?\b|"
    r"testing only|test only)", re.I
)


def documented_stand_in(lines: Sequence[str], line: int) -> bool:
    """The value on ``line`` (1-based) of a YAML file or Dockerfile with these ``lines`` carries (or sits under)
    a comment telling users to change it: an example credential the file documents as such, not a secret
    that leaked."""
    if not 0 < line <= len(lines):
        return False
    if _CHANGE_COMMENT.search(lines[line - 1]):
        return True
    i = line - 2
    while i >= 0 and lines[i].lstrip().startswith("#"):
        if _CHANGE_COMMENT.search(lines[i]):
            return True
        i -= 1
    return False


def file_lines(path: Path) -> tuple[str, ...]:
    """The lines of a file the parsers keep no text of (compose files), read once per version of it."""
    try:
        st = path.stat()
    except OSError:
        return ()
    return _lines(path, st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=64)
def _lines(path: Path, _mtime: int, _size: int) -> tuple[str, ...]:
    try:
        return tuple(path.read_text(encoding="utf-8", errors="replace").splitlines())
    except OSError:
        return ()


def is_demo_value(value: str) -> bool:
    """A well-known demo/default value nobody treats as a secret when written in a compose file or Dockerfile
    (`password`, `postgres`, `admin`; see `demo_values`)."""
    return value.strip().strip("\"'").lower() in demo_values()


def echoes_name(name: str, value: str) -> bool:
    """The value only repeats the variable's name or its last words, a stand-in for the real value:
    `V1_SECRET_KEY: SECRET_KEY`, `JWT_SECRET: jwt-secret`, `DB_PASSWORD: password` (case and `_`/`-`/`.` ignored)."""
    words = [w for w in re.split(r"[_.\-]+", name.lower()) if w]
    v = re.sub(r"[_.\-\s]+", "", value.strip().strip("\"'").lower())
    return bool(v) and any(v == "".join(words[i:]) for i in range(len(words)))


def is_literal_secret(value: str | None, *, demo_counts: bool = True) -> bool:
    """A value that is written in the file: not empty, not interpolated, not a file path or a flag. With
    ``demo_counts=False`` a well-known demo value (`password`) is no secret either: VW404 reads compose files
    and Dockerfiles that way; a `.env` shipped inside an image (VW406) is a leak whatever it holds."""
    if value is None:
        return False
    v = value.strip().strip("\"'")
    if not v or _INTERPOLATED.search(v):
        return False
    if v.lower() in ("true", "false", "yes", "no", "on", "off") or is_placeholder(v):
        return False
    if not demo_counts and is_demo_value(v):
        return False
    if _KEY_FILE_PATH.match(v):
        return False  # `data/vapid.pem`: where the key is, which the app opens
    return not (v.startswith(("/", "./", "~/")) and not any(c.isspace() for c in v))


# a relative path to a key or credentials file (`data/vapid.pem`, `keys/jwt.key`, `service-account.json`)
_KEY_FILE_PATH = re.compile(
    r"^(?:[\w.\-]+/)*[\w.\-]+\.(?:pem|key|der|p8|p12|pfx|jks|keystore|json|crt|pub|asc|gpg)$", re.IGNORECASE
)


def _head(host: Path) -> bytes | None:
    try:
        with host.open("rb") as fh:
            return fh.read(_HEAD)
    except OSError:
        return None


def secret_kind(name: str, host: Path | None) -> str | None:
    """What kind of secret the file called ``name`` holds ("a dotenv file", "a private key", …), or None.
    ``host`` is the file on disk when it exists (its first bytes tell a certificate from a key)."""
    low = name.lower()
    if low == ".env" or low.startswith(".env."):
        if any(w in TEMPLATE_WORDS for w in low.split(".")[2:]):
            return None
        return "a dotenv file" if host is None or not host.exists() or dotenv_has_secret(host) else None
    if low.endswith((".pub", ".crt", ".cer", ".csr")):
        return None
    if low.startswith(_SSH_KEYS):
        return "an SSH private key"
    if low.endswith((".p12", ".pfx")):
        return "a PKCS#12 key store"
    head = _head(host) if host is not None and host.is_file() else None
    if low.endswith(".pem"):
        return "a private key" if head is not None and b"PRIVATE KEY" in head else None
    if low.endswith(".key"):
        if head is not None and b"PRIVATE KEY" not in head and (b"PUBLIC KEY" in head or b"CERTIFICATE" in head):
            return None
        if head is not None and not head.strip():
            return None
        return "a private key"
    if low.endswith(".json") and any(w in low for w in _JSON_NAME_WORDS):
        if head is None:
            return "a credentials file" if host is None or not host.exists() else None
        return "a credentials file" if any(m in head for m in _JSON_MARKERS) else None
    return None


def dotenv_has_secret(host: Path) -> bool:
    """Whether a dotenv file sets a secret: a variable whose name ends in a secret word with a literal
    value (`JWT_SECRET=…`, `DB_PASSWORD=…`), or a URL with a password (`postgres://u:pw@db/app`).
    A file of plain settings (`RUST_LOG`, `API_BASE_URL`) is no secret."""
    from viworks_lint.parsers.envfile import parse_env

    head = _head(host)
    if head is None:
        return True  # unreadable: what it holds cannot be told
    for entry in parse_env(host, head.decode("utf-8", errors="replace")).entries:
        value = (entry.value or "").strip()
        if is_secret_name(entry.name) and is_literal_secret(value):
            return True
        if "://" in value and not _INTERPOLATED.search(value):
            try:
                password = urlsplit(value).password
            except ValueError:
                continue
            if password and not is_placeholder(password):
                return True
    return False


def secrets_below(context: Path, rel_dir: str, ignore: DockerIgnore | None) -> Iterator[tuple[str, str]]:
    """(context-relative path, kind) of the secret files below the context directory ``rel_dir`` that
    reach the build (``.dockerignore`` applied), leaving out test and sample directories."""
    top = context / rel_dir if rel_dir not in ("", ".") else context
    seen = 0
    prune_ok = ignore is None or not any(p.negated for p in ignore.patterns)
    for dirpath, dirnames, filenames in os.walk(top):
        base = Path(dirpath).relative_to(context).as_posix()
        base = "" if base == "." else base
        keep = []
        for d in sorted(dirnames):
            rel = f"{base}/{d}" if base else d
            if d in _SKIP_DIRS or d.lower() in SAMPLE_DIRS:
                continue
            if prune_ok and ignore is not None and ignore.excluded(rel):
                continue
            keep.append(d)
        dirnames[:] = keep
        for name in sorted(filenames):
            seen += 1
            if seen > WALK_LIMIT:
                return
            rel = f"{base}/{name}" if base else name
            kind = secret_kind(name, Path(dirpath) / name)
            if kind is None or (ignore is not None and ignore.excluded(rel)):
                continue
            yield rel, kind


def sample_path(rel: str) -> bool:
    """Whether a context-relative path lies in a test or sample directory."""
    return any(part.lower() in SAMPLE_DIRS for part in posixpath.dirname(rel).split("/") if part)
