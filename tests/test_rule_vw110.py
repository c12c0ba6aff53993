"""VW110 cargo-input-not-copied: each input kind cargo or the compiler needs, and a silent look-alike."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import FIXTURES, lint, where, write
from viworks_lint.findings import Finding

PKG = '[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n'


def _ws(root: Path, dockerfile: str, extra: dict[str, str] | None = None) -> Path:
    """A two-member workspace (api depends on core by path) with a Dockerfile."""
    files = {
        "Cargo.toml": '[workspace]\nmembers = ["api", "core"]\nresolver = "2"\n',
        "Cargo.lock": "version = 3\n",
        "api/Cargo.toml": PKG.format(name="api") + '\n[dependencies]\ncore = { path = "../core" }\n',
        "api/src/main.rs": "fn main() { core::hello(); }\n",
        "core/Cargo.toml": PKG.format(name="core"),
        "core/src/lib.rs": "pub fn hello() {}\n",
        "Dockerfile": dockerfile,
    }
    files.update(extra or {})
    return write(root, files)


def _vw110(root: Path) -> list[Finding]:
    return lint(root, ["VW110"])


def _msgs(root: Path) -> list[str]:
    return [f.message for f in _vw110(root)]


HEAD = "FROM rust:1.80 AS builder\nWORKDIR /app\n"


# ---------------------------------------------------------------- the workspace pair


def test_fixture_pair_member_migrations_ignored_template() -> None:
    broken = FIXTURES / "rules" / "vw110" / "workspace-broken"
    findings = _vw110(broken)
    assert where(findings, broken) == [("VW110", "Dockerfile", 6)] * 3
    text = "\n".join(f.message for f in findings)
    assert "add `COPY crates/domain crates/domain` before this RUN" in text
    assert "add `COPY migrations migrations` before this RUN" in text
    assert "`**/*.html` (line 2)" in text and "`!templates/index.html`" in text
    related = {(r.location.path.relative_to(broken).as_posix(), r.location.line) for f in findings for r in f.related}
    assert ("crates/api/src/main.rs", 3) in related  # the sqlx::migrate! call
    assert ("crates/api/src/routes/index.rs", 1) in related  # the include_str! call
    assert (".dockerignore", 2) in related
    assert lint(FIXTURES / "rules" / "vw110" / "workspace-fixed") == []


# ---------------------------------------------------------------- members and path dependencies


def test_member_not_copied_but_copy_all_is_silent(tmp_path: Path) -> None:
    broken = _ws(tmp_path / "a", HEAD + "COPY Cargo.toml Cargo.lock ./\nCOPY api api\nRUN cargo build --release\n")
    (msg,) = _msgs(broken)
    assert "workspace member `core`" in msg and "add `COPY core core` before this RUN" in msg
    assert _msgs(_ws(tmp_path / "b", HEAD + "COPY . .\nRUN cargo build --release\n")) == []


def test_cache_warming_build_whose_failure_is_ignored_is_silent(tmp_path: Path) -> None:
    """`cargo build --release || true` before the sources are copied only warms the dependency cache."""
    warm = HEAD + "COPY Cargo.toml Cargo.lock ./\nCOPY api/Cargo.toml api/\nRUN cargo build --release || true\n"
    assert _msgs(_ws(tmp_path / "a", warm + "COPY . .\nRUN cargo build --release\n")) == []
    strict = warm.replace(" || true", "")
    assert len(_msgs(_ws(tmp_path / "b", strict + "COPY . .\nRUN cargo build --release\n"))) == 2


def test_stage_that_rewrites_its_manifest_is_not_claimed(tmp_path: Path) -> None:
    """`sed -i 's#src/main.rs#src/dummy.rs#' Cargo.toml`: the stage builds its own edit of the manifest."""
    single = {"Cargo.toml": PKG.format(name="app") + '\n[[bin]]\nname = "app"\npath = "src/main.rs"\n',
              "src/main.rs": "fn main() {}\n", "Cargo.lock": "version = 3\n"}
    body = ("COPY Cargo.toml Cargo.lock ./\n{edit}RUN mkdir src && echo 'fn main() {{}}' > src/dummy.rs\n"
            "RUN cargo build --release\nCOPY src src\nRUN cargo build --release\n")
    edit = "RUN sed -i 's#src/main.rs#src/dummy.rs#' Cargo.toml\n"
    assert _msgs(write(tmp_path / "a", {**single, "Dockerfile": HEAD + body.format(edit=edit)})) == []
    assert len(_msgs(write(tmp_path / "b", {**single, "Dockerfile": HEAD + body.format(edit="")}))) == 1


def test_path_dependency_outside_the_workspace_and_bind_mount(tmp_path: Path) -> None:
    extra = {
        "Cargo.toml": '[workspace]\nmembers = ["api"]\n',
        "api/Cargo.toml": PKG.format(name="api") + '\n[dependencies]\nshared = { path = "../libs/shared" }\n',
        "libs/shared/Cargo.toml": PKG.format(name="shared"),
        "libs/shared/src/lib.rs": "",
    }
    broken = _ws(tmp_path / "a", HEAD + "COPY Cargo.toml ./\nCOPY api api\nRUN cargo build\n", extra)
    (msg,) = _msgs(broken)
    assert "path dependency `shared`" in msg and "`COPY libs/shared libs/shared`" in msg
    mounted = HEAD + "RUN --mount=type=bind,target=/app,rw cargo build\n"
    assert _msgs(_ws(tmp_path / "b", mounted, extra)) == []


def test_repository_missing_a_member_is_vw105_not_vw110(tmp_path: Path) -> None:
    root = _ws(
        tmp_path, HEAD + "COPY . .\nRUN cargo build\n", {"Cargo.toml": '[workspace]\nmembers = ["api", "gone"]\n'}
    )
    assert [f.rule_id for f in lint(root, ["VW105", "VW110"])] == ["VW105"]


# ---------------------------------------------------------------- targets


def test_build_script_and_bin_path_outside_copied_folders(tmp_path: Path) -> None:
    extra = {
        "api/Cargo.toml": PKG.format(name="api")
        + '\n[[bin]]\nname = "api"\npath = "bin/api.rs"\n\n[dependencies]\ncore = { path = "../core" }\n',
        "api/bin/api.rs": "fn main() {}\n",
        "api/build.rs": "fn main() {}\n",
    }
    df = HEAD + "COPY Cargo.toml Cargo.lock ./\nCOPY core core\nCOPY api/Cargo.toml api/\nCOPY api/src api/src\n"
    declared = {**extra, "api/Cargo.toml": extra["api/Cargo.toml"].replace('edition = "2021"\n', 'edition = "2021"\nbuild = "build.rs"\n')}
    broken = _ws(tmp_path / "a", df + "RUN cargo build -p api\n", declared)
    msgs = _msgs(broken)
    assert len(msgs) == 2
    assert any("build script source of package `api`" in m and "`COPY api/build.rs api/build.rs`" in m for m in msgs)
    assert any("binary source of package `api`" in m and "`COPY api/bin api/bin`" in m for m in msgs)
    generated = df + "RUN mkdir -p api/bin && echo 'fn main() {}' > api/bin/api.rs && touch api/build.rs\n"
    assert _msgs(_ws(tmp_path / "b", generated + "RUN cargo build -p api\n", declared)) == []


def test_auto_detected_build_script_only_when_the_code_uses_its_output(tmp_path: Path) -> None:
    """No `package.build` key: cargo runs build.rs only when it is there, so a stage without it builds unless
    the code needs what the script produces (a generated file in OUT_DIR, an `env!` of a variable it emits)."""
    df = HEAD + "COPY Cargo.toml Cargo.lock ./\nCOPY core core\nCOPY api/Cargo.toml api/\nCOPY api/src api/src\n"
    df += "RUN cargo build --release -p api\n"
    rerun = {"api/build.rs": 'fn main() {\n    println!("cargo:rerun-if-changed=locales");\n}\n'}
    assert _msgs(_ws(tmp_path / "a", df, rerun)) == []
    generated = {
        "api/build.rs": 'fn main() {\n    std::fs::write(format!("{}/gen.rs", std::env::var("OUT_DIR").unwrap()), "").unwrap();\n}\n',
        "api/src/main.rs": 'include!(concat!(env!("OUT_DIR"), "/gen.rs"));\nfn main() { core::hello(); }\n',
    }
    emitted = {
        "api/build.rs": 'fn main() {\n    println!("cargo:rustc-env=GIT_SHA=abc");\n}\n',
        "api/src/main.rs": 'const SHA: &str = env!("GIT_SHA");\nfn main() { core::hello(); println!("{SHA}"); }\n',
    }
    for name, extra in (("generated", generated), ("emitted", emitted)):
        (msg,) = _msgs(_ws(tmp_path / name, df, extra))
        assert "build script source of package `api`" in msg and "`COPY api/build.rs api/build.rs`" in msg, name


def test_dummy_main_then_real_sources_is_silent(tmp_path: Path) -> None:
    single = {
        "Cargo.toml": PKG.format(name="app"),
        "src/main.rs": "mod routes;\nfn main() {}\n",
        "src/routes.rs": "",
    }
    df = (
        "FROM rust:1.80\nWORKDIR /usr/src/app\nCOPY Cargo.toml Cargo.lock ./\n"
        "RUN mkdir src && echo 'fn main() {}' > src/main.rs && cargo build --release && rm -rf src\n"
        "COPY src src\nRUN touch src/main.rs && cargo build --release --locked\n"
    )
    root = write(tmp_path, {**single, "Cargo.lock": "version = 3\n", "Dockerfile": df})
    assert _msgs(root) == []


def test_cargo_lock_under_locked_only(tmp_path: Path) -> None:
    df = HEAD + "COPY Cargo.toml ./\nCOPY api api\nCOPY core core\n"
    (msg,) = _msgs(_ws(tmp_path / "a", df + "RUN cargo build --release --locked\n"))
    assert "`Cargo.lock` (the command runs with `--locked`)" in msg and "`COPY Cargo.lock Cargo.lock`" in msg
    assert _msgs(_ws(tmp_path / "b", df + "RUN cargo build --release\n")) == []


def test_cargo_chef_cook_is_checked_against_the_recipe(tmp_path: Path) -> None:
    df = (
        "FROM lukemathwalker/cargo-chef:latest-rust-1 AS chef\nWORKDIR /app\n"
        "FROM chef AS planner\nCOPY . .\nRUN cargo chef prepare --recipe-path recipe.json\n"
        "FROM chef AS builder\nCOPY --from=planner /app/recipe.json recipe.json\n"
        "RUN cargo chef cook --release --recipe-path recipe.json\nCOPY . .\nRUN cargo build --release --locked\n"
    )
    assert _msgs(_ws(tmp_path, df)) == []


def test_cd_and_manifest_path(tmp_path: Path) -> None:
    df = HEAD + "COPY Cargo.toml Cargo.lock ./\nCOPY api api\n"
    (msg,) = _msgs(_ws(tmp_path / "a", df + "RUN cd api && cargo build --release\n"))
    assert "`COPY core core`" in msg
    (msg,) = _msgs(_ws(tmp_path / "b", df + "RUN cargo build --manifest-path api/Cargo.toml\n"))
    assert "`COPY core core`" in msg


# ---------------------------------------------------------------- what the code embeds


def test_include_str_ignored_but_per_dockerfile_ignore_lets_it_through(tmp_path: Path) -> None:
    extra = {
        "api/src/main.rs": 'const PAGE: &str = include_str!("../../templates/page.html");\nfn main() {}\n',
        "templates/page.html": "<p>hi</p>\n",
        ".dockerignore": "target\ntemplates\n",
    }
    df = HEAD + "COPY . .\nRUN cargo build --release\n"
    (msg,) = _msgs(_ws(tmp_path / "a", df, extra))
    assert '`include_str!("../../templates/page.html")`' in msg and "`templates` (line 2)" in msg
    own = {**extra, "Dockerfile.dockerignore": "target\n"}
    assert _msgs(_ws(tmp_path / "b", df, own)) == []


def test_include_bytes_from_manifest_dir_and_generated_by_a_script(tmp_path: Path) -> None:
    extra = {
        "api/src/main.rs": 'static LOGO: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/logo.png"));'
        "\nfn main() {}\n",
        "api/assets/logo.png": "png",
    }
    df = HEAD + "COPY Cargo.toml Cargo.lock ./\nCOPY core core\nCOPY api/Cargo.toml api/\nCOPY api/src api/src\n"
    (msg,) = _msgs(_ws(tmp_path / "a", df + "RUN cargo build\n", extra))
    assert "`COPY api/assets api/assets`" in msg
    assert _msgs(_ws(tmp_path / "b", df + "RUN ./scripts/make-assets.sh\nRUN cargo build\n", extra)) == []


def test_sqlx_migrate_default_dir_and_refinery_and_diesel(tmp_path: Path) -> None:
    df = HEAD + "COPY Cargo.toml Cargo.lock ./\nCOPY core core\nCOPY api/Cargo.toml api/\nCOPY api/src api/src\n"
    df += "RUN cargo build\n"
    for n, code in enumerate(
        (
            "static M: sqlx::migrate::Migrator = sqlx::migrate!();",
            'refinery::embed_migrations!("migrations");',
            "pub const M: diesel_migrations::EmbeddedMigrations = diesel_migrations::embed_migrations!();",
        )
    ):
        extra = {"api/src/main.rs": code + "\nfn main() {}\n", "api/migrations/1_init.sql": "select 1;\n"}
        (msg,) = _msgs(_ws(tmp_path / str(n), df, extra))
        assert "`COPY api/migrations api/migrations`" in msg, msg
    mounted = df.replace(
        "RUN cargo build", "RUN --mount=type=bind,source=api/migrations,target=api/migrations cargo build"
    )
    extra = {"api/src/main.rs": "static M: sqlx::migrate::Migrator = sqlx::migrate!();\nfn main() {}\n"}
    assert _msgs(_ws(tmp_path / "m", mounted, {**extra, "api/migrations/1_init.sql": ""})) == []


def test_sqlx_offline_data(tmp_path: Path) -> None:
    extra = {
        "api/src/main.rs": 'async fn f(p: &sqlx::PgPool) { sqlx::query!("select 1 as x").fetch_one(p).await; }\n'
        "fn main() {}\n",
        ".sqlx/query-abc.json": "{}\n",
    }
    df = HEAD + "COPY Cargo.toml Cargo.lock ./\nCOPY api api\nCOPY core core\n"
    (msg,) = _msgs(_ws(tmp_path / "a", df + "ENV SQLX_OFFLINE=true\nRUN cargo build\n", extra))
    assert "`SQLX_OFFLINE=true`" in msg and "`COPY .sqlx .sqlx`" in msg
    assert _msgs(_ws(tmp_path / "b", df + "RUN cargo build\n", extra)) == []  # online: the database answers
    inline = df + "RUN SQLX_OFFLINE=true cargo build\n"
    assert len(_msgs(_ws(tmp_path / "c", inline, extra))) == 1


def test_cargo_config_the_build_relies_on(tmp_path: Path) -> None:
    df = HEAD + "COPY Cargo.toml Cargo.lock ./\nCOPY api api\nCOPY core core\nRUN cargo build --offline\n"
    vendored = {".cargo/config.toml": '[source.crates-io]\nreplace-with = "vendored"\n\n[source.vendored]\n'
                'directory = "vendor"\n'}  # fmt: skip
    msgs = _msgs(_ws(tmp_path / "a", df, vendored))
    assert any("`.cargo/config.toml`" in m and "`COPY .cargo .cargo`" in m for m in msgs)
    flags_only = {".cargo/config.toml": '[build]\nrustflags = ["-C", "target-cpu=native"]\n'}
    assert [m for m in _msgs(_ws(tmp_path / "b", df, flags_only)) if ".cargo" in m] == []


def test_cargo_config_with_only_test_settings_is_not_needed(tmp_path: Path) -> None:
    df = HEAD + "COPY Cargo.toml Cargo.lock ./\nCOPY api api\nCOPY core core\nRUN cargo build --release\n"
    test_only = {".cargo/config.toml": '[build]\n# tests\n\n[env]\nRUST_TEST_THREADS = "1"\nAPP_TEST_MODE = "true"\n'
                 '\n[alias]\nt = "test"\n'}  # fmt: skip
    assert [m for m in _msgs(_ws(tmp_path / "a", df, test_only)) if ".cargo" in m] == []
    # the same [env] value read with env! at compile time is needed
    read = {
        **test_only,
        "api/src/main.rs": 'fn main() {\n    let mode: &str = env!("APP_TEST_MODE");\n'
        '    core::hello();\n    println!("{mode}");\n}\n',
    }
    msgs = [m for m in _msgs(_ws(tmp_path / "b", df, read)) if ".cargo" in m]
    assert len(msgs) == 1 and "`COPY .cargo .cargo`" in msgs[0]
    target = {".cargo/config.toml": '[build]\ntarget = "x86_64-unknown-linux-musl"\n'}
    assert len([m for m in _msgs(_ws(tmp_path / "c", df, target)) if ".cargo" in m]) == 1
    cfg = {".cargo/config.toml": '[build]\nrustflags = ["--cfg", "tokio_unstable"]\n'}
    assert len([m for m in _msgs(_ws(tmp_path / "d", df, cfg)) if ".cargo" in m]) == 1


def test_nightly_toolchain_file_unless_the_stage_has_nightly(tmp_path: Path) -> None:
    extra = {"rust-toolchain.toml": '[toolchain]\nchannel = "nightly-2024-05-01"\n'}
    df = HEAD + "COPY Cargo.toml Cargo.lock ./\nCOPY api api\nCOPY core core\nRUN cargo build\n"
    (msg,) = _msgs(_ws(tmp_path / "a", df, extra))
    assert "`rust-toolchain.toml`" in msg and "`COPY rust-toolchain.toml rust-toolchain.toml`" in msg
    nightly = df.replace("RUN cargo build", "RUN rustup default nightly-2024-05-01\nRUN cargo build")
    assert _msgs(_ws(tmp_path / "b", nightly, extra)) == []
    stable = {"rust-toolchain.toml": '[toolchain]\nchannel = "1.80"\n'}
    assert _msgs(_ws(tmp_path / "c", df, stable)) == []


def test_shell_control_flow_and_sourced_env_do_not_hide_findings(tmp_path: Path) -> None:
    df = HEAD + (
        "COPY Cargo.toml Cargo.lock ./\nCOPY api api\n"
        'RUN . /env && if [ "$X" = 1 ]; then echo yes; fi && cargo build --release\n'
    )
    (msg,) = _msgs(_ws(tmp_path, df))
    assert "`COPY core core`" in msg


def test_stage_built_from_an_image_of_this_project_is_silent(tmp_path: Path) -> None:
    extra = {
        "Dockerfile.base": "FROM rust:1.80\nWORKDIR /app\nCOPY . .\n",
        "compose.yaml": "services:\n  base:\n    image: acme/base:dev\n    build:\n      context: .\n"
        "      dockerfile: Dockerfile.base\n  api:\n    build: .\n",
    }
    df = "FROM {} AS builder\nWORKDIR /app\nCOPY Cargo.toml Cargo.lock ./\nCOPY api api\nRUN cargo build --release\n"
    assert _msgs(_ws(tmp_path / "a", df.format("acme/base:dev"), extra)) == []
    assert len(_msgs(_ws(tmp_path / "b", df.format("rust:1.80"), extra))) == 1


def test_glob_member_left_out_only_matters_under_locked(tmp_path: Path) -> None:
    extra = {
        "Cargo.toml": '[workspace]\nmembers = ["crates/*"]\n',
        "crates/api/Cargo.toml": PKG.format(name="api"),
        "crates/api/src/main.rs": "fn main() {}\n",
        "crates/worker/Cargo.toml": PKG.format(name="worker"),
        "crates/worker/src/main.rs": "fn main() {}\n",
        "Cargo.lock": 'version = 3\n\n[[package]]\nname = "api"\nversion = "0.1.0"\n\n[[package]]\nname = "worker"\n'
        'version = "0.1.0"\n',
    }
    df = HEAD + "COPY Cargo.toml Cargo.lock ./\nCOPY crates/api crates/api\nRUN cargo build -p api{}\n"
    (msg,) = _msgs(_ws(tmp_path / "a", df.format(" --locked"), extra))
    assert "workspace member `crates/worker`" in msg and "`COPY crates/worker crates/worker`" in msg
    assert _msgs(_ws(tmp_path / "b", df.format(""), extra)) == []


def test_askama_template(tmp_path: Path) -> None:
    extra = {
        "api/src/main.rs": '#[derive(askama::Template)]\n#[template(path = "index.html")]\nstruct Index;\n'
        "fn main() {}\n",
        "api/templates/index.html": "<p>{{ 1 }}</p>\n",
    }
    df = HEAD + "COPY Cargo.toml Cargo.lock ./\nCOPY core core\nCOPY api/Cargo.toml api/\nCOPY api/src api/src\n"
    (msg,) = _msgs(_ws(tmp_path / "a", df + "RUN cargo build\n", extra))
    assert '`#[template(path = "index.html")]`' in msg and "`COPY api/templates api/templates`" in msg
    assert _msgs(_ws(tmp_path / "b", df + "COPY api/templates api/templates\nRUN cargo build\n", extra)) == []


def test_proto_files_the_build_script_compiles(tmp_path: Path) -> None:
    extra = {
        "api/build.rs": 'fn main() {\n    tonic_build::compile_protos("proto/greeter.proto").unwrap();\n}\n',
        "api/proto/greeter.proto": 'syntax = "proto3";\n',
    }
    df = (
        HEAD
        + "COPY Cargo.toml Cargo.lock ./\nCOPY core core\nCOPY api/Cargo.toml api/build.rs api/\nCOPY api/src api/src\n"
    )
    (msg,) = _msgs(_ws(tmp_path / "a", df + "RUN cargo build\n", extra))
    assert "which the build script of `api` compiles" in msg and "`COPY api/proto api/proto`" in msg
    assert _msgs(_ws(tmp_path / "b", df + "COPY api/proto api/proto\nRUN cargo build\n", extra)) == []


def test_dummy_main_cache_step_with_the_build_script_copied_is_silent(tmp_path: Path) -> None:
    """`COPY Cargo.toml Cargo.lock build.rs ./` then `mkdir src && echo 'fn main() {}' > src/main.rs && cargo
    build`: src/lib.rs is absent, so the package has no library target in that step (the real build.rs does
    not make the placeholder real code)."""
    files = {
        "Cargo.toml": PKG.format(name="app") + 'build = "build.rs"\n',
        "Cargo.lock": "version = 3\n",
        "build.rs": "fn main() {}\n",
        "src/lib.rs": "pub fn run() {}\n",
        "src/main.rs": "fn main() { app::run(); }\n",
        "Dockerfile": "FROM rust:1.80 AS builder\nWORKDIR /app\nCOPY Cargo.toml Cargo.lock build.rs ./\n"
        'RUN mkdir src && echo "fn main() {}" > src/main.rs && cargo build && rm -rf src\n'
        "COPY src ./src\nRUN cargo build\n",
    }
    assert _msgs(write(tmp_path / "a", files)) == []
    # the real main.rs without the lib.rs it uses still fails
    real = {**files, "Dockerfile": files["Dockerfile"].replace("COPY src ./src", "COPY src/main.rs ./src/main.rs")}
    (msg,) = _msgs(write(tmp_path / "b", real))
    assert "library source of package `app`" in msg


def test_cargo_config_linker_only_for_a_target_the_command_builds(tmp_path: Path) -> None:
    df = HEAD + "COPY Cargo.toml Cargo.lock ./\nCOPY api api\nCOPY core core\nRUN cargo build --release{}\n"
    tuning = {".cargo/config.toml": "[target.'cfg(target_os = \"linux\")']\nlinker = \"clang\"\n"
              'rustflags = ["-C", "link-arg=-fuse-ld=lld"]\n\n[build]\nrustc-wrapper = "sccache"\n'}  # fmt: skip
    assert _msgs(_ws(tmp_path / "a", df.format(""), tuning)) == []
    cross = {".cargo/config.toml": '[target.aarch64-unknown-linux-gnu]\nlinker = "aarch64-linux-gnu-gcc"\n'}
    assert _msgs(_ws(tmp_path / "b", df.format(""), cross)) == []
    (msg,) = _msgs(_ws(tmp_path / "c", df.format(" --target aarch64-unknown-linux-gnu"), cross))
    assert "`.cargo/config.toml`" in msg and "`COPY .cargo .cargo`" in msg


def test_cargo_config_target_dir_only_when_a_later_instruction_uses_it(tmp_path: Path) -> None:
    df = HEAD + "COPY Cargo.toml Cargo.lock ./\nCOPY api api\nCOPY core core\nRUN cargo build --release\n"
    df += "FROM debian:bookworm-slim\nCOPY --from=builder /app/{}/release/api /usr/local/bin/api\n"
    cfg = {".cargo/config.toml": '[build]\ntarget-dir = "out"\n'}
    (msg,) = _msgs(_ws(tmp_path / "a", df.format("out"), cfg))
    assert "`.cargo/config.toml`" in msg
    assert _msgs(_ws(tmp_path / "b", df.format("target"), cfg)) == []
