"""The report tables: Polars builders over what a run left behind, one function per question.

Every table is written to RUN/reports/NAME.parquet, so the answers open in Polars, DuckDB or a
notebook; the terminal and report.html show the same tables.

The funnel starts from pages, not WARC records. Common Crawl stores a request record (and often
a metadata record) beside every response, so counting every record would show half the input
"dropped" at `read` for a reason that says nothing about the data. Pages are the response
records plus the records too corrupt to tell (they may have been responses): every ledger row
except the `read` step's `read:<type>_record` drops (pipeline/read.py). The overview counts
those other records apart.
"""
from __future__ import annotations

import polars as pl

from pipeline.ledger import page_rows

from .inputs import READ_STAGE, RunInputs

LANGUAGE_STAGE = "language"
EXAMPLE_URLS = 3            # per drop reason
LOSS_SMOOTHING = 0.1        # EMA weight of each new step: training losses are noisy step to step
ALL_LANGUAGES = "all"       # the tokenizer table's row over every language

# The host of a URL, without "www.", so www.example.com and example.com count as one domain.
DOMAIN = (pl.col("url").str.extract(r"^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?([^/:?#]+)", 1)
          .str.to_lowercase().str.strip_prefix("www."))


def _order(run: RunInputs) -> pl.DataFrame:
    return pl.DataFrame({"step": run.stages}).with_row_index("order")


def funnel(run: RunInputs) -> pl.DataFrame:
    """Documents and bytes entering and leaving each step in recipe order, then the final documents.

    A step's ledger rows are the documents that reached it, so docs_in is its row count. A row's
    bytes are the document's size after the step (the HTML after `read`, the text after
    `extract`), so bytes_in is what the step before let through. The last row, `final`, counts
    final/ itself: it agrees with the last step's docs_out when the run is complete, and its
    tokens are those of the token shards (one BOS per document included) when they exist.
    """
    per_step = (run.ledger.filter(page_rows()).group_by("stage")
                .agg(docs_in=pl.len(), docs_out=pl.col("kept").sum(),
                     bytes_seen=pl.col("bytes").sum(), bytes_out=pl.col("bytes").filter(pl.col("kept")).sum())
                .collect().rename({"stage": "step"}))
    steps = (_order(run).join(per_step, on="step", how="left").sort("order")
             .with_columns(pl.col("docs_in", "docs_out", "bytes_seen", "bytes_out").fill_null(0).cast(pl.Int64))
             .with_columns(bytes_in=pl.col("bytes_out").shift(1).fill_null(pl.col("bytes_seen"))))
    final = pl.DataFrame({
        "step": ["final"], "docs_in": steps["docs_out"].tail(1), "docs_out": [run.docs.height],
        "bytes_in": steps["bytes_out"].tail(1), "bytes_out": [int(run.docs["bytes"].sum())],
        "tokens_out": [sum(run.tokens.values()) if run.tokens else None],
    }, schema_overrides={"docs_out": pl.Int64, "bytes_out": pl.Int64, "tokens_out": pl.Int64})
    pages = steps["docs_in"][0]
    return (pl.concat([steps.select("step", "docs_in", "docs_out", "bytes_in", "bytes_out"), final], how="diagonal")
            .with_columns(dropped=pl.col("docs_in") - pl.col("docs_out"),
                          kept_pct=_pct(pl.col("docs_out"), pl.col("docs_in")),
                          of_pages_pct=_pct(pl.col("docs_out"), pl.lit(pages)))
            .select("step", "docs_in", "docs_out", "dropped", "kept_pct", "of_pages_pct",
                    "bytes_in", "bytes_out", "tokens_out"))


