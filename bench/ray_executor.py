"""Ray benchmark: the same corpus through the local and the Ray executor, and Ray's cost per task.
(Not bench/ray.py: a script's folder comes first on sys.path, and that name would shadow Ray.)

    python bench/ray_executor.py [--corpus DIR] [--workers 2] [--recipe recipes/fineweb.toml]

Runs `refinery dataset` over a make_corpus corpus (built in a temporary folder when --corpus is
not given) with `--executor local` and `--executor ray` (a local Ray instance of --workers
CPUs), checks that both keep the same documents, and prints wall time and documents per second
per core for each; then times 200 trivial tasks on each executor: the overhead a task costs
(against shards that take minutes on a real crawl).
"""
from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
for key, value in (("RAY_AUTH_MODE", "token"), ("RAY_AUTH_TOKEN", secrets.token_hex(32)), ("RAY_USAGE_STATS_ENABLED", "0")):
    os.environ.setdefault(key, value)      # before Ray is imported (the executor imports it)

import polars as pl  # noqa: E402

from bench.shared_corpus import corpus_folder  # noqa: E402
from pipeline.executors import make_executor  # noqa: E402
from tests.child_targets import square  # noqa: E402

def dataset(corpus: Path, out: Path, recipe: str, workers: int, executor: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pipeline.cli", "dataset", "--input", str(corpus), "--out", str(out),
                    "--recipe", recipe, "--workers", str(workers), "--executor", executor],
                   cwd=REPO, check=True, capture_output=True)
    return time.perf_counter() - started


def per_task(executor: str, workers: int, tasks: int = 200) -> float:
    pool = make_executor(executor, workers)
    try:
        pool.run(square, [dict(x=1)], "warm up")                  # start the workers (or the Ray instance)
        started = time.perf_counter()
        pool.run(square, [dict(x=i) for i in range(tasks)], "trivial tasks")
        return (time.perf_counter() - started) / tasks
    finally:
        pool.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", help="a make_corpus folder (default: build one with seed 0)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--recipe", default=str(REPO / "recipes" / "fineweb.toml"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = corpus_folder(args.corpus, tmp)
        seconds, finals = {}, {}
        for executor in ("local", "ray"):
            out = Path(tmp) / executor
            seconds[executor] = dataset(corpus, out, args.recipe, args.workers, executor)
            finals[executor] = pl.read_parquet(out / "final" / "*.parquet").select("id", "text").sort("id")
        records = pl.read_parquet(Path(tmp) / "local" / "ledger" / "part-*.parquet").filter(pl.col("stage") == "read").height
        print(f"{len(list(corpus.glob('*.warc.gz')))} WARC files, {records:,} records, recipe {Path(args.recipe).name}, "
              f"{args.workers} workers; same documents kept: {finals['local'].equals(finals['ray'])}\n")
        print(f"{'executor':<10}{'wall s':>9}{'records/s':>12}{'records/s/core':>16}{'s per task':>13}")
        for executor in ("local", "ray"):
            s = seconds[executor]
            print(f"{executor:<10}{s:>9.1f}{records / s:>12,.0f}{records / s / args.workers:>16,.0f}"
                  f"{per_task(executor, args.workers) * 1e3:>11.2f}ms")
        print(f"\nray / local wall time: {seconds['ray'] / seconds['local']:.2f}x")


if __name__ == "__main__":
    main()
