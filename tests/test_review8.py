"""Cases a second reading of the sixteenth and seventeenth rounds raised: each guards a true finding that a new
rule of those rounds must leave alone (a deploy run beside a platform file, a README that builds a per-crate
Dockerfile, ordinary wording in a README, a start-up metadata check, a Lambda adapter image compose deploys, an
env file the README only mentions), and the fix advice the findings now carry."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint, write
from tests.unseen_fixtures import CARGO, CONNECT, IMAGE, got, scope_of

MAIN = "fn main() {}\n"
SSH_DEPLOY = (
    "on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n"
    "      - run: ssh deploy@host 'cd app && docker compose -f compose.yaml up -d --build'\n"
)


def test_a_compose_file_ci_deploys_stays_deploy_beside_a_fly_toml(tmp_path: Path) -> None:
    compose = (
        "services:\n  shop:\n    build: .\n    environment:\n      DATABASE_URL: postgres://u:p@db/shop\n"
        "  db:\n    image: postgres:16\n    ports: ['5432:5432']\n"
    )
    cargo = CARGO + 'tokio = { version = "1", features = ["full"] }\ntokio-postgres = "0.7"\n'
    root = write(tmp_path, {"Cargo.toml": cargo, "src/main.rs": CONNECT, "Dockerfile": IMAGE, "compose.yaml": compose,
                            "fly.toml": 'app = "shop-staging"\n', ".github/workflows/deploy.yml": SSH_DEPLOY})
    assert scope_of(root, "compose.yaml") == "deploy"
    assert [f.effective_level.value for f in lint(root, ["VW405"])] == ["warning"]
    # a fly.toml that builds with buildpacks deploys no Dockerfile of the repository
    (root / ".github/workflows/deploy.yml").unlink()
    write(root, {"fly.toml": 'app = "shop"\n[build]\n  builder = "paketobuildpacks/builder:base"\n'})
    assert scope_of(root, "compose.yaml") == "deploy"


def test_a_per_crate_dockerfile_the_readme_builds_is_not_retired(tmp_path: Path) -> None:
    new = (
        "FROM rust:1.80-bookworm AS builder\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\n"
        "FROM debian:bookworm-slim\nCOPY --from=builder /app/target/release/shop /app/shop\nUSER nobody\n"
        "CMD [\"/app/shop\"]\n"
    )
    old = new.replace("debian:bookworm-slim", "debian:bullseye-slim")  # glibc 2.36 built, 2.31 run: VW206
    compose = "services:\n  shop:\n    build:\n      context: .\n      dockerfile: Dockerfile\n"
    files = {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": new, "ops/Dockerfile": old,
             "compose.yaml": compose}
    root = write(tmp_path / "a", files)
    found = lint(root, ["VW206"])
    assert [f.effective_level.value for f in found] == ["error"] and "may be retired" in found[0].message
    readme = "# Shop\n\n## Ops box\n\n```\ndocker build -f ops/Dockerfile -t shop-ops .\ndocker run shop-ops\n```\n"
    root = write(tmp_path / "b", {**files, "README.md": readme})
    found = lint(root, ["VW206"])
    assert [f.effective_level.value for f in found] == ["error"] and "retired" not in found[0].message


def test_ordinary_readme_wording_and_a_deployed_compose_file_are_no_demo(tmp_path: Path) -> None:
    image = IMAGE.replace("USER nobody\n", "")
    files = {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": image}
    readme = "# Shop\n\nThe shop backend of Acme. A demo server runs at https://demo.shop.example.\n"
    root = write(tmp_path / "a", {**files, "README.md": readme})
    assert [f.effective_level.value for f in lint(root, ["VW401"])] == ["warning"]
    demo = "# Shop\n\nThis is a demo project of axum in Docker.\n"
    root = write(tmp_path / "b", {**files, "README.md": demo})
    assert [f.effective_level.value for f in lint(root, ["VW401"])] == ["note"]
    # the same demo deployed over ssh by CI is deployed: a warning
    root = write(tmp_path / "c", {**files, "README.md": demo, "compose.yaml": "services:\n  shop:\n    build: .\n",
                                  ".github/workflows/deploy.yml": SSH_DEPLOY})
    assert [f.effective_level.value for f in lint(root, ["VW401"])] == ["warning"]


def test_vw309_a_kafka_metadata_check_at_start_is_not_waited_for(tmp_path: Path) -> None:
    code = (
        "use rdkafka::config::ClientConfig;\nuse rdkafka::consumer::{BaseConsumer, Consumer};\n"
        "use std::time::Duration;\nfn main() {\n    let host = std::env::var(\"KAFKA_HOST\").unwrap();\n"
        "    let c: BaseConsumer = ClientConfig::new().set(\"bootstrap.servers\", &host).create().unwrap();\n"
        "    c.fetch_metadata(None, Duration::from_secs(5)).expect(\"kafka not reachable\");\n}\n"
    )
    compose = (
        "services:\n  ingress:\n    build: .\n    environment:\n      KAFKA_HOST: kafka:9092\n"
        "    depends_on: [kafka]\n  kafka:\n    image: bitnami/kafka:3.7\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO + 'rdkafka = "0.36"\n', "src/main.rs": code, "Dockerfile": IMAGE,
                            "compose.yaml": compose})
    found = lint(root, ["VW309"])
    assert [f.effective_level.value for f in found] == ["warning"]
    write(root, {"src/main.rs": code.replace(
        '    c.fetch_metadata(None, Duration::from_secs(5)).expect("kafka not reachable");\n', "")})
    found = lint(root, ["VW309"])
    assert [f.effective_level.value for f in found] == ["note"] and "librdkafka" in found[0].message
    assert "30 s" not in found[0].message


def test_vw401_a_lambda_adapter_image_a_deploy_compose_file_runs_as_root(tmp_path: Path) -> None:
    image = (
        "FROM rust:1.80-alpine AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\nFROM alpine:3.20\n"
        "COPY --from=public.ecr.aws/awsguru/aws-lambda-adapter:0.9.0 /lambda-adapter /opt/extensions/lambda-adapter\n"
        "COPY --from=build /src/target/release/shop /app/shop\nEXPOSE 8080\nCMD [\"/app/shop\"]\n"
    )
    files = {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": image}
    root = write(tmp_path / "lambda", files)
    assert got(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 5, "note")]
    # a compose file beside it that nothing deploys is the local stack: still the platform's image
    root = write(tmp_path / "local", {**files, "compose.yaml": "services:\n  shop:\n    build: .\n"})
    assert got(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 5, "note")]
    # one a CI workflow deploys over ssh runs it as a plain container, as root
    root = write(tmp_path / "compose", {**files, "compose.yaml": "services:\n  shop:\n    build: .\n",
                                        ".github/workflows/deploy.yml": SSH_DEPLOY})
    assert got(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 5, "warning")]


def test_vw202_an_env_file_the_readme_only_mentions_documents_nothing(tmp_path: Path) -> None:
    compose = "services:\n  api:\n    image: acme/api:1\n    environment:\n      SMTP_HOST: ${SMTP_HOST}\n"
    root = write(tmp_path, {".gitignore": ".env\n", "compose.yaml": compose, "ci/test.env": "SMTP_HOST=localhost\n",
                            "README.md": "# API\n\n## Tests\n\nThe integration tests load `ci/test.env`.\n"})
    assert [f.effective_level.value for f in lint(root, ["VW202"])] == ["warning"]


def test_fix_advice_of_vw405_vw309_and_vw402_follows_the_findings_own_facts(tmp_path: Path) -> None:
    from viworks_lint.findings import HELP

    compose = (
        "services:\n  api:\n    build: .\n    environment:\n      DATABASE_URL: postgres://u:p@db/shop\n"
        "      REDIS_URL: redis://cache:6379\n    depends_on: [db]\n"
        "  db:\n    image: postgres:16\n    ports: ['0.0.0.0:5432:5432']\n"
        "  cache:\n    image: redis:7\n    ports: ['6379']\n"
    )
    image = IMAGE.replace("USER nobody\n", "RUN useradd app\nUSER app\n")
    cargo = CARGO + 'tokio = { version = "1", features = ["full"] }\ntokio-postgres = "0.7"\n'
    root = write(tmp_path, {"Cargo.toml": cargo, "src/main.rs": CONNECT, "Dockerfile": image, "compose.yaml": compose})
    helps = {(f.rule_id, f.location.line): f.extra.get(HELP, "") for f in lint(root, ["VW405", "VW309", "VW402"])}
    assert '`"127.0.0.1:5432:5432"`' in helps[("VW405", 10)]
    assert '`"127.0.0.1::6379"`' in helps[("VW405", 13)]
    assert helps[("VW309", 7)].startswith("Use `depends_on: {db: {condition: service_healthy}}`")
    tini = next(h for (rule, _line), h in helps.items() if rule == "VW402")
    assert "add `init: true` to service `api`" in tini.lower() and "before `USER app`" in tini


def test_a_sibling_checkout_outside_the_repository_is_a_note(tmp_path: Path) -> None:
    repo = tmp_path / "explorer"
    cargo = CARGO + 'sdk = { path = "../sdk-rust/sdk" }\nmissing = { path = "crates/missing" }\n'
    compose = "services:\n  api:\n    build:\n      context: ..\n      dockerfile: explorer/Dockerfile\n"
    write(repo, {"Cargo.toml": cargo, "src/main.rs": MAIN, "Dockerfile": IMAGE, "compose.yaml": compose})
    (repo / ".git").mkdir()
    found = {(f.rule_id, f.effective_level.value, f.location.line) for f in lint(repo, ["VW104", "VW105"])}
    assert ("VW105", "note", 7) in found and ("VW105", "error", 8) in found  # outside: a note; inside: an error
    assert ("VW104", "note", 5) not in found  # `../explorer/Dockerfile` exists: the checkout has that name
    (tmp_path / "renamed").mkdir()
    (repo).rename(tmp_path / "renamed" / "acme+explorer")
    root = tmp_path / "renamed" / "acme+explorer"
    assert [(f.rule_id, f.effective_level.value) for f in lint(root, ["VW104"])] == [("VW104", "note")]
