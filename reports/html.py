"""report.html: one self-contained page (charts inlined as SVG images, styles inline, no script,
no network), so it can be mailed, archived or opened from a run folder on any machine."""
from __future__ import annotations

import base64
import html

import polars as pl

from .views import SECTIONS, format_number

try:
    from . import charts
    CHARTS_MISSING = None
except ModuleNotFoundError as e:      # matplotlib is the [report] extra: without it, a page of tables
    if e.name != "matplotlib":
        raise
    charts = None
    CHARTS_MISSING = "charts: matplotlib is not installed (pip install 'refinery[report]')"

MAX_ROWS = 25   # per table on the page; the Parquet files hold every row

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; color: #222; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.6rem 0; }
th, td { padding: 0.2rem 0.6rem; border-bottom: 1px solid #eee; text-align: right; vertical-align: top; }
th { background: #f4f4f4; } td.text, th.text { text-align: left; }
td.text { max-width: 40rem; overflow-wrap: anywhere; }
img.chart { display: block; width: 100%; max-width: 56rem; height: auto; margin: 0.8rem 0; }
.note { color: #666; font-size: 0.85rem; } ul.missing { color: #8a5a00; }
"""


def render_page(title: str, runs: dict[str, dict[str, pl.DataFrame]], shown: dict[str, pl.DataFrame],
                missing: list[str], parquet_dir: str) -> str:
    """`runs`: run label -> its tables (the charts draw every run); `shown`: the tables printed
    under them (one run's, or two side by side); `missing`: what could not be built, and why."""
    body = [f"<h1>{html.escape(title)}</h1>"]
    if missing:
        body.append("<p>Not in this report:</p><ul class='missing'>"
                    + "".join(f"<li>{html.escape(m)}</li>" for m in missing) + "</ul>")
    for name, heading in SECTIONS.items():
        chart = charts.CHARTS[name](runs) if charts and name in charts.CHARTS else None
        if chart is None and name not in shown:
            continue
        body.append(f"<h2 id='{name}'>{html.escape(heading)}</h2>")
        if chart is not None:
            body.append(chart_img(chart, heading, f"chart-{name}"))
        if name in shown:
            body.append(html_table(shown[name], f"{parquet_dir}/{name}.parquet"))
    return page(title, body)


def page(title: str, body: list[str]) -> str:
    """A whole self-contained page around `body` (HTML fragments, in order)."""
    return (f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def chart_img(svg: str, alt: str, element_id: str | None = None) -> str:
    """An SVG chart inlined as an image."""
    data = base64.b64encode(svg.encode()).decode()
    id_attribute = f" id='{element_id}'" if element_id else ""
    return f"<img class='chart'{id_attribute} alt='{html.escape(alt)}' src='data:image/svg+xml;base64,{data}'>"


def html_table(df: pl.DataFrame, source: str) -> str:
    text_columns = {c for c, t in df.schema.items() if t in (pl.String, pl.List(pl.String))}
    head = "".join(f"<th class='{'text' if c in text_columns else ''}'>{html.escape(c)}</th>" for c in df.columns)
    rows = []
    for row in df.head(MAX_ROWS).iter_rows():
        cells = "".join(f"<td class='{'text' if c in text_columns else ''}'>{_cell(v)}</td>"
                        for c, v in zip(df.columns, row))
        rows.append(f"<tr>{cells}</tr>")
    note = (f"<p class='note'>First {MAX_ROWS} of {df.height:,} rows; all of them in {html.escape(source)}.</p>"
            if df.height > MAX_ROWS else "")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{note}"


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "<br>".join(html.escape(str(v)) for v in value)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return format_number(value)
    return html.escape(str(value))