def drop_reasons(run: RunInputs, steps: pl.DataFrame) -> pl.DataFrame:
    """Why documents were dropped: per step and reason, how many, their share of what reached the
    step, and the first few URLs (in ledger order) to open and judge the call."""
    reasons = (run.ledger.filter(page_rows() & ~pl.col("kept"))
               .group_by("stage", "reason", maintain_order=True)
               .agg(docs=pl.len(), bytes=pl.col("bytes").sum(),
                    example_urls=pl.col("url").filter(pl.col("url") != "").head(EXAMPLE_URLS))
               .collect().rename({"stage": "step"}))
    return (reasons.join(_order(run), on="step", how="left")
            .join(steps.select("step", "docs_in"), on="step", how="left")
            .with_columns(pct_of_step=_pct(pl.col("docs"), pl.col("docs_in")))
            .sort("order", pl.col("docs"), descending=[False, True], nulls_last=True)
            .select("step", "reason", "docs", "pct_of_step", "bytes", "example_urls"))


def languages(run: RunInputs) -> pl.DataFrame:
    """Final documents per language; with a language step, also how many documents it identified
    as each language and how many of those it let through (the rest: not selected, low score)."""
    final = (run.docs.group_by("lang")
             .agg(docs=pl.len(), bytes=pl.col("bytes").sum(), mean_score=pl.col("lang_score").mean())
             .with_columns(share_pct=_pct(pl.col("docs"), pl.lit(run.docs.height))))
    if LANGUAGE_STAGE in run.stages:
        identified = (run.ledger.filter(pl.col("stage") == LANGUAGE_STAGE)
                      .group_by(lang=pl.col("metrics").str.json_path_match("$.lang"))
                      .agg(identified=pl.len(), passed=pl.col("kept").sum().cast(pl.Int64)).collect())
        final = identified.join(final, on="lang", how="full", coalesce=True)
    return (final.with_columns(pl.col("docs", "bytes").fill_null(0))
            .sort("docs", *(["identified"] if "identified" in final.columns else []), "lang",
                  descending=True, nulls_last=True))


def domains(run: RunInputs) -> pl.DataFrame:
    """Every domain: its pages (responses read) and how many documents of it the run kept."""
    pages = (run.ledger.filter((pl.col("stage") == READ_STAGE) & page_rows())
             .group_by(domain=DOMAIN).agg(pages=pl.len()).collect())
    kept = run.docs.group_by(domain=DOMAIN).agg(docs=pl.len(), bytes=pl.col("bytes").sum())
    return (pages.join(kept, on="domain", how="left")
            .with_columns(pl.col("docs", "bytes").fill_null(0))
            .with_columns(kept_pct=_pct(pl.col("docs"), pl.col("pages")))
            .sort(["docs", "pages", "domain"], descending=[True, True, False], nulls_last=True)
            .select("domain", "docs", "pages", "kept_pct", "bytes"))


def lengths(run: RunInputs) -> pl.DataFrame:
    """Final documents by text length in characters, in doubling bins [chars_from, chars_to)."""
    power = pl.col("chars").clip(lower_bound=1).log(2).floor().cast(pl.Int64)
    return (run.docs.group_by(power.alias("power")).agg(docs=pl.len(), bytes=pl.col("bytes").sum())
            .sort("power")
            .select(chars_from=pl.lit(2) ** pl.col("power"), chars_to=pl.lit(2) ** (pl.col("power") + 1),
                    docs="docs", docs_pct=_pct(pl.col("docs"), pl.lit(run.docs.height)), bytes="bytes")
            .with_columns(pl.col("chars_from", "chars_to").cast(pl.Int64)))


def duplicates(clusters: pl.DataFrame) -> pl.DataFrame:
    """Duplicate clusters by size: how many clusters, their documents, and how the dropped copies
    matched the kept one (identical text, or near-duplicate by MinHash)."""
    return (clusters.group_by("cluster_size")
            .agg(clusters=pl.col("cluster").n_unique(), docs=pl.len(), dropped=(~pl.col("kept")).sum(),
                 exact=(pl.col("match") == "exact").sum(), near=(pl.col("match") == "minhash").sum())
            .sort("cluster_size"))


