"""Situations read on a thirty-eighth set of repositories."""

from __future__ import annotations

from pathlib import Path

from viworks_lint.images import lookup

from tests.helpers import lint, write
from tests.unseen_fixtures import CARGO, got, scope_of

OPENSSL_LOCK = (
    "version = 3\n\n"
    '[[package]]\nname = "shop"\nversion = "0.1.0"\ndependencies = [\n "openssl",\n]\n\n'
    '[[package]]\nname = "openssl"\nversion = "0.10.60"\n'
    'source = "registry+https://github.com/rust-lang/crates.io-index"\ndependencies = [\n "openssl-sys",\n]\n\n'
    '[[package]]\nname = "openssl-sys"\nversion = "0.9.96"\n'
    'source = "registry+https://github.com/rust-lang/crates.io-index"\ndependencies = []\n'
)
TLS_IMAGE = (
    "FROM BUILDER AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
    "FROM RUNTIME\nCOPY --from=build /src/target/release/shop /usr/local/bin/shop\n"
    'USER nobody\nCMD ["shop"]\n'
)


def _tls_app(root: Path, builder: str, runtime: str) -> Path:
    return write(root, {
        "Cargo.toml": CARGO + 'openssl = "0.10"\n', "Cargo.lock": OPENSSL_LOCK,
        "src/main.rs": "use openssl as _;\nfn main() {}\n",
        "Dockerfile": TLS_IMAGE.replace("BUILDER", builder).replace("RUNTIME", runtime),
    })


def test_rust_170_and_1710_tags_are_bullseye_and_bullseye_slim_carries_libssl(tmp_path: Path) -> None:
    """The rust image's default Debian release became bookworm with 1.71.1 (docker-rust's x.py): `rust:1.70` and
    `rust:1.71.0` are bullseye, so a bullseye runtime is the same glibc. `debian:bullseye-slim` has libssl1.1 (its
    PAM modules pull in Kerberos, which links OpenSSL): an OpenSSL binary built on bullseye runs there. Bookworm
    slim has no libssl3."""
    assert (lookup("rust:1.70").distro, lookup("rust:1.71.0-slim").distro) == ("debian11", "debian11")
    assert (lookup("rust:1.71").distro, lookup("rust:1.71.1").distro) == ("debian12", "debian12")
    assert "libssl" in lookup("debian:bullseye-slim").libraries
    assert "libssl" not in lookup("debian:bookworm-slim").libraries
    root = _tls_app(tmp_path / "bullseye", "rust:1.70", "debian:bullseye-slim")
    assert got(lint(root, ["VW205", "VW206"]), root) == []
    root = _tls_app(tmp_path / "bookworm", "rust:1.72", "debian:bullseye-slim")  # VW206 names the root cause
    assert [f[0] for f in got(lint(root, ["VW205", "VW206"]), root)] == ["VW206"]
    root = _tls_app(tmp_path / "no-libssl3", "rust:1.72", "debian:bookworm-slim")
    assert [f[0] for f in got(lint(root, ["VW205", "VW206"]), root)] == ["VW205"]


TEST_HELPER = (
    "fn main() {\n"
    '    let client = redis::Client::open(std::env::var("REDIS_URL").unwrap()).unwrap();\n'
    "    loop { let _ = &client; }\n}\n"
    "#[cfg(test)]\nmod tests {\n"
    "    async fn start_redis_server() {\n"
    '        let client = redis::Client::open("redis://127.0.0.1").unwrap();\n'
    "        let _c = client.get_multiplexed_async_connection().await.unwrap();\n"
    "    }\n}\n"
)


def test_vw309_a_connection_a_test_module_opens_is_not_the_apps_start(tmp_path: Path) -> None:
    """`Client::open` in `main` connects to nothing; the direct connection is in a `#[cfg(test)]` helper that
    starts a test container: a note. The same helper outside a test module runs with the app: a warning."""
    files = {
        "Cargo.toml": CARGO + 'redis = "0.23"\n', "Dockerfile": TLS_IMAGE.replace("BUILDER", "rust:1.80")
        .replace("RUNTIME", "debian:bookworm-slim"), "src/main.rs": TEST_HELPER,
        "compose.yaml": "services:\n  web:\n    build: .\n    environment:\n      REDIS_URL: redis://redis:6379\n"
        "    depends_on:\n      - redis\n  redis:\n    image: redis:7\n",
    }
    root = write(tmp_path / "test", files)
    assert got(lint(root, ["VW309"]), root) == [("VW309", "compose.yaml", 7, "note")]
    root = write(tmp_path / "app", {**files, "src/main.rs": TEST_HELPER.replace("#[cfg(test)]\n", "")})
    assert got(lint(root, ["VW309"]), root) == [("VW309", "compose.yaml", 7, "warning")]


PROXY_STACK = (
    "services:\n  api:\n    image: ghcr.io/acme/api:1\n  proxy:\n    image: nginx:1.27\n    volumes:\n"
    "      - ./nginx:/etc/nginx:ro\n    ports:\n      - 80:80\n"
)
MAIN_CONF = (
    "events {}\nhttp {\n  include mime.types;\n  INCLUDE\n"
    "  server { listen 80; location / { proxy_pass http://api:8080; } }\n}\n"
)
OTHER_CONF = "server {\n  listen 80;\n  location / {\n    proxy_pass http://monolith:4000;\n  }\n}\n"


