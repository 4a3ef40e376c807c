"""`refinery dataset`: WARC files (or document files) in, RUN/final/ out, every decision in RUN/ledger/.

    map    per shard: read -> the recipe's steps before dedup -> docs/ + ledger/
    dedup  across all shards (when the recipe lists it)
    quality  across all shards: the score threshold of [quality_model] keep_top_fraction
    final  per shard: docs/ -> the recipe's steps after dedup -> final/ (Parquet or JSON Lines)

A run folder remembers its inputs, recipe and output format. Rerunning the same command
resumes: finished shards are skipped by their completion markers. Rerunning with other inputs,
another recipe or another format is refused rather than mixing two corpora in one folder.
"""
from __future__ import annotations

import json
import os
import threading
from dataclasses import replace
from urllib.parse import urlsplit

from . import runlog
from .dedup.signatures import Signer
from .errors import IncompleteRun, RefineryError, ShardFailed, SourceError
from .executors import make_executor
from .layout import RunLayout
from .quality_model import threshold_path, top_fraction
from .read_documents import is_document_file, needs_html
from .recipe import READ_STEP, Recipe
from .sources import cc_index, expand_inputs, is_url
from .sources.remote import remote_size
from .shards import describe, plan_shards, shard_bytes
from .sources.retry import GaveUp, RetryPolicy, as_run_error
from .tasks import final_shard, map_shard

SIZED_REMOTE_INPUTS = 16    # remote inputs sized one by one for the progress bar; more are not


def prepare_run(run: RunLayout, sources: list[str], recipe: Recipe, format: str = "parquet",
                sizes: dict[str, int | None] | None = None, workers: int = 1) -> list[dict]:
    """Write the run's manifest, its shards (shards.py), or check that an existing run was made
    the same way and return the shards it was planned with."""
    if run.exists(run.inputs):
        manifest = json.loads(run.fetch(run.inputs, fresh=True).read_text())
        if list(dict.fromkeys(shard["source"] for shard in manifest)) != sources:
            raise RefineryError(f"{run.where} was made from other inputs; use a new --out to start another run")
        if run.fetch(run.recipe, fresh=True).read_text(encoding="utf-8") != recipe.source:
            raise RefineryError(f"{run.where} was made with another recipe; use a new --out to start another run")
        if run_format(run) != format:
            raise RefineryError(f"{run.where} writes final/ as {run_format(run)}, not {format}: rerun it with "
                                f"--format {run_format(run)}, or use a new --out")
        return manifest
    manifest = plan_shards(sources, sizes or {}, workers)
    run.root.mkdir(parents=True, exist_ok=True)
    run.recipe.write_text(recipe.source, encoding="utf-8")
    run.format.write_text(json.dumps({"format": format}))
    run.inputs.write_text(json.dumps(manifest, indent=1))   # last: its presence says the run is prepared
    run.publish(run.recipe, run.format, run.inputs)
    return manifest


def run_format(run: RunLayout) -> str:
    """The format of the run's final/ (Parquet for runs made before there was a choice)."""
    if not run.exists(run.format):
        return "parquet"
    return json.loads(run.fetch(run.format, fresh=True).read_text())["format"]


def input_kind(sources: list[str]) -> str:
    """"documents" or "warc": one run reads one kind, so its funnel counts either pages or
    documents, and its recipe's HTML steps either run on every shard or on none."""
    documents = [s for s in sources if is_document_file(s)]
    if documents and len(documents) < len(sources):
        warc = next(s for s in sources if not is_document_file(s))
        raise RefineryError(f"the inputs mix document files ({documents[0]}, ...) and WARC files ({warc}, ...): "
                            f"make one run of each")
    return "documents" if documents else "warc"


def probe_inputs(sources: list[str], policy: RetryPolicy) -> dict[str, int | None]:
    """Check the inputs before any work starts, and size them (for the progress bar, and to
    plan the shards): {source: bytes, or None where unknown}.

    The first remote file of every host is opened: a host that cannot be reached (offline, a
    wrong address) or a file that is not there is the run's error now, not one failed shard
    per file later. A host that is merely throttling is left to the shards' own retries. Remote
    files are sized one by one only when there are a few; index slices are not sized."""
    remote = [s for s in sources if is_url(s)]
    few = len(remote) <= SIZED_REMOTE_INPUTS
    first_of_host: dict[str, str] = {}
    for source in remote:
        first_of_host.setdefault(urlsplit(source).netloc, source)
    probed = {s: _probe(s, replace(policy, attempts=policy.connect_attempts))
              for s in (remote if few else first_of_host.values())}
    return {s: probed.get(s) if is_url(s) else None if s.startswith(cc_index.PREFIX) else os.path.getsize(s)
            for s in sources}


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
                retry: RetryPolicy | None = None, strict: bool = False, ray_address: str | None = None,
                format: str = "parquet", pool=None) -> RunLayout:
    """`pool`: an executor the caller made (and closes), in place of one made here from
    `executor`, `workers` and `ray_address`."""
    run = RunLayout(out if "://" in out else os.path.abspath(out))   # tasks may run in other folders
    if top_fraction(recipe) is not None and "quality_model" in recipe.final_steps:
        raise RefineryError(f"{recipe.origin}: [quality_model] keep_top_fraction takes its threshold over the "
                            f"scores of every shard before the final phase: list quality_model before dedup")
    retry = retry or RetryPolicy()
    sources = expand_inputs(inputs, input_list, limit, sample_seed, retry)
    kind = input_kind(sources)
    sizes = probe_inputs(sources, retry)
    shards = prepare_run(run, sources, recipe, format, sizes, workers)
    own = pool is None
    pool = make_executor(executor, workers, ray_address) if own else pool
    try:
        _run_phases(run, shards, sizes, recipe, pool, retry, strict, format, kind)
    finally:
        if own:
            pool.close()
    from .summary import print_summary   # loaded during the map (_load_later_phases)

    runlog.note(**print_summary(run, run_steps(recipe, kind), kind, format))
    return run


