"""Connection rules (VW208, VW211, VW213, VW309): positive, negative and every "stays silent for" case,
on compose files with anchors, aliases, `network_mode` and external networks."""

from __future__ import annotations

from pathlib import Path

import pytest
from viworks_lint.config import load_config
from viworks_lint.findings import Level
from viworks_lint.hosts import Reach, name_table
from viworks_lint.project import Project

from tests.helpers import lint, where, write

DOCKERFILE = """FROM rust:1.83 AS build
WORKDIR /app
COPY . .
RUN cargo build --release

FROM debian:bookworm-slim
COPY --from=build /app/target/release/api /usr/local/bin/api
CMD ["api"]
"""

MAIN_RS = """use std::env;

fn main() {
    let db = env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://app:app@localhost:5432/app".to_string());
    let cache = env::var("REDIS_URL").unwrap_or("redis://127.0.0.1:6379".to_string());
    println!("{db} {cache}");
}
"""


def _rust_app(root: Path, compose: str, main: str = MAIN_RS) -> Path:
    return write(root, {
        "compose.yaml": compose,
        "Cargo.toml": '[package]\nname = "api"\nversion = "0.1.0"\nedition = "2021"\n',
        "src/main.rs": main,
        "Dockerfile": DOCKERFILE,
    })


# ---------------------------------------------------------------- VW211 env-entry-malformed


def test_vw211_spaces_empty_and_invisible_names(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "x-env: &env\n"
                        "  - DATABASE_URL = postgres://app:pw@db/app\n"
                        "  - export RUST_LOG=info\n"
                        "  - =orphan\n"
                        '  - "API\\u200bKEY=1"\n'
                        "  - GOOD=1\n"
                        "  - PASSED_THROUGH\n"
                        "services:\n"
                        "  api:\n    image: app\n    environment: *env\n"
                        "  worker:\n    image: app\n    environment: *env\n",
    })
    findings = lint(tmp_path, ["VW211"])
    assert where(findings, tmp_path) == [("VW211", "compose.yaml", n) for n in (2, 3, 4, 5)]
    first = findings[0]
    assert "`DATABASE_URL `" in first.message and "`api`, `worker`" in first.message
    assert (first.location.col, first.location.end_col) == (5, 19)
    assert "pw" not in first.message  # the value is never repeated
    assert "shell syntax" in findings[1].message
    assert "empty name" in findings[2].message
    assert "U+200B" in findings[3].message


def test_vw211_also_makes_the_variable_missing_for_the_code(tmp_path: Path) -> None:
    # compose keeps the space: `DATABASE_URL ` is not `DATABASE_URL`, so the required read fails too
    main = 'fn main() {\n    let _ = std::env::var("DATABASE_URL").expect("DATABASE_URL");\n}\n'
    root = _rust_app(tmp_path, "services:\n  api:\n    build: .\n    environment:\n"
                               "      - DATABASE_URL = postgres://app@db/app\n", main)
    assert {f.rule_id for f in lint(root, ["VW211", "VW201"])} == {"VW211", "VW201"}


def test_vw211_silent_for_map_form_and_env_files(tmp_path: Path) -> None:
    write(tmp_path, {
        "app.env": "DATABASE_URL = postgres://app@db/app\n",
        "compose.yaml": "services:\n  api:\n    image: app\n    env_file: app.env\n"
                        "    environment:\n      RUST_LOG : info\n      KEY: ' spaced value'\n",
    })
    assert lint(tmp_path, ["VW211"]) == []


def test_vw211_colon_instead_of_equals(tmp_path: Path) -> None:
    # `- KEY:value` has no `=`: compose reads the whole entry as a name to pass from its own environment
    write(tmp_path, {
        "db.env": "POSTGRES_USER=app\n",
        "compose.yaml": "services:\n"
                        "  api:\n    image: app\n    environment:\n      - RUST_LOG:${RUST_LOG}\n      - HOME\n"
                        "  db:\n    image: postgres:16\n    env_file: db.env\n"
                        "    environment:\n      - POSTGRES_USER:${POSTGRES_USER}\n",  # db.env sets it: harmless
    })
    findings = lint(tmp_path, ["VW211"])
    assert where(findings, tmp_path) == [("VW211", "compose.yaml", 5)]
    assert "`RUST_LOG:…`" in findings[0].message and "`- RUST_LOG=…`" in findings[0].message


