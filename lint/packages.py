"""What the image a stage produces has: the base image's facts (``images.lookup``), the packages the
stage and the stages it is built ``FROM`` install (apt/apk/dnf/microdnf/yum), the files ``COPY``/``ADD``
put in it, and programs a ``RUN`` writes (``curl -o``, ``ln -s``, ``chmod +x``). Also where the
binary the image runs was compiled (builder stage, musl or glibc target, static linking).

Absence is only claimed when it can be known: the base image's entry in ``rules/images.json`` gives
its libc (entries without one describe only some traits of an image, so their tool and library lists
are not exhaustive), and no ``RUN`` in the image's stages installs packages we cannot read (variables,
scripts)."""

from __future__ import annotations

import fnmatch
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

from viworks_lint.crates import built_code
from viworks_lint.dockerutil import clean_source, commands, run_text, target_stage
from viworks_lint.images import ImageFacts, lookup, recommends
from viworks_lint.location import Location
from viworks_lint.parsers.dockerfile import Dockerfile, Instruction, Stage, token_location
from viworks_lint.project import Build, Project

# package (glob) → shared library it provides, for the libraries the rules care about
LIBRARY_PACKAGES: tuple[tuple[str, str], ...] = (
    ("libpq5", "libpq"),
    ("libpq", "libpq"),
    ("libpq-dev", "libpq"),
    ("libpq-devel", "libpq"),
    ("postgresql*-libs", "libpq"),
    ("postgresql-devel", "libpq"),
    ("postgresql*-client", "libpq"),
    ("postgresql-client*", "libpq"),
    ("libssl*", "libssl"),
    ("openssl", "libssl"),
    ("openssl3", "libssl"),
    ("openssl-libs", "libssl"),
    ("openssl-dev", "libssl"),
    ("openssl-devel", "libssl"),
    ("libcurl4*", "libssl"),
    ("curl", "libssl"),
    ("ca-certificates", "ca-certificates"),
    ("ca-certificates-bundle", "ca-certificates"),
)

# package (glob) → programs it installs, when they differ from the package name
TOOL_PACKAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("netcat*", ("nc", "netcat")),
    ("*-netcat", ("nc", "netcat")),
    ("ncat", ("nc", "ncat")),
    ("nmap-ncat", ("nc", "ncat")),
    ("postgresql*-client", ("pg_isready", "psql")),
    ("postgresql-client*", ("pg_isready", "psql")),
    ("postgresql", ("pg_isready", "psql")),
    ("redis-tools", ("redis-cli",)),
    ("redis", ("redis-cli", "redis-server")),
    ("procps*", ("ps", "pgrep", "pkill", "top")),
    ("iproute2", ("ip", "ss")),
    ("*mysql-client", ("mysql", "mysqladmin")),
    ("mariadb-client", ("mysql", "mysqladmin", "mariadb", "mariadb-admin")),
    ("iputils-ping", ("ping",)),
    ("bind9-dnsutils", ("dig", "nslookup")),
    ("dnsutils", ("dig", "nslookup")),
    ("bind-tools", ("dig", "nslookup")),
    ("grpc-health-probe", ("grpc_health_probe",)),
    ("gettext-base", ("envsubst",)),
    ("gettext", ("envsubst", "gettext")),
    ("gettext-envsubst", ("envsubst",)),
)


# crates whose `cargo install` gives a program of another name (their `[[bin]]` targets)
CRATE_BINARIES: dict[str, tuple[str, ...]] = {
    "diesel_cli": ("diesel",),
    "sqlx-cli": ("sqlx", "cargo-sqlx"),
    "refinery_cli": ("refinery",),
    "sea-orm-cli": ("sea-orm-cli", "sea"),
    "wasm-bindgen-cli": ("wasm-bindgen",),
}


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


BUSYBOX_APPLETS = _names(
    "sh ash awk basename cat chmod chown cp cut date dd df dirname echo env expr false find free grep gunzip "
    "gzip head hostname id ip kill killall ln ls mkdir mktemp mv nc netstat nslookup pgrep pidof ping pkill "
    "printf ps pwd readlink rm rmdir sed seq sleep sort stat tail tar tee test timeout top touch tr true "
    "uname uniq unzip wc wget which xargs yes [ [["
)
# programs every Debian/Ubuntu-based image has (essential packages: coreutils, dash, bash, grep, …)
DEBIAN_ESSENTIAL = _names(
    "sh dash bash awk mawk basename cat chmod chown cp cut date dd df dirname echo env expr false find grep "
    "gzip head hostname id kill ln ls mkdir mktemp mv printf pwd readlink rm rmdir sed seq sleep sort stat "
    "tail tar tee test timeout touch tr true uname uniq wc xargs yes [ apt-get apt dpkg"
)
STANDARD_BIN_DIRS = ("/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin")
SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh"})

