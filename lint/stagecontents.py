"""A stage read into :class:`~viworks_lint.packages.ImageContents`: the packages each ``RUN`` of its lineage
installs or removes (apt/apk/dnf/microdnf/yum, apk ``--virtual`` groups, the Recommends apt brings), the
programs it writes (``curl -o``, ``ln -s``, ``chmod +x``, ``cargo install``) and where ``COPY``/``ADD`` put
files; the final image of a build, cached per build."""

from __future__ import annotations

import posixpath
import re

from viworks_lint.dockerutil import clean_source, commands, run_text, target_stage
from viworks_lint.images import ImageFacts, lookup, recommends
from viworks_lint.packages import SHELLS, STANDARD_BIN_DIRS, Copied, ImageContents, Install
from viworks_lint.parsers.dockerfile import Dockerfile, Instruction, Stage
from viworks_lint.project import Build, Project

# crates whose `cargo install` gives a program of another name (their `[[bin]]` targets)
CRATE_BINARIES: dict[str, tuple[str, ...]] = {
    "diesel_cli": ("diesel",),
    "sqlx-cli": ("sqlx", "cargo-sqlx"),
    "refinery_cli": ("refinery",),
    "sea-orm-cli": ("sea-orm-cli", "sea"),
    "wasm-bindgen-cli": ("wasm-bindgen",),
}

_INSTALL = {
    "apt-get": "install",
    "apt": "install",
    "aptitude": "install",
    "apk": "add",
    "dnf": "install",
    "microdnf": "install",
    "yum": "install",
    "tdnf": "install",
    "zypper": "install",
}
_REMOVE = {"apt-get": ("purge", "remove"), "apt": ("purge", "remove"), "apk": ("del",)}
_CARGO_INSTALL_VALUE_OPTS = {
    "--target", "--features", "-F", "--version", "--vers", "--root", "--git", "--branch", "--tag", "--rev",
    "--path", "--index", "--registry", "--profile", "--bin", "--example", "-j", "--jobs", "--target-dir", "--config",
}
_VALUE_OPTS = {"-o", "-t", "--target-release", "--virtual", "-X", "--repository", "--setopt", "--root", "-c"}

_PREFIXES = frozenset({"sudo", "env", "exec", "nohup", "time", "command", "then", "else", "do", "{", "!"})


def _strip_prefix(words: list[str]) -> list[str]:
    """Drop leading ``sudo``, ``env X=y``, ``DEBIAN_FRONTEND=…``, shell keywords that come before a command
    (``then``, ``else``, ``do``: ``if …; then ./install.sh; fi``) and similar."""
    i = 0
    while i < len(words):
        w = words[i]
        if w in _PREFIXES or re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", w):
            i += 1
            continue
        break
    return words[i:]


# package managers of a language whose packages put programs on PATH (`celery`, `uvicorn`, `pm2`): what they add
# is not read, so only the system's own tools can be claimed absent once one ran
_LANGUAGE_INSTALLERS = frozenset({
    "pip", "pip3", "pipx", "poetry", "uv", "pdm", "conda", "mamba", "micromamba", "npm", "npx", "yarn", "pnpm", "bun",
    "gem", "bundle", "composer", "go",
})  # fmt: skip


def _package_name(word: str) -> str:
    name = re.split(r"[=<>~]", word, maxsplit=1)[0]
    return name.split(":", 1)[0].lower()


def _subcommand(words: list[str]) -> tuple[str | None, int]:
    """The first non-option word after the program (skipping option values), and its index."""
    j = 1
    while j < len(words):
        w = words[j]
        if w in _VALUE_OPTS:
            j += 2
            continue
        if w.startswith("-"):
            j += 1
            continue
        return w, j
    return None, j


