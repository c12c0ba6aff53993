"""--show-project: the model as JSON (validated against schemas/project-view.schema.json), text and a
Mermaid flowchart, on the seed-like project: service → image → binary → crate → routes, listen port,
published ports, depends_on and nginx edges, findings marked, links not made with their reason."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from viworks_lint.cli import cli

from tests.helpers import FIXTURES, write

SCHEMA = Path(__file__).parent.parent / "schemas" / "project-view.schema.json"
COMMENTED = FIXTURES / "fix" / "commented"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "orders"
    shutil.copytree(COMMENTED, root)
    (root / ".git").mkdir()
    monkeypatch.chdir(root)
    return root


def _show(*args: str) -> str:
    result = CliRunner().invoke(cli, ["--show-project", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_json_validates_and_links_service_to_crate_routes_and_ports(project: Path) -> None:
    view = json.loads(_show("--format", "json"))
    jsonschema.validate(view, json.loads(SCHEMA.read_text()))
    (cp,) = view["compose_projects"]
    assert cp["files"] == ["compose.yaml"] and cp["scope"]["scope"] == "deploy"
    api = next(s for s in cp["services"] if s["name"] == "api")
    assert api["build"]["dockerfile"] == "docker/api.Dockerfile"
    assert api["build"]["final_image"]["base"] == "debian:bookworm-slim"
    assert api["build"]["final_image"]["user"] == "app"
    assert api["code"]["binaries"] == ["orders-api"]
    assert api["code"]["crates"] == [{"name": "orders-api", "manifest": "backend/Cargo.toml", "frameworks": ["actix"]}]
    assert [r["path"] for r in api["code"]["routes"]] == ["/api/health", "/api/orders", "/api/orders/{id}"]
    assert api["code"]["listen"] == [{"host": "0.0.0.0", "port": 8080, "host_from": "code", "port_from": "env:PORT"}]
    assert api["ports"] == [{"host_ip": "127.0.0.1", "published": "8080", "target": 8080, "protocol": "tcp"}]
    assert {"name": "SMTP_HOST", "provided": False, "at": "backend/src/config.rs:20"} in api["code"]["required_env"]
    assert api["depends_on"] == [
        {"service": "db", "condition": "service_healthy"},
        {"service": "cache", "condition": "service_healthy"},
    ]
    assert api["healthcheck"]["probes"] == [{"url": "http://localhost:8080/health", "path": "/health", "port": 8080}]
    # the entrypoint script's shell is PID 1: VW403 on the script, which VW402 does not repeat
    assert sorted(api["findings"]) == ["VW301", "VW302"] and "VW403" in api["build"]["findings"]
    assert api["code"]["findings"] == ["VW201", "VW201"]
    db = next(s for s in cp["services"] if s["name"] == "db")
    assert db["build"] is None and db["image_facts"]["distro"] == "alpine" and db["findings"] == ["VW405"]
    assert cp["proxies"] == [
        {
            "service": "proxy",
            "config": "nginx/nginx.conf",
            "location": "/api/",
            "upstream": "api:8080",
            "to_service": "api",
            "port": 8080,
        }
    ]
    assert view["unlinked"] == []


def _check_mermaid(text: str) -> set[str]:
    """A structural check of the flowchart: one header, balanced subgraphs, every edge between declared
    nodes or subgraphs, quoted labels free of characters Mermaid reads as syntax. Returns the node ids."""
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    declared: set[str] = set()
    depth = 0
    node = re.compile(r'^\s*([A-Za-z0-9_]+)(\["[^"]*"\]|\[\("[^"]*"\)\]|\(\["[^"]*"\]\))$')
    sub = re.compile(r'^\s*subgraph ([A-Za-z0-9_]+)\["[^"]*"\]$')
    edge = re.compile(r'^\s*([A-Za-z0-9_]+) (-->|-\.->|---)(\|("[^"]*"|[a-z]+)\|)? ([A-Za-z0-9_]+)$')
    edges = []
    for line in lines[1:]:
        if m := sub.match(line):
            declared.add(m.group(1))
            depth += 1
        elif line.strip() == "end":
            depth -= 1
            assert depth >= 0
        elif m := node.match(line):
            declared.add(m.group(1))
        elif m := edge.match(line):
            edges.append((m.group(1), m.group(5)))
        elif line.strip().startswith(("classDef ", "class ")):
            continue
        else:
            raise AssertionError(f"not a flowchart line: {line!r}")
    assert depth == 0
    for a, b in edges:
        assert a in declared and b in declared, (a, b)
    return declared


def test_mermaid_shows_the_links_and_marks_findings(project: Path) -> None:
    text = _show("--format", "mermaid")
    declared = _check_mermaid(text)
    assert {"svc_0_api", "img_0_api", "bin_0_api_orders_api", "route_0_api_0", "listen_0_api_0"} <= declared
    assert 'crate_0_api_orders_api["crate orders-api (backend/Cargo.toml)"]' in text
    assert 'route_0_api_0["GET /api/health"]' in text
    assert 'listen_0_api_0(["listen 0.0.0.0:8080"])' in text
    assert "svc_0_api -->|build| img_0_api" in text
    assert 'img_0_api -->|"runs"| bin_0_api_orders_api' in text
    assert "bin_0_api_orders_api --- route_0_api_0" in text
    assert 'port_0_api_0 -->|"to 8080"| svc_0_api' in text
    assert 'svc_0_api -->|"service_healthy"| svc_0_db' in text
    assert 'svc_0_proxy -.->|"proxy /api/ :8080"| svc_0_api' in text
    marked = re.search(r"^  class (\S+) finding$", text, re.M)
    assert marked is not None and set(marked.group(1).split(",")) == {
        "svc_0_db",
        "svc_0_api",
        "img_0_api",
        "bin_0_api_orders_api",
    }
    _render_with_mermaid_cli(text, project)


def _render_with_mermaid_cli(text: str, where: Path) -> None:
    """Render with @mermaid-js/mermaid-cli when it is installed (MMDC names the binary; MMDC_PUPPETEER_CONFIG a
    puppeteer config such as `{"args": ["--no-sandbox"]}`, with PUPPETEER_EXECUTABLE_PATH naming a chromium)."""
    mmdc = os.environ.get("MMDC") or shutil.which("mmdc")
    if not mmdc:
        return
    src, out = where / "view.mmd", where / "view.svg"
    src.write_text(text)
    config = os.environ.get("MMDC_PUPPETEER_CONFIG")
    cmd = [mmdc, *(["-p", config] if config else []), "-i", str(src), "-o", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "<svg" in out.read_text()


def test_text_view_and_links_not_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write(
        tmp_path / "p",
        {
            ".git/HEAD": "",
            # no value for BIN reaches the build (compose gives none): which binary is built is not known
            "compose.yaml": "services:\n  app:\n    build:\n      context: .\n",
            "Dockerfile": "FROM rust:1.85 AS build\nWORKDIR /src\nCOPY . .\nARG BIN\nRUN cargo build --release "
            "--bin ${BIN}\nFROM debian:bookworm-slim\nCOPY --from=build /src/target/release/server /app\n"
            'CMD ["/app"]\n',
            "Cargo.toml": '[package]\nname = "server"\nversion = "0.1.0"\nedition = "2021"\n',
            "src/main.rs": "fn main() {}\n",
        },
    )
    monkeypatch.chdir(root)
    text = _show()
    assert "service app" in text and "FROM debian:bookworm-slim" in text
    assert "links not made (no claims there):" in text
    assert "service app → Rust code: the package or binary is chosen by a build argument" in text
    view = json.loads(_show("--format", "json"))
    jsonschema.validate(view, json.loads(SCHEMA.read_text()))
    assert view["unlinked"] == [
        {"from": "service app", "to": "Rust code", "reason": "the package or binary is chosen by a build argument"}
    ]


def test_mermaid_needs_show_project(project: Path) -> None:
    result = CliRunner().invoke(cli, ["--format", "mermaid"])
    assert result.exit_code == 2
