"""Runtime rules (VW202–VW206, VW304–VW306, VW308, VW403–VW405): positive, negative and every
"stays silent for" case."""

from __future__ import annotations

import re
from pathlib import Path

from viworks_lint.findings import Level

from tests.helpers import FIXTURES, lint, where, write

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
                        "      PUBLIC_URL: ${PUBLIC_URL}\n"
                        "      DB_URL: postgres://app:${DB_PASSWORD:?set DB_PASSWORD}@db/app\n",
    })
    findings = lint(tmp_path, ["VW202"])
    assert where(findings, tmp_path) == [("VW202", "compose.yaml", 5), ("VW202", "compose.yaml", 6)]
    warn, required = findings  # `:?` demands it from the shell: a note
    assert (warn.location.col, warn.location.end_col) == (19, 32)
    assert warn.level is Level.WARNING and "PUBLIC_URL" in warn.message
    assert required.level is Level.NOTE and (required.location.col, required.location.end_col) == (30, 61)


def test_vw202_silent_for_defaults(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    image: app:${TAG:-latest}\n"
                        "    environment:\n      LOG: ${RUST_LOG-info}\n      X: ${FLAG:+on}\n",
    })
    assert lint(tmp_path, ["VW202"]) == []


def test_vw202_silent_for_dollar_escapes(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    image: alpine\n"
                        "    command: [\"sh\", \"-c\", \"echo $$HOME $${USER}\"]\n",
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
    # the missing file is an error; a missing directory may be all the service needs: a note
    assert [f.effective_level for f in findings] == [Level.ERROR, Level.NOTE]
    assert findings[1].location.col == 17
    assert "directory" in findings[0].message


def test_vw204_silent_for_named_volumes(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  db:\n    image: postgres:16\n    volumes:\n"
                        "      - pgdata:/var/lib/postgresql/data\n"
                        "      - type: volume\n        source: other\n        target: /x\n"
                        "volumes:\n  pgdata:\n  other:\n",
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


def test_vw204_gitignored_data_dir_of_a_root_container_is_silent(tmp_path: Path) -> None:
    write(tmp_path, {
        ".gitignore": "data/\n",
        "compose.yaml": "services:\n  db:\n    image: postgres:16\n    volumes:\n"
                        "      - ./data/pg:/var/lib/postgresql/data\n",
    })
    assert lint(tmp_path, ["VW204"]) == []  # Docker creates it as root; postgres starts as root


def test_vw204_missing_data_dir_of_an_image_that_sets_a_non_root_user(tmp_path: Path) -> None:
    """prometheus' image runs as `nobody`: the root-owned directory Docker creates is not writable. mysql's
    entrypoint chowns its data directory as root before it drops privileges: fine."""
    write(tmp_path, {
        ".gitignore": "_prometheus-data/\n_db/\n",
        "compose.yaml": "services:\n  prometheus:\n    image: prom/prometheus:v2.53.0\n    volumes:\n"
                        "      - ./_prometheus-data:/prometheus\n"
                        "  db:\n    image: mysql:8\n    volumes:\n      - ./_db:/var/lib/mysql\n",
    })
    found = lint(tmp_path, ["VW204"])
    assert where(found, tmp_path) == [("VW204", "compose.yaml", 5)]
    assert "`nobody`" in found[0].message


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
                        "      - target: 6379\n"
                        "        published: 6380\n"
                        "  mongo:\n"
                        "    image: mongo:7\n"
                        "    ports: [\"27017\"]\n"
                        "  api:\n"
                        "    image: app\n"
                        "    ports: [\"8080:8080\"]\n",
    })
    findings = lint(tmp_path, ["VW405"])
    # one finding per datastore service: the cache's second published port is a related location
    assert where(findings, tmp_path) == [
        ("VW405", "compose.yaml", 5), ("VW405", "compose.yaml", 9), ("VW405", "compose.yaml", 14),
    ]
    assert "PostgreSQL" in findings[0].message and "random host port" in findings[2].message
    cache = findings[1]
    assert "(and container port 6379)" in cache.message
    assert [r.location.line for r in cache.related] == [10]


def test_vw405_only_ports_the_datastore_listens_on(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n"
                        "  db:\n    build: ./db\n    ports:\n      - 5432:5432\n      - 5433:5433\n"
                        "  moved:\n    image: postgres:16\n    command: postgres -p 5433\n"
                        "    ports:\n      - 5433:5433\n"
                        "  cache:\n    image: redis:7\n    ports:\n      - ${REDIS_OUTER}:${REDIS_INNER}\n"
                        "      - ${REDIS_OUTER:-6379}:6379\n"
                        "  conf:\n    image: redis:7\n    volumes:\n      - ./redis.conf:/usr/local/etc/redis/redis.conf\n"
                        "    ports:\n      - 6380:6380\n",
        "db/Dockerfile": "FROM postgres:12-alpine\nCOPY init.sh /docker-entrypoint-initdb.d/\n",
        "db/init.sh": "#!/bin/sh\n",
        "redis.conf": "port 6380\n",
    })
    findings = lint(tmp_path, ["VW405"])
    assert [f.location.line for f in findings] == [5, 11, 16, 22]
    assert all("container port :" not in f.message for f in findings)
    assert "container port 6379 to host port 6379" in findings[2].message


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


# ---------------------------------------------------------------- VW205 runtime-library-missing

BUILDER = (
    "FROM rust:1.83-bookworm AS builder\nWORKDIR /src\nCOPY . .\n{build}\n\n"
)
COPY_BIN = "COPY --from=builder /src/target/release/app /usr/local/bin/app\nENTRYPOINT [\"/usr/local/bin/app\"]\n"


def _uses(deps: str) -> str:
    """`use` lines for every dependency a manifest snippet declares: the code links what it names."""
    names = re.findall(r"^([A-Za-z0-9_-]+)\s*=", deps, re.MULTILINE)
    return "".join(f"use {n.replace('-', '_')} as _;\n" for n in names)


def _rust_project(root: Path, deps: str, final: str, build: str = "RUN cargo build --release",
                  lock: str | None = None) -> Path:
    files = {
        "compose.yaml": "services:\n  app:\n    build: ./app\n",
        "app/Cargo.toml": _pkg("app", deps),
        "app/src/main.rs": _uses(deps) + "fn main() {}\n",
        "app/Dockerfile": BUILDER.format(build=build) + final,
    }
    if lock is not None:
        files["app/Cargo.lock"] = lock
    return write(root, files)


