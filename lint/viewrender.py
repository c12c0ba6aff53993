"""The project view (``projectview.build_view``) as text for a terminal, or as a Mermaid flowchart a
user can paste into a pull request or README (GitHub renders it): compose projects, images and crates
as subgraphs, services as nodes, ``depends_on``, proxy, port and healthcheck edges, and every node that
carries a finding marked."""

from __future__ import annotations

import re
from typing import Any

_MERMAID_UNSAFE = re.compile(r'["<>{}\[\]|#;`]')


def _flags(ids: list[str]) -> str:
    return f"  [{' '.join(sorted(set(ids)))}]" if ids else ""


def _port(p: dict[str, Any]) -> str:
    host = f"{p['host_ip']}:" if p["host_ip"] else ""
    pub = p["published"] or "random"
    return f"{host}{pub} → {p['target']}"


def render_text(view: dict[str, Any]) -> str:
    out: list[str] = []
    for cp in view["compose_projects"]:
        scope = cp["scope"]
        where = f"; scope {scope['scope']}" + (f": {scope['reason']}" if scope["reason"] else "") if scope else ""
        out.append(f"compose project {', '.join(cp['files'])} ({cp['combined']}{where})")
        for s in cp["services"]:
            out.append(f"  service {s['name']}{_flags(s['findings'])}")
            if s["build"] is None:
                facts = s.get("image_facts") or {}
                known = ", ".join(
                    k.replace("_", " ") if v is True else f"{k} {v}"
                    for k, v in facts.items()
                    if k != "known" and v not in (None, False)
                )
                out.append(f"    image {s['image']}" + (f" ({known})" if known else ""))
            else:
                b = s["build"]
                target = f", target {b['target']}" if b["target"] else ""
                out.append(
                    f"    build: context {b['context']}, Dockerfile {b['dockerfile']}{target}{_flags(b['findings'])}"
                )
                fi = b["final_image"]
                if fi is not None:
                    entry = " ".join(fi["entrypoint"] or fi["cmd"] or ["(the base image's command)"])
                    out.append(
                        f"    final image: stage {fi['stage']} FROM {fi['base']}, user {fi['user'] or 'root'}, "
                        f"init {'yes' if fi['init'] else 'no'}, runs {entry}"
                    )
            code = s["code"]
            if code is not None:
                for c in code["crates"]:
                    fw = f" [{', '.join(c['frameworks'])}]" if c["frameworks"] else ""
                    out.append(
                        f"    binary {', '.join(code['binaries']) or '?'} ← crate {c['name']} ({c['manifest']}){fw}"
                        f"{_flags(code['findings'])}"
                    )
                routes = ", ".join(f"{' '.join(r['methods']) or 'ANY'} {r['path']}" for r in code["routes"])
                out.append(
                    f"    routes: {routes or 'none found'}" + ("" if code["routes_resolved"] else " (incomplete)")
                )
                for li in code["listen"]:
                    out.append(f"    listens on {li['host'] or '?'}:{li['port'] or '?'} (port from {li['port_from']})")
                if code["required_env"]:
                    env = ", ".join(
                        f"{e['name']}{'' if e['provided'] else ' (not provided)'}" for e in code["required_env"]
                    )
                    out.append(f"    required env: {env}")
            for p in s["ports"]:
                out.append(f"    port {_port(p)}")
            hc = s["healthcheck"]
            if hc is not None:
                probes = ", ".join(f"{p['path']} on :{p['port'] or '?'}" for p in hc["probes"])
                out.append(f"    healthcheck: {probes or ' '.join(hc['test'] or ['(from the image)'])}")
            for d in s["depends_on"]:
                out.append(f"    depends on {d['service']} ({d['condition']})")
        for px in cp["proxies"]:
            to = f"service {px['to_service']}" if px["to_service"] else "no service of the project"
            out.append(
                f"  nginx in {px['service']} ({px['config']}): {px['location'] or '/'} → {px['upstream']} ({to})"
            )
    for sd in view["standalone_dockerfiles"]:
        scope = f" (scope {sd['scope']['scope']})" if sd["scope"] else ""
        target = f", target stage {sd['target']} (a script or CI step builds it so)" if sd.get("target") else ""
        out.append(f"Dockerfile {sd['dockerfile']} built on its own, context {sd['context']}{target}{scope}")
    if view["unlinked"]:
        out.append("links not made (no claims there):")
        for u in view["unlinked"]:
            out.append(f"  {u['from']} → {u['to']}: {u['reason']}")
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------------------------------ mermaid


def _label(text: str) -> str:
    """Text for a quoted Mermaid label: characters Mermaid would read as syntax become entities."""
    return _MERMAID_UNSAFE.sub(lambda m: f"#{ord(m.group(0))};", text)


