"""Hold-out precision fixes: exports of a deploy step (VW202), host-networked users (VW405), host build outputs
(VW204), unread connection URLs and retrying pools (VW309), handled env errors (VW201)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint, where, write

COMPOSE_VARS = (
    "services:\n  api:\n    image: example/api:1\n    environment:\n"
    "      JWT_SECRET_VALUE: ${JWT_SECRET_VALUE}\n      PUBLIC_ADDR: ${PUBLIC_ADDR}\n"
)


def test_vw202_variables_a_deploy_step_exports_are_provided(tmp_path: Path) -> None:
    write(tmp_path, {
        "docker-compose.yml": COMPOSE_VARS,
        ".github/workflows/prod.yml": "on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n"
        "    - name: Deploy\n      uses: appleboy/ssh-action@master\n      with:\n        script: |\n"
        "          cd ~\n          export JWT_SECRET_VALUE=${{ secrets.JWT_SECRET_VALUE }}\n"
        "          export PUBLIC_ADDR=${{ vars.PUBLIC_ADDR }}\n          docker compose pull\n"
        "          docker compose up -d\n",
    })
    assert lint(tmp_path, ["VW202"]) == []


def test_vw202_exports_of_another_step_or_job_do_not_count(tmp_path: Path) -> None:
    write(tmp_path, {
        "docker-compose.yml": COMPOSE_VARS,
        ".github/workflows/prod.yml": "on: push\njobs:\n  setup:\n    runs-on: ubuntu-latest\n    steps:\n"
        "    - run: export JWT_SECRET_VALUE=x\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n"
        "    - run: export PUBLIC_ADDR=example.com\n    - run: docker compose up -d\n",
    })
    found = where(lint(tmp_path, ["VW202"]), tmp_path)
    assert found == [("VW202", "docker-compose.yml", 5), ("VW202", "docker-compose.yml", 6)]


def test_vw202_script_and_makefile_exports(tmp_path: Path) -> None:
    write(tmp_path, {
        "docker-compose.yml": COMPOSE_VARS,
        "deploy.sh": "#!/bin/sh\nexport JWT_SECRET_VALUE=\"$(cat /run/secret)\"\nexport PUBLIC_ADDR=example.com\n"
        "docker compose up -d\n",
    })
    assert lint(tmp_path, ["VW202"]) == []
    (tmp_path / "deploy.sh").unlink()
    write(tmp_path, {
        "Makefile": "export PUBLIC_ADDR = example.com\n\nup:\n\texport JWT_SECRET_VALUE=x; docker compose up -d\n",
    })
    assert lint(tmp_path, ["VW202"]) == []
    write(tmp_path, {"Makefile": "up:\n\texport JWT_SECRET_VALUE=x\n\tdocker compose up -d\n"})  # a shell per line
    assert [f.location.line for f in lint(tmp_path, ["VW202"])] == [5, 6]


def _store_compose(user_network: str) -> str:
    return (
        "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: ${PGPASS:-x}\n"
        "    ports:\n      - \"5432:5432\"\n  server:\n    image: example/server:1\n"
        f"{user_network}    environment:\n      DATABASE_URL: postgres://postgres@localhost:5432/app\n"
        "    depends_on:\n      - db\n"
    )


def test_vw405_host_networked_users_reach_the_published_port(tmp_path: Path) -> None:
    write(tmp_path, {"docker-compose.yml": _store_compose("    network_mode: host\n")})
    found = lint(tmp_path, ["VW405"])
    assert [(f.location.line, f.level.value) for f in found] == [(7, "note")]
    assert "no service of this compose project uses it over the compose network" in found[0].message


def test_vw405_users_over_the_compose_network_keep_the_warning(tmp_path: Path) -> None:
    write(tmp_path, {"docker-compose.yml": _store_compose("")})
    assert [(f.location.line, f.level.value) for f in lint(tmp_path, ["VW405"])] == [(7, "warning")]


_APP = (
    "FROM debian:bookworm-slim\nRUN useradd -m app\nUSER app\nWORKDIR /app\nCMD [\"/app/server\"]\n"
)


def test_vw204_host_build_output_mounted_read_only_is_a_note(tmp_path: Path) -> None:
    write(tmp_path, {
        ".gitignore": "/target\n",
        "Dockerfile": _APP,
        "docker-compose.yml": "services:\n  api:\n    build: .\n    volumes:\n"
        "      - ./target/x86_64-unknown-linux-musl/release/server:/app/server:ro\n",
    })
    found = lint(tmp_path, ["VW204"])
    assert [(f.location.line, f.level.value) for f in found] == [(5, "note")]
    assert "build output of the host" in found[0].message


def test_vw204_missing_writable_data_dir_of_a_non_root_container_stays_an_error(tmp_path: Path) -> None:
    write(tmp_path, {
        ".gitignore": "/data\n",
        "Dockerfile": _APP,
        "docker-compose.yml": "services:\n  api:\n    build: .\n    volumes:\n      - ./data:/app/data\n"
        "      - ./uploads:/app/uploads:ro\n",
    })
    found = lint(tmp_path, ["VW204"])
    assert [(f.location.line, f.level.value) for f in found] == [(5, "error"), (6, "note")]


_BUILD = (
    "FROM rust:1.83 AS build\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\n\n"
    "FROM debian:bookworm-slim\nCOPY --from=build /app/target/release/api /usr/local/bin/api\nCMD [\"api\"]\n"
)
_STACK = (
    "services:\n  api:\n    build: .\n{restart}    environment:\n      DATABASE_URL: postgres://app@db/app\n"
    "      REDIS_URL: redis://cache:6379\n    depends_on: [db, cache]\n"
    "  db:\n    image: postgres:16\n  cache:\n    image: redis:7\n"
)
_MAIN_DB_ONLY = (
    "use std::env;\n\nfn main() {\n    let url = env::var(\"DATABASE_URL\").expect(\"DATABASE_URL\");\n"
    "    let pool = db::connect(&url);\n    println!(\"{pool:?}\");\n}\n"
)
_MAIN_R2D2 = (
    "use diesel::r2d2::{self, ConnectionManager};\nuse std::env;\n\nfn main() {\n"
    "    let url = env::var(\"DATABASE_URL\").expect(\"DATABASE_URL\");\n"
    "    let manager = ConnectionManager::<diesel::PgConnection>::new(url);\n"
    "    let pool = r2d2::Pool::builder()\n        .build(manager)\n        .expect(\"pool\");\n}\n"
)


def _crate(root: Path, compose: str, main: str, deps: str) -> Path:
    return write(root, {
        "compose.yaml": compose,
        "Cargo.toml": f'[package]\nname = "api"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n{deps}',
        "src/main.rs": main,
        "Dockerfile": _BUILD,
    })


def test_vw309_no_claim_for_a_url_the_code_never_reads(tmp_path: Path) -> None:
    # REDIS_URL is set, but the code neither reads it nor has a redis client: it does not talk to redis
    root = _crate(tmp_path, _STACK.format(restart=""), _MAIN_DB_ONLY, 'tokio-postgres = "0.7"\n')
    assert [(f.location.line, f.level.value) for f in lint(root, ["VW309"])] == [(7, "warning")]
    assert "PostgreSQL" in lint(root, ["VW309"])[0].message


def test_vw309_a_redis_client_the_code_names_keeps_the_claim(tmp_path: Path) -> None:
    # the code may get the URL through a config struct we do not see: a redis client it names keeps the claim
    main = _MAIN_DB_ONLY.replace("    println!", "    let cache = redis::Client::open(cfg::cache_url());\n    println!")
    deps = 'tokio-postgres = "0.7"\nredis = "0.27"\n'
    root = _crate(tmp_path / "a", _STACK.format(restart=""), main, deps)
    assert sorted(f.message.split("`")[3] for f in lint(root, ["VW309"])) == ["cache", "db"]
    # declared in Cargo.toml but named nowhere in the code: the crate is not even linked
    root = _crate(tmp_path / "b", _STACK.format(restart=""), _MAIN_DB_ONLY, deps)
    assert sorted(f.message.split("`")[3] for f in lint(root, ["VW309"])) == ["db"]


def test_vw309_r2d2_pool_and_restart_policy_is_a_note(tmp_path: Path) -> None:
    deps = 'diesel = { version = "2", features = ["postgres", "r2d2"] }\n'
    root = _crate(tmp_path / "a", _STACK.format(restart="    restart: always\n"), _MAIN_R2D2, deps)
    found = lint(root, ["VW309"])
    assert [(f.level.value, "client (an r2d2 or sqlx pool) retries" in f.message) for f in found] == [("note", True)]
    # the pool waits 30 s with or without `restart:`; a datastore running init scripts may take longer
    root = _crate(tmp_path / "b", _STACK.format(restart=""), _MAIN_R2D2, deps)
    assert [f.level.value for f in lint(root, ["VW309"])] == ["note"]
    slow = _STACK.format(restart="").replace("image: postgres:16\n", "image: postgres:16\n    volumes:\n"
                                             "      - ./sql:/docker-entrypoint-initdb.d\n")
    root = _crate(tmp_path / "c", slow, _MAIN_R2D2, deps)
    assert [f.level.value for f in lint(root, ["VW309"])] == ["warning"]


def test_vw309_sqlx_pool_connect_is_a_note_and_connect_lazy_silent(tmp_path: Path) -> None:
    main = (
        "use sqlx::postgres::PgPoolOptions;\nuse std::env;\n\n#[tokio::main]\nasync fn main() {\n"
        "    let url = env::var(\"DATABASE_URL\").expect(\"DATABASE_URL\");\n"
        "    let pool = PgPoolOptions::new()\n        .max_connections(5)\n        .connect(&url)\n        .await\n"
        "        .expect(\"pool\");\n    println!(\"{pool:?}\");\n}\n"
    )
    deps = 'sqlx = { version = "0.8", features = ["postgres", "runtime-tokio"] }\ntokio = "1"\n'
    root = _crate(tmp_path, _STACK.format(restart=""), main, deps)
    assert [f.level.value for f in lint(root, ["VW309"])] == ["note"]


_ANALYTICS = (
    "use std::env;\n\n#[derive(Debug)]\npub struct Error(String);\n\n"
    "pub fn send_event(name: &str) -> Result<(), Error> {\n"
    "    let key = match env::var(\"ANALYTICS_KEY\") {\n        Ok(key) => key,\n"
    "        Err(_) => {\n            return Err(Error(\"ANALYTICS_KEY is not set\".to_string()));\n        }\n    };\n"
    "    println!(\"{name} {key}\");\n    Ok(())\n}\n\n"
    "pub fn startup() -> Result<(), Error> {\n    let url = env::var(\"START_URL\").map_err(|e| Error(e.to_string()))?;\n"
    "    println!(\"{url}\");\n    Ok(())\n}\n"
)
_SERVICE = "services:\n  api:\n    build: .\n    environment:\n      RUST_LOG: info\n"


def _vw201(root: Path, main: str) -> list[tuple[str, int]]:
    write(root, {
        "compose.yaml": _SERVICE,
        "Cargo.toml": '[package]\nname = "api"\nversion = "0.1.0"\nedition = "2021"\n',
        "src/analytics.rs": _ANALYTICS,
        "src/main.rs": "mod analytics;\n\n" + main,
        "Dockerfile": _BUILD,
    })
    return sorted((f.location.path.name, f.location.line) for f in lint(root, ["VW201"]) if f.level.value == "error")


def test_vw201_an_error_the_callers_log_or_ignore_is_not_required(tmp_path: Path) -> None:
    main = (
        "fn signup() {\n    match analytics::send_event(\"signup\") {\n        Ok(_) => {}\n"
        "        Err(e) => eprintln!(\"analytics: {e:?}\"),\n    }\n}\n\n"
        "fn main() -> Result<(), analytics::Error> {\n    analytics::startup()?;\n    signup();\n"
        "    let _ = analytics::send_event(\"start\");\n    Ok(())\n}\n"
    )
    # START_URL's error reaches main through `?`: required; ANALYTICS_KEY's is logged or ignored: not
    assert _vw201(tmp_path, main) == [("analytics.rs", 18)]


def test_vw201_an_error_passed_on_to_main_stays_required(tmp_path: Path) -> None:
    main = (
        "fn boot() -> Result<(), analytics::Error> {\n    analytics::send_event(\"boot\")?;\n    Ok(())\n}\n\n"
        "fn main() -> Result<(), analytics::Error> {\n    analytics::startup()?;\n    boot()\n}\n"
    )
    assert _vw201(tmp_path, main) == [("analytics.rs", 7), ("analytics.rs", 18)]


def test_vw309_pool_does_not_help_an_unlisted_datastore_or_a_direct_connection(tmp_path: Path) -> None:
    deps = 'diesel = { version = "2", features = ["postgres", "r2d2"] }\n'
    # not in depends_on: the app may start before the datastore's container exists, its name does not resolve
    unlisted = _STACK.format(restart="").replace("    depends_on: [db, cache]\n", "")
    root = _crate(tmp_path / "a", unlisted, _MAIN_R2D2, deps)
    assert [f.level.value for f in lint(root, ["VW309"])] == ["warning"]
    # a direct `PgConnection::establish` (migrations) runs first and fails at once
    direct = _MAIN_R2D2.replace("    let manager", "    let _c = diesel::PgConnection::establish(&url);\n    let manager")
    root = _crate(tmp_path / "b", _STACK.format(restart=""), direct, deps)
    assert [f.level.value for f in lint(root, ["VW309"])] == ["warning"]


_UNUSED_DB = (
    "services:\n  mysql:\n    image: mysql:9.0\n    environment:\n      - MYSQL_ROOT_PASSWORD=${ROOT_PW:-x}\n"
    "    ports:\n      - 3306:3306\n  api:\n    build: .\n    links:\n      - mysql\n    environment:\n"
    "      - DATABASE_URL=mysql://root:${ROOT_PW:-x}@mysql/items\n"
)
_MAIN_IN_MEMORY = "fn main() {\n    let items: Vec<String> = Vec::new();\n    println!(\"{}\", items.len());\n}\n"
_MAIN_DIESEL = (
    "use diesel::prelude::*;\n\nfn main() {\n    let url = cfg::url();\n"
    "    let _c = MysqlConnection::establish(&url).expect(\"db\");\n}\n"
)


def test_a_database_url_the_code_has_no_client_for_is_left_over(tmp_path: Path) -> None:
    # diesel and mysql are declared but the code names neither and never reads DATABASE_URL: no VW309/VW213, and
    # VW405 counts no user over the compose network (a note)
    deps = 'diesel = { version = "2", features = ["mysql"] }\nmysql = "25"\n'
    root = _crate(tmp_path / "a", _UNUSED_DB, _MAIN_IN_MEMORY, deps)
    assert lint(root, ["VW309", "VW213"]) == []
    assert [f.level.value for f in lint(root, ["VW405"])] == ["note"]
    # the code uses diesel: all three fire
    root = _crate(tmp_path / "b", _UNUSED_DB, _MAIN_DIESEL, deps)
    assert sorted((f.rule_id, f.level.value) for f in lint(root, ["VW309", "VW213", "VW405"])) == [
        ("VW213", "error"), ("VW309", "warning"), ("VW405", "warning"),
    ]
    # the code cannot be pinned down (a script starts it): today's claims stay
    script = _UNUSED_DB.replace("    build: .\n", "    build: .\n    command: ./start.sh\n")
    root = _crate(tmp_path / "c", script, _MAIN_IN_MEMORY, deps)
    assert sorted(f.rule_id for f in lint(root, ["VW309", "VW213"])) == ["VW213", "VW309"]


_MAIN_DEADPOOL = (
    "use deadpool_redis::{Config, Runtime};\n\n#[tokio::main]\nasync fn main() {\n"
    "    let url = std::env::var(\"REDIS_URL\").expect(\"REDIS_URL\");\n"
    "    let pool = Config::from_url(url).create_pool(Some(Runtime::Tokio1)).expect(\"pool\");\n"
    "    serve(pool).await;\n}\n"
)


def test_vw309_a_pool_that_connects_lazily_is_a_note(tmp_path: Path) -> None:
    stack = _STACK.format(restart="").replace("      DATABASE_URL: postgres://app@db/app\n", "")
    deps = 'deadpool-redis = "0.18"\ntokio = "1"\n'
    root = _crate(tmp_path / "a", stack, _MAIN_DEADPOOL, deps)
    found = lint(root, ["VW309"])
    assert [f.level.value for f in found] == ["note"]
    assert "opens no connection when it is built" in found[0].message
    # a direct connection at start fails at once while redis starts: the warning stays
    direct = _MAIN_DEADPOOL.replace(
        "    serve(pool)", "    let mut c = redis::Client::open(\"redis://cache\").unwrap().get_connection().unwrap();\n"
        "    serve(pool)"
    )
    root = _crate(tmp_path / "b", stack, direct, deps + 'redis = "0.27"\n')
    assert [f.level.value for f in lint(root, ["VW309"])] == ["warning"]


def test_cargo_install_path_from_a_compose_build_arg_pins_the_code(tmp_path: Path) -> None:
    # `cargo install --path $CRATE` with `args: {CRATE: worker}`: the worker's code is read (its lazy pool)
    compose = (
        "services:\n  worker:\n    build:\n      context: .\n      args:\n        CRATE: worker\n"
        "    environment:\n      REDIS_URL: redis://cache:6379\n    depends_on: [cache]\n"
        "  cache:\n    image: redis:7\n"
    )
    dockerfile = (
        "FROM rust:1.83 AS build\nARG CRATE\nWORKDIR /app\nCOPY . .\nRUN cargo install --path $CRATE --root /app\n\n"
        "FROM debian:bookworm-slim\nCOPY --from=build /app/bin /app/bin\nCMD [\"/app/bin/worker\"]\n"
    )
    files = {
        "Cargo.toml": '[workspace]\nmembers = ["worker"]\nresolver = "2"\n',
        "worker/Cargo.toml": '[package]\nname = "worker"\nversion = "0.1.0"\nedition = "2021"\n\n'
        '[dependencies]\ndeadpool-redis = "0.18"\ntokio = "1"\n',
        "worker/src/main.rs": _MAIN_DEADPOOL,
        "Dockerfile": dockerfile,
    }
    write(tmp_path / "a", {**files, "compose.yaml": compose})
    assert [f.level.value for f in lint(tmp_path / "a", ["VW309"])] == ["note"]
    # no value for the argument: which package is built is unknown, the claim stays a warning
    write(tmp_path / "b", {**files, "compose.yaml": compose.replace("      args:\n        CRATE: worker\n", "")})
    assert [f.level.value for f in lint(tmp_path / "b", ["VW309"])] == ["warning"]