def test_vw211_override_file_list_merged_into_a_map(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    image: app\n    environment:\n      A: '1'\n",
        "compose.override.yaml": "services:\n  api:\n    environment:\n      - B = 2\n",
    })
    assert where(lint(tmp_path, ["VW211"]), tmp_path) == [("VW211", "compose.override.yaml", 4)]


# ---------------------------------------------------------------- VW208 connection-host-unreachable

STACK = """x-app-env: &app-env
  DATABASE_URL: postgres://app:s3cret@{db_host}:5432/app
  REDIS_URL: redis://{redis_host}:6379/0
services:
  api:
    image: ghcr.io/acme/api:1
    environment: *app-env
  worker:
    image: ghcr.io/acme/api:1
    environment:
      <<: *app-env
  db:
    image: postgres:16
    environment:
      POSTGRES_USER: app
      POSTGRES_PASSWORD: s3cret
  cache:
    image: redis:7
"""


def test_vw208_localhost_and_unknown_host_through_anchors(tmp_path: Path) -> None:
    write(tmp_path, {"compose.yaml": STACK.format(db_host="localhost", redis_host="redis")})
    findings = lint(tmp_path, ["VW208"])
    assert where(findings, tmp_path) == [("VW208", "compose.yaml", 2), ("VW208", "compose.yaml", 3)]
    db, redis = findings
    assert (db.location.col, db.location.end_col) == (39, 48)
    assert "`localhost`" in db.message and "`db`" in db.message and "`worker`" in db.message
    assert "`redis`" in redis.message and "did you mean `cache`" in redis.message
    assert all("s3cret" not in f.message for f in findings)


def test_vw208_password_never_shown_in_snippets(tmp_path: Path) -> None:
    from viworks_lint.reporters.base import Report, prepare
    from viworks_lint.rule import all_rules

    write(tmp_path, {"compose.yaml": STACK.format(db_host="127.0.0.1", redis_host="cache")})
    findings = lint(tmp_path, ["VW208"])
    assert len(findings) == 1
    prepared = prepare(Report(findings=findings, rules=all_rules(), root=tmp_path, tool_version="0"))
    line = prepared.sources.line(tmp_path / "compose.yaml", 2)
    assert line is not None and "s3cret" not in line and "127.0.0.1" in line


def test_vw208_silent_for_service_names_aliases_and_extra_hosts(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n"
                        "  api:\n    image: ghcr.io/acme/api:1\n"
                        "    extra_hosts: ['legacy-db:10.0.0.5']\n"
                        "    links: ['cache:kv']\n"
                        "    environment:\n"
                        "      DATABASE_URL: postgres://app@pg/app\n"
                        "      REPLICA_URL: postgres://app@replica/app\n"
                        "      LEGACY_URL: mysql://app@legacy-db/app\n"
                        "      REDIS_URL: redis://kv:6379\n"
                        "      AMQP_URL: amqp://mq.internal.example.com\n"
                        "      NATS_URL: nats://10.1.2.3:4222\n"
                        "      MONGO_URL: mongodb://host.docker.internal:27017\n"
                        "      SEARCH_URL: http://search-box:9200\n"
                        "  db:\n    image: postgres:16\n    container_name: pg\n"
                        "    networks:\n      default:\n        aliases: [replica]\n"
                        "  cache:\n    image: redis:7\n"
                        "  search:\n    image: opensearchproject/opensearch:2\n    hostname: search-box\n",
    })
    assert lint(tmp_path, ["VW208"]) == []


