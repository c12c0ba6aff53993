"""Compose files → a typed, merged model of services.

Files are parsed with ruamel.yaml's round-trip loader, interpolated from the project's ``.env`` (and
``--env-file`` / config variables), validated against the Compose Specification, then merged in
compose's order (base, then overrides) with compose's merge rules."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from viworks_lint.location import Location
from viworks_lint.parsers import compose_schema
from viworks_lint.parsers.common import Problem, ReadError, read_text
from viworks_lint.parsers.interpolation import Interpolator, VarRef
from viworks_lint.parsers.yamlnode import MAX_EXPANDED_NODES, YNode, expanded_size, load, to_node

# ----------------------------------------------------------------------------------------- model


@dataclass(frozen=True)
class EnvVar:
    """One ``environment`` entry. ``name`` is what compose passes to the container: for a list entry
    ``- KEY = value`` that is the text before the first ``=`` as written (``"KEY "``), since compose
    splits there and trims nothing."""

    name: str
    value: str | None  # None: passed through from the host shell ("- NAME" / "NAME:" with no value)
    location: Location
    listed: bool = False  # written as a list entry (``- KEY=value``), not a mapping key
    raw: str | None = None  # the value as written, before compose interpolation


@dataclass(frozen=True)
class EnvFileRef:
    raw: str
    path: Path
    required: bool
    location: Location
    templated: bool = False  # written with a variable (`../.envs/.${DEPLOY_ENV}/app.env`): the deployment picks it


@dataclass(frozen=True)
class AdditionalContext:
    name: str
    raw: str
    path: Path | None  # None for remote / image / stage contexts
    location: Location


@dataclass(frozen=True)
class BuildSpec:
    location: Location
    context_raw: str
    context: Path | None  # None when remote (git URL, http)
    context_location: Location
    dockerfile_raw: str | None
    dockerfile: Path | None  # resolved; None for dockerfile_inline or remote context
    dockerfile_location: Location | None
    inline: str | None = None
    target: str | None = None
    args: Mapping[str, str | None] = field(default_factory=dict)
    additional_contexts: tuple[AdditionalContext, ...] = ()


@dataclass(frozen=True)
class Healthcheck:
    location: Location  # the "healthcheck:" key
    test: tuple[str, ...] | None  # exec form arguments, or ("CMD-SHELL", cmd) normalised
    test_location: Location | None
    disabled: bool
    start_period: str | None
    interval: str | None = None
    timeout: str | None = None
    retries: int | None = None

    @property
    def kind(self) -> str:
        """ "NONE", "CMD", "CMD-SHELL" or "" (no test given: inherited from the image)."""
        if self.test is None or not self.test:
            return ""
        return self.test[0]

    @property
    def command(self) -> tuple[str, ...]:
        return self.test[1:] if self.test else ()


@dataclass(frozen=True)
class Port:
    raw: str
    host_ip: str | None
    published: str | None
    target: int | None
    protocol: str
    location: Location


@dataclass(frozen=True)
class Mount:
    type: str  # bind | volume | tmpfs | npipe | cluster | image
    source: str | None
    target: str | None
    read_only: bool
    location: Location
    bind_create_host_path: bool = True
    templated: bool = False  # the source is written with a variable (`${DIR:-./data}`): its value is the host's


@dataclass(frozen=True)
class Reference:
    """A reference from a service to something by name (service, volume, network, secret, config)."""

    name: str
    location: Location
    condition: str | None = None  # for depends_on
    required: bool = True


@dataclass(frozen=True)
class Service:
    name: str
    location: Location  # the service's key
    file: Path
    node: YNode  # the merged raw service mapping, for anything the typed fields do not cover
    image: str | None = None
    image_location: Location | None = None
    build: BuildSpec | None = None
    environment: tuple[EnvVar, ...] = ()
    env_files: tuple[EnvFileRef, ...] = ()
    healthcheck: Healthcheck | None = None
    user: str | None = None
    user_location: Location | None = None
    init: bool | None = None
    ports: tuple[Port, ...] = ()
    expose: tuple[Port, ...] = ()
    volumes: tuple[Mount, ...] = ()
    depends_on: tuple[Reference, ...] = ()
    links: tuple[Reference, ...] = ()
    networks: tuple[Reference, ...] = ()
    secrets: tuple[Reference, ...] = ()
    configs: tuple[Reference, ...] = ()
    network_mode: str | None = None
    network_mode_location: Location | None = None
    extends: Reference | None = None
    command: tuple[str, ...] | str | None = None
    entrypoint: tuple[str, ...] | str | None = None

    def env_dict(self) -> dict[str, EnvVar]:
        return {e.name: e for e in self.environment}

    @property
    def restart(self) -> str:
        """The service's `restart:` policy as written (`unless-stopped`, `no`), `""` when it sets none."""
        node = self.node.get("restart")
        return str(node.value).strip("\"'") if node is not None and node.value is not None else ""

    @property
    def profiles(self) -> tuple[str, ...]:
        """The service's `profiles:`: a plain `docker compose up` starts it only when this is empty."""
        node = self.node.get("profiles")
        if node is None:
            return ()
        return tuple(p.value for p in node.elements() if isinstance(p.value, str))


