"""What a package's build script hands to the compiler, and whether the package's code uses it.

A build script passes variables to the crate with ``cargo:rustc-env=NAME=value`` (or ``cargo::rustc-env``);
crates such as vergen, built or shadow-rs emit their own set (or write files to ``OUT_DIR`` the crate
``include!``s). :func:`script_emits` says which names the script may emit (``any_name`` when it cannot be
told: a formatted name, an emitter crate among the build-dependencies); :func:`uses_build_output` whether
the package's code relies on what the script produces (``OUT_DIR``, ``include_proto!``, an ``env!`` of an
emitted name). Cargo runs an auto-detected ``build.rs`` only when the file is there: a stage without it
builds fine unless the code relies on that output."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from viworks_lint.location import Location
from viworks_lint.rust.parsing import parse_file
from viworks_lint.rust.syntax import string_value, walk_named

if TYPE_CHECKING:
    from viworks_lint.parsers.cargo import Manifest
    from viworks_lint.project import Project

# What Cargo sets when it compiles a crate (env!) ...
CRATE_VARS = frozenset(
    {
        "CARGO",
        "CARGO_MANIFEST_DIR",
        "CARGO_MANIFEST_PATH",
        "CARGO_CRATE_NAME",
        "CARGO_BIN_NAME",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_TARGET_TMPDIR",
        "CARGO_RUSTC_CURRENT_DIR",
    }
)
CRATE_PREFIXES = ("CARGO_PKG_", "CARGO_BIN_EXE_")

# Build-dependencies that emit `cargo:rustc-env` variables or generate code into OUT_DIR for the crate.
EMITTER_CRATES = frozenset(
    {
        "vergen",
        "vergen-gitcl",
        "vergen-git2",
        "vergen-gix",
        "vergen-lib",
        "built",
        "shadow-rs",
        "build-data",
        "build-info-build",
        "git-testament",
    }
)

_MARKERS = ("cargo:rustc-env=", "cargo::rustc-env=")
_USES_OUTPUT = re.compile(r"\bOUT_DIR\b|\binclude_proto!|\bshadow!\s*\(|\binclude_file_descriptor_set!")


@dataclass(frozen=True)
class Emits:
    names: frozenset[str]  # names the script emits literally
    any_name: bool  # it may emit names we cannot list (formatted names, an emitter crate)
    why: str  # what makes it so ("", or "build-dependency `vergen-gitcl`", ...)

    def covers(self, name: str) -> bool:
        return self.any_name or name in self.names


NOTHING = Emits(frozenset(), False, "")


def script_emits(manifest: Manifest) -> Emits:
    """The variables the package's build script may hand to the compiler (NOTHING without a script)."""
    script = manifest.build_script.path if manifest.build_script is not None else None
    if script is None or not script.is_file():
        return NOTHING
    emitter = next(
        (d.package for d in manifest.dependencies
         if d.section == "build-dependencies" and d.package.replace("_", "-") in EMITTER_CRATES),
        None,
    )  # fmt: skip
    names: set[str] = set()
    formatted = False
    pf = parse_file(script)
    if pf.root is not None:
        for node in walk_named(pf.root):
            if node.type not in ("string_literal", "raw_string_literal"):
                continue
            value = string_value(pf, node) or ""
            for marker in _MARKERS:
                if marker not in value:
                    continue
                name = value.split(marker, 1)[1].split("=", 1)[0].strip()
                if not name or "{" in name or "=" not in value.split(marker, 1)[1]:
                    formatted = True  # `"cargo:rustc-env={}={}"`, `concat!`: any name
                else:
                    names.add(name)
    if emitter is not None:
        return Emits(frozenset(names), True, f"build-dependency `{emitter}`")
    return Emits(frozenset(names), formatted, "a formatted `cargo:rustc-env=`" if formatted else "")


def cargo_sets_for_crate(name: str) -> bool:
    return name in CRATE_VARS or name.startswith(CRATE_PREFIXES)


def uses_build_output(project: Project, manifest: Manifest) -> tuple[Location, str] | None:
    """Where the package's code relies on its build script's output, and how: ``OUT_DIR`` (``include!`` of a
    generated file, ``tonic::include_proto!``, ``shadow!``), or ``env!`` of a variable the script emits.
    None when it does not (the build succeeds without the script)."""
    from viworks_lint.code import package_facts

    emits = script_emits(manifest)
    facts = package_facts(project, manifest, None)
    for read in facts.env_reads:
        if read.in_build_script or read.kind != "compile" or not read.required or cargo_sets_for_crate(read.name):
            continue  # `option_env!` compiles without the value
        if read.name == "OUT_DIR" or emits.covers(read.name):
            return read.location, f'`env!("{read.name}")` reads what the build script emits'
    script = manifest.build_script.path if manifest.build_script is not None else None
    for f in facts.files:
        path = Path(f)
        if script is not None and (path == script or path.parent == script.parent / "build"):
            continue  # the build script itself (and a `build/` module directory beside it)
        try:
            lines = path.read_text("utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for n, line in enumerate(lines, start=1):
            m = _USES_OUTPUT.search(line)
            if m is not None and not line.lstrip().startswith("//"):
                return Location(path, n, m.start() + 1, n, m.end() + 1), "it includes what the build script generates"
    return None