@pytest.mark.parametrize("network_mode", ["host", "service:db"])
def test_vw208_silent_for_network_mode(tmp_path: Path, network_mode: str) -> None:
    write(tmp_path, {
        "compose.yaml": f"services:\n  api:\n    image: ghcr.io/acme/api:1\n    network_mode: {network_mode}\n"
                        "    environment:\n      DATABASE_URL: postgres://app@localhost/app\n"
                        "  db:\n    image: postgres:16\n",
    })
    assert lint(tmp_path, ["VW208"]) == []


def test_vw208_external_network_silences_unknown_names_not_localhost(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    image: ghcr.io/acme/api:1\n    networks: [shared]\n"
                        "    environment:\n      DATABASE_URL: postgres://app@central-db/app\n"
                        "      REDIS_URL: redis://localhost:6379\n"
                        "networks:\n  shared:\n    external: true\n",
    })
    findings = lint(tmp_path, ["VW208"])
    assert [f.key for f in findings] == ["REDIS_URL:localhost"]


def test_vw208_silent_for_browser_facing_and_telemetry_urls(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    image: ghcr.io/acme/api:1\n    environment:\n"
                        "      PUBLIC_URL: http://localhost:3000\n"
                        "      CORS_ALLOWED_ORIGINS: http://frontend:5173\n"
                        "      OAUTH_REDIRECT_URI: http://webapp/callback\n"
                        "      NEXT_PUBLIC_API_URL: http://backend:8080\n"
                        "      OTEL_EXPORTER_OTLP_ENDPOINT: http://otel-collector:4317\n"
                        "      UPSTREAM_URL: http://localhost:9000\n",
    })
    assert lint(tmp_path, ["VW208"]) == []


def test_vw208_unknown_http_host_is_reported(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    image: ghcr.io/acme/api:1\n    environment:\n"
                        "      AUTH_SERVICE_URL: http://auth-svc:8080\n  auth:\n    image: ghcr.io/acme/auth:1\n",
    })
    assert [f.key for f in lint(tmp_path, ["VW208"])] == ["AUTH_SERVICE_URL:auth-svc"]


def test_vw208_silent_for_unresolvable_values(tmp_path: Path) -> None:
    write(tmp_path, {
        ".env": "KNOWN=db\n",
        "compose.yaml": "services:\n  api:\n    image: ghcr.io/acme/api:1\n    environment:\n"
                        "      DATABASE_URL: postgres://app@${DB_HOST}/app\n"
                        "      REPLICA_URL: postgres://app@${KNOWN}/app\n"
                        "      REDIS_URL: redis://:bad:port:here@\n"
                        "      CACHE_URL: redis://[::1\n"
                        "      PASS_THROUGH_URL:\n"
                        "  db:\n    image: postgres:16\n",
    })
    assert lint(tmp_path, ["VW208"]) == []


def test_vw208_interpolated_localhost_from_dotenv(tmp_path: Path) -> None:
    write(tmp_path, {
        ".env": "DB_HOST=localhost\n",
        "compose.yaml": "services:\n  api:\n    image: ghcr.io/acme/api:1\n    environment:\n"
                        "      DATABASE_URL: postgres://app@${DB_HOST}:5432/app\n"
                        "  db:\n    image: postgres:16\n",
    })
    assert [f.key for f in lint(tmp_path, ["VW208"])] == ["DATABASE_URL:localhost"]


def test_vw208_host_variables_of_built_services(tmp_path: Path) -> None:
    reads = (
        'fn main() {\n    let _h = std::env::var("DB_HOST");\n    let _r = std::env::var("REDIS_ADDR");\n}\n'
    )
    root = _rust_app(tmp_path, "services:\n  api:\n    build: .\n    env_file: app.env\n"
                               "  db:\n    image: postgres:16\n  redis:\n    image: redis:7\n", reads)
    write(root, {"app.env": "DATABASE_URL=postgres://app@db/app\nREDIS_URL=redis://redis\n"
                            "DB_HOST=localhost\nREDIS_ADDR=rediss:6379\nBIND_ADDR=127.0.0.1:8080\n"})
    findings = lint(root, ["VW208"])
    assert where(findings, root) == [("VW208", "app.env", 3), ("VW208", "app.env", 4)]
    assert "env_file" in findings[0].message
    write(root, {"src/main.rs": 'fn main() {\n    let _h = std::env::var("DB_HOST");\n}\n'})
    assert where(lint(root, ["VW208"]), root) == [("VW208", "app.env", 3)]  # REDIS_ADDR is never read