def test_vw307_a_config_in_a_subfolder_nginx_conf_does_not_include_is_not_loaded(tmp_path: Path) -> None:
    """`./nginx` is mounted over `/etc/nginx`: nginx reads `nginx.conf` and the files it includes. A config
    another compose file's proxy uses, in `nginx/monolith/`, is not loaded here; included, it is."""
    files = {
        "compose.yaml": PROXY_STACK, "nginx/nginx.conf": MAIN_CONF.replace("INCLUDE\n", ""),
        "nginx/mime.types": "types { text/html html; }\n", "nginx/monolith/nginx.conf": OTHER_CONF,
    }
    root = write(tmp_path / "apart", files)
    assert got(lint(root, ["VW307"]), root) == []
    included = MAIN_CONF.replace("INCLUDE", "include /etc/nginx/monolith/*.conf;")
    root = write(tmp_path / "included", {
        "compose.yaml": PROXY_STACK, "nginx/nginx.conf": included, "nginx/monolith/site.conf": OTHER_CONF,
    })
    assert got(lint(root, ["VW307"]), root) == [("VW307", "nginx/monolith/site.conf", 4, "error")]
    # a folder mounted as conf.d: its own top-level files are loaded, its subfolders are not
    confd = PROXY_STACK.replace("./nginx:/etc/nginx:ro", "./conf:/etc/nginx/conf.d:ro")
    root = write(tmp_path / "confd", {
        "compose.yaml": confd, "conf/default.conf": OTHER_CONF, "conf/old/legacy.conf": OTHER_CONF,
    })
    assert got(lint(root, ["VW307"]), root) == [("VW307", "conf/default.conf", 4, "error")]
    # unless a loaded file includes them: `include /etc/nginx/conf.d/locations/*.conf;`
    with_include = "include /etc/nginx/conf.d/old/*.conf;\n" + OTHER_CONF
    root = write(tmp_path / "confd-include", {
        "compose.yaml": confd, "conf/default.conf": with_include, "conf/old/legacy.conf": OTHER_CONF,
    })
    assert got(lint(root, ["VW307"]), root) == [
        ("VW307", "conf/default.conf", 5, "error"), ("VW307", "conf/old/legacy.conf", 4, "error"),
    ]


def test_a_compose_file_named_with_an_underscore_is_found(tmp_path: Path) -> None:
    """`monolith_compose.yaml` is a compose file like `monolith-compose.yaml`: it is linted."""
    stack = "services:\n  web:\n    image: nginx:1.27\n    volumes:\n      - ./site.conf:/etc/nginx/conf.d/site.conf\n"
    for name in ("monolith_compose.yaml", "compose_prod.yml"):
        root = write(tmp_path / name, {name: stack})
        assert [(f[0], f[1]) for f in got(lint(root, ["VW204"]), root)] == [("VW204", name)], name


OVERRIDDEN = (
    "FROM rust:1.80-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
    "FROM debian:bookworm-slim\nCOPY --from=build /src/target/release/shop /usr/local/bin/shop\n"
    'USER nobody\nCMD ["${APP_BIN}"]\n'
)


def test_vw308_a_cmd_every_service_replaces_never_runs(tmp_path: Path) -> None:
    """The only service that builds the image sets `command:`: the image's CMD never runs, and its `${APP_BIN}`
    is no finding. A service that keeps the CMD (or an image nothing builds) still gets it."""
    files = {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": OVERRIDDEN,
             "compose.yaml": "services:\n  web:\n    build: .\n    command: [\"shop\"]\n"}
    root = write(tmp_path / "replaced", files)
    assert got(lint(root, ["VW308"]), root) == []
    kept = "services:\n  web:\n    build: .\n    command: [\"shop\"]\n  worker:\n    build: .\n"
    root = write(tmp_path / "kept", {**files, "compose.yaml": kept})
    assert got(lint(root, ["VW308"]), root) == [("VW308", "Dockerfile", 8, "error")]
    # CI pushes the image: production runs the CMD, whatever the compose file does
    pushed = {**files, ".github/workflows/ci.yml": BASE_WORKFLOW.replace("          target: TARGET\n", "")
              .replace("/TARGET", "")}
    root = write(tmp_path / "pushed", pushed)
    assert got(lint(root, ["VW308"]), root) == [("VW308", "Dockerfile", 8, "error")]


LAUNCHER = (
    "pub mod launcher {\n    pub async fn launch() -> std::io::Result<()> {\n"
    "        actix_web::HttpServer::new(|| actix_web::App::new()).bind((\"0.0.0.0\", 8050))?.run().await\n"
    "    }\n}\n"
)