def _lock(*packages: tuple[str, list[str]]) -> str:
    out = ["version = 4\n"]
    for name, deps in packages:
        dep_list = "".join(f' "{d}",\n' for d in deps)
        source = "" if name == "app" else 'source = "registry+https://github.com/rust-lang/crates.io-index"\n'
        out.append(f'[[package]]\nname = "{name}"\nversion = "1.0.0"\n{source}dependencies = [\n{dep_list}]\n')
    return "\n".join(out)


def test_vw205_openssl_and_ca_from_cargo_lock() -> None:
    root = RUNTIME / "tls-backend"
    findings = lint(root, ["VW205"])
    assert where(findings, root) == [("VW205", "api/Dockerfile", 7), ("VW205", "api/Dockerfile", 7)]
    ssl, ca = findings
    assert ssl.level is Level.ERROR and "libssl" in ssl.message and "libssl3" in ssl.message
    assert ca.level is Level.WARNING and "CA certificates" in ca.message
    assert (ssl.location.col, ssl.location.end_col) == (6, 26)
    assert ssl.related[0].location.path.name == "Cargo.toml" and ssl.related[0].location.line == 7


def test_vw205_libpq_from_diesel_postgres_feature(tmp_path: Path) -> None:
    _rust_project(tmp_path, 'diesel = { version = "2", features = ["postgres", "r2d2"] }\n',
                  "FROM debian:bookworm-slim AS runtime\n" + COPY_BIN)
    findings = lint(tmp_path, ["VW205"])
    assert where(findings, tmp_path) == [("VW205", "app/Dockerfile", 6)]
    assert "libpq" in findings[0].message and "libpq5" in findings[0].message
    assert "final stage `runtime`" in findings[0].message


def test_vw205_postgres_crate_is_pure_rust(tmp_path: Path) -> None:
    _rust_project(tmp_path, 'tokio-postgres = "0.7"\npostgres = "0.19"\nsqlx = { version = "0.8", features = '
                            '["postgres", "runtime-tokio"] }\n',
                  "FROM debian:bookworm-slim\n" + COPY_BIN)
    assert lint(tmp_path, ["VW205"]) == []


def test_vw205_silent_for_rustls_only(tmp_path: Path) -> None:
    _rust_project(tmp_path, 'reqwest = { version = "0.12", default-features = false, features = ["rustls-tls", '
                            '"json"] }\n',
                  "FROM debian:bookworm-slim\n" + COPY_BIN)
    assert lint(tmp_path, ["VW205"]) == []


def test_vw205_silent_for_static_musl_builds(tmp_path: Path) -> None:
    musl_copy = ("COPY --from=builder /src/target/x86_64-unknown-linux-musl/release/app /app\n"
                 "ENTRYPOINT [\"/app\"]\n")
    _rust_project(tmp_path / "target-flag", 'openssl = "0.10"\n', "FROM scratch\n" + musl_copy,
                  build="RUN cargo build --release --target x86_64-unknown-linux-musl")
    write(tmp_path / "alpine-builder", {
        "Cargo.toml": _pkg("app", 'diesel = { version = "2", features = ["postgres"] }\n'),
        "src/main.rs": "fn main() {}\n",
        "Dockerfile": "FROM rust:1.83-alpine AS builder\nWORKDIR /src\nCOPY . .\n"
                      "RUN apk add --no-cache musl-dev postgresql-dev && cargo build --release\n"
                      "FROM alpine:3.20\nCOPY --from=builder /src/target/release/app /app\nCMD [\"/app\"]\n",
    })
    assert lint(tmp_path, ["VW205"]) == []


def test_vw205_silent_when_installed_in_final_stage(tmp_path: Path) -> None:
    _rust_project(tmp_path, 'diesel = { version = "2", features = ["postgres"] }\nnative-tls = "0.2"\n',
                  "FROM debian:bookworm-slim\n"
                  "RUN apt-get update \\\n && apt-get install -y --no-install-recommends libpq5=15.* libssl3 "
                  "ca-certificates \\\n && rm -rf /var/lib/apt/lists/*\n" + COPY_BIN)
    write(tmp_path / "alpine", {
        "Cargo.toml": _pkg("app", 'native-tls = "0.2"\n'),
        "src/main.rs": "fn main() {}\n",
        "Dockerfile": "FROM rust:1.83-bookworm AS builder\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
                      "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y openssl ca-certificates\n"
                      "COPY --from=builder /src/target/release/app /app\nCMD [\"/app\"]\n",
    })
    assert lint(tmp_path, ["VW205"]) == []


def test_vw205_silent_when_library_is_copied_in(tmp_path: Path) -> None:
    _rust_project(tmp_path, 'pq-sys = "0.6"\n',
                  "FROM gcr.io/distroless/cc-debian12\n"
                  "COPY --from=builder /usr/lib/x86_64-linux-gnu/libpq.so* /usr/lib/x86_64-linux-gnu/\n" + COPY_BIN)
    assert lint(tmp_path, ["VW205"]) == []


def test_vw205_lock_vendored_openssl_and_dev_only_tls_are_silent(tmp_path: Path) -> None:
    lock = _lock(("app", ["openssl", "wiremock"]), ("openssl", ["openssl-sys"]), ("openssl-sys", ["openssl-src"]),
                 ("openssl-src", []), ("wiremock", ["native-tls"]), ("native-tls", ["openssl-sys"]))
    _rust_project(tmp_path, 'openssl = { version = "0.10", features = ["vendored"] }\n\n[dev-dependencies]\n'
                            'wiremock = "0.6"\n',
                  "FROM gcr.io/distroless/cc-debian12\n" + COPY_BIN, lock=lock)
    assert lint(tmp_path, ["VW205"]) == []


_MYSQL_NATIVE_TLS = _lock(("app", ["redis", "sqlx"]), ("sqlx", ["sqlx-mysql"]), ("sqlx-mysql", ["native-tls"]),
                         ("native-tls", ["openssl-sys", "openssl-probe"]), ("openssl-sys", []), ("openssl-probe", []),
                         ("redis", ["rustls-native-certs"]), ("rustls-native-certs", ["openssl-probe"]))
_DATASTORE_DEPS = ('sqlx = { version = "0.7", features = ["mysql", "runtime-tokio-native-tls"] }\n'
                   'redis = { version = "0.25", features = ["tokio-rustls-comp"] }\n')