_LIB_FILES: tuple[tuple[str, str], ...] = (
    ("libpq.so*", "libpq"),
    ("libssl.so*", "libssl"),
    ("libcrypto.so*", "libssl"),
    ("ca-certificates.crt", "ca-certificates"),
    ("ca-bundle*.crt", "ca-certificates"),
    ("cert.pem", "ca-certificates"),
)
_CERT_DIRS = ("/etc/ssl/certs", "/etc/ssl", "/etc/pki", "/usr/share/ca-certificates", "/etc/ca-certificates")
_LIB_DIRS = ("/lib", "/usr/lib", "/lib64", "/usr/lib64", "/usr/local/lib")
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


@dataclass(frozen=True)
class Install:
    package: str
    manager: str
    instr: Instruction
    stage: Stage


@dataclass(frozen=True)
class Copied:
    dest: str  # absolute image path of the file (or directory) as it lands
    source: str
    instr: Instruction
    from_ref: str | None  # --from value
    dir_like: bool  # the source looks like a directory (whole tree copied)


@dataclass
class ImageContents:
    """What the image of ``stage`` contains. ``complete`` says whether absence can be claimed."""

    stage: Stage | None
    base: str
    facts: ImageFacts
    installs: list[Install] = field(default_factory=list)
    copies: list[Copied] = field(default_factory=list)
    made: dict[str, Instruction] = field(default_factory=dict)  # program name or path → RUN that wrote it
    unreadable: list[Instruction] = field(default_factory=list)  # RUNs installing things we cannot read
    virtual: dict[str, list[str]] = field(default_factory=dict)  # apk --virtual groups
    workdir: str = "/"
    contexts: list[Path] = field(default_factory=list)  # build contexts its local COPY sources come from

    def host_file(self, program: str) -> Path | None:
        """The build-context file a COPY put at ``program``'s path in the image, when there is one."""
        path = posixpath.normpath(program if program.startswith("/") else posixpath.join(self.workdir, program))
        for c in reversed(self.copies):
            if c.from_ref is not None or "://" in c.source:
                continue
            rel = None
            if c.dest == path and not c.dir_like:
                rel = clean_source(c.source)
            elif c.dir_like and path.startswith(c.dest.rstrip("/") + "/"):
                rel = posixpath.join(clean_source(c.source), path[len(c.dest.rstrip("/")) + 1 :])
            if rel is None:
                continue
            for ctx in self.contexts:
                if (ctx / rel).is_file():
                    return ctx / rel
        return None

    @property
    def complete(self) -> bool:
        return self.facts.known and self.facts.libc is not None and not self.unreadable

    # ------------------------------------------------------------------ libraries
    def library_source(self, lib: str) -> str | None:
        """How the image gets ``lib`` ("base image", "`apt-get install libpq5`", "COPY …"), or None."""
        if lib in self.facts.libraries:
            return "base image"
        for inst in self.installs:
            if lib in _libraries_of(inst.package, self.facts.package_manager):
                return f"`{inst.package}` installed"
        for c in self.copies:
            if _library_of_copy(c) in (lib, "*"):
                return f"`{c.source}` copied"
        return None

    def lacks_library(self, lib: str) -> bool:
        return self.complete and self.library_source(lib) is None

    # ------------------------------------------------------------------ programs
    def tools(self) -> set[str]:
        out = set(self.facts.tools)
        if self.facts.shell:
            out.add("sh")
        if "busybox" in out:
            out |= BUSYBOX_APPLETS
        if self.facts.shell and (
            self.facts.package_manager == "apt" or (self.facts.distro or "").startswith(("debian", "ubuntu"))
        ):
            out |= DEBIAN_ESSENTIAL
        for inst in self.installs:
            out |= set(_tools_of(inst.package))
        for c in self.copies:
            out.add(posixpath.basename(c.dest))
        out |= {posixpath.basename(k) for k in self.made}
        if "busybox" in out:
            out |= BUSYBOX_APPLETS
        return out

    def has_program(self, program: str) -> bool | None:
        """True: present; False: absent (claimable); None: cannot tell."""
        if "/" in program:
            path = posixpath.normpath(program if program.startswith("/") else posixpath.join(self.workdir, program))
            if path in self.made or any(c.dest == path for c in self.copies):
                return True
            for c in self.copies:
                if c.dir_like and path.startswith(c.dest.rstrip("/") + "/"):
                    return True  # a whole directory tree was copied there
            if posixpath.dirname(path) not in STANDARD_BIN_DIRS:
                return None
            name = posixpath.basename(path)
        else:
            name = program
        if name in self.tools():
            return True
        if any(c.dir_like and c.dest.rstrip("/") in STANDARD_BIN_DIRS for c in self.copies):
            return None  # a whole bin directory was copied in
        return False if self.complete else None

    def has_shell(self) -> bool | None:
        """Whether ``/bin/sh`` exists (what CMD-SHELL and shell-form instructions run)."""
        return self.has_program("/bin/sh")

    def how_to_install(self, package: str) -> str:
        pm = self.facts.package_manager
        if pm == "apt":
            return f"`RUN apt-get update && apt-get install -y --no-install-recommends {package}`"
        if pm == "apk":
            return f"`RUN apk add --no-cache {package}`"
        if pm in ("dnf", "microdnf", "yum"):
            return f"`RUN {pm} install -y {package}`"
        return "a COPY of the file from a stage that has it"


