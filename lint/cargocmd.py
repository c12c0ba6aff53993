"""Cargo command lines in Dockerfile RUN instructions: which subcommand, options and flags, and the
directory each runs in (``cd dir && cargo build`` moves within one RUN)."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from viworks_lint.dockerutil import commands, run_text
from viworks_lint.parsers.dockerfile import Instruction

# options that take a value (the next word when not written `--opt=value`)
_VALUED = {
    "-p",
    "--package",
    "--bin",
    "--manifest-path",
    "--target",
    "--profile",
    "--features",
    "-F",
    "--path",
    "--target-dir",
    "--example",
    "--test",
    "--bench",
    "--root",
    "-j",
    "--jobs",
    "--exclude",
    "--recipe-path",
    "--config",
    "-Z",
}


# cargo plugins whose own subcommand follows: `cargo chef cook`, `cargo auditable build`, `cargo leptos build`
# (cargo-leptos compiles the package's server binary into target/<profile>/ and its front end to WebAssembly)
TWO_WORD = ("auditable", "chef", "leptos")


@dataclass(frozen=True)
class CargoCall:
    """One ``cargo <sub>`` in a RUN. ``sub`` joins two words for ``chef cook``, ``auditable build``…"""

    instr: Instruction
    sub: str
    options: dict[str, list[str]]
    flags: frozenset[str]
    words: tuple[str, ...]  # the whole simple command
    cwd: str  # image directory the command runs in
    env: dict[str, str]  # `VAR=value cargo …` assignments

    def opt(self, *names: str) -> list[str]:
        return [v for n in names for v in self.options.get(n, [])]

    @property
    def base(self) -> str:
        """The subcommand that compiles (``build`` for ``auditable build``/``zigbuild``)."""
        parts = self.sub.split()
        if parts[0] in TWO_WORD and len(parts) > 1:
            return parts[1]
        return {"zigbuild": "build", "b": "build", "c": "check", "t": "test", "r": "run"}.get(parts[0], parts[0])


def package_spec_name(spec: str) -> str:
    """``-p serde@1.0.200`` / ``-p serde:1.0`` / a package id URL → the package name."""
    spec = spec.rsplit("#", 1)[-1] if "#" in spec else spec
    return re.split(r"[@:]", spec, maxsplit=1)[0]


def installs_from_registry(words: list[str]) -> bool:
    """``cargo install <crate>`` (a positional crate name, or --git) rather than ``cargo install --path``."""
    try:
        rest = words[words.index("install") + 1 :]
    except ValueError:
        return False
    i = 0
    while i < len(rest):
        w = rest[i]
        if w in ("--git", "--index", "--registry"):
            return True
        if w in _VALUED or w in ("--version", "--vers", "--branch", "--tag", "--rev"):
            i += 2
            continue
        if not w.startswith("-"):
            return True  # a crate name
        i += 1
    return False


def parse_cargo(words: list[str]) -> tuple[str, dict[str, list[str]], set[str]] | None:
    """Find ``cargo <sub>`` in a simple command; return (sub, options with values, flags)."""
    for i, w in enumerate(words):
        if posixpath.basename(w) in ("cargo", "cross", "xx-cargo"):
            rest = words[i + 1 :]
            while rest and rest[0].startswith("+"):
                rest = rest[1:]
            if not rest:
                return None
            sub = rest[0]
            args = rest[1:]
            if sub in TWO_WORD and args:
                sub, args = f"{sub} {args[0]}", args[1:]
            opts: dict[str, list[str]] = {}
            flags: set[str] = set()
            j = 0
            while j < len(args):
                a = args[j]
                if a.startswith("--") and "=" in a:
                    k, v = a.split("=", 1)
                    opts.setdefault(k, []).append(v)
                elif a in _VALUED:
                    if j + 1 < len(args):
                        opts.setdefault(a, []).append(args[j + 1])
                        j += 1
                elif a.startswith("-"):
                    flags.add(a)
                j += 1
            return sub, opts, flags
    return None


def cargo_calls(instr: Instruction, workdir: str) -> list[CargoCall]:
    """Every cargo command of a RUN, with the directory it runs in."""
    out: list[CargoCall] = []
    cwd = workdir
    for words in commands(run_text(instr)):
        if words[0] == "cd" and len(words) >= 2 and "$" not in words[1]:
            cwd = posixpath.normpath(posixpath.join(cwd, words[1]))
            continue
        parsed = parse_cargo(words)
        if parsed is None:
            continue
        sub, opts, flags = parsed
        env: dict[str, str] = {}
        for w in words:
            m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", w)
            if m is None:
                break
            env[m.group(1)] = m.group(2)
        out.append(CargoCall(instr, sub, opts, frozenset(flags), tuple(words), cwd, env))
    return out


# a RUN that rewrites a manifest in the image (`sed -i 's/members = …/' Cargo.toml`, `>> Cargo.toml`, `toml set`):
# what cargo builds after it is no longer what the repository's manifest says
EDITS_MANIFEST = re.compile(
    r"\bsed\b[^\n]*\s-i\b[^\n]*(?<![\w/.])Cargo\.toml(?![\w.])|>>?\s*(?:\./)?Cargo\.toml(?![\w.])|\btoml\s+set\b"
)