def test_vw208_host_variables_of_image_only_services_are_theirs(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  admin:\n    image: adminer:4\n    environment:\n"
                        "      ADMINER_DEFAULT_SERVER: localhost\n      DB_HOST: localhost\n",
    })
    assert lint(tmp_path, ["VW208"]) == []


def test_vw208_code_default_when_nothing_sets_the_variable(tmp_path: Path) -> None:
    root = _rust_app(tmp_path, "services:\n  api:\n    build: .\n    environment:\n"
                               "      REDIS_URL: redis://redis:6379\n"
                               "  db:\n    image: postgres:16\n  redis:\n    image: redis:7\n")
    findings = lint(root, ["VW208"])
    assert where(findings, root) == [("VW208", "src/main.rs", 4)]
    assert "code's default" in findings[0].message and "`db`" in findings[0].message


def test_vw208_code_default_silent_without_such_datastore_in_the_project(tmp_path: Path) -> None:
    root = _rust_app(tmp_path, "services:\n  api:\n    build: .\n")
    assert lint(root, ["VW208"]) == []


def test_vw208_image_env_overridden_by_compose(tmp_path: Path) -> None:
    root = _rust_app(tmp_path, "services:\n  api:\n    build: .\n    environment:\n"
                               "      DATABASE_URL: postgres://app@db/app\n      REDIS_URL: redis://redis\n"
                               "  db:\n    image: postgres:16\n  redis:\n    image: redis:7\n")
    write(root, {"Dockerfile": DOCKERFILE.replace('CMD ["api"]', 'ENV DATABASE_URL=postgres://localhost/app\n'
                                                                  'CMD ["api"]')})
    assert lint(root, ["VW208"]) == []
    write(root, {"compose.yaml": "services:\n  api:\n    build: .\n    environment:\n"
                                 "      REDIS_URL: redis://redis\n"
                                 "  db:\n    image: postgres:16\n  redis:\n    image: redis:7\n"})
    findings = lint(root, ["VW208"])
    assert where(findings, root) == [("VW208", "Dockerfile", 8)]
    assert "`ENV`" in findings[0].message


def test_vw208_silent_when_the_image_runs_the_datastore_or_a_sidecar_shares_its_network(tmp_path: Path) -> None:
    root = _rust_app(tmp_path, "services:\n  api:\n    build: .\n    environment:\n"
                               "      REDIS_URL: redis://localhost:6379\n      DATABASE_URL: postgres://app@localhost/app\n"
                               "  pg:\n    image: postgres:16\n    network_mode: service:api\n")
    write(root, {"Dockerfile": DOCKERFILE.replace("FROM debian:bookworm-slim\n", "FROM debian:bookworm-slim\n"
                                                  "RUN apt-get update && apt-get install -y redis-server\n")})
    assert lint(root, ["VW208"]) == []


def test_vw208_silent_for_datastore_services_themselves(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  db:\n    image: postgres:16\n    environment:\n"
                        "      DATABASE_URL: postgres://postgres@localhost/postgres\n      PGHOST: localhost\n",
    })
    assert lint(tmp_path, ["VW208"]) == []


def test_vw208_names_of_other_compose_files_are_known(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    image: ghcr.io/acme/api:1\n    environment:\n"
                        "      DATABASE_URL: postgres://app@db/app\n",
        "compose.db.yaml": "services:\n  db:\n    image: postgres:16\n",
    })
    assert lint(tmp_path, ["VW208"]) == []