def test_vw402_a_repository_library_taken_by_git_url_is_read_for_its_signals(tmp_path: Path) -> None:
    """The service takes the monorepo's own launcher library by git URL, not by path; its source is in
    `libs/launcher`, and its actix-web server stops on SIGTERM: only reaping is missing (a note). With no copy
    of the library in the repository, what it does is unknown: a warning."""
    app_cargo = CARGO + 'service-launcher = { git = "https://github.com/acme/mono", branch = "main" }\n'
    files = {
        "svc/Cargo.toml": app_cargo, "svc/src/main.rs": "use service_launcher::launcher;\n\n"
        "#[tokio::main]\nasync fn main() {\n    launcher::launch().await.unwrap();\n}\n",
        "svc/Dockerfile": TLS_IMAGE.replace("BUILDER", "rust:1.80").replace("RUNTIME", "debian:bookworm-slim")
        .replace("USER nobody", "EXPOSE 8050\nUSER nobody"),
        "libs/launcher/Cargo.toml": CARGO.replace("shop", "service-launcher") + 'actix-web = "4"\n',
        "libs/launcher/src/lib.rs": LAUNCHER,
    }
    root = write(tmp_path / "mono", files)
    assert got(lint(root, ["VW402"]), root) == [("VW402", "svc/Dockerfile", 9, "note")]
    alone = {k: v for k, v in files.items() if not k.startswith("libs/")}
    root = write(tmp_path / "alone", alone)
    assert got(lint(root, ["VW402"]), root) == [("VW402", "svc/Dockerfile", 9, "warning")]
    # a crate of that name from another repository is not the local one
    other = {**files, "svc/Cargo.toml": app_cargo.replace("acme/mono", "someone/else")}
    root = write(tmp_path / "mono2", other)
    assert got(lint(root, ["VW402"]), root) == [("VW402", "svc/Dockerfile", 9, "warning")]
    # a handler in a module of the library the code never names stops nothing
    unused = {**files, "svc/src/main.rs": "fn main() {\n    loop {}\n}\n",
              "libs/launcher/src/lib.rs": "pub mod launcher;\n",
              "libs/launcher/src/launcher.rs": LAUNCHER.replace("pub mod launcher {", "pub mod inner {")}
    root = write(tmp_path / "mono3", unused)
    assert got(lint(root, ["VW402"]), root) == [("VW402", "svc/Dockerfile", 9, "warning")]


CHOWN_STACK = (
    "services:\n  db-init:\n    image: postgres:16\n    user: root\n    volumes:\n"
    "      - ./data/db:/var/lib/postgresql/data\n    entrypoint: [\"chown\", \"-R\", \"2000:2000\", "
    "\"/var/lib/postgresql/data\"]\n"
    "  db:\n    image: postgres:16\n    user: 2000:2000\n    volumes:\n      - ./data/db:/var/lib/postgresql/data\n"
    "    depends_on:\n      db-init:\n        condition: CONDITION\n"
)


def test_vw204_a_one_shot_service_that_chowns_the_directory_first(tmp_path: Path) -> None:
    """`db-init` mounts the same missing directory and chowns it to 2000:2000; `db` (user 2000) waits for it to
    complete: Docker's root-owned directory is handed over before postgres writes. Waiting only for the start
    of `db-init` leaves the race: the error stays."""
    files = {".gitignore": "data/\n"}
    root = write(tmp_path / "done", {**files, "compose.yaml": CHOWN_STACK.replace("CONDITION",
                                                                                  "service_completed_successfully")})
    assert got(lint(root, ["VW204"]), root) == []
    root = write(tmp_path / "started", {**files, "compose.yaml": CHOWN_STACK.replace("CONDITION", "service_started")})
    assert got(lint(root, ["VW204"]), root) == [("VW204", "compose.yaml", 12, "error")]
    done = CHOWN_STACK.replace("CONDITION", "service_completed_successfully")
    for name, stack in (
        ("other-path", done.replace('"/var/lib/postgresql/data"]', '"/tmp/run.sh"]')
         .replace('"chown", "-R", "2000:2000"', '"chmod", "+x"')),
        ("non-root", done.replace("user: root", "user: \"1000\"")),
    ):
        root = write(tmp_path / name, {**files, "compose.yaml": stack})
        assert ("VW204", "compose.yaml", 12, "error") in got(lint(root, ["VW204"]), root), name


def test_vw203_an_env_file_a_page_of_the_documentation_site_tells_operators_to_create(tmp_path: Path) -> None:
    """`deploy/.env.proposer` is git-ignored (it holds a private key); a page of the mdBook under `book/` says to
    create it in the `deploy` directory: a note naming the page. A page that names the file but not its folder
    says nothing of this one: the error stays."""
    files = {
        ".gitignore": ".env*\n", "deploy/compose.yaml": "services:\n  proposer:\n    image: ghcr.io/acme/proposer:1\n"
        "    env_file:\n      - .env.proposer\n",
    }
    page = "# Running\n\nCreate the environment files under the `deploy` directory:\n\n- `.env.proposer`: keys\n"
    root = write(tmp_path / "book", {**files, "book/ops/docker.md": page})
    found = lint(root, ["VW203"])
    assert got(found, root) == [("VW203", "deploy/compose.yaml", 5, "note")]
    assert "book/ops/docker.md:5" in found[0].message
    root = write(tmp_path / "elsewhere", {**files, "book/ops/docker.md": page.replace("`deploy` directory", "host")})
    assert got(lint(root, ["VW203"]), root) == [("VW203", "deploy/compose.yaml", 5, "error")]
    # a root `.env`: a page must say to create it, not name another folder's (`frontend/.env`), and a package's
    # README under `node_modules` is no page of the site
    at_root = {".gitignore": ".env\n", "compose.yaml": "services:\n  api:\n    image: ghcr.io/acme/api:1\n"
               "    env_file:\n      - .env\n"}
    for name, pages in (
        ("other-folder", {"docs/frontend.md": "The UI reads VITE_API_URL from `frontend/.env`.\n"}),
        ("dependency", {"website/node_modules/dotenv/README.md": "Create a `.env` file in the root.\n"}),
    ):
        root = write(tmp_path / name, {**at_root, **pages})
        assert got(lint(root, ["VW203"]), root) == [("VW203", "compose.yaml", 5, "error")], name
    root = write(tmp_path / "create", {**at_root, "docs/setup.md": "Create a `.env` file with your keys.\n"})
    assert got(lint(root, ["VW203"]), root) == [("VW203", "compose.yaml", 5, "note")]
    # a page that only says where a value comes from (`Password: (from .env.proposer)`) tells no one to write it
    table = "# Access\n\nThe `deploy/` stack:\n\n\n\n- **Password:** (from `.env.proposer`)\n"
    root = write(tmp_path / "table", {**files, "book/ops/access.md": table})
    assert got(lint(root, ["VW203"]), root) == [("VW203", "deploy/compose.yaml", 5, "error")]


