"""VW401 runs-as-root on what the image really runs: silent when the entrypoint drops root before it execs
the app (su-exec, gosu, setpriv, ...) as a user the image has."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint, where, write

CARGO = '[package]\nname = "svc"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\ntokio = "1"\n'
MAIN = "fn main() {}\n"


def _dockerfile(setup: str, start: str) -> str:
    return (
        "FROM rust:1.83 AS build\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\n"
        f"FROM alpine:3.20\n{setup}\n"
        "COPY --from=build /app/target/release/svc /usr/local/bin/svc\n"
        "COPY entrypoint.sh /usr/local/bin/entrypoint.sh\n"
        f"{start}\n"
    )


def _project(root: Path, dockerfile: str, script: str) -> Path:
    return write(root, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": dockerfile, "entrypoint.sh": script})


SCRIPT = '#!/bin/sh\nset -e\nchown -R app:app /data\n# drop root\nexec su-exec app "$@"\n'
SETUP = "RUN apk add --no-cache su-exec && addgroup -S app && adduser -S app -G app"
START = 'ENTRYPOINT ["entrypoint.sh"]\nCMD ["svc"]'


def test_entrypoint_that_drops_to_a_created_user_is_silent(tmp_path: Path) -> None:
    root = _project(tmp_path, _dockerfile(SETUP, START), SCRIPT)
    assert where(lint(root, ["VW401"]), root) == []


def test_gosu_in_the_exec_form_itself_is_silent(tmp_path: Path) -> None:
    setup = "RUN apk add --no-cache gosu && adduser -S -u 10001 app"
    root = _project(tmp_path, _dockerfile(setup, 'ENTRYPOINT ["gosu", "10001", "svc"]'), SCRIPT)
    assert where(lint(root, ["VW401"]), root) == []


def test_drop_to_a_user_the_image_never_creates_is_reported(tmp_path: Path) -> None:
    root = _project(tmp_path, _dockerfile("RUN apk add --no-cache su-exec", START), SCRIPT)
    assert where(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 5)]


def test_drop_only_on_one_branch_is_reported(tmp_path: Path) -> None:
    script = '#!/bin/sh\nif [ "$1" = svc ]; then\n  exec su-exec app "$@"\nfi\nexec "$@"\n'
    root = _project(tmp_path, _dockerfile(SETUP, START), script)
    assert where(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 5)]


def test_drop_tool_the_image_lacks_is_reported(tmp_path: Path) -> None:
    setup = "RUN adduser -S app"
    root = _project(tmp_path, _dockerfile(setup, START), SCRIPT)
    assert where(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 5)]