def training(metrics: pl.DataFrame) -> pl.DataFrame:
    """The training curve; validation columns are null on steps without an evaluation."""
    curve = metrics.sort("step")
    if "train_loss" in curve.columns:
        curve = curve.with_columns(train_loss_smooth=pl.col("train_loss").ewm_mean(alpha=LOSS_SMOOTHING,
                                                                                    ignore_nulls=True))
    return curve


def tokenizer_compression(table: pl.DataFrame) -> pl.DataFrame:
    """Bytes per token over every language, per tokenizer: the tokenizer step's table, which may
    also hold one row per language (kept in RUN/reports/tokenizer.parquet)."""
    if "lang" in table.columns:
        table = table.filter(pl.col("lang") == ALL_LANGUAGES)
    return table.sort("bytes_per_token", descending=True) if "bytes_per_token" in table.columns else table


def overview(run: RunInputs, tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """The run in a few numbers, one row each, so two runs line up measure by measure."""
    steps = tables["funnel"]
    records = run.ledger.filter(pl.col("stage") == READ_STAGE).select(pl.len()).collect().item()
    measures = {
        "WARC records": records,
        "pages (response records)": steps["docs_in"][0],
        "final documents": run.docs.height,
        "kept % of pages": steps["of_pages_pct"][-1],
        "final text MB": run.docs["bytes"].sum() / 1e6,
        "median characters per document": run.docs["chars"].median(),
    }
    if run.clusters is not None:
        measures["duplicates dropped"] = int((~run.clusters["kept"]).sum())
    if run.tokens:
        measures.update({f"tokens ({side})": count for side, count in run.tokens.items()})
    if "tokenizer" in tables and {"tokenizer", "bytes_per_token"} <= set(tables["tokenizer"].columns):
        measures.update({f"bytes per token ({name})": bpt for name, bpt in
                         tables["tokenizer"].select("tokenizer", "bytes_per_token").iter_rows()})
    if "training" in tables:
        curve = tables["training"]
        for column in ("tokens", "train_loss_smooth", "val_loss", "val_bpb"):
            if column in curve.columns and curve[column].drop_nulls().len():
                measures[f"last {column}"] = curve[column].drop_nulls()[-1]
    return pl.DataFrame({"measure": list(measures), "value": [float(v) if v is not None else None
                                                              for v in measures.values()]},
                        schema={"measure": pl.String, "value": pl.Float64})


def build_tables(run: RunInputs) -> dict[str, pl.DataFrame]:
    """Every table the run's files allow, by name, overview first."""
    tables = {"funnel": funnel(run)}
    tables["drops"] = drop_reasons(run, tables["funnel"])
    tables["languages"] = languages(run)
    tables["lengths"] = lengths(run)
    tables["domains"] = domains(run)
    if run.clusters is not None:
        tables["duplicates"] = duplicates(run.clusters)
    if run.tokenizer is not None:
        tables["tokenizer"] = tokenizer_compression(run.tokenizer)
    if run.metrics is not None:
        tables["training"] = training(run.metrics)
    return {"overview": overview(run, tables), **tables}


# The tokenizer step writes its own RUN/reports/tokenizer.parquet (every language); it is not rewritten.
WRITTEN_BY_OTHERS = {"tokenizer"}


def write_tables(run: RunInputs, tables: dict[str, pl.DataFrame]) -> list[str]:
    """RUN/reports/NAME.parquet for each table; returns the paths written."""
    run.reports_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in tables.items():
        if name not in WRITTEN_BY_OTHERS:
            path = run.reports_dir / f"{name}.parquet"
            table.write_parquet(path, compression="zstd")
            written.append(str(path))
    return written


def _pct(part: pl.Expr, whole: pl.Expr) -> pl.Expr:
    return pl.when(whole > 0).then((100 * part / whole).round(2))
