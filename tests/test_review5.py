"""Cases a second read of the unseen-repository fixes found: each narrows a new silence back to what it
was meant for, or completes a reading of the project's wrappers."""

from __future__ import annotations

from pathlib import Path

from viworks_lint.findings import Finding

from tests.helpers import lint, write
from tests.unseen_fixtures import CARGO, IMAGE

CONNECT = (
    "#[tokio::main]\nasync fn main() {\n"
    '    let url = std::env::var("DATABASE_URL").unwrap();\n'
    '    let _c = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.expect("db");\n}\n'
)
DB_STACK = (
    "services:\n  api:\n    build: .\n    environment:\n      DATABASE_URL: postgres://app:pw@db/app\n"
    "    depends_on: [db]\n  db:\n    image: postgres:16\n"
)
ENV_STACK = "services:\n  api:\n    image: example/api:1\n    environment:\n      API_URL: ${API_URL}\n"


def _rules(found: list[Finding]) -> list[str]:
    return sorted(f.rule_id for f in found)


def test_vw309_an_http_poller_loop_is_no_connection_retry(tmp_path: Path) -> None:
    poller = "pub async fn poll() {\n    loop {\n        let http = reqwest::Client::new();\n" \
             "        let _ = http.get(\"https://example.org\").send().await;\n" \
             "        tokio::time::sleep(std::time::Duration::from_secs(60)).await;\n    }\n}\n"
    root = write(tmp_path, {"Cargo.toml": CARGO + 'tokio-postgres = "0.7"\ntokio = "1"\nreqwest = "0.12"\n',
                            "src/main.rs": "mod poller;\n" + CONNECT, "src/poller.rs": poller,
                            "Dockerfile": IMAGE, "compose.yaml": DB_STACK})
    assert _rules(lint(root, ["VW309"])) == ["VW309"]


def test_vw110_each_build_target_keeps_its_own_findings(tmp_path: Path) -> None:
    image = (
        "FROM rust:1.80 AS tester\nWORKDIR /app\nCOPY Cargo.toml Cargo.lock ./\nCOPY src src\n"
        "RUN cargo test\n"  # 5: lacks build.rs
        "FROM rust:1.80 AS builder\nWORKDIR /app\nCOPY Cargo.toml ./\nCOPY src src\n"
        "RUN cargo build --release --locked\n"  # 10: lacks build.rs and Cargo.lock
        "FROM debian:bookworm-slim AS runtime\nCOPY --from=builder /app/target/release/shop /shop\n"
        'CMD ["/shop"]\n'
    )
    compose = (
        "services:\n  tests:\n    build: {context: ., target: tester}\n    profiles: [test]\n"
        "  api:\n    build: {context: ., target: runtime}\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO.replace('edition = "2021"\n', 'edition = "2021"\nbuild = "build.rs"\n'),
                            "Cargo.lock": "version = 3\n", "build.rs": "fn main() {}\n",
                            "src/main.rs": "fn main() {}\n", "Dockerfile": image, "compose.yaml": compose})
    assert sorted(f.location.line for f in lint(root, ["VW110"])) == [5, 10, 10]


def test_scripts_cd_back_popd_and_multi_line_subshells(tmp_path: Path) -> None:
    tail = "export API_URL=https://api.example.org\ndocker compose -f docker-compose.yml up -d\n"
    for name, script in (
        ("back", "#!/bin/sh\ncd web\nnpm ci\ncd -\n" + tail),
        ("popd", "#!/bin/bash\npushd web\nnpm ci\npopd\n" + tail),
        ("subshell", "#!/bin/sh\n(\n  cd web\n  npm ci\n)\n" + tail),
    ):
        root = write(tmp_path / name, {"docker-compose.yml": ENV_STACK, "deploy.sh": script,
                                       "web/package.json": "{}\n"})
        assert lint(root, ["VW202"]) == [], name


def test_readme_sections_run_in_terminals_of_their_own(tmp_path: Path) -> None:
    readme = (
        "# Shop\n\n## Frontend\n\n```sh\ncd web\nnpm run build\n```\n\n"
        "## Deploy\n\n```sh\nexport API_URL=https://api.example.org\ndocker compose up -d\n```\n"
    )
    root = write(tmp_path, {"docker-compose.yml": ENV_STACK, "README.md": readme,
                            "web/docker-compose.yml": "services:\n  web:\n    image: nginx:1.27\n"})
    assert lint(root, ["VW202"]) == []  # the export reaches the root compose file, not web/'s


def test_a_local_development_section_is_no_page_intro(tmp_path: Path) -> None:
    readme = (
        "# Shop API\n\nThe API behind the shop, deployed with the compose file below.\n\n"
        "### Local development\n\nRun `cargo run` against a local database.\n\n"
        "### Production\n\n```sh\ndocker compose -f docker-compose.yml up -d\n```\n"
    )
    compose = "services:\n  api:\n    image: example/api:1\n    environment:\n" \
              "      SESSION_SECRET: 9f3c1a7be2d44f0c8a61d5e7b2c9f4a1\n"
    root = write(tmp_path, {"docker-compose.yml": compose, "README.md": readme})
    assert _rules(lint(root, ["VW404"])) == ["VW404"]


def test_ci_compose_action_block_of_files(tmp_path: Path) -> None:
    workflow = (
        "on: push\njobs:\n  e2e:\n    runs-on: ubuntu-latest\n    env:\n      API_URL: http://localhost\n"
        "    steps:\n      - uses: hoverkraft-tech/compose-action@v2\n        with:\n          compose-file: |\n"
        "            ci/compose.yml\n"
    )
    root = write(tmp_path, {".github/workflows/e2e.yml": workflow, "docker-compose.yml": ENV_STACK,
                            "ci/compose.yml": "services:\n  r:\n    image: redis:7\n"})
    assert _rules(lint(root, ["VW202"])) == ["VW202"]  # the job's env belongs to ci/compose.yml, not the root