def test_vw205_datastore_tls_crates_alone_do_not_claim_the_ca_store(tmp_path: Path) -> None:
    _rust_project(tmp_path, _DATASTORE_DEPS, "FROM debian:bookworm-slim\n" + COPY_BIN, lock=_MYSQL_NATIVE_TLS)
    (tmp_path / "compose.yaml").write_text("services:\n  app:\n    build: ./app\n    environment:\n"
                                           "      DATABASE_URL: mysql://app:pw@db/app\n      REDIS_URL: redis://cache\n")
    findings = lint(tmp_path, ["VW205"])
    assert [("libssl" in f.message, f.level) for f in findings] == [(True, Level.ERROR)]  # the link still breaks


def test_vw205_ca_store_for_a_url_asking_for_verified_tls(tmp_path: Path) -> None:
    _rust_project(tmp_path, _DATASTORE_DEPS, "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y "
                  "--no-install-recommends libssl3\n" + COPY_BIN, lock=_MYSQL_NATIVE_TLS)
    (tmp_path / "compose.yaml").write_text("services:\n  app:\n    build: ./app\n    environment:\n"
                                           "      REDIS_URL: rediss://cache.example.com:6380\n")
    [f] = lint(tmp_path, ["VW205"])
    assert f.level is Level.WARNING and "a `rediss://` URL asks for" in f.message
    assert [r.location.path.name for r in f.related] == ["Cargo.toml", "compose.yaml"]
    (tmp_path / "compose.yaml").write_text("services:\n  app:\n    build: ./app\n")
    (tmp_path / "app/src/main.rs").write_text(
        _uses(_DATASTORE_DEPS) + 'fn main() {\n    let _ = "postgres://db/app?sslmode=verify-full";\n}\n')
    [f] = lint(tmp_path, ["VW205"])
    line = 2 + _uses(_DATASTORE_DEPS).count("\n")
    assert "`sslmode=verify-*`" in f.message and f.related[1].location.line == line


def test_vw205_https_client_only_through_the_web_framework_is_no_evidence(tmp_path: Path) -> None:
    lock = _lock(("app", ["salvo"]), ("salvo", ["salvo-jwt-auth"]), ("salvo-jwt-auth", ["hyper-rustls"]),
                 ("hyper-rustls", ["rustls-native-certs"]), ("rustls-native-certs", []))
    _rust_project(tmp_path, 'salvo = { version = "0.68", features = ["jwt-auth"] }\n',
                  "FROM debian:bookworm-slim\n" + COPY_BIN, lock=lock)
    assert lint(tmp_path, ["VW205"]) == []
    lock = lock.replace('dependencies = [\n "salvo",\n]', 'dependencies = [\n "salvo",\n "octocrab",\n]')
    lock += '\n[[package]]\nname = "octocrab"\nversion = "1.0.0"\nsource = "registry+x"\ndependencies = [\n "hyper-rustls",\n]\n'
    (tmp_path / "app/Cargo.lock").write_text(lock)
    (tmp_path / "app/Cargo.toml").write_text(_pkg("app", 'salvo = "0.68"\noctocrab = "0.44"\n'))
    (tmp_path / "app/src/main.rs").write_text("use salvo as _;\nuse octocrab as _;\nfn main() {}\n")
    [f] = lint(tmp_path, ["VW205"])
    assert "`octocrab` (through `rustls-native-certs`)" in f.message and f.level is Level.WARNING


def test_vw205_ca_store_of_a_test_image_is_a_note(tmp_path: Path) -> None:
    write(tmp_path, {
        "Cargo.toml": _pkg("app", 'reqwest = "0.11"\n'),
        "src/main.rs": "use reqwest as _;\nfn main() {}\n",
        "benchmarks/compose.yaml": "services:\n  bench:\n    build:\n      context: ..\n"
                                   "      dockerfile: benchmarks/Bench.Dockerfile\n",
        "benchmarks/Bench.Dockerfile": BUILDER.format(build="RUN cargo build --release")
        + "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends libssl3\n"
        + COPY_BIN,
    })
    [f] = lint(tmp_path, ["VW205"])
    assert f.level is Level.NOTE and "CA certificates" in f.message


# ---------------------------------------------------------------- VW206 glibc-mismatch


def _glibc_project(root: Path, builder: str, final: str, build: str = "RUN cargo build --release",
                   copy_from: str = "/src/target/release/app") -> Path:
    return write(root, {
        "Cargo.toml": _pkg("app"),
        "src/main.rs": "fn main() {}\n",
        "Dockerfile": f"FROM {builder} AS builder\nWORKDIR /src\nCOPY . .\n{build}\n\n"
                      f"FROM {final}\nCOPY --from=builder {copy_from} /usr/local/bin/app\n"
                      "CMD [\"/usr/local/bin/app\"]\n",
    })


def test_vw206_newer_builder_glibc(tmp_path: Path) -> None:
    _glibc_project(tmp_path, "rust:1.83", "debian:bullseye-slim")
    findings = lint(tmp_path, ["VW206"])
    assert where(findings, tmp_path) == [("VW206", "Dockerfile", 6)]
    f = findings[0]
    assert "glibc 2.31" in f.message and "GLIBC_2.32, GLIBC_2.33, GLIBC_2.34" in f.message
    assert "`GLIBC_2.34' not found" in f.message and "debian:bookworm-slim" in f.message
    assert (f.location.col, f.location.end_col) == (6, 26)
    assert [r.location.line for r in f.related] == [1, 7]


def test_vw206_trixie_builder_into_distroless_debian12(tmp_path: Path) -> None:
    _glibc_project(tmp_path, "rust:1.90-slim", "gcr.io/distroless/cc-debian12:nonroot")
    assert where(lint(tmp_path, ["VW206"]), tmp_path) == [("VW206", "Dockerfile", 6)]