# packages that pull the library in as a dependency: (package manager, package glob) → library
DEPENDENCY_LIBRARIES: tuple[tuple[str, str, str], ...] = (
    ("apt", "libpq5", "libssl"),  # libpq5 depends on libssl3 (bookworm) / libssl1.1 (bullseye)
    ("apt", "libpq-dev", "libssl"),
    ("apt", "postgresql-client*", "libssl"),
    ("apt", "ca-certificates", "libssl"),  # ca-certificates depends on openssl, which brings libssl
    # the server: postgresql → postgresql-15 (bookworm), which depends on libpq5 and libssl3
    # (https://packages.debian.org/bookworm/postgresql-15)
    ("apt", "postgresql", "libpq"),
    ("apt", "postgresql", "libssl"),
    ("apt", "postgresql-[0-9]*", "libpq"),
    ("apt", "postgresql-[0-9]*", "libssl"),
    # python3-pip depends on ca-certificates (https://packages.debian.org/bookworm/python3-pip); python3's
    # standard library (libpython3.x-stdlib) depends on libssl
    ("apt", "python3-pip", "ca-certificates"),
    ("apt", "python3-pip", "libssl"),
    ("apt", "python3", "libssl"),
    ("apt", "python3.[0-9]*", "libssl"),
    ("apk", "postgresql", "libpq"),
    ("apk", "postgresql[0-9]*", "libpq"),
    ("apk", "libpq", "libssl"),
    ("apk", "postgresql*-client", "libssl"),
)


def _libraries_of(package: str, manager: str | None) -> set[str]:
    """Libraries a package provides, directly or through the packages it depends on."""
    out = {lib for pattern, lib in LIBRARY_PACKAGES if fnmatch.fnmatchcase(package, pattern)}
    out |= {
        lib
        for pm, pattern, lib in DEPENDENCY_LIBRARIES
        if (manager in (pm, None)) and fnmatch.fnmatchcase(package, pattern)
    }
    return out


def _library_of_copy(c: Copied) -> str | None:
    """Library a copied path provides; ``*`` when a whole library or certificate directory is copied."""
    src = c.source.rstrip("/")
    base = posixpath.basename(src)
    for pattern, lib in _LIB_FILES:
        if fnmatch.fnmatchcase(base, pattern):
            return lib
    for d in _CERT_DIRS:
        if src == d or src.startswith(d + "/"):
            return "ca-certificates"
    if (
        c.from_ref is not None
        and c.dir_like
        and (src in ("", "/") or any(src == d or src.startswith(d + "/") for d in _LIB_DIRS))
    ):
        return "*"
    return None


def _tools_of(package: str) -> tuple[str, ...]:
    for pattern, tools in TOOL_PACKAGES:
        if fnmatch.fnmatchcase(package, pattern):
            return (package, *tools)
    if package in ("busybox", "busybox-static"):
        return ("busybox",)
    return (package,)


