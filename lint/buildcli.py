"""The words of a `docker build` (`buildx build`, `image build`) command line: the Dockerfile, the target, the
tags, the context and whether it pushes, with the flags that take a value kept apart from the context."""

from __future__ import annotations

from dataclasses import dataclass

_VALUE_FLAGS = {
    "-t",
    "--tag",
    "--build-arg",
    "--platform",
    "--label",
    "--cache-from",
    "--cache-to",
    "--secret",
    "--ssh",
    "--output",
    "-o",
    "--progress",
    "--builder",
    "--network",
    "--build-context",
    "--iidfile",
    "--metadata-file",
    "--annotation",
    "--attest",
    "--sbom",
    "--provenance",
    "--allow",
    "--shm-size",
    "--ulimit",
    "--add-host",
}


@dataclass(frozen=True)
class BuildArgs:
    """What the arguments of a `docker build` (`buildx build`, `image build`) say."""

    file: str | None  # `-f`/`--file`
    target: str | None  # `--target`
    positional: tuple[str, ...]  # the context, unless the command names several
    push: bool  # `--push` or `--output=…push=true`
    tags: tuple[str, ...] = ()  # `-t`/`--tag`


def build_args(args: list[str]) -> BuildArgs:
    """Read the words after `docker build`: the flags that take a value do not count as the context."""
    file_rel: str | None = None
    target: str | None = None
    positional: list[str] = []
    tags: list[str] = []
    push = False
    i = 0
    while i < len(args):
        w = args[i]
        if w in ("-t", "--tag") and i + 1 < len(args):
            tags.append(args[i + 1])
            i += 2
            continue
        if w.startswith("--tag="):
            tags.append(w.split("=", 1)[1])
        if w in ("-f", "--file") and i + 1 < len(args):
            file_rel = args[i + 1]
            i += 2
            continue
        if w.startswith("--file="):
            file_rel = w.split("=", 1)[1]
        elif w == "--target" and i + 1 < len(args):
            target = args[i + 1]
            i += 2
            continue
        elif w.startswith("--target="):
            target = w.split("=", 1)[1]
        elif w == "--push" or (w.startswith("--output=") and "push=true" in w):
            push = True
        elif w in _VALUE_FLAGS:
            i += 2
            continue
        elif not w.startswith("-"):
            positional.append(w)
        i += 1
    return BuildArgs(file_rel, target, tuple(positional), push, tuple(tags))
