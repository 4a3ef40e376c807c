"""The ablation's charts, as SVG text (matplotlib's object API, as reports/charts.py draws)."""
from __future__ import annotations

import polars as pl
from matplotlib.figure import Figure

from reports.charts import WIDTH_IN, svg


def sweep(arms: pl.DataFrame, eval_name: str) -> str:
    """Mean bpb against tokens trained, one line per arm, the seed spread as a band; each point
    says how many times the arm saw its data (epochs), so an arm that repeats is visible."""
    fig = Figure(figsize=(WIDTH_IN, 4.2))
    ax = fig.add_subplot()
    for recipe in arms["recipe"].unique(maintain_order=True):
        arm = arms.filter(pl.col("recipe") == recipe).sort("tokens_trained")
        x, mean, spread = arm["tokens_trained"], arm[f"bpb_{eval_name}"], arm[f"spread_{eval_name}"]
        line, = ax.plot(x, mean, marker="o",
                        label=f"{recipe} ({arm['tokens_available'][0]:,} unique tokens)")
        ax.fill_between(x, mean - spread / 2, mean + spread / 2, color=line.get_color(), alpha=0.2)
        for xi, yi, epochs in zip(x, mean, arm["epochs"]):
            ax.annotate(f"{epochs:.2g} ep", (xi, yi), textcoords="offset points", xytext=(4, 4), fontsize=7)
    if arms["tokens_trained"].n_unique() > 1:
        ax.set_xscale("log")
    ax.set_xlabel("tokens trained")
    ax.set_ylabel("bits per byte (lower is better)")
    ax.set_title(f"bpb on {eval_name} against the training budget (band: seed spread)", loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend()
    return svg(fig)


def bars(table: pl.DataFrame, eval_name: str) -> str:
    """One bar per arm and budget at its seeds' mean, every seed a dot, the spread a whisker."""
    groups = table.group_by("budget", "recipe", maintain_order=True).agg(pl.col(f"bpb_{eval_name}"))
    labels = [f"{r} @ {b:,}" for b, r, _ in groups.iter_rows()]
    values = groups[f"bpb_{eval_name}"].to_list()
    fig = Figure(figsize=(WIDTH_IN, 0.9 + 0.35 * len(labels)))
    ax = fig.add_subplot()
    means = [sum(v) / len(v) for v in values]
    ax.barh(range(len(labels)), means, xerr=[[m - min(v) for m, v in zip(means, values)],
                                             [max(v) - m for m, v in zip(means, values)]], capsize=3, alpha=0.7)
    for y, seeds in enumerate(values):
        ax.plot(seeds, [y] * len(seeds), "k.", markersize=4)
    ax.set_yticks(range(len(labels)), labels, fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(min(min(v) for v in values) * 0.98, max(max(v) for v in values) * 1.01)
    ax.set_xlabel("bits per byte (lower is better); dots: seeds")
    ax.set_title(f"bpb on {eval_name}, every arm and budget", loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return svg(fig)


def curves(metrics: dict[str, pl.DataFrame]) -> str:
    """Validation bpb against tokens seen, one line per model, all on one chart."""
    fig = Figure(figsize=(WIDTH_IN, 4.0))
    ax = fig.add_subplot()
    for label, rows in metrics.items():
        rows = rows.filter(pl.col("val_bpb").is_not_null())
        ax.plot(rows["tokens"], rows["val_bpb"], marker=".", label=label)
    ax.set_xlabel("tokens seen")
    ax.set_ylabel("validation bits per byte")
    ax.set_title("Validation curves (each arm on its own validation split)", loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=8)
    return svg(fig)
