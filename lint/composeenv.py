"""The variables a compose file set is interpolated with, and where each comes from: the project directory's
``.env`` (or the wrappers' ``--env-file``s), the configured env files, the templates and steps that put an absent
or git-ignored env file into place, the variables the wrappers set, and the names every shell exports."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from viworks_lint.composeinclude import inclusions
from viworks_lint.conventions import SHELL_VARIABLES, commented_names, provisions
from viworks_lint.project import norm_path

if TYPE_CHECKING:
    from viworks_lint.composeruns import Invocation
    from viworks_lint.conventions import Provision
    from viworks_lint.project import Project


@dataclass
class ComposeEnv:
    """Where a compose project's interpolation variables come from, besides its own ``.env``."""

    sources: list[Path] = field(default_factory=list)  # env files read (.env, --env-file, config env-files)
    templates: list[Provision] = field(default_factory=list)  # absent/ignored env files and their templates
    template_names: dict[str, Provision] = field(default_factory=dict)  # variable → the template defining it
    generated: list[Provision] = field(default_factory=list)  # absent env files a step writes from no template
    optional: set[str] = field(default_factory=set)  # names only commented out (`# X=`): deliberately optional
    weak: set[str] = field(default_factory=set)  # names only a template beside the file defines, no step copies
    wrapper_vars: dict[str, Invocation] = field(default_factory=dict)  # `VAR=… docker compose` of a wrapper
    invocations: tuple[Invocation, ...] = ()  # the wrapper commands that run this file set


def interpolation_env(
    project: Project, group: list[Path], invocations: Sequence[Invocation], extra_env_files: Sequence[Path]
) -> tuple[dict[str, str], ComposeEnv]:
    """The variables ``group`` is interpolated with, and where they come from."""
    project_dir = group[0].parent
    env: dict[str, str] = {}
    setup = ComposeEnv(invocations=tuple(invocations))
    # `--env-file` replaces the project directory's `.env` (compose reads `.env` only when none is given)
    dotenv = [] if invocations and all(i.env_files for i in invocations) else [project_dir / ".env"]
    # a file another compose file `include:`s (and no wrapper runs on its own) is interpolated with the including
    # project's variables merged with its entry's `env_file`, or else its own project directory's `.env`
    included: list[Path] = []
    if len(group) == 1 and not invocations:
        pulled_in = inclusions(project).get(norm_path(group[0]), [])
        if pulled_in:
            dotenv = []
            included = [e for inc in pulled_in for e in (*inc.own, *inc.inherited)]
    candidates = [
        *dotenv,
        *included,
        *extra_env_files,
        *(f for i in invocations for f in i.env_files),
        *(f for i in invocations for f in i.shell_env_files),
    ]
    for candidate in dict.fromkeys(norm_path(c) for c in candidates):
        present = candidate.is_file()
        ef = project.env_file(candidate) if present else None
        if ef is not None:
            for k, v in ef.as_dict().items():
                env.setdefault(k, v)
            setup.sources.append(candidate)
            setup.optional.update(commented_names(candidate))
        if present and not project.is_gitignored(candidate):
            continue
        # absent or git-ignored: what the repository copies into place
        for prov in provisions(project, candidate, dev_values=True):
            for name, echoed in _echoed(prov.step.text if prov.step is not None and not present else ""):
                env.setdefault(name, echoed)  # `echo "NAME=value" >> .env.prod` in a CI step: that line is the file's
            tmpl = project.env_file(prov.template) if prov.template is not None and prov.template.is_file() else None
            if prov.template is None and prov.step is not None and not present and _writes_content(prov.step.text):
                setup.generated.append(prov)  # `tool env create -o .env`: what it writes cannot be read
            if tmpl is None or prov.template is None or any(t.template == prov.template for t in setup.templates):
                continue
            setup.templates.append(prov)
            for k, v in tmpl.as_dict().items():
                if k not in env and prov.step is None:
                    setup.weak.add(k)  # a template nothing copies into place: a compose default outweighs it
                env.setdefault(k, v)
                setup.template_names.setdefault(k, prov)
            setup.optional.update(commented_names(prov.template))
    stated: dict[str, set[str | None]] = {}  # name → the values the wrappers give it (None: the host's)
    for inv in invocations:
        values = dict(inv.values)
        for name in inv.variables:
            stated.setdefault(name, set()).add(values.get(name))
            setup.wrapper_vars.setdefault(name, inv)
    for name, found in stated.items():
        value = next(iter(found)) if len(found) == 1 else None  # one stated value, or unknown
        env.setdefault(name, value if value is not None else f"${{{name}}}")
    for name in SHELL_VARIABLES:
        env.setdefault(name, f"${{{name}}}")  # every shell exports it; its value is the host's
    for name in project.config.provided_env:
        env.setdefault(name, "")
    setup.optional.difference_update(env)
    return env, setup


_ECHOED = re.compile(r"^(?:echo|printf)\s+(?:-e\s+)?[\"']?([A-Za-z_][A-Za-z0-9_]*)=([^\"'\n]*?)[\"']?\s*>>?\s*\S+\s*$")


def _echoed(command: str) -> list[tuple[str, str]]:
    """The `NAME=value` a step writes into the file (`echo "PORT=5000" >> .env.prod`), when it is one."""
    m = _ECHOED.match(command.strip())
    return [(m.group(1), m.group(2).replace("\\n", ""))] if m is not None else []


def _writes_content(command: str) -> bool:
    """A step that writes a file whose content cannot be read here (a generator, `tool env create -o .env`), not
    an empty one (`touch .env`, `: > .env`) nor one whose lines are written out (`echo "X=1" > .env`)."""
    words = command.split()
    return bool(words) and words[0] not in _SHOWN_WRITERS and not command.lstrip().startswith(">")


_SHOWN_WRITERS = frozenset({"touch", ":", "mkdir", "true", "echo", "printf", "cat", "tee", "cp", "install", "ln"})
