"""Charts of the report tables, as SVG text that report.html inlines (no files beside it, no network).

Each chart takes {run label: that run's tables} and draws one series per run, so the same chart
shows one run or two side by side. It returns None when no run has the table it needs.
Figures are built with matplotlib's object API (no pyplot): no global state, no display needed.
"""
from __future__ import annotations

import io

import polars as pl
from matplotlib.figure import Figure

Tables = dict[str, pl.DataFrame]
TOP = 12                                 # bars per chart: the rest is in the table and the Parquet file
WIDTH_IN = 8.0


def svg(fig: Figure) -> str:
    out = io.StringIO()
    fig.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})  # no date: same run, same bytes
    return out.getvalue()


def _bars(series: dict[str, dict[str, float]], title: str, xlabel: str, value_format: str = "{:,.0f}") -> str:
    """Horizontal bars, one group per label (in first-seen order, top to bottom), one bar per run."""
    labels = list(dict.fromkeys(label for values in series.values() for label in values))
    fig = Figure(figsize=(WIDTH_IN, 0.9 + 0.32 * len(labels) * max(1, len(series) * 0.75)))
    ax = fig.add_subplot()
    height = 0.8 / len(series)
    for i, (run, values) in enumerate(series.items()):
        positions = [y - 0.4 + height * (i + 0.5) for y in range(len(labels))]
        bars = ax.barh(positions, [values.get(label, 0) for label in labels], height, label=run)
        ax.bar_label(bars, labels=[value_format.format(values.get(label, 0)) for label in labels],
                     padding=3, fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title, loc="left")
    ax.margins(x=0.15)
    ax.spines[["top", "right"]].set_visible(False)
    if len(series) > 1:
        ax.legend(loc="lower right")
    return svg(fig)


def _having(runs: dict[str, Tables], table: str) -> dict[str, pl.DataFrame]:
    return {run: tables[table] for run, tables in runs.items() if table in tables and tables[table].height}


def funnel(runs: dict[str, Tables]) -> str | None:
    steps = _having(runs, "funnel")
    if not steps:
        return None
    series = {run: {"pages": t["docs_in"][0], **{f"after {s}" if s != "final" else "in final/": d
                                             for s, d in t.select("step", "docs_out").iter_rows()}}
              for run, t in steps.items()}
    return _bars(series, "Documents left after each step", "documents")


def drop_reasons(runs: dict[str, Tables]) -> str | None:
    drops = _having(runs, "drops")
    if not drops:
        return None
    top = (pl.concat([t.select("reason", "docs") for t in drops.values()])
           .group_by("reason").agg(pl.col("docs").sum()).sort("docs", "reason", descending=[True, False])
           .head(TOP)["reason"].to_list())
    series = {run: dict(t.filter(pl.col("reason").is_in(top)).select("reason", "docs").iter_rows())
              for run, t in drops.items()}
    series = {run: {reason: values.get(reason, 0) for reason in top} for run, values in series.items()}
    return _bars(series, "Why documents were dropped", "documents")


def languages(runs: dict[str, Tables]) -> str | None:
    langs = _having(runs, "languages")
    if not langs:
        return None
    series = {run: dict(t.filter(pl.col("docs") > 0).head(TOP).select(pl.col("lang").fill_null("unknown"),
                                                                      "share_pct").iter_rows())
              for run, t in langs.items()}
    return _bars(series, "Languages of the final documents", "% of documents", "{:.1f}%")


def duplicates(runs: dict[str, Tables]) -> str | None:
    sizes = _having(runs, "duplicates")
    if not sizes:
        return None
    series = {run: {f"{size} copies": docs for size, docs in t.select("cluster_size", "docs").head(TOP).iter_rows()}
              for run, t in sizes.items()}
    return _bars(series, "Documents in duplicate clusters, by cluster size", "documents")


def tokenizer(runs: dict[str, Tables]) -> str | None:
    tables = {run: t for run, t in _having(runs, "tokenizer").items()
              if {"tokenizer", "bytes_per_token"} <= set(t.columns)}
    if not tables:
        return None
    series = {run: dict(t.select("tokenizer", "bytes_per_token").iter_rows()) for run, t in tables.items()}
    return _bars(series, "Bytes per token on held-out documents (higher packs more text)", "bytes per token",
                 "{:.2f}")


def lengths(runs: dict[str, Tables]) -> str | None:
    tables = _having(runs, "lengths")
    if not tables:
        return None
    fig = Figure(figsize=(WIDTH_IN, 3.6))
    ax = fig.add_subplot()
    for run, t in tables.items():
        shares = dict(t.select("chars_from", "docs_pct").iter_rows())
        edges = [min(shares)]
        while edges[-1] < t["chars_to"].max():      # every doubling bin, the empty ones too
            edges.append(edges[-1] * 2)
        ax.stairs([shares.get(lo, 0) for lo in edges[:-1]], edges, fill=len(tables) == 1, alpha=0.8,
                  linewidth=2, label=run)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("characters per document (doubling bins)")
    ax.set_ylabel("% of documents")
    ax.set_title("Text lengths of the final documents", loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    if len(tables) > 1:
        ax.legend()
    return svg(fig)


def loss_curve(runs: dict[str, Tables]) -> str | None:
    curves = {run: t for run, t in _having(runs, "training").items() if "step" in t.columns}
    if not curves:
        return None
    fig = Figure(figsize=(WIDTH_IN, 3.8))
    ax = fig.add_subplot()
    for i, (run, t) in enumerate(curves.items()):
        x = "tokens" if "tokens" in t.columns else "step"
        color = f"C{i}"
        prefix = f"{run}: " if len(curves) > 1 else ""
        if "train_loss_smooth" in t.columns:
            train = t.filter(pl.col("train_loss_smooth").is_not_null())
            ax.plot(train[x], train["train_loss_smooth"], color=color, label=f"{prefix}train (smoothed)")
        if "val_loss" in t.columns:
            val = t.filter(pl.col("val_loss").is_not_null())
            ax.plot(val[x], val["val_loss"], "o--", color=color, markersize=4, label=f"{prefix}validation")
        ax.set_xlabel(x)
    ax.set_ylabel("loss (nats per token)")
    ax.set_title("Training loss", loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend()
    return svg(fig)


# Section name -> chart, in the order the report shows them.
CHARTS = {"funnel": funnel, "drops": drop_reasons, "languages": languages, "lengths": lengths,
          "duplicates": duplicates, "tokenizer": tokenizer, "training": loss_curve}
