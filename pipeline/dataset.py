"""`refinery dataset`: WARC files in, RUN/final/ out, every decision in RUN/ledger/.

    map    per shard: read -> the recipe's steps before dedup -> docs/ + ledger/
    dedup  across all shards (when the recipe lists it)
    final  per shard: docs/ -> the recipe's steps after dedup -> final/

A run folder remembers its inputs and recipe. Rerunning the same command resumes: finished
shards are skipped by their completion markers. Rerunning with other inputs or another recipe
is refused rather than mixing two corpora in one folder.
"""
from __future__ import annotations

import json
import os

import fsspec
import polars as pl

from .dedup.clusters import deduplicate
from .dedup.signatures import Signer
from .errors import RefineryError
from .executors import make_executor
from .layout import RunLayout
from .recipe import Recipe
from .sources import expand_inputs
from .tasks import final_shard, map_shard


def prepare_run(run: RunLayout, sources: list[str], recipe: Recipe) -> None:
    """Write the run's manifest, or check that an existing run was made the same way."""
    manifest = [{"shard": i, "source": s} for i, s in enumerate(sources)]
    if run.inputs.exists():
        if json.loads(run.inputs.read_text()) != manifest:
            raise RefineryError(f"{run.root} was made from other inputs; use a new --out to start another run")
        if run.recipe.read_text(encoding="utf-8") != recipe.source:
            raise RefineryError(f"{run.root} was made with another recipe; use a new --out to start another run")
        return
    run.root.mkdir(parents=True, exist_ok=True)
    run.recipe.write_text(recipe.source, encoding="utf-8")
    run.inputs.write_text(json.dumps(manifest, indent=1))


def input_bytes(sources: list[str]) -> int | None:
    try:
        return sum(fs.size(path) for fs, path in map(fsspec.core.url_to_fs, sources))
    except Exception:  # a server that does not say; the bar then counts without a total
        return None


def run_dataset(inputs: list[str], out: str, recipe: Recipe, workers: int, executor: str = "local") -> RunLayout:
    run = RunLayout(out)
    sources = expand_inputs(inputs)
    prepare_run(run, sources, recipe)
    pool = make_executor(executor, workers)
    todo = [s for s in range(len(sources)) if not run.is_done("map", s)]
    print(f"refinery dataset: {len(sources)} shard(s), {len(sources) - len(todo)} already done, "
          f"recipe {recipe.name!r}: read -> {' -> '.join(recipe.steps)}")
    pool.run(map_shard, [dict(run_root=str(run.root), shard=s, source=sources[s], recipe_text=recipe.source)
                         for s in todo], "read+filter", total_bytes=input_bytes([sources[s] for s in todo]))
    if recipe.dedup and not run.is_done("dedup"):
        print("dedup: clustering signatures across all shards ...")
        clusters = deduplicate(run, Signer(**recipe.params_for("dedup")).bands)
        dropped = clusters.filter(~pl.col("kept")).height
        print(f"dedup: {clusters['cluster'].n_unique():,} clusters, {dropped:,} copies to drop")
        run.mark_done("dedup")
    todo = [s for s in range(len(sources)) if not run.is_done("final", s)]
    pool.run(final_shard, [dict(run_root=str(run.root), shard=s, recipe_text=recipe.source) for s in todo],
             "final")
    print_summary(run)
    return run


def print_summary(run: RunLayout) -> None:
    """What happened to every record, from the ledger: kept and dropped per stage, with reasons."""
    ledger = pl.scan_parquet(run.ledger_glob)
    reasons = (ledger.filter(~pl.col("kept")).group_by("stage", "reason").agg(pl.len().alias("docs"))
               .sort("docs", descending=True).collect())
    records = ledger.filter(pl.col("stage") == "read").select(pl.len()).collect().item()
    final = pl.scan_parquet(run.final_glob).select(pl.len()).collect().item()
    print(f"\n{records:,} WARC records read, {final:,} documents in {run.root / 'final'}")
    with pl.Config(tbl_rows=40, tbl_hide_dataframe_shape=True, fmt_str_lengths=60):
        print("dropped or skipped, by reason:")
        print(reasons.select("reason", "docs"))
    corrupt = reasons.filter(pl.col("reason") == "read:corrupt_record")["docs"].sum()
    if corrupt:
        print(f"note: {corrupt} corrupt or truncated record(s) were skipped; "
              f"see the ledger rows with reason 'read:corrupt_record'")
    print(f"\nledger: {os.path.join(run.root, 'ledger')}  (pl.read_parquet('{run.ledger_glob}'))")
