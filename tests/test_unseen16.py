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

