"""Rules read the project as Docker, BuildKit, Cargo and compose do, not too literally: each case has
a positive and a look-alike that must stay silent (or drop to a note)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint, where, write
from viworks_lint.findings import Level

SECRET = "s3cr3t-Value-9f8e7d"


# ---------------------------------------------------------------- VW404 hardcoded-secret


def test_vw404_secret_word_must_end_the_name(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    image: app\n    environment:\n"
                        f"      PICTRS__SERVER__API_KEY: {SECRET}\n"
                        f"      DB_PASS: {SECRET}\n"
                        "      TOKEN_INFO_URL: https://auth.example.com/tokeninfo\n"
                        "      STRIPE_PUBLISHABLE_KEY: pk_live_51Habc\n"
                        "      AWS_ACCESS_KEY_ID: AKIAEXAMPLE\n"
                        "      OPENAI_MAX_TOKENS: \"4096\"\n"
                        "      SECRET_KEY_BASE_LENGTH: \"64\"\n",
    })
    assert where(lint(tmp_path, ["VW404"]), tmp_path) == [("VW404", "compose.yaml", 5), ("VW404", "compose.yaml", 6)]


def test_vw404_silent_for_placeholders(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    image: app\n    environment:\n"
                        "      JWT_SECRET: <your-jwt-secret>\n"
                        "      API_TOKEN: \"{{ api_token }}\"\n"
                        "      DB_PASSWORD: changeme\n"
                        "      SMTP_PASSWORD: CHANGE_ME\n"
                        "      OPENAI_API_KEY: your-openai-key\n"
                        "      GITHUB_TOKEN: xxxxxxxx\n",
        "Dockerfile": "FROM debian:bookworm-slim\nENV APP_SECRET=please-change-me\n",
    })
    assert lint(tmp_path, ["VW404"]) == []


def test_vw404_silent_for_well_known_demo_values(tmp_path: Path) -> None:
    # realworld-style demo stack: image-default / tutorial values, not leaked secrets (rules/secrets.json)
    write(tmp_path, {
        "compose.yaml": "services:\n  db:\n    image: postgres:16\n    environment:\n"
                        "      POSTGRES_PASSWORD: password\n"
                        "  pg2:\n    image: postgres:16\n    environment:\n      - POSTGRES_PASSWORD=mysecretpassword\n"
                        "  grafana:\n    image: grafana/grafana\n    environment:\n      GF_SECURITY_ADMIN_PASSWORD: admin\n"
                        "  mysql:\n    image: mysql:8\n    environment:\n      MYSQL_ROOT_PASSWORD: \"Example\"\n",
        "Dockerfile": "FROM debian:bookworm-slim\nENV JWT_SECRET=secret DB_PASSWORD=postgres\n",
    })
    assert lint(tmp_path, ["VW404"]) == []


def test_vw404_demo_values_match_the_whole_value_only(tmp_path: Path) -> None:
    # a real-looking value that merely contains a demo word still fires
    write(tmp_path, {
        "compose.yaml": "services:\n  db:\n    image: postgres:16\n    environment:\n"
                        "      POSTGRES_PASSWORD: postgres-Xq83kd0Zt\n"
                        "      JWT_SECRET: password\n"
                        "      API_TOKEN: admin2024secretK9\n",
    })
    assert where(lint(tmp_path, ["VW404"]), tmp_path) == [("VW404", "compose.yaml", 5), ("VW404", "compose.yaml", 7)]


def test_vw404_silent_for_the_name_itself_and_sample_words(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    image: app\n    environment:\n"
                        "      V1_SECRET_KEY: SECRET_KEY\n"
                        "      JWT_SECRET: jwt-secret\n"
                        "      ADMIN_PASSWORD: TopSecretPass\n"
                        "      SESSION_SECRET: SuperSecret\n"
                        "      MAILER_PASSWORD: SECRET_KEY\n"  # another name's words: a value like any other
                        "      API_TOKEN: token-of-the-api-9Xk2\n",
    })
    assert where(lint(tmp_path, ["VW404"]), tmp_path) == [("VW404", "compose.yaml", 9), ("VW404", "compose.yaml", 10)]


_DEFAULT_SECRET_APP = {
    "Cargo.toml": '[package]\nname = "api"\nversion = "0.1.0"\nedition = "2021"\n',
    "src/main.rs": 'fn main() {\n    let secret = std::env::var("JWT_SECRET")'
                   '.unwrap_or_else(|_| "very-secured-secret".to_string());\n'
                   '    let db = std::env::var("POSTGRES_PASSWORD").unwrap_or_else(|_| "app-db-pw".to_string());\n'
                   '    let _ = (secret, db);\n}\n',
    "Dockerfile": "FROM rust:1.83 AS builder\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
                  "FROM debian:bookworm-slim\nCOPY --from=builder /src/target/release/api /usr/local/bin/api\n"
                  "ENV JWT_SECRET=very-secured-secret\nUSER 10001\nCMD [\"api\"]\n",
}


def test_vw404_silent_for_the_apps_own_code_default(tmp_path: Path) -> None:
    # the app falls back to this value itself: setting it in compose or the image adds nothing
    write(tmp_path, {
        **_DEFAULT_SECRET_APP,
        "compose.yaml": "services:\n  api:\n    build: .\n    command: [\"bash\", \"-c\", \"api\"]\n"
                        "    environment:\n      - JWT_SECRET=very-secured-secret\n",
    })
    assert lint(tmp_path, ["VW404"]) == []


def test_vw404_code_default_does_not_excuse_other_values_or_a_datastore(tmp_path: Path) -> None:
    write(tmp_path, {
        **_DEFAULT_SECRET_APP,
        "compose.yaml": "services:\n  api:\n    build: .\n    environment:\n      JWT_SECRET: a-real-9f8e7d-secret\n"
                        "  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: app-db-pw\n",
    })
    # another value on the app fires; the code default given to the stock postgres image sets its password
    assert where(lint(tmp_path, ["VW404"]), tmp_path) == [("VW404", "compose.yaml", 5), ("VW404", "compose.yaml", 9)]


def test_secrets_json_matches_its_schema() -> None:
    import json
    from importlib import resources

    import jsonschema

    schema = json.loads(resources.files("viworks_lint.schemas").joinpath("secrets.schema.json").read_text("utf-8"))
    data = json.loads(resources.files("viworks_lint.rules").joinpath("secrets.json").read_text("utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)


# ---------------------------------------------------------------- VW405 datastore-port-published

_APP_USES_DB = (
    "services:\n"
    "  api:\n"
    "    image: ghcr.io/acme/api:1.4\n"
    "    environment:\n"
    "      DATABASE_URL: postgres://app:pw@db:5432/app\n"
    "  db:\n"
    "    image: postgres:16\n"
    "    ports:\n"
    "      - \"5432:5432\"\n"
)


def test_vw405_warning_when_a_service_uses_the_datastore(tmp_path: Path) -> None:
    write(tmp_path, {"compose.yaml": _APP_USES_DB})
    [f] = lint(tmp_path, ["VW405"])
    assert f.level == Level.WARNING and "`api` reaches it over the compose network" in f.message


def test_vw405_depends_on_counts_as_use(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  worker:\n    build: .\n    depends_on: [cache]\n"
                        "  cache:\n    image: redis:7\n    ports: [\"6379:6379\"]\n",
        "Dockerfile": "FROM debian:bookworm-slim\nCMD [\"/worker\"]\n",
    })
    [f] = lint(tmp_path, ["VW405"])
    assert f.level == Level.WARNING
    assert "Redis runs without a password: anyone who can reach the host can read and change its data" in f.message


def test_vw405_note_when_only_the_host_app_uses_it(tmp_path: Path) -> None:
    write(tmp_path, {
        "docker-compose.yml": "services:\n  db:\n    image: postgres:16\n    environment:\n"
                              "      POSTGRES_HOST_AUTH_METHOD: trust\n    ports:\n      - \"5432:5432\"\n",
    })
    [f] = lint(tmp_path, ["VW405"])
    assert f.level == Level.NOTE
    assert "`POSTGRES_HOST_AUTH_METHOD=trust` lets anyone log in without a password" in f.message
    assert "app on the host" in f.message


def test_vw405_redis_with_password_is_not_called_open(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": "services:\n  api:\n    image: app\n    environment:\n      REDIS_URL: redis://:pw@cache:6379\n"
                        "  cache:\n    image: redis:7\n    command: redis-server --requirepass pw\n"
                        "    ports: [\"6379:6379\"]\n",
    })
    [f] = lint(tmp_path, ["VW405"])
    assert f.level == Level.WARNING and "without a password" not in f.message


# ---------------------------------------------------------------- VW102 copy-source-missing (BuildKit semantics)


def test_vw405_one_finding_for_a_port_line_several_compose_projects_include(tmp_path: Path) -> None:
    # docker-compose.yml alone and `-f docker-compose.yml -f docker-compose.dev.yml` (documented) both run the
    # base file's port line: one finding that names the users of both projects
    write(tmp_path, {
        "docker-compose.yml": "services:\n  db:\n    image: postgres:16\n    ports:\n      - \"5432:5432\"\n"
                              "  api:\n    image: ghcr.io/acme/api:1\n    environment:\n"
                              "      DATABASE_URL: postgres://app@db/app\n",
        "docker-compose.dev.yml": "services:\n  db:\n    image: postgres:16\n    ports:\n      - \"5432:5432\"\n"
                                  "  backend:\n    image: ghcr.io/acme/api:dev\n    depends_on: [db]\n",
        "DEVELOPMENT.md": "```sh\ndocker compose -f docker-compose.yml -f docker-compose.dev.yml up\n```\n",
    })
    findings = lint(tmp_path, ["VW405"])
    assert where(findings, tmp_path) == [("VW405", "docker-compose.yml", 5)]
    assert "`api`, `backend` reach it" in findings[0].message


def _levels(findings: list, root: Path) -> list[tuple[str, str, int, str]]:  # type: ignore[type-arg]
    return sorted((f.rule_id, f.location.path.relative_to(root).as_posix(), f.location.line, f.level.value)
                  for f in findings)


def test_vw102_dotdot_is_cleaned_to_the_context_root(tmp_path: Path) -> None:
    write(tmp_path, {
        "package.json": "{}\n",
        "compose.yaml": "services:\n  ui:\n    build:\n      context: .\n      dockerfile: docker/Dockerfile\n",
        "docker/Dockerfile": "FROM node:20-slim\nCOPY ../package.json /build/\nCOPY ../yarn.lock /build/\n",
    })
    findings = lint(tmp_path, ["VW102"])
    assert where(findings, tmp_path) == [("VW102", "docker/Dockerfile", 3)]
    assert "BuildKit reads as `yarn.lock`" in findings[0].message and "misleading" in findings[0].message


def test_vw102_empty_wildcard_beside_another_source_is_fine(tmp_path: Path) -> None:
    write(tmp_path, {
        "pyproject.toml": "[project]\nname='x'\n",
        "Dockerfile": "FROM python:3.12-slim\nCOPY pyproject.toml uv.lock* ./\nCOPY Cargo.lock* ./\n",
    })
    findings = lint(tmp_path, ["VW102"])
    assert _levels(findings, tmp_path) == [("VW102", "Dockerfile", 3, "note")]


def test_vw102_source_a_ci_step_builds_is_a_note(tmp_path: Path) -> None:
    write(tmp_path, {
        "Cargo.toml": "[package]\nname = \"relay\"\nversion = \"0.1.0\"\n",
        "src/main.rs": "fn main() {}\n",
        "docker-classic/Dockerfile": "FROM scratch\nCOPY relay /usr/bin/relay\nCOPY missing.conf /etc/\n",
        ".github/workflows/release.yml": "jobs:\n  image:\n    steps:\n"
                                        "      - uses: actions/download-artifact@v4\n"
                                        "        with:\n          name: relay\n          path: docker-classic/\n"
                                        "      - run: chmod +x docker-classic/relay\n"
                                        "      - uses: docker/build-push-action@v5\n"
                                        "        with:\n          context: ./docker-classic\n",
    })
    findings = lint(tmp_path, ["VW102"])
    assert _levels(findings, tmp_path) == [
        ("VW102", "docker-classic/Dockerfile", 2, "note"), ("VW102", "docker-classic/Dockerfile", 3, "error"),
    ]
    assert "release.yml" in next(f for f in findings if f.location.line == 2).message


def test_vw102_templated_dockerfile_path_in_a_workflow(tmp_path: Path) -> None:
    write(tmp_path, {
        ".github/workflows/Dockerfile.ci.debian": "FROM debian:bookworm-slim\nCOPY bin/ /app/\n",
        ".github/workflows/images.yml": "jobs:\n  build:\n    steps:\n"
                                        "      - uses: actions/download-artifact@v4\n        with:\n          path: bin/\n"
                                        "      - uses: docker/build-push-action@v5\n        with:\n          context: .\n"
                                        "          file: ./.github/workflows/Dockerfile.ci.${{ matrix.os }}\n",
    })
    assert _levels(lint(tmp_path, ["VW102"]), tmp_path) == [
        ("VW102", ".github/workflows/Dockerfile.ci.debian", 2, "note")]


def test_vw102_root_dockerfile_built_by_ci_with_default_name(tmp_path: Path) -> None:
    """`docker/build-push-action` with `context: .` and no `file:` builds the root `Dockerfile`: the folder the
    job downloads first is a CI artifact (note). A workflow that builds another context says nothing."""
    wf = ("jobs:\n  docker:\n    steps:\n      - uses: actions/checkout@v4\n"
          "      - name: Upload build artifact\n        run: echo later\n"
          "      - uses: actions/download-artifact@v4\n        with:\n          path: ${{ github.workspace }}/artifact/\n"
          "      - uses: docker/build-push-action@v6\n        with:\n          context: .\n          push: true\n")
    files = {"Dockerfile": "FROM alpine:3.20 AS artifact\nCOPY artifact/ /artifact/\nCMD [\"/artifact/backend\"]\n"}
    write(tmp_path / "a", {**files, ".github/workflows/main.yml": wf})
    findings = lint(tmp_path / "a", ["VW102"])
    assert _levels(findings, tmp_path / "a") == [("VW102", "Dockerfile", 2, "note")]
    assert findings[0].related[-1].location.line == 9
    write(tmp_path / "b", {**files, ".github/workflows/main.yml": wf.replace("context: .", "context: ./web")})
    assert _levels(lint(tmp_path / "b", ["VW102"]), tmp_path / "b") == [("VW102", "Dockerfile", 2, "error")]
    cli = "jobs:\n  d:\n    steps:\n      - run: mkdir artifact && cp bin/x artifact/\n      - run: docker build -t app .\n"
    write(tmp_path / "c", {**files, ".github/workflows/main.yml": cli})
    assert _levels(lint(tmp_path / "c", ["VW102"]), tmp_path / "c") == [("VW102", "Dockerfile", 2, "note")]


def test_vw102_file_in_a_submodule_not_checked_out_is_a_note(tmp_path: Path) -> None:
    write(tmp_path, {
        ".gitmodules": "[submodule \"libs/common\"]\n\tpath = libs/common\n\turl = https://example.com/common\n",
        "Dockerfile": "FROM rust:1.80\nCOPY libs/common/Cargo.toml libs/common/\n",
    })
    (tmp_path / "libs/common").mkdir(parents=True)
    assert _levels(lint(tmp_path, ["VW102"]), tmp_path) == [("VW102", "Dockerfile", 2, "note")]


# ---------------------------------------------------------------- VW105 cargo-workspace-member-missing


def test_vw105_unused_workspace_dependency_with_missing_path_is_fine(tmp_path: Path) -> None:
    write(tmp_path, {
        "Cargo.toml": "[workspace]\nmembers = [\"api\"]\n\n[workspace.dependencies]\n"
                      "legacy-client = { path = \"crates/legacy-client\" }\n"
                      "shared = { path = \"crates/shared\" }\n",
        "api/Cargo.toml": "[package]\nname = \"api\"\nversion = \"0.1.0\"\n\n[dependencies]\n"
                          "shared = { workspace = true }\n",
        "api/src/main.rs": "fn main() {}\n",
    })
    findings = lint(tmp_path, ["VW105"])
    assert where(findings, tmp_path) == [("VW105", "Cargo.toml", 6)]
    assert "`shared`" in findings[0].message


def test_vw105_submodule_not_checked_out_is_a_note(tmp_path: Path) -> None:
    write(tmp_path, {
        ".gitmodules": "[submodule \"libs/common\"]\n\tpath = libs/common\n\turl = https://example.com/common\n",
        "Cargo.toml": "[package]\nname = \"server\"\nversion = \"0.1.0\"\n\n[dependencies]\n"
                      "common = { path = \"libs/common\" }\n\n[workspace]\nmembers = [\"libs/common\"]\n",
        "src/main.rs": "fn main() {}\n",
    })
    (tmp_path / "libs/common").mkdir(parents=True)
    assert _levels(lint(tmp_path, ["VW105"]), tmp_path) == [
        ("VW105", "Cargo.toml", 6, "note"), ("VW105", "Cargo.toml", 9, "note")]


# ---------------------------------------------------------------- VW201/VW207/VW303: only code the service reaches

_SVC_DOCKERFILE = """FROM rust:1.83-slim-bookworm AS builder
WORKDIR /src
COPY . .
RUN cargo build --release
FROM debian:bookworm-slim
COPY --from=builder /src/target/release/api /src/target/release/admin /usr/local/bin/
USER 10001
CMD ["/usr/local/bin/api"]
"""
_SVC_CARGO = """[package]
name = "api"
version = "0.1.0"
edition = "2021"

