"""What the image a stage produces has: the base image's facts (``images.lookup``), the packages the
stage and the stages it is built ``FROM`` install (apt/apk/dnf/microdnf/yum), the files ``COPY``/``ADD``
put in it, and programs a ``RUN`` writes (``curl -o``, ``ln -s``, ``chmod +x``); which libraries and programs
those packages and files give the image. ``stagecontents.py`` reads a stage into it.

Absence is only claimed when it can be known: the base image's entry in ``rules/images.json`` gives
its libc (entries without one describe only some traits of an image, so their tool and library lists
are not exhaustive), and no ``RUN`` in the image's stages installs packages we cannot read (variables,
scripts)."""

from __future__ import annotations

import fnmatch
import posixpath
from dataclasses import dataclass, field
from pathlib import Path

from viworks_lint.dockerutil import clean_source
from viworks_lint.images import ImageFacts
from viworks_lint.parsers.dockerfile import Instruction, Stage

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
    ("libc.so*", "glibc-libc"),  # glibc copied from a builder stage: a C library only with its loader
    ("ld-linux*.so*", "glibc-loader"),
    ("libgcc_s.so*", "libgcc"),
    ("ca-certificates.crt", "ca-certificates"),
    ("ca-bundle*.crt", "ca-certificates"),
    ("cert.pem", "ca-certificates"),
)
_CERT_DIRS = ("/etc/ssl/certs", "/etc/ssl", "/etc/pki", "/usr/share/ca-certificates", "/etc/ca-certificates")
_LIB_DIRS = ("/lib", "/usr/lib", "/lib64", "/usr/lib64", "/usr/local/lib")


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


# programs the operating system's packages provide, which no pip, npm or gem package installs: still claimable
# after one of those ran
SYSTEM_TOOLS = frozenset({
    "curl", "wget", "nc", "netcat", "ncat", "bash", "envsubst", "jq", "su-exec", "gosu", "tini", "dumb-init",
    "pg_isready", "psql", "redis-cli", "mysql", "mysqladmin", "mongosh", "nslookup", "dig", "ping", "telnet",
})  # fmt: skip


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
    language_packages: bool = False  # a RUN of pip, npm, gem …: programs those packages install are not known

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
        if lib == "libc" and self.library_source("glibc-libc") and self.library_source("glibc-loader"):
            return "`libc.so.6` and its loader copied"
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
    def tools(self, copies: bool = True) -> set[str]:
        """The programs the image has by name: its base's, the packages it installs, what its RUNs make and
        (with ``copies``) every file a COPY puts anywhere."""
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
        if copies:
            out |= {posixpath.basename(c.dest) for c in self.copies}
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
        if self.language_packages and name not in SYSTEM_TOOLS:
            return None  # `celery`, `uvicorn`: a console script a pip or npm package may have put on PATH
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
