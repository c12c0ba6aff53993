"""Situations read on a sixteenth set of unseen repositories."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint, write
from tests.unseen_fixtures import CARGO, got, scope_of


def test_an_encrypted_env_file_is_no_dotenv_file(tmp_path: Path) -> None:
    blob = "age-encryption.org/v1\n-> X25519 q\n\x01\x02\x03 binary\n"
    root = write(tmp_path, {"infra/.env.production.enc": blob, "infra/.env.development.age": blob,
                            "compose.yaml": "services:\n  web:\n    image: nginx:1.27\n"})
    assert lint(root, ["VW001"]) == []
    write(root, {"infra/.env.production": "A=1\nthis is not dotenv\n"})
    assert [f.location.path.name for f in lint(root, ["VW001"])] == [".env.production"]


MAIN = "fn main() {}\n"
BUILD = "FROM rust:1.80-alpine AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"


def test_a_public_ecr_mirror_of_an_official_image_is_the_official_image() -> None:
    from viworks_lint.images import lookup

    assert lookup("public.ecr.aws/docker/library/rust:1.57.0").glibc == lookup("rust:1.57.0").glibc is not None
    assert lookup("public.ecr.aws/docker/library/alpine:3.20").libc == "musl"
    assert not lookup("public.ecr.aws/acme/rust:1.57.0").known

