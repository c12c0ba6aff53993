"""Situations read on unseen public repositories that maintainers would not act on (or where the claim was
wrong), each with the case that must still be reported."""

from __future__ import annotations

from pathlib import Path

from viworks_lint.findings import Finding

from tests.helpers import lint, write

CARGO = '[package]\nname = "shop"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\naxum = "0.7"\n'
MAIN = (
    "use axum::{routing::get, Router};\n#[tokio::main]\nasync fn main() {\n"
    '    let app = Router::new().route("/health", get(|| async { "ok" }));\n'
    '    let l = tokio::net::TcpListener::bind("0.0.0.0:8080").await.unwrap();\n'
    "    axum::serve(l, app).await.unwrap();\n}\n"
)
IMAGE = (
    "FROM rust:1.80-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
    "FROM debian:bookworm-slim\nCOPY --from=build /src/target/release/shop /usr/local/bin/shop\n"
)


def _got(found: list[Finding], root: Path) -> list[tuple[str, str, int, str]]:
    return sorted(
        (f.rule_id, f.location.path.relative_to(root).as_posix(), f.location.line, f.effective_level.value)
        for f in found
    )


def test_vw002_no_schema_error_for_a_value_an_unset_variable_emptied(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "compose.yaml": 'services:\n  db:\n    image: postgres:16\n    container_name: "${DB_CONTAINER}"\n'
        "  cache:\n    image: redis:7\n    container_name: \"\"\n",
    })
    assert [(r, p, n) for r, p, n, _ in _got(lint(root, ["VW002"]), root)] == [("VW002", "compose.yaml", 7)]


def test_vw202_a_gitignored_env_the_readme_documents(tmp_path: Path) -> None:
    root = write(tmp_path, {
        ".gitignore": ".env\n",
        "compose.yaml": "services:\n  db:\n    image: postgres:16\n    environment:\n"
        "      POSTGRES_DB: ${DB_NAME}\n      POSTGRES_USER: ${DB_USER}\n",
        "README.md": "## Settings\n\nCreate `.env` (it is not in the repository):\n\n* `DB_NAME`: the database\n",
    })
    assert _got(lint(root, ["VW202"]), root) == [
        ("VW202", "compose.yaml", 5, "note"),  # README.md names it
        ("VW202", "compose.yaml", 6, "warning"),  # nothing says what DB_USER should be
    ]
    write(root, {".env.test": "DB_USER=test\n"})  # an env file beside it that sets it is a model too
    assert [lvl for *_, lvl in _got(lint(root, ["VW202"]), root)] == ["note", "note"]


def test_hardening_of_a_target_that_runs_only_a_registry_tool_is_a_note(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "Cargo.toml": CARGO, "src/main.rs": MAIN,
        "Dockerfile": (
            "FROM alpine AS toolchain\nRUN apk add rust cargo\n"  # 1
            "FROM toolchain AS build\nCOPY . .\nRUN cargo build --release\n"  # 3
            "FROM alpine AS app\nCOPY --from=build /target/release/shop /shop\n"  # 6
            'CMD ["/shop"]\n'  # 8
            "FROM toolchain AS migrations\nRUN cargo install diesel_cli\n"  # 9
            'CMD ["diesel", "setup"]\n'  # 11
        ),
        "compose.yaml": "services:\n  api:\n    build:\n      context: .\n      target: app\n"
        "  migrate:\n    build:\n      context: .\n      target: migrations\n    restart: \"no\"\n",
    })
    assert _got(lint(root, ["VW401", "VW402"]), root) == [
        ("VW401", "Dockerfile", 6, "warning"),
        ("VW401", "Dockerfile", 9, "note"),
        ("VW402", "Dockerfile", 8, "warning"),
        ("VW402", "Dockerfile", 11, "note"),
    ]


def test_vw102_key_material_and_a_dockerfile_copied_to_another_context(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "Cargo.toml": CARGO, "src/main.rs": MAIN,
        "Dockerfile": IMAGE + "COPY ssl/ /etc/shop/ssl/\nCOPY config/app.toml /etc/shop/\n",  # 7, 8
        "web/Dockerfile.release": "FROM nginx:1.27\nCOPY dist/ /usr/share/nginx/html/\n",
        "ci/release.gitlab-ci.yml": "web-image:\n  script:\n    - mkdir -p ctx\n"
        "    - cp web/Dockerfile.release ctx/Dockerfile\n    - docker build ctx\n",
    })
    assert _got(lint(root, ["VW102"]), root) == [
        ("VW102", "Dockerfile", 7, "note"),  # TLS material: put in place by whoever builds
        ("VW102", "Dockerfile", 8, "error"),  # a config file: really missing
        ("VW102", "web/Dockerfile.release", 2, "note"),  # built in `ctx/`, which the CI job assembles
    ]


