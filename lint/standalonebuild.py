"""The build of a Dockerfile no compose service builds: the stages scripts or CI build it to (``--target``), and
its context (the one a wrapper or CI step gives it, else found from where its COPY sources are)."""

from __future__ import annotations

import re
from pathlib import Path

from viworks_lint.dockerutil import commands, copy_sources, logical_lines, match_context, reachable_stages
from viworks_lint.hostbuild import cli_builds, declared_context, declared_targets, wrappers
from viworks_lint.parsers.dockerfile import Dockerfile
from viworks_lint.project import Project, norm_path
from viworks_lint.releases import releases
from viworks_lint.scope import Scope, scope_from_name

# cargo commands that need the workspace root manifest: `cargo chef prepare`, a package picked with `-p`
_WHOLE_WORKSPACE = re.compile(
    r"\bcargo\s+chef\s+prepare\b|\bcargo\s+(?:\+\S+\s+)?build\b[^\n]*\s(?:-p|--package|--workspace)\b"
)


def standalone_targets(project: Project, df: Dockerfile) -> list[str | None]:
    """The stages scripts or CI build a Dockerfile no compose service builds to (``--target``, when each
    names a stage of it); else the last stage, as a plain ``docker build`` does."""
    names = {st.name.lower() for st in df.stages if st.name}
    targets = declared_targets(project, df.path)
    last = "" in targets  # also built to its last stage
    targets.discard("")
    if not targets or not all(t.lower() in names for t in targets):
        return [None]
    # a `--target test` stage CI runs is no image anyone ships, nor one CI builds only to run its tests in
    tested = tested_targets(project, df)
    shipped: list[str | None] = [
        t
        for t in sorted(targets)
        if (scope_from_name(t) or (Scope.DEPLOY, ""))[0] is Scope.DEPLOY and t.lower() not in tested
    ]
    if last:
        # stages the last one is built from, built on their own first to warm the cache, ship nothing
        feeding = {st.name.lower() for st in reachable_stages(df) if st.name}
        pushed = pushed_targets(project, df)
        shipped = [t for t in shipped if t is not None and (t.lower() not in feeding or t.lower() in pushed)]
        return [*shipped, None]
    return shipped or [None]


# what a test image is run for: the tests, lints or checks of the code inside it
_CHECK = re.compile(
    r"(?:cargo\s+(?:\+\S+\s+)?(?:test|t|nextest|clippy|fmt|check|c|audit|deny|tarpaulin|llvm-cov)"
    r"|make\s+(?:test|check|lint)|just\s+(?:test|check|lint)|(?:\./)?(?:run[_-])?tests?(?:\.sh)?)(?![\w-])"
)
# `docker run` flags that take a value (the image is the first word that is neither a flag nor a flag's value)
_RUN_VALUE_FLAGS = frozenset({
    "-e", "--env", "--env-file", "-v", "--volume", "--mount", "-w", "--workdir", "--name", "-p", "--publish",
    "--network", "--net", "-u", "--user", "--platform", "--entrypoint", "-l", "--label", "--add-host", "--cpus", "-m",
    "--memory", "--shm-size", "--ulimit", "--cap-add", "--cap-drop", "--device", "--tmpfs", "-h", "--hostname",
    "--pull", "--runtime", "--security-opt", "--gpus", "--ipc", "--pid", "--log-driver", "--restart", "--link",
    "--log-opt", "--dns", "--group-add", "--stop-signal", "--stop-timeout", "--cidfile", "--health-cmd",
})  # fmt: skip


def _runs_of(text: str, image: str) -> list[list[str]]:
    """The command each `docker run … <image> <command>` of a wrapper's text runs in ``image``."""
    return [command for _line, _flags, command in _run_lines(text, image)]


def _checks_only(words: list[str]) -> bool:
    """Every command of the line a run gives the image is a check (`cargo test`, `sh -c 'cargo fmt --check &&
    cargo test'`), not a server started after the tests."""
    text = words[2] if len(words) >= 3 and words[0].rsplit("/", 1)[-1] in ("sh", "bash") and words[1] == "-c" else (
        " ".join(words)
    )
    parts = commands(text)
    return bool(parts) and all(_CHECK.match(" ".join(part)) for part in parts)


def tested_targets(project: Project, df: Dockerfile) -> frozenset[str]:
    """The stages (lower-cased) a CI workflow or script builds the Dockerfile to and tags only to run checks in:
    `docker build --target dirs -t server-tests .` then `docker run server-tests cargo test`. A test image,
    not one anyone ships (unless some build of that stage is pushed, or its image runs anything else)."""
    rel = project.rel(df.path)
    tested: set[str] = set()
    other: set[str] = set()
    for w in wrappers(project):
        if "target" not in w.text:
            continue
        for built, parsed in cli_builds(w.text):
            if built != rel or not parsed.target:
                continue
            runs = [run for tag in parsed.tags for run in _runs_of(w.text, tag)]
            checks = bool(runs) and not parsed.push and all(_checks_only(run) for run in runs)
            (tested if checks else other).add(parsed.target.lower())
    return frozenset(tested - other - pushed_targets(project, df))