def test_vw206_gap_that_crosses_no_needed_symbol_version_is_a_note(tmp_path: Path) -> None:
    """trixie (2.41) → noble (2.39): Rust binaries built on 2.41 need GLIBC_2.39 at most (rules/images.json);
    trixie → bookworm (2.36) crosses only 2.38/2.39, which a binary needs for what it uses (a float remainder, C
    code, starting processes): a note that names those uses, and a warning when the code it runs starts a process
    (`std::process::Command`). bookworm → bullseye (2.31) crosses 2.34, which every binary needs
    (`__libc_start_main`): an error naming the version the loader misses."""
    _glibc_project(tmp_path / "noble", "rust:1.92.0", "ubuntu:24.04")
    [note] = lint(tmp_path / "noble", ["VW206"])
    assert note.level is Level.NOTE and "most likely starts" in note.message
    _glibc_project(tmp_path / "bookworm", "rust:1.92.0", "debian:bookworm-slim")
    [unseen] = lint(tmp_path / "bookworm", ["VW206"])
    assert unseen.level is Level.NOTE
    assert "the repository's code is not seen to start a process" in unseen.message
    assert "GLIBC_2.39 when it starts processes" in unseen.message and "`fmod`" in unseen.message
    main = 'use std::process::Command;\n\nfn main() {\n    let _ = Command::new("git").arg("status").status();\n}\n'
    write(tmp_path / "bookworm", {"src/main.rs": main})
    [warning] = lint(tmp_path / "bookworm", ["VW206"])
    assert warning.level is Level.WARNING and "the code it runs starts a process" in warning.message
    assert [(r.location.path.name, r.location.line) for r in warning.related][-1] == ("main.rs", 1)
    # clap's `Command::new` beside `std::process::ExitCode` starts no process
    clap = (
        "use std::process::ExitCode;\n\nfn main() -> ExitCode {\n    let _m = clap::Command::new(\"shop\").get_matches();\n"
        "    ExitCode::SUCCESS\n}\n"
    )
    write(tmp_path / "bookworm", {"src/main.rs": clap})
    [clapped] = lint(tmp_path / "bookworm", ["VW206"])
    assert clapped.level is Level.NOTE
    _glibc_project(tmp_path / "bullseye", "rust:1.83", "debian:bullseye-slim")
    [error] = lint(tmp_path / "bullseye", ["VW206"])
    assert error.level is Level.ERROR and "`GLIBC_2.34' not found`" in error.message


def test_vw206_gnu_build_into_alpine(tmp_path: Path) -> None:
    _glibc_project(tmp_path, "rust:1.83-slim-bookworm", "alpine:3.20")
    findings = lint(tmp_path, ["VW206"])
    assert where(findings, tmp_path) == [("VW206", "Dockerfile", 6)]
    assert "musl" in findings[0].message


def test_vw206_vw401_silent_for_export_only_scratch_stage(tmp_path: Path) -> None:
    """`FROM scratch AS artifact` + `COPY --from` and no CMD/ENTRYPOINT: exported with `docker build --output`,
    the binary runs on a host, not in this image. With a CMD it is an image that runs (and is reported)."""
    root = _glibc_project(tmp_path / "export", "rust:1.90", "scratch AS artifact")
    df = (root / "Dockerfile").read_text().replace('CMD ["/usr/local/bin/app"]\n', "")
    (root / "Dockerfile").write_text(df)
    assert lint(root, ["VW206", "VW401"]) == []
    run = _glibc_project(tmp_path / "runs", "rust:1.90", "scratch AS artifact")
    assert sorted(f.rule_id for f in lint(run, ["VW206", "VW401"])) == ["VW206", "VW401"]


def test_vw206_silent_for_musl_targets(tmp_path: Path) -> None:
    _glibc_project(tmp_path / "flag", "rust:1.83", "alpine:3.20",
                   build="RUN rustup target add x86_64-unknown-linux-musl && "
                         "cargo build --release --target x86_64-unknown-linux-musl",
                   copy_from="/src/target/x86_64-unknown-linux-musl/release/app")
    _glibc_project(tmp_path / "alpine-builder", "rust:1.83-alpine", "scratch")
    _glibc_project(tmp_path / "static-glibc", "rust:1.83", "debian:bullseye-slim",
                   build="RUN RUSTFLAGS='-C target-feature=+crt-static' cargo build --release "
                         "--target x86_64-unknown-linux-gnu",
                   copy_from="/src/target/x86_64-unknown-linux-gnu/release/app")
    assert lint(tmp_path, ["VW206"]) == []


def test_vw206_target_from_an_arg_default(tmp_path: Path) -> None:
    """`cargo build --target=$target` with `ARG target=…-musl`: the default decides (a static musl binary in
    scratch is fine); the same build with a gnu default is still reported."""
    build = "ARG target={}\nRUN rustup target add $target && cargo build --release --target=$target"
    _glibc_project(tmp_path / "musl", "rust:1.83", "scratch", build=build.format("x86_64-unknown-linux-musl"),
                   copy_from="/src/target/$target/release/app")
    assert lint(tmp_path / "musl", ["VW206"]) == []
    _glibc_project(tmp_path / "gnu", "rust:1.83", "scratch", build=build.format("x86_64-unknown-linux-gnu"),
                   copy_from="/src/target/${target}/release/app")
    assert where(lint(tmp_path / "gnu", ["VW206"]), tmp_path / "gnu") == [("VW206", "Dockerfile", 7)]


def test_vw206_target_chosen_at_build_time(tmp_path: Path) -> None:
    """`--target $(cat .toolchain)`: a musl triple written earlier or musl-tools installed means musl; with no
    such evidence the target is unknown and there is no claim; musl-tools beside a copy of cargo's host output
    (`target/release/`) is still a glibc binary."""
    pick = 'RUN echo "x86_64-unknown-linux-musl" > .toolchain\n'
    build = "RUN {tools}rustup target add $(cat .toolchain)\nRUN cargo build --release --target $(cat .toolchain)" \
            " && mv target/$(cat .toolchain)/release/app /app"
    _glibc_project(tmp_path / "triple", "rust:1.90", "alpine:3.20", build=pick + build.format(tools=""),
                   copy_from="/app")
    _glibc_project(tmp_path / "tools", "rust:1.90", "alpine:3.20",
                   build=build.format(tools="apt-get update && apt-get install -y musl-tools && "), copy_from="/app")
    _glibc_project(tmp_path / "unknown", "rust:1.90", "debian:bookworm-slim",
                   build="RUN cargo build --release --target $TRIPLE && cp target/*/release/app /app", copy_from="/app")
    assert lint(tmp_path, ["VW206"]) == []
    host = _glibc_project(tmp_path / "host", "rust:1.90", "alpine:3.20",
                          build="RUN apt-get update && apt-get install -y musl-tools && cargo build --release")
    assert where(lint(host, ["VW206"]), host) == [("VW206", "Dockerfile", 6)]


