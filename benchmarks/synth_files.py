"""A synthetic service whose crate has N Rust files (1 to 10,000): the files-per-crate axis of the benchmarks.

The crate is an axum backend laid out as real ones are: ``main.rs`` nests one router per module group,
each group's ``mod.rs`` merges the routers of its files, and every file holds handlers, a struct with an
``impl``, an error enum, environment reads with defaults and a ``#[cfg(test)]`` module: about 2.5 KB of
ordinary code per file. The project around it is one compose service with a Dockerfile, so the run
exercises the whole pipeline (service → build → crate → routes, env reads, listen address).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

PER_GROUP = 100


def _leaf(i: int) -> str:
    return textwrap.dedent(
        f"""\
        //! Resource {i}: storage, validation and HTTP handlers.
        use axum::{{extract::{{Path, State}}, routing::{{get, post}}, Json, Router}};
        use serde::{{Deserialize, Serialize}};
        use std::collections::HashMap;
        use std::sync::{{Arc, Mutex}};

        #[derive(Debug, Clone, Serialize, Deserialize)]
        pub struct Item{i} {{
            pub id: u64,
            pub name: String,
            pub tags: Vec<String>,
        }}

        #[derive(Debug)]
        pub enum Error{i} {{
            NotFound(u64),
            Invalid(String),
        }}

        #[derive(Default)]
        pub struct Store{i} {{
            items: Mutex<HashMap<u64, Item{i}>>,
        }}

        impl Store{i} {{
            pub fn get(&self, id: u64) -> Result<Item{i}, Error{i}> {{
                self.items.lock().unwrap().get(&id).cloned().ok_or(Error{i}::NotFound(id))
            }}

            pub fn put(&self, item: Item{i}) -> Result<(), Error{i}> {{
                if item.name.trim().is_empty() {{
                    return Err(Error{i}::Invalid("empty name".into()));
                }}
                let limit: usize = std::env::var("ITEM{i}_LIMIT").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
                let mut items = self.items.lock().unwrap();
                if items.len() >= limit {{
                    return Err(Error{i}::Invalid(format!("more than {{limit}} items")));
                }}
                items.insert(item.id, item);
                Ok(())
            }}
        }}

        async fn show(State(store): State<Arc<Store{i}>>, Path(id): Path<u64>) -> Json<Option<Item{i}>> {{
            Json(store.get(id).ok())
        }}

        async fn create(State(store): State<Arc<Store{i}>>, Json(item): Json<Item{i}>) -> &'static str {{
            match store.put(item) {{
                Ok(()) => "created",
                Err(Error{i}::Invalid(_)) | Err(Error{i}::NotFound(_)) => "rejected",
            }}
        }}

        pub fn routes() -> Router {{
            let store = Arc::new(Store{i}::default());
            Router::new()
                .route("/r{i}/:id", get(show))
                .route("/r{i}", post(create))
                .with_state(store)
        }}

        #[cfg(test)]
        mod tests {{
            use super::*;

            #[test]
            fn rejects_empty_names() {{
                let store = Store{i}::default();
                let item = Item{i} {{ id: 1, name: " ".into(), tags: vec![] }};
                assert!(store.put(item).is_err());
            }}
        }}
        """
    )


def generate_crate(root: Path, files: int) -> None:
    """Write the project: compose.yaml, the service's Dockerfile and a crate of ``files`` .rs files."""
    crate = root / "backend"
    src = crate / "src"
    src.mkdir(parents=True)
    groups = max((files - 1 + PER_GROUP - 1) // PER_GROUP, 0)  # main.rs is one of the files
    left = files - 1 - groups  # each group's mod.rs counts too
    for g in range(groups):
        n = min(PER_GROUP - 1, max(left, 0))
        left -= n
        names = [f"f{g}_{k}" for k in range(n)]
        gdir = src / f"g{g}"
        gdir.mkdir()
        for k, name in enumerate(names):
            (gdir / f"{name}.rs").write_text(_leaf(g * PER_GROUP + k))
        merges = "".join(f"        .merge({name}::routes())\n" for name in names)
        (gdir / "mod.rs").write_text(
            "".join(f"pub mod {name};\n" for name in names)
            + "\nuse axum::Router;\n\npub fn routes() -> Router {\n    Router::new()\n"
            + merges
            + "}\n"
        )
    nests = "".join(f'        .nest("/g{g}", g{g}::routes())\n' for g in range(groups))
    (src / "main.rs").write_text(
        "".join(f"mod g{g};\n" for g in range(groups))
        + textwrap.dedent(
            """\
            use axum::{routing::get, Router};

            #[tokio::main]
            async fn main() {
                let port = std::env::var("PORT").unwrap_or_else(|_| "8080".into());
                let _db = std::env::var("DATABASE_URL").expect("DATABASE_URL");
                let app = Router::new()
                    .route("/health", get(|| async { "ok" }))
            """
        )
        + nests
        + textwrap.dedent(
            """\
                ;
                let listener = tokio::net::TcpListener::bind(format!("0.0.0.0:{port}")).await.unwrap();
                axum::serve(listener, app).await.unwrap();
            }
            """
        )
    )
    (crate / "Cargo.toml").write_text(
        '[package]\nname = "backend"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n'
        'axum = "0.7"\nserde = { version = "1", features = ["derive"] }\n'
        'tokio = { version = "1", features = ["full"] }\n'
    )
    (crate / "Dockerfile").write_text(
        textwrap.dedent(
            """\
            FROM rust:1.80-slim AS builder
            WORKDIR /src
            COPY . .
            RUN cargo build --release

            FROM debian:bookworm-slim
            RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
            COPY --from=builder /src/target/release/backend /usr/local/bin/backend
            USER 10001
            CMD ["/usr/local/bin/backend"]
            """
        )
    )
    (crate / ".dockerignore").write_text("target/\n")
    (root / "compose.yaml").write_text(
        textwrap.dedent(
            """\
            services:
              backend:
                build: ./backend
                init: true
                environment:
                  PORT: "8080"
                  DATABASE_URL: postgres://app:app@db:5432/app
                ports:
                  - "8080:8080"
                healthcheck:
                  test: ["CMD", "curl", "-f", "http://localhost:8080/health"]
                  start_period: 20s
            """
        )
    )