def test_name_table_resolution(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    image: a\n    extra_hosts: ['gw=192.168.1.1']\n"
                        "  db:\n    image: postgres:16\n    hostname: primary.db.local\n",
    })
    project = Project(tmp_path, load_config(tmp_path))
    compose = project.composes[0]
    table = name_table(project, compose)
    api = compose.services["api"]
    assert table.resolve(api, "DB").reach is Reach.SERVICE
    assert table.resolve(api, "primary").service is compose.services["db"]
    assert table.resolve(api, "gw").reach is Reach.SERVICE
    assert table.resolve(api, "[::1]").reach is Reach.LOOPBACK
    assert table.resolve(api, "127.0.0.2").reach is Reach.LOOPBACK
    assert table.resolve(api, "nope").reach is Reach.UNKNOWN
    assert table.resolve(api, "nope.example.org").reach is Reach.OTHER


# ---------------------------------------------------------------- VW309 depends-on-not-ready

APP_DB = """services:
  api:
    build: .
    environment:
      DATABASE_URL: postgres://app@db/app
{depends}
  db:
    image: postgres:16
{healthcheck}
"""
HEALTH = "    healthcheck:\n      test: ['CMD-SHELL', 'pg_isready']\n      start_period: 10s\n"


@pytest.mark.parametrize(("depends", "healthcheck", "line", "words"), [
    ("    depends_on: [db]", HEALTH, 6, ("without a condition", "has a healthcheck")),
    ("    depends_on:\n      db:\n        condition: service_started", "", 7, ("service_started", "pg_isready")),
    ("", HEALTH, 2, ("does not list it",)),
])
def test_vw309_reported(tmp_path: Path, depends: str, healthcheck: str, line: int, words: tuple[str, ...]) -> None:
    root = _rust_app(tmp_path, APP_DB.format(depends=depends, healthcheck=healthcheck))
    findings = lint(root, ["VW309"])
    assert where(findings, root) == [("VW309", "compose.yaml", line)]
    assert findings[0].level is Level.WARNING
    for w in words:
        assert w in findings[0].message


def test_vw309_silent_when_healthy_or_transitively_healthy(tmp_path: Path) -> None:
    root = _rust_app(tmp_path, APP_DB.format(
        depends="    depends_on:\n      db:\n        condition: service_healthy", healthcheck=HEALTH))
    assert lint(root, ["VW309"]) == []
    root = _rust_app(tmp_path, APP_DB.format(
        depends="    depends_on:\n      migrate:\n        condition: service_completed_successfully",
        healthcheck=HEALTH + "  migrate:\n    image: migrate/migrate\n"
                    "    depends_on:\n      db:\n        condition: service_healthy\n"))
    assert lint(root, ["VW309"]) == []


def test_vw309_silent_for_image_only_and_outside_datastores(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    image: ghcr.io/acme/api:1\n    environment:\n"
                        "      DATABASE_URL: postgres://app@db/app\n    depends_on: [db]\n"
                        "  db:\n    image: postgres:16\n",
    })
    assert lint(tmp_path, ["VW309"]) == []
    root = _rust_app(tmp_path / "b", "services:\n  api:\n    build: .\n    environment:\n"
                                     "      DATABASE_URL: postgres://app@db.prod.example.com/app\n")
    assert lint(root, ["VW309"]) == []


def test_vw309_silent_for_services_that_wait_or_connect_lazily(tmp_path: Path) -> None:
    root = _rust_app(tmp_path, APP_DB.format(
        depends="    command: ['./wait-for-it.sh', 'db:5432', '--', 'api']", healthcheck=""))
    assert lint(root, ["VW309"]) == []
    lazy = MAIN_RS.replace("fn main() {", "fn main() {\n    let _pool = PgPoolOptions::new().connect_lazy(\"x\");")
    root = _rust_app(tmp_path / "lazy", APP_DB.format(depends="", healthcheck=""), lazy)
    assert lint(root, ["VW309"]) == []


