"""The code-aware rules (VW201, VW302, VW303) on compose projects whose services build Rust crates."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import lint, where, write

AXUM_DOCKERFILE = """FROM rust:1.83-slim-bookworm AS builder
WORKDIR /src
COPY . .
RUN cargo build --release -p api

FROM debian:bookworm-slim
COPY --from=builder /src/target/release/api /usr/local/bin/api
USER 10001
ENTRYPOINT ["/usr/local/bin/api"]
"""

AXUM_MAIN = """use std::net::SocketAddr;

mod routes;

#[derive(serde::Deserialize)]
struct Config {
    database_url: String,
    #[serde(default)]
    feature_flags: Option<String>,
}

#[tokio::main]
async fn main() {
    let config: Config = envy::from_env().expect("config");
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    let api_key = std::env::var("PARTNER_API_KEY").unwrap_or_default();
    if let Ok(level) = std::env::var("LOG_FORMAT") {
        println!("{level}");
    }
    let _ = (config, api_key, common::region());
    let addr = SocketAddr::from(([0, 0, 0, 0], port));
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    axum::serve(listener, routes::app()).await.unwrap();
}
"""

AXUM_ROUTES = """use axum::{routing::get, Router};

mod health;
mod users;

pub fn app() -> Router {
    Router::new()
        .nest("/api/v1", api())
        .merge(health::router())
}

fn api() -> Router {
    Router::new().nest("/users", users::router())
}
"""

AXUM_HEALTH = """use axum::{routing::get, Router};

pub fn router() -> Router {
    Router::new().route("/livez", get(live)).route("/readyz", get(ready))
}

async fn live() -> &'static str { "ok" }
async fn ready() -> &'static str { "ok" }
"""

AXUM_USERS = """use axum::{routing::get, Router};

pub fn router() -> Router {
    Router::new().route("/", get(list)).route("/:id", get(show))
}

async fn list() -> &'static str { "[]" }
async fn show() -> &'static str { "{}" }
"""


def _axum_project(root: Path, compose: str) -> Path:
    return write(root, {
        "compose.yaml": compose,
        "Cargo.toml": '[workspace]\nmembers = ["crates/*"]\nresolver = "2"\n',
        "crates/api/Cargo.toml": '[package]\nname = "api"\nversion = "0.1.0"\nedition = "2021"\n\n'
                                 '[dependencies]\naxum = "0.7"\ntokio = "1"\nenvy = "0.4"\nserde = "1"\n'
                                 'common = { path = "../common" }\n',
        "crates/api/src/main.rs": AXUM_MAIN,
        "crates/api/src/routes/mod.rs": AXUM_ROUTES,
        "crates/api/src/routes/health.rs": AXUM_HEALTH,
        "crates/api/src/routes/users.rs": AXUM_USERS,
        "crates/common/Cargo.toml": '[package]\nname = "common"\nversion = "0.1.0"\nedition = "2021"\n',
        "crates/common/src/lib.rs": 'pub fn region() -> String {\n'
                                    '    std::env::var("AWS_REGION").expect("AWS_REGION")\n}\n',
        "crates/worker/Cargo.toml": '[package]\nname = "worker"\nversion = "0.1.0"\nedition = "2021"\n',
        "crates/worker/src/main.rs": 'fn main() {\n    std::env::var("QUEUE_URL").unwrap();\n}\n',
        "Dockerfile": AXUM_DOCKERFILE,
    })


GOOD_COMPOSE = """services:
  api:
    build: .
    init: true
    environment:
      DATABASE_URL: postgres://app@db/app
      AWS_REGION: eu-west-1
      PORT: "8080"
    ports: ["8080:8080"]
    healthcheck:
      test: ["CMD-SHELL", "curl -fsS http://localhost:8080/readyz || exit 1"]
      start_period: 20s
