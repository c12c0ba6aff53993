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


def provisions(project: Project, path: Path) -> list[Provision]:
    """How ``path`` (missing or git-ignored) is put into place: the steps of wrappers and the README that
    create it (with what they copy), then a template beside it."""
    from viworks_lint.project import norm_path

    key = norm_path(path)
    steps = list(project.wrappers.created.get(key, ()))
    if not steps:  # `cp -r config.example config` creates the files inside too
        for parent in key.parents:
            steps = [s for s in project.wrappers.created.get(parent, ()) if s.source is not None]
            if steps or parent == project.root or parent == parent.parent:
                break
    beside = template_for(path)
    out = [Provision(key, s.source if s.source is not None and s.source.is_file() else beside, s) for s in steps]
    if beside is not None and not any(p.template == beside for p in out):
        out.append(Provision(key, beside, None))
    return out


def provision(project: Project, path: Path) -> Provision | None:
    found = provisions(project, path)
    return found[0] if found else None


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
