"""Clap `env` args of subcommand structs: required only when the service's command line selects the
subcommand (VW201), no claim when the command line cannot be told."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint, where, write

MAIN = """\
use clap::{Args, Parser, Subcommand};

mod storage;

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    storage: Store,
}

#[derive(Subcommand)]
enum Store {
    #[command(name = "local-store")]
    Local(LocalArgs),
    S3Store(S3Args),
    #[command(alias = "blob")]
    Azure {
        #[command(flatten)]
        azure: storage::AzureConfig,
    },
}

#[derive(Args)]
struct LocalArgs {
    #[arg(long, env = "APP_DATA_DIR", default_value = "./data")]
    dir: String,
}

#[derive(Args)]
struct S3Args {
    #[command(flatten)]
    common: Common,
    #[command(flatten)]
    s3: storage::S3Config,
}

#[derive(Args)]
struct Common {
    #[arg(long, env = "APP_LICENSE", required = true)]
    license: String,
}

fn main() {
    let _cli = Cli::parse();
}
"""

STORAGE = """\
#[derive(Debug, Clone, clap::Args)]
pub struct S3Config {
    #[arg(long, env = "APP_S3_URL", required = true)]
    pub url: String,
    #[arg(long, env = "APP_S3_BUCKET")]
    pub bucket: String,
    #[arg(long, env = "APP_S3_REGION")]
    pub region: Option<String>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct AzureConfig {
    #[arg(long, env = "APP_AZR_ACCOUNT", required = true)]
    pub account: String,
}
"""

DOCKERFILE = """\
FROM rust:1.83-slim-bookworm AS builder
WORKDIR /src
COPY . .
RUN cargo build --release

FROM debian:bookworm-slim
COPY --from=builder /src/target/release/store /usr/local/bin/store
USER 10001
ENTRYPOINT ["/usr/local/bin/store"]
"""


def _project(root: Path, compose: str) -> Path:
    return write(
        root,
        {
            "Cargo.toml": '[package]\nname = "store"\nversion = "0.1.0"\nedition = "2021"\n\n'
            '[dependencies]\nclap = { version = "4", features = ["derive", "env"] }\n',
            "src/main.rs": MAIN,
            "src/storage.rs": STORAGE,
            "Dockerfile": DOCKERFILE,
            "compose.yaml": compose,
        },
    )


def _compose(command: str, env: str = "") -> str:
    return f"services:\n  app:\n    build: .\n    init: true\n    command: {command}\n{env}"


def test_selected_subcommand_missing_args_are_one_finding(tmp_path: Path) -> None:
    root = _project(tmp_path, _compose('["s3-store", "--region", "eu-west-1"]'))
    findings = lint(root, ["VW201"])
    # APP_LICENSE (flattened Common), APP_S3_URL, APP_S3_BUCKET: one clap usage error, one finding
    assert where(findings, root) == [("VW201", "src/main.rs", 39)]
    msg = findings[0].message
    assert "`APP_LICENSE`, `APP_S3_URL`, `APP_S3_BUCKET`" in msg and "`app`" in msg
    assert "APP_AZR_ACCOUNT" not in msg and "APP_S3_REGION" not in msg
    assert {r.location.path.name for r in findings[0].related} == {"compose.yaml", "storage.rs"}


def test_one_missing_arg_of_the_selected_subcommand(tmp_path: Path) -> None:
    env = "    environment:\n      APP_LICENSE: abc\n      APP_S3_URL: http://minio:9000\n"
    root = _project(tmp_path, _compose('["s3-store"]', env))
    findings = lint(root, ["VW201"])
    assert where(findings, root) == [("VW201", "src/storage.rs", 5)]
    assert findings[0].message.startswith("`APP_S3_BUCKET` is required here")


def test_struct_variant_and_alias_select_the_subcommand(tmp_path: Path) -> None:
    root = _project(tmp_path, _compose("blob --verbose"))
    assert where(lint(root, ["VW201"]), root) == [("VW201", "src/storage.rs", 13)]


def test_other_subcommand_selected_is_silent(tmp_path: Path) -> None:
    # local-store needs none of the S3/Azure variables, the others are never parsed
    assert lint(_project(tmp_path, _compose('["local-store"]')), ["VW201"]) == []


def test_command_line_not_known_makes_no_claim(tmp_path: Path) -> None:
    root = _project(tmp_path, _compose('["--config", "${STORE_MODE}"]'))
    assert lint(root, ["VW201"]) == []
    # no compose command and an ENTRYPOINT without arguments: no subcommand selected, none required
    root2 = _project(tmp_path / "b", "services:\n  app:\n    build: .\n    init: true\n")
    assert lint(root2, ["VW201"]) == []


def test_subcommand_chosen_by_image_cmd(tmp_path: Path) -> None:
    root = _project(tmp_path, "services:\n  app:\n    build: .\n    init: true\n")
    (root / "Dockerfile").write_text(DOCKERFILE + 'CMD ["s3-store"]\n')
    findings = lint(root, ["VW201"])
    assert where(findings, root) == [("VW201", "src/main.rs", 39)]


def test_subcommand_chains_in_the_facts(tmp_path: Path) -> None:
    from viworks_lint.rust.extract import analyze_crate

    write(
        tmp_path,
        {
            "src/main.rs": """\
use clap::{Parser, Subcommand};

#[derive(Parser)]
struct Cli {
    #[arg(long, env = "APP_LOG", required = true)]
    log: String,
    #[command(subcommand)]
    cmd: Option<Cmd>,
}

#[derive(Subcommand)]
#[command(rename_all = "snake_case")]
enum Cmd {
    RunServer(Server),
    #[command(subcommand)]
    Db(DbCmd),
}

#[derive(Subcommand)]
enum DbCmd {
    #[command(visible_alias = "up")]
    MigrateUp { #[command(flatten)] db: Db },
}

#[derive(clap::Args)]
struct Server {
    #[arg(long, env = "APP_PORT")]
    port: u16,
}

#[derive(clap::Args)]
struct Db {
    #[arg(long, env = "APP_DB_URL")]
    url: String,
}

fn main() { let _ = Cli::parse(); }
"""
        },
    )
    facts = analyze_crate(tmp_path, [tmp_path / "src/main.rs"])
    got = {r.name: (r.required, r.subcommands) for r in facts.env_reads}
    assert got == {
        "APP_LOG": (True, ()),  # the top-level parser: every run
        "APP_PORT": (True, ((("run_server",),),)),
        "APP_DB_URL": (True, ((("db",), ("migrate-up", "up")),)),
    }