def _scan_run(instr: Instruction, stage: Stage, out: ImageContents, workdir: str, text: str | None = None) -> None:
    for raw_words in commands(run_text(instr) if text is None else text):
        words = _strip_prefix(raw_words)
        if not words:
            continue
        prog = posixpath.basename(words[0])
        sub, at = _subcommand(words)
        if prog in SHELLS and "-c" in words[1:-1]:
            _scan_run(instr, stage, out, workdir, words[words.index("-c") + 1])
            continue
        if prog in _LANGUAGE_INSTALLERS or (prog.startswith("python") and words[1:3] == ["-m", "pip"]):
            out.language_packages = True  # `pip install celery`, `npm install -g pm2`: console scripts on PATH
        if prog in _INSTALL and sub == _INSTALL[prog]:
            rest = words[at + 1 :]
            group: str | None = None
            pkgs: list[str] = []
            j = 0
            while j < len(rest):
                w = rest[j]
                if w in _VALUE_OPTS:
                    if w in ("--virtual", "-t") and prog == "apk" and j + 1 < len(rest):
                        group = rest[j + 1]
                    j += 2
                    continue
                if not w.startswith("-"):
                    if "$" in w or "`" in w:
                        out.unreadable.append(instr)
                    else:
                        pkgs.append(_package_name(w))
                j += 1
            out.installs.extend(Install(p, prog, instr, stage) for p in pkgs)
            if prog in ("apt-get", "apt") and not any("install-recommends" in w.lower() for w in rest):
                # apt installs Recommends by default: `apt-get install curl` brings ca-certificates along
                out.installs.extend(Install(r, prog, instr, stage) for p in pkgs for r in recommends("apt", p))
            if group:
                out.virtual[group] = pkgs
            continue
        if prog in _REMOVE and sub in _REMOVE[prog]:
            gone: set[str] = set()
            for w in words[at + 1 :]:
                if not w.startswith("-"):
                    gone.add(_package_name(w))
                    gone.update(out.virtual.get(w, ()))
            out.installs[:] = [i for i in out.installs if i.package not in gone]
            continue
        if prog == "xargs" and any(posixpath.basename(w) in _INSTALL for w in words):
            out.unreadable.append(instr)
            continue
        if prog in ("install-packages", "install_packages"):  # the bitnami/minideb helper
            out.installs.extend(Install(_package_name(w), prog, instr, stage) for w in words[1:] if w[:1] != "-")
            continue
        if prog.endswith(".sh") or (prog in SHELLS and len(words) > 1 and words[1].endswith(".sh")):
            out.unreadable.append(instr)  # a script may install anything
            continue
        _scan_made(words, instr, out, workdir)


def _scan_made(words: list[str], instr: Instruction, out: ImageContents, workdir: str) -> None:
    """Programs a command writes: ``curl -o /usr/local/bin/x``, ``wget -O x``, ``ln -s a /usr/bin/b``,
    ``chmod +x /x``, ``mv``/``cp``/``install`` targets, ``cargo install``."""
    prog = posixpath.basename(words[0])

    def add(path: str) -> None:
        if path and "$" not in path:
            full = posixpath.normpath(path if path.startswith("/") else posixpath.join(workdir, path))
            out.made[full] = instr

    if prog in ("curl", "wget"):
        for k, w in enumerate(words[:-1]):
            if w in ("-o", "-O", "--output", "--output-document"):
                add(words[k + 1])
    elif prog in ("ln", "mv", "cp", "install") and len(words) >= 3:
        add(words[-1])
    elif prog == "chmod":
        for w in words[1:]:
            if not w.startswith(("-", "+")) and not w[:1].isdecimal() and "=" not in w:
                add(w)
    else:
        for crate in cargo_installed(words):
            out.made[crate] = instr
            for binary in CRATE_BINARIES.get(crate, ()):
                out.made[binary] = instr


def cargo_installed(words: list[str]) -> list[str]:
    """The crates a `cargo install` command installs (`cargo +nightly install …` too; option values such as
    `--root /opt` or `--features postgres` are none), after the prefixes `_strip_prefix` drops; [] for any other
    command."""
    words = _strip_prefix(words)
    prog = posixpath.basename(words[0]) if words else ""
    if prog != "cargo" or "install" not in words[1:3] or not (words[1] == "install" or words[1].startswith("+")):
        return []
    out: list[str] = []
    skip = False
    for w in words[words.index("install") + 1 :]:
        if skip:  # the value of an option: `--target x86_64-…`, `--features postgres`
            skip = False
        elif w in _CARGO_INSTALL_VALUE_OPTS:
            skip = True
        elif not w.startswith("-"):
            out.append(w)
    return out