[features]
e2e_tests = []

[[bin]]
name = "api"
path = "src/main.rs"

[[bin]]
name = "admin"
path = "src/bin/admin.rs"
"""
_SVC_MAIN = """mod store;
#[cfg(feature = "e2e_tests")]
mod test_helpers;

#[tokio::main]
async fn main() {
    let db = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    if let Ok(key_id) = std::env::var("S3_ACCESS_KEY_ID") {
        let secret = std::env::var("S3_SECRET_ACCESS_KEY").expect("set both");
        store::s3(key_id, secret);
    }
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("create-api-key") {
        create_api_key().await;
        return;
    }
    let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await.unwrap();
    let _ = (db, listener);
}

async fn create_api_key() {
    let url = std::env::var("ADMIN_DATABASE_URL").unwrap();
    println!("{url}");
}
"""


def _svc_project(root: Path, main: str = _SVC_MAIN) -> Path:
    return write(root, {
        "compose.yaml": "services:\n  api:\n    build: .\n    ports: [\"8080:8080\"]\n",
        "Dockerfile": _SVC_DOCKERFILE,
        "Cargo.toml": _SVC_CARGO,
        "src/main.rs": main,
        "src/store.rs": "pub fn s3(_a: String, _b: String) {}\n",
        "src/test_helpers.rs": "pub fn pg() -> String { std::env::var(\"TEST_PG_URL\").unwrap() }\n"
                               "pub async fn listen() { tokio::net::TcpListener::bind(\"127.0.0.1:0\").await.unwrap(); }\n",
        "src/bin/admin.rs": "fn main() {\n    let t = std::env::var(\"ADMIN_TOKEN\").unwrap();\n"
                            "    let l = std::net::TcpListener::bind(\"127.0.0.1:9000\").unwrap();\n"
                            "    let _ = (t, l);\n}\n",
    })


def test_vw201_only_reads_on_every_start_of_the_started_binary(tmp_path: Path) -> None:
    root = _svc_project(tmp_path)
    findings = lint(root, ["VW201", "VW207", "VW303"])
    # DATABASE_URL is required on every start; the S3 secret only with the key id, the admin URL only for
    # the subcommand, TEST_PG_URL only in the e2e feature, ADMIN_TOKEN and 127.0.0.1 only in the other binary
    assert where(findings, root) == [("VW201", "src/main.rs", 7)]
    assert findings[0].key == "DATABASE_URL"


def test_vw207_loopback_in_the_started_binary_still_fires(tmp_path: Path) -> None:
    root = _svc_project(tmp_path, _SVC_MAIN.replace('"0.0.0.0:8080"', '"127.0.0.1:8080"'))
    assert where(lint(root, ["VW207"]), root) == [("VW207", "src/main.rs", 17)]


def test_vw207_port_zero_is_no_service_port(tmp_path: Path) -> None:
    root = _svc_project(tmp_path, _SVC_MAIN.replace(
        "    let listener = tokio::net::TcpListener::bind(\"0.0.0.0:8080\").await.unwrap();\n",
        "    let probe = tokio::net::TcpListener::bind(\"127.0.0.1:0\").await.unwrap();\n"
        "    let listener = tokio::net::TcpListener::bind(\"0.0.0.0:8080\").await.unwrap();\n    let _ = probe;\n"))
    assert lint(root, ["VW207", "VW303"]) == []


# ---------------------------------------------------------------- VW302 healthcheck-route-unknown

_AXUM_CARGO = "[package]\nname = \"api\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\naxum = \"0.7\"\n"
_AXUM_DOCKERFILE = ("FROM rust:1.83 AS builder\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
                    "FROM debian:bookworm-slim\nCOPY --from=builder /src/target/release/api /usr/local/bin/api\n"
                    "CMD [\"api\"]\n")


def _axum(root: Path, router: str, test: str) -> Path:
    return write(root, {
        "compose.yaml": "services:\n  api:\n    build: .\n    healthcheck:\n"
                        f"      test: {test}\n      start_period: 10s\n",
        "Dockerfile": _AXUM_DOCKERFILE,
        "Cargo.toml": _AXUM_CARGO,
        "src/main.rs": "use axum::{routing::get, Router};\n\n#[tokio::main]\nasync fn main() {\n"
                       f"    let app = {router};\n"
                       "    let l = tokio::net::TcpListener::bind(\"0.0.0.0:8080\").await.unwrap();\n"
                       "    axum::serve(l, app).await.unwrap();\n}\n",
    })


_CURL_HEALTH = '["CMD", "curl", "-f", "http://localhost:8080/health"]'


def test_vw302_resolved_router_without_the_route(tmp_path: Path) -> None:
    root = _axum(tmp_path, 'Router::new().route("/items", get(|| async { "[]" }))', _CURL_HEALTH)
    [f] = lint(root, ["VW302"])
    assert "`/health`" in f.message and "did you mean" not in f.message  # `/items` is no suggestion


def test_vw302_silent_for_a_probe_by_the_apps_own_binary(tmp_path: Path) -> None:
    root = _axum(tmp_path, 'Router::new().route("/items", get(|| async { "[]" }))',
                 '["CMD-SHELL", "api healthcheck http://localhost:8080"]')
    assert lint(root, ["VW302"]) == []


def test_vw302_silent_when_a_router_method_is_unknown(tmp_path: Path) -> None:
    root = _axum(tmp_path, 'Router::new().route("/items", get(|| async { "[]" })).api_route("/health", get(h))',
                 _CURL_HEALTH)
    assert lint(root, ["VW302"]) == []


def test_vw302_silent_for_router_wrappers(tmp_path: Path) -> None:
    root = _axum(tmp_path, 'Router::new().route("/items", get(|| async { "[]" })).merge(docs())', _CURL_HEALTH)
    (root / "src/main.rs").write_text((root / "src/main.rs").read_text() + (
        "\nfn docs() -> Router {\n    let _api = aide::axum::ApiRouter::new();\n    Router::new()\n}\n"))
    assert lint(root, ["VW302"]) == []


# ---------------------------------------------------------------- VW304 healthcheck-tool-missing


def test_vw304_script_from_a_copied_directory_is_in_the_image(tmp_path: Path) -> None:
    write(tmp_path, {
        "docker/Dockerfile": "FROM busybox:stable\nCOPY rootfs /\n"
                             "HEALTHCHECK --start-period=5s CMD /usr/bin/healthcheck.sh\n",
        "docker/rootfs/usr/bin/healthcheck.sh": "#!/bin/sh\nnc -z localhost 21116\n",
    })
    assert lint(tmp_path, ["VW304"]) == []


def test_vw304_interpreter_of_the_healthcheck_script_must_exist(tmp_path: Path) -> None:
    write(tmp_path, {
        "Dockerfile": "FROM alpine:3.20\nCOPY healthcheck.sh /usr/local/bin/\n"
                      "HEALTHCHECK --start-period=5s CMD [\"/usr/local/bin/healthcheck.sh\"]\n",
        "healthcheck.sh": "#!/bin/bash\nwget -q --spider http://localhost:8080/health\n",
    })
    [f] = lint(tmp_path, ["VW304"])
    assert f.location.line == 3 and "`#!` line starts `/bin/bash`" in f.message


def test_vw304_silent_when_the_interpreter_is_there(tmp_path: Path) -> None:
    write(tmp_path, {
        "Dockerfile": "FROM alpine:3.20\nCOPY healthcheck.sh /usr/local/bin/\n"
                      "HEALTHCHECK --start-period=5s CMD [\"/usr/local/bin/healthcheck.sh\"]\n",
        "healthcheck.sh": "#!/usr/bin/env sh\nwget -q --spider http://localhost:8080/health\n",
    })
    assert lint(tmp_path, ["VW304"]) == []


# ---------------------------------------------------------------- image facts: OpenSSL, cargo-chef, Recommends

_SSL_CARGO = "[package]\nname = \"api\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nopenssl = \"0.10\"\n"


def _ssl_project(root: Path, builder: str, runtime: str, install: str = "") -> Path:
    return write(root, {
        "Cargo.toml": _SSL_CARGO,
        "src/main.rs": "use reqwest as _;\nuse openssl as _;\nfn main() {}\n",
        "Dockerfile": f"FROM {builder} AS builder\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
                      f"FROM {runtime}\n{install}"
                      "COPY --from=builder /src/target/release/api /usr/local/bin/api\nCMD [\"api\"]\n",
    })


def test_vw205_binary_for_openssl_1_1_in_an_openssl_3_runtime(tmp_path: Path) -> None:
    root = _ssl_project(tmp_path, "rust:1.67-bullseye", "ubuntu:22.04")
    [f] = lint(root, ["VW205", "VW206"])
    assert f.rule_id == "VW205" and "libssl.so.1.1" in f.message and "OpenSSL 3" in f.message


def test_vw205_same_openssl_on_both_sides_is_fine(tmp_path: Path) -> None:
    root = _ssl_project(tmp_path, "lukemathwalker/cargo-chef:latest-rust-1.83-bookworm", "ubuntu:24.04")
    assert lint(root, ["VW205", "VW206"]) == []


def test_cargo_chef_tag_gives_its_debian_release(tmp_path: Path) -> None:
    root = _ssl_project(tmp_path, "lukemathwalker/cargo-chef:latest-rust-1.85-slim-bookworm",
                        "debian:bullseye-slim", "RUN apt-get update && apt-get install -y libssl1.1 ca-certificates\n")
    [f] = lint(root, ["VW206"])
    assert "glibc 2.36" in f.message


def test_apt_recommends_bring_ca_certificates(tmp_path: Path) -> None:
    write(tmp_path, {
        "Cargo.toml": "[package]\nname = \"api\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n"
                      "reqwest = { version = \"0.12\", default-features = false, features = [\"rustls-tls-native-roots\"] }\n",
        "src/main.rs": "use reqwest as _;\nfn main() {}\n",
        "Dockerfile": "FROM rust:1.83-bookworm AS builder\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
                      "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl\n"
                      "COPY --from=builder /src/target/release/api /usr/local/bin/api\nCMD [\"api\"]\n",
    })
    assert lint(tmp_path, ["VW205"]) == []
    (tmp_path / "Dockerfile").write_text((tmp_path / "Dockerfile").read_text().replace(
        "install -y curl", "install -y --no-install-recommends curl"))
    assert [f.rule_id for f in lint(tmp_path, ["VW205"])] == ["VW205"]
    # supervisor depends on python3, whose package recommends ca-certificates
    (tmp_path / "Dockerfile").write_text((tmp_path / "Dockerfile").read_text().replace(
        "install -y --no-install-recommends curl", "install supervisor -y"))
    assert lint(tmp_path, ["VW205"]) == []


def test_vw201_ok_question_mark_and_match_arms_are_optional(tmp_path: Path) -> None:
    root = _svc_project(tmp_path, _SVC_MAIN.replace(
        "    let args: Vec<String>",
        "    let _ = node_id();\n    let _ = vault(None);\n    let args: Vec<String>") + (
        "\nfn node_id() -> Option<u64> {\n    std::env::var(\"NODE_ID\").ok()?.parse().ok()\n}\n"
        "\nfn vault(file: Option<&str>) -> Result<String, std::env::VarError> {\n"
        "    match file {\n        Some(f) => Ok(f.to_string()),\n"
        "        None => std::env::var(\"VAULT_SECRET_ID\"),\n    }\n}\n"))
    assert [f.key for f in lint(root, ["VW201"])] == ["DATABASE_URL"]


def test_vw205_libssl_package_of_another_release(tmp_path: Path) -> None:
    root = _ssl_project(tmp_path, "rust:1.90", "debian:stable-slim",
                        "RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates libssl1.1\n")
    [f] = lint(root, ["VW205"])
    assert f.location.line == 6 and "Unable to locate package libssl1.1" in f.message


def test_vw206_silent_when_a_tree_is_copied_over_the_root(tmp_path: Path) -> None:
    root = _ssl_project(tmp_path, "lukemathwalker/cargo-chef:latest-rust-1.85-slim-bookworm", "scratch")
    text = (root / "Dockerfile").read_text().replace(
        "COPY --from=builder /src/target/release/api /usr/local/bin/api\n",
        "COPY --from=builder /all-files/${TARGETPLATFORM} /\n")
    (root / "Dockerfile").write_text(text.replace("FROM scratch\n", "FROM scratch\nARG TARGETPLATFORM\n"))
    assert lint(root, ["VW205", "VW206"]) == []


def test_vw105_member_a_script_generates_is_a_note(tmp_path: Path) -> None:
    write(tmp_path, {
        "publish/Cargo.toml": "[workspace]\nmembers = [\"examples\", \"edge-amalgamated\"]\n",
        "publish/amalgamate.py": "OUT = Path(__file__).parent / \"edge-amalgamated\"\n",
        "publish/examples/Cargo.toml": "[package]\nname = \"examples\"\nversion = \"0.1.0\"\n\n[dependencies]\n"
                                       "edge = { path = \"../edge-amalgamated\", package = \"edge-amalgamated\" }\n",
        "publish/examples/src/main.rs": "fn main() {}\n",
    })
    assert _levels(lint(tmp_path, ["VW105"]), tmp_path) == [
        ("VW105", "publish/Cargo.toml", 2, "note"), ("VW105", "publish/examples/Cargo.toml", 6, "note")]


# ---------------------------------------------------------------- service → code links


def test_containerfiles_are_linted(tmp_path: Path) -> None:
    write(tmp_path, {
        "Containerfile": "FROM alpine:3.20\nCOPY app.conf /etc/\n",
        "deploy/Containerfile.prod": "FROM alpine:3.20\nCOPY missing.conf /etc/\n",
        "app.conf": "",
    })
    assert where(lint(tmp_path, ["VW102"]), tmp_path) == [("VW102", "deploy/Containerfile.prod", 2)]


def test_image_only_service_runs_the_image_another_service_builds(tmp_path: Path) -> None:
    root = _axum(tmp_path, 'Router::new().route("/items", get(|| async { "[]" }))', _CURL_HEALTH)
    (root / "compose.yaml").write_text("services:\n  api:\n    build: .\n    image: acme/api:1.0\n")
    write(root, {"deploy/compose.yaml": "services:\n  api:\n    image: acme/api:1.0\n    healthcheck:\n"
                                        f"      test: {_CURL_HEALTH}\n      start_period: 10s\n"})
    assert where(lint(root, ["VW302"]), root) == [("VW302", "deploy/compose.yaml", 5)]


def test_compose_cargo_run_bin_picks_the_binary(tmp_path: Path) -> None:
    root = _svc_project(tmp_path)
    (root / "compose.yaml").write_text(
        "services:\n  admin:\n    build: .\n    command: sh -c \"cargo watch -x 'run --bin admin'\"\n")
    assert [f.key for f in lint(root, ["VW201"])] == ["ADMIN_TOKEN"]


# ---------------------------------------------------------------- VW301 outside deploy scope


def test_vw301_is_a_note_in_a_dev_stack(tmp_path: Path) -> None:
    hc = "    healthcheck:\n      test: [\"CMD\", \"/app\", \"health\"]\n      interval: 5s\n"
    gate = "  web:\n    image: nginx:1.27\n    depends_on:\n      api:\n        condition: service_healthy\n"
    write(tmp_path, {
        "Dockerfile": "FROM debian:bookworm-slim\nCMD [\"/app\"]\n",
        "compose.yaml": f"services:\n  api:\n    build: .\n{hc}{gate}",
        "docker-compose.dev.yml": f"services:\n  api:\n    build: .\n{hc}{gate}",
    })
    assert _levels(lint(tmp_path, ["VW301"]), tmp_path) == [
        ("VW301", "compose.yaml", 4, "warning"), ("VW301", "docker-compose.dev.yml", 4, "note")]
