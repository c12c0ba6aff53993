"""``--show-project``: the model the rules read, as plain data (JSON schema ``schemas/project-view.schema.json``).

Per compose project (files, scope, how they were combined): each service → its build (context,
Dockerfile, target) → the final image (base, user, init, entrypoint) → the binary → the crates and their
manifests → routes, listen addresses, required env reads; image-only services with the image facts;
``depends_on`` edges with conditions; nginx upstreams → services; and every link that could *not* be
made, with the reason, since that is where the rules made no claim."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from viworks_lint.code import ServiceCode, service_code
from viworks_lint.dockerutil import target_stage
from viworks_lint.findings import Finding
from viworks_lint.imagecode import why_no_code
from viworks_lint.images import lookup
from viworks_lint.parsers.compose import ComposeProject, Service
from viworks_lint.parsers.dockerfile import Instruction
from viworks_lint.probes import service_probes
from viworks_lint.project import Build, Project, norm_path
from viworks_lint.runtime import (
    compose_host_names,
    container_env,
    effective_listens,
    mounted_nginx_configs,
    split_hostport,
)

VIEW_VERSION = 1


def _instr_words(instr: Instruction | None) -> list[str] | None:
    if instr is None:
        return None
    return list(instr.args) if instr.json else [" ".join(instr.args)]


def _combined(project: Project, compose: ComposeProject) -> str:
    if len(compose.files) == 1:
        return "one file"
    names = " ".join(f"-f {project.rel(f)}" for f in compose.files)
    return f"merged in order ({names})"


def _scope(project: Project, path: Path) -> dict[str, str] | None:
    info = project.scope_info(path)
    return {"scope": info.scope.value, "reason": info.reason} if info is not None else None


def _code(project: Project, svc: Service, code: ServiceCode) -> dict[str, Any]:
    env = container_env(project, svc, code.build)
    listens = effective_listens(code.listens, env)
    return {
        "binaries": sorted({c.name for c in code.built.copied} or {b for m in code.packages for b in m.bin_names()}),
        "crates": [
            {"name": m.package_name, "manifest": project.rel(m.path), "frameworks": list(code.frameworks)}
            for m in code.packages
        ],
        "routes": [
            {
                "path": r.path,
                "methods": list(r.methods),
                "prefix": r.is_prefix,
                "at": f"{project.rel(r.location.path)}:{r.location.line}",
            }
            for r in sorted(code.routes, key=lambda r: (r.path, r.methods))
        ],
        "routes_resolved": code.routes_resolved,
        "listen": [
            {"host": li.host, "port": li.port, "host_from": li.host_from, "port_from": li.port_from} for li in listens
        ],
        "required_env": [
            {"name": r.name, "provided": env.has(r.name), "at": f"{project.rel(r.location.path)}:{r.location.line}"}
            for r in sorted(code.env_reads, key=lambda r: r.name)
            if r.kind == "runtime" and r.required
        ],
    }


def _service(
    project: Project, svc: Service, unlinked: list[dict[str, str]], marks: dict[str, list[str]]
) -> dict[str, Any]:
    build = project.build_of_service(svc)
    out: dict[str, Any] = {
        "findings": marks.get("service", []),
        "name": svc.name,
        "file": project.rel(svc.file),
        "line": svc.location.line,
        "image": svc.image,
        "ports": [
            {"host_ip": p.host_ip, "published": p.published, "target": p.target, "protocol": p.protocol}
            for p in svc.ports
        ],
        "depends_on": [{"service": d.name, "condition": d.condition or "service_started"} for d in svc.depends_on],
        "healthcheck": None,
        "build": None,
        "code": None,
    }
    if svc.healthcheck is not None:
        probes = service_probes(project, svc)
        out["healthcheck"] = {
            "test": list(svc.healthcheck.test) if svc.healthcheck.test else None,
            "start_period": svc.healthcheck.start_period,
            "probes": [{"url": p.url, "path": p.path, "port": p.port} for p in probes],
        }
    if svc.build is None:
        facts = lookup(svc.image or "", project.config.base_images) if svc.image else None
        out["image_facts"] = (
            {
                "known": facts.known,
                "distro": facts.distro,
                "libc": facts.libc,
                "shell": facts.shell,
                "nonroot": facts.nonroot,
                "init_entrypoint": facts.init_entrypoint,
            }
            if facts is not None
            else None
        )
        return out
    out["build"] = _build(project, svc, build)
    out["build"]["findings"] = marks.get("build", [])
    code = service_code(project, svc)
    if code is None:
        reason = why_no_code(project, svc, build)
        unlinked.append({"from": f"service {svc.name}", "to": "Rust code", "reason": reason})
    else:
        out["code"] = _code(project, svc, code)
        out["code"]["findings"] = marks.get("code", [])
        if not code.routes_resolved:
            unlinked.append(
                {
                    "from": f"service {svc.name}",
                    "to": "routes",
                    "reason": "some router could not be followed (a router passed in from another crate, a macro, "
                    "or a function not found): no route claims for this service",
                }
            )
    return out


def _build(project: Project, svc: Service, build: Build | None) -> dict[str, Any]:
    spec = svc.build
    assert spec is not None
    out: dict[str, Any] = {
        "context": project.rel(norm_path(spec.context)) if spec.context is not None else spec.context_raw,
        "dockerfile": project.rel(norm_path(spec.dockerfile)) if spec.dockerfile is not None else None,
        "target": spec.target,
        "final_image": None,
    }
    if build is None or build.dockerfile is None:
        return out
    out["dockerfile_scope"] = _scope(project, build.dockerfile_path)
    stage = target_stage(build.dockerfile, build.target)
    if stage is not None:
        st = stage.state
        out["final_image"] = {
            "stage": stage.label,
            "base": build.dockerfile.root_base(stage),
            "user": svc.user or st.user,
            "init": bool(svc.init),
            "entrypoint": list(svc.entrypoint) if isinstance(svc.entrypoint, tuple) else _instr_words(st.entrypoint),
            "cmd": list(svc.command) if isinstance(svc.command, tuple) else _instr_words(st.cmd),
        }
    return out


def _proxies(project: Project, compose: ComposeProject) -> list[dict[str, Any]]:
    hosts = compose_host_names(compose)
    out: list[dict[str, Any]] = []
    for svc in compose.services.values():
        confs = [project.nginx(p) for p in mounted_nginx_configs(compose, svc)]
        upstreams = {u.name: u for c in confs for u in c.upstreams}
        for conf in confs:
            for pp in conf.proxies:
                netloc = pp.target.split("://", 1)[-1].split("/", 1)[0]
                servers = [s for s, _ in upstreams[netloc].servers] if netloc in upstreams else [netloc]
                for server in servers:
                    host, port = split_hostport(server, 80)
                    target = hosts.get(host)
                    out.append(
                        {
                            "service": svc.name,
                            "config": project.rel(conf.path),
                            "location": pp.location_prefix,
                            "upstream": server,
                            "to_service": target.name if target is not None else None,
                            "port": port,
                        }
                    )
    return out


def build_view(project: Project, findings: Sequence[Finding]) -> dict[str, Any]:
    unlinked: list[dict[str, str]] = []
    composes = []
    for compose in project.composes:
        marks = _marks(project, compose, findings)
        services = [_service(project, svc, unlinked, marks.get(svc.name, {})) for svc in compose.services.values()]
        composes.append(
            {
                "files": [project.rel(f) for f in compose.files],
                "directory": project.rel(compose.project_dir),
                "combined": _combined(project, compose),
                "scope": _scope(project, compose.files[0]),
                "services": services,
                "proxies": _proxies(project, compose),
            }
        )
    built = {norm_path(b.dockerfile_path) for b in project.builds if b.service is not None}
    standalone = [
        {
            "dockerfile": project.rel(b.dockerfile_path),
            "context": project.rel(b.context),
            "target": b.target,
            "scope": _scope(project, p),
        }
        for b in project.builds
        if b.service is None and (p := norm_path(b.dockerfile_path)) not in built
    ]
    return {
        "schema": "viworks-lint/project-view",
        "version": VIEW_VERSION,
        "compose_projects": composes,
        "standalone_dockerfiles": standalone,
        "unlinked": unlinked,
        "findings": _finding_index(project, findings),
    }


def _finding_index(project: Project, findings: Sequence[Finding]) -> list[dict[str, Any]]:
    return [
        {"rule": f.rule_id, "path": project.rel(f.location.path), "line": f.location.line, "message": f.message}
        for f in findings
    ]


_CRATE_FILES = ("Cargo.toml", "Cargo.lock", "build.rs")


def _marks(project: Project, compose: ComposeProject, findings: Sequence[Finding]) -> dict[str, dict[str, list[str]]]:
    """Which findings belong to which node: a service (its lines of a compose file), its image (the
    Dockerfile and the files of the build context) or its crates (Rust code and manifests)."""
    out: dict[str, dict[str, list[str]]] = {}
    starts: dict[Path, list[tuple[int, str]]] = {}
    for svc in compose.services.values():
        starts.setdefault(norm_path(svc.location.path), []).append((svc.location.line, svc.name))
    for lst in starts.values():
        lst.sort()
    for f in findings:
        path = norm_path(f.location.path)
        if path in starts:
            owner = [name for line, name in starts[path] if line <= f.location.line]
            if owner:
                out.setdefault(owner[-1], {}).setdefault("service", []).append(f.rule_id)
            continue
        for svc in compose.services.values():
            build = project.build_of_service(svc)
            if build is None:
                continue
            code = service_code(project, svc)
            dirs = [m.dir for m in code.packages] if code is not None else []
            rust = path.suffix == ".rs" or path.name in _CRATE_FILES
            if rust and any(d == path.parent or d in path.parents for d in dirs):
                out.setdefault(svc.name, {}).setdefault("code", []).append(f.rule_id)
            elif path == norm_path(build.dockerfile_path) or (not rust and build.context in path.parents):
                out.setdefault(svc.name, {}).setdefault("build", []).append(f.rule_id)
    return out
