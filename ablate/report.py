"""What an ablation found: the verdict printed per eval set and budget, and ablation.html.

A difference between arms means something only against the seed-to-seed spread: two seeds of
one arm differ by initialisation and data order alone, so a gap no larger than that is noise.
"""
from __future__ import annotations

import html
from pathlib import Path

import polars as pl

from reports.html import CHARTS_MISSING, chart_img, charts, html_table, page
from reports.inputs import load_run
from reports.tables import funnel
from tokenizer.atomic import write_text_atomic

from .holdout import OWN_VAL
from .run import model_folder

OWN_VAL_NOTE = ("own_val is each arm's own validation split: a different text per arm, so it says how well "
                "an arm learnt its own data, not which arm is better")


def eval_names(table: pl.DataFrame) -> list[str]:
    return [c.removeprefix("bpb_") for c in table.columns if c.startswith("bpb_")]


def per_arm(table: pl.DataFrame) -> pl.DataFrame:
    """Mean bpb and the seed spread (max - min) per recipe and budget, for every eval set."""
    aggregates = []
    for name in eval_names(table):
        column = pl.col(f"bpb_{name}")
        aggregates += [column.mean().alias(f"bpb_{name}"), (column.max() - column.min()).alias(f"spread_{name}")]
    return (table.group_by("recipe", "budget", "tokens_trained", "tokens_available", "epochs", maintain_order=True)
            .agg(pl.len().alias("seeds"), *aggregates))


def verdicts(table: pl.DataFrame) -> list[str]:
    """One line per budget and eval set: which recipe won, by how much, against the seed spread."""
    arms = per_arm(table)
    lines = []
    for name in eval_names(table):
        for budget in arms["budget"].unique(maintain_order=True):
            at = arms.filter(pl.col("budget") == budget).sort(f"bpb_{name}")
            if at.height < 2:
                continue
            best, second = at.row(0, named=True), at.row(1, named=True)
            margin = second[f"bpb_{name}"] - best[f"bpb_{name}"]
            spread = at[f"spread_{name}"].max()
            call = "beyond" if margin > spread else "WITHIN"
            lines.append(f"{name} at {best['tokens_trained']:,} tokens: {best['recipe']} wins, "
                         f"{best[f'bpb_{name}']:.4f} vs {second['recipe']} {second[f'bpb_{name}']:.4f} bpb "
                         f"(by {margin:.4f}; seed spread up to {spread:.4f}: {call} the noise)"
                         + (" [each arm on its own split: not like for like]" if name == OWN_VAL else ""))
    return lines


def write_html(out: Path, table: pl.DataFrame) -> Path:
    """DIR/ablation.html: bpb against trained tokens per arm, bpb bars with the seed spread at
    each budget, the largest budget's validation curves, the arms' funnels side by side."""
    body = ["<h1>Ablation: which recipe's corpus trains the better model</h1>",
            f"<p class='note'>{html.escape(OWN_VAL_NOTE)}.</p>",
            "<ul>" + "".join(f"<li>{html.escape(v)}</li>" for v in verdicts(table)) + "</ul>"]
    if charts is None:
        body.append(f"<p class='note'>{html.escape(CHARTS_MISSING)}</p>")
    else:
        from . import charts as ablation_charts  # matplotlib is there
        arms = per_arm(table)
        for name in eval_names(table):
            body.append(f"<h2>bits per byte on {html.escape(name)}</h2>")
            body.append(chart_img(ablation_charts.sweep(arms, name), f"bpb on {name} against tokens trained"))
            body.append(chart_img(ablation_charts.bars(table, name), f"bpb on {name}, every seed"))
        body.append("<h2>Validation bits per byte while training (largest budget, own validation split)</h2>")
        largest = table.filter(pl.col("budget") == table["budget"].max())
        curves = {f"{recipe} seed {seed}": pl.read_parquet(out / "models" / model_folder(recipe, seed, budget)
                                                           / "model" / "metrics.parquet")
                  for recipe, seed, budget in largest.select("recipe", "seed", "budget").iter_rows()}
        body.append(chart_img(ablation_charts.curves(curves), "validation curves"))
        funnels = {arm: {"funnel": funnel(load_run(out / "arms" / arm))}
                   for arm in table["recipe"].unique(maintain_order=True)}
        chart = charts.funnel(funnels)
        if chart is not None:
            body += ["<h2>The arms' funnels</h2>", chart_img(chart, "funnels")]
    body.append("<h2>Every model</h2>")
    body.append(html_table(table, str(out / "ablation.parquet")))
    path = out / "ablation.html"
    write_text_atomic(path, page("Ablation", body))
    return path
