"""One lint run over a project: build the model, run the rules, and keep what came out in the cache, so a
second run over an unchanged project replays it instead of reading everything again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from viworks_lint import cache
from viworks_lint.cachecodec import Unencodable, decode, encode
from viworks_lint.config import Config
from viworks_lint.findings import Finding
from viworks_lint.rule import Rule


@dataclass
class RunOutput:
    findings: list[Finding]
    errors: list[str] = field(default_factory=list)  # internal errors (a rule crashed): never cached
    suppressed: int = 0
    files: list[Path] = field(default_factory=list)  # every file the run read
    configs: list[Path] = field(default_factory=list)  # .viworks-lint.toml files below the root (subprojects)
    cached: bool = False
    # compose files judged not to be deployed: (path, scope, reason), so the output can say why it is quiet
    not_deployed: list[tuple[Path, str, str]] = field(default_factory=list)

    @property
    def files_checked(self) -> int:
        return len(self.files)


def lint(
    root: Path,
    config: Config,
    rules: Sequence[Rule],
    *,
    paths: Sequence[Path] = (),
    compose_files: Sequence[Path] = (),
    env_files: Sequence[Path] = (),
    report_unused: bool = False,
) -> RunOutput:
    store = cache.current()
    key: dict[str, Any] = {
        "root": str(root),
        "config": repr(config),
        "rules": [r.id for r in rules],
        "paths": [str(p) for p in paths],
        "compose": [str(p) for p in compose_files],
        "env": [str(p) for p in env_files],
        "unused": report_unused,
    }
    if store is not None:
        hit = store.get("run", key)
        if hit is not None:
            try:
                value = decode(hit[0])
                files = [Path(f) for f in value["files"]]
                configs = [Path(f) for f in value["configs"]]
                judged = [(Path(f), str(scope), str(why)) for f, scope, why in value["not_deployed"]]
                return RunOutput(list(value["findings"]), [], int(value["suppressed"]), files, configs, True, judged)
            except Exception:
                pass  # an entry this version cannot read: lint again and overwrite it
    recorder = cache.Recorder()
    with recorder.active():
        out = _lint(root, config, rules, paths, compose_files, env_files, report_unused)
    recorder.add(root / ".git" / "index")  # what git tracks (and file modes) is read through git itself
    if store is not None and not out.errors:
        try:
            value = encode(
                {
                    "findings": out.findings,
                    "suppressed": out.suppressed,
                    "files": sorted(str(f) for f in out.files),
                    "configs": [str(f) for f in out.configs],
                    "not_deployed": [[str(f), scope, why] for f, scope, why in out.not_deployed],
                }
            )
        except Unencodable:
            return out
        store.put("run", key, value, recorder.as_list())
    return out


def _lint(
    root: Path,
    config: Config,
    rules: Sequence[Rule],
    paths: Sequence[Path],
    compose_files: Sequence[Path],
    env_files: Sequence[Path],
    report_unused: bool,
) -> RunOutput:
    from viworks_lint.engine import Engine
    from viworks_lint.project import Project
    from viworks_lint.scope import Scope

    project = Project(root, config, paths=list(paths), compose_files=list(compose_files), env_files=list(env_files))
    engine = Engine(project, rules, report_unused_suppressions=report_unused)
    result = engine.run()
    files = sorted(project.files_read())
    errors = list(result.errors)
    try:
        judged = sorted(
            (path, info.scope.value, info.reason)
            for path, info in project.scopes.items()
            if info.kind == "compose" and info.scope is not Scope.DEPLOY
        )
    except Exception as exc:  # the scopes are a courtesy line of the report: a failure there stops no run
        judged = []
        errors.append(f"internal error while judging the deployment scope: {type(exc).__name__}: {exc}")
    configs = list(project.discovered.configs)
    return RunOutput(result.findings, errors, result.suppressed, files, configs, not_deployed=judged)
