"""Compose files and Dockerfiles that say, or whose documentation says, they are for development: a header
comment (`# not for production`), a documentation page that introduces the setup as a local development one, a
contributors' guide that runs it, a README sentence that calls it the development setup."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from viworks_lint.docruns import FENCE, front_matter_end, setext_heading
from viworks_lint.scope import Scope, scope_from_name

if TYPE_CHECKING:
    from viworks_lint.project import Project

# what a maintainer writes at the top of a compose file meant for development only
# words that make a section heading a development one, not a sentence (`the development server is started with
# cargo watch` in a production file's header says nothing of the file)
_DEV_HEADING = re.compile(r"\bdevelopment server\b", re.I)
_DEV_HEADER = re.compile(
    r"\b(?:local[ -]dev(?:elopment)?\b|development (?:stack|environment|setup|only|purposes?|use)\b|"
    r"(?:sets?\s+up|is|for)\s+(?:an?\s+|the\s+)?local\s+develop(?:er|ment)\s+environment\b|"
    r"for (?:local )?development\b|dev(?:elopment)?[ -]only\b|not (?:meant |intended |suitable )?for production\b|"
    r"do(?:n't| not) use (?:it |this )?in production\b)",
    re.I,
)


def declared_dev(path: Path) -> tuple[Scope, str] | None:
    """A compose file or Dockerfile whose leading comment block says it is for development (`# Development stack:
    local dev, integration tests and CI`, `# not for production`) or an example (`# An example Dockerfile showing
    how to build …`)."""
    if not path.is_file():
        return None  # a FIFO or a device named like one would block the read
    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            head = fh.read(4096)
    except OSError:
        return None
    comments: list[str] = []
    for line in head.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            comments.append(stripped)
        elif stripped and not stripped.startswith("---") and not stripped.startswith(("name:", "version:")):
            break
    text = " ".join(comments)
    m = _DEV_HEADER.search(text) or _EXAMPLE_HEADER.search(text)
    return (Scope.DEV, f"its header comment says so ({m.group(0)!r})") if m else None


_EXAMPLE_HEADER = re.compile(
    r"\b(?:an?|this\s+is\s+an?)\s+(?:example|sample|demo)\s+(?:docker|compose)[ -]?file\b", re.IGNORECASE
)


def _page_intro(path: Path) -> str:
    """A documentation page's front matter, its title and the prose before its first section (at most 40
    lines, code blocks left out): where a page says what the setup it describes is for."""
    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            lines = fh.read(16384).splitlines()[:40]
    except OSError:
        return ""
    out: list[str] = []
    fenced, headings = False, 0
    matter = front_matter_end(lines)
    for i, line in enumerate(lines):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if fenced or (i > matter and setext_heading(lines[i - 1], line)):
            continue  # a setext underline: the line above was the heading
        heading = line.startswith("#") or (
            i >= matter and setext_heading(line, lines[i + 1] if i + 1 < len(lines) else None)
        )
        if heading:
            headings += 1
            if headings > 1:
                break  # the page's title, then its intro: a `### Local development` section is no intro
        out.append(line)
    return " ".join(out)


# a guide for the project's own developers (`CONTRIBUTING.md`, `DEVELOPMENT.md`, `HACKING.md`): the setup it runs
# is theirs, not the one users deploy
_CONTRIBUTORS = re.compile(r"^(?:contributing|development|developing|hacking)(?:\.[a-z]+)?$", re.I)


def documented_dev(project: Project, path: Path) -> tuple[Scope, str] | None:
    """A compose file that the documentation page running it introduces as a local development setup
    (`This guide covers setting up the app using Docker Compose for local development.`), or that a contributors'
    guide (`CONTRIBUTING.md`) runs, and that no
    wrapper runs for deployment, nor the root README under a heading of its own (`Installation`, `Quick
    Start`: how users run it, whatever a contributing guide says)."""
    from viworks_lint.composefiles import default_compose
    from viworks_lint.project import norm_path

    key = norm_path(path)
    found: str | None = None
    readme_run = False
    for inv in project.wrappers.invocations:
        files = {norm_path(f) for f in inv.files or default_compose(project, inv.cwd)}
        if key not in files:
            continue
        named = scope_from_name(inv.label) if inv.label else None
        if named is not None and named[0] is Scope.DEPLOY:
            return None  # `make deploy`, a `release` job: it ships
        if inv.kind != "docs":
            continue
        intro = _DEV_HEADER.search(_page_intro(inv.location.path))
        heading = inv.label.partition(":")[2] if inv.label.startswith("§") else ""
        h = _DEV_HEADER.search(heading) or _DEV_HEADING.search(heading)
        if intro is None and h is None and inv.location.path.parent == project.root:
            readme_run = readme_run or inv.location.path.name.lower().startswith("readme")
        if found is None and intro is not None:
            found = f"{project.rel(inv.location.path)} (documentation) introduces it as {intro.group(0)!r}"
        if found is None and _CONTRIBUTORS.match(inv.location.path.name) and files == {key}:
            found = f"{project.rel(inv.location.path)} (the contributors' guide) runs it"
        if found is None and h is not None:
            found = f"{project.rel(inv.location.path)} (documentation) runs it under the heading {heading!r}"
    if found is None and not readme_run:
        found = _sentence_says_dev(project, path)
    return (Scope.DEV, found) if found is not None and not readme_run else None


def _called_dev(written: str) -> re.Pattern[str]:
    """``written`` (a file name or path) and a development-setup phrase within 80 characters of one sentence, in
    either order, with no mention of production between them."""
    name = re.escape(written)
    between = r"(?:(?!prod)[^.\n]|\.(?!\s)){0,80}?"
    return re.compile(
        rf"(?<![\w.-]){name}(?![\w.-]){between}{_DEV_HEADER.pattern}"
        rf"|{_DEV_HEADER.pattern}{between}(?<![\w.-]){name}(?![\w.-])",
        re.I,
    )


def _sentence_says_dev(project: Project, path: Path) -> str | None:
    """A README sentence that names the compose file and calls it the local development setup (`take a look at the
    [docker-compose.yml](/docker-compose.yml) file that is used for local development`), with no mention of
    production between the two."""
    from viworks_lint.docruns import DOC_NAMES

    # beside the file its name is enough; a README elsewhere must write its path (a root README's
    # `docker-compose.yml` is the root's)
    near, far = _called_dev(path.name), _called_dev(project.rel(path))
    for doc in sorted(project.discovered.wrappers):
        if not DOC_NAMES.match(doc.name) or doc.parent not in (project.root, path.parent):
            continue
        pattern = near if doc.parent == path.parent else far
        try:
            text = doc.read_text("utf-8", errors="replace")
        except OSError:
            continue
        m = pattern.search(text)
        if m is not None:
            return f"{project.rel(doc)} calls it the development setup ({' '.join(m.group(0).split())[:100]!r})"
    return None