def _run_phases(run: RunLayout, shards: list[dict], sizes: dict[str, int | None], recipe: Recipe, pool,
                retry: RetryPolicy, strict: bool, format: str, kind: str) -> None:
    """map over every shard, then dedup across them, then final over every shard."""
    todo = [s for s in range(len(shards)) if not run.is_done("map", s)]
    parts = sum("range" in shard for shard in shards)
    print(f"refinery dataset: {len(shards)} shard(s)" + (f" ({parts} of them parts of large files)" if parts else "")
          + f", {len(shards) - len(todo)} already done, "
          f"recipe {recipe.name!r}: {' -> '.join(run_steps(recipe, kind))}")
    if kind == "documents":
        skipped = [s for s in recipe.steps if needs_html(s)]
        print("document inputs: read takes each row's text as it is (WARC records and HTML are not read)"
              + (f"; {', '.join(skipped)} skipped (no HTML to work on)" if skipped else ""))
    tasks = [dict(run_root=run.where, shard=s, source=shards[s]["source"], byte_range=shards[s].get("range"),
                  recipe_text=recipe.source, retry=retry.to_dict(), strict=strict) for s in todo]
    todo_bytes = [shard_bytes(shards[s], sizes) for s in todo]
    # The phases after the map need scipy and Polars (clustering, the summary), ~0.5 s of CPU to
    # load. This process loads them while the workers read, when it has nothing else to do: before
    # the map they would delay the first shards, which it hands out; after it, the run's end.
    loading = threading.Thread(target=_load_later_phases, name="refinery-imports")
    loading.start()
    try:
        results = pool.run(map_shard, tasks, "read+filter", count="bytes",
                           total=None if None in todo_bytes else sum(todo_bytes))
    finally:
        loading.join()
    failed = [(s, describe(shards[s]), r) for s, r in zip(todo, results) if isinstance(r, ShardFailed)]
    if failed:
        raise IncompleteRun(describe_failures(failed, len(shards)))
    if recipe.dedup and not run.is_done("dedup"):
        print("dedup: clustering signatures across all shards ...")
        from .dedup.clusters import deduplicate   # loaded during the map (_load_later_phases)

        clusters = deduplicate(run, Signer(**recipe.params_for("dedup")).bands, pool)
        dropped = int((~clusters["kept"]).sum())
        print(f"dedup: {clusters['cluster'].n_unique():,} clusters, {dropped:,} copies to drop")
        run.mark_done("dedup")
    if top_fraction(recipe) is not None and not run.is_done("quality"):
        take_quality_threshold(run, top_fraction(recipe))
        run.mark_done("quality")
    todo = [s for s in range(len(shards)) if not run.is_done("final", s)]
    results = pool.run(final_shard, [dict(run_root=run.where, shard=s, recipe_text=recipe.source, format=format)
                                     for s in todo], "final")
    failed = [(s, str(run.docs(s)), r) for s, r in zip(todo, results) if isinstance(r, ShardFailed)]
    if failed:
        raise IncompleteRun(describe_failures(failed, len(shards)))


def _load_later_phases() -> None:
    try:
        from . import summary  # noqa: F401
        from .dedup import clusters  # noqa: F401
    except ImportError:
        pass     # the phase that needs it imports it again, and reports what is wrong


def take_quality_threshold(run: RunLayout, fraction: float) -> float:
    """The score of the last document in the best `fraction` of all shards' documents (docs/,
    before dedup drops copies), written to RUN/quality/threshold.json for the final phase."""
    import polars as pl

    parts = [run.fetch(path) for path in run.files("docs", "part-*.parquet")]
    scores = pl.read_parquet(parts, columns=["quality_score"])["quality_score"].drop_nulls()
    keep = max(1, round(fraction * len(scores)))
    threshold = float(scores.top_k(keep).min()) if len(scores) else 0.0
    path = threshold_path(run)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"keep_top_fraction": fraction, "documents": len(scores), "threshold": threshold}))
    run.publish(path)
    print(f"quality_model: keeping the top {fraction:.1%} of {len(scores):,} documents: score >= {threshold:.4f}")
    return threshold


def describe_failures(failed: list[tuple[int, str, ShardFailed]], shards: int, shown: int = 20) -> str:
    lines = [f"{len(failed)} of {shards} shard(s) could not be finished and are left unfinished:"]
    lines += [f"  shard {shard}: {error}" for shard, _, error in failed[:shown]]
    if len(failed) > shown:
        lines.append(f"  ... and {len(failed) - shown} more")
    lines.append("The other shards are done; rerun the same command to retry the failed ones "
                 "(dedup and the final step wait until every shard is in).")
    return "\n".join(lines)


def run_steps(recipe: Recipe, kind: str) -> list[str]:
    """The steps documents meet, in order: `read`, then the recipe's (those with HTML to work on)."""
    return [s for s in (READ_STEP, *recipe.steps) if s == READ_STEP or kind == "warc" or not needs_html(s)]
