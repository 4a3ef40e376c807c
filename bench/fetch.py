"""Fetch benchmark: MB/s from a Common Crawl mirror on 127.0.0.1, clean and under faults.

    python bench/fetch.py [--corpus DIR] [--scale 2]

Serves a make_corpus corpus (built in a temporary folder when --corpus is not given) through
tests/crawl_server.py and measures, each in this one process:
  - `refinery fetch` (4 connections) into a temporary folder, gzip verification included (a
    full decompression of every file: on a fast link it, not the network, sets the pace);
  - a streamed read (RemoteFile, as `dataset --input cc:` reads) of every file, and the same
    files read from local disk for comparison;
under no faults, a storm (a quarter of requests throttled, a quarter cut midway) and the storm
with stalls. Retries wait 10 ms here: the figures are the client's own cost, not a server's
Retry-After.
"""
from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from bench.shared_corpus import corpus_folder  # noqa: E402
from pipeline.fetch import fetch_crawl  # noqa: E402
from pipeline.sources.remote import RemoteFile  # noqa: E402
from pipeline.sources.retry import RetryPolicy  # noqa: E402
from tests.crawl_server import CrawlServer, Faults  # noqa: E402

POLICY = RetryPolicy(backoff=0.01, max_backoff=0.05, stall_timeout=0.5)
SCENARIOS = {"clean": Faults(),
             "storm": Faults(throttle=0.25, cut=0.25, seed=1),
             "storm+stalls": Faults(throttle=0.25, cut=0.25, stall=0.15, stall_seconds=1.0, seed=2)}


def measure(warcs: list[Path], faults: Faults, out: Path) -> dict:
    size = sum(w.stat().st_size for w in warcs)
    with CrawlServer(warcs, faults=faults) as server:
        started = time.perf_counter()
        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):   # the summary and bar
            code = fetch_crawl(server.crawl, str(out), base=server.url, parallel=4, policy=POLICY)
        fetch_s = time.perf_counter() - started
        started = time.perf_counter()
        for path in server.paths:
            with RemoteFile(f"{server.url}/{path}", POLICY) as remote:
                while remote.read(1 << 20):
                    pass
        stream_s = time.perf_counter() - started
        requests = len(server.log)
        hit = {kind: sum(entry[3] == kind for entry in server.log) for kind in ("throttle", "cut", "stall")}
    assert code == 0, "fetch failed"
    return {"MB": size / 1e6, "fetch MB/s": size / 1e6 / fetch_s, "stream MB/s": size / 1e6 / stream_s,
            "requests": requests,
            "faults": " ".join(f"{k} {v}" for k, v in hit.items() if v) or "-"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", help="a make_corpus folder (default: build one with seed 0)")
    ap.add_argument("--scale", type=float, default=1.0, help="make_corpus --scale when building one")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = corpus_folder(args.corpus, tmp, scale=args.scale)
        warcs = sorted(corpus.glob("*.warc.gz"))
        started = time.perf_counter()
        for warc in warcs:
            with open(warc, "rb") as fh:
                while fh.read(1 << 20):
                    pass
        disk = sum(w.stat().st_size for w in warcs) / 1e6 / (time.perf_counter() - started)
        print(f"{len(warcs)} WARC files, local disk read {disk:,.0f} MB/s (page cache)\n")
        print(f"{'scenario':<14}{'MB':>8}{'fetch MB/s':>12}{'stream MB/s':>13}{'requests':>10}  faults served")
        base = None
        for name, faults in SCENARIOS.items():
            r = measure(warcs, faults, Path(tmp) / name)
            base = base or r
            print(f"{name:<14}{r['MB']:>8.1f}{r['fetch MB/s']:>12.1f}{r['stream MB/s']:>13.1f}"
                  f"{r['requests']:>10}  {r['faults']}"
                  + ("" if r is base else f"  (fetch {r['fetch MB/s'] / base['fetch MB/s']:.2f}x clean, "
                                          f"stream {r['stream MB/s'] / base['stream MB/s']:.2f}x)"))


if __name__ == "__main__":
    main()
