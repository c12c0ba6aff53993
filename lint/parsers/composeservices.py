"""A merged compose mapping → the typed model: each service's build, environment, env files, healthcheck,
ports, mounts and references as compose reads them, and the project's top-level resources."""

from __future__ import annotations

import re
from pathlib import Path

from viworks_lint.location import Location
from viworks_lint.parsers.common import user_path
from viworks_lint.parsers.compose import (
    AdditionalContext,
    BuildSpec,
    ComposeProject,
    EnvFileRef,
    EnvVar,
    Healthcheck,
    Mount,
    Port,
    Reference,
    Resource,
    Service,
)
from viworks_lint.parsers.composemerge import as_map
from viworks_lint.parsers.interpolation import VarRef
from viworks_lint.parsers.yamlnode import YNode


def _text(node: YNode | None) -> str | None:
    return node.text() if node is not None else None


def _is_remote(context: str) -> bool:
    lower = context.lower()
    return (
        lower.startswith(("http://", "https://", "git://", "git@", "ssh://", "github.com/"))
        or lower.endswith(".git")
        or "://" in lower
    )


def _resolve(base: Path, raw: str) -> Path:
    p = user_path(raw)
    return p if p.is_absolute() else base / p


def default_dockerfile(path: Path) -> Path:
    """``path`` itself, or the lowercase ``dockerfile`` beside it when ``path`` is a missing ``Dockerfile``:
    BuildKit loads both names and uses the lowercase one when ``Dockerfile`` is absent (moby/buildkit
    frontend/dockerui, "dockerfile is also supported casing moby/moby#10858"; the docker CLI does the same
    for its default name)."""
    if path.name != "Dockerfile" or path.is_file():
        return path
    lower = path.with_name("dockerfile")
    try:
        names = {p.name for p in path.parent.iterdir()}
    except OSError:
        return path
    return lower if "dockerfile" in names and lower.is_file() else path


def _build_spec(node: YNode, project_dir: Path) -> BuildSpec | None:
    if node.value is None:
        return None
    if not node.is_map:
        raw = node.text() or "."
        remote = _is_remote(raw)
        ctx = None if remote else _resolve(project_dir, raw)
        return BuildSpec(
            node.loc, raw, ctx, node.loc, None, None if ctx is None else default_dockerfile(ctx / "Dockerfile"), None
        )
    ctx_node = node.get("context")
    raw = _text(ctx_node) or "."
    remote = _is_remote(raw)
    ctx = None if remote else _resolve(project_dir, raw)
    df_node = node.get("dockerfile")
    df_raw = _text(df_node)
    inline = _text(node.get("dockerfile_inline"))
    dockerfile: Path | None = None
    if ctx is not None and inline is None:
        dockerfile = default_dockerfile(_resolve(ctx, df_raw) if df_raw else ctx / "Dockerfile")
    args: dict[str, str | None] = {}
    args_node = node.get("args")
    if args_node is not None:
        for k, v in as_map(args_node).items():
            args[k] = v.text()
    extra: list[AdditionalContext] = []
    ac = node.get("additional_contexts")
    if ac is not None:
        for k, v in as_map(ac).items():
            text = v.text() or ""
            local = not (
                _is_remote(text) or text.startswith(("docker-image://", "service:", "target:", "oci-layout://"))
            )
            extra.append(AdditionalContext(k, text, _resolve(project_dir, text) if local and text else None, v.loc))
    return BuildSpec(
        location=node.loc,
        context_raw=raw,
        context=ctx,
        context_location=ctx_node.loc if ctx_node else node.loc,
        dockerfile_raw=df_raw,
        dockerfile=dockerfile,
        dockerfile_location=df_node.loc if df_node else None,
        inline=inline,
        target=_text(node.get("target")),
        args=args,
        additional_contexts=tuple(extra),
    )


def _environment(node: YNode | None) -> tuple[EnvVar, ...]:
    if node is None:
        return ()
    out: list[EnvVar] = []
    if node.is_list:
        for el in node.elements():
            text = el.text() or ""
            name, has, val = text.partition("=")  # compose-go: strings.Cut(entry, "="), nothing trimmed
            raw = (el.raw or text).partition("=")[2] if has else None
            out.append(EnvVar(name, val if has else None, el.loc, listed=True, raw=raw))
    elif node.is_map:
        for k, v in node.items():
            raw = v.raw if v.raw is not None else v.text()
            if v.listed and raw is not None and raw.startswith(k + "="):
                raw = raw[len(k) + 1 :]  # a list entry merged into a mapping keeps its whole text as raw
            out.append(EnvVar(k, v.text(), node.key_loc(k), listed=v.listed, raw=raw))
    return tuple(out)


