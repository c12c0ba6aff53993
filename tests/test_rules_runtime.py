"""Runtime rules (VW202–VW206, VW304–VW306, VW308, VW403–VW405): positive, negative and every
"stays silent for" case."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import FIXTURES, lint, where, write
from viworks_lint.findings import Level

RUNTIME = FIXTURES / "rules" / "runtime"


def _pkg(name: str = "app", deps: str = "") -> str:
    return f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n{deps}'


# ---------------------------------------------------------------- VW202 interpolation-unset


def test_vw202_unset_and_required(tmp_path: Path) -> None:
    write(tmp_path, {
        ".env": "DEFINED=1\n",
        "compose.yaml": "services:\n"
                        "  api:\n"
                        "    image: app:${DEFINED}\n"
                        "    environment:\n"
                        "      JWT_SECRET: ${JWT_SECRET}\n"
                        "      DB_URL: postgres://app:${DB_PASSWORD:?set DB_PASSWORD}@db/app\n",
    })
    findings = lint(tmp_path, ["VW202"])
    assert where(findings, tmp_path) == [("VW202", "compose.yaml", 5), ("VW202", "compose.yaml", 6)]
    warn, err = findings
    assert (warn.location.col, warn.location.end_col) == (19, 32)
    assert warn.level is Level.WARNING and "JWT_SECRET" in warn.message
    assert err.level is Level.ERROR and (err.location.col, err.location.end_col) == (30, 61)


def test_vw202_silent_for_defaults(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    image: app:${TAG:-latest}\n"
                        "    environment:\n      LOG: ${RUST_LOG-info}\n      X: ${FLAG:+on}\n",
    })
    assert lint(tmp_path, ["VW202"]) == []


def test_vw202_silent_for_dollar_escapes(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    image: alpine\n    command: [\"sh\", \"-c\", \"echo $$HOME $${USER}\"]\n",
    })
    assert lint(tmp_path, ["VW202"]) == []


def test_vw202_silent_for_provided_env(tmp_path: Path) -> None:
    write(tmp_path, {
        ".viworks-lint.toml": 'provided-env = ["DEPLOY_TAG", "DB_PASSWORD"]\n',
        "compose.yaml": "services:\n  api:\n    image: app:${DEPLOY_TAG}\n"
                        "    environment:\n      PW: ${DB_PASSWORD:?required}\n",
    })
    assert lint(tmp_path, ["VW202"]) == []


# ---------------------------------------------------------------- VW203 env-file-missing


def test_vw203_missing_env_files(tmp_path: Path) -> None:
    write(tmp_path, {
        "config/present.env": "A=1\n",
        "compose.yaml": "services:\n"
                        "  api:\n"
                        "    image: app\n"
                        "    env_file:\n"
                        "      - ./config/present.env\n"
                        "      - ./config/backend.env\n"
                        "  worker:\n"
                        "    image: app\n"
                        "    env_file: worker.env\n",
    })
    findings = lint(tmp_path, ["VW203"])
    assert where(findings, tmp_path) == [("VW203", "compose.yaml", 6), ("VW203", "compose.yaml", 9)]
    assert findings[0].location.col == 9 and "./config/backend.env" in findings[0].message


def test_vw203_silent_for_required_false(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    image: app\n    env_file:\n"
                        "      - path: ./local.env\n        required: false\n",
    })
    assert lint(tmp_path, ["VW203"]) == []


# ---------------------------------------------------------------- VW204 bind-source-missing


def test_vw204_short_and_long_syntax(tmp_path: Path) -> None:
    write(tmp_path, {
        "nginx/present.conf": "",
        "compose.yaml": "services:\n"
                        "  web:\n"
                        "    image: nginx:1.27\n"
                        "    volumes:\n"
                        "      - ./nginx/present.conf:/etc/nginx/conf.d/a.conf:ro\n"
                        "      - ./nginx/nginx.conf:/etc/nginx/nginx.conf:ro\n"
                        "      - type: bind\n"
                        "        source: ./certs\n"
                        "        target: /etc/ssl/app\n",
    })
    findings = lint(tmp_path, ["VW204"])
    assert where(findings, tmp_path) == [("VW204", "compose.yaml", 6), ("VW204", "compose.yaml", 8)]
    assert all(f.level is None or f.level is Level.ERROR for f in findings)
    assert findings[1].location.col == 17
    assert "directory" in findings[0].message


def test_vw204_silent_for_named_volumes(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  db:\n    image: postgres:16\n    volumes:\n      - pgdata:/var/lib/postgresql/data\n"
                        "      - type: volume\n        source: other\n        target: /x\nvolumes:\n  pgdata:\n  other:\n",
    })
    assert lint(tmp_path, ["VW204"]) == []


def test_vw204_silent_for_absolute_and_home_paths(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    image: app\n    volumes:\n"
                        "      - /srv/does/not/exist/app.toml:/etc/app.toml\n"
                        "      - ~/.config/app:/config\n"
                        "      - /var/run/docker.sock:/var/run/docker.sock\n",
    })
    assert lint(tmp_path, ["VW204"]) == []


def test_vw204_gitignored_data_dir_is_a_note(tmp_path: Path) -> None:
    write(tmp_path, {
        ".gitignore": "data/\n",
        "compose.yaml": "services:\n  db:\n    image: postgres:16\n    volumes:\n      - ./data/pg:/var/lib/postgresql/data\n",
    })
    findings = lint(tmp_path, ["VW204"])
    assert [(f.rule_id, f.level) for f in findings] == [("VW204", Level.NOTE)]


# ---------------------------------------------------------------- VW305 depends-on-no-healthcheck


def test_vw305_service_healthy_without_healthcheck(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n"
                        "  api:\n"
                        "    build: ./api\n"
                        "    depends_on:\n"
                        "      redis:\n"
                        "        condition: service_healthy\n"
                        "      worker:\n"
                        "        condition: service_healthy\n"
                        "      db:\n"
                        "        condition: service_started\n"
                        "  redis:\n"
                        "    image: redis:7\n"
                        "  worker:\n"
                        "    build: ./worker\n"
                        "  db:\n"
                        "    image: postgres:16\n",
        "api/Dockerfile": "FROM debian:bookworm-slim\nCMD [\"/app\"]\n",
        "worker/Dockerfile": "FROM debian:bookworm-slim\nCMD [\"/worker\"]\n",
    })
    findings = lint(tmp_path, ["VW305"])
    assert where(findings, tmp_path) == [("VW305", "compose.yaml", 5), ("VW305", "compose.yaml", 7)]
    assert "`redis`" in findings[0].message and findings[0].location.col == 7


def test_vw305_disabled_healthcheck_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    image: app\n    depends_on:\n      db:\n"
                        "        condition: service_healthy\n  db:\n    image: postgres:16\n"
                        "    healthcheck:\n      disable: true\n",
    })
    findings = lint(tmp_path, ["VW305"])
    assert where(findings, tmp_path) == [("VW305", "compose.yaml", 5)]
    assert "disables" in findings[0].message


def test_vw305_silent_with_compose_healthcheck(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    image: app\n    depends_on:\n      db:\n"
                        "        condition: service_healthy\n  db:\n    image: postgres:16\n"
                        "    healthcheck:\n      test: [\"CMD\", \"pg_isready\"]\n      start_period: 20s\n",
    })
    assert lint(tmp_path, ["VW305"]) == []


def test_vw305_silent_when_dockerfile_defines_healthcheck(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  web:\n    image: nginx\n    depends_on:\n      api:\n"
                        "        condition: service_healthy\n  api:\n    build: ./api\n",
        "api/Dockerfile": "FROM debian:bookworm-slim\n"
                          "HEALTHCHECK --start-period=10s CMD [\"/usr/local/bin/api\", \"health\"]\n"
                          "CMD [\"/usr/local/bin/api\"]\n",
    })
    assert lint(tmp_path, ["VW305"]) == []


# ---------------------------------------------------------------- VW306 reference-unknown


def test_vw306_unknown_services(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n"
                        "  api:\n"
                        "    image: app\n"
                        "    depends_on: [postgress]\n"
                        "    links:\n"
                        "      - cache:redis\n"
                        "  sidecar:\n"
                        "    image: envoy\n"
                        "    network_mode: service:apii\n"
                        "  job:\n"
                        "    extends:\n"
                        "      service: base\n"
                        "  postgres:\n"
                        "    image: postgres:16\n",
    })
    findings = lint(tmp_path, ["VW306"])
    assert where(findings, tmp_path) == [
        ("VW306", "compose.yaml", 4), ("VW306", "compose.yaml", 6),
        ("VW306", "compose.yaml", 9), ("VW306", "compose.yaml", 12),
    ]
    assert "did you mean `postgres`" in findings[0].message
    assert "did you mean `api`" in findings[2].message


def test_vw306_undeclared_resources(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n"
                        "  api:\n"
                        "    image: app\n"
                        "    volumes:\n"
                        "      - uploads:/data\n"
                        "      - type: volume\n"
                        "        source: cache\n"
                        "        target: /cache\n"
                        "    networks: [backend, default]\n"
                        "    secrets:\n"
                        "      - jwt_key\n"
                        "    configs:\n"
                        "      - source: app_cfg\n"
                        "        target: /etc/app.toml\n"
                        "volumes:\n"
                        "  uploads:\n",
    })
    findings = lint(tmp_path, ["VW306"])
    assert where(findings, tmp_path) == [
        ("VW306", "compose.yaml", 7), ("VW306", "compose.yaml", 9),
        ("VW306", "compose.yaml", 11), ("VW306", "compose.yaml", 13),
    ]
    assert "volume `cache`" in findings[0].message and "network `backend`" in findings[1].message


def test_vw306_silent_for_external_resources(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    image: app\n    volumes: [\"shared:/data\"]\n"
                        "    networks: [proxy]\n    secrets: [jwt]\n"
                        "volumes:\n  shared:\n    external: true\nnetworks:\n  proxy:\n    external: true\n"
                        "secrets:\n  jwt:\n    external: true\n",
    })
    assert lint(tmp_path, ["VW306"]) == []


def test_vw306_silent_for_definitions_in_other_compose_files(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "include:\n  - infra/compose.yaml\nservices:\n  api:\n    image: app\n"
                        "    depends_on: [db, cache]\n    volumes: [\"pgdata:/x\"]\n    networks: [edge]\n",
        "compose.override.yaml": "services:\n  cache:\n    image: redis:7\nnetworks:\n  edge: {}\n",
        "infra/compose.yaml": "services:\n  db:\n    image: postgres:16\nvolumes:\n  pgdata: {}\n",
    })
    assert lint(tmp_path, ["VW306"]) == []


def test_vw306_silent_for_builtin_network_modes_and_file_extends(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n"
                        "  a:\n    image: x\n    network_mode: host\n"
                        "  b:\n    image: x\n    network_mode: none\n"
                        "  c:\n    image: x\n    network_mode: bridge\n"
                        "  d:\n    image: x\n    network_mode: \"container:legacy\"\n"
                        "  e:\n    extends:\n      file: common.yaml\n      service: base\n"
                        "  f:\n    image: x\n    network_mode: service:a\n    depends_on:\n"
                        "      optional:\n        condition: service_started\n        required: false\n",
        "common.yaml": "services:\n  base:\n    image: x\n",
    })
    assert lint(tmp_path, ["VW306"]) == []


# ---------------------------------------------------------------- VW405 datastore-port-published


def test_vw405_datastores_on_all_interfaces(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n"
                        "  db:\n"
                        "    image: docker.io/library/postgres:16\n"
                        "    ports:\n"
                        "      - \"5432:5432\"\n"
                        "  cache:\n"
                        "    image: bitnami/redis:7.2\n"
                        "    ports:\n"
                        "      - \"0.0.0.0:6379:6379\"\n"
                        "      - target: 6380\n"
                        "        published: 6380\n"
                        "  mongo:\n"
                        "    image: mongo:7\n"
                        "    ports: [\"27017\"]\n"
                        "  api:\n"
                        "    image: app\n"
                        "    ports: [\"8080:8080\"]\n",
    })
    findings = lint(tmp_path, ["VW405"])
    assert where(findings, tmp_path) == [
        ("VW405", "compose.yaml", 5), ("VW405", "compose.yaml", 9),
        ("VW405", "compose.yaml", 10), ("VW405", "compose.yaml", 14),
    ]
    assert "PostgreSQL" in findings[0].message and "random host port" in findings[3].message


def test_vw405_silent_for_loopback_bindings(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  db:\n    image: postgres:16\n    ports:\n      - \"127.0.0.1:5432:5432\"\n"
                        "      - \"[::1]:5433:5432\"\n      - target: 5432\n        host_ip: 127.0.0.1\n"
                        "        published: 5434\n",
    })
    assert lint(tmp_path, ["VW405"]) == []


def test_vw405_silent_for_expose(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  db:\n    image: mariadb:11\n    expose: [\"3306\"]\n",
    })
    assert lint(tmp_path, ["VW405"]) == []
