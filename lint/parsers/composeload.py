"""Compose files → a typed, merged model of services.

Files are parsed with ruamel.yaml's round-trip loader, interpolated from the project's ``.env`` (and
``--env-file`` / config variables), validated against the Compose Specification, then merged in
compose's order (base, then overrides) with compose's merge rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from pathlib import Path

from viworks_lint.location import Location
from viworks_lint.parsers import compose_schema
from viworks_lint.parsers.common import Problem, ReadError, read_text
from viworks_lint.parsers.compose import ComposeProject
from viworks_lint.parsers.composemerge import merge_nodes
from viworks_lint.parsers.composeservices import build_project
from viworks_lint.parsers.interpolation import Interpolator
from viworks_lint.parsers.yamlnode import MAX_EXPANDED_NODES, YNode, expanded_size, load, to_node


@dataclass
class ComposeLoad:
    project: ComposeProject | None
    problems: list[Problem]


def load_file(path: Path, interp: Interpolator) -> tuple[YNode | None, list[Problem]]:
    """Read, parse, check aliases, interpolate and schema-check one compose file."""
    try:
        text = read_text(path)
    except ReadError as exc:
        return None, [exc.problem]
    if not text.strip():
        return None, [Problem("VW001", "compose file is empty", Location(path), key="empty")]
    try:
        data = load(path, text)
    except ReadError as exc:
        return None, [exc.problem]
    if expanded_size(data) > MAX_EXPANDED_NODES:
        return None, [
            Problem(
                "VW001",
                f"YAML aliases expand to more than {MAX_EXPANDED_NODES} nodes; refusing to expand",
                Location(path),
                key="alias-bomb",
            )
        ]
    if data is None:
        return None, [Problem("VW001", "compose file holds no document", Location(path), key="empty")]
    try:
        root = to_node(path, data, interp, text)
    except RecursionError:
        return None, [Problem("VW001", "YAML nesting is too deep to lint", Location(path), key="deep")]
    if not root.is_map:
        return None, [Problem("VW002", "a compose file must be a mapping at the top level", root.loc, key="top")]
    try:
        problems = compose_schema.validate(root)
    except RecursionError:
        problems = [Problem("VW001", "YAML nesting is too deep to validate", Location(path), key="deep")]
    return root, problems


def load_project(
    files: Sequence[Path], env: Mapping[str, str], env_sources: Sequence[Path] = (), weak: Set[str] = frozenset()
) -> ComposeLoad:
    """Load compose files as one project (the first is the base, the rest override it in order). ``weak`` names are
    set only by a template nothing copies into place: a reference's own default (`${X:-db}`) outweighs them."""
    interp = Interpolator(env, weak)
    problems: list[Problem] = []
    roots: list[YNode] = []
    for path in files:
        root, probs = load_file(path, interp)
        problems.extend(probs)
        if root is not None:
            roots.append(root)
    if not roots:
        return ComposeLoad(None, problems)
    merged = roots[0]
    for other in roots[1:]:
        merged = merge_nodes(merged, other, ())
    project_dir = files[0].parent
    try:
        project = build_project(merged, tuple(files), project_dir, interp.refs, tuple(env_sources))
    except RecursionError:
        return ComposeLoad(None, problems)
    return ComposeLoad(project, problems)