def test_vw206_silent_for_same_distro_pairs(tmp_path: Path) -> None:
    _glibc_project(tmp_path / "bookworm", "rust:1.83-slim-bookworm", "debian:bookworm-slim")
    _glibc_project(tmp_path / "bullseye", "rust:1.83-bullseye", "debian:bullseye-slim")
    _glibc_project(tmp_path / "older-builder", "rust:1.83-bullseye", "debian:bookworm-slim")
    _glibc_project(tmp_path / "zig", "rust:1.83", "debian:buster-slim",
                   build="RUN cargo zigbuild --release --target x86_64-unknown-linux-gnu.2.17",
                   copy_from="/src/target/x86_64-unknown-linux-gnu/release/app")
    assert lint(tmp_path, ["VW206"]) == []


def test_vw206_silent_for_matching_distroless_cc(tmp_path: Path) -> None:
    _glibc_project(tmp_path / "a", "rust:1.83", "gcr.io/distroless/cc-debian12")
    _glibc_project(tmp_path / "b", "rust:1.80-bullseye", "gcr.io/distroless/cc-debian11:nonroot")
    assert lint(tmp_path, ["VW206"]) == []


# ---------------------------------------------------------------- VW304 healthcheck-tool-missing

HC_DOCKERFILE = (
    "FROM rust:1.83-bookworm AS builder\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n\n"
    "FROM {final}\n{extra}COPY --from=builder /src/target/release/app /usr/local/bin/app\n"
    "ENTRYPOINT [\"/usr/local/bin/app\"]\n"
)


def _hc_project(root: Path, final: str, test: str, extra: str = "") -> Path:
    return write(root, {
        "compose.yaml": f"services:\n  app:\n    build: .\n    healthcheck:\n      test: {test}\n"
                        "      start_period: 30s\n",
        "Cargo.toml": _pkg("app"),
        "src/main.rs": "fn main() {}\n",
        "Dockerfile": HC_DOCKERFILE.format(final=final, extra=extra),
    })


def test_vw304_curl_in_debian_slim(tmp_path: Path) -> None:
    _hc_project(tmp_path, "debian:bookworm-slim", '["CMD", "curl", "-f", "http://localhost:8080/health"]')
    findings = lint(tmp_path, ["VW304"])
    assert where(findings, tmp_path) == [("VW304", "compose.yaml", 5)]
    f = findings[0]
    assert (f.location.col, f.location.end_col) == (22, 26)
    assert "`curl`" in f.message and "apt-get install" in f.message


def test_vw304_alpine_and_distroless(tmp_path: Path) -> None:
    _hc_project(tmp_path / "alpine", "alpine:3.20", '["CMD-SHELL", "curl -fsS http://localhost:8080/health || exit 1"]')
    _hc_project(tmp_path / "distroless", "gcr.io/distroless/cc-debian12",
                '"wget -q --spider http://localhost:8080/health"')
    write(tmp_path / "scratch", {
        "Dockerfile": "FROM scratch\nCOPY app /app\n"
                      "HEALTHCHECK --start-period=5s CMD [\"/bin/busybox\", \"wget\", \"-q\", \"http://x/\"]\n"
                      "ENTRYPOINT [\"/app\"]\n",
        "app": "",
    })
    findings = lint(tmp_path, ["VW304"])
    assert where(findings, tmp_path) == [
        ("VW304", "alpine/compose.yaml", 5),
        ("VW304", "distroless/compose.yaml", 5),
        ("VW304", "scratch/Dockerfile", 3),
    ]
    assert "`curl`" in findings[0].message and "wget" in findings[0].message
    assert "/bin/sh" in findings[1].message
    assert findings[2].location.col == 37


def test_vw304_dockerfile_healthcheck(tmp_path: Path) -> None:
    write(tmp_path, {
        "Dockerfile": "FROM debian:bookworm-slim\nCOPY app /usr/local/bin/app\n"
                      "HEALTHCHECK --start-period=10s CMD curl -f http://localhost/ || exit 1\n"
                      "CMD [\"/usr/local/bin/app\"]\n",
        "app": "",
    })
    findings = lint(tmp_path, ["VW304"])
    assert where(findings, tmp_path) == [("VW304", "Dockerfile", 3)]
    assert findings[0].location.col == 36


def test_vw304_silent_when_installed_in_final_stage(tmp_path: Path) -> None:
    _hc_project(tmp_path / "apt", "debian:bookworm-slim", '["CMD", "curl", "-f", "http://localhost:8080/health"]',
                "RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates\n")
    _hc_project(tmp_path / "apk", "alpine:3.20", '["CMD", "curl", "-f", "http://localhost:8080/health"]',
                "RUN apk add --no-cache curl\n")
    assert lint(tmp_path, ["VW304"]) == []


def test_vw304_silent_when_present_in_base(tmp_path: Path) -> None:
    _hc_project(tmp_path / "alpine", "alpine:3.20", '["CMD", "wget", "-q", "--spider", "http://localhost:8080/"]')
    _hc_project(tmp_path / "nc", "alpine:3.20", '["CMD-SHELL", "nc -z localhost 8080"]')
    _hc_project(tmp_path / "rust", "rust:1.83-bookworm", '["CMD", "curl", "-f", "http://localhost:8080/"]')
    assert lint(tmp_path, ["VW304"]) == []


def test_vw304_silent_when_copied_in(tmp_path: Path) -> None:
    _hc_project(tmp_path, "gcr.io/distroless/cc-debian12", '["CMD", "/usr/bin/curl", "-f", "http://localhost/"]',
                "COPY --from=builder /usr/bin/curl /usr/bin/curl\n")
    assert lint(tmp_path, ["VW304"]) == []


def test_vw304_silent_for_the_app_binary(tmp_path: Path) -> None:
    _hc_project(tmp_path / "path", "gcr.io/distroless/cc-debian12", '["CMD", "/usr/local/bin/app", "healthcheck"]')
    _hc_project(tmp_path / "name", "scratch", '["CMD", "app", "--health"]')
    assert lint(tmp_path, ["VW304"]) == []


def test_vw304_image_only_services(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n"
                        "  db:\n    image: postgres:16-alpine\n"
                        "    healthcheck:\n      test: [\"CMD-SHELL\", \"pg_isready -U app\"]\n"
                        "  cache:\n    image: redis:7\n"
                        "    healthcheck:\n      test: [\"CMD\", \"redis-cli\", \"ping\"]\n"
                        "  bad:\n    image: redis:7-alpine\n"
                        "    healthcheck:\n      test: [\"CMD\", \"curl\", \"-f\", \"http://localhost\"]\n"
                        "  unknown:\n    image: ghcr.io/acme/thing:1\n"
                        "    healthcheck:\n      test: [\"CMD\", \"curl\", \"-f\", \"http://localhost\"]\n",
    })
    assert where(lint(tmp_path, ["VW304"]), tmp_path) == [("VW304", "compose.yaml", 13)]


