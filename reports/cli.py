"""`refinery report RUN [RUN_B]`: why documents were dropped and what was kept, at a glance.

With one run: builds RUN/reports/*.parquet, prints the main tables and writes RUN/reports/report.html.
With two: builds both runs' reports and sets them side by side (a recipe ablation), in the
terminal and in RUN_B/reports/compare-RUN_A.html.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import polars as pl

from pipeline import runlog
from pipeline.errors import RefineryError

from . import views
from .inputs import RunInputs, load_run
from .tables import build_tables, write_tables


def register(subparsers) -> None:
    p = subparsers.add_parser("report", help="funnel, drop reasons, languages, ... of a run, or two runs compared",
                              description=__doc__)
    p.add_argument("runs", nargs="+", metavar="RUN", help="a run folder, or two to compare")
    p.add_argument("--html", type=Path, default=None,
                   help="where to write the page (default: RUN/reports/report.html, or "
                        "RUN_B/reports/compare-RUN_A.html for two runs)")
    p.set_defaults(func=run_report)


def run_report(args: argparse.Namespace) -> int:
    if len(args.runs) > 2:
        raise RefineryError("give one run to report on, or two to compare")
    # Imported here, not at the top: every `refinery` command loads this module, and matplotlib
    # (the charts) alone takes a third of a second to import.
    from .html import CHARTS_MISSING, render_page

    runs = [load_run(path) for path in args.runs]
    labels = _labels(runs)
    tables = {}
    for label, run in zip(labels, runs):
        tables[label] = build_tables(run)
        written = write_tables(run, tables[label])
        print(f"{run.layout.root}: wrote {len(written)} tables to {run.reports_dir}/")
        runlog.note(tables=len(written))
    missing = [f"{label}: {m}" if len(runs) > 1 else m for label, run in zip(labels, runs) for m in run.missing]
    missing += [CHARTS_MISSING] if CHARTS_MISSING else []
    if len(runs) == 1:
        shown = views.single(tables[labels[0]])
        default_html = runs[0].reports_dir / "report.html"
        title = f"Refinery report: {runs[0].layout.root}"
    else:
        shown = views.side_by_side(labels[0], tables[labels[0]], labels[1], tables[labels[1]])
        default_html = runs[1].reports_dir / f"compare-{runs[0].name}.html"
        title = f"Refinery comparison: {runs[0].layout.root} vs {runs[1].layout.root}"
    print_tables(shown)
    for m in missing:
        print(f"not in this report: {m}")
    path = args.html or default_html
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_page(title, tables, shown, missing, str(runs[-1].reports_dir)), encoding="utf-8")
    print(f"\nwrote {path}  (tables: pl.read_parquet('{runs[-1].reports_dir}/funnel.parquet'), ...)")
    return 0


def _labels(runs: list[RunInputs]) -> list[str]:
    """Runs by folder name, or by path where two runs share a name (runs/a/demo vs runs/b/demo)."""
    names = [run.name for run in runs]
    return names if len(set(names)) == len(names) else [str(run.layout.root) for run in runs]


def print_tables(shown: dict[str, pl.DataFrame]) -> None:
    with pl.Config(tbl_rows=30, tbl_cols=12, tbl_width_chars=160, fmt_str_lengths=60,
                   tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True, thousands_separator=",",
                   float_precision=2):
        for name, heading in views.SECTIONS.items():
            if name in shown:
                print(f"\n{heading}")
                print(_for_terminal(shown[name]))


def _for_terminal(table: pl.DataFrame) -> pl.DataFrame:
    """List columns (example URLs) show their first item: a terminal row holds one URL well."""
    lists = [c for c, t in table.schema.items() if isinstance(t, pl.List)]
    return table.with_columns(pl.col(c).list.first() for c in lists).rename(
        {c: c.removesuffix("s") for c in lists})
