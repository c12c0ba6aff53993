"""VW109 crate-undeclared: a workspace with renamed, workspace-inherited, path, dev- and build-dependencies,
and one positive and one silent case per "stays silent for" entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import FIXTURES, lint, where, write

WS = FIXTURES / "rules" / "crates" / "ws"


def test_workspace_fixture() -> None:
    findings = lint(WS, ["VW109"])
    assert where(findings, WS) == [
        ("VW109", "api/build.rs", 3),  # `tracing` is in [dependencies], build.rs sees [build-dependencies] only
        ("VW109", "api/src/db.rs", 7),  # `mockito` only in [dev-dependencies], used outside tests
        ("VW109", "api/src/main.rs", 12),  # `log`: nowhere, in Cargo.lock through another crate
        ("VW109", "api/src/main.rs", 14),  # `chrono`: in [workspace.dependencies] but not inherited
        ("VW109", "api/tests/health.rs", 4),  # `reqwest` in an integration test: no dev-dependency
        ("VW109", "domain/src/models.rs", 7),  # `time` in the library of a path dependency
    ]
    by_line = {(f.location.path.name, f.location.line): f for f in findings}
    log = by_line[("main.rs", 12)]
    assert 'add `log = "0.4.22"` under [dependencies]' in log.message
    assert (log.location.col, log.location.end_col) == (5, 8)
    assert log.related[0].location.path == WS / "api" / "Cargo.toml" and log.related[0].location.line == 6
    assert "`chrono.workspace = true`" in by_line[("main.rs", 14)].message
    assert "only in [dev-dependencies]" in by_line[("db.rs", 7)].message
    assert "only in [dependencies]" in by_line[("build.rs", 3)].message
    assert "[build-dependencies]" in by_line[("build.rs", 3)].message
    assert "[dev-dependencies]" in by_line[("health.rs", 4)].message
    assert "first of 2 uses" in by_line[("models.rs", 7)].message


MANIFEST = '[package]\nname = "app"\nversion = "0.1.0"\nedition = "{edition}"\n\n[dependencies]\n{deps}'


def _crate(root: Path, files: dict[str, str], deps: str = 'tokio = "1"\n', edition: str = "2021") -> Path:
    return write(root, {"Cargo.toml": MANIFEST.format(edition=edition, deps=deps), **files})


def _names(root: Path) -> list[tuple[str, int]]:
    return [(path, line) for _rule, path, line in where(lint(root, ["VW109"]), root)]


# (code that uses an undeclared crate, the same code where the name is something else)
CASES = {
    "std-core-alloc": (
        "fn main() { let _ = serde::de::value::Error::custom; }\n",
        "extern crate alloc;\nfn main() { let _ = std::mem::size_of::<u8>(); let _ = core::cmp::max(1, 2);"
        " let _: alloc::vec::Vec<u8> = alloc::vec::Vec::new(); }\n",
    ),
    "crate-self-super": (
        "mod a { pub fn f() { util::g(); } }\nfn main() { a::f(); }\n",
        "mod util { pub fn g() {} }\nmod a { pub fn f() { crate::util::g(); super::util::g(); self::h(); }"
        " fn h() {} }\nstruct S;\nimpl S { fn n() -> Self { Self::m() } fn m() -> Self { S } }\n"
        "fn main() { a::f(); }\n",
    ),
    "module": (
        "fn main() { handlers::index(); }\n",
        "mod handlers { pub fn index() {} }\nfn main() { handlers::index(); }\n",
    ),
    "item": (
        "fn main() { let _ = kind::Get; }\n",
        "#[allow(non_camel_case_types)]\nenum kind { Get }\nfn main() { let _ = kind::Get; }\n",
    ),
    "use-alias": (
        "fn main() { rt::spawn(async {}); }\n",
        "use tokio as rt;\nfn main() { rt::spawn(async {}); }\n",
    ),
    "block-use": (
        "fn main() { io::stdout(); }\n",
        "fn main() { use std::io; io::stdout(); }\n",
    ),
    "glob-from-crate": (
        "use tokio::sync::Mutex;\nfn main() { let _ = mpsc::channel::<u8>(1); let _ = Mutex::new(1); }\n",
        "use tokio::sync::*;\nfn main() { let _ = mpsc::channel::<u8>(1); }\n",
    ),
    "glob-from-parent": (
        "mod db { pub fn connect() {} }\nmod handlers { pub fn f() { db::connect(); } }\nfn main() {}\n",
        "mod db { pub fn connect() {} }\nmod handlers { use super::*; pub fn f() { db::connect(); } }\nfn main() {}\n",
    ),
    "extern-crate-alias": (
        "fn main() { rt::spawn(async {}); }\n",
        "extern crate tokio as rt;\nfn main() { rt::spawn(async {}); }\n",
    ),
    "macro-generated": (
        "fn main() { generated::f(); }\n",
        "macro_rules! make { ($n:ident) => { mod $n { pub fn f() {} } }; }\nmake!(generated);\n"
        "fn main() { generated::f(); }\n",
    ),
    "well-known-generated-module": (
        "fn run(c: &str) {\n    let _ = c;\n    embedded_migrations::run(c);\n}\nfn main() { run(\"\"); }\n",
        "fn run(c: &str) {\n    embed_migrations!();\n    embedded_migrations::run(c);\n}\n"
        'embed_migrations!("migrations");\nfn main() { run(""); embedded_migrations::run(""); }\n',
    ),
    "unknown-item-macro": (
        "fn main() { proto::f(); }\n",
        'tonic::include_proto!("proto");\nfn main() { proto::f(); }\n',
    ),
    "feature-gated": (
        "fn main() { prometheus::default_registry(); }\n",
        '#[cfg(feature = "metrics")]\nfn metrics() { prometheus::default_registry(); }\nfn main() {}\n',
    ),
    "tool-attribute": (
        "#[foo::skip]\nfn main() {}\n",
        "#[rustfmt::skip]\nfn main() {}\n",
    ),
    "derive-generated-module": (
        "fn main() { let _ = get_user::Variables {}; }\n",
        "#[derive(tokio::GraphQLQuery)]\nstruct GetUser;\nfn main() { let _ = get_user::Variables {}; }\n",
    ),
    "primitive": (
        "fn main() { let _ = num::MAX; }\n",
        'fn main() { let _ = u32::MAX; let _ = str::from_utf8(b""); }\n',
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_fires_on_the_look_alike_and_stays_silent(tmp_path: Path, case: str) -> None:
    bad, good = CASES[case]
    _crate(tmp_path / "bad", {"src/main.rs": bad})
    _crate(tmp_path / "good", {"src/main.rs": good})
    assert [line for _p, line in _names(tmp_path / "bad")], case
    assert _names(tmp_path / "good") == [], case


def test_own_library_from_binaries_tests_and_examples(tmp_path: Path) -> None:
    _crate(
        tmp_path,
        {
            "src/lib.rs": "extern crate self as app_core;\npub fn run() { app_core::helper(); }\nfn helper() {}\n",
            "src/main.rs": "fn main() { app::run(); }\n",
            "tests/it.rs": "#[test]\nfn t() { app::run(); }\n",
            "examples/demo.rs": "fn main() { app::run(); }\n",
        },
    )
    assert _names(tmp_path) == []


def test_renamed_and_lib_named_dependencies(tmp_path: Path) -> None:
    _crate(
        tmp_path,
        {
            "src/main.rs": "fn main() { rt::spawn(async {}); let _ = bip39::Language::English; "
            'let _ = tui_textarea::TextArea::default(); md5::compute(b""); ignite_client::connect(); '
            "caesium::compress(); }\n",
        },
        deps='rt = { package = "tokio", version = "1" }\ntiny-bip39 = "2"\ntui-textarea-2 = "0.10"\nmd-5 = "0.10"\n'
        'ignite-v2-client = "1"\nlibcaesium = "0.20"\n',
    )
    assert _names(tmp_path) == []


def test_a_shorter_name_is_no_library_name(tmp_path: Path) -> None:
    """`actix-web` does not make `actix::` resolve (the seed's missing `actix`)."""
    _crate(tmp_path, {"src/main.rs": "fn main() { actix::System::new(); }\n"}, deps='actix-web = "4"\n')
    assert _names(tmp_path) == [("src/main.rs", 1)]


def test_dev_dependency_in_test_code(tmp_path: Path) -> None:
    files = {
        "src/lib.rs": "pub fn f() {}\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn t() { mockall::mock(); }\n}\n"
    }

    _crate(tmp_path, files, deps='[dev-dependencies]\nmockall = "0.12"\n')
    assert _names(tmp_path) == []
    (tmp_path / "src/lib.rs").write_text("pub fn f() { mockall::mock(); }\n")
    assert _names(tmp_path) == [("src/lib.rs", 1)]


def test_edition_2015_is_not_claimed(tmp_path: Path) -> None:
    _crate(tmp_path, {"src/main.rs": 'fn main() { log::info!("x"); }\n'}, edition="2015")
    assert _names(tmp_path) == []
    write(tmp_path, {"Cargo.toml": '[package]\nname = "app"\nversion = "0.1.0"\n'})  # no edition: 2015
    assert _names(tmp_path) == []


def test_broken_file_gives_no_claim_for_it(tmp_path: Path) -> None:
    _crate(
        tmp_path,
        {
            "src/main.rs": 'mod broken;\nfn main() { log::info!("x"); }\n',
            "src/broken.rs": "pub fn f( { serde_json::to_string(&1) }\n",
        },
    )
    assert _names(tmp_path) == [("src/main.rs", 2)]


def test_cfg_test_module_file_and_path_attribute(tmp_path: Path) -> None:
    _crate(
        tmp_path,
        {
            "src/main.rs": '#[cfg(test)]\nmod tests;\n#[path = "gen/out.rs"]\nmod out;\nfn main() { out::f(); }\n',
            "src/tests.rs": "#[test]\nfn t() { mockall::mock(); }\n",
            "src/gen/out.rs": "pub fn f() { uuid::Uuid::nil(); }\n",
        },
        deps='[dev-dependencies]\nmockall = "0.12"\n',
    )
    assert _names(tmp_path) == [("src/gen/out.rs", 1)]


def test_build_script_sees_build_dependencies_only(tmp_path: Path) -> None:
    _crate(
        tmp_path, {"src/main.rs": "fn main() {}\n", "build.rs": "fn main() { cc::Build::new(); }\n"}, deps='cc = "1"\n'
    )
    assert _names(tmp_path) == [("build.rs", 1)]
    _crate(tmp_path, {}, deps='[build-dependencies]\ncc = "1"\n')
    assert _names(tmp_path) == []


def test_one_finding_per_crate_and_file(tmp_path: Path) -> None:
    _crate(tmp_path, {"src/main.rs": 'use log::info;\nfn main() { log::warn!("a"); info!("b"); }\n'})
    findings = lint(tmp_path, ["VW109"])
    assert len(findings) == 1 and "first of 2 uses" in findings[0].message


def test_cfg_on_struct_expression_fields_and_match_arms(tmp_path: Path) -> None:
    code = (
        "struct S { a: u8 }\nfn main() {\n    let _ = S {\n        #[cfg(test)] // set in tests\n"
        '        a: crossbeam::bounded(0),\n    };\n    match 1 {\n        #[cfg(feature = "x")]\n'
        "        1 => metrics::inc(),\n        _ => {}\n    }\n}\n"
    )
    _crate(tmp_path, {"src/main.rs": code}, deps='[dev-dependencies]\ncrossbeam = "0.8"\n')
    assert _names(tmp_path) == []


def test_part_of_a_package_name_only_when_it_is_no_crate_itself(tmp_path: Path) -> None:
    """`acme-rfc8555` builds a library `acme`: silent. `tokio-util` does not make `tokio` resolve, and a
    crate Cargo.lock knows (`tower` here) is a crate of its own."""
    _crate(
        tmp_path,
        {"src/main.rs": "use acme::Directory;\nfn main() { tokio::spawn(async {}); }\n"},
        deps='acme-rfc8555 = "0.1"\ntokio-util = "0.7"\n',
    )
    assert _names(tmp_path) == [("src/main.rs", 2)]
    _crate(
        tmp_path,
        {"src/main.rs": "fn main() { tower::util::ServiceExt::oneshot; hyperx::f(); }\n"},
        deps='tower-http = "0.6"\nhyperx-client = "1"\n',
    )
    assert _names(tmp_path) == [("src/main.rs", 1)]
    write(tmp_path, {"Cargo.lock": 'version = 4\n\n[[package]]\nname = "hyperx"\nversion = "1.2.0"\n'})
    assert [f.location.col for f in lint(tmp_path, ["VW109"])] == [13, 47]


def test_crate_module_out_of_scope(tmp_path: Path) -> None:
    _crate(
        tmp_path,
        {
            "src/main.rs": "mod models;\nmod handlers;\nfn main() { handlers::list(); }\n",
            "src/models.rs": "pub struct User;\n",
            "src/handlers.rs": "pub fn list() { let _ = models::User; }\n",
        },
    )
    findings = lint(tmp_path, ["VW109"])
    assert where(findings, tmp_path) == [("VW109", "src/handlers.rs", 1)]
    assert "`crate::models`" in findings[0].message


def test_a_lib_prefixed_package_is_no_library_named_like_a_crate_of_the_lock(tmp_path: Path) -> None:
    """`libcaesium` may build `caesium`; but when Cargo.lock holds a crate named `caesium` too, `caesium::` is that
    crate, which must be declared."""
    lock = '[[package]]\nname = "caesium"\nversion = "1.0.0"\n\n[[package]]\nname = "libcaesium"\nversion = "0.20.0"\n'
    _crate(tmp_path, {"src/main.rs": "fn main() { caesium::compress(); }\n", "Cargo.lock": lock},
           deps='libcaesium = "0.20"\n')
    assert _names(tmp_path) == [("src/main.rs", 1)]