REMAPPED = (
    "services:\n  api:\n    image: ghcr.io/acme/api:1\n    environment:\n"
    "      DATABASE_URL: postgres://app:pw@db:5432/app\n"
    "  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: pw\n    ports:\n      - PORTS\n"
)
SETTINGS = '[database]\nurl = "postgres://app:pw@127.0.0.1:HOSTPORT/app"\n'


def test_vw405_a_config_file_of_the_code_names_the_remapped_host_port(tmp_path: Path) -> None:
    """Postgres is published as `9432:5432`, and `server/config/base.toml` points at `127.0.0.1:9432`: only a
    program on the host reaches that number, so the port is how the host-run app gets in (a note). Published
    under its own number, `localhost:5432` in a config says nothing of who uses it: the warning stays."""
    root = write(tmp_path / "remapped", {
        "compose.yaml": REMAPPED.replace("PORTS", "9432:5432"),
        "server/config/base.toml": SETTINGS.replace("HOSTPORT", "9432"),
    })
    found = lint(root, ["VW405"])
    assert got(found, root) == [("VW405", "compose.yaml", 11, "note")]
    assert "server/config/base.toml" in found[0].message
    root = write(tmp_path / "same", {
        "compose.yaml": REMAPPED.replace("PORTS", "5432:5432"),
        "server/config/base.toml": SETTINGS.replace("HOSTPORT", "5432"),
    })
    assert got(lint(root, ["VW405"]), root) == [("VW405", "compose.yaml", 11, "warning")]


def test_an_image_named_like_a_library_crate_is_no_app_image(tmp_path: Path) -> None:
    """The workspace has a `trino-client` library and an `ingest` program; the compose file runs `trinodb/trino`
    and postgres only: the server the library talks to, so the file is infrastructure for an app on the host. An
    image named like the program (`acme/ingest-worker`) is the app's."""
    files = {
        "Cargo.toml": '[workspace]\nmembers = ["ingest", "trino_client"]\nresolver = "2"\n',
        "ingest/Cargo.toml": CARGO.replace("shop", "ingest"), "ingest/src/main.rs": "fn main() {}\n",
        "trino_client/Cargo.toml": CARGO.replace("shop", "trino-client"), "trino_client/src/lib.rs": "\n",
        "compose.yaml": "services:\n  trino:\n    image: trinodb/trino:480\n  db:\n    image: postgres:16\n",
    }
    root = write(tmp_path / "infra", files)
    assert scope_of(root, "compose.yaml") == "dev"
    app = files["compose.yaml"].replace("trinodb/trino:480", "acme/ingest-worker:1")
    root = write(tmp_path / "app", {**files, "compose.yaml": app})
    assert scope_of(root, "compose.yaml") == "deploy"
    # an image named exactly like the library is the repository's own
    lib = files["compose.yaml"].replace("trinodb/trino:480", "ghcr.io/acme/trino-client:1")
    root = write(tmp_path / "lib", {**files, "compose.yaml": lib})
    assert scope_of(root, "compose.yaml") == "deploy"


PROTO_IMAGE = (
    "FROM rust:1.80-bookworm AS build\nCOPY --from=proto . /proto\nCOPY . .\nRUN cargo build --release\n"
    "FROM debian:bookworm-slim\nCOPY --from=build /target/release/shop /usr/local/bin/shop\nUSER nobody\n"
    'CMD ["shop"]\n'
)