def test_vw110_one_missing_input_is_reported_at_its_first_run(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "Cargo.toml": CARGO.replace('edition = "2021"\n', 'edition = "2021"\nbuild = "build.rs"\n'),
        "build.rs": "fn main() {}\n", "src/main.rs": MAIN,
        "Dockerfile": (
            "FROM rust:1.80 AS build\nWORKDIR /app\nCOPY Cargo.toml ./\n"
            "RUN mkdir src && echo 'fn main() {}' > src/main.rs && cargo build --release\n"  # 4
            "COPY src ./src\nRUN cargo build --release\n"  # 6
            "FROM debian:bookworm-slim\nCOPY --from=build /app/target/release/shop /shop\nCMD [\"/shop\"]\n"
        ),
    })
    assert [(r, n) for r, _p, n, _lvl in _got(lint(root, ["VW110"]), root)] == [("VW110", 4)]


def test_vw402_an_entrypoint_script_that_is_the_init(tmp_path: Path) -> None:
    files = {
        "Cargo.toml": CARGO, "src/main.rs": MAIN,
        "Dockerfile": IMAGE + "COPY start.sh /start.sh\nUSER nobody\nENTRYPOINT [\"/start.sh\"]\n",
    }
    supervisor = "#!/bin/sh\nset -e\nsed -i s/x/y/ /etc/shop.conf\nexec /usr/bin/supervisord -c /etc/sv.conf\n"
    forwards = "#!/bin/bash\ntrap 'kill -TERM $PID' TERM\nshop &\nPID=$!\nwait $PID\n"
    plain = "#!/bin/sh\nset -e\nexec shop\n"
    got = {}
    for name, script in (("supervisor", supervisor), ("forwards", forwards), ("plain", plain)):
        root = write(tmp_path / name, {**files, "start.sh": script})
        got[name] = [r for r, *_ in _got(lint(root, ["VW402"]), root)]
    assert got == {"supervisor": [], "forwards": [], "plain": ["VW402"]}


def test_vw105_template_paths_and_vw306_templated_volume_sources(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "docs/examples/client/Cargo.toml": CARGO + 'sdk = { path = "{{client}}" }\nother = { path = "../gone" }\n',
        "docs/examples/client/src/main.rs": "fn main() {}\n",
        "compose.yaml": "services:\n  app:\n    image: example/app:1\n    volumes:\n"
        "      - ${APPDATA}:/data\n      - cache:/cache\n",
        ".env": "APPDATA=YOUR_DATA_DIR\n",
    })
    assert [(r, p, n) for r, p, n, _ in _got(lint(root, ["VW105", "VW306"]), root)] == [
        ("VW105", "docs/examples/client/Cargo.toml", 9),
        ("VW306", "compose.yaml", 6),
    ]


def test_vw404_values_marked_as_examples(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "compose.yaml": "services:\n  mssql:\n    image: mcr.microsoft.com/mssql/server:2022-latest\n"
        '    environment:\n      SA_PASSWORD: "YourStrong!Passw0rd"\n'
        "  api:\n    image: example/api:1\n    environment:\n"
        "      - SIGNING_KEY=bbea79cd66926b219b3219a3186decb3  # DO NOT USE THIS KEY IN PRODUCTION\n"
        "      - SESSION_SECRET=9f3c1a7be2d44f0c8a61d5e7b2c9f4a1\n",  # 10
    })
    assert [(r, n) for r, _p, n, _lvl in _got(lint(root, ["VW404"]), root)] == [("VW404", 10)]


def test_vw301_quick_stock_servers_are_advice(tmp_path: Path) -> None:
    hc = '    healthcheck:\n      test: ["CMD", "wget", "-qO-", "http://localhost/"]\n      interval: 5s\n'
    root = write(tmp_path, {
        "compose.yaml": "services:\n  mail:\n    image: axllent/mailpit:v1.20\n" + hc
        + "  auth:\n    image: quay.io/keycloak/keycloak:25.0\n" + hc  # 7: starts in tens of seconds
        + "  app:\n    image: example/app:1\n    depends_on:\n"
        "      mail: {condition: service_healthy}\n      auth: {condition: service_healthy}\n",
    })
    assert _got(lint(root, ["VW301"]), root) == [
        ("VW301", "compose.yaml", 4, "note"),
        ("VW301", "compose.yaml", 9, "warning"),
    ]


