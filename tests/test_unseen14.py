"""Situations read on a fourteenth set of unseen repositories: a crate that became a library, a production
compose file building a `Dockerfile.local`, a trailing tab in YAML, one undeclared secret used three times,
optional back ends of two types with one function name, `option_env!` without its build script, git-ignored
secrets mounted from the host, and an SSH server."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint, write
from tests.unseen_fixtures import CARGO, IMAGE, got, scope_of

MAIN = "fn main() {}\n"
RUNTIME = (
    "FROM rust:1.80-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN cargo build --release\n"
    "FROM debian:bookworm-slim\nCOPY --from=build /src/target/release/shop /usr/local/bin/shop\nCMD [\"shop\"]\n"
)


def test_hardening_of_an_image_a_library_crate_cannot_build_is_advice(tmp_path: Path) -> None:
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/lib.rs": "", "Dockerfile": RUNTIME,
                            "compose.yaml": "services:\n  api:\n    build: .\n"})
    found = lint(root, ["VW106", "VW401"])
    assert sorted((f.rule_id, f.effective_level.value) for f in found) == [("VW106", "error"), ("VW401", "note")]
    # a repository with a binary (named otherwise): the image is meant to ship once its COPY is fixed
    write(root, {"src/main.rs": MAIN, "Cargo.toml": CARGO + '\n[[bin]]\nname = "tool"\npath = "src/main.rs"\n'})
    found = lint(root, ["VW106", "VW401"])
    assert sorted((f.rule_id, f.effective_level.value) for f in found) == [("VW106", "error"), ("VW401", "warning")]


def test_a_compose_file_named_for_production_outweighs_a_local_dockerfile_name(tmp_path: Path) -> None:
    prod = "services:\n  api:\n    build:\n      context: .\n      dockerfile: Dockerfile.local\n"
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile.local": RUNTIME,
                            "docker-compose-production.yml": prod})
    assert scope_of(root, "Dockerfile.local") == "deploy"
    write(root, {"docker-compose-production.yml": prod.replace("api:", "api:\n    profiles: [x]\n    x-a: 1\n    ")})
    (root / "docker-compose-production.yml").unlink()
    assert scope_of(root, "Dockerfile.local") == "dev"  # nothing builds it: its name speaks


def test_a_trailing_tab_after_a_value_is_white_space(tmp_path: Path) -> None:
    compose = "services:\n  web:\n    image: nginx:1.27\n    restart: unless-stopped\t\n    ports: ['80:80']\n"
    root = write(tmp_path, {"compose.yaml": compose})
    assert lint(root, ["VW001"]) == []
    write(root, {"compose.yaml": compose.replace("    restart", "\trestart")})
    assert [f.rule_id for f in lint(root, ["VW001"])] == ["VW001"]  # a tab as indentation stays an error


def test_vw306_one_undeclared_secret_is_one_finding(tmp_path: Path) -> None:
    svc = "  {n}:\n    image: nginx:1.27\n    secrets:\n      - db_password\n"
    compose = "services:\n" + "".join(svc.format(n=n) for n in ("a", "b", "c"))
    root = write(tmp_path, {"compose.yaml": compose})
    found = lint(root, ["VW306"])
    assert [f.location.line for f in found] == [5]
    assert [r.message for r in found[0].related if "uses it too" in r.message] == [
        "service `b` uses it too", "service `c` uses it too"
    ]


def test_vw201_an_optional_back_end_of_one_type_beside_another_of_the_same_name(tmp_path: Path) -> None:
    main = (
        "use std::env;\npub struct Vault { addr: String }\nimpl Vault {\n"
        "    pub fn from_env() -> Result<Vault, String> {\n"
        "        let addr = env::var(\"VAULT_ADDR\").map_err(|_| \"missing\".to_string())?;\n"
        "        Ok(Vault { addr })\n    }\n}\npub struct Tor;\nimpl Tor {\n"
        "    pub fn from_env() -> Result<Tor, String> {\n        Ok(Tor)\n    }\n}\n"
        "fn main() {\n    let _t = Tor::from_env().unwrap();\n"
        "    if let Ok(v) = Vault::from_env() {\n        println!(\"{}\", v.addr);\n    }\n}\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": main, "Dockerfile": IMAGE,
                            "compose.yaml": "services:\n  api:\n    build: .\n"})
    assert lint(root, ["VW201"]) == []  # `Tor::from_env()` unwrapped says nothing of `Vault::from_env`
    write(root, {"src/main.rs": main.replace("if let Ok(v) = Vault::from_env() {", "{ let v = Vault::from_env().unwrap();")})
    assert [f.rule_id for f in lint(root, ["VW201"])] == ["VW201"]


def test_vw110_option_env_compiles_without_the_build_script(tmp_path: Path) -> None:
    build = 'fn main() {\n    println!("cargo:rustc-env=APP_VERSION=1");\n}\n'
    main = 'fn main() {\n    let _v = option_env!("APP_VERSION").unwrap_or("dev");\n}\n'
    image = "FROM rust:1.80\nWORKDIR /app\nCOPY Cargo.toml ./\nCOPY src ./src\nRUN cargo build --release\n"
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": main, "build.rs": build, "Dockerfile": image})
    assert lint(root, ["VW110"]) == []
    write(root, {"src/main.rs": main.replace('option_env!("APP_VERSION").unwrap_or("dev")', 'env!("APP_VERSION")')})
    assert [f.rule_id for f in lint(root, ["VW110"])] == ["VW110"]  # `env!` needs what the script emits


def test_vw204_a_git_ignored_secret_file_is_put_in_place_by_each_deployment(tmp_path: Path) -> None:
    compose = "services:\n  web:\n    image: nginx:1.27\n    volumes:\n      - ./conf/prod/cert.pem:/etc/ssl/cert.pem\n"
    root = write(tmp_path, {"compose.yaml": compose, ".gitignore": "/conf\n"})
    assert [f.effective_level.value for f in lint(root, ["VW204"])] == ["note"]
    write(root, {".gitignore": "/other\n"})
    assert [f.effective_level.value for f in lint(root, ["VW204"])] == ["error"]


def test_vw402_an_ssh_server_is_no_one_shot_job(tmp_path: Path) -> None:
    main = (
        "#[tokio::main]\nasync fn main() {\n    let config = std::sync::Arc::new(thrussh::server::Config::default());\n"
        "    thrussh::server::run(config, \"0.0.0.0:22\", Server).await.unwrap();\n}\nstruct Server;\n"
    )
    root = write(tmp_path, {"Cargo.toml": CARGO + 'thrussh = "0.33"\n', "src/main.rs": main, "Dockerfile": IMAGE})
    assert got(lint(root, ["VW402"]), root) == [("VW402", "Dockerfile", 8, "warning")]


def test_vw202_a_cargo_compile_time_variable_passed_through_is_advice(tmp_path: Path) -> None:
    compose = "services:\n  api:\n    build: .\n    environment:\n      - CARGO_PKG_VERSION=${CARGO_PKG_VERSION}\n"
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": IMAGE, "compose.yaml": compose})
    assert [f.effective_level.value for f in lint(root, ["VW202"])] == ["note"]
    write(root, {"compose.yaml": compose.replace("CARGO_PKG_VERSION", "APP_VERSION")})
    assert [f.effective_level.value for f in lint(root, ["VW202"])] == ["warning"]


def test_vw203_a_git_ignored_env_file_of_an_example_stack_is_each_users_own(tmp_path: Path) -> None:
    compose = "services:\n  db:\n    image: postgres:16\n    env_file:\n      - ./.env\n"
    root = write(tmp_path, {"examples/demo/docker-compose.yml": compose, ".gitignore": ".env\n"})
    assert [f.effective_level.value for f in lint(root, ["VW203"])] == ["note"]
    root = write(tmp_path / "deployed", {"docker-compose.yml": compose, ".gitignore": ".env\n"})
    assert [f.effective_level.value for f in lint(root, ["VW203"])] == ["error"]  # the stack that is deployed


def test_a_front_end_development_server_is_a_dev_image(tmp_path: Path) -> None:
    image = "FROM rust:1.80\nWORKDIR /app\nCOPY . .\nRUN cargo install dioxus-cli\nCMD [\"dx\", \"serve\", \"--port\", \"8080\"]\n"
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": image})
    assert scope_of(root, "Dockerfile") == "dev"


def test_a_repository_its_readme_calls_a_toy_example_ships_nothing(tmp_path: Path) -> None:
    readme = "# Queue\n\nThis is a simple, quick and dirty toy example for learning. Do not use this in production.\n"
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": MAIN, "Dockerfile": RUNTIME, "README.md": readme})
    assert scope_of(root, "Dockerfile") == "dev"
    write(root, {"README.md": "# Queue\n\nA queue worker. Deploy it with the Dockerfile.\n"})
    assert scope_of(root, "Dockerfile") == "deploy"