@dataclass(frozen=True)
class Resource:
    name: str
    location: Location
    external: bool = False


@dataclass(frozen=True)
class ComposeProject:
    files: tuple[Path, ...]
    project_dir: Path
    services: Mapping[str, Service]
    volumes: Mapping[str, Resource] = field(default_factory=dict)
    networks: Mapping[str, Resource] = field(default_factory=dict)
    secrets: Mapping[str, Resource] = field(default_factory=dict)
    configs: Mapping[str, Resource] = field(default_factory=dict)
    var_refs: tuple[VarRef, ...] = ()
    env_sources: tuple[Path, ...] = ()  # the .env / --env-file files used for interpolation


@dataclass
class ComposeLoad:
    project: ComposeProject | None
    problems: list[Problem]


# ----------------------------------------------------------------------------------------- loading


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


def load_project(files: Sequence[Path], env: Mapping[str, str], env_sources: Sequence[Path] = ()) -> ComposeLoad:
    """Load compose files as one project (the first is the base, the rest override it in order)."""
    interp = Interpolator(env)
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
        project = _build_project(merged, tuple(files), project_dir, interp.refs, tuple(env_sources))
    except RecursionError:
        return ComposeLoad(None, problems)
    return ComposeLoad(project, problems)


# ----------------------------------------------------------------------------------------- merging

_CONCAT = {"ports", "expose", "external_links", "dns", "dns_search", "dns_opt", "tmpfs", "cap_add", "cap_drop"}
_MAPPISH = {"environment", "labels", "extra_hosts", "sysctls", "annotations", "args"}
_BY_TARGET = {"volumes", "devices", "secrets", "configs"}


def _as_map(node: YNode, sep: str = "=") -> YNode:
    """Normalise a list-form mapping (environment, labels) to a mapping node."""
    if not node.is_list:
        return node
    out = YNode({}, node.loc)
    for el in node.elements():
        text = el.text() or ""
        name, has, val = text.partition(sep)
        key = name if sep == "=" else name.strip()  # compose keeps `KEY ` of `- KEY = v` as the name
        out.value[key] = YNode(val if has else None, el.loc, raw=el.raw, listed=True)
        out.keys[key] = el.loc
    return out


def _target_of(el: YNode) -> str:
    if el.is_map:
        tgt = el.get("target") or el.get("source")
        return (tgt.text() or "") if tgt else ""
    text = el.text() or ""
    parts = text.split(":")
    return parts[1] if len(parts) >= 2 else parts[0]


def merge_nodes(base: YNode, over: YNode, path: tuple[str, ...]) -> YNode:
    key = path[-1] if path else ""
    in_service = len(path) >= 3 and path[0] == "services"
    if in_service and len(path) == 3 and key in _MAPPISH:
        base, over = _as_map(base), _as_map(over)
    if base.is_map and over.is_map:
        out = YNode(dict(base.value), over.loc, dict(base.keys))
        for k, v in over.items():
            out.value[k] = merge_nodes(base.value[k], v, (*path, k)) if k in base.value else v
            out.keys[k] = over.key_loc(k)
        return out
    if base.is_list and over.is_list and in_service and len(path) == 3:
        if key in _CONCAT:
            seen = {str(e.plain()) for e in base.elements()}
            return YNode(base.elements() + [e for e in over.elements() if str(e.plain()) not in seen], over.loc)
        if key in _BY_TARGET:
            by: dict[str, YNode] = {_target_of(e): e for e in base.elements()}
            for e in over.elements():
                by[_target_of(e)] = e
            return YNode(list(by.values()), over.loc)
    return over


# ----------------------------------------------------------------------------------------- typed model


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
    p = Path(raw).expanduser()
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
        for k, v in _as_map(args_node).items():
            args[k] = v.text()
    extra: list[AdditionalContext] = []
    ac = node.get("additional_contexts")
    if ac is not None:
        for k, v in _as_map(ac).items():
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
                    "$" in ((src.raw or "") if src is not None else ""),
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
        templated = "$" in _VARIABLE.sub("$", el.raw or "").split(":")[0]
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


def _build_project(
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
    )