def test_redis_connection_in_run_is_at_start(tmp_path: Path) -> None:
    code = (
        "#[tokio::main]\nasync fn main() { run().await; }\n"
        "async fn run() {\n    let c = redis::Client::open(std::env::var(\"REDIS_URL\").unwrap()).unwrap();\n"
        "    let _m = c.get_multiplexed_async_connection().await.unwrap();\n}\n"
    )
    compose = "services:\n  api:\n    build: .\n    environment:\n      REDIS_URL: redis://cache\n" \
              "    depends_on: [cache]\n  cache:\n    image: redis:7\n"
    root = write(tmp_path, {"Cargo.toml": CARGO + 'redis = "0.25"\ntokio = "1"\n', "src/main.rs": code,
                            "Dockerfile": IMAGE, "compose.yaml": compose})
    assert [f.effective_level.value for f in lint(root, ["VW309"])] == ["warning"]


def test_vw402_a_trap_before_exec_app_is_no_init(tmp_path: Path) -> None:
    script = "#!/bin/bash\ntrap 'echo bye' TERM\nwait-for-it db:5432\nexec shop\n"
    image = IMAGE.replace('CMD ["shop"]', 'COPY start.sh /start.sh\nENTRYPOINT ["/start.sh"]')
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": "fn main() { loop { std::thread::park(); } }\n",
                            "Dockerfile": image, "start.sh": script,
                            "compose.yaml": "services:\n  api:\n    build: .\n    ports: ['8080:8080']\n"})
    assert _rules(lint(root, ["VW402"])) == ["VW402"]


def test_vw002_keeps_values_empty_on_purpose(tmp_path: Path) -> None:
    root = write(tmp_path, {"compose.yaml": 'services:\n  db:\n    image: postgres:16\n'
                                            '    container_name: "${DB_CONTAINER:-}"\n'})
    assert _rules(lint(root, ["VW002"])) == ["VW002"]


def test_vw303_traefik_routers_route_to_the_exposed_port(tmp_path: Path) -> None:
    code = 'fn main() { let _l = std::net::TcpListener::bind("0.0.0.0:8080").unwrap(); }\n'
    image = IMAGE.replace("USER nobody\n", "USER nobody\nEXPOSE 3000\n")
    compose = "services:\n  api:\n    build: .\n    labels:\n      - traefik.http.routers.api.rule=Host(`x.org`)\n"
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": code, "Dockerfile": image, "compose.yaml": compose})
    assert [f.effective_level.value for f in lint(root, ["VW303"])] == ["error"]


def test_stack_deploy_compose_file_equals_form_and_read_only_ssh_keygen(tmp_path: Path) -> None:
    root = write(tmp_path / "stack", {"stack.yml": ENV_STACK, "docker-compose.yml": ENV_STACK.replace("api", "web"),
                                      "deploy.sh": "#!/bin/sh\nexport API_URL=https://x.org\n"
                                      "docker stack deploy --compose-file=stack.yml shop\n"})
    assert sorted(f.location.path.name for f in lint(root, ["VW202"])) == ["docker-compose.yml"]
    keys = write(tmp_path / "keys", {
        "compose.yaml": "services:\n  git:\n    image: example/git:1\n    volumes:\n"
        "      - ./keys/known_hosts:/root/.ssh/known_hosts:ro\n",
        "setup.sh": "#!/bin/sh\nssh-keygen -R github.com -f ./keys/known_hosts\n",
    })
    assert [f.effective_level.value for f in lint(keys, ["VW204"])] == ["error"]  # -R edits, it creates nothing


def test_readme_local_development_heading_makes_the_stack_dev_not_its_image(tmp_path: Path) -> None:
    readme = (
        "# Shop\n\n## Deployment\n\nPush the image to your host.\n\n## Local Development\n\n### With Docker\n\n"
        "1. Install Docker\n2. Run: `docker-compose up`\n"
    )
    compose = "services:\n  api:\n    build: .\n  db:\n    image: postgres:16\n    ports: ['5432:5432']\n" \
              "    environment:\n      POSTGRES_PASSWORD: 9f3c1a7be2d44f0c8a61d5e7b2c9f4a1\n"
    image = IMAGE.replace("USER nobody\n", "")
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": "fn main() { loop {} }\n", "Dockerfile": image,
                            "docker-compose.yml": compose, "README.md": readme})
    got = sorted((f.rule_id, f.scope) for f in lint(root, ["VW401", "VW404", "VW405"]) if f.level is None
                 or f.effective_level.value != "note")
    assert got == [("VW401", "deploy")]  # the image still ships; the dev stack's secrets and ports do not


def test_vw405_a_service_on_another_network_does_not_use_the_datastore(tmp_path: Path) -> None:
    compose = (
        "services:\n  api:\n    image: example/api:1\n    networks: [front]\n    environment:\n"
        "      DATABASE_URL: postgres://app:pw@db/app\n  db:\n    image: postgres:16\n    ports: ['5432:5432']\n"
        "networks:\n  front: {}\n"
    )
    root = write(tmp_path, {"compose.yaml": compose})
    assert [f.effective_level.value for f in lint(root, ["VW405"])] == ["note"]
    write(root, {"compose.yaml": compose.replace("    networks: [front]\n", "")})
    assert [f.effective_level.value for f in lint(root, ["VW405"])] == ["warning"]
