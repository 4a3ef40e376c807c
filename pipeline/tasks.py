"""The two per-shard tasks of `refinery dataset`. One input file (a WARC, or a file of documents:
pipeline/read_documents.py) is one shard is one task.

Tasks are plain top-level functions of plain arguments, so any executor can run them: in
this process, in a process pool, or as Ray tasks. A task writes its outputs under temporary
names, renames them when complete, then leaves a completion marker; a rerun skips every task
whose marker exists, and redoes (overwrites) any task that was killed midway.
"""
from __future__ import annotations

import json
from contextlib import ExitStack, contextmanager
from typing import Iterator

import pyarrow.parquet as pq

from . import progress
from .decision import Filter
from .dedup.filter import DedupFilter
from .dedup.signatures import SignatureSink
from .document import Document, from_row, to_row
from .errors import RefineryError, StepFailed
from .layout import RunLayout
from .ledger import Ledger
from .quality_model import QualityThreshold, threshold_path, top_fraction
from .read import read_warc
from .read_documents import RowFilter, is_document_file, needs_html, read_documents
from .recipe import Recipe, parse_recipe
from .sources.retry import RetryPolicy
from .stage import chain
from .steps import build_step
from .write import DOCS_SCHEMA, ParquetSink, documents_sink


def map_steps(recipe: Recipe, documents: bool = False) -> list[Filter]:
    """The per-shard steps of a recipe, `read` first. Documents have their text already: they
    are read by rows, and the steps that need the page's HTML (`extract`, ...) are left out."""
    if documents:
        return [RowFilter(), *(build_step(s, recipe.params_for(s)) for s in recipe.map_steps if not needs_html(s))]
    return [build_step(s, recipe.params_for(s)) for s in ("read", *recipe.map_steps)]


def prepare_worker(recipe_text: str) -> None:
    """Ready a worker process for a recipe's shards before the first one comes: import what
    they need, build the recipe's steps (word lists, URL blocklists) and let each step with a
    `prepare()` get ready (extraction starts its child). `refinery dataset` has its local workers
    do this as they start, while it makes its own imports and checks (executors/local.py,
    `prepare`). A problem found here is left to the shards, which meet it again and report it;
    the recipe is checked by then."""
    try:
        for step in map_steps(parse_recipe(recipe_text)):
            if hasattr(step, "prepare"):
                step.prepare()
    except Exception:
        pass


def map_shard(run_root: str, shard: int, source: str, recipe_text: str, retry: dict | None = None,
              strict: bool = False, byte_range: list[int] | None = None) -> int:
    """Read one input file and run the per-shard steps; write docs/ and ledger/ for it.
    Returns the number of documents kept (-1 when the shard was already done). When the source
    cannot be read to its end, SourceError propagates: the outputs are discarded, no marker.
    `strict`: a corrupt record or a file that is not a WARC stops the run instead of being skipped.
    `byte_range`: [start, end], when the shard is a part of a large WARC file (shards.py)."""
    run = RunLayout(run_root)
    if run.is_done("map", shard):
        return -1
    recipe = parse_recipe(recipe_text)
    documents, policy = is_document_file(source), RetryPolicy(**(retry or {}))
    steps = map_steps(recipe, documents)
    records = (read_documents(source, policy) if documents
               else read_warc(source, steps[0].max_payload_bytes, policy, tuple(byte_range) if byte_range else None))
    if strict:
        records = _refuse_damage(records, source)
    with ExitStack() as outputs:
        ledger = outputs.enter_context(Ledger(run.ledger(shard), shard))
        out = outputs.enter_context(ParquetSink(run.docs(shard), DOCS_SCHEMA))
        signatures = (outputs.enter_context(SignatureSink(run.minhash(shard), shard, recipe.params_for("dedup")))
                      if recipe.dedup else None)
        with naming(shard, source):
            for doc in chain(steps, records, ledger):
                if signatures:
                    signatures.add(doc, row=out.count)
                out.add(to_row(doc))
                progress.advance(docs_written=1)
    run.publish(run.docs(shard), run.ledger(shard), *([run.minhash(shard)] if recipe.dedup else []))
    run.mark_done("map", shard)
    return out.count


def final_shard(run_root: str, shard: int, recipe_text: str, format: str = "parquet") -> int:
    """Run the steps after deduplication over one shard's documents; write final/ for it, as
    Parquet or JSON Lines (`format`)."""
    run = RunLayout(run_root)
    if run.is_done("final", shard):
        return -1
    recipe = parse_recipe(recipe_text)
    steps = [build_step(s, recipe.params_for(s)) for s in recipe.final_steps]
    if top_fraction(recipe) is not None:    # the corpus-wide cut, after dedup, before the final steps
        threshold = json.loads(run.fetch(threshold_path(run)).read_text())["threshold"]
        steps.insert(0, QualityThreshold(threshold))
    if recipe.dedup:
        steps.insert(0, DedupFilter(run.fetch(run.clusters), shard))
    run.fetch(run.docs(shard))
    with Ledger(run.final_ledger(shard), shard) as ledger, documents_sink(run.final(shard, format)) as out:
        with naming(shard, str(run.docs(shard))):
            for doc in chain(steps, _documents(run.docs(shard)), ledger):
                out.add(to_row(doc))
                progress.advance(docs_written=1)
    run.publish(run.final(shard, format), run.final_ledger(shard))
    run.mark_done("final", shard)
    return out.count


def _refuse_damage(records: Iterator[Document], source: str) -> Iterator[Document]:
    for doc in records:
        if doc.error:
            where = f"row {doc.offset:,}" if is_document_file(source) else f"record at byte {doc.offset:,}"
            raise RefineryError(f"{source}: {doc.error} ({where}); "
                                f"without --strict it would be skipped and counted")
        yield doc


@contextmanager
def naming(shard: int, source: str):
    """A step's failure names its shard and input too."""
    try:
        yield
    except StepFailed as e:
        raise StepFailed(f"shard {shard} ({source}): {e}") from e.__cause__


def _documents(path) -> Iterator[Document]:
    for batch in pq.ParquetFile(path).iter_batches(batch_size=1000):
        for row in batch.to_pylist():
            yield from_row(row)
