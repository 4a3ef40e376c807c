"""Pipeline benchmark: documents/s and MB/s per core for every stage, on real pages.

    python bench/pipeline.py [--corpus DIR] [--files 1] [--recipe recipes/fineweb.toml]

Runs the recipe's per-shard steps in this one process (so the figures are per core) over
WARC files of a make_corpus corpus (built in a temporary folder when --corpus is not given),
timing each stage separately: the reader, then each filter over a file's documents, in the
batches a run gives it (language ID, extraction: its time is the wall time of the exchanges with
its watchdog child, which extracts while this process waits). MB are what each stage receives:
compressed WARC bytes for the reader, the HTTP body for `read`, decoded HTML for `extract`,
text after that.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from bench.shared_corpus import corpus_folder  # noqa: E402
from pipeline.read import read_warc  # noqa: E402
from pipeline.recipe import load_recipe  # noqa: E402
from pipeline.stage import batch_size, decide  # noqa: E402
from pipeline.tasks import map_steps  # noqa: E402

def timed_reader(path: str, max_bytes: int, totals: dict):
    it = read_warc(path, max_bytes)
    while True:
        started = time.perf_counter()
        doc = next(it, None)
        totals["reader"]["seconds"] += time.perf_counter() - started
        if doc is None:
            return
        totals["reader"]["docs"] += 1
        yield doc


def run(paths: list[str], recipe_path: str) -> dict:
    steps = map_steps(load_recipe(recipe_path))
    reader = steps[0]
    totals = defaultdict(lambda: {"docs": 0, "bytes": 0, "seconds": 0.0, "kept": 0})
    for path in paths:
        totals["reader"]["bytes"] += Path(path).stat().st_size
        docs = list(timed_reader(path, reader.max_payload_bytes, totals))
        for step in steps:      # each step over the file's documents, in batches where a run batches it
            entry = totals[step.name]
            entry["docs"] += len(docs)
            entry["bytes"] += sum(doc.size() for doc in docs)
            size, kept = batch_size(step), []
            for at in range(0, len(docs), size):
                batch = docs[at:at + size]
                started = time.perf_counter()
                decisions = decide(step, batch)
                entry["seconds"] += time.perf_counter() - started
                kept += [doc for doc, decision in zip(batch, decisions) if decision.kept]
            entry["kept"] += len(kept)
            docs = kept
    totals["reader"]["kept"] = totals["reader"]["docs"]
    return totals


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", help="a make_corpus folder (default: build one with seed 0)")
    ap.add_argument("--files", type=int, default=1, help="how many of its WARC files to run")
    ap.add_argument("--recipe", default=str(REPO / "recipes" / "fineweb.toml"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = corpus_folder(args.corpus, tmp)
        paths = sorted(str(p) for p in corpus.glob("*.warc.gz"))[: args.files]
        started = time.perf_counter()
        totals = run(paths, args.recipe)
        wall = time.perf_counter() - started
    print(f"recipe {Path(args.recipe).name}, {len(paths)} WARC file(s), one core, {wall:.1f} s in all\n")
    print(f"{'stage':<20}{'docs in':>9}{'kept':>9}{'docs/s':>10}{'MB in':>9}{'MB/s':>8}{'share':>8}")
    spent = sum(t["seconds"] for t in totals.values())
    for name, t in totals.items():
        s = max(t["seconds"], 1e-9)
        print(f"{name:<20}{t['docs']:>9,}{t['kept']:>9,}{t['docs'] / s:>10,.0f}{t['bytes'] / 1e6:>9.1f}"
              f"{t['bytes'] / 1e6 / s:>8.1f}{t['seconds'] / spent:>8.0%}")
    final = list(totals.values())[-1]["kept"]
    print(f"\nend to end: {totals['reader']['docs'] / wall:,.0f} records/s, {final / wall:,.1f} kept docs/s, "
          f"{totals['reader']['bytes'] / 1e6 / wall:.2f} MB/s of WARC per core")


if __name__ == "__main__":
    main()
