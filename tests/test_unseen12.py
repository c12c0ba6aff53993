"""Situations read on a twelfth set of unseen repositories: the MongoDB driver waits for a late server."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint, write
from tests.unseen_fixtures import CARGO, IMAGE

MONGO_MAIN = (
    "#[tokio::main]\nasync fn main() {\n"
    '    let url = std::env::var("MONGODB_URI").unwrap();\n'
    "    let client = mongodb::Client::with_uri_str(&url).await.unwrap();\n"
    '    client.list_database_names(None, None).await.expect("mongo");\n}\n'
)
PG_MAIN = (
    "#[tokio::main]\nasync fn main() {\n"
    '    let url = std::env::var("DATABASE_URL").unwrap();\n'
    "    let _c = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();\n}\n"
)


def test_vw309_the_mongodb_driver_waits_for_a_late_server(tmp_path: Path) -> None:
    compose = (
        "services:\n  api:\n    build: .\n    environment:\n      MONGODB_URI: mongodb://db:27017\n"
        "    depends_on:\n      - db\n  db:\n    image: mongo:7\n"
    )
    root = write(tmp_path / "mongo", {
        "Cargo.toml": CARGO + 'mongodb = "2"\ntokio = { version = "1", features = ["full"] }\n',
        "src/main.rs": MONGO_MAIN, "Dockerfile": IMAGE, "compose.yaml": compose,
    })
    found = lint(root, ["VW309"])
    assert [f.effective_level.value for f in found] == ["note"] and "serverSelectionTimeoutMS" in found[0].message
    # the same start with tokio-postgres connects once and fails at once
    pg = compose.replace("MONGODB_URI: mongodb://db:27017", "DATABASE_URL: postgres://u:p@db/app").replace(
        "mongo:7", "postgres:16\n    environment:\n      POSTGRES_USER: u\n      POSTGRES_PASSWORD: p\n"
        "      POSTGRES_DB: app"
    )
    root = write(tmp_path / "pg", {
        "Cargo.toml": CARGO + 'tokio-postgres = "0.7"\ntokio = { version = "1", features = ["full"] }\n',
        "src/main.rs": PG_MAIN, "Dockerfile": IMAGE, "compose.yaml": pg,
    })
    assert [f.effective_level.value for f in lint(root, ["VW309"])] == ["warning"]
