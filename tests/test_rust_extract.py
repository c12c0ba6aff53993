"""Tests for the Rust source reader: routes, listen addresses and env reads from small crates."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from viworks_lint.rust.extract import analyze_crate
from viworks_lint.rust.facts import CrateFacts, EnvRead, ListenAddr
from viworks_lint.rust.parsing import parse_file

FIXTURES = Path(__file__).parent / "fixtures" / "rust"


def make_crate(root: Path, files: dict[str, str], entries: tuple[str, ...] = ("src/main.rs",)) -> CrateFacts:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return analyze_crate(root, [root / e for e in entries])


def routes_of(facts: CrateFacts) -> set[tuple[str, tuple[str, ...]]]:
    return {(r.path, r.methods) for r in facts.routes}


def route_table(facts: CrateFacts) -> list[tuple[str, tuple[str, ...], str, int, bool]]:
    return sorted((r.path, r.methods, r.location.path.name, r.location.line, r.is_prefix) for r in facts.routes)


def env_by_name(facts: CrateFacts) -> dict[str, EnvRead]:
    out: dict[str, EnvRead] = {}
    for read in facts.env_reads:
        assert read.name not in out, f"duplicate read of {read.name}"
        out[read.name] = read
    return out


def only_listen(facts: CrateFacts) -> ListenAddr:
    assert len(facts.listens) == 1, facts.listens
    return facts.listens[0]


# --------------------------------------------------------------------------- actix routes


def test_actix_attribute_handlers_scope_and_resource(tmp_path: Path) -> None:
    facts = make_crate(
        tmp_path,
        {
            "src/main.rs": """\
            use actix_web::{get, post, route, web, App, HttpServer, http::Method, guard};

            #[get("/")]
            async fn index() -> &'static str { "hi" }

            #[post("/items")]
            async fn create() -> &'static str { "made" }

            #[route("/multi", method = "GET", method = "POST")]
            async fn multi() -> &'static str { "m" }

            async fn plain() -> &'static str { "p" }

            #[actix_web::main]
            async fn main() -> std::io::Result<()> {
                HttpServer::new(|| {
                    App::new()
                        .service(index)
                        .service(web::scope("/v1").service(create).service(multi))
                        .route("/a", web::get().to(plain))
                        .route("/b", web::method(Method::PATCH).to(plain))
                        .route("/c", web::route().guard(guard::Delete()).to(plain))
                        .service(web::resource("/r").route(web::get().to(plain)).route(web::put().to(plain)))
                        .service(web::resource("/any").to(plain))
                        .service(web::resource("/g").get(plain))
                })
                .bind(("127.0.0.1", 8080))?
                .run()
                .await
            }
            """
        },
    )
    assert facts.routes_resolved
    assert facts.frameworks == ("actix",)
    assert route_table(facts) == sorted(
        [
            ("/", ("GET",), "main.rs", 3, False),
            ("/a", ("GET",), "main.rs", 20, False),
            ("/any", (), "main.rs", 24, False),
            ("/b", ("PATCH",), "main.rs", 21, False),
            ("/c", ("DELETE",), "main.rs", 22, False),
            ("/g", ("GET",), "main.rs", 25, False),
            ("/r", ("GET", "PUT"), "main.rs", 23, False),
            ("/v1/items", ("POST",), "main.rs", 6, False),
            ("/v1/multi", ("GET", "POST"), "main.rs", 9, False),
        ]
    )
    index = next(r for r in facts.routes if r.path == "/")
    # the location is the path literal inside the attribute
    assert (index.location.line, index.location.col, index.location.end_col) == (3, 7, 10)


def test_actix_scope_prefix_two_calls_away(tmp_path: Path) -> None:
    facts = make_crate(
        tmp_path,
        {
            "src/main.rs": """\
            use actix_web::{App, HttpServer};
            mod api;
            mod health;

            #[actix_web::main]
            async fn main() -> std::io::Result<()> {
                HttpServer::new(move || App::new().configure(api::init)).bind("0.0.0.0:8080")?.run().await
            }
            """,
            "src/api/mod.rs": """\
            use actix_web::web;
            pub mod nested;
            pub fn init(cfg: &mut web::ServiceConfig) {
                cfg.service(web::scope("/api").configure(crate::health::routes).configure(nested::more));
            }
            """,
            "src/api/nested.rs": """\
            use actix_web::{get, web};
            #[get("/deep")]
            async fn deep() -> &'static str { "d" }
            pub fn more(cfg: &mut web::ServiceConfig) {
                let s = web::scope("/n").service(deep);
                cfg.service(s);
                super::super::health::plain(cfg);
            }
            """,
            "src/health.rs": """\
            use actix_web::{get, web};
            #[get("/health")]
            async fn health() -> &'static str { "ok" }
            pub fn routes(cfg: &mut web::ServiceConfig) {
                cfg.service(health);
            }
            pub fn plain(cfg: &mut web::ServiceConfig) {
                cfg.route("/plain", web::get().to(health));
            }
            """,
        },
    )
    assert facts.routes_resolved
    # not double-prefixed, and the configure functions are not also listed without their prefix
    assert routes_of(facts) == {
        ("/api/health", ("GET",)),
        ("/api/n/deep", ("GET",)),
        ("/api/plain", ("GET",)),
    }
    names = sorted(Path(f).name for f in facts.files)
    assert names == ["health.rs", "main.rs", "mod.rs", "nested.rs"]


def test_actix_app_from_helper_fn_and_files(tmp_path: Path) -> None:
    facts = make_crate(
        tmp_path,
        {
            "src/main.rs": """\
            use actix_web::{web, App, HttpServer};
            use actix_files::Files;

            async fn ping() -> &'static str { "pong" }

            fn build_app() -> App<()> {
                App::new().route("/ping", web::get().to(ping)).service(Files::new("/static", "./www"))
            }

            #[actix_web::main]
            async fn main() -> std::io::Result<()> {
                HttpServer::new(|| build_app()).bind(("0.0.0.0", 9000))?.run().await
            }
            """
        },
    )
    assert facts.routes_resolved
    assert route_table(facts) == sorted(
        [
            ("/ping", ("GET",), "main.rs", 7, False),
            ("/static", (), "main.rs", 7, True),
        ]
    )


def test_actix_unknown_configure_is_unresolved(tmp_path: Path) -> None:
    facts = make_crate(
        tmp_path,
        {
            "src/main.rs": """\
            use actix_web::{App, HttpServer};
            #[actix_web::main]
            async fn main() -> std::io::Result<()> {
                HttpServer::new(|| App::new().configure(other_crate::routes)).bind("0.0.0.0:8080")?.run().await
            }
            """
        },
    )
    assert not facts.routes_resolved


def test_cfg_test_module_is_ignored(tmp_path: Path) -> None:
    facts = make_crate(
        tmp_path,
        {
            "src/main.rs": """\
            use actix_web::{web, App};
            async fn h() -> &'static str { "" }
            fn main() {
                let _ = App::new().route("/real", web::get().to(h));
            }
            #[cfg(test)]
            mod tests {
                use super::*;
                #[test]
                fn t() {
                    let _ = std::env::var("ONLY_IN_TESTS").unwrap();
                    let _ = App::new().route("/test-only", web::get().to(h));
                }
            }
            """
        },
    )
    assert routes_of(facts) == {("/real", ("GET",))}
    assert facts.env_reads == ()


# --------------------------------------------------------------------------- axum routes


AXUM_MAIN = """\
use axum::{routing::{any, get, post}, Router};
use tower_http::services::ServeDir;
mod api;
mod routes;