def test_compose_file_a_docs_page_introduces_as_local_development(tmp_path: Path) -> None:
    compose = "services:\n  db:\n    image: postgres:16\n    ports: [\"5432:5432\"]\n  api:\n    build: .\n"
    page = (
        "---\ntitle: Docker Compose\n---\n\n# Docker Compose\n\n"
        "This guide covers running the app with Docker Compose for local development.\n\n"
        "## Setup\n\n```sh\ndocker compose -f docker-compose.yaml up -d\n```\n"
    )
    root = write(tmp_path / "a", {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": IMAGE,
                                  "docker-compose.yaml": compose, "docs/compose.md": page})
    assert [(r, s) for r, s in ((f.rule_id, f.scope) for f in lint(root, ["VW405"]))] == []
    other = page.replace("for local development", "in production")
    root2 = write(tmp_path / "b", {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": IMAGE,
                                   "docker-compose.yaml": compose, "docs/compose.md": other})
    assert [f.rule_id for f in lint(root2, ["VW405"])] == ["VW405"]


def test_vw405_a_readme_that_starts_the_unprofiled_services_from_a_subfolder(tmp_path: Path) -> None:
    compose = (
        "services:\n  db:\n    image: postgres:16\n    ports: [\"5432:5432\"]\n"  # 4
        "  api:\n    build: ./api\n    profiles: [full]\n    environment:\n"
        "      DATABASE_URL: postgres://app:app@db/app\n"
    )
    readme = "## Run from source\n\n```sh\ncd api\ndocker compose up -d\ncargo run\n```\n"
    main = MAIN.replace(
        "async fn main() {\n",
        'async fn main() {\n    let _p = sqlx::PgPool::connect(&std::env::var("DATABASE_URL").unwrap()).await.unwrap();\n',
    )
    root = write(tmp_path, {"api/Cargo.toml": CARGO + 'sqlx = { version = "0.7", features = ["postgres"] }\n',
                            "api/src/main.rs": main, "api/Dockerfile": IMAGE,
                            "docker-compose.yaml": compose, "README.md": readme})
    assert _got(lint(root, ["VW405"]), root) == [("VW405", "docker-compose.yaml", 4, "note")]
    write(root, {"README.md": readme.replace("docker compose up -d", "docker compose --profile full up -d")})
    assert _got(lint(root, ["VW405"]), root) == [("VW405", "docker-compose.yaml", 4, "warning")]


def test_vw402_reads_the_code_of_a_binary_started_through_sh_c(tmp_path: Path) -> None:
    # a host-built binary started by `sh -c "/app/bin/broker \"$@\"" --`: its code handles SIGTERM itself
    code = (
        "#[tokio::main]\nasync fn main() {\n"
        "    use tokio::signal::unix::{signal, SignalKind};\n"
        "    let mut term = signal(SignalKind::terminate()).unwrap();\n"
        "    term.recv().await;\n}\n"
    )
    image = (
        "FROM alpine:3.20\nCOPY target/x86_64-unknown-linux-musl/release/broker /app/bin/\nUSER nobody\n"
        'ENTRYPOINT ["sh", "-c", "/app/bin/broker \\"$@\\"", "--"]\n'
    )
    root = write(tmp_path, {
        "Cargo.toml": '[package]\nname = "broker"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n'
        'tokio = { version = "1", features = ["full"] }\n',
        "src/main.rs": code, "Dockerfile": image,
    })
    assert lint(root, ["VW402"]) == []
    write(root, {"src/main.rs": "fn main() { loop { std::thread::park(); } }\n"})
    assert [f.rule_id for f in lint(root, ["VW402"])] == ["VW402"]


def test_vw204_a_key_a_script_generates(tmp_path: Path) -> None:
    root = write(tmp_path, {
        "e2e/compose.yaml": "services:\n  runner:\n    image: example/runner:1\n    volumes:\n"
        "      - ./keys/id_rsa:/root/.ssh/id_rsa:ro\n      - ./keys/known_hosts:/root/.ssh/known_hosts:ro\n",
        "e2e/gen-keys.sh": "#!/bin/sh\nmkdir -p keys\nssh-keygen -t ed25519 -f ./keys/id_rsa -q -N ''\n",
    })
    found = lint(root, ["VW204"])
    assert _got(found, root) == [
        ("VW204", "e2e/compose.yaml", 5, "note"),
        ("VW204", "e2e/compose.yaml", 6, "error"),  # nothing makes known_hosts
    ]
    assert "created by `ssh-keygen" in next(f.message for f in found if f.location.line == 5)
