"""VW101 cargo-target-missing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from viworks_lint.findings import Finding, Level
from viworks_lint.parsers.cargo import Target
from viworks_lint.project import Project
from viworks_lint.rule import Rule, RuleDocs, register

_SECTION = {
    "bin": "[[bin]]",
    "example": "[[example]]",
    "test": "[[test]]",
    "bench": "[[bench]]",
    "lib": "[lib]",
    "build": "`build`",
}


def _rel(project: Project, target: Target) -> list[str]:
    out = []
    for c in target.candidates:
        try:
            out.append(c.relative_to(project.root).as_posix())
        except ValueError:
            out.append(str(c))
    return out


def _published(path: Path) -> bool:
    from viworks_lint.discover import foreign_crate

    try:
        names = [p.name for p in path.parent.iterdir()]
    except OSError:
        return False
    return foreign_crate(path.parent, names)


def _generated(project: Project, base: Path, missing: Path) -> bool:
    """A git-ignored path in a hidden folder of the package (`.tuono/main.rs`), or in a source folder the repository
    ignores as a whole: a tool's generated source, not a file someone forgot to commit (`src/bin/worker.rs` under a
    repository-wide `bin/` rule)."""
    try:
        top = missing.relative_to(base).parts[0]
    except (ValueError, IndexError):
        return False
    if not project.gitignore.ignored(missing):
        return False
    # a hidden folder (`.tuono/`), or the crate's whole source folder git-ignored (`temp/*` beside a force-added
    # manifest: a scratch crate a test harness writes its sources into)
    return (top.startswith(".") and top not in (".", "..", ".git")) or (
        top != missing.name and project.gitignore.ignored(base / top)
    )


def check(project: Project) -> Iterator[Finding]:
    for manifest in project.manifests.values():
        if manifest.is_virtual or _published(manifest.path):
            continue  # a vendored or registry copy of a crate: Cargo builds only its library
        targets = [*manifest.targets]
        if manifest.lib is not None:
            targets.append(manifest.lib)
        if manifest.build_script is not None:
            targets.append(manifest.build_script)
        for t in targets:
            if not t.declared or t.exists:
                continue
            where = _rel(project, t)
            section = _SECTION.get(t.kind, t.kind)
            if t.kind == "build":
                msg = f"build script `{t.explicit_path}` does not exist (looked for {where[0]})"
            elif t.explicit_path is not None:
                msg = (
                    f"{section} `{t.name}`: path `{t.explicit_path}` does not exist; cargo build fails with "
                    f'"couldn\'t read `{t.explicit_path}`"'
                )
            else:
                msg = (
                    f"{section} `{t.name}` has no source file: Cargo looks for "
                    + " or ".join(f"`{w}`" for w in where)
                    + "; add the file or set `path`"
                )
            level = None
            missing = t.candidates[0] if t.candidates else None
            if missing is not None and _generated(project, manifest.dir, missing):
                msg += (
                    "; the path is git-ignored, so it is a generated file (a step before `cargo build` makes it, as "
                    "`tuono build` makes `.tuono/main.rs`): only a note, if that step runs wherever the crate is built"
                )
                level = Level.NOTE
            yield RULE.finding(msg, t.location, key=f"{t.kind}:{t.name}", level=level)


RULE = register(
    Rule(
        id="VW101",
        name="cargo-target-missing",
        level=Level.ERROR,
        summary="A Cargo target (bin, example, test, bench, lib or build script) points at a source file "
        "that is not on disk.",
        docs=RuleDocs(
            what="A `[[bin]]`, `[[example]]`, `[[test]]` or `[[bench]]` entry whose `path` does not exist, or that "
            "has only a `name` and none of the files Cargo infers for it (`src/bin/<name>.rs`, "
            "`src/bin/<name>/main.rs`, `examples/…`, `tests/…`, `benches/…`); a `[lib]` without "
            '`src/lib.rs`; a `build = "…"` script that is missing. Auto-discovered targets are never '
            "reported, and paths are resolved from each workspace member's own directory. A note when the missing "
            "path is git-ignored and in a hidden folder of the package, or in a folder of it the repository ignores as "
            "a whole (`temp/*` beside a committed manifest): a generated source that a step before `cargo build` "
            "makes (`tuono build` writes `.tuono/main.rs`, a test harness writes a scratch crate's `src/lib.rs`).",
            why="Cargo reads every target of the package before it compiles anything, so `cargo build --release` "
            "in the Dockerfile stops with `couldn't read test_minimal.rs`: the image never builds and the "
            "service restarts on the previous image or not at all.",
            example='[[bin]]\nname = "test-minimal"\npath = "test_minimal.rs"   # file was deleted',
            fix="Restore the file, correct `path`, or delete the target section.",
        ),
        check=check,
        tags=("build", "cargo"),
    )
)
