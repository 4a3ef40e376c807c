"""Deduplication benchmark: signing speed per core, and clustering time and peak memory at scale.

    python bench/dedup.py [--sizes 1000000 10000000] [--docs 600]
                          [--distributed-sizes 10000000 50000000] [--executors local:1 local:2 ray:2 cluster:2]

1. Signatures/s on one core over real web text (../shared/data), ours (shingle hashes computed
   together from word hashes, permuted as datasketch does, all at once) against the plain
   per-shingle datasketch loop.
2. Clustering over synthetic signatures (5% exact copies, 5% near copies sharing one band),
   each size in a fresh process so that its peak RSS is the clustering's own.
3. The same, as the dataset command runs it: `deduplicate` with one task per fingerprint column
   on an executor (`ray` starts a local Ray instance, `cluster` a head and a worker node as
   separate processes), each size and executor in a fresh process.
   Wall time of the edge tasks and of the driver's part (components, keepers), peak RSS of the
   driver and of the largest task process, and the driver's growth per document (its peak less
   what it held before dedup started) - the figure that bounds a run's size on one driver.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl
import psutil

for key, value in (("RAY_AUTH_MODE", "token"), ("RAY_AUTH_TOKEN", hashlib.sha256(str(time.time()).encode()).hexdigest()),
                   ("RAY_USAGE_STATS_ENABLED", "0")):
    os.environ.setdefault(key, value)      # before Ray is imported: the nodes and the driver share them

# The repo root replaces this script's folder on the path: no script in bench/ can shadow a package.
sys.path[0] = str(Path(__file__).resolve().parents[1])
from pipeline.dedup.signatures import Signer, normalise  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SHARD_ROWS = 1_000_000


def real_texts(limit: int) -> list[str]:
    texts = [json.loads(line)["text"] for line in open(SHARED / "dclm" / "majority_data.jsonl")]
    texts += [json.loads(line)["text"] for line in gzip.open(SHARED / "dolma" / "CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz")]
    return texts[:limit]


def bench_signing(n_docs: int) -> None:
    from datasketch import MinHash

    texts = real_texts(n_docs)
    megabytes = sum(len(t.encode()) for t in texts) / 1e6
    signer = Signer()
    started = time.perf_counter()
    for text in texts:
        signer.sign(text)
    ours = len(texts) / (time.perf_counter() - started)

    started = time.perf_counter()
    for text in texts:
        plain = MinHash(num_perm=signer.bands * signer.rows, seed=signer.seed)
        words, n = normalise(text).split(), signer.ngram
        for shingle in {" ".join(words[i:i + n]) for i in range(max(1, len(words) - n + 1))}:
            plain.update(shingle.encode())
    baseline = len(texts) / (time.perf_counter() - started)
    print(f"signing {len(texts)} real documents ({megabytes:.1f} MB), one core:")
    print(f"  refinery Signer        {ours:8.0f} docs/s  {ours * megabytes / len(texts):6.2f} MB/s")
    print(f"  datasketch per-shingle {baseline:8.0f} docs/s  {baseline * megabytes / len(texts):6.2f} MB/s")
    print(f"  speed-up               {ours / baseline:8.1f}x")


def make_signatures(folder: Path, n: int, bands: int, seed: int = 0) -> None:
    """n synthetic documents: random bands, with 5% exact copies and 5% near copies of earlier ones."""
    rng = np.random.default_rng(seed)
    for shard, start in enumerate(range(0, n, SHARD_ROWS)):
        rows = min(SHARD_ROWS, n - start)
        cols = {f"band_{b:02d}": rng.integers(0, 2**63, rows, dtype=np.uint64) for b in range(bands)}
        cols["exact"] = rng.integers(0, 2**63, rows, dtype=np.uint64)
        copies = rng.choice(rows, rows // 10, replace=False)
        sources = rng.integers(0, rows, len(copies))
        exact, near = copies[: len(copies) // 2], copies[len(copies) // 2:]
        for name, values in cols.items():
            if name == "exact" or name.startswith("band"):
                values[exact] = values[sources[: len(exact)]]
        cols["band_00"][near] = cols["band_00"][sources[len(exact):]]
        ids = pl.int_range(start, start + rows, eager=True).cast(pl.String)
        frame = pl.DataFrame({"doc_id": ids.str.zfill(32), "url": "https://site.test/page/" + ids,
                              "shard": pl.repeat(shard, rows, dtype=pl.Int32, eager=True),
                              "row": pl.int_range(0, rows, eager=True), **cols})
        frame.write_parquet(folder / f"part-{shard:05d}.parquet")


def cluster_in_this_process(folder: str, bands: int) -> None:
    from pipeline.dedup.clusters import find_clusters

    started = time.perf_counter()
    clusters = find_clusters([str(p) for p in sorted(Path(folder).glob("part-*.parquet"))], bands)
    seconds = time.perf_counter() - started
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6   # kB on Linux
    print(json.dumps({"seconds": seconds, "peak_rss_gb": peak_gb, "clustered": clusters.height,
                      "dropped": int((~clusters["kept"]).sum())}))


def _measured_task(fn, **kwargs):
    """A task as the bench runs it: its result, and the peak RSS of the process that ran it."""
    return fn(**kwargs), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class MeasuredExecutor:
    """An executor that also notes the tasks' wall time and each task process's peak RSS."""

    def __init__(self, pool):
        self.pool, self.task_seconds, self.task_peaks = pool, 0.0, []

    def run(self, fn, tasks, label, **options):
        started = time.perf_counter()
        results = self.pool.run(_measured_task, [dict(fn=fn, **task) for task in tasks], label, **options)
        self.task_seconds += time.perf_counter() - started
        self.task_peaks += [r[1] for r in results if isinstance(r, tuple)]
        return [r[0] if isinstance(r, tuple) else r for r in results]


def distributed_in_this_process(folder: str, executor: str, workers: int, bands: int) -> None:
    from pipeline.dedup.clusters import deduplicate
    from pipeline.executors import make_executor
    from pipeline.layout import RunLayout

    run = RunLayout(folder)
    cluster = None
    if executor == "cluster":       # a real two-node Ray cluster on this machine (tests/ray_cluster.py)
        from tests.ray_cluster import RayCluster

        cluster = RayCluster(cpus_per_node=max(1, workers // 2)).__enter__()
    pool = MeasuredExecutor(make_executor("ray" if cluster else executor, workers, cluster and cluster.address))
    try:
        pool.run(time.time, [{}], "start the executor")     # Ray connects lazily: not dedup's memory
        pool.task_seconds, pool.task_peaks = 0.0, []
        held_before = psutil.Process().memory_info().rss
        started = time.perf_counter()
        clusters = deduplicate(run, bands, pool)
        seconds = time.perf_counter() - started
    finally:
        pool.pool.close()
        if cluster:
            cluster.stop()
    n = sum(pl.scan_parquet(p).select(pl.len()).collect().item() for p in (run.root / "minhash").glob("*.parquet"))
    driver_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"seconds": seconds, "task_seconds": pool.task_seconds, "driver_peak_gb": driver_peak / 1e9,
                      "task_peak_gb": max(pool.task_peaks) / 1e9, "driver_bytes_per_doc": (driver_peak - held_before) / n,
                      "dropped": int((~clusters["kept"]).sum()),
                      "sha256": hashlib.sha256(run.clusters.read_bytes()).hexdigest()}))


def bench_distributed(sizes: list[int], executors: list[str], bands: int = 14) -> None:
    print("clustering as `refinery dataset` runs it: one task per fingerprint column on an executor,\n"
          "components and keepers on the driver; each size and executor in a fresh process:")
    for n in sizes:
        with tempfile.TemporaryDirectory() as folder:
            (Path(folder) / "minhash").mkdir()
            make_signatures(Path(folder) / "minhash", n, bands)
            hashes = set()
            for spec in executors:
                executor, workers = spec.split(":")
                done = subprocess.run([sys.executable, __file__, "--distributed-folder", folder, "--executor", executor,
                                       "--workers", workers], capture_output=True, text=True)
                if done.returncode:
                    print(f"  {n:>11,} docs, {spec:8}: failed (exit {done.returncode}): "
                          f"{(done.stderr.strip().splitlines() or ['killed, out of memory?'])[-1]}")
                    continue
                r = json.loads(done.stdout.strip().splitlines()[-1])
                hashes.add(r["sha256"])
                print(f"  {n:>11,} docs, {spec:8}: {r['seconds']:6.1f} s (edge tasks {r['task_seconds']:5.1f} s, "
                      f"driver {r['seconds'] - r['task_seconds']:5.1f} s), peak RSS driver {r['driver_peak_gb']:.2f} GB, "
                      f"largest task process {r['task_peak_gb']:.2f} GB; driver +{r['driver_bytes_per_doc']:.0f} "
                      f"bytes/doc, {r['dropped']:,} copies found")
            print(f"  {n:>11,} docs: {'the same' if len(hashes) == 1 else 'DIFFERENT'} clusters.parquet on every executor")


def bench_clustering(sizes: list[int], bands: int = 14) -> None:
    print("clustering synthetic signatures (14 bands), each in a fresh process:")
    for n in sizes:
        with tempfile.TemporaryDirectory() as folder:
            make_signatures(Path(folder), n, bands)
            out = subprocess.run([sys.executable, __file__, "--cluster-folder", folder], check=True,
                                 capture_output=True, text=True).stdout
            r = json.loads(out.strip().splitlines()[-1])
            print(f"  {n:>11,} docs: {r['seconds']:6.1f} s, {n / r['seconds']:10,.0f} docs/s, "
                  f"peak RSS {r['peak_rss_gb']:.2f} GB, {r['dropped']:,} copies found")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--docs", type=int, default=600, help="real documents to sign")
    ap.add_argument("--distributed-sizes", type=int, nargs="*", default=[10_000_000, 50_000_000])
    ap.add_argument("--executors", nargs="+", default=["local:1", "local:2", "ray:2", "cluster:2"],
                    help="EXECUTOR:WORKERS; `ray` a local Ray instance, `cluster` a two-node Ray cluster")
    ap.add_argument("--cluster-folder", help=argparse.SUPPRESS)
    ap.add_argument("--distributed-folder", help=argparse.SUPPRESS)
    ap.add_argument("--executor", help=argparse.SUPPRESS)
    ap.add_argument("--workers", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.cluster_folder:
        cluster_in_this_process(args.cluster_folder, 14)
        return
    if args.distributed_folder:
        distributed_in_this_process(args.distributed_folder, args.executor, args.workers, 14)
        return
    if SHARED.is_dir():
        bench_signing(args.docs)
    else:
        print(f"skipping the signing benchmark: {SHARED} is absent")
    bench_clustering(args.sizes)
    bench_distributed(args.distributed_sizes, args.executors)


if __name__ == "__main__":
    main()