def test_vw309_silent_for_services_that_do_not_talk_to_the_datastore(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  web:\n    build: ./web\n    depends_on: [db, api]\n"
                        "  api:\n    image: ghcr.io/acme/api:1\n"
                        "  db:\n    image: postgres:16\n",
        "web/Dockerfile": "FROM node:20\nCMD [\"node\", \"server.js\"]\n",
    })
    assert lint(tmp_path, ["VW309"]) == []


def test_vw309_on_demand_profile_tool_without_depends_on(tmp_path: Path) -> None:
    root = _rust_app(tmp_path, APP_DB.format(depends="    profiles: [tools]", healthcheck=HEALTH))
    assert lint(root, ["VW309"]) == []


def test_vw309_one_finding_for_an_anchored_depends_on(tmp_path: Path) -> None:
    root = _rust_app(tmp_path, "x-app: &app\n  build: .\n  environment:\n    DATABASE_URL: postgres://app@db/app\n"
                               "  depends_on: [db]\nservices:\n  api: *app\n  worker: *app\n"
                               "  db:\n    image: postgres:16\n")
    findings = lint(root, ["VW309"])
    assert len(findings) == 1 and "`api`, `worker` connect to" in findings[0].message


def test_datastores_json_matches_its_schema() -> None:
    import json
    from importlib import resources

    import jsonschema
    from viworks_lint.datastores import family_of_image, host_variable

    schema = json.loads(resources.files("viworks_lint.schemas").joinpath("datastores.schema.json").read_text("utf-8"))
    data = json.loads(resources.files("viworks_lint.rules").joinpath("datastores.json").read_text("utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)
    assert family_of_image("docker.io/library/postgres:16-alpine").id == "postgres"  # type: ignore[union-attr]
    assert family_of_image("bitnami/redis:7").id == "redis"  # type: ignore[union-attr]
    assert family_of_image("ghcr.io/acme/api:1") is None
    assert host_variable("PGHOST") and host_variable("REDIS_ADDR") and host_variable("DB_HOST")
    assert host_variable("BIND_ADDR") is None and host_variable("VIRTUAL_HOST") is None


# ---------------------------------------------------------------- VW213 database-credentials-mismatch

CREDS = """services:
  api:
    image: ghcr.io/acme/api:1
    environment:
      DATABASE_URL: {url}
  db:
    image: {image}
    environment:
{store_env}{extra}
"""
PG_ENV = "      POSTGRES_USER: viworks\n      POSTGRES_PASSWORD: ${DB_PASSWORD}\n      POSTGRES_DB: viworks\n"


def _creds(root: Path, url: str, store_env: str = PG_ENV, image: str = "postgres:16", extra: str = "",
           dotenv: str = "DB_PASSWORD=s3cret\n") -> list:  # type: ignore[type-arg]
    write(root, {".env": dotenv, "compose.yaml": CREDS.format(url=url, image=image, store_env=store_env, extra=extra)})
    return lint(root, ["VW213"])


@pytest.mark.parametrize(("url", "key", "words"), [
    ("postgres://admin:${DB_PASSWORD}@db:5432/viworks", "user:", ("`admin`", "creates `viworks`")),
    ("postgres://viworks:hunter2@db:5432/viworks", "password:", ("password that differs",)),
    ("postgres://viworks:${DB_PASSWORD}@db:5432/app", "database:", ("database `app`", "creates `viworks`")),
])
def test_vw213_postgres_mismatches(tmp_path: Path, url: str, key: str, words: tuple[str, ...]) -> None:
    findings = _creds(tmp_path, url)
    assert [f.key.split(":")[0] + ":" for f in findings] == [key]
    assert where(findings, tmp_path)[0][1:] == ("compose.yaml", 5)
    for w in words:
        assert w in findings[0].message
    assert "hunter2" not in findings[0].message and "s3cret" not in findings[0].message


def test_vw213_postgres_defaults(tmp_path: Path) -> None:
    # POSTGRES_USER defaults to postgres and POSTGRES_DB to the user
    store = "      POSTGRES_PASSWORD: pw\n"
    assert _creds(tmp_path, "postgres://postgres:pw@db/postgres", store) == []
    findings = _creds(tmp_path, "postgres://app:pw@db/app", store)
    assert [f.key.split(":")[0] for f in findings] == ["user"] and "`postgres`" in findings[0].message


def test_vw213_same_variable_on_both_sides_is_equal_even_unset(tmp_path: Path) -> None:
    assert _creds(tmp_path, "postgres://viworks:${DB_PASSWORD}@db:5432/viworks", dotenv="") == []


def test_vw213_silent_for_unresolvable_values_and_secrets(tmp_path: Path) -> None:
    assert _creds(tmp_path, "postgres://${DB_USER}:${OTHER}@db/${DB_NAME}") == []
    store = "      POSTGRES_USER: viworks\n      POSTGRES_PASSWORD_FILE: /run/secrets/pg\n"
    assert _creds(tmp_path, "postgres://viworks:whatever@db/viworks", store) == []


def test_vw213_silent_with_init_scripts_mounted(tmp_path: Path) -> None:
    extra = "    volumes:\n      - ./initdb:/docker-entrypoint-initdb.d:ro\n"
    assert _creds(tmp_path, "postgres://admin:x@db:5432/other", extra=extra) == []


def test_vw213_silent_when_the_repository_creates_users_and_databases(tmp_path: Path) -> None:
    write(tmp_path, {"migrations/001.sql": "CREATE ROLE app_user LOGIN PASSWORD 'x';\n",
                     "scripts/setup.sh": "#!/bin/sh\nsqlx database create\n"})
    assert _creds(tmp_path, "postgres://app_user:x@db:5432/viworks") == []
    assert _creds(tmp_path, "postgres://viworks:${DB_PASSWORD}@db:5432/elsewhere") == []


def test_vw213_silent_for_datastores_outside_the_project_and_vendor_images(tmp_path: Path) -> None:
    assert _creds(tmp_path, "postgres://admin:x@db.prod.example.com/app") == []
    assert _creds(tmp_path, "postgres://admin:x@db/app", "      POSTGRESQL_USERNAME: viworks\n",
                  image="bitnami/postgresql:16") == []


def test_vw213_trust_auth_accepts_any_password(tmp_path: Path) -> None:
    store = PG_ENV + "      POSTGRES_HOST_AUTH_METHOD: trust\n"
    assert _creds(tmp_path, "postgres://viworks:anything@db:5432/viworks", store) == []


def test_vw213_mysql_and_mariadb_users(tmp_path: Path) -> None:
    mysql = "      MYSQL_ROOT_PASSWORD: rootpw\n      MYSQL_DATABASE: shop\n"
    assert _creds(tmp_path, "mysql://root:rootpw@db/shop", mysql, image="mysql:8") == []
    findings = _creds(tmp_path, "mysql://shop:pw@db/shop", mysql, image="mysql:8")
    assert [f.key.split(":")[0] for f in findings] == ["user"] and "`root`" in findings[0].message
    maria = "      MARIADB_USER: shop\n      MYSQL_PASSWORD: pw\n      MARIADB_DATABASE: shop\n" \
            "      MARIADB_RANDOM_ROOT_PASSWORD: '1'\n"
    assert _creds(tmp_path, "mysql://shop:pw@db/shop", maria, image="mariadb:11") == []
    assert _creds(tmp_path, "mysql://root:guess@db/shop", maria, image="mariadb:11") == []
    findings = _creds(tmp_path, "mysql://shop:pw@db/mysql", maria, image="mariadb:11")
    assert [f.key.split(":")[0] for f in findings] == ["database"]


def test_vw213_mongo_auth_source(tmp_path: Path) -> None:
    mongo = "      MONGO_INITDB_ROOT_USERNAME: root\n      MONGO_INITDB_ROOT_PASSWORD: pw\n"
    assert _creds(tmp_path, "mongodb://root:pw@db:27017/app?authSource=admin", mongo, image="mongo:7") == []
    assert _creds(tmp_path, "mongodb://root:pw@db:27017", mongo, image="mongo:7") == []
    findings = _creds(tmp_path, "mongodb://root:pw@db:27017/app", mongo, image="mongo:7")
    assert [f.key.split(":")[0] for f in findings] == ["authsource"] and "authSource=admin" in findings[0].message
    findings = _creds(tmp_path, "mongodb://root:pw@db:27017/app", "      MONGO_INITDB_DATABASE: app\n", image="mongo:7")
    assert [f.key.split(":")[0] for f in findings] == ["user"] and "no user" in findings[0].message


def test_vw213_password_hidden_in_both_snippets(tmp_path: Path) -> None:
    from viworks_lint.reporters.base import Report, prepare
    from viworks_lint.rule import all_rules

    store = "      POSTGRES_USER: viworks\n      POSTGRES_PASSWORD: topsecret\n"
    findings = _creds(tmp_path, "postgres://viworks:hunter2@db:5432/viworks", store)
    assert len(findings) == 1
    prepared = prepare(Report(findings=findings, rules=all_rules(), root=tmp_path, tool_version="0"))
    text = "\n".join(prepared.sources.lines(tmp_path / "compose.yaml") or [])
    assert "hunter2" not in text and "topsecret" not in text and "POSTGRES_PASSWORD" in text


def test_vw208_image_only_service_sharing_an_env_file_stays_silent(tmp_path: Path) -> None:
    # the .env holds the host-run app's settings; pgAdmin never reads DATABASE_URL
    write(tmp_path, {
        ".env": "DATABASE_URL=postgres://app:pw@localhost:5432/app\nPGADMIN_DEFAULT_EMAIL=a@b.c\n",
        "compose.yaml": "services:\n  pgadmin:\n    image: dpage/pgadmin4\n    env_file: .env\n"
                        "  postgres:\n    image: postgres:16\n",
    })
    assert lint(tmp_path, ["VW208"]) == []


def test_vw208_library_default_is_not_the_binarys(tmp_path: Path) -> None:
    root = _rust_app(tmp_path, "services:\n  api:\n    build: .\n  db:\n    image: postgres:16\n"
                               "  redis:\n    image: redis:7\n", "fn main() {}\n")
    write(root, {
        "Cargo.toml": '[package]\nname = "api"\nversion = "0.1.0"\nedition = "2021"\n\n'
                      '[dependencies]\nshared = { path = "shared" }\n',
        "shared/Cargo.toml": '[package]\nname = "shared"\nversion = "0.1.0"\nedition = "2021"\n',
        "shared/src/lib.rs": MAIN_RS.replace("fn main()", "pub fn worker_config()"),
    })
    assert lint(root, ["VW208"]) == []


def test_vw309_silent_for_code_that_retries_and_remote_builds(tmp_path: Path) -> None:
    retry = MAIN_RS.replace("fn main() {", "fn main() {\n    let database_connection_retries = 6;")
    root = _rust_app(tmp_path, APP_DB.format(depends="    depends_on: [db]", healthcheck=HEALTH), retry)
    assert lint(root, ["VW309"]) == []
    write(tmp_path / "remote", {
        "compose.yaml": "services:\n  pool:\n    build:\n      context: https://github.com/acme/pool.git\n"
                        "    environment:\n      REDIS_URL: redis://redis\n    depends_on: [redis]\n"
                        "  redis:\n    image: redis:7\n",
    })
    assert lint(tmp_path / "remote", ["VW309"]) == []


def test_vw309_silent_for_idle_dev_containers(tmp_path: Path) -> None:
    root = _rust_app(tmp_path, APP_DB.format(depends="    command: sleep infinity", healthcheck=HEALTH))
    assert lint(root, ["VW309"]) == []
