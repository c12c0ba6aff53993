"""nginx configs, parsed with crossplane: upstream blocks and ``proxy_pass`` targets with their
``location`` prefixes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from viworks_lint.location import Location
from viworks_lint.parsers.common import Problem, ReadError, read_text


@dataclass(frozen=True)
class ProxyPass:
    target: str  # the proxy_pass argument
    location_prefix: str | None  # the enclosing prefix location (None for regex/named locations)
    location: Location
    rewritten: bool = False  # the enclosing location `rewrite`s the URI first: the prefix is not what is forwarded


@dataclass(frozen=True)
class Upstream:
    name: str
    servers: tuple[tuple[str, Location], ...]


@dataclass(frozen=True)
class NginxConfig:
    path: Path
    proxies: tuple[ProxyPass, ...] = ()
    upstreams: tuple[Upstream, ...] = ()
    problems: tuple[Problem, ...] = ()


def _loc(path: Path, lines: list[str], line: int, token: str) -> Location:
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    col = text.find(token)
    if col == -1:
        return Location(path, line, 1)
    return Location(path, line, col + 1, line, col + 1 + len(token))


def parse_nginx(path: Path) -> NginxConfig:
    try:
        text = read_text(path)
    except ReadError as exc:
        return NginxConfig(path, problems=(exc.problem,))
    lines = text.splitlines()
    import crossplane  # only when an nginx config is mounted

    try:
        result: dict[str, Any] = crossplane.parse(
            str(path), single=True, catch_errors=True, comments=False, check_ctx=False, check_args=False
        )
    except Exception as exc:  # crossplane raises on some malformed input despite catch_errors
        return NginxConfig(
            path, problems=(Problem("VW001", f"nginx config does not parse: {exc}", Location(path), key="nginx"),)
        )
    problems: list[Problem] = []
    proxies: list[ProxyPass] = []
    upstreams: list[Upstream] = []
    for cfg in result.get("config", []):
        for err in cfg.get("errors", []):
            line = err.get("line") or 1
            problems.append(
                Problem(
                    "VW001",
                    f"nginx config does not parse: {err.get('error', 'error')}",
                    Location(path, int(line), 1),
                    key="nginx",
                )
            )
        _walk(path, lines, cfg.get("parsed", []), None, proxies, upstreams)
    return NginxConfig(path, tuple(proxies), tuple(upstreams), tuple(problems))


def _walk(
    path: Path,
    lines: list[str],
    block: list[dict[str, Any]],
    prefix: str | None,
    proxies: list[ProxyPass],
    upstreams: list[Upstream],
    rewritten: bool = False,
) -> None:
    for d in block:
        name = d.get("directive")
        args = [str(a) for a in d.get("args", [])]
        line = int(d.get("line", 1))
        if name == "upstream" and args:
            servers = tuple(
                (a[0], _loc(path, lines, int(s.get("line", line)), a[0]))
                for s in d.get("block", [])
                if s.get("directive") == "server"
                for a in [[str(x) for x in s.get("args", [])]]
                if a
            )
            upstreams.append(Upstream(args[0], servers))
            continue
        if name == "location":
            inner: str | None = None
            if len(args) == 1 and not args[0].startswith("@"):
                inner = args[0]
            elif len(args) == 2 and args[0] in ("=", "^~"):
                inner = args[1]
            body = d.get("block", [])
            rewrites = any(x.get("directive") == "rewrite" for x in body)
            _walk(path, lines, body, inner, proxies, upstreams, rewrites)
            continue
        if name == "proxy_pass" and args:
            proxies.append(ProxyPass(args[0], prefix, _loc(path, lines, line, args[0]), rewritten))
            continue
        if "block" in d:
            _walk(path, lines, d["block"], prefix, proxies, upstreams, rewritten)