def test_vw110_a_named_build_context_copied_in_from_the_root_working_directory(tmp_path: Path) -> None:
    """The stage works in `/` (no WORKDIR) and copies the `proto` named build context (CI's `build-contexts`) to
    `/proto`, where the build script's `../proto/health.proto` lands: unknown content, no claim. Without that
    COPY the file is outside the context and the build fails: the error stays."""
    files = {
        "svc/Cargo.toml": CARGO + '\n[build-dependencies]\nprost-build = "0.12"\n',
        "svc/build.rs": 'fn main() {\n    prost_build::compile_protos(&["../proto/health.proto"], &["../proto"])'
        ".unwrap();\n}\n",
        "svc/src/main.rs": "fn main() {}\n", "proto/health.proto": 'syntax = "proto3";\n',
        "svc/Dockerfile": PROTO_IMAGE,
        "compose.yaml": "services:\n  svc:\n    build:\n      context: ./svc\n",
    }
    root = write(tmp_path / "named", files)
    assert got(lint(root, ["VW110"]), root) == []
    root = write(tmp_path / "missing", {**files, "svc/Dockerfile": PROTO_IMAGE.replace("COPY --from=proto . /proto\n",
                                                                                       "")})
    assert got(lint(root, ["VW110"]), root) == [("VW110", "svc/Dockerfile", 3, "error")]


TOOLCHAIN_TARGET = (
    "FROM rust:1.80-bookworm AS base\nRUN apt-get update && apt-get install -y protobuf-compiler\n"
    "FROM base AS builder\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
    "FROM debian:bookworm-slim AS runner\nCOPY --from=builder /src/target/release/shop /usr/local/bin/shop\n"
    'USER nobody\nCMD ["shop"]\n'
)
BASE_WORKFLOW = (
    "on: push\njobs:\n  base:\n    runs-on: ubuntu-latest\n    steps:\n"
    "      - uses: docker/build-push-action@v6\n        with:\n          context: .\n          file: Dockerfile\n"
    "          target: TARGET\n          push: true\n          tags: ghcr.io/acme/shop/TARGET:latest\n"
)


def test_vw401_a_pushed_toolchain_stage_the_app_build_starts_from_is_a_ci_container(tmp_path: Path) -> None:
    """CI pushes the `base` stage (rust plus protoc, no program of its own; the app's builder starts from it) to
    run its jobs in: running as root there is no finding. The pushed last stage, the app, still gets one."""
    files = {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "Dockerfile": TOOLCHAIN_TARGET,
             ".github/workflows/ci.yml": BASE_WORKFLOW.replace("TARGET", "base")}
    root = write(tmp_path / "base", files)
    assert got(lint(root, ["VW401"]), root) == []
    root = write(tmp_path / "app", {**files, "Dockerfile": TOOLCHAIN_TARGET.replace("USER nobody\n", ""),
                                    ".github/workflows/ci.yml": BASE_WORKFLOW.replace("TARGET", "runner")})
    assert got(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 7, "warning")]
    # a compose service that runs the toolchain stage (`target: base`) runs its container: the finding stays
    served = {**files, "compose.yaml": "services:\n  web:\n    build:\n      context: .\n      target: base\n"
              "    command: [\"cargo\", \"build\"]\n", ".github/workflows/ci.yml": ""}
    root = write(tmp_path / "compose", served)
    assert got(lint(root, ["VW401"]), root) == [("VW401", "Dockerfile", 1, "warning")]


TEMPLATE_README = (
    "# Shop\n\n## Setup\n\n1. Copy [compose.yml](./compose.yml) to your server and fill in the environment\n"
    "   variables (see Configuration).\n2. Run `docker compose up -d`.\n\n## Configuration\n\n"
    "| Option | Variable |\n|---|---|\n| Upload token | `SHOP_TOKEN` |\n"
)


def test_vw201_a_compose_file_the_readme_hands_to_operators_to_fill_in(tmp_path: Path) -> None:
    """The README's setup step copies `compose.yml` and tells the operator to fill in its environment variables,
    and its configuration table names `SHOP_TOKEN`: a per-deployment secret the template leaves out on purpose
    (a note naming the table). Without that step the missing variable is an error."""
    files = {
        "Cargo.toml": CARGO, "Dockerfile": TLS_IMAGE.replace("BUILDER", "rust:1.80").replace(
            "RUNTIME", "debian:bookworm-slim"),
        "src/main.rs": 'fn main() {\n    let _t = std::env::var("SHOP_TOKEN").expect("SHOP_TOKEN");\n}\n',
        "compose.yml": "services:\n  shop:\n    build: .\n    ports:\n      - 8080:8080\n",
    }
    root = write(tmp_path / "template", {**files, "README.md": TEMPLATE_README})
    found = lint(root, ["VW201"])
    assert got(found, root) == [("VW201", "src/main.rs", 2, "note")] and "README.md:13" in found[0].message
    plain = TEMPLATE_README.replace(" and fill in the environment\n   variables (see Configuration)", "")
    root = write(tmp_path / "plain", {**files, "README.md": plain})
    assert got(lint(root, ["VW201"]), root) == [("VW201", "src/main.rs", 2, "error")]


SQLX_APP = (
    "mod db {\n    pub async fn total(pool: &sqlx::PgPool) -> i64 {\n"
    '        sqlx::query_scalar!("SELECT 1 AS n").fetch_one(pool).await.unwrap().unwrap_or(0)\n    }\n}\n'
    'const URL: &str = env!("DATABASE_URL");\n\nfn main() {\n    let _ = URL;\n}\n'
)