"""


def test_axum_workspace_clean(tmp_path: Path) -> None:
    root = _axum_project(tmp_path, GOOD_COMPOSE)
    assert lint(root, ["VW201", "VW302", "VW303"]) == []


@pytest.mark.parametrize("path", ["/api/v1/users", "/api/v1/users/42", "/livez", "/readyz"])
def test_vw302_silent_for_nested_merged_and_parameter_routes(tmp_path: Path, path: str) -> None:
    root = _axum_project(tmp_path, GOOD_COMPOSE.replace("/readyz", path))
    assert lint(root, ["VW302"]) == []


def test_vw302_axum_unknown_path_suggests_closest(tmp_path: Path) -> None:
    root = _axum_project(tmp_path, GOOD_COMPOSE.replace("/readyz", "/health"))
    findings = lint(root, ["VW302"])
    assert where(findings, root) == [("VW302", "compose.yaml", 11)]
    assert "`/health`" in findings[0].message and "/api/v1/users/:id" in findings[0].message


def test_vw201_required_env_across_crates(tmp_path: Path) -> None:
    compose = GOOD_COMPOSE.replace("      DATABASE_URL: postgres://app@db/app\n", "").replace(
        "      AWS_REGION: eu-west-1\n", "")
    root = _axum_project(tmp_path, compose)
    findings = lint(root, ["VW201"])
    # envy field in the binary, and a read in a path-dependency library; never the worker's QUEUE_URL,
    # never reads with defaults (PORT, PARTNER_API_KEY, LOG_FORMAT) nor the Option field
    assert where(findings, root) == [("VW201", "crates/api/src/main.rs", 7), ("VW201", "crates/common/src/lib.rs", 2)]
    assert {f.key for f in findings} == {"DATABASE_URL", "AWS_REGION"}
    assert all(f.related and f.related[0].location.path == root / "compose.yaml" for f in findings)


def test_vw201_lazy_statics_and_test_helper_modules(tmp_path: Path) -> None:
    """A read that initializes a `LazyLock` counts only when start-up code uses the static; a `pub mod tests`
    (test helpers other crates' tests import, without `#[cfg(test)]`) is test code."""
    compose = GOOD_COMPOSE.replace("      AWS_REGION: eu-west-1\n", "")
    root = _axum_project(tmp_path, compose)
    write(root, {"crates/common/src/lib.rs": (
        "use std::sync::LazyLock;\n"
        'pub static REGION: LazyLock<String> = LazyLock::new(|| std::env::var("AWS_REGION").expect("AWS_REGION"));\n'
        'pub static BQ_CREDENTIALS: LazyLock<String> = LazyLock::new(|| std::env::var("BQ_CREDENTIALS").unwrap());\n'
        "pub fn region() -> String {\n    REGION.clone()\n}\n"
        "pub fn warehouse(enabled: bool) -> String {\n"
        "    if enabled { BQ_CREDENTIALS.clone() } else { String::new() }\n}\n"
        'pub mod tests {\n    pub fn creds() -> String {\n        std::env::var("TEST_CREDENTIALS").unwrap()\n    }\n}\n'
    )})
    found = lint(root, ["VW201"])
    assert {f.key for f in found} == {"AWS_REGION"}


def test_vw201_env_file_and_image_env_provide(tmp_path: Path) -> None:
    compose = GOOD_COMPOSE.replace("      DATABASE_URL: postgres://app@db/app\n", "").replace(
        "      AWS_REGION: eu-west-1\n", "").replace("    init: true\n", "    init: true\n    env_file: api.env\n")
    root = _axum_project(tmp_path, compose)
    write(root, {"api.env": "DATABASE_URL=postgres://app@db/app\n"})
    (root / "Dockerfile").write_text(AXUM_DOCKERFILE.replace("USER 10001", "ENV AWS_REGION=eu-west-1\nUSER 10001"))
    assert lint(root, ["VW201"]) == []


def test_vw303_probe_and_published_port_vs_port_env(tmp_path: Path) -> None:
    compose = GOOD_COMPOSE.replace('PORT: "8080"', 'PORT: "9000"')
    root = _axum_project(tmp_path, compose)
    findings = lint(root, ["VW303"])
    assert where(findings, root) == [("VW303", "compose.yaml", 9), ("VW303", "compose.yaml", 11)]
    assert "9000" in findings[0].message


def test_vw303_uses_code_default_when_env_unset(tmp_path: Path) -> None:
    compose = GOOD_COMPOSE.replace('      PORT: "8080"\n', "").replace("8080", "3000")
    root = _axum_project(tmp_path, compose)
    assert lint(root, ["VW303"]) == []


def test_code_rules_silent_for_image_only_services(tmp_path: Path) -> None:
    write(tmp_path, {"compose.yaml": "services:\n  web:\n    image: ghcr.io/acme/web:1\n    healthcheck:\n"
                                     "      test: [\"CMD\", \"curl\", \"-f\", \"http://localhost:1234/nope\"]\n"
                                     "      start_period: 5s\n"})
    assert lint(tmp_path, ["VW201", "VW302", "VW303"]) == []


def test_vw302_silent_when_routing_cannot_be_resolved(tmp_path: Path) -> None:
    root = _axum_project(tmp_path, GOOD_COMPOSE.replace("/readyz", "/unknown"))
    (root / "crates/api/src/routes/mod.rs").write_text(
        "use axum::Router;\n\npub fn app() -> Router {\n    build(Router::new())\n}\n\n"
        "fn build(r: Router) -> Router {\n    extra::mount(r)\n}\n")
    assert lint(root, ["VW302"]) == []


# ---------------------------------------------------------------- VW207 listen-loopback

ACTIX_COMPOSE = """services:
  api:
    build: .
    init: true
    environment:
      BIND_ADDR: "{bind}"
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:8080/ping"]
      start_period: 10s
"""

ACTIX_MAIN = """use actix_web::{get, App, HttpServer};

#[get("/ping")]
async fn ping() -> &'static str { "pong" }

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::var("BIND_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".to_string());
    HttpServer::new(|| App::new().service(ping)).bind(addr)?.run().await
}
"""

ACTIX_DOCKERFILE = """FROM rust:1.83 AS build
WORKDIR /app
COPY . .
RUN cargo build --release
FROM debian:bookworm-slim
COPY --from=build /app/target/release/pinger /usr/local/bin/pinger
USER 1000
CMD ["pinger"]
"""


def _actix(root: Path, bind: str | None) -> Path:
    compose = ACTIX_COMPOSE.format(bind=bind) if bind is not None else ACTIX_COMPOSE.split("    environment:")[0] + \
        "    healthcheck:" + ACTIX_COMPOSE.split("    healthcheck:")[1]
    return write(root, {
        "compose.yaml": compose,
        "Cargo.toml": '[package]\nname = "pinger"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n'
                      'actix-web = "4"\n',
        "src/main.rs": ACTIX_MAIN,
        "Dockerfile": ACTIX_DOCKERFILE,
    })


def test_vw207_loopback_default(tmp_path: Path) -> None:
    root = _actix(tmp_path, None)
    findings = lint(root, ["VW207"])
    assert where(findings, root) == [("VW207", "src/main.rs", 9)]
    assert "127.0.0.1" in findings[0].message


def test_vw207_loopback_set_by_compose(tmp_path: Path) -> None:
    root = _actix(tmp_path, "localhost:8080")
    findings = lint(root, ["VW207"])
    assert where(findings, root) == [("VW207", "src/main.rs", 9)]
    assert "BIND_ADDR" in findings[0].message


def test_vw207_silent_when_environment_overrides_to_any(tmp_path: Path) -> None:
    root = _actix(tmp_path, "0.0.0.0:8080")
    assert lint(root, ["VW207", "VW302", "VW303"]) == []


# ---------------------------------------------------------------- VW307 proxy-upstream-unknown

NGINX = """events {}
http {
    upstream app { server %s; }
    server {
        listen 80;
        location /ping { proxy_pass http://app; }
        location /static/ { proxy_pass https://cdn.example.com; }
        location /dyn/ { proxy_pass http://$host; }
    }
}
"""


def _proxy(root: Path, upstream: str) -> Path:
    _actix(root, "0.0.0.0:8080")
    compose = (root / "compose.yaml").read_text() + (
        "  web:\n    image: nginx:1.27\n    volumes:\n      - ./nginx.conf:/etc/nginx/nginx.conf:ro\n")
    return write(root, {"compose.yaml": compose, "nginx.conf": NGINX % upstream})


@pytest.mark.parametrize(("upstream", "expected"), [
    ("api:8080", None),
    ("${API_HOST}:${API_PORT}", None),  # a template the nginx image renders from the environment
    ("apii:8080", "no service"),
    ("api:9090", "listens on 8080"),
])
def test_vw307_upstream_host_and_port(tmp_path: Path, upstream: str, expected: str | None) -> None:
    root = _proxy(tmp_path, upstream)
    findings = lint(root, ["VW307"])
    if expected is None:
        assert findings == []
    else:
        assert where(findings, root) == [("VW307", "nginx.conf", 3)] and expected in findings[0].message


def test_vw307_path_prefix_unknown(tmp_path: Path) -> None:
    root = _proxy(tmp_path, "api:8080")
    (root / "nginx.conf").write_text((root / "nginx.conf").read_text().replace("location /ping", "location /api/"))
    findings = lint(root, ["VW307"])
    assert where(findings, root) == [("VW307", "nginx.conf", 6)]
    # a location that rewrites the URI first forwards another path: no claim on the prefix
    conf = (root / "nginx.conf").read_text()
    (root / "nginx.conf").write_text(conf.replace("{ proxy_pass http://app; }", "{ rewrite ^/api/(.*) /$1 break; "
                                                  "proxy_pass http://app; }"))
    assert lint(root, ["VW307"]) == []


# ---------------------------------------------------------------- VW108 build-env-undeclared


def test_vw108_env_macro_and_build_script(tmp_path: Path) -> None:
    root = _actix(tmp_path, "0.0.0.0:8080")
    write(root, {
        "src/version.rs": 'pub const SHA: &str = env!("GIT_SHA");\npub const NAME: &str = env!("CARGO_PKG_NAME");\n'
                          'pub const BUILT: &str = env!("BUILD_STAMP");\npub const OPT: Option<&str> = '
                          'option_env!("CI_JOB");\npub const DIR: &str = env!("OUT_DIR");\n',
        "build.rs": 'fn main() {\n    let _t = std::env::var("TARGET").unwrap();\n'
                    '    let key = std::env::var("SIGNING_KEY").expect("key");\n'
                    '    let _d = std::env::var("CARGO_TARGET_DIR").unwrap();\n'
                    '    println!("cargo:rustc-env=BUILD_STAMP=now");\n    let _ = key;\n}\n',
    })
    main = (root / "src/main.rs").read_text()
    (root / "src/main.rs").write_text("mod version;\n" + main)
    findings = lint(root, ["VW108"])
    assert where(findings, root) == [("VW108", "build.rs", 3), ("VW108", "build.rs", 4), ("VW108", "src/version.rs", 1)]
    assert "never sets" in findings[1].message
    # the help names the finding's own variable, not an example one
    assert "`ARG SIGNING_KEY`" in findings[0].extra["help"]
    assert "`ENV CARGO_TARGET_DIR=/app/target`" in findings[1].extra["help"]
    assert "`ARG GIT_SHA`" in findings[2].extra["help"] and "option_env!" in findings[2].extra["help"]


def test_vw108_silent_for_variables_a_build_script_emitter_provides(tmp_path: Path) -> None:
    """`env!("VERGEN_GIT_SHA")` with vergen-gitcl in [build-dependencies], or a build script that formats
    `cargo:rustc-env={}={}`: the script provides it (vergen emits a default without .git)."""
    version = 'pub const SHA: &str = env!("VERGEN_GIT_SHA");\n'
    vergen = (
        "use vergen_gitcl::{Emitter, GitclBuilder};\nfn main() {\n"
        "    Emitter::default().add_instructions(&GitclBuilder::default().sha(true).build().unwrap())\n"
        "        .unwrap().emit().unwrap();\n}\n"
    )
    formatted = 'fn main() {\n    let (k, v) = ("VERGEN_GIT_SHA", "x");\n    println!("cargo:rustc-env={}={}", k, v);\n}\n'
    for name, script, deps in (
        ("vergen", vergen, '\n[build-dependencies]\nvergen-gitcl = { version = "1", features = ["build"] }\n'),
        ("formatted", formatted, ""),
        ("plain", "fn main() {}\n", ""),
    ):
        root = _actix(tmp_path / name, "0.0.0.0:8080")
        write(root, {"src/version.rs": version, "build.rs": script})
        (root / "Cargo.toml").write_text((root / "Cargo.toml").read_text() + deps)
        (root / "src/main.rs").write_text("mod version;\n" + (root / "src/main.rs").read_text())
        found = where(lint(root, ["VW108"]), root)
        assert found == ([("VW108", "src/version.rs", 1)] if name == "plain" else []), name


def test_vw108_silent_when_builder_declares_arg(tmp_path: Path) -> None:
    root = _actix(tmp_path, "0.0.0.0:8080")
    write(root, {"src/version.rs": 'pub const SHA: &str = env!("GIT_SHA");\n'})
    (root / "src/main.rs").write_text("mod version;\n" + (root / "src/main.rs").read_text())
    (root / "Dockerfile").write_text(ACTIX_DOCKERFILE.replace("WORKDIR /app\n", "WORKDIR /app\nARG GIT_SHA=unknown\n"))
    assert lint(root, ["VW108"]) == []


# ---------------------------------------------------------------- VW302 forms


@pytest.mark.parametrize(("test", "flagged"), [
    ('["CMD-SHELL", "wget -qO- http://127.0.0.1:8080/pingz || exit 1"]', True),
    ('["CMD", "sh", "-c", "curl -fs localhost:8080/pingz"]', True),
    ('["CMD-SHELL", "curl -f http://localhost:8080/ping?verbose=1"]', False),
    ('"curl -f http://localhost:8080/ping/"', False),
    ('["CMD", "curl", "-f", "https://example.com/status"]', False),  # another host: not this app
    ('["CMD", "/usr/local/bin/pinger", "--check"]', False),  # no URL
])
def test_vw302_healthcheck_forms(tmp_path: Path, test: str, flagged: bool) -> None:
    root = _actix(tmp_path, "0.0.0.0:8080")
    compose = (root / "compose.yaml").read_text()
    compose = compose.replace('["CMD", "curl", "-f", "http://localhost:8080/ping"]', test)
    (root / "compose.yaml").write_text(compose)
    found = where(lint(root, ["VW302"]), root)
    assert found == ([("VW302", "compose.yaml", 8)] if flagged else [])


def test_vw302_dockerfile_healthcheck_when_compose_sets_none(tmp_path: Path) -> None:
    root = _actix(tmp_path, "0.0.0.0:8080")
    compose = (root / "compose.yaml").read_text().split("    healthcheck:")[0]
    (root / "compose.yaml").write_text(compose)
    (root / "Dockerfile").write_text(ACTIX_DOCKERFILE.replace(
        "USER 1000", "USER 1000\nHEALTHCHECK --start-period=10s CMD curl -f http://localhost:8080/healthz || exit 1"))
    findings = lint(root, ["VW302"])
    assert where(findings, root) == [("VW302", "Dockerfile", 8)]
    assert (findings[0].location.col, findings[0].location.end_col) == (44, 73)
    assert "did you mean `/ping`" in findings[0].message


def test_vw307_upstream_declared_in_another_mounted_file(tmp_path: Path) -> None:
    _actix(tmp_path, "0.0.0.0:8080")
    compose = (tmp_path / "compose.yaml").read_text() + (
        "  web:\n    image: nginx:1.27\n    volumes:\n      - ./nginx/conf.d:/etc/nginx/conf.d:ro\n")
    write(tmp_path, {
        "compose.yaml": compose,
        "nginx/conf.d/01-upstreams.conf": "upstream backend_app { server api:8080; keepalive 8; }\n",
        "nginx/conf.d/site.conf": "server {\n    listen 80;\n    location /ping { proxy_pass http://backend_app; }\n}\n",
    })
    assert lint(tmp_path, ["VW307"]) == []


def test_service_running_another_program_gets_that_programs_code(tmp_path: Path) -> None:
    root = _axum_project(tmp_path, GOOD_COMPOSE)
    # the worker binary is built too; a compose service runs it with `command:`
    (root / "Dockerfile").write_text(AXUM_DOCKERFILE.replace("-p api", "-p api -p worker").replace(
        "COPY --from=builder /src/target/release/api /usr/local/bin/api",
        "COPY --from=builder /src/target/release/api /usr/local/bin/api\n"
        "COPY --from=builder /src/target/release/worker /usr/local/bin/worker").replace(
        'ENTRYPOINT ["/usr/local/bin/api"]', 'CMD ["/usr/local/bin/api"]'))
    compose = GOOD_COMPOSE + "  worker:\n    build: .\n    init: true\n    command: [\"worker\"]\n" \
                             "  migrate:\n    build: .\n    init: true\n    command: [\"sh\", \"-c\", \"diesel migration run\"]\n"
    (root / "compose.yaml").write_text(compose)
    findings = lint(root, ["VW201"])
    # the worker's QUEUE_URL is reported for `worker` only; `migrate` runs a shell: no claim
    assert where(findings, root) == [("VW201", "crates/worker/src/main.rs", 2)]
    assert "`worker`" in findings[0].message and "`migrate`" not in findings[0].message


def test_vw201_dotenv_file_mounted_into_the_container(tmp_path: Path) -> None:
    compose = GOOD_COMPOSE.replace("      DATABASE_URL: postgres://app@db/app\n", "").replace(
        "    init: true\n", "    init: true\n    volumes:\n      - ./app.env:/app/.env:ro\n")
    root = _axum_project(tmp_path, compose)
    write(root, {"app.env": "DATABASE_URL=postgres://app@db/app\n"})
    assert lint(root, ["VW201"]) == []
    (root / "app.env").unlink()  # missing: VW204 reports the mount; VW201 makes no claim
    assert lint(root, ["VW201"]) == []


def test_code_link_ignores_cargo_chef_cook_and_registry_installs(tmp_path: Path) -> None:
    compose = GOOD_COMPOSE.replace("      DATABASE_URL: postgres://app@db/app\n", "")
    root = _axum_project(tmp_path, compose)
    (root / "Dockerfile").write_text(
        "FROM rust:1.83-slim-bookworm AS chef\nRUN cargo install cargo-chef --locked\nWORKDIR /src\n"
        "FROM chef AS planner\nCOPY . .\nRUN cargo chef prepare --recipe-path recipe.json\n"
        "FROM chef AS builder\nCOPY --from=planner /src/recipe.json recipe.json\n"
        "RUN cargo chef cook --release --recipe-path recipe.json\nRUN cargo install sqlx-cli --no-default-features\n"
        "COPY . .\nRUN cargo build --release -p api\n"
        "FROM debian:bookworm-slim\nCOPY --from=builder /src/target/release/api /usr/local/bin/api\n"
        "USER 10001\nENTRYPOINT [\"/usr/local/bin/api\"]\n")
    assert where(lint(root, ["VW201"]), root) == [("VW201", "crates/api/src/main.rs", 7)]
