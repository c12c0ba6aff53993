"""Situations read on a twenty-second set of unseen repositories: a launcher that forwards signals to the app
(`dockerize -wait`), and more."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint, write
from tests.unseen_fixtures import CARGO, got

MAIN = "fn main() {}\n"
SPAWNS = 'fn main() {\n    let _c = std::process::Command::new("worker").spawn();\n}\n'


def _image(start: str) -> str:
    return (
        "FROM rust:1.80-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
        "FROM debian:bookworm-slim\nCOPY --from=build /src/target/release/shop /usr/local/bin/shop\n"
        f"USER nobody\n{start}\n"
    )


def test_vw402_dockerize_forwards_the_stop_signal_to_the_app(tmp_path: Path) -> None:
    """dockerize stays PID 1 and passes SIGTERM on to the command it starts: the app is not PID 1."""
    start = 'CMD ["dockerize", "-wait", "tcp://db:5432", "-timeout", "30s", "shop"]'
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": _image(start)})
    assert lint(root, ["VW402"]) == []
    # it reaps only the command it started: an app that spawns children still needs an init
    write(root, {"src/main.rs": SPAWNS})
    assert got(lint(root, ["VW402"]), root) == [("VW402", "Dockerfile", 8, "warning")]
    # a launcher that does not forward signals is no such thing
    write(root, {"src/main.rs": MAIN, "Dockerfile": _image('CMD ["wait-for", "db:5432", "--", "shop"]')})
    assert got(lint(root, ["VW402"]), root) == [("VW402", "Dockerfile", 8, "warning")]
