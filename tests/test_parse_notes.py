"""Valid Rust that the tree-sitter grammar cannot parse is a note about what the linter could read,
never an error claiming the build fails."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint, write
from viworks_lint.findings import Level

MAIN = """\
struct Config { endpoint: String, allow_http: bool }

#[tokio::main]
async fn main() {
    let cfg = Config { endpoint: String::new(), allow_http: false };
    // attributes on struct pattern fields compile (Rust 1.x) but trip the tree-sitter grammar
    let Config {
        endpoint,
        #[expect(unused_variables)]
        allow_http,
    } = cfg;
    println!("{endpoint}");
}
"""


def test_grammar_gap_is_a_note(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "compose.yaml": "services:\n  api:\n    build: ./api\n    init: true\n    user: '10001'\n",
            "api/Cargo.toml": '[package]\nname = "api"\nversion = "0.1.0"\nedition = "2021"\n\n'
            '[dependencies]\ntokio = { version = "1", features = ["full"] }\n',
            "api/src/main.rs": MAIN,
            "api/Dockerfile": "FROM rust:1.80 AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
            "FROM debian:bookworm-slim\nCOPY --from=build /src/target/release/api /usr/local/bin/api\n"
            "USER 10001\nCMD [\"api\"]\n",
        },
    )
    found = [f for f in lint(tmp_path, ["VW001"]) if f.location.path.suffix == ".rs"]
    assert len(found) == 1
    assert found[0].level == Level.NOTE and "cannot parse" in found[0].message
