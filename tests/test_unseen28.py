"""Situations read on a twenty-eighth set of repositories, and defects earlier sets showed the linter missed."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint, write
from tests.unseen_fixtures import CARGO, IMAGE, got


def test_vw207_a_warp_server_run_on_the_loopback_address(tmp_path: Path) -> None:
    code = (
        "use warp::Filter;\n#[tokio::main]\nasync fn main() {\n"
        "    let port: u16 = std::env::var(\"PORT\").ok().and_then(|p| p.parse().ok()).unwrap_or(3030);\n"
        "    let routes = warp::path(\"health\").map(|| \"ok\");\n"
        "    warp::serve(routes).run(([127, 0, 0, 1], port)).await;\n}\n"
    )
    compose = "services:\n  web:\n    build: .\n    ports: ['3030:3030']\n"
    cargo = CARGO + 'warp = "0.3"\ntokio = { version = "1", features = ["full"] }\n'
    root = write(tmp_path, {"Cargo.toml": cargo, "src/main.rs": code, "Dockerfile": IMAGE, "compose.yaml": compose})
    assert got(lint(root, ["VW207"]), root) == [("VW207", "src/main.rs", 6, "error")]
    write(root, {"src/main.rs": code.replace("[127, 0, 0, 1]", "[0, 0, 0, 0]")})
    assert lint(root, ["VW207"]) == []
    # a `run` of anything else is no listener
    write(root, {"src/main.rs": code.replace("warp::serve(routes)", "other::serve(routes)")})
    assert lint(root, ["VW207"]) == []