def pushed_targets(project: Project, df: Dockerfile) -> set[str]:
    """The stages (lower-cased; "" for the last one) CI builds the Dockerfile to and pushes."""
    return {(r.target or "").lower() for r in releases(project) if norm_path(r.dockerfile) == norm_path(df.path)}


def standalone_context(project: Project, df: Dockerfile) -> Path:
    """The context of a Dockerfile no compose service builds: the one a CI workflow, Makefile or script
    gives it (``docker build -f <it> <context>``, ``docker/build-push-action``), else its own directory,
    unless its COPY sources are only found higher up (``docker build -f docker/Dockerfile .`` from the repository
    root is common in CI); then the nearest ancestor, up to the project root, where most are found."""
    declared = declared_context(project, df.path)
    if declared is not None:
        return norm_path(declared)
    sources = [
        src.value
        for stage in reachable_stages(df)
        for instr in stage.instructions
        for src in copy_sources(instr)
        if src.resolved and not src.value.startswith("..")
    ]
    here = df.path.parent
    member = project.manifests.get(here / "Cargo.toml")
    ws = project.workspace_root(member) if member is not None and member.workspace is None else None
    runs = " ".join(i.original for st in df.stages for i in st.instructions if i.cmd == "RUN")
    whole = all(src.rstrip("/") in (".", "") for src in sources)  # `COPY . .` says nothing of the context
    if ws is not None and whole and _WHOLE_WORKSPACE.search(runs):
        return ws.dir  # a member's Dockerfile that plans or picks packages of the workspace: built from its root
    if not sources:
        return here
    best, best_score = here, sum(1 for s in sources if match_context(here, s))
    if best_score == len(sources):
        return here
    for parent in here.parents:
        try:
            parent.relative_to(project.root)
        except ValueError:
            break
        score = sum(1 for s in sources if match_context(parent, s))
        if score > best_score:
            best, best_score = parent, score
        if parent == project.root:
            break
    return best


def one_off_run(project: Project, df: Dockerfile) -> tuple[Path, int, str] | None:
    """Where the repository runs the image it builds from ``df`` (`docker build -f Dockerfile.cli -t app-cli .`)
    only as a one-off command: every `docker run` of that tag, in any wrapper or document, removes the container
    when it ends (`--rm`), runs it in the foreground (no `-d`, no `--restart`), publishes no port, is not on the
    host network and gives it a command (`app-cli register -u admin`). Such an image is an admin tool, not a
    service; None when it is pushed, run any other way, or not run at all."""
    if pushed_targets(project, df):
        return None
    rel = project.rel(df.path)
    tags: set[str] = set()
    for w in wrappers(project):
        for built, parsed in cli_builds(w.text):
            if built != rel:
                continue
            if parsed.push:
                return None
            tags.update(t for t in parsed.tags if "$" not in t)  # `-t $IMAGE`: a name only CI knows
    found: tuple[Path, int, str] | None = None
    for w in wrappers(project) if tags else []:
        for tag in tags:
            for lineno, flags, command in _run_lines(w.text, tag):
                if "--rm" not in flags or not command or not _foreground(flags):
                    return None
                shown = f"docker run --rm {tag} {command[0]}" + (" …" if len(command) > 1 else "")
                found = found or (w.path, lineno, shown)
    return found


def _foreground(flags: list[str]) -> bool:
    """A `docker run` whose options neither detach nor restart the container, publish no port and use no host
    network (`-dit` counts as `-d`)."""
    for flag in flags:
        name, _, value = flag.partition("=")
        if name in ("--detach", "--restart", "--publish", "--publish-all") or (
            name in ("--network", "--net") and value == "host"
        ):
            return False
        if not name.startswith("--") and set(name[1:]) & {"d", "p", "P"}:
            return False
    return True


def _run_lines(text: str, image: str) -> list[tuple[int, list[str], list[str]]]:
    """Each `docker run … <image> <command>` of a wrapper's text: its line, its options (with their values, as
    `--name=value`) and the command."""
    out: list[tuple[int, list[str], list[str]]] = []
    for lineno, logical in logical_lines(text):
        if "run" not in logical or image not in logical:
            continue
        for words in commands(logical):
            if words[:2] != ["docker", "run"]:
                continue
            i, flags = 2, []
            while i < len(words) and words[i].startswith("-"):
                if words[i] in _RUN_VALUE_FLAGS and i + 1 < len(words):
                    flags.append(f"{words[i]}={words[i + 1]}")
                    i += 2
                else:
                    flags.append(words[i])
                    i += 1
            if i < len(words) and words[i] in (image, f"{image}:latest"):
                out.append((lineno, flags, words[i + 1 :]))
    return out