def _id(*parts: object) -> str:
    return "_".join(re.sub(r"[^A-Za-z0-9]", "_", str(p)) for p in parts)


def render_mermaid(view: dict[str, Any]) -> str:
    lines = ["flowchart LR"]
    edges: list[str] = []
    marked: list[str] = []
    for n, cp in enumerate(view["compose_projects"]):
        scope = f" ({cp['scope']['scope']})" if cp["scope"] else ""
        lines.append(f'  subgraph {_id("cp", n)}["compose: {_label(", ".join(cp["files"]) + scope)}"]')
        names = {s["name"] for s in cp["services"]}
        for s in cp["services"]:
            sid = _id("svc", n, s["name"])
            if s["build"] is None:
                lines.append(f'    {sid}[("{_label(s["name"])}<br/>{_label(s["image"] or "")}")]')
            else:
                lines.append(f'    {sid}["{_label(s["name"])}"]')
            if s["findings"]:
                marked.append(sid)
            for i, p in enumerate(s["ports"]):
                pid = _id("port", n, s["name"], i)
                host = f"{p['host_ip']}:" if p["host_ip"] else ""
                lines.append(f'    {pid}(["host {_label(host + (p["published"] or "random"))}"])')
                to = _label(f"to {p['target']}")
                edges.append(f'  {pid} -->|"{to}"| {sid}')
            for d in s["depends_on"]:
                if d["service"] in names:
                    edges.append(f'  {sid} -->|"{_label(d["condition"])}"| {_id("svc", n, d["service"])}')
        lines.append("  end")
        for s in cp["services"]:
            _build_and_code(n, s, lines, edges, marked)
        for px in cp["proxies"]:
            if px["to_service"] in names:
                label = f"proxy {px['location'] or '/'} :{px['port'] or '?'}"
                edges.append(
                    f'  {_id("svc", n, px["service"])} -.->|"{_label(label)}"| {_id("svc", n, px["to_service"])}'
                )
    lines.extend(edges)
    lines.append("  classDef finding fill:#fde2e1,stroke:#c62828,stroke-width:2px")
    if marked:
        lines.append(f"  class {','.join(dict.fromkeys(marked))} finding")
    return "\n".join(lines) + "\n"


def _build_and_code(n: int, s: dict[str, Any], lines: list[str], edges: list[str], marked: list[str]) -> None:
    sid = _id("svc", n, s["name"])
    b = s["build"]
    if b is None:
        return
    bid, iid = _id("build", n, s["name"]), _id("img", n, s["name"])
    fi = b["final_image"]
    stage = f" → {fi['stage']}" if fi is not None else ""
    lines.append(f'  subgraph {bid}["image: {_label(str(b["dockerfile"]) + stage)}"]')
    if fi is not None:
        user = fi["user"] or "root"
        text = f"{_label('FROM ' + fi['base'])}<br/>{_label(f'user {user} · init ' + ('yes' if fi['init'] else 'no'))}"
        lines.append(f'    {iid}["{text}"]')
    else:
        lines.append(f'    {iid}["{_label(str(b["dockerfile"]))}"]')
    lines.append("  end")
    edges.append(f"  {sid} -->|build| {iid}")
    if b["findings"]:
        marked.append(iid)
    code = s["code"]
    if code is None:
        return
    for c in code["crates"]:
        cid = _id("crate", n, s["name"], c["name"])
        lines.append(f'  subgraph {cid}["crate {_label(str(c["name"]))} ({_label(c["manifest"])})"]')
        bin_id = _id("bin", n, s["name"], c["name"])
        lines.append(f'    {bin_id}["binary {_label(", ".join(code["binaries"]) or "?")}"]')
        for i, r in enumerate(code["routes"]):
            rid = _id("route", n, s["name"], i)
            lines.append(f'    {rid}["{_label((" ".join(r["methods"]) or "ANY") + " " + r["path"])}"]')
            edges.append(f"  {bin_id} --- {rid}")
        for i, li in enumerate(code["listen"]):
            lid = _id("listen", n, s["name"], i)
            lines.append(f'    {lid}(["listen {_label(str(li["host"] or "?") + ":" + str(li["port"] or "?"))}"])')
            edges.append(f"  {bin_id} --- {lid}")
        lines.append("  end")
        edges.append(f'  {iid} -->|"runs"| {bin_id}')
        if code["findings"]:
            marked.append(bin_id)
    hc = s["healthcheck"]
    for p in hc["probes"] if hc is not None else []:
        target = next(
            (i for i, r in enumerate(code["routes"]) if r["path"] == p["path"]),
            None,
        )
        if target is not None:
            edges.append(f'  {sid} -.->|"healthcheck"| {_id("route", n, s["name"], target)}')