def test_vw108_an_env_macro_the_sqlx_macros_load_from_the_copied_dotenv(tmp_path: Path) -> None:
    """The crate uses sqlx's query macros, which load the `.env` of its directory into the compiler's environment
    while they expand; the repository commits that `.env` with `DATABASE_URL` and the build copies it in: no claim
    for `env!("DATABASE_URL")`. Kept out by `.dockerignore`, the variable is unset: the error stays."""
    files = {
        "Cargo.toml": CARGO + 'sqlx = { version = "0.8", features = ["postgres", "runtime-tokio"] }\n',
        "src/main.rs": SQLX_APP, ".env": "DATABASE_URL=postgres://app:pw@localhost/app\n",
        "Dockerfile": TLS_IMAGE.replace("BUILDER", "rust:1.80").replace("RUNTIME", "debian:bookworm-slim"),
    }
    root = write(tmp_path / "copied", files)
    assert got(lint(root, ["VW108"]), root) == []
    root = write(tmp_path / "ignored", {**files, ".dockerignore": "target\n.env\n"})
    assert got(lint(root, ["VW108"]), root) == [("VW108", "src/main.rs", 6, "error")]


HTPASSWD_STACK = (
    "services:\n  proxy:\n    image: nginx:1.27\n    volumes:\n      - ./nginx.conf:/etc/nginx/nginx.conf:ro\n"
    "      - ./htpasswd:/etc/nginx/.htpasswd:ro\n"
)
AUTH_CONF = (
    "events {}\nhttp {\n  server {\n    listen 80;\n    auth_basic off;\n"
    "    # auth_basic_user_file /etc/nginx/.htpasswd;\n  }\n}\n"
)


def test_vw204_a_file_mounted_into_nginx_that_no_active_config_line_reads(tmp_path: Path) -> None:
    """`./htpasswd` is missing, but the only line of the nginx config that names `/etc/nginx/.htpasswd` is
    commented out: the empty directory Docker mounts there stops nothing (a note). An active
    `auth_basic_user_file` makes nginx fail to start: an error."""
    root = write(tmp_path / "commented", {"compose.yaml": HTPASSWD_STACK, "nginx.conf": AUTH_CONF})
    assert got(lint(root, ["VW204"]), root) == [("VW204", "compose.yaml", 6, "note")]
    active = AUTH_CONF.replace("    # auth_basic_user_file", "    auth_basic_user_file")
    root = write(tmp_path / "active", {"compose.yaml": HTPASSWD_STACK, "nginx.conf": active})
    assert got(lint(root, ["VW204"]), root) == [("VW204", "compose.yaml", 6, "error")]


WAIT_STACK = (
    "services:\n  web:\n    build: .\n    command: sh /app/docker/start.sh\n    volumes:\n      - .:/app\n"
    "    environment:\n      DATABASE_URL: postgres://app:pw@db:5432/app\n    depends_on:\n      - db\n"
    "  db:\n    image: postgres:16\n"
)


def test_vw309_a_start_script_from_the_bind_mounted_source_waits_for_the_database(tmp_path: Path) -> None:
    """The service runs `sh /app/docker/start.sh` from the source compose mounts at `/app`; the script waits
    with `nc -z db 5432` before it starts the app: no race. A script that starts the app at once keeps it."""
    files = {
        "Cargo.toml": CARGO + 'tokio-postgres = "0.7"\n',
        "Dockerfile": TLS_IMAGE.replace("BUILDER", "rust:1.80").replace("RUNTIME", "debian:bookworm-slim"),
        "src/main.rs": "#[tokio::main]\nasync fn main() {\n"
        '    let url = std::env::var("DATABASE_URL").unwrap();\n'
        "    let _c = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();\n}\n",
        "compose.yaml": WAIT_STACK,
    }
    waits = "#!/bin/sh\nwhile ! nc -z db 5432; do sleep 1; done\nexec shop\n"
    root = write(tmp_path / "waits", {**files, "docker/start.sh": waits})
    assert [f for f in got(lint(root, ["VW309"]), root) if f[3] != "note"] == []
    root = write(tmp_path / "races", {**files, "docker/start.sh": "#!/bin/sh\nexec shop\n"})
    assert [f[3] for f in got(lint(root, ["VW309"]), root)] == ["warning"]


def test_vw105_a_stray_manifest_inside_a_packages_sources(tmp_path: Path) -> None:
    """`src/Cargo.toml` inside the package's own sources is a placeholder nothing reads (no workspace lists it,
    nothing depends on it, the image builds the package above): its missing path dependencies are a note. The
    same manifest as a workspace member is built: an error."""
    stray = CARGO.replace("shop", "placeholder") + 'core_types = { path = "../core_types" }\n'
    files = {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "src/Cargo.toml": stray,
             "Dockerfile": TLS_IMAGE.replace("BUILDER", "rust:1.80").replace("RUNTIME", "debian:bookworm-slim")}
    root = write(tmp_path / "stray", files)
    assert got(lint(root, ["VW105"]), root) == [("VW105", "src/Cargo.toml", 7, "note")]
    member = CARGO + '\n[workspace]\nmembers = ["src"]\n'
    root = write(tmp_path / "member", {**files, "Cargo.toml": member})
    assert got(lint(root, ["VW105"]), root) == [("VW105", "src/Cargo.toml", 7, "error")]


