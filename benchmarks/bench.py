"""End-to-end cost of ``viworks-lint`` on synthetic monorepos of 1 to 500 services.

Each service gets a compose entry (build context, healthcheck, environment, port), a two-stage
Dockerfile, a .dockerignore and a crate (Cargo.toml + src/main.rs with a few actix-web or axum routes
and env reads). The CLI runs as a fresh subprocess per measurement (``--format json``); wall time and
peak RSS are taken from a small wrapper process, so every run's ``RUSAGE_CHILDREN`` high-water mark
is its own. Also measured: interpreter startup, the import time of ``viworks_lint.cli`` and of
everything a run imports, and the demo project when ``tests/fixtures/demo/broken`` exists.

Run: ``python benchmarks/bench.py`` (``--sizes 1,10,100``, ``--repeat 3``, ``--profile 500`` for a
cProfile of one in-process run). Not a test; prints a table.

Targets: demo < 0.2 s, 500 services < 10 s.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "tests" / "fixtures" / "demo" / "broken"
DEMO_TARGET_S = 0.2
N500_TARGET_S = 10.0
# What a lint run imports: the CLI, the pipeline and every rule module.
RUN_IMPORTS = (
    "import viworks_lint.cli, viworks_lint.engine, viworks_lint.project, viworks_lint.reporters, "
    "viworks_lint.rule as r; r.all_rules()"
)

# Runs a command and prints its wall time and peak RSS (KiB on Linux, bytes on macOS) as JSON.
_WRAPPER = textwrap.dedent(
    """
    import json, resource, subprocess, sys, time
    t0 = time.perf_counter()
    proc = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if sys.platform == "darwin":
        rss //= 1024
    out = proc.stdout.decode("utf-8", "replace")
    try:
        findings = len(json.loads(out)["findings"])
    except Exception:
        findings = -1
    err = proc.stderr.decode("utf-8", "replace")[-2000:]
    print(json.dumps({"wall": wall, "rss_kb": rss, "rc": proc.returncode, "findings": findings, "stderr": err}))
    """
)


# ----------------------------------------------------------------------------------------- generator


def _actix_main(i: int) -> str:
    return textwrap.dedent(
        f"""\
        use actix_web::{{get, post, web, App, HttpResponse, HttpServer, Responder}};
        use std::env;

        #[get("/health")]
        async fn health() -> impl Responder {{
            HttpResponse::Ok().body("ok")
        }}

        #[get("/items/{{id}}")]
        async fn get_item(path: web::Path<u32>) -> impl Responder {{
            let prefix = env::var("SVC{i}_PREFIX").unwrap_or_else(|_| "item".to_string());
            HttpResponse::Ok().body(format!("{{prefix}}-{{}}", path.into_inner()))
        }}

        #[post("/items")]
        async fn create_item(body: String) -> impl Responder {{
            let limit: usize = env::var("SVC{i}_LIMIT").ok().and_then(|v| v.parse().ok()).unwrap_or(64);
            HttpResponse::Created().body(body.chars().take(limit).collect::<String>())
        }}

        #[actix_web::main]
        async fn main() -> std::io::Result<()> {{
            let database_url = env::var("DATABASE_URL").expect("DATABASE_URL must be set");
            let port: u16 = env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(8080);
            println!("svc{i} using {{database_url}}");
            HttpServer::new(|| App::new().service(health).service(get_item).service(create_item))
                .bind(("0.0.0.0", port))?
                .run()
                .await
        }}
        """
    )


def _axum_main(i: int) -> str:
    return textwrap.dedent(
        f"""\
        use axum::{{extract::Path, routing::{{get, post}}, Router}};
        use std::env;

        async fn health() -> &'static str {{
            "ok"
        }}

        async fn get_order(Path(id): Path<u64>) -> String {{
            let region = env::var("SVC{i}_REGION").unwrap_or_else(|_| "eu".into());
            format!("{{region}}:{{id}}")
        }}

        async fn create_order(body: String) -> String {{
            body
        }}

        #[tokio::main]
        async fn main() {{
            let _redis = env::var("REDIS_URL").expect("REDIS_URL");
            let port = env::var("PORT").unwrap_or_else(|_| "8080".into());
            let app = Router::new()
                .route("/health", get(health))
                .route("/orders/:id", get(get_order))
                .route("/orders", post(create_order));
            let listener = tokio::net::TcpListener::bind(format!("0.0.0.0:{{port}}")).await.unwrap();
            axum::serve(listener, app).await.unwrap();
        }}
        """
    )


def _dockerfile(name: str) -> str:
    return textwrap.dedent(
        f"""\
        # syntax=docker/dockerfile:1
        FROM rust:1.80-slim AS builder
        WORKDIR /src
        COPY Cargo.toml ./
        COPY src ./src
        RUN cargo build --release --locked

        FROM debian:bookworm-slim AS runtime
        RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates \\
            && rm -rf /var/lib/apt/lists/*
        COPY --from=builder /src/target/release/{name} /usr/local/bin/{name}
        USER 10001
        EXPOSE 8080
        CMD ["/usr/local/bin/{name}"]
        """
    )


def _cargo_toml(name: str, axum: bool) -> str:
    deps = 'axum = "0.7"\ntokio = { version = "1", features = ["full"] }' if axum else 'actix-web = "4"'
    return f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n{deps}\n'


def _service(i: int, name: str, axum: bool) -> str:
    env = "REDIS_URL: redis://cache:6379" if axum else "DATABASE_URL: postgres://app:app@db:5432/app"
    return textwrap.indent(
        textwrap.dedent(
            f"""\
            {name}:
              build:
                context: ./services/{name}
                target: runtime
              init: true
              environment:
                PORT: "8080"
                RUST_LOG: ${{RUST_LOG:-info}}
                {env}
              ports:
                - "{10000 + i}:8080"
              healthcheck:
                test: ["CMD", "curl", "-f", "http://localhost:8080/health"]
                interval: 10s
                timeout: 3s
                retries: 3
                start_period: 20s
            """
        ),
        "  ",
    )


def generate(root: Path, n: int) -> None:
    services = []
    for i in range(n):
        name = f"svc{i:03d}"
        axum = i % 2 == 1
        crate = root / "services" / name
        (crate / "src").mkdir(parents=True)
        (crate / "Dockerfile").write_text(_dockerfile(name))
        (crate / ".dockerignore").write_text("target/\n.git\n*.md\n")
        (crate / "Cargo.toml").write_text(_cargo_toml(name, axum))
        (crate / "src" / "main.rs").write_text(_axum_main(i) if axum else _actix_main(i))
        services.append(_service(i, name, axum))
    (root / ".env").write_text("RUST_LOG=info\nCOMPOSE_PROJECT_NAME=bench\n")
    (root / "compose.yaml").write_text("services:\n" + "".join(services))


# ----------------------------------------------------------------------------------------- measuring


@dataclass
class Run:
    wall: float
    rss_mb: float
    rc: int
    findings: int
    stderr: str


def measure(args: list[str], cwd: Path | None = None) -> Run:
    proc = subprocess.run([sys.executable, "-c", _WRAPPER, *args], cwd=cwd, capture_output=True, text=True, check=True)
    data = json.loads(proc.stdout)
    return Run(data["wall"], data["rss_kb"] / 1024, data["rc"], data["findings"], data["stderr"])


def best_of(args: list[str], repeat: int, cwd: Path | None = None) -> Run:
    runs = [measure(args, cwd) for _ in range(max(repeat, 1))]
    best = min(runs, key=lambda r: r.wall)
    best.rss_mb = max(r.rss_mb for r in runs)
    return best


def lint_args(path: Path) -> list[str]:
    return [sys.executable, "-m", "viworks_lint", str(path), "--format", "json", "--no-color"]


def import_times(repeat: int) -> dict[str, float]:
    bare = best_of([sys.executable, "-c", "pass"], repeat).wall
    cli = best_of([sys.executable, "-c", "import viworks_lint.cli"], repeat).wall
    full = best_of([sys.executable, "-c", RUN_IMPORTS], repeat).wall
    return {"bare": bare, "cli": cli - bare, "full": full - bare}


def heaviest_imports(limit: int = 8) -> list[tuple[float, str]]:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", RUN_IMPORTS], capture_output=True, text=True)
    rows: list[tuple[float, str]] = []
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if m and len(m.group(3)) <= 2:  # top-level imports only (their cumulative time includes children)
            rows.append((int(m.group(2)) / 1e6, m.group(4)))
    return sorted(rows, reverse=True)[:limit]


def profile(n: int, limit: int = 25) -> None:
    import cProfile
    import pstats

    from click.testing import CliRunner
    from viworks_lint.cli import cli

    with tempfile.TemporaryDirectory(prefix="vwl-bench-") as d:
        root = Path(d)
        generate(root, n)
        prof = cProfile.Profile()
        prof.enable()
        CliRunner().invoke(cli, [str(root), "--format", "json", "--no-color"])
        prof.disable()
    print(f"\ncProfile of one in-process run on {n} services (by internal time):")
    pstats.Stats(prof).sort_stats("tottime").print_stats(limit)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1,10,100,500", help="comma-separated service counts")
    ap.add_argument("--repeat", type=int, default=3, help="runs per size below 500 (best wall time is kept)")
    ap.add_argument("--profile", type=int, metavar="N", help="also print a cProfile of an in-process run on N services")
    opts = ap.parse_args()
    sizes = [int(s) for s in opts.sizes.split(",") if s.strip()]

    print(f"python {sys.version.split()[0]} on {sys.platform}, {os.cpu_count()} CPUs\n")
    imp = import_times(5)
    print(f"interpreter startup (python -c pass)          {imp['bare'] * 1000:7.1f} ms")
    print(f"import viworks_lint.cli (minus startup)       {imp['cli'] * 1000:7.1f} ms")
    print(f"import everything a run needs (minus startup) {imp['full'] * 1000:7.1f} ms")
    print("heaviest top-level imports (cumulative, -X importtime):")
    for secs, mod in heaviest_imports():
        print(f"    {secs * 1000:7.1f} ms  {mod}")
    print()

    if DEMO.is_dir():
        demo = best_of(lint_args(DEMO), 5)
        verdict = "ok" if demo.wall < DEMO_TARGET_S else f"over the {DEMO_TARGET_S:.1f} s target"
        print(
            f"demo (tests/fixtures/demo/broken): {demo.wall:.3f} s, {demo.rss_mb:.0f} MB, "
            f"{demo.findings} findings, exit {demo.rc} -- {verdict}\n"
        )
    else:
        print("demo: tests/fixtures/demo/broken not found, skipped\n")

    columns = [("services", 8), ("files", 6), ("wall s", 8), ("lint s", 8), ("ms/svc", 8), ("marginal", 9)]
    header = " ".join(f"{name:>{width}}" for name, width in [*columns, ("peak MB", 8), ("findings", 9)])
    print(header)
    print("-" * len(header))
    rows: list[tuple[int, float]] = []
    base = imp["bare"] + imp["full"]
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="vwl-bench-") as d:
            root = Path(d)
            generate(root, n)
            files = sum(1 for p in root.rglob("*") if p.is_file())
            run = best_of(lint_args(root), opts.repeat if n < 500 else 1)
        if run.rc not in (0, 1):
            print(f"{n:>8} run failed (exit {run.rc}):\n{run.stderr}")
            continue
        lint = max(run.wall - base, 0.0)
        marginal = ""
        if rows:
            pn, pt = rows[-1]
            marginal = f"{(run.wall - pt) / (n - pn) * 1000:7.2f}ms"
        rows.append((n, run.wall))
        print(
            f"{n:>8} {files:>6} {run.wall:>8.3f} {lint:>8.3f} {lint / n * 1000:>8.2f} {marginal:>9} "
            f"{run.rss_mb:>8.0f} {run.findings:>9}"
        )
    print("\nwall s: whole process; lint s: wall minus startup and imports; marginal: extra ms per added service")

    if len(rows) >= 3:
        (n1, t1), (n2, t2), (n3, t3) = rows[-3], rows[-2], rows[-1]
        early = (t2 - t1) / (n2 - n1)
        late = (t3 - t2) / (n3 - n2)
        ratio = late / early if early > 0 else float("inf")
        shape = "looks linear" if ratio < 1.5 else "looks SUPERLINEAR"
        print(
            f"cost per added service: {early * 1000:.2f} ms ({n1}->{n2}) vs {late * 1000:.2f} ms ({n2}->{n3}), "
            f"ratio {ratio:.2f}: {shape}"
        )
    for n, t in rows:
        if n == 500:
            verdict = "ok" if t < N500_TARGET_S else f"over the {N500_TARGET_S:.0f} s target"
            print(f"500 services: {t:.2f} s -- {verdict}")

    if opts.profile:
        profile(opts.profile)


if __name__ == "__main__":
    main()