# ---------------------------------------------------------------- VW308 exec-form-variable


def test_vw308_dockerfile_exec_forms(tmp_path: Path) -> None:
    write(tmp_path, {
        "Dockerfile": "FROM debian:bookworm-slim\n"
                      "ENV PORT=8080\n"
                      "HEALTHCHECK --start-period=5s CMD [\"/app\", \"health\", \"--url=http://localhost:$PORT/\"]\n"
                      "ENTRYPOINT [\"/app\", \"--port\", \"${PORT}\"]\n",
    })
    findings = lint(tmp_path, ["VW308"])
    assert where(findings, tmp_path) == [("VW308", "Dockerfile", 3), ("VW308", "Dockerfile", 4)]
    assert (findings[0].location.col, findings[0].location.end_col) == (78, 83)
    assert (findings[1].location.col, findings[1].location.end_col) == (32, 39)
    assert "`${PORT}`" in findings[1].message


def test_vw308_compose_escaped_variable_in_cmd_test(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  db:\n    image: postgres:16\n    healthcheck:\n"
                        "      test: [\"CMD\", \"pg_isready\", \"-U\", \"$${POSTGRES_USER}\"]\n"
                        "      start_period: 10s\n    environment:\n      POSTGRES_USER: app\n",
    })
    findings = lint(tmp_path, ["VW308"])
    assert where(findings, tmp_path) == [("VW308", "compose.yaml", 5)]
    assert (findings[0].location.col, findings[0].location.end_col) == (42, 59)
    # no such variable in the container: the `$` is meant literally (an MQTT system topic)
    write(tmp_path, {
        "compose.yaml": "services:\n  mq:\n    image: eclipse-mosquitto:2\n    healthcheck:\n"
                        "      test: [\"CMD\", \"mosquitto_sub\", \"-t\", \"$$SYS/#\", \"-C\", \"1\"]\n"
                        "      start_period: 10s\n",
    })
    assert lint(tmp_path, ["VW308"]) == []


def test_vw308_silent_in_template_folders_a_script_renders(tmp_path: Path) -> None:
    """A `template/` folder a setup script runs through envsubst, and cookiecutter placeholder folders, are
    templates: their `${APP}` is filled in before anything is built. The same folder without such a script
    is linted."""
    df = "FROM debian:bookworm-slim\nENTRYPOINT [\"/usr/local/bin/${APP}\"]\n"
    write(tmp_path / "a", {
        "setup.sh": '#!/bin/bash\nTEMPLATE_DIR="$ROOT_DIR/template"\n'
                    "find template -type f | while read f; do envsubst '${APP}' < \"$f\" > \"${f#template/}\"; done\n",
        "template/PROJECT/Dockerfile": df,
        "{{cookiecutter.project_slug}}/Dockerfile": df,
        "Dockerfile": "FROM debian:bookworm-slim\nCMD [\"/app\"]\n",
    })  # fmt: skip
    assert lint(tmp_path / "a", ["VW308"]) == []
    write(tmp_path / "b", {"template/PROJECT/Dockerfile": df, "README.md": "Copy template/ by hand.\n"})
    assert where(lint(tmp_path / "b", ["VW308"]), tmp_path / "b") == [("VW308", "template/PROJECT/Dockerfile", 2)]


def test_vw308_silent_for_shell_forms(tmp_path: Path) -> None:
    write(tmp_path, {
        "Dockerfile": "FROM debian:bookworm-slim\nENV PORT=8080\n"
                      "HEALTHCHECK CMD curl -f http://localhost:$PORT/ || exit 1\n"
                      "CMD exec /app --port $PORT\n",
        "compose.yaml": "services:\n  db:\n    image: postgres:16\n    healthcheck:\n"
                        "      test: [\"CMD-SHELL\", \"pg_isready -U $${POSTGRES_USER}\"]\n",
    })
    assert lint(tmp_path, ["VW308"]) == []


def test_vw308_silent_for_sh_c_wrappers(tmp_path: Path) -> None:
    write(tmp_path, {
        "Dockerfile": "FROM debian:bookworm-slim\n"
                      "HEALTHCHECK CMD [\"sh\", \"-c\", \"curl -f http://localhost:$PORT/\"]\n"
                      "ENTRYPOINT [\"/bin/bash\", \"-lc\"]\n"
                      "CMD [\"exec /app --port ${PORT}\"]\n",
        "other/Dockerfile": "FROM alpine\nCMD [\"/bin/sh\", \"-c\", \"exec /app --port $PORT\"]\n",
        "compose.yaml": "services:\n  api:\n    image: app\n    healthcheck:\n"
                        "      test: [\"CMD\", \"sh\", \"-c\", \"wget -q http://localhost:$${PORT}/\"]\n",
    })
    assert lint(tmp_path, ["VW308"]) == []


def test_vw308_silent_for_compose_interpolation(tmp_path: Path) -> None:
    write(tmp_path, {
        ".env": "PORT=8080\n",
        "compose.yaml": "services:\n  api:\n    image: app\n    healthcheck:\n"
                        "      test: [\"CMD\", \"/app\", \"health\", \"--port\", \"${PORT}\"]\n",
    })
    assert lint(tmp_path, ["VW308"]) == []


# ---------------------------------------------------------------- VW404 hardcoded-secret

SECRET = "s3cr3t-Value-9f8e7d"


def test_vw404_compose_map_and_list_and_dockerfile(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n"
                        "  api:\n"
                        "    build: .\n"
                        "    environment:\n"
                        f"      JWT_SECRET: {SECRET}\n"
                        "      RUST_LOG: info\n"
                        "  db:\n"
                        "    image: postgres:16\n"
                        "    environment:\n"
                        f"      - POSTGRES_PASSWORD={SECRET}\n",
        "Dockerfile": f"FROM debian:bookworm-slim\nENV RUST_LOG=info STRIPE_API_KEY={SECRET}\n"
                      f"ARG GITHUB_TOKEN={SECRET}\nCMD [\"/app\"]\n",
    })
    findings = lint(tmp_path, ["VW404"])
    assert where(findings, tmp_path) == [
        ("VW404", "Dockerfile", 2), ("VW404", "Dockerfile", 3),
        ("VW404", "compose.yaml", 5), ("VW404", "compose.yaml", 10),
    ]
    assert (findings[0].location.col, findings[0].location.end_col) == (19, 33)
    assert (findings[2].location.col, findings[2].location.end_col) == (7, 17)


