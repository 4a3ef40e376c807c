"""What a run left behind, as the report builders read it.

Only the ledger and final/ are required; every later step (dedup clusters, the tokenizer's
shards and compression table, the trainer's metrics) may be absent because the recipe skips
it or it has not run yet. Each optional piece is None when absent, and `missing` says why, so
the report can build what exists and name what it could not.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipeline.errors import RefineryError
from pipeline.layout import RunLayout
from pipeline.recipe import parse_recipe
from pipeline.write import document_parts, format_of, scan_documents
from tokenizer.shards import read_header

READ_STAGE = "read"


@dataclass
class RunInputs:
    layout: RunLayout
    stages: list[str]                        # decision points in the order documents meet them
    ledger: pl.LazyFrame
    docs: pl.DataFrame                       # final documents without their text: url, lang, lang_score, chars, bytes
    clusters: pl.DataFrame | None = None     # dedup/clusters.parquet
    tokens: dict[str, int] | None = None     # "train"/"val" -> tokens in RUN/tokens/*.bin
    tokenizer: pl.DataFrame | None = None    # reports/tokenizer.parquet, as the tokenizer step wrote it
    metrics: pl.DataFrame | None = None      # model/metrics.parquet, as the trainer wrote it
    missing: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.layout.root.name

    @property
    def reports_dir(self) -> Path:
        return self.layout.root / "reports"


def load_run(root: str | Path) -> RunInputs:
    run = RunLayout(root)
    if not list((run.root / "ledger").glob("*.parquet")):
        raise RefineryError(f"{run.root} has no ledger/*.parquet: is it a run folder made by `refinery dataset`?")
    parts = document_parts(run.root / "final")      # Parquet or JSON Lines
    if not parts:
        raise RefineryError(f"{run.root} has no final/part-*.parquet: rerun `refinery dataset` to finish it")
    ledger = pl.scan_parquet(run.ledger_glob)
    inputs = RunInputs(layout=run, stages=_stages(run, ledger), ledger=ledger, docs=_final_docs(parts))

    if run.clusters.exists():
        inputs.clusters = pl.read_parquet(run.clusters)
    else:
        inputs.missing.append("duplicates: no dedup/clusters.parquet (the recipe has no dedup step)")
    shards = sorted((run.root / "tokens").glob("*.bin"))
    if shards:
        inputs.tokens = {}
        for path in shards:
            side = path.name.split("_")[0]
            inputs.tokens[side] = inputs.tokens.get(side, 0) + read_header(path)[0]
    else:
        inputs.missing.append("tokens: no tokens/*.bin (run `refinery tokenizer RUN`)")
    compression = inputs.reports_dir / "tokenizer.parquet"
    if compression.exists():
        inputs.tokenizer = pl.read_parquet(compression)
    else:
        inputs.missing.append("tokenizer: no reports/tokenizer.parquet (run `refinery tokenizer RUN`)")
    metrics = run.root / "model" / "metrics.parquet"
    if metrics.exists():
        inputs.metrics = pl.read_parquet(metrics)
    else:
        inputs.missing.append("training: no model/metrics.parquet (run `refinery train RUN`)")
    return inputs


def _stages(run: RunLayout, ledger: pl.LazyFrame) -> list[str]:
    """`read`, then the recipe's steps in recipe order; any other stage the ledger holds (a run
    made before the recipe changed) follows in the order it first appears."""
    recipe = [READ_STAGE] + list(parse_recipe(run.recipe.read_text(encoding="utf-8"), str(run.recipe)).steps) \
        if run.recipe.exists() else [READ_STAGE]
    seen = ledger.select(pl.col("stage").unique(maintain_order=True)).collect()["stage"].to_list()
    return recipe + [s for s in seen if s not in recipe]


def _final_docs(parts: list[Path]) -> pl.DataFrame:
    """One small row per final document; the texts are measured while streaming, never held."""
    return (scan_documents(parts, format_of(parts[0]))
            .select("url", "lang", "lang_score", chars=pl.col("text").str.len_chars().cast(pl.Int64),
                    bytes=pl.col("text").str.len_bytes().cast(pl.Int64))   # Int64: sums over a corpus overflow u32
            .collect(engine="streaming"))