async fn h() {}

fn app() -> Router {
    let admin = Router::new().route("/", get(h)).route("/*rest", get(h));
    Router::new()
        .route("/", get(h).post(h))
        .route("/any", any(h))
        .nest("/api", api::router())
        .nest("/admin", admin)
        .nest("/v2", Router::new().route("/users/:id", get(h)).fallback(h))
        .merge(routes::health::routes())
        .route_service("/svc", ServeDir::new("x"))
        .nest_service("/static", ServeDir::new("static"))
        .fallback(h)
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(())
}

#[tokio::main]
async fn main() {
    let listener = tokio::net::TcpListener::bind("0.0.0.0:3000").await.unwrap();
    axum::serve(listener, app()).await.unwrap();
}
"""


def test_axum_router_forms(tmp_path: Path) -> None:
    facts = make_crate(
        tmp_path,
        {
            "src/main.rs": AXUM_MAIN,
            "src/api.rs": """\
            use axum::{routing::get, Router};
            async fn h() {}
            pub fn router() -> Router {
                let mut r = Router::new().route("/items/{id}", get(h).delete(h));
                r = r.route("/files/{*path}", get(h));
                r.nest("/deep", deeper())
            }
            fn deeper() -> Router { Router::new().route("/x", axum::routing::put(h)) }
            """,
            "src/routes/mod.rs": "pub mod health;\n",
            "src/routes/health.rs": """\
            use axum::{routing::get, Router};
            async fn h() {}
            pub fn routes() -> Router { Router::new().route("/health", get(h).head(h)) }
            """,
        },
    )
    assert facts.routes_resolved
    assert facts.frameworks == ("axum",)
    assert route_table(facts) == sorted(
        [
            ("/", ("GET", "POST"), "main.rs", 11, False),
            ("/", (), "main.rs", 19, True),
            ("/admin", ("GET",), "main.rs", 9, False),
            ("/admin/*rest", ("GET",), "main.rs", 9, False),
            ("/any", (), "main.rs", 12, False),
            ("/api/deep/x", ("PUT",), "api.rs", 8, False),
            ("/api/files/{*path}", ("GET",), "api.rs", 5, False),
            ("/api/items/{id}", ("GET", "DELETE"), "api.rs", 4, False),
            ("/health", ("GET", "HEAD"), "health.rs", 3, False),
            ("/static", (), "main.rs", 18, True),
            ("/svc", (), "main.rs", 17, False),
            ("/v2", (), "main.rs", 15, True),
            ("/v2/users/:id", ("GET",), "main.rs", 15, False),
        ]
    )
    assert only_listen(facts) == ListenAddr(
        only_listen(facts).location, host="0.0.0.0", port=3000, host_env=None, port_env=None, addr_env=None
    )


def test_axum_router_from_parameter_is_unresolved(tmp_path: Path) -> None:
    facts = make_crate(
        tmp_path,
        {
            "src/main.rs": """\
            use axum::{routing::get, Router};
            async fn h() {}
            pub fn add_routes(router: Router) -> Router {
                router.route("/from-param", get(h))
            }
            fn main() {
                let _app = Router::new().route("/known", get(h));
            }
            """
        },
    )
    assert not facts.routes_resolved
    assert ("/known", ("GET",)) in routes_of(facts)


def test_axum_unknown_function_is_unresolved(tmp_path: Path) -> None:
    facts = make_crate(
        tmp_path,
        {
            "src/main.rs": """\
            use axum::Router;
            fn main() {
                let _app = Router::new().nest("/api", somewhere_else::router());
            }
            """
        },
    )
    assert not facts.routes_resolved
    assert facts.routes == ()


def test_framework_without_entry_point_is_unresolved(tmp_path: Path) -> None:
    facts = make_crate(
        tmp_path,
        {
            "src/lib.rs": """\
            use actix_web::{get, web};
            #[get("/x")]
            async fn x() -> &'static str { "" }
            pub fn config(cfg: &mut web::ServiceConfig) { cfg.service(x); }
            """
        },
        entries=("src/lib.rs",),
    )
    assert facts.routes == ()
    assert not facts.routes_resolved


def test_binary_uses_library_crate_by_name(tmp_path: Path) -> None:
    facts = make_crate(
        tmp_path,
        {
            "Cargo.toml": '[package]\nname = "my-svc"\nversion = "0.1.0"\n',
            "src/lib.rs": """\
            pub mod web;
            """,
            "src/web.rs": """\
            use axum::{routing::get, Router};
            async fn h() {}
            pub fn router() -> Router { Router::new().route("/lib-route", get(h)) }
            """,
            "src/main.rs": """\
            use axum::Router;
            fn main() {
                let _app = Router::new().nest("/v1", my_svc::web::router());
            }
            """,
        },
        entries=("src/main.rs", "src/lib.rs"),
    )
    assert facts.routes_resolved
    assert routes_of(facts) == {("/v1/lib-route", ("GET",))}


def test_module_path_attribute_and_inline_module(tmp_path: Path) -> None:
    facts = make_crate(
        tmp_path,
        {
            "src/main.rs": """\
            use axum::Router;
            #[path = "elsewhere/handlers.rs"]
            mod handlers;
            mod inline {
                pub mod inner;
                pub fn router() -> axum::Router { self::inner::router() }
            }
            fn main() {
                let _app = Router::new().merge(handlers::router()).merge(inline::router());
            }
            """,
            "src/elsewhere/handlers.rs": """\
            pub fn router() -> axum::Router { axum::Router::new().route("/handled", axum::routing::get(h)) }
            async fn h() {}
            """,
            "src/inline/inner.rs": """\
            pub fn router() -> axum::Router { axum::Router::new().route("/inner", axum::routing::post(h)) }
            async fn h() {}
            """,
        },
    )
    assert facts.routes_resolved
    assert routes_of(facts) == {("/handled", ("GET",)), ("/inner", ("POST",))}


def test_actix_handlers_behind_renamed_and_glob_reexports(tmp_path: Path) -> None:
    facts = make_crate(
        tmp_path,
        {
            "src/main.rs": """\
            mod handlers;
            mod api;
            use actix_web::{App, HttpServer};
            use handlers::health_check;
            use crate::handlers::users as u;
            #[actix_web::main]
            async fn main() -> std::io::Result<()> {
                HttpServer::new(|| {
                    App::new()
                        .service(health_check)
                        .service(u::list)
                        .service(handlers::ready)
                        .service(handlers::live)
                        .configure(api::config)
                })
                .bind(("0.0.0.0", 8080))?
                .run()
                .await
            }
            """,
            "src/handlers/mod.rs": """\
            mod health;
            mod live;
            mod misc;
            pub mod users;
            pub use health::{health as health_check};
            pub use live::live;
            pub use misc::*;
            """,
            "src/handlers/health.rs": """\
            use actix_web::get;
            #[get("/healthz")]
            pub async fn health() -> &'static str { "ok" }
            """,
            "src/handlers/live.rs": """\
            #[actix_web::get("/livez")]
            pub async fn live() -> &'static str { "ok" }
            """,
            "src/handlers/misc.rs": """\
            use actix_web::get;
            #[get("/ready")]
            pub async fn ready() -> &'static str { "ok" }
            """,
            "src/handlers/users.rs": """\
            #[actix_web::get("/users")]
            pub async fn list() -> &'static str { "[]" }
            """,
            "src/api.rs": """\
            use actix_web::web;
            use super::handlers as h;
            use h::health_check as hc;
            pub fn config(cfg: &mut web::ServiceConfig) {
                cfg.service(web::scope("/api").service(hc));
            }
            """,
        },
    )
    assert facts.routes_resolved
    assert route_table(facts) == [
        ("/api/healthz", ("GET",), "health.rs", 2, False),
        ("/healthz", ("GET",), "health.rs", 2, False),
        ("/livez", ("GET",), "live.rs", 1, False),
        ("/ready", ("GET",), "misc.rs", 2, False),
        ("/users", ("GET",), "users.rs", 1, False),
    ]


def test_axum_routers_behind_renamed_and_glob_reexports(tmp_path: Path) -> None:
    facts = make_crate(
        tmp_path,
        {
            "src/main.rs": """\
            mod routes;
            mod web;
            use axum::{routing::get, Router};
            use routes::*;
            use crate::web::handlers as h;
            #[tokio::main]
            async fn main() {
                let app = Router::new()
                    .merge(api_router())
                    .nest("/v1", h::v1())
                    .route("/x", get(h::handler))
                    .merge(web::ui_router());
                let listener = tokio::net::TcpListener::bind("0.0.0.0:3000").await.unwrap();
                axum::serve(listener, app).await.unwrap();
            }
            """,
            "src/routes/mod.rs": """\
            mod api;
            pub use api::*;
            """,
            "src/routes/api.rs": """\
            use axum::{routing::get, Router};
            pub fn api_router() -> Router { Router::new().route("/api/ping", get(ping)) }
            async fn ping() {}
            """,
            "src/web/mod.rs": """\
            pub mod handlers;
            mod ui;
            pub use self::ui::{router as ui_router};
            """,
            "src/web/ui.rs": """\
            use axum::Router;
            use super::handlers as hh;
            use hh::v1 as versioned;
            pub fn router() -> Router { Router::new().nest("/ui", versioned()) }
            """,
            "src/web/handlers.rs": """\
            use axum::{routing::get, Router};
            pub fn v1() -> Router { Router::new().route("/users", get(handler)) }
            pub async fn handler() {}
            """,
        },
    )
    assert facts.routes_resolved
    assert route_table(facts) == [
        ("/api/ping", ("GET",), "api.rs", 2, False),
        ("/ui/users", ("GET",), "handlers.rs", 2, False),
        ("/v1/users", ("GET",), "handlers.rs", 2, False),
        ("/x", ("GET",), "main.rs", 11, False),
    ]


def test_unresolvable_aliases_leave_routes_unresolved(tmp_path: Path) -> None:
    axum_facts = make_crate(
        tmp_path / "axum",
        {
            "src/main.rs": """\
            use axum::{routing::get, Router};
            use other_crate::routes as r;
            async fn h() {}
            fn extra() -> Router { Router::new().route("/extra", get(h)) }
            #[tokio::main]
            async fn main() {
                let app = r::router().route("/x", get(h)).merge(extra());
                let listener = tokio::net::TcpListener::bind("0.0.0.0:3000").await.unwrap();
                axum::serve(listener, app).await.unwrap();
            }
            """,
        },
    )
    assert not axum_facts.routes_resolved
    assert routes_of(axum_facts) == {("/x", ("GET",)), ("/extra", ("GET",))}

    actix_facts = make_crate(
        tmp_path / "actix",
        {
            "src/main.rs": """\
            mod handlers;
            use actix_web::{web, App, HttpServer};
            use other_crate::health as hc;
            use handlers::missing as m;
            fn main() {
                let _ = HttpServer::new(|| App::new().service(web::scope("/a").service(hc)).service(m::x));
            }
            """,
            "src/handlers.rs": "pub use nowhere::{missing};\n",
        },
    )
    assert not actix_facts.routes_resolved
    assert actix_facts.routes == ()


def test_cyclic_and_glob_heavy_uses_terminate_unresolved(tmp_path: Path) -> None:
    facts = make_crate(
        tmp_path,
        {
            "src/main.rs": """\
            mod m;
            use actix_web::App;
            fn main() { let _ = App::new().service(m::a).service(m::c::d); }
            """,
            "src/m.rs": """\
            pub use a::p as b;
            pub use b::q as a;
            pub use self::c::*;
            pub mod c { pub use super::*; pub use super::c as e; pub use e::x as d; }
            pub use x::x;
            use y::*; use z::*; use w::*;
            """,
        },
    )
    assert not facts.routes_resolved
    assert facts.routes == ()


def test_axum_extra_resource_routes(tmp_path: Path) -> None:
    facts = make_crate(
        tmp_path,
        {
            "src/main.rs": """\
            use axum::{routing::get, Router};
            use axum_extra::routing::Resource;
            async fn h() {}
            fn posts() -> Resource { Resource::named("posts").index(h) }
            #[tokio::main]
            async fn main() {
                let users = Resource::named("users")
                    .index(h)
                    .create(h)
                    .new(h)
                    .show(h)
                    .edit(h)
                    .update(h)
                    .destroy(h)
                    .nest(Router::new().route("/tweets", get(h)))
                    .nest_collection(Router::new().route("/featured", get(h)));
                let app = Router::new().merge(users).nest("/api", Router::new().merge(posts()));
                let listener = tokio::net::TcpListener::bind("0.0.0.0:3000").await.unwrap();
                axum::serve(listener, app).await.unwrap();
            }
            """,
        },
    )
    assert facts.routes_resolved
    assert route_table(facts) == [
        ("/api/posts", ("GET",), "main.rs", 4, False),
        ("/users", ("GET",), "main.rs", 7, False),
        ("/users", ("POST",), "main.rs", 7, False),
        ("/users/featured", ("GET",), "main.rs", 16, False),
        ("/users/new", ("GET",), "main.rs", 7, False),
        ("/users/{users_id}", ("DELETE",), "main.rs", 7, False),
        ("/users/{users_id}", ("GET",), "main.rs", 7, False),
        ("/users/{users_id}", ("PUT", "PATCH"), "main.rs", 7, False),
        ("/users/{users_id}/edit", ("GET",), "main.rs", 7, False),
        ("/users/{users_id}/tweets", ("GET",), "main.rs", 15, False),
    ]


def test_axum_extra_resource_with_unknown_name_is_unresolved(tmp_path: Path) -> None:
    facts = make_crate(
        tmp_path,
        {
            "src/main.rs": """\
            use axum::{routing::get, Router};
            use axum_extra::routing::Resource;
            async fn h() {}
            fn main() {
                let name = std::env::args().nth(1).unwrap();
                let _app = Router::new().route("/ok", get(h)).merge(Resource::named(&name).index(h));
            }
            """,
        },
    )
    assert not facts.routes_resolved
    assert routes_of(facts) == {("/ok", ("GET",))}


# --------------------------------------------------------------------------- listen addresses


def test_actix_bind_host_port_locals_from_env(tmp_path: Path) -> None:
    facts = make_crate(
        tmp_path,
        {
            "src/main.rs": """\
            use std::env;
            use actix_web::{App, HttpServer};
            #[actix_web::main]
            async fn main() -> std::io::Result<()> {
                let host = env::var("HOST").unwrap_or_else(|_| "0.0.0.0".to_string());
                let port: u16 = env::var("PORT").unwrap_or("8080".to_string()).parse().unwrap();
                HttpServer::new(|| App::new()).bind((host, port))?.run().await
            }
            """
        },
    )
    listen = only_listen(facts)
    assert (listen.host, listen.port, listen.host_env, listen.port_env, listen.addr_env) == (
        "0.0.0.0",
        8080,
        "HOST",
        "PORT",
        None,
    )
    assert (listen.location.line, listen.location.col) == (7, 41)
    reads = env_by_name(facts)
    assert reads["HOST"] == EnvRead("HOST", "runtime", False, reads["HOST"].location, False, "0.0.0.0")
    assert reads["PORT"].required is False and reads["PORT"].default == "8080"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            'let l = tokio::net::TcpListener::bind("0.0.0.0:3000").await.unwrap();',
            ("0.0.0.0", 3000, None, None, None),
        ),
        (
            'let l = std::net::TcpListener::bind("127.0.0.1:7000").unwrap();',
            ("127.0.0.1", 7000, None, None, None),
        ),
        (
            "let addr = SocketAddr::from(([0, 0, 0, 0], 3000));\n"
            "axum::Server::bind(&addr).serve(app.into_make_service()).await.unwrap();",
            ("0.0.0.0", 3000, None, None, None),
        ),
        (
            'let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(3000);\n'
            "let addr = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port);\n"
            "let l = tokio::net::TcpListener::bind(addr).await?;",
            ("0.0.0.0", 3000, None, "PORT", None),
        ),
        (
            'let addr: SocketAddr = "[::]:8443".parse().unwrap();\nlet l = tokio::net::TcpListener::bind(addr).await?;',
            ("::", 8443, None, None, None),
        ),
        (
            'let addr = "0.0.0.0:9000".parse::<SocketAddr>().unwrap();\n'
            "let l = tokio::net::TcpListener::bind(&addr).await?;",
            ("0.0.0.0", 9000, None, None, None),
        ),
        (
            'let port = env::var("PORT").unwrap_or_else(|_| "8080".into());\n'
            'let l = tokio::net::TcpListener::bind(format!("0.0.0.0:{port}")).await?;',
            ("0.0.0.0", 8080, None, "PORT", None),
        ),
        (
            'let host = env::var("HOST").unwrap_or("127.0.0.1".into());\n'
            'let port = env::var("PORT").unwrap_or("4000".into());\n'
            'let l = tokio::net::TcpListener::bind(format!("{}:{}", host, port)).await?;',
            ("127.0.0.1", 4000, "HOST", "PORT", None),
        ),
        (
            'let addr = env::var("BIND_ADDR").unwrap_or("127.0.0.1:8080".into());\n'
            "let l = tokio::net::TcpListener::bind(&addr).await?;",
            ("127.0.0.1", 8080, None, None, "BIND_ADDR"),
        ),
        (
            "let l = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port())).await?;",
            ("127.0.0.1", 5000, None, "APP_PORT", None),
        ),
        (
            "let l = tokio::net::TcpListener::bind(some_unknown_addr).await?;",
            (None, None, None, None, None),
        ),
    ],
)
def test_listen_forms(tmp_path: Path, body: str, expected: tuple[object, ...]) -> None:
    src = (
        "use std::env;\nuse std::net::{IpAddr, Ipv4Addr, SocketAddr};\n"
        'fn port() -> u16 { env::var("APP_PORT").ok().and_then(|v| v.parse().ok()).unwrap_or(5000) }\n'
        "async fn main() -> anyhow::Result<()> {\n" + textwrap.indent(body, "    ") + "\n    Ok(())\n}\n"
    )
    (tmp_path / "src").mkdir()
    (tmp_path / "src/main.rs").write_text(src)
    facts = analyze_crate(tmp_path, [tmp_path / "src/main.rs"])
    listen = only_listen(facts)
    assert (listen.host, listen.port, listen.host_env, listen.port_env, listen.addr_env) == expected


def test_listen_port_from_envy_config(tmp_path: Path) -> None:
    facts = make_crate(
        tmp_path,
        {
            "src/main.rs": """\
            #[derive(serde::Deserialize)]
            struct Settings {
                #[serde(default = "default_port")]
                port: u16,
            }
            fn default_port() -> u16 { 8088 }
            #[tokio::main]
            async fn main() {
                let settings: Settings = envy::from_env().unwrap();
                let addr = std::net::SocketAddr::from(([0, 0, 0, 0], settings.port));
                let _l = tokio::net::TcpListener::bind(addr).await.unwrap();
            }
            """
        },
    )
    listen = only_listen(facts)
    assert (listen.host, listen.port, listen.port_env) == ("0.0.0.0", 8088, "PORT")
    assert env_by_name(facts)["PORT"].default == "8088"


def test_sqlx_bind_is_not_a_listen(tmp_path: Path) -> None:
    facts = make_crate(
        tmp_path,
        {
            "src/main.rs": """\
            async fn main() {
                let _ = sqlx::query("select $1").bind("0.0.0.0:80").fetch_one(&pool).await;
            }
            """
        },
    )
    assert facts.listens == ()


# --------------------------------------------------------------------------- env reads

ENV_SRC = """\
use std::env;
use std::env::var;
use anyhow::Context;

