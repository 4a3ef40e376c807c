"""The summary `refinery dataset` prints when a run ends: the funnel, read from the ledger, the
reasons documents were dropped for, and the inputs that could not be read.

A module of its own because it reads frames with Polars, which the run's command imports only
once the workers are under way (pipeline/dataset.py).
"""
from __future__ import annotations

import json

import polars as pl

from .layout import RunLayout
from .ledger import page_rows
from .recipe import READ_STEP
from .write import scan_documents

# Ledger reasons of input the readers could not read (read.py, read_documents.py), and how the
# summary names those that stand for a whole file.
DAMAGE = ["read:corrupt_record", "read:not_warc", "read:corrupt_row", "read:not_documents"]
NOT_READABLE = {"read:not_warc": "not a WARC file: ", "read:not_documents": "not a documents file: "}


def print_summary(run: RunLayout, steps: list[str], kind: str = "warc", format: str = "parquet") -> dict[str, int]:
    """The funnel, from the ledger: pages (or documents) read, how many are left after each of
    `steps` and in final/, then why the others were dropped. Returns the funnel's counts."""
    ledger, page = pl.scan_parquet(run.ledger_glob), page_rows()
    unit = "documents" if kind == "documents" else "pages"
    kept = dict(ledger.filter(page).group_by("stage").agg(pl.col("kept").sum()).collect().iter_rows())
    pages = ledger.filter(page & (pl.col("stage") == READ_STEP)).select(pl.len()).collect().item()
    final = scan_documents(run.final_glob_for(format), format).select(pl.len()).collect().item()
    funnel = {unit: pages, **{f"after {s}": int(kept.get(s, 0)) for s in steps}, "final": final}
    others = (ledger.filter(~page).group_by("reason").agg(pl.len()).sort("len", "reason", descending=[True, False])
              .collect())
    print(f"\nfunnel: {pages:,} {unit}" + (" (WARC response records)" if kind == "warc" else "")
          + ", then what is left after each step")
    width = max(map(len, funnel))
    for name, count in funnel.items():
        where = f"   in {run.where}/final ({format})" if name == "final" else ""
        print(f"  {name:<{width}}  {count:>12,}  {100 * count / pages if pages else 0:5.1f}%{where}")
    if others.height:
        print(other_records(others))
    reasons = (ledger.filter(page & ~pl.col("kept")).group_by("stage", "reason").agg(pl.len().alias("docs"))
               .sort("docs", "reason", descending=[True, False]).collect())
    with pl.Config(tbl_rows=40, tbl_hide_dataframe_shape=True, fmt_str_lengths=60):
        print("dropped or skipped, by reason:")
        print(reasons.select("reason", "docs"))
    damaged = (ledger.filter(pl.col("reason").is_in(DAMAGE))
               .select("shard", "reason", pl.col("metrics").str.json_path_match("$.error").alias("error"))
               .collect())
    if damaged.height:
        sources = {entry["shard"]: entry["source"] for entry in json.loads(run.fetch(run.inputs).read_text())}
        print(f"note: {damaged.height} damaged or unreadable input(s) were skipped and counted "
              f"(ledger reasons {', '.join(map(repr, DAMAGE))}; --strict makes them fatal):")
        for shard, reason, error in damaged.head(10).iter_rows():
            print(f"  {sources[shard]}: {NOT_READABLE.get(reason, '')}{error}")
        if damaged.height > 10:
            print(f"  ... and {damaged.height - 10} more")
    print(f"\nledger: {run.where}/ledger  (pl.read_parquet('{run.ledger_glob}'))")
    print(f"next: refinery tokenizer {run.where}")
    return {name.removeprefix("after ").replace(" ", "_"): count for name, count in funnel.items()}


def other_records(others: pl.DataFrame) -> str:
    """The WARC records that are no pages, on one line: they are not documents, so no drops."""
    kinds = ", ".join(f"{reason.removeprefix('read:').removesuffix('_record')} {n:,}" for reason, n in others.iter_rows())
    return f"other WARC records, not pages: {int(others['len'].sum()):,} ({kinds})"
