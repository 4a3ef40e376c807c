"""What a person is shown: the report tables cut to what reads at a glance, for one run or for two
side by side (a recipe ablation). The Parquet files keep every row; these are for the terminal
and the HTML page.
"""
from __future__ import annotations

import polars as pl

Tables = dict[str, pl.DataFrame]
TOP_DOMAINS = 15
TOP_LANGUAGES = 15

# Section name -> heading, in page order; reports.charts.CHARTS says which sections have a chart.
SECTIONS = {
    "overview": "Overview",
    "funnel": "Funnel: documents entering and leaving each step",
    "drops": "Why documents were dropped",
    "languages": "Languages",
    "lengths": "Text lengths",
    "domains": "Top domains",
    "duplicates": "Duplicate clusters",
    "tokenizer": "Tokenizer compression",
    "training": "Training",
}


def format_number(value: float) -> str:
    """Counts with thousands separators, measures with four significant digits."""
    return f"{value:,.0f}" if value.is_integer() and abs(value) >= 1000 else f"{value:,.4g}"


def single(tables: Tables) -> Tables:
    """One run's tables as shown: the top languages and domains, the training evaluations."""
    shown = dict(tables)
    # the overview mixes counts and ratios in one column: each value is written the way it reads best
    shown["overview"] = tables["overview"].with_columns(
        pl.col("value").map_elements(format_number, return_dtype=pl.String))
    shown["languages"] = tables["languages"].head(TOP_LANGUAGES)
    shown["domains"] = tables["domains"].head(TOP_DOMAINS)
    if "training" in tables:
        shown["training"] = _evaluations(tables["training"])
    return shown


def _evaluations(curve: pl.DataFrame) -> pl.DataFrame:
    """The steps with a validation loss (the others only repeat a noisy train loss)."""
    if "val_loss" not in curve.columns:
        return curve.tail(10)
    columns = [c for c in ("step", "tokens", "train_loss_smooth", "val_loss", "val_bpb", "elapsed_s")
               if c in curve.columns]
    return curve.filter(pl.col("val_loss").is_not_null()).select(columns)


# table -> (the columns that identify a row, the columns compared)
COMPARED = {
    "overview": (["measure"], ["value"]),
    "funnel": (["step"], ["docs_out", "kept_pct", "of_pages_pct"]),
    "drops": (["step", "reason"], ["docs", "pct_of_step"]),
    "languages": (["lang"], ["docs", "share_pct"]),
    "lengths": (["chars_from", "chars_to"], ["docs", "docs_pct"]),
    "domains": (["domain"], ["docs", "kept_pct"]),
    "duplicates": (["cluster_size"], ["clusters", "docs"]),
    "tokenizer": (["tokenizer"], ["bytes_per_token"]),
    "training": (["step"], ["val_loss", "val_bpb"]),
}


def side_by_side(a_label: str, a: Tables, b_label: str, b: Tables) -> Tables:
    """Each table of either run, with one column per run for each compared value it has. A row
    only one run has stays near its neighbours (rows sort by their mean position in the two
    runs), so a step only B runs shows up in its place in the funnel."""
    a, b = single(a), single(b)
    shown = {}
    for name, (keys, values) in COMPARED.items():
        sides = [(label, tables[name]) for label, tables in ((a_label, a), (b_label, b))
                 if name in tables and set(keys) <= set(tables[name].columns)]
        if not sides:
            continue
        joined = None
        for label, table in sides:
            table = table.with_row_index(f"position {label}").select(
                *keys, f"position {label}", *[pl.col(v).alias(f"{v} {label}") for v in values if v in table.columns])
            joined = table if joined is None else joined.join(table, on=keys, how="full", coalesce=True)
        positions = [f"position {label}" for label, _ in sides]
        shown[name] = joined.sort(pl.mean_horizontal(positions), maintain_order=True).drop(positions)
    return shown