def test_vw404_value_never_reported_in_any_format(tmp_path: Path) -> None:
    from viworks_lint.reporters import FORMATS, Report, render
    from viworks_lint.rule import all_rules

    write(tmp_path, {
        "compose.yaml": f"services:\n  api:\n    image: app\n    environment:\n      API_TOKEN: {SECRET}\n",
        "Dockerfile": f"FROM debian:bookworm-slim\nARG DB_PASSWORD={SECRET}\nENV SESSION_KEY=\"{SECRET}\"\n"
                      "CMD [\"/usr/local/bin/app\"]\n",
    })
    findings = lint(tmp_path, ["VW404"])
    assert len(findings) == 3
    for f in findings:
        assert SECRET not in f.message and SECRET not in f.key
        assert all(SECRET not in r.message for r in f.related)
    rules = [r for r in all_rules() if r.id == "VW404"]
    for fmt in FORMATS:
        out = render(fmt, Report(findings=findings, rules=rules, root=tmp_path, tool_version="0",
                                 source=lambda _p: None))
        assert SECRET not in out, fmt


def test_vw404_silent_for_interpolated_values(tmp_path: Path) -> None:
    write(tmp_path, {
        ".env": "JWT_SECRET=x\n",
        "compose.yaml": "services:\n  api:\n    image: app\n    environment:\n      JWT_SECRET: ${JWT_SECRET}\n"
                        "      DB_PASSWORD: ${DB_PASSWORD:-}\n"
                        "  w:\n    image: app\n    environment:\n      - API_TOKEN=${API_TOKEN}\n",
        "Dockerfile": "FROM debian:bookworm-slim\nARG APP_SECRET\nENV APP_SECRET=${APP_SECRET}\n",
    })
    assert lint(tmp_path, ["VW404"]) == []


def test_vw404_silent_for_empty_values(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    image: app\n    environment:\n      JWT_SECRET:\n"
                        "      API_KEY: \"\"\n  w:\n    image: app\n    environment:\n      - DB_PASSWORD\n"
                        "      - OTHER_TOKEN=\n",
        "Dockerfile": "FROM debian:bookworm-slim\nENV API_TOKEN=\"\"\n",
    })
    assert lint(tmp_path, ["VW404"]) == []


def test_vw404_silent_for_file_paths_and_settings(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  db:\n    image: postgres:16\n    environment:\n"
                        "      POSTGRES_PASSWORD_FILE: /run/secrets/db_password\n"
                        "      TLS_KEY: /etc/ssl/private/server.key\n"
                        "      JWT_TOKEN_TTL: \"3600\"\n"
                        "      PASSWORD_MIN_LENGTH: \"12\"\n",
        "Dockerfile": "FROM debian:bookworm-slim\nARG API_KEY\nENV JWT_SECRET_FILE=/run/secrets/jwt\n",
    })
    assert lint(tmp_path, ["VW404"]) == []


# ---------------------------------------------------------------- VW403 shell-form-entrypoint


def test_vw403_shell_form_entrypoint_and_cmd(tmp_path: Path) -> None:
    write(tmp_path, {
        "a/Dockerfile": "FROM debian:bookworm-slim\nCOPY app /usr/local/bin/app\n"
                        "ENTRYPOINT /usr/local/bin/app --config /etc/app.toml\n",
        "a/app": "",
        "b/Dockerfile": "FROM debian:bookworm-slim\nCOPY app /usr/local/bin/app\nCMD /usr/local/bin/app\n",
        "b/app": "",
    })
    findings = lint(tmp_path, ["VW403"])
    assert where(findings, tmp_path) == [("VW403", "a/Dockerfile", 3), ("VW403", "b/Dockerfile", 3)]
    assert findings[0].location.col == 1 and "ENTRYPOINT" in findings[0].message


def test_vw403_entrypoint_script_without_exec(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    build: ./api\n",
        "api/Dockerfile": "FROM debian:bookworm-slim\nCOPY app /usr/local/bin/app\n"
                          "COPY --chmod=755 docker/entrypoint.sh /usr/local/bin/\n"
                          "ENTRYPOINT [\"/usr/bin/tini\", \"--\", \"entrypoint.sh\"]\nCMD [\"serve\"]\n",
        "api/app": "",
        "api/docker/entrypoint.sh": "#!/bin/sh\nset -e\n\n/usr/local/bin/app migrate\n"
                                    "echo \"starting\"\n/usr/local/bin/app \"$@\"\n",
    })
    findings = lint(tmp_path, ["VW403"])
    assert where(findings, tmp_path) == [("VW403", "api/docker/entrypoint.sh", 6)]
    f = findings[0]
    assert (f.location.col, f.location.end_col) == (1, 19)
    assert f.related[0].location.line == 4


def test_vw403_script_of_an_image_that_runs_the_repo_binary_is_a_warning(tmp_path: Path) -> None:
    """The finding sits in the script; its level follows the Dockerfile that runs it (which builds the crate)."""
    write(tmp_path, {
        "Cargo.toml": "[package]\nname = \"user-service\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        "src/main.rs": "fn main() {}\n",
        "Dockerfile": "FROM rust:1.80-slim-bookworm AS build\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\n"
                      "FROM debian:bookworm-slim\nCOPY --from=build /app/target/release/user-service /app/\n"
                      "COPY --chmod=755 scripts/entrypoint.sh /app/entrypoint.sh\n"
                      "ENTRYPOINT [\"/app/entrypoint.sh\"]\n",
        "scripts/entrypoint.sh": "#!/bin/bash\nsleep 5\n/app/user-service\n",
    })
    findings = lint(tmp_path, ["VW403"])
    assert where(findings, tmp_path) == [("VW403", "scripts/entrypoint.sh", 3)]
    assert findings[0].level is Level.WARNING


