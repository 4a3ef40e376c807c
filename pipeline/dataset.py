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
from dataclasses import replace
from urllib.parse import urlsplit

import polars as pl

from .dedup.clusters import deduplicate
from .dedup.signatures import Signer
from .errors import IncompleteRun, RefineryError, ShardFailed, SourceError
from .executors import make_executor
from .layout import RunLayout
from .recipe import Recipe
from .sources import cc_index, expand_inputs, is_url
from .sources.remote import remote_size
from .sources.retry import GaveUp, RetryPolicy, as_run_error
from .tasks import final_shard, map_shard

SIZED_REMOTE_INPUTS = 16    # remote inputs sized one by one for the progress bar; more are not


def prepare_run(run: RunLayout, sources: list[str], recipe: Recipe) -> None:
    """Write the run's manifest, or check that an existing run was made the same way."""
    manifest = [{"shard": i, "source": s} for i, s in enumerate(sources)]
    if run.exists(run.inputs):
        if json.loads(run.fetch(run.inputs, fresh=True).read_text()) != manifest:
            raise RefineryError(f"{run.where} was made from other inputs; use a new --out to start another run")
        if run.fetch(run.recipe, fresh=True).read_text(encoding="utf-8") != recipe.source:
            raise RefineryError(f"{run.where} was made with another recipe; use a new --out to start another run")
        return
    run.root.mkdir(parents=True, exist_ok=True)
    run.recipe.write_text(recipe.source, encoding="utf-8")
    run.inputs.write_text(json.dumps(manifest, indent=1))
    run.publish(run.recipe, run.inputs)


def probe_inputs(sources: list[str], policy: RetryPolicy) -> int | None:
    """Check the inputs before any work starts, and size them for the progress bar.

    The first remote file of every host is opened: a host that cannot be reached (offline, a
    wrong address) or a file that is not there is the run's error now, not one failed shard
    per file later. A host that is merely throttling is left to the shards' own retries. The
    total is known when every input was sized (remote ones only when there are a few)."""
    remote = [s for s in sources if is_url(s)]
    few = len(remote) <= SIZED_REMOTE_INPUTS
    first_of_host: dict[str, str] = {}
    for source in remote:
        first_of_host.setdefault(urlsplit(source).netloc, source)
    sizes = [_probe(s, replace(policy, attempts=policy.connect_attempts))
             for s in (remote if few else first_of_host.values())]
    if not few or None in sizes or any(s.startswith(cc_index.PREFIX) for s in sources):
        return None
    return sum(sizes) + sum(os.path.getsize(s) for s in sources if not is_url(s))


def _probe(url: str, policy: RetryPolicy) -> int | None:
    try:
        return remote_size(url, policy)
    except GaveUp as e:
        if e.unreachable:
            raise as_run_error(e) from None
        return None                     # throttled or flaky: the shard will retry at its own pace
    except SourceError as e:            # 404, 403, no s3fs: a wrong input
        raise as_run_error(e) from None


def run_dataset(inputs: list[str], out: str, recipe: Recipe, workers: int, executor: str = "local",
                input_list: str | None = None, limit: int | None = None, sample_seed: int | None = None,
                retry: RetryPolicy | None = None, strict: bool = False, ray_address: str | None = None) -> RunLayout:
    run = RunLayout(out if "://" in out else os.path.abspath(out))   # tasks may run in other folders
    retry = retry or RetryPolicy()
    sources = expand_inputs(inputs, input_list, limit, sample_seed, retry)
    prepare_run(run, sources, recipe)
    pool = make_executor(executor, workers, ray_address)
    try:
        _run_phases(run, sources, recipe, pool, retry, strict)
    finally:
        pool.close()
    print_summary(run)
    return run


