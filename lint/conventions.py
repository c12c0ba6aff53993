"""The project's own conventions for files that are not in the repository: env templates
(``.env.example`` & co.) and the steps (a wrapper, a README code block) that copy or create a file.
A file a documented step puts into place is treated as present; rules then say at most a note naming
the step."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from viworks_lint.parsers.common import ReadError, read_text
from viworks_lint.wrappers import Step

if TYPE_CHECKING:
    from viworks_lint.project import Project

TEMPLATE_SUFFIXES = (".example", ".sample", ".template", ".tmpl", ".tpl", ".dist", ".default", ".defaults", ".in")
TEMPLATE_WORDS = ("example", "sample", "template", "dist", "default", "defaults", "tmpl", "tpl")
# variables every shell exports: provided wherever compose runs; a path built from one is a host path
SHELL_VARIABLES = frozenset({"HOME", "PWD", "USER", "UID", "GID", "HOSTNAME", "SHELL", "PATH", "LOGNAME", "TERM"})

_COMMENTED = re.compile(r"^\s*#+\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=")


@dataclass(frozen=True)
class Provision:
    """How a file that is not in the repository comes into place."""

    path: Path
    template: Path | None  # the file it is made from
    step: Step | None  # the command that makes it

    def describe(self, rel: str | None = None) -> str:
        if self.step is not None:
            return f"created by {self.step.describe()}"
        assert self.template is not None
        return f"made from the template `{rel or self.template.name}` beside it"


def template_candidates(path: Path) -> list[Path]:
    d, name = path.parent, path.name
    out = [d / (name + s) for s in TEMPLATE_SUFFIXES]
    out += [d / f"{w}{name}" if name.startswith(".") else d / f"{w}.{name}" for w in ("example", "sample")]
    stem, dot, ext = name.rpartition(".")
    if dot and stem:  # app.env → app.example.env
        out += [d / f"{stem}.{w}.{ext}" for w in ("example", "sample", "template", "dist")]
    if name == ".env":
        out += [
            d / n
            for n in (
                "env.example",
                "env.sample",
                "example.env",
                "sample.env",
                "env.template",
                ".env.local.example",
                ".env.dev.example",
                ".env.development.example",
            )
        ]
    out += [d / ".example" / name, d.parent / f"{d.name}.example" / name, d.parent / f"{d.name}-example" / name]
    return out


def template_for(path: Path) -> Path | None:
    for cand in template_candidates(path):
        try:
            if cand.exists() and cand != path:
                return cand
        except OSError:
            continue
    return None


def provision(project: Project, path: Path) -> Provision | None:
    """How ``path`` (missing or git-ignored) is put into place: a wrapper or README step, or a template."""
    from viworks_lint.project import norm_path

    key = norm_path(path)
    step = project.wrappers.created.get(key)
    if step is None:  # a step that creates the folder the file is in
        for parent in key.parents:
            found = project.wrappers.created.get(parent)
            if found is not None and found.text.split()[0] in ("cp", "install") and "-r" in found.text.split():
                step = found
                break
            if parent == project.root:
                break
    template = template_for(path)
    if step is not None and template is None and step.text.split()[0] in ("cp", "install"):
        words = [w for w in step.text.split()[1:] if not w.startswith("-")]
        if len(words) >= 2:
            template = (step.location.path.parent / words[0]) if not words[0].startswith("/") else None
    if step is None and template is None:
        return None
    return Provision(key, template, step)


def commented_names(path: Path) -> set[str]:
    """Names that appear only commented out (``# X=``) in an env file: deliberately optional."""
    try:
        text = read_text(path)
    except (ReadError, OSError):
        return set()
    return {m.group(1) for line in text.splitlines() if (m := _COMMENTED.match(line))}


def is_template_name(name: str) -> bool:
    low = name.lower()
    parts = re.split(r"[._\-]", low)
    return any(w in parts for w in TEMPLATE_WORDS)