def _env_files(node: YNode | None, project_dir: Path) -> tuple[EnvFileRef, ...]:
    if node is None:
        return ()
    items = node.elements() if node.is_list else [node]
    out: list[EnvFileRef] = []
    for el in items:
        if el.is_map:
            p = el.get("path")
            raw = _text(p) or ""
            req = el.get("required")
            required = not (req is not None and req.value is False)
            written = (p.raw if p is not None else None) or ""
            out.append(EnvFileRef(raw, _resolve(project_dir, raw), required, p.loc if p else el.loc, "$" in written))
        else:
            raw = el.text() or ""
            out.append(EnvFileRef(raw, _resolve(project_dir, raw), True, el.loc, "$" in (el.raw or "")))
    return tuple(out)


def _duration(node: YNode | None) -> str | None:
    return None if node is None else node.text()


def _healthcheck(node: YNode | None, key_loc: Location) -> Healthcheck | None:
    if node is None or not node.is_map:
        return None
    test_node = node.get("test")
    test: tuple[str, ...] | None = None
    if test_node is not None:
        if test_node.is_list:
            test = tuple(e.text() or "" for e in test_node.elements())
        elif test_node.text() is not None:
            test = ("CMD-SHELL", test_node.text() or "")
    disable = node.get("disable")
    retries = node.get("retries")
    return Healthcheck(
        location=key_loc,
        test=test,
        test_location=test_node.loc if test_node else None,
        disabled=bool(disable is not None and disable.value is True) or (test is not None and test[:1] == ("NONE",)),
        start_period=_duration(node.get("start_period")),
        interval=_duration(node.get("interval")),
        timeout=_duration(node.get("timeout")),
        retries=retries.value if retries is not None and isinstance(retries.value, int) else None,
    )


def parse_port(raw: str, loc: Location) -> Port:
    text = raw.strip()
    proto = "tcp"
    if "/" in text:
        text, proto = text.rsplit("/", 1)
    host_ip: str | None = None
    published: str | None = None
    if text.startswith("["):  # [::1]:8080:80
        close = text.find("]")
        host_ip = text[1:close]
        text = text[close + 2 :]
    parts = text.split(":")
    if len(parts) == 3:
        host_ip, published, tgt = parts
    elif len(parts) == 2:
        published, tgt = parts
    else:
        tgt = parts[0]
    tgt = tgt.split("-")[0]
    target = int(tgt) if tgt.isascii() and tgt.isdecimal() else None
    return Port(raw, host_ip or None, published or None, target, proto, loc)


def _ports(node: YNode | None) -> tuple[Port, ...]:
    if node is None:
        return ()
    out: list[Port] = []
    for el in node.elements():
        if el.is_map:
            tgt = el.get("target")
            t = tgt.text() if tgt else None
            pub = el.get("published")
            hip = el.get("host_ip")
            proto = el.get("protocol")
            out.append(
                Port(
                    str(el.plain()),
                    _text(hip),
                    _text(pub),
                    int(t) if t and t.isascii() and t.isdecimal() else None,
                    _text(proto) or "tcp",
                    el.loc,
                )
            )
        else:
            out.append(parse_port(el.text() or "", el.loc))
    return tuple(out)


_VARIABLE = re.compile(r"\$\{[^}]*\}")


def _mounts(node: YNode | None) -> tuple[Mount, ...]:
    if node is None:
        return ()
    out: list[Mount] = []
    for el in node.elements():
        if el.is_map:
            typ = _text(el.get("type")) or "volume"
            ro = el.get("read_only")
            bind = el.get("bind")
            create = True
            if bind is not None and bind.is_map:
                chp = bind.get("create_host_path")
                create = not (chp is not None and chp.value is False)
            src = el.get("source")
            out.append(
                Mount(
                    typ,
                    _text(src),
                    _text(el.get("target")),
                    bool(ro and ro.value is True),
                    src.loc if src is not None else el.loc,
                    create,
                    any(m in ((src.raw or "") if src is not None else "") for m in ("$", "{{", "{%")),
                )
            )
            continue
        text = el.text() or ""
        parts = text.split(":")
        if len(parts) == 1:
            out.append(Mount("volume", None, parts[0], False, el.loc))
            continue
        # Windows drive letters (C:\x:/y) are absolute host paths
        if len(parts[0]) == 1 and parts[0].isalpha() and len(parts) >= 3:
            parts = [parts[0] + ":" + parts[1], *parts[2:]]
        source, target = parts[0], parts[1]
        mode = parts[2] if len(parts) > 2 else ""
        is_path = source.startswith((".", "/", "~")) or "/" in source or "\\" in source
        # `${DATA_DIR}`, or a template engine's `{{ config.data_dir }}` that a tool renders into a path
        templated = "$" in _VARIABLE.sub("$", el.raw or "").split(":")[0] or "{{" in source or "{%" in source
        out.append(
            Mount("bind" if is_path else "volume", source, target, "ro" in mode.split(","), el.loc, True, templated)
        )
    return tuple(out)