def _run_phases(run: RunLayout, sources: list[str], recipe: Recipe, pool, retry: RetryPolicy, strict: bool) -> None:
    """map over every shard, then dedup across them, then final over every shard."""
    todo = [s for s in range(len(sources)) if not run.is_done("map", s)]
    print(f"refinery dataset: {len(sources)} shard(s), {len(sources) - len(todo)} already done, "
          f"recipe {recipe.name!r}: read -> {' -> '.join(recipe.steps)}")
    tasks = [dict(run_root=run.where, shard=s, source=sources[s], recipe_text=recipe.source,
                  retry=retry.to_dict(), strict=strict) for s in todo]
    results = pool.run(map_shard, tasks, "read+filter", count="bytes",
                       total=probe_inputs([sources[s] for s in todo], retry) if todo else 0)
    failed = [(task["shard"], task["source"], r) for task, r in zip(tasks, results) if isinstance(r, ShardFailed)]
    if failed:
        raise IncompleteRun(describe_failures(failed, len(sources)))
    if recipe.dedup and not run.is_done("dedup"):
        print("dedup: clustering signatures across all shards ...")
        clusters = deduplicate(run, Signer(**recipe.params_for("dedup")).bands, pool)
        dropped = clusters.filter(~pl.col("kept")).height
        print(f"dedup: {clusters['cluster'].n_unique():,} clusters, {dropped:,} copies to drop")
        run.mark_done("dedup")
    todo = [s for s in range(len(sources)) if not run.is_done("final", s)]
    results = pool.run(final_shard, [dict(run_root=run.where, shard=s, recipe_text=recipe.source) for s in todo],
                       "final")
    failed = [(s, str(run.docs(s)), r) for s, r in zip(todo, results) if isinstance(r, ShardFailed)]
    if failed:
        raise IncompleteRun(describe_failures(failed, len(sources)))


def describe_failures(failed: list[tuple[int, str, ShardFailed]], shards: int, shown: int = 20) -> str:
    lines = [f"{len(failed)} of {shards} shard(s) could not be finished and are left unfinished:"]
    lines += [f"  shard {shard}: {error}" for shard, _, error in failed[:shown]]
    if len(failed) > shown:
        lines.append(f"  ... and {len(failed) - shown} more")
    lines.append("The other shards are done; rerun the same command to retry the failed ones "
                 "(dedup and the final step wait until every shard is in).")
    return "\n".join(lines)


def print_summary(run: RunLayout) -> None:
    """What happened to every record, from the ledger: kept and dropped per stage, with reasons."""
    ledger = pl.scan_parquet(run.ledger_glob)
    reasons = (ledger.filter(~pl.col("kept")).group_by("stage", "reason").agg(pl.len().alias("docs"))
               .sort("docs", descending=True).collect())
    records = ledger.filter(pl.col("stage") == "read").select(pl.len()).collect().item()
    final = pl.scan_parquet(run.final_glob).select(pl.len()).collect().item()
    print(f"\n{records:,} WARC records read, {final:,} documents in {run.where}/final")
    with pl.Config(tbl_rows=40, tbl_hide_dataframe_shape=True, fmt_str_lengths=60):
        print("dropped or skipped, by reason:")
        print(reasons.select("reason", "docs"))
    damaged = (ledger.filter(pl.col("reason").is_in(["read:corrupt_record", "read:not_warc"]))
               .select("shard", "reason", pl.col("metrics").str.json_path_match("$.error").alias("error"))
               .collect())
    if damaged.height:
        sources = {entry["shard"]: entry["source"] for entry in json.loads(run.fetch(run.inputs).read_text())}
        print(f"note: {damaged.height} damaged or unreadable input(s) were skipped and counted "
              f"(ledger reasons 'read:corrupt_record', 'read:not_warc'; --strict makes them fatal):")
        for shard, reason, error in damaged.head(10).iter_rows():
            print(f"  {sources[shard]}: {'not a WARC file: ' if reason == 'read:not_warc' else ''}{error}")
        if damaged.height > 10:
            print(f"  ... and {damaged.height - 10} more")
    print(f"\nledger: {run.where}/ledger  (pl.read_parquet('{run.ledger_glob}'))")
