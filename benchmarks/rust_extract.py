"""Wall time of ``analyze_crate`` on a synthetic 200-file crate (modules with routes and env reads).

Run: ``python benchmarks/rust_extract.py``. Not a test; prints the timings.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from viworks_lint.rust.extract import analyze_crate
from viworks_lint.rust.parsing import clear_cache

N_GROUPS = 20
FILES_PER_GROUP = 8


def _leaf(group: int, idx: int) -> str:
    lines = [
        "use actix_web::{get, post, web, HttpResponse, Responder};",
        "use std::env;",
        "",
        f'const LIMIT_VAR: &str = "G{group}_M{idx}_LIMIT";',
        "",
    ]
    for h in range(6):
        lines += [
            f'#[get("/items{h}/{{id}}")]',
            f"async fn get_{h}() -> impl Responder {{",
            f'    let token = env::var("G{group}_M{idx}_TOKEN_{h}").expect("token");',
            '    let mode = env::var("MODE").unwrap_or_else(|_| "prod".to_string());',
            '    HttpResponse::Ok().body(format!("{token}{mode}"))',
            "}",
            "",
            f'#[post("/items{h}")]',
            f"async fn post_{h}(body: String) -> impl Responder {{",
            "    let limit: usize = env::var(LIMIT_VAR).ok().and_then(|v| v.parse().ok()).unwrap_or(10);",
            '    HttpResponse::Ok().body(format!("{body}{limit}"))',
            "}",
            "",
        ]
    services = "".join(f".service(get_{h}).service(post_{h})" for h in range(6))
    lines += [
        "pub fn routes(cfg: &mut web::ServiceConfig) {",
        f'    cfg.service(web::scope("/m{idx}"){services});',
        "}",
    ]
    return "\n".join(lines) + "\n"


def _group_mod(group: int) -> str:
    mods = "\n".join(f"pub mod m{i};" for i in range(FILES_PER_GROUP))
    configures = "".join(f".configure(m{i}::routes)" for i in range(FILES_PER_GROUP))
    return (
        "use actix_web::web;\n"
        f"{mods}\n\n"
        "pub fn init(cfg: &mut web::ServiceConfig) {\n"
        f'    cfg.service(web::scope("/g{group}"){configures});\n'
        "}\n"
    )


def _main() -> str:
    mods = "\n".join(f"mod g{g};" for g in range(N_GROUPS))
    configures = "".join(f".configure(g{g}::init)" for g in range(N_GROUPS))
    return (
        "use actix_web::{App, HttpServer};\n"
        f"{mods}\n\n"
        "#[actix_web::main]\n"
        "async fn main() -> std::io::Result<()> {\n"
        '    let port: u16 = std::env::var("PORT").unwrap_or_else(|_| "8080".into()).parse().unwrap();\n'
        f"    HttpServer::new(|| App::new(){configures})\n"
        '        .bind(("0.0.0.0", port))?\n'
        "        .run()\n"
        "        .await\n"
        "}\n"
    )


def build_crate(root: Path) -> Path:
    (root / "Cargo.toml").write_text('[package]\nname = "bench"\nversion = "0.1.0"\n')
    src = root / "src"
    src.mkdir()
    (src / "main.rs").write_text(_main())
    count = 1
    for g in range(N_GROUPS):
        gdir = src / f"g{g}"
        gdir.mkdir()
        (gdir / "mod.rs").write_text(_group_mod(g))
        count += 1
        for i in range(FILES_PER_GROUP):
            (gdir / f"m{i}.rs").write_text(_leaf(g, i))
            count += 1
    # pad to exactly 200 files with plain modules holding env reads only
    extra = src / "extra"
    extra.mkdir()
    pads = 200 - count - 1
    (extra / "mod.rs").write_text("".join(f"pub mod p{i};\n" for i in range(pads)))
    for i in range(pads):
        (extra / f"p{i}.rs").write_text(f'pub fn read() -> String {{ std::env::var("PAD_{i}").unwrap_or_default() }}\n')
    with (src / "main.rs").open("a") as fh:
        fh.write("mod extra;\n")
    return root


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = build_crate(Path(tmp))
        entry = root / "src" / "main.rs"
        clear_cache()
        t0 = time.perf_counter()
        facts = analyze_crate(root, [entry])
        cold = time.perf_counter() - t0
        t1 = time.perf_counter()
        analyze_crate(root, [entry])
        warm = time.perf_counter() - t1
        print(
            f"files={len(facts.files)} routes={len(facts.routes)} env_reads={len(facts.env_reads)} "
            f"resolved={facts.routes_resolved}"
        )
        print(f"analyze_crate cold: {cold * 1000:.1f} ms, warm (parse cache hit): {warm * 1000:.1f} ms")


if __name__ == "__main__":
    main()