def _refs(node: YNode | None) -> tuple[Reference, ...]:
    if node is None:
        return ()
    out: list[Reference] = []
    if node.is_list:
        for el in node.elements():
            if el.is_map:  # secrets/configs long form
                src = el.get("source")
                if src is not None:
                    out.append(Reference(src.text() or "", src.loc))
            else:
                out.append(Reference((el.text() or "").split(":")[0], el.loc))
    elif node.is_map:
        for k, v in node.items():
            cond = v.get("condition") if v.is_map else None
            req = v.get("required") if v.is_map else None
            out.append(Reference(k, node.key_loc(k), _text(cond), not (req is not None and req.value is False)))
    return tuple(out)


def _command(node: YNode | None) -> tuple[str, ...] | str | None:
    if node is None or node.value is None:
        return None
    if node.is_list:
        return tuple(e.text() or "" for e in node.elements())
    return node.text()


def _service(name: str, node: YNode, key_loc: Location, project_dir: Path) -> Service:
    init = node.get("init")
    user = node.get("user")
    image = node.get("image")
    build = node.get("build")
    nm = node.get("network_mode")
    ext = node.get("extends")
    extends: Reference | None = None
    if ext is not None:
        if ext.is_map:
            s = ext.get("service")
            f = ext.get("file")
            if s is not None:
                extends = Reference(s.text() or "", s.loc, required=f is None)
        else:
            extends = Reference(ext.text() or "", ext.loc)
    links = tuple(Reference(r.name, r.location) for r in _refs(node.get("links")))
    return Service(
        name=name,
        location=key_loc,
        file=key_loc.path,
        node=node,
        image=_text(image),
        image_location=image.loc if image is not None else None,
        build=_build_spec(build, project_dir) if build is not None else None,
        environment=_environment(node.get("environment")),
        env_files=_env_files(node.get("env_file"), project_dir),
        healthcheck=_healthcheck(node.get("healthcheck"), node.key_loc("healthcheck")),
        user=_text(user),
        user_location=user.loc if user is not None else None,
        init=init.value if init is not None and isinstance(init.value, bool) else None,
        ports=_ports(node.get("ports")),
        expose=_ports(node.get("expose")),
        volumes=_mounts(node.get("volumes")),
        depends_on=_refs(node.get("depends_on")),
        links=links,
        networks=_refs(node.get("networks")),
        secrets=_refs(node.get("secrets")),
        configs=_refs(node.get("configs")),
        network_mode=_text(nm),
        network_mode_location=nm.loc if nm is not None else None,
        extends=extends,
        command=_command(node.get("command")),
        entrypoint=_command(node.get("entrypoint")),
    )


def _resources(node: YNode | None) -> dict[str, Resource]:
    out: dict[str, Resource] = {}
    if node is None or not node.is_map:
        return out
    for k, v in node.items():
        ext = v.get("external") if v.is_map else None
        external = ext is not None and (ext.value is True or ext.is_map)
        out[k] = Resource(k, node.key_loc(k), external)
    return out


def build_project(
    root: YNode, files: tuple[Path, ...], project_dir: Path, refs: list[VarRef], env_sources: tuple[Path, ...]
) -> ComposeProject:
    services: dict[str, Service] = {}
    svc_root = root.get("services")
    if svc_root is not None and svc_root.is_map:
        for name, node in svc_root.items():
            if node.is_map:
                services[name] = _service(name, node, svc_root.key_loc(name), project_dir)
    return ComposeProject(
        files=files,
        project_dir=project_dir,
        services=services,
        volumes=_resources(root.get("volumes")),
        networks=_resources(root.get("networks")),
        secrets=_resources(root.get("secrets")),
        configs=_resources(root.get("configs")),
        var_refs=tuple(refs),
        env_sources=env_sources,
        name=_project_name(root.get("name")),
    )


def _project_name(node: YNode | None) -> str | None:
    text = node.text() if node is not None and not node.is_map else None
    return text if text and "$" not in text else None
