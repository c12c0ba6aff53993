"""VW001 parse-error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from viworks_lint.bake import bake_dockerfiles
from viworks_lint.code import parse_errors
from viworks_lint.findings import Finding, Level
from viworks_lint.hostbuild import wrappers
from viworks_lint.project import Project, norm_path
from viworks_lint.rule import Rule, RuleDocs, register


def check(project: Project) -> Iterator[Finding]:
    for p in project.problems:
        if p.rule_id == RULE.id:
            dockerfile = p.message.startswith("Dockerfile has no instructions")
            if p.key == "empty" and dockerfile and _unbuilt_placeholder(project, p.location.path):
                yield RULE.finding(
                    f"{p.message}: an empty placeholder that no compose file, workflow, script or bake file names, "
                    "so nothing builds it yet",
                    p.location,
                    key=p.key,
                    level=Level.NOTE,
                )
                continue
            # a heredoc body the parser binding could not read: the linter's limit, not a proven build failure
            level = Level.NOTE if p.key.startswith("heredoc:") else None
            yield RULE.finding(p.message, p.location, key=p.key, level=level)
    for loc in parse_errors(project):
        # tree-sitter's Rust grammar trails the language (attributes on pattern fields, new syntax): code
        # that compiles can fail to parse here, so this is a note about what the linter could read, not a
        # claim that the build fails; cargo is the judge of that.
        yield RULE.finding(
            "the Rust grammar this linter uses cannot parse the code here (it may be syntax newer than the "
            "grammar); routes, env reads and crate uses after this point may be incomplete, so the rules "
            "that read them make fewer claims",
            loc,
            key="rust",
            level=Level.NOTE,
        )


# platform configs that name the Dockerfile they deploy
_DEPLOY_CONFIGS = ("fly.toml", "render.yaml", "railway.json", "railway.toml", "skaffold.yaml", "app.yaml", "heroku.yml")


def _unbuilt_placeholder(project: Project, path: Path) -> bool:
    """An empty Dockerfile with a name of its own (`renderer.Dockerfile`, `Dockerfile.worker`) that no compose
    service builds and no wrapper, workflow or bake file mentions: a file laid out for later."""
    if path.name in ("Dockerfile", "Containerfile") or not path.is_file():
        return False  # (the parser found no instruction in it: empty, or comments only)
    key = norm_path(path)
    if any(norm_path(b.dockerfile_path) == key for b in project.builds if b.service is not None):
        return False
    if key in {norm_path(d) for d in bake_dockerfiles(project)}:
        return False
    if any(path.name in w.text for w in wrappers(project)):
        return False
    platform = [project.root / n for n in _DEPLOY_CONFIGS]
    for doc in [*project.discovered.wrappers, *(p for p in platform if p.is_file())]:  # and platform configs
        try:
            if doc.stat().st_size < 1_000_000 and path.name in doc.read_text("utf-8", errors="replace"):
                return False
        except OSError:
            continue
    return True


RULE = register(
    Rule(
        id="VW001",
        name="parse-error",
        level=Level.ERROR,
        summary="A compose file, Dockerfile, Cargo.toml, .dockerignore, .env or Rust file cannot be parsed.",
        docs=RuleDocs(
            what="A project file is not valid YAML, TOML, Dockerfile syntax or UTF-8 text, is binary, empty, "
            "unreadable, or too large to lint. The finding points at the position the parser stopped. A tab after a "
            "value at the end of a YAML line is white space (as to compose's own parser), not an error. A "
            "`.dockerignore` in a folder that is no build context and holds no Dockerfile is never read by Docker, "
            "so its problems are not reported.",
            why="docker compose, BuildKit and Cargo refuse the whole file, so nothing in it is deployed; the other "
            "rules cannot check what could not be read.",
            example='services:\n  api:\n    image: api\n   ports: ["8080:8080"]   # bad indentation',
            fix="Correct the syntax at the reported position; every other file is still linted meanwhile. A Rust "
            "file the linter's grammar cannot parse is only a note (the code may well compile: the grammar trails "
            "the language); the code-based rules then make no claim about what they could not read. "
            "Heredocs are read as BuildKit reads them: a `<<EOF`, `<<-EOF`, `<<\"EOF\"` or `<<'EOF'` anywhere in a "
            "RUN/COPY/ADD line (several per line too) makes the lines up to `EOF` part of that instruction "
            "(`heredocsFromLine` in moby/buildkit `frontend/dockerfile/parser/parser.go`), also after Dockerfile 1.7 "
            "expansions such as `${VAR%/}`. Lines that are no instructions are one finding per run, not one per "
            "line; when they follow a heredoc marker the linter's parser could not read, that finding is only a "
            "note (BuildKit may accept it). An empty Dockerfile with a name of its own (`renderer.Dockerfile`) that no "
            "compose service builds and no workflow, script, README or bake file names is a placeholder laid out "
            "for later: a note.",
        ),
        check=check,
        tags=("input",),
    )
)