def _copy_dest(dest: str, src: str, many: bool, workdir: str, is_dir: bool = False) -> tuple[str, bool]:
    dest_abs = posixpath.normpath(dest if dest.startswith("/") else posixpath.join(workdir, dest))
    bare = src.rstrip("/")
    dir_like = (
        is_dir
        or src.endswith("/")
        or src in (".", "/")
        or (
            "." not in posixpath.basename(bare)
            and (bare.startswith(("/usr/lib", "/lib", "/etc", "/usr/share")) or bare.endswith(("/bin", "/certs")))
        )
    )
    if dir_like:
        return dest_abs, True
    if many or dest.endswith("/") or dest in (".", "./") or dest_abs in STANDARD_BIN_DIRS:
        # a folder every base image has (`COPY --from=builder /out/sqlx /usr/local/bin`): the file lands inside it
        return posixpath.join(dest_abs, posixpath.basename(src.rstrip("/"))), False
    return dest_abs, False



def _stage_folder(project: Project, df: Dockerfile, at: Stage, ref: str, src: str) -> bool:
    """Whether ``src`` is, in the earlier stage ``ref``, a folder a COPY filled with a whole tree
    (``COPY --from=base / /clean`` makes ``/clean`` one, so ``COPY --from=that /clean /`` lays a root file system)."""
    source = df.stage(ref)
    if source is None or source.index >= at.index or "$" in src or not src.startswith("/"):
        return False
    path = posixpath.normpath(src)
    return any(c.dir_like and c.dest == path for c in _cached_contents(project, df, source).copies)


def stage_contents(project: Project, df: Dockerfile, stage: Stage) -> ImageContents:
    """What the image of ``stage`` holds (its lineage's installs and copies, its root base's facts)."""
    lineage = list(reversed(df.lineage(stage)))
    root = lineage[0]
    contexts = [b.context for b in project.builds_of(df)]
    facts = lookup(root.base, project.config.base_images) if root.base_resolved else ImageFacts("", "", False)
    out = ImageContents(stage, root.base, facts)
    workdir = "/"
    for st in lineage:
        for instr in st.instructions:
            if instr.cmd == "WORKDIR" and instr.values:
                wd = instr.values[0]
                workdir = posixpath.normpath(wd if wd.startswith("/") else posixpath.join(workdir, wd))
            elif instr.cmd == "RUN":
                _scan_run(instr, st, out, workdir)
            elif instr.cmd in ("COPY", "ADD") and len(instr.values) >= 2:
                srcs = [s for s in instr.values[:-1] if not s.startswith("<<")]
                dest = instr.values[-1]
                for src in srcs:
                    if "://" in src:
                        src = src.rsplit("/", 1)[-1] or src
                    # a directory of the build context, or one the `--from` stage filled with a whole tree: its
                    # contents land under the destination
                    is_dir = (
                        any((c / clean_source(src)).is_dir() for c in contexts)
                        if instr.flag("from") is None
                        else _stage_folder(project, df, st, instr.flag("from") or "", src)
                    )
                    path, dir_like = _copy_dest(dest, src, len(srcs) > 1, workdir, is_dir)
                    if instr.flag("from") and path == "/" and ("$" in src or "." not in posixpath.basename(src)):
                        out.unreadable.append(instr)  # a whole tree over `/` (libc, certs, …): contents unknown
                    out.copies.append(Copied(path, src, instr, instr.flag("from"), dir_like))
    out.workdir = workdir
    out.contexts = contexts
    return out


def build_contents(project: Project, build: Build) -> ImageContents | None:
    """The final image of a build (its target stage), cached per build."""
    df = build.dockerfile
    if df is None:
        return None
    stage = target_stage(df, build.target)
    if stage is None:
        return None
    return _cached_contents(project, df, stage)


def _cached_contents(project: Project, df: Dockerfile, stage: Stage) -> ImageContents:
    cache: dict[tuple[int, int], ImageContents] = project.__dict__.setdefault("_stage_contents_cache", {})
    key = (id(df), stage.index)
    if key not in cache:
        cache[key] = stage_contents(project, df, stage)
    return cache[key]


def image_contents(project: Project, image: str) -> ImageContents:
    """An image-only service's image: just the data-file facts."""
    return ImageContents(None, image, lookup(image, project.config.base_images))