const DB_VAR: &str = "DATABASE_URL";

fn takes(_: Result<String, env::VarError>) {}

fn main() -> anyhow::Result<()> {
    let _a = env::var("EXPECTED").expect("set it");
    let _b = std::env::var("UNWRAPPED").unwrap();
    let _c = env::var("TRIED")?;
    let _d = env::var("CONTEXT").context("missing")?;
    let _e = env::var("MAPPED").map_err(|e| anyhow::anyhow!(e))?;
    let _f = match env::var("MATCH_PANIC") { Ok(v) => v, Err(_) => panic!("no") };
    let Ok(_g) = env::var("LET_ELSE_PANIC") else { panic!("no") };
    let _h = env::var(DB_VAR).unwrap();
    let _i = var("IMPORTED").unwrap();
    let _j = dotenvy::var("DOTENVY").unwrap();
    let _k = env::var_os("OS_VAR").expect("os");
    let _l = env::var("CLOSURE_PANIC").unwrap_or_else(|_| panic!("missing"));

    let _m = env::var("UNWRAP_OR").unwrap_or("fallback".to_string());
    let _n = env::var("UNWRAP_OR_ELSE").unwrap_or_else(|_| "other".into());
    let _o = env::var("UNWRAP_OR_DEFAULT").unwrap_or_default();
    let _p = env::var("OK").ok();
    let _q = env::var("IS_OK").is_ok();
    if let Ok(_r) = env::var("IF_LET") {}
    let _s = match env::var("MATCH_DEFAULT") { Ok(v) => v, Err(_) => "dflt".to_string() };
    let Ok(_t) = env::var("LET_ELSE_RETURN") else { return Ok(()) };
    takes(env::var("PASSED"));
    let _u = env::var("PARSED_DEFAULT").ok().and_then(|v| v.parse::<u32>().ok()).unwrap_or(30);
    let _v = env::var("OK_EXPECT").ok().expect("needed");
    let _w = env!("COMPILE_TIME");
    let _x = option_env!("MAYBE_COMPILE");
    Ok(())
}
"""

ENV_EXPECTED = {
    # name: (kind, required, default, line)
    "EXPECTED": ("runtime", True, None, 10),
    "UNWRAPPED": ("runtime", True, None, 11),
    "TRIED": ("runtime", True, None, 12),
    "CONTEXT": ("runtime", True, None, 13),
    "MAPPED": ("runtime", True, None, 14),
    "MATCH_PANIC": ("runtime", True, None, 15),
    "LET_ELSE_PANIC": ("runtime", True, None, 16),
    "DATABASE_URL": ("runtime", True, None, 17),
    "IMPORTED": ("runtime", True, None, 18),
    "DOTENVY": ("runtime", True, None, 19),
    "OS_VAR": ("runtime", True, None, 20),
    "CLOSURE_PANIC": ("runtime", True, None, 21),
    "UNWRAP_OR": ("runtime", False, "fallback", 23),
    "UNWRAP_OR_ELSE": ("runtime", False, "other", 24),
    "UNWRAP_OR_DEFAULT": ("runtime", False, None, 25),
    "OK": ("runtime", False, None, 26),
    "IS_OK": ("runtime", False, None, 27),
    "IF_LET": ("runtime", False, None, 28),
    "MATCH_DEFAULT": ("runtime", False, "dflt", 29),
    "LET_ELSE_RETURN": ("runtime", False, None, 30),
    "PASSED": ("runtime", False, None, 31),
    "PARSED_DEFAULT": ("runtime", False, "30", 32),
    "OK_EXPECT": ("runtime", True, None, 33),
    "COMPILE_TIME": ("compile", True, None, 34),
    "MAYBE_COMPILE": ("compile", False, None, 35),
}


def test_env_read_classification(tmp_path: Path) -> None:
    facts = make_crate(tmp_path, {"src/main.rs": ENV_SRC})
    reads = env_by_name(facts)
    got = {name: (r.kind, r.required, r.default, r.location.line) for name, r in reads.items()}
    assert got == ENV_EXPECTED
    assert all(not r.in_build_script for r in facts.env_reads)
    # location is the name literal (or the const used as the name)
    expected_loc = reads["EXPECTED"].location
    assert (expected_loc.col, expected_loc.end_col) == (23, 33)
    db = reads["DATABASE_URL"].location
    assert (db.line, db.col, db.end_col) == (17, 23, 29)


def test_envy_struct_fields(tmp_path: Path) -> None:
    facts = make_crate(
        tmp_path,
        {
            "src/main.rs": """\
            mod config;
            fn main() {
                let _cfg = envy::prefixed("APP_").from_env::<config::Config>().expect("config");
                let _other: config::Other = envy::from_env().unwrap_or_default();
            }
            """,
            "src/config.rs": """\
            #[derive(serde::Deserialize)]
            pub struct Config {
                pub database_url: String,
                #[serde(rename = "listen_port", default = "default_port")]
                pub port: u16,
                pub token: Option<String>,
                #[serde(default)]
                pub debug: bool,
                #[serde(flatten)]
                pub extra: Extra,
            }
            #[derive(serde::Deserialize)]
            pub struct Extra { pub region: String }
            #[derive(serde::Deserialize)]
            pub struct Other { pub needed: String }
            fn default_port() -> u16 { 8080 }
            """,
        },
    )
    got = {(r.name, r.required, r.default, r.location.path.name, r.location.line) for r in facts.env_reads}
    assert got == {
        ("APP_DATABASE_URL", True, None, "config.rs", 3),
        ("APP_LISTEN_PORT", False, "8080", "config.rs", 5),
        ("APP_TOKEN", False, None, "config.rs", 6),
        ("APP_DEBUG", False, None, "config.rs", 8),
        ("APP_REGION", True, None, "config.rs", 13),
        # from_env(...).unwrap_or_default(): a missing variable is not fatal
        ("NEEDED", False, None, "config.rs", 15),
    }


def test_clap_env_fields(tmp_path: Path) -> None:
    facts = make_crate(
        tmp_path,
        {
            "src/main.rs": """\
            use clap::Parser;
            #[derive(Parser)]
            struct Args {
                #[arg(long, env = "API_KEY")]
                api_key: String,
                #[arg(long, env = "WORKERS", default_value_t = 4)]
                workers: usize,
                #[clap(long, env = "LOG_LEVEL", default_value = "info")]
                log_level: String,
                #[arg(long, env)]
                region: Option<String>,
                #[arg(long, env = "VERBOSE")]
                verbose: bool,
                #[arg(long)]
                no_env: String,
            }
            fn main() { let _ = Args::parse(); }
            """
        },
    )
    got = {(r.name, r.required, r.default, r.location.line) for r in facts.env_reads}
    assert got == {
        ("API_KEY", True, None, 4),
        ("WORKERS", False, "4", 6),
        ("LOG_LEVEL", False, "info", 8),
        ("REGION", False, None, 11),
        ("VERBOSE", False, None, 12),
    }


def test_build_script_reads(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src/main.rs").write_text('fn main() { let _ = std::env::var("RUNTIME_ONLY").ok(); }\n')
    (tmp_path / "build.rs").write_text(
        'fn main() {\n    let _o = std::env::var("OUT_DIR").unwrap();\n'
        '    let _p = std::env::var("PROFILE").unwrap_or_default();\n}\n'
    )
    facts = analyze_crate(tmp_path, [tmp_path / "src/main.rs"], build_script=tmp_path / "build.rs")
    got = {(r.name, r.required, r.in_build_script) for r in facts.env_reads}
    assert got == {("RUNTIME_ONLY", False, False), ("OUT_DIR", True, True), ("PROFILE", False, True)}
    assert str(tmp_path / "build.rs") in facts.files


ENV_HELPER_FILES = {
    "src/main.rs": """\
    mod config;
    mod util;
    use config::{env_or, env_var};
    const DB: &str = "DATABASE_URL";
    fn main() -> anyhow::Result<()> {
        let _db = env_var(DB);
        let _key = config::must("API_KEY");
        let _port: u16 = config::parsed("PORT");
        let _workers = config::parsed::<usize>("WORKERS");
        let _region = env_or("REGION", "eu");
        let _tok = util::try_env("TOKEN")?;
        let _opt = util::try_env("OPTIONAL_TOKEN").ok();
        let _dflt = util::try_env("WITH_DEFAULT").unwrap_or("x".to_string());
        let _secret = util::secret("SECRET_KEY");
        let _twice = util::twice("TWICE")?;
        let _maybe = util::maybe("MAYBE").unwrap_or_default();
        let _settings = config::Settings::load();
        let _fwd = util::forwarded("FORWARDED");
        let _fmt = util::prefixed("SUFFIX");
        let _dyn = env_var(&std::env::args().nth(1).unwrap());
        Ok(())
    }
    """,
    "src/config.rs": """\
    pub fn env_var(name: &str) -> String {
        std::env::var(name).expect("missing env")
    }
    pub fn must(key: &str) -> String {
        std::env::var(key).unwrap_or_else(|_| panic!("{key} must be set"))
    }
    pub fn parsed<T: std::str::FromStr>(key: &str) -> T {
        std::env::var(key).expect("set").parse().ok().expect("parse")
    }
    pub fn env_or(key: &str, default: &str) -> String {
        std::env::var(key).unwrap_or_else(|_| default.to_string())
    }
    pub struct Settings { pub host: String }
    impl Settings {
        fn required(key: &str) -> String { dotenvy::var(key).unwrap() }
        pub fn load() -> Self { Self { host: Self::required("DB_HOST") } }
    }
    """,
    "src/util.rs": """\
    use crate::config::env_var as ev;
    use std::env;
    pub fn try_env(name: &str) -> Result<String, env::VarError> {
        let value = env::var(name)?;
        Ok(value)
    }
    pub fn secret(name: &str) -> String { ev(name) }
    pub fn twice(name: &str) -> anyhow::Result<String> { Ok(try_env(name)?) }
    pub fn maybe(name: &str) -> Option<String> { env::var(name).ok() }
    pub fn forwarded(name: &str) -> String { lookup(name) }
    fn lookup(_n: &str) -> String { String::new() }
    pub fn prefixed(name: &str) -> String { env::var(format!("APP_{name}")).unwrap() }
    """,
}


def test_env_reads_through_helper_functions(tmp_path: Path) -> None:
    facts = make_crate(tmp_path, ENV_HELPER_FILES)
    reads = env_by_name(facts)
    got = {
        name: (r.kind, r.required, r.default, r.location.path.name, r.location.line, r.location.col)
        for name, r in reads.items()
    }
    assert got == {
        # the call site's name argument (a literal, or the const it names)
        "DATABASE_URL": ("runtime", True, None, "main.rs", 6, 23),
        "API_KEY": ("runtime", True, None, "main.rs", 7, 29),
        "PORT": ("runtime", True, None, "main.rs", 8, 37),
        "WORKERS": ("runtime", True, None, "main.rs", 9, 44),
        "REGION": ("runtime", False, "eu", "main.rs", 10, 26),
        # a helper handing the unset case back: the call site decides
        "TOKEN": ("runtime", True, None, "main.rs", 11, 30),
        "OPTIONAL_TOKEN": ("runtime", False, None, "main.rs", 12, 30),
        "WITH_DEFAULT": ("runtime", False, "x", "main.rs", 13, 31),
        # two levels of helpers, across modules and through an alias
        "SECRET_KEY": ("runtime", True, None, "main.rs", 14, 32),
        "TWICE": ("runtime", True, None, "main.rs", 15, 30),
        "MAYBE": ("runtime", False, None, "main.rs", 16, 30),
        "DB_HOST": ("runtime", True, None, "config.rs", 16, 57),
    }


def test_env_helper_reads_in_build_script_and_tests_excluded(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src/main.rs").write_text(
        "fn var_or(k: &str, d: &str) -> String { std::env::var(k).unwrap_or(d.into()) }\n"
        'fn main() { let _ = var_or("LOG", "info"); }\n'
        "#[cfg(test)]\n"
        'mod tests { #[test] fn t() { let _ = super::var_or("ONLY_IN_TESTS", "x"); } }\n'
    )
    (tmp_path / "build.rs").write_text(
        'fn need(k: &str) -> String { std::env::var(k).expect(k) }\nfn main() { let _ = need("TARGET"); }\n'
    )
    facts = analyze_crate(tmp_path, [tmp_path / "src/main.rs"], build_script=tmp_path / "build.rs")
    got = {(r.name, r.required, r.default, r.in_build_script) for r in facts.env_reads}
    assert got == {("LOG", False, "info", False), ("TARGET", True, None, True)}


# --------------------------------------------------------------------------- robustness


def test_parse_error_recorded_and_other_files_still_read(tmp_path: Path) -> None:
    facts = make_crate(
        tmp_path,
        {
            "src/main.rs": """\
            mod broken;
            fn main() { let _ = std::env::var("STILL_READ").unwrap(); }
            """,
            "src/broken.rs": "fn oops( {\n    let x = ;\n}\n",
        },
    )
    assert [r.name for r in facts.env_reads] == ["STILL_READ"]
    assert len(facts.parse_errors) == 1
    err = facts.parse_errors[0]
    assert err.path == tmp_path / "src/broken.rs"
    assert err.line in (1, 2)


def test_unreadable_and_odd_inputs_never_raise(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src/empty.rs").write_bytes(b"")
    (tmp_path / "src/binary.rs").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "src/latin1.rs").write_bytes(
        'fn main() { let _ = std::env::var("CAF\xc9").unwrap(); }'.encode("latin-1")
    )
    deep = "fn main() { let _ = " + "(" * 3000 + "1" + ")" * 3000 + "; }\n"
    (tmp_path / "src/deep.rs").write_text(deep)
    nested_blocks = "fn main() " + "{ " * 2000 + "}" * 2000 + "\n"
    (tmp_path / "src/blocks.rs").write_text(nested_blocks)
    entries = [
        tmp_path / "src" / n for n in ("empty.rs", "binary.rs", "latin1.rs", "deep.rs", "blocks.rs", "missing.rs")
    ]
    facts = analyze_crate(tmp_path, entries)
    err_files = {e.path.name for e in facts.parse_errors}
    assert {"binary.rs", "missing.rs"} <= err_files
    assert "empty.rs" not in err_files
    assert [r.name for r in facts.env_reads] == ["CAF\ufffd"]


def test_parse_cache_reuses_unchanged_files(tmp_path: Path) -> None:
    path = tmp_path / "a.rs"
    path.write_text("fn a() {}\n")
    first = parse_file(path)
    assert parse_file(path) is first
    path.write_text("fn a() { let changed = 1; }\n")
    assert parse_file(path) is not first


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=400) | st.sampled_from([AXUM_MAIN[:n] for n in range(0, len(AXUM_MAIN), 37)]))
def test_arbitrary_text_never_raises(tmp_path: Path, text: str) -> None:
    path = tmp_path / "fuzz.rs"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    facts = analyze_crate(tmp_path, [path])
    assert isinstance(facts, CrateFacts)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzzb.rs"
    path.write_bytes(data)
    assert isinstance(analyze_crate(tmp_path, [path]), CrateFacts)


# --------------------------------------------------------------------------- fixtures


def test_fixture_actix_app() -> None:
    root = FIXTURES / "actix_app"
    facts = analyze_crate(root, [root / "src/main.rs"], build_script=root / "build.rs")
    assert facts.routes_resolved
    assert facts.frameworks == ("actix",)
    assert route_table(facts) == sorted(
        [
            ("/", (), "main.rs", 55, True),
            ("/", ("GET",), "main.rs", 14, False),
            ("/api/health", ("GET",), "health.rs", 3, False),
            ("/api/live", ("GET", "HEAD"), "health.rs", 8, False),
            ("/api/v1/orders", ("POST",), "v1.rs", 3, False),
            ("/api/v1/orders/all", ("GET",), "v1.rs", 19, False),
            ("/api/v1/report", ("GET",), "v1.rs", 20, False),
            ("/echo", ("POST",), "main.rs", 53, False),
            ("/static", (), "main.rs", 54, True),
            ("/status", ("GET", "HEAD"), "main.rs", 49, False),
            ("/users", ("GET",), "routes.rs", 24, False),
            ("/users/{id}", ("DELETE",), "routes.rs", 8, False),
            ("/users/{id}", ("GET",), "routes.rs", 3, False),
            ("/users/{id}", ("PUT",), "routes.rs", 25, False),
        ]
    )
    listen = only_listen(facts)
    assert (listen.host, listen.port, listen.host_env, listen.port_env) == ("0.0.0.0", 8080, "HOST", "PORT")
    got = {(r.name, r.kind, r.required, r.default, r.in_build_script) for r in facts.env_reads}
    assert got == {
        ("HOST", "runtime", False, "0.0.0.0", False),
        ("PORT", "runtime", False, "8080", False),
        ("SESSION_SECRET", "runtime", True, None, False),
        ("CARGO_PKG_VERSION", "compile", True, None, False),
        ("WORKERS", "runtime", False, "4", False),
        ("DATABASE_URL", "runtime", True, None, False),
        ("REDIS_URL", "runtime", False, None, False),
        ("OUT_DIR", "runtime", True, None, True),
        ("GIT_SHA", "runtime", False, None, True),
    }
    assert facts.parse_errors == ()


def test_fixture_axum_ws() -> None:
    root = FIXTURES / "axum_ws"
    facts = analyze_crate(root, [root / "src/main.rs", root / "src/lib.rs"])
    assert facts.routes_resolved
    assert facts.frameworks == ("axum",)
    assert route_table(facts) == sorted(
        [
            ("/", (), "app.rs", 24, True),
            ("/", ("GET",), "app.rs", 19, False),
            ("/api/echo", (), "mod.rs", 24, False),
            ("/api/files/{*path}", ("GET",), "mod.rs", 23, False),
            ("/api/health", ("GET",), "health.rs", 10, False),
            ("/api/ready", ("GET", "HEAD"), "health.rs", 10, False),
            ("/api/users", ("GET", "POST"), "users.rs", 22, False),
            ("/api/users/:id", ("GET", "PUT", "DELETE"), "users.rs", 23, False),
            ("/assets", (), "app.rs", 22, True),
            ("/favicon.ico", (), "app.rs", 23, False),
            ("/ws", ("GET",), "ws.rs", 20, False),
        ]
    )
    listen = only_listen(facts)
    assert (listen.host, listen.port, listen.host_env, listen.port_env, listen.addr_env) == (
        "0.0.0.0",
        3000,
        None,
        "APP_PORT",
        None,
    )
    got = {(r.name, r.required, r.default) for r in facts.env_reads}
    assert got == {
        ("APP_PORT", False, "3000"),
        ("APP_DATABASE_URL", True, None),
        ("APP_LOG_JSON", False, None),
        ("APP_JWT_SECRET", False, None),
        ("APP_REDIS", True, None),
    }
    assert len(facts.files) == 8