# ----------------------------------------------------------------------------------------- shell text


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
    elif prog == "cargo" and "install" in words[1:3] and (words[1] == "install" or words[1].startswith("+")):
        args = words[words.index("install") + 1 :]  # `cargo +nightly install …` too
        skip = False
        for w in args:
            if skip:  # the value of an option: `--target x86_64-…`, `--features postgres`
                skip = False
            elif w in _CARGO_INSTALL_VALUE_OPTS:
                skip = True
            elif not w.startswith("-"):
                out.made[w] = instr
                for binary in CRATE_BINARIES.get(w, ()):
                    out.made[binary] = instr


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
    if many or dest.endswith("/") or dest in (".", "./"):
        return posixpath.join(dest_abs, posixpath.basename(src.rstrip("/"))), False
    return dest_abs, False


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
                    # a directory of the build context: its contents land under the destination
                    is_dir = instr.flag("from") is None and any((c / clean_source(src)).is_dir() for c in contexts)
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
    cache: dict[tuple[int, int], ImageContents] = project.__dict__.setdefault("_stage_contents_cache", {})
    key = (id(df), stage.index)
    if key not in cache:
        cache[key] = stage_contents(project, df, stage)
    return cache[key]


def image_contents(project: Project, image: str) -> ImageContents:
    """An image-only service's image: just the data-file facts."""
    return ImageContents(None, image, lookup(image, project.config.base_images))


# ----------------------------------------------------------------------------------------- binaries

_MUSL_TARGET = re.compile(r"--target[= ]+['\"]?([A-Za-z0-9_.\-]*musl[A-Za-z0-9_.\-]*)")
_GNU_PINNED = re.compile(r"--target[= ]+['\"]?[A-Za-z0-9_\-]*-gnu[A-Za-z0-9_]*\.(\d+\.\d+)")
# a `--target` whose value is only known when the RUN runs: `$(cat .toolchain)`, a backquote, or a variable
# no ARG/ENV/build arg gives a value to (checked after those are substituted)
_UNRESOLVED_TARGET = re.compile(r"--target[= ]+['\"]?(?:\$\(|`|\$\{?[A-Za-z_])")
# evidence of a musl build when the target itself is not written out: a musl triple anywhere in the builder's
# RUNs (`echo x86_64-unknown-linux-musl > .toolchain`), or the musl C toolchain installed on a glibc builder
_MUSL_HINT = re.compile(r"-linux-musl|\bmusl-(?:tools|dev|gcc)\b")
# a COPY of cargo's host-target output (`target/release/app`): whatever else the stage mentions, this binary
# was built for the builder's own (glibc) target
_HOST_OUTPUT = re.compile(r"(?:^|[/\s])target/(?:release|debug)/")


@dataclass(frozen=True)
class BinaryOrigin:
    """Where the program the final image runs was compiled."""

    stage: Stage  # the builder stage
    copy: Instruction | None  # the COPY --from that brings it into the final image (None: built in place)
    facts: ImageFacts  # the builder's root base
    base: str
    musl: bool  # a musl target (static by default) or a musl builder
    static: bool  # linked statically (musl, or `-C target-feature=+crt-static`)
    glibc_target: str | None  # glibc version pinned by `cargo zigbuild --target …-gnu.2.17`
    # `--target` is chosen at build time (`$(cat .toolchain)`, an unset variable) and there is no musl evidence:
    # which C library the binary needs is unknown
    target_unresolved: bool = False


def _cargo_config_musl(build: Build) -> bool:
    for rel in (".cargo/config.toml", ".cargo/config"):
        p: Path = build.context / rel
        try:
            text = p.read_text("utf-8", errors="replace")
        except OSError:
            continue
        if re.search(r"^\s*target\s*=\s*['\"][^'\"]*musl", text, re.M):
            return True
    return False


def binary_origins(project: Project, build: Build) -> list[BinaryOrigin]:
    """Builder stages whose cargo output the final image runs (via ``COPY --from``, or built in place)."""
    df = build.dockerfile
    if df is None:
        return []
    final = target_stage(df, build.target)
    if final is None:
        return []
    code = built_code(project, build)
    builders = {r.stage.index for r in code.runs}
    for r in code.runs:  # stages built FROM a stage that ran cargo also hold its output
        for st in df.stages:
            if r.stage.index in {s.index for s in df.lineage(st)}:
                builders.add(st.index)
    final_lineage = df.lineage(final)
    out: list[BinaryOrigin] = []
    if any(s.index in {r.stage.index for r in code.runs} for s in final_lineage):
        out.append(_origin(project, build, df, final, None))
        return out
    seen: set[int] = set()
    for st in final_lineage:
        for instr in st.instructions:
            frm = instr.flag("from")
            if instr.cmd != "COPY" or not frm:
                continue
            src_stage = df.stage(frm)
            if src_stage is None or src_stage.index not in builders or src_stage.index in seen:
                continue
            seen.add(src_stage.index)
            out.append(_origin(project, build, df, src_stage, instr))
    return out