def test_a_mock_server_image_is_a_test_image(tmp_path: Path) -> None:
    """`infrastructure/mock-server/Dockerfile.mock-server` stands in for an upstream in load tests: test scope,
    so no hardening finding; the app's own Dockerfile stays deploy."""
    mock = "FROM rust:1.80 AS build\nCOPY . .\nRUN cargo build --release\nFROM debian:bookworm-slim\nCMD [\"mock\"]\n"
    root = write(tmp_path / "repo", {
        "Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n", "infrastructure/mock-server/Dockerfile.mock-server": mock,
        "Dockerfile": TLS_IMAGE.replace("BUILDER", "rust:1.80").replace("RUNTIME", "debian:bookworm-slim"),
    })
    assert scope_of(root, "infrastructure/mock-server/Dockerfile.mock-server") == "test"
    assert scope_of(root, "Dockerfile") == "deploy"
    assert got(lint(root, ["VW401"]), root) == []
    # a make target named for a mock (`run-mock-server`) may start the whole stack beside it: no test scope
    write(root, {"gateway/docker-compose.yml": "services:\n  api:\n    build: ..\n",
                 "gateway/Makefile": "run-mock-server:\n\tdocker compose up -d\n"})
    assert scope_of(root, "gateway/docker-compose.yml") == "deploy"


def test_vw001_a_dockerignore_no_build_reads_is_not_reported(tmp_path: Path) -> None:
    """`backend/.dockerignore` is a broken symlink, but no build has `backend/` as its context and no Dockerfile
    sits there: Docker never reads it. At the root, where the image is built, the same file is an error."""
    files = {"Cargo.toml": CARGO, "src/main.rs": "fn main() {}\n",
             "Dockerfile": TLS_IMAGE.replace("BUILDER", "rust:1.80").replace("RUNTIME", "debian:bookworm-slim")}
    root = write(tmp_path / "aside", files)
    (root / "backend").mkdir()
    (root / "backend" / ".dockerignore").symlink_to(".gitignore")
    assert got(lint(root, ["VW001"]), root) == []
    root = write(tmp_path / "context", files)
    (root / ".dockerignore").symlink_to("missing-file")
    assert [f[:2] for f in got(lint(root, ["VW001"]), root)] == [("VW001", ".dockerignore")]


SQLX_OFFLINE_IMAGE = (
    "FROM rust:1.80 AS build\nWORKDIR /app\nENV SQLX_OFFLINE=true\nCOPY . .\nRUN cargo build --release\n"
    "FROM debian:bookworm-slim\nCOPY --from=build /app/target/release/shop /usr/local/bin/shop\nUSER nobody\n"
    'CMD ["shop"]\n'
)


def test_vw110_a_dockerignore_that_brings_the_sqlx_folder_back_with_a_negation(tmp_path: Path) -> None:
    """`.dockerignore` drops everything (`*`) and brings back `!.sqlx/**`: the query data under `.sqlx/` reaches
    the build, so the folder is there. Without the negation it is dropped: the error stays."""
    files = {
        "Cargo.toml": CARGO + 'sqlx = { version = "0.8", features = ["postgres", "runtime-tokio"] }\n',
        "src/main.rs": SQLX_APP.replace('const URL: &str = env!("DATABASE_URL");\n', "const URL: &str = \"\";\n"),
        ".sqlx/query-1.json": "{}\n", "Dockerfile": SQLX_OFFLINE_IMAGE,
        ".dockerignore": "*\n!.sqlx/**\n!src/\n!Cargo.toml\n",
    }
    root = write(tmp_path / "negated", files)
    assert got(lint(root, ["VW110"]), root) == []
    root = write(tmp_path / "dropped", {**files, ".dockerignore": "*\n!src/\n!Cargo.toml\n"})
    assert [f[:2] for f in got(lint(root, ["VW110"]), root)] == [("VW110", "Dockerfile")]


def test_vw104_a_build_context_in_a_submodule_the_checkout_lacks(tmp_path: Path) -> None:
    """`.docker/camo` is a git submodule (`.gitmodules`) not checked out: its Dockerfile arrives with `git
    submodule update --init`, so the missing context is a note; with no submodule there, an error."""
    stack = "services:\n  camo:\n    build: camo\n    ports:\n      - 8081:8081\n"
    files = {".docker/compose.yaml": stack}
    modules = '[submodule ".docker/camo"]\n\tpath = .docker/camo\n\turl = https://github.com/atmos/camo\n'
    root = write(tmp_path / "sub", {**files, ".gitmodules": modules})
    assert got(lint(root, ["VW104"]), root) == [("VW104", ".docker/compose.yaml", 3, "note")]
    root = write(tmp_path / "plain", files)
    assert got(lint(root, ["VW104"]), root) == [("VW104", ".docker/compose.yaml", 3, "error")]


def test_vw208_a_container_that_only_waits_connects_to_nothing(tmp_path: Path) -> None:
    """The `api` service runs `tail -f /dev/null` (a box to `docker exec` into): its `KAFKA_HOST=kafka` names no
    service, but no program starts to use it. Running the app, the unknown host is an error."""
    stack = ("services:\n  api:\n    build: .\n    command: COMMAND\n    environment:\n      KAFKA_HOST: kafka\n"
             "      DATABASE_URL: postgres://app:pw@cache/app\n")
    files = {"Cargo.toml": CARGO, "src/main.rs": 'fn main() {\n    let _u = std::env::var("DATABASE_URL");\n}\n',
             "Dockerfile": TLS_IMAGE.replace("BUILDER", "rust:1.80").replace("RUNTIME", "debian:bookworm-slim")}
    root = write(tmp_path / "idle", {**files, "compose.yaml": stack.replace("COMMAND", "tail -f /dev/null")})
    assert got(lint(root, ["VW208"]), root) == []
    root = write(tmp_path / "app", {**files, "compose.yaml": stack.replace("COMMAND", "shop")})
    assert [f[0] for f in got(lint(root, ["VW208"]), root)] == ["VW208"]


