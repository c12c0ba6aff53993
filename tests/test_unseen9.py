"""Situations read on a ninth set of unseen repositories: build-only compose files, packages that bring
libraries as dependencies, entrypoints that wait or compile first, migration jobs beside a server, files a
`.envrc` loads, and URLs an app never reads."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint, write
from tests.unseen_fixtures import CARGO, CONNECT, IMAGE, got


def test_vw201_build_only_compose_runs_nothing_and_one_finding_per_variable(tmp_path: Path) -> None:
    code = "fn a() -> String { std::env::var(\"MONGODB_URI\").unwrap() }\n" \
           "fn b() -> String { std::env::var(\"MONGODB_URI\").unwrap() }\nfn main() { a(); b(); }\n"
    root = write(tmp_path, {
        "Cargo.toml": CARGO, "src/main.rs": code, "Dockerfile": IMAGE,
        "build/docker-compose.build.yml": "services:\n  api:\n    image: acme/api\n    build:\n"
        "      context: ..\n      tags: [\"acme/api:latest\"]\n",
        "build/docker-compose.yml": "services:\n  api:\n    build: ..\n    environment:\n"
        "      MONGODB_URI: mongodb://db:27017\n",
    })
    assert lint(root, ["VW201"]) == []
    write(root, {"build/docker-compose.yml": "services:\n  api:\n    build: ..\n"})
    found = lint(root, ["VW201"])
    assert [(f.location.line, len(f.related)) for f in found] == [(1, 2)]  # the service, and the second read


def test_vw205_libraries_server_and_python_packages_bring(tmp_path: Path) -> None:
    cargo = CARGO + 'diesel = { version = "2", features = ["postgres"] }\nreqwest = "0.11"\n'
    code = "use diesel::prelude::*;\nuse reqwest as _;\nfn main() {}\n"
    image = IMAGE.replace("FROM debian:bookworm-slim\n", "FROM debian:bookworm-slim\n{install}")
    root = write(tmp_path, {"Cargo.toml": cargo, "src/main.rs": code,
                            "Dockerfile": image.replace("{install}", "")})
    assert sorted({f.message.split(",")[0] for f in lint(root, ["VW205"])}) == [
        "final stage (`debian:bookworm-slim`) has no CA certificates",
        "final stage (`debian:bookworm-slim`) has no libpq",
        "final stage (`debian:bookworm-slim`) has no libssl",
    ]
    write(root, {"Dockerfile": image.replace(
        "{install}", "RUN apt-get update && apt-get install -y postgresql python3-pip\n")})
    assert lint(root, ["VW205"]) == []


def test_vw309_an_image_entrypoint_that_waits_or_compiles_first(tmp_path: Path) -> None:
    compose = (
        "services:\n  api:\n    build: .\n    environment:\n      DATABASE_URL: postgres://app:pw@db/app\n"
        "    depends_on: [db]\n  db:\n    image: postgres:16\n"
    )
    base = {"Cargo.toml": CARGO + 'tokio-postgres = "0.7"\ntokio = "1"\n', "src/main.rs": CONNECT,
            "compose.yaml": compose}
    plain = write(tmp_path / "plain", {**base, "Dockerfile": IMAGE})
    assert [f.rule_id for f in lint(plain, ["VW309"])] == ["VW309"]
    waits = IMAGE.replace('CMD ["shop"]', 'ENTRYPOINT ["wait-for-it", "db:5432", "--", "shop"]')
    root = write(tmp_path / "waits", {**base, "Dockerfile": waits})
    assert lint(root, ["VW309"]) == []
    dev = "FROM rust:1.80\nWORKDIR /src\nCOPY run_dev.sh /run_dev.sh\nENTRYPOINT [\"/run_dev.sh\"]\n"
    root2 = write(tmp_path / "dev", {**base, "Dockerfile": dev,
                                     "run_dev.sh": "#!/bin/sh\nset -e\nexec cargo watch -x run\n"})
    assert lint(root2, ["VW309"]) == []


def test_vw402_a_migration_job_beside_the_server_that_handles_sigterm(tmp_path: Path) -> None:
    code = (
        "#[tokio::main]\nasync fn main() {\n"
        "    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).unwrap();\n"
        "    term.recv().await;\n}\n"
    )
    image = IMAGE.replace(
        "COPY --from=build /src/target/release/shop /usr/local/bin/shop\n",
        "COPY --from=build /src/target/release/shop /usr/local/bin/shop\n"
        "COPY --from=build /src/target/release/migrate /usr/local/bin/migrate\n",
    )
    compose = (
        "services:\n  migrate:\n    build: .\n    command: [\"migrate\"]\n    restart: \"no\"\n"
        "  api:\n    build: .\n    depends_on:\n      migrate:\n        condition: service_completed_successfully\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO + 'tokio = { version = "1", features = ["full"] }\n',
                            "src/main.rs": code, "src/bin/migrate.rs": "fn main() {}\n",
                            "Dockerfile": image, "compose.yaml": compose})
    assert lint(root, ["VW402"]) == []
    write(root, {"compose.yaml": compose.replace(
        "      migrate:\n        condition: service_completed_successfully\n", "      - migrate\n").replace(
        '    restart: "no"\n', "    restart: always\n")})
    assert [f.rule_id for f in lint(root, ["VW402"])] == ["VW402"]  # the `migrate` program keeps running


def test_vw404_and_vw203_what_a_file_marks_as_local(tmp_path: Path) -> None:
    compose = (
        "services:\n  web:\n    image: example/web:1\n    env_file: .env\n    environment:\n"
        "      ROCKET_SECRET_KEY: 9f3c1a7be2d44f0c8a61d5e7b2c9f4a1  # ONLY USE FOR TESTING\n"
    )
    root = write(tmp_path, {"compose.yaml": compose, ".gitignore": ".env\n", ".envrc": "dotenv\n"})
    assert got(lint(root, ["VW203", "VW404"]), root) == [("VW203", "compose.yaml", 4, "note")]
    write(root, {".envrc": "export FOO=1\n"})
    assert got(lint(root, ["VW203"]), root) == [("VW203", "compose.yaml", 4, "error")]


def test_vw208_a_url_the_app_never_reads(tmp_path: Path) -> None:
    code = (
        "#[tokio::main]\nasync fn main() {\n"
        '    let host = std::env::var("DB_HOST").unwrap();\n'
        '    let url = format!("host={host} user=app");\n'
        "    let _c = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();\n}\n"
    )
    compose = (
        "services:\n  api:\n    build: .\n    env_file: .env\n    environment:\n      DB_HOST: db\n"
        "  db:\n    image: postgres:16\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO + 'tokio-postgres = "0.7"\ntokio = "1"\n', "src/main.rs": code,
                            "Dockerfile": IMAGE, "compose.yaml": compose,
                            ".env": "DATABASE_URL=postgres://app:pw@localhost:5432/app\n"})
    assert lint(root, ["VW208"]) == []  # left for the sqlx CLI on the host: the app builds its own
    write(root, {"src/main.rs": CONNECT})
    assert [f.rule_id for f in lint(root, ["VW208"])] == ["VW208"]