def test_vw403_script_the_shell_grammar_cannot_parse_is_read_by_logical_lines(tmp_path: Path) -> None:
    """Arrays defeat the shell parser; the fallback joins backslash continuations, so an `exec` spread over
    several lines is seen, and a missing one is reported at the command's first line."""
    body = ('#!/bin/bash\nFLAGS=(--a "$A")\n\n{exec}/usr/local/bin/app "$@" \\\n    --port 3210 \\\n'
            '    "${{FLAGS[@]}}" \\\n    "$SPEC"\n')
    write(tmp_path, {
        "ok/Dockerfile": "FROM debian:bookworm-slim\nCOPY run.sh /run.sh\nENTRYPOINT [\"/run.sh\"]\n",
        "ok/run.sh": body.format(exec="exec "),
        "bad/Dockerfile": "FROM debian:bookworm-slim\nCOPY run.sh /run.sh\nENTRYPOINT [\"/run.sh\"]\n",
        "bad/run.sh": body.format(exec=""),
    })
    assert where(lint(tmp_path, ["VW403"]), tmp_path) == [("VW403", "bad/run.sh", 4)]


def test_vw403_script_copied_into_a_directory_an_earlier_copy_made(tmp_path: Path) -> None:
    """`COPY entrypoint.sh /srv` puts the file in `/srv`, a directory since `/srv/bin/app` was copied."""
    write(tmp_path, {
        "Dockerfile": "FROM debian:bookworm-slim\nCOPY app /srv/bin/app\nCOPY entrypoint.sh /srv\n"
                      "ENTRYPOINT [\"/usr/bin/bash\", \"/srv/entrypoint.sh\"]\n",
        "app": "",
        "entrypoint.sh": "#!/bin/bash\ncd /srv\ngosu app sh -c \"/srv/bin/app\"\n",
    })
    assert where(lint(tmp_path, ["VW403"]), tmp_path) == [("VW403", "entrypoint.sh", 3)]


def test_vw403_sh_c_with_several_commands(tmp_path: Path) -> None:
    write(tmp_path, {
        "Dockerfile": "FROM debian:bookworm-slim\n"
                      "CMD [\"sh\", \"-c\", \"/app migrate && /app serve\"]\n",
    })
    assert where(lint(tmp_path, ["VW403"]), tmp_path) == [("VW403", "Dockerfile", 2)]


def test_vw403_silent_for_exec(tmp_path: Path) -> None:
    write(tmp_path, {
        "shell/Dockerfile": "FROM debian:bookworm-slim\nENTRYPOINT exec /usr/local/bin/app --port \"$PORT\"\n",
        "script/Dockerfile": "FROM debian:bookworm-slim\nCOPY entrypoint.sh /entrypoint.sh\n"
                             "ENTRYPOINT [\"/entrypoint.sh\"]\n",
        "script/entrypoint.sh": "#!/bin/bash\nset -euo pipefail\nif [ -n \"${MIGRATE:-}\" ]; then\n"
                                "  /usr/local/bin/app migrate\nfi\nexec /usr/local/bin/app \"$@\"\n",
        "sh-c/Dockerfile": "FROM alpine:3.20\nCMD [\"sh\", \"-c\", \"/app migrate && exec /app serve\"]\n",
        "trap/Dockerfile": "FROM debian:bookworm-slim\nCOPY run.sh /run.sh\nENTRYPOINT [\"/run.sh\"]\n",
        "trap/run.sh": "#!/bin/sh\ntrap 'kill -TERM $child' TERM\n/app &\nchild=$!\nwait \"$child\"\n",
    })
    assert lint(tmp_path, ["VW403"]) == []


def test_vw403_silent_for_cmd_after_exec_form_entrypoint(tmp_path: Path) -> None:
    write(tmp_path, {
        "Dockerfile": "FROM debian:bookworm-slim\nENTRYPOINT [\"/usr/local/bin/app\"]\nCMD --port 8080\n",
    })
    assert lint(tmp_path, ["VW403"]) == []


# ---------------------------------------------------------------- demo project


def test_demo_fixed_stays_clean() -> None:
    root = FIXTURES / "demo" / "fixed"
    assert lint(root) == []
    runtime_rules = ["VW202", "VW203", "VW204", "VW205", "VW206", "VW304", "VW305", "VW306", "VW308", "VW403",
                     "VW404", "VW405"]
    assert lint(root, runtime_rules) == []


def test_vw203_absolute_env_file_on_deploy_host_is_not_claimed(tmp_path: Path) -> None:
    write(tmp_path, {"compose.yaml": "services:\n  api:\n    image: api:1\n    env_file: [/srv/app/env/app.env]\n"})
    assert lint(tmp_path, ["VW203"]) == []


def test_vw204_data_directories_are_silent_dotfiles_are_errors(tmp_path: Path) -> None:
    write(tmp_path, {"compose.yaml": "services:\n  db:\n    image: postgres:16\n    volumes:\n"
                                     "      - ./volumes/pg:/var/lib/postgresql/data\n"
                                     "  api:\n    image: api:1\n    volumes:\n      - ./.env:/app/.env\n"})
    found = [(f.location.line, f.effective_level.value) for f in lint(tmp_path, ["VW204"])]
    assert found == [(9, "error")]


def test_vw205_libssl_comes_with_libpq5_and_ca_certificates_on_debian(tmp_path: Path) -> None:
    write(tmp_path, {
        "Cargo.toml": '[package]\nname = "api"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n'
                      'openssl = "0.10"\ndiesel = { version = "2", features = ["postgres"] }\n',
        "src/main.rs": "fn main() {}\n",
        "Dockerfile": "FROM rust:1.83-bookworm AS build\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\n"
                      "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y libpq5 ca-certificates\n"
                      "COPY --from=build /app/target/release/api /usr/local/bin/api\nCMD [\"api\"]\n",
    })
    assert lint(tmp_path, ["VW205"]) == []


def test_vw404_secret_never_in_any_output_even_in_snippets(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from viworks_lint.cli import cli

    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    image: api:1\n    environment:\n      JWT_SECRET: s3cr3tv4lue-XYZ\n"
                        "  w:\n    image: w:1\n    environment:\n      - DB_PASSWORD=hunter2hunter2\n",
        "Dockerfile": "FROM debian:bookworm-slim\nENV API_TOKEN=tok-abcdef123 OTHER=1\nUSER 1000\nCMD [\"x\"]\n",
    })
    for fmt in ("text", "json", "sarif", "github", "gitlab"):
        out = CliRunner().invoke(cli, ["--select", "VW404", "--format", fmt, str(tmp_path)]).stdout
        assert "VW404" in out
        for secret in ("s3cr3tv4lue", "hunter2", "tok-abcdef"):
            assert secret not in out, (fmt, secret)