CREDS_STACK = (
    "services:\n  api:\n    build: .\n    environment:\n      DATABASE_URL: postgres://api:pw@db:5432/api\n"
    "  db:\n    image: postgres:16\n    env_file:\n      - .env\n"
)


def test_vw213_credentials_of_a_datastore_whose_env_file_each_deployment_writes(tmp_path: Path) -> None:
    """The postgres service takes its user from `.env`, which the README copies from a template (git-ignored,
    absent here): what it creates is unknown, so no mismatch is claimed. With the file present and another user,
    the mismatch is an error. A script without an extension (`bin/migrate`) that runs `sqlx database create` makes
    the database, so a database-name mismatch is no claim either."""
    files = {"Cargo.toml": CARGO + 'sqlx = { version = "0.8", features = ["postgres"] }\n',
             "src/main.rs": 'fn main() {\n    let _u = std::env::var("DATABASE_URL");\n'
             "    let _p: Option<sqlx::PgPool> = None;\n}\n", ".gitignore": ".env\n",
             "Dockerfile": TLS_IMAGE.replace("BUILDER", "rust:1.80").replace("RUNTIME", "debian:bookworm-slim"),
             "compose.yaml": CREDS_STACK}
    root = write(tmp_path / "absent", files)
    assert got(lint(root, ["VW213"]), root) == []
    root = write(tmp_path / "present", {**files, ".env": "POSTGRES_USER=app\nPOSTGRES_PASSWORD=pw\nPOSTGRES_DB=api\n"})
    assert [f[0] for f in got(lint(root, ["VW213"]), root)] == ["VW213"]
    db_only = {**files, ".env": "POSTGRES_USER=api\nPOSTGRES_PASSWORD=pw\nPOSTGRES_DB=other\n"}
    root = write(tmp_path / "db-name", db_only)
    assert [f[0] for f in got(lint(root, ["VW213"]), root)] == ["VW213"]
    root = write(tmp_path / "created", {**db_only, "bin/migrate": "#!/bin/sh\nsqlx database create\n"})
    assert got(lint(root, ["VW213"]), root) == []


MIGRATE_IMAGE = (
    "FROM rust:1.80 AS builder\nRUN cargo install sqlx-cli --no-default-features --features postgres --root /out\n"
    "FROM debian:bookworm-slim\nWORKDIR /sqlx\nCOPY bin /sqlx/bin/\nCOPY --from=builder /out/bin/sqlx DEST\n"
    "RUN chmod +x ./bin/migrate\nUSER nobody\nCMD [\"./bin/migrate\"]\n"
)


def test_vw209_a_tool_copied_into_a_system_folder_without_a_trailing_slash(tmp_path: Path) -> None:
    """`COPY --from=builder /out/bin/sqlx /usr/local/bin`: the folder exists in every base image, so the file
    lands inside it and the script finds `sqlx`. Copied to a new path `/opt/tool`, the name is `tool`: missing."""
    files = {"bin/migrate": "#!/bin/sh\nsqlx database create\nsqlx migrate run\n",
             "compose.yaml": "services:\n  migrate:\n    build: .\n"}
    root = write(tmp_path / "system", {**files, "Dockerfile": MIGRATE_IMAGE.replace("DEST", "/usr/local/bin")})
    assert got(lint(root, ["VW209"]), root) == []
    root = write(tmp_path / "renamed", {**files, "Dockerfile": MIGRATE_IMAGE.replace("DEST", "/opt/tool")})
    assert [f[0] for f in got(lint(root, ["VW209"]), root)] == ["VW209"]


def test_vw309_a_database_tool_the_start_script_runs_before_it_compiles(tmp_path: Path) -> None:
    """The start script runs `diesel database setup` and then `cargo run`: the compile gives the database time,
    but the diesel CLI connects first and fails against a database still starting (a warning). `cargo run` alone
    compiles before it connects: no warning."""
    files = {
        "Cargo.toml": CARGO + 'tokio-postgres = "0.7"\n', "Dockerfile": "FROM rust:1.80\nWORKDIR /app\n",
        "src/main.rs": "#[tokio::main]\nasync fn main() {\n"
        '    let url = std::env::var("DATABASE_URL").unwrap();\n'
        "    let _c = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();\n}\n",
        "compose.yaml": WAIT_STACK,
    }
    root = write(tmp_path / "setup", {**files, "docker/start.sh": "#!/bin/sh\ndiesel database setup\ncargo run\n"})
    assert [f[3] for f in got(lint(root, ["VW309"]), root)] == ["warning"]
    root = write(tmp_path / "compile", {**files, "docker/start.sh": "#!/bin/sh\ncargo run\n"})
    assert [f for f in got(lint(root, ["VW309"]), root) if f[3] != "note"] == []