def _stage_vars(build: Build, df: Dockerfile, stage: Stage) -> dict[str, str]:
    """Values a RUN of ``stage`` sees for ``$NAME``: its ENV (inherited ones included), and the stage's own
    ARG defaults (or the global default an ``ARG NAME`` re-declares) with compose ``build.args`` over them.
    Names without a value are left out (their references stay as written)."""
    given = build.service.build.args if build.service is not None and build.service.build is not None else {}
    out = {k: v for k, (v, _i) in stage.state.env.items() if v and "$" not in v}
    for instr in stage.instructions:
        if instr.cmd != "ARG":
            continue
        for arg in instr.args:
            name, eq, default = arg.partition("=")
            value = given.get(name) if name in given else (default.strip("\"'") if eq else df.global_args.get(name))
            if value:
                out[name] = value
            else:
                out.pop(name, None)
    return out


def _substitute(text: str, values: dict[str, str]) -> str:
    """``$NAME``/``${NAME}`` replaced by the value ``values`` gives (others left as written)."""
    if not values or "$" not in text:
        return text

    def one(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2)
        return values.get(name, m.group(0))

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)", one, text)


def _origin(project: Project, build: Build, df: Dockerfile, stage: Stage, copy: Instruction | None) -> BinaryOrigin:
    lineage = df.lineage(stage)
    root = lineage[-1]
    facts = lookup(root.base, project.config.base_images) if root.base_resolved else ImageFacts("", "", False)
    # `cargo build --target=$target` with `ARG target=x86_64-unknown-linux-musl`: decided on the values
    texts = [
        _substitute(run_text(i), _stage_vars(build, df, s)) for s in lineage for i in s.instructions if i.cmd == "RUN"
    ]
    env = " ".join(f"{k}={v}" for k, (v, _i) in stage.state.env.items())
    sources = _substitute(" ".join(copy.values[:-1]), _stage_vars(build, df, stage)) if copy is not None else ""
    joined = "\n".join([*texts, env])
    musl = (
        facts.libc == "musl"
        or bool(_MUSL_TARGET.search(joined))
        or bool(re.search(r"CARGO_BUILD_TARGET=\S*musl", env))
        or "-musl/" in sources
        or _cargo_config_musl(build)
    )
    host_output = "-gnu/" in sources or bool(_HOST_OUTPUT.search(sources))
    if not musl and not host_output and _MUSL_HINT.search(joined):
        musl = True  # a musl triple or musl-tools in a stage whose output is not cargo's host-target directory
    if "-gnu/" in sources and facts.libc != "musl":
        musl = False
    unresolved = not musl and not host_output and bool(_UNRESOLVED_TARGET.search(joined))
    pinned = _GNU_PINNED.search(joined)
    static = musl or "crt-static" in joined
    return BinaryOrigin(stage, copy, facts, root.base, musl, static, pinned.group(1) if pinned else None, unresolved)


# ----------------------------------------------------------------------------------------- locations


def text_location(df: Dockerfile, instr: Instruction, needle: str, occurrence: int = 0) -> Location:
    """Where ``needle`` is written inside ``instr`` (plain substring search after the keyword), else the
    instruction's keyword."""
    return token_location(df, instr, needle, occurrence, whole_word=False)


def line_span(loc: Location, needle: str) -> Location:
    """``needle`` on the line of ``loc``, searched from ``loc``'s column (a YAML scalar's location points
    at its opening quote, if any); ``loc`` itself when not found."""
    if not needle:
        return loc
    try:
        with open(loc.path, encoding="utf-8", errors="replace") as fh:
            for n, text in enumerate(fh, start=1):
                if n == loc.line:
                    at = text.find(needle, max(loc.col - 1, 0))
                    if at == -1:
                        return loc
                    return Location(loc.path, n, at + 1, n, at + 1 + len(needle))
    except OSError:
        pass
    return loc


def from_image_location(df: Dockerfile, stage: Stage) -> Location:
    """The image reference of a stage's FROM line."""
    return text_location(df, stage.from_instr, stage.base_raw)


def stage_title(stage: Stage, what: str = "final stage") -> str:
    """``final stage `runtime` `` or just ``final stage`` for an unnamed stage."""
    return f"{what} `{stage.name}`" if stage.name else what
