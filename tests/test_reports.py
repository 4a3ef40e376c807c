"""`refinery report`: the tables agree with the ledger and final/, two runs compare, the page renders."""
import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from pipeline.cli import main
from pipeline.dataset import run_dataset
from pipeline.recipe import parse_recipe
from reports.charts import CHARTS
from reports.inputs import load_run
from reports.tables import build_tables
from reports.views import side_by_side
from tests.conftest import MECHANICS_RECIPE, article, write_warc
from tokenizer.shards import write_shard

SMALL = parse_recipe(MECHANICS_RECIPE)
DEDUP = parse_recipe(SMALL.source.replace('steps = ["extract", "language"]', 'steps = ["extract", "language", "dedup"]'))
FRENCH = ("<html><body><article>" + "<p>Le conseil municipal a approuvé le nouveau budget de la bibliothèque "
          "après un long débat, et les habitants ont salué cette décision.</p>" * 8 + "</article></body></html>").encode()
RECIPE_PAGE = ("<html><body><article><h1>Baking a country loaf</h1>" + "".join(
    f"<p>{s}</p>" for s in [
        "Start the evening before: mix flour, water and a spoonful of starter in a large bowl.",
        "Leave the dough to rest for an hour, then fold it over itself four times at half-hour intervals.",
        "Shape it into a tight round, dust a basket with rice flour and let it prove overnight in the fridge.",
        "In the morning, heat a cast iron pot in the hottest oven you have for at least forty minutes.",
        "Score the top with a razor, bake covered for twenty minutes, then uncovered until deeply brown.",
        "Let the bread cool completely on a rack before slicing, or the crumb will turn gummy.",
    ]) + "</article></body></html>").encode()
SHARD_TOKENS = [1000, 250]     # the train and val shards the fixture writes


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """The same two WARCs made into a run with dedup ("dedup", with token shards, a compression
    table and a training curve) and a run without ("plain", nothing after final/)."""
    tmp = tmp_path_factory.mktemp("reports")
    (tmp / "in").mkdir()
    write_warc(tmp / "in" / "a.warc.gz", [
        {"url": "https://a.test/1", "body": RECIPE_PAGE},
        {"url": "https://a.test/2", "body": FRENCH},
        {"url": "https://a.test/404", "body": b"<html>gone</html>", "status": "404 Not Found"},
        {"url": "https://www.a.test/story", "body": article("floods", 14)},
    ])
    write_warc(tmp / "in" / "b.warc.gz", [
        {"url": "https://mirror.test/story", "body": article("floods", 14)},
        {"url": "https://b.test/img", "body": b"\xff\xd8\xff", "content_type": "image/jpeg"},
    ])
    dedup = run_dataset([str(tmp / "in")], str(tmp / "dedup"), DEDUP, workers=1).root
    (dedup / "tokens").mkdir()
    for side, count in zip(("train", "val"), SHARD_TOKENS):
        write_shard(dedup / "tokens" / f"{side}_000000.bin", np.arange(count) % 300, vocab_size=300)
    (dedup / "reports").mkdir()
    pl.DataFrame({"tokenizer": ["refinery", "cl100k_base", "refinery"], "lang": ["all", "all", "en"],
                  "bytes_per_token": [3.5, 4.1, 3.6]}).write_parquet(dedup / "reports" / "tokenizer.parquet")
    (dedup / "model").mkdir()
    pl.DataFrame({"step": [0, 1, 2, 3, 4], "tokens": [0, 512, 1024, 1536, 2048],
                  "train_loss": [None, 5.6, 5.1, 4.9, 4.6], "val_loss": [5.7, None, 5.0, None, 4.7]},
                 schema_overrides={"train_loss": pl.Float64, "val_loss": pl.Float64}
                 ).write_parquet(dedup / "model" / "metrics.parquet")
    plain = run_dataset([str(tmp / "in")], str(tmp / "plain"), SMALL, workers=1).root
    return {"dedup": dedup, "plain": plain}


def test_funnel_agrees_with_the_ledger_and_the_final_documents(runs):
    funnel = build_tables(load_run(runs["dedup"]))["funnel"]
    ledger = pl.read_parquet(runs["dedup"] / "ledger" / "*.parquet")
    final = pl.read_parquet(runs["dedup"] / "final" / "*.parquet")
    assert funnel["step"].to_list() == ["read", "extract", "language", "dedup", "final"]
    # pages are the 6 response records: the 6 request records are not documents
    pages = ledger.filter(pl.col("reason") != "read:request_record")
    assert funnel["docs_in"][0] == pages.filter(pl.col("stage") == "read").height == 6
    for step, docs_in, docs_out in funnel.select("step", "docs_in", "docs_out").head(4).iter_rows():
        rows = pages.filter(pl.col("stage") == step)
        assert (docs_in, docs_out) == (rows.height, rows["kept"].sum()), step
    assert funnel["docs_out"].to_list() == [4, 4, 4, 3, 3]            # the 404, the image, the mirror copy
    assert funnel["docs_in"][1:].to_list() == funnel["docs_out"][:-1].to_list()
    assert funnel["docs_out"][-1] == final.height
    assert funnel["bytes_out"][-1] == sum(len(t.encode()) for t in final["text"])
    assert funnel["bytes_out"][-2] == ledger.filter((pl.col("stage") == "dedup") & pl.col("kept"))["bytes"].sum()
    assert funnel["tokens_out"].to_list() == [None] * 4 + [sum(SHARD_TOKENS)]


def test_drop_reasons_count_every_drop_with_example_urls(runs):
    tables = build_tables(load_run(runs["dedup"]))
    drops = tables["drops"]
    assert drops.select("step", "reason", "docs", "example_urls").rows() == [
        ("read", "read:http_status", 1, ["https://a.test/404"]),
        ("read", "read:not_html", 1, ["https://b.test/img"]),
        ("dedup", "dedup:exact", 1, ["https://mirror.test/story"]),
    ]
    dropped = tables["funnel"].filter(pl.col("step") != "final").select("step", "dropped").rows()
    per_step = dict(drops.group_by("step").agg(pl.col("docs").sum()).rows())
    assert [(step, per_step.get(step, 0)) for step, _ in dropped] == dropped


def test_languages_domains_lengths_and_duplicates(runs):
    tables = build_tables(load_run(runs["dedup"]))
    assert tables["languages"].select("lang", "identified", "passed", "docs").rows() == [
        ("en", 3, 3, 2), ("fr", 1, 1, 1)]                                # one English copy went at dedup
    assert tables["domains"].select("domain", "docs", "pages").rows() == [
        ("a.test", 3, 4), ("b.test", 0, 1), ("mirror.test", 0, 1)]       # www.a.test counts as a.test
    lengths = tables["lengths"]
    assert lengths["docs"].sum() == 3
    final_chars = pl.read_parquet(runs["dedup"] / "final" / "*.parquet")["text"].str.len_chars()
    for chars in final_chars:
        (row,) = lengths.filter((pl.col("chars_from") <= chars) & (chars < pl.col("chars_to"))).rows()
    assert tables["duplicates"].select("cluster_size", "clusters", "docs", "dropped", "exact").rows() == [(2, 1, 2, 1, 1)]
    assert tables["tokenizer"]["lang"].to_list() == ["all", "all"]      # the per-language rows stay in its file
    overview = dict(tables["overview"].rows())
    assert overview["final documents"] == 3 and overview["WARC records"] == 12
    assert overview["last val_loss"] == 4.7 and overview["tokens (val)"] == SHARD_TOKENS[1]


def test_a_run_without_later_steps_says_what_is_missing(runs):
    run = load_run(runs["plain"])
    tables = build_tables(run)
    assert set(tables) == {"overview", "funnel", "drops", "languages", "lengths", "domains"}
    assert [m.split(":")[0] for m in run.missing] == ["duplicates", "tokens", "tokenizer", "training"]
    assert tables["funnel"]["docs_out"].to_list() == [4, 4, 4, 4]


def test_report_command_writes_the_tables_and_a_self_contained_page(runs, capsys):
    assert main(["report", str(runs["dedup"])]) == 0
    out = capsys.readouterr().out
    assert "Why documents were dropped" in out and "https://mirror.test/story" in out
    reports = runs["dedup"] / "reports"
    funnel = pl.read_parquet(reports / "funnel.parquet")
    assert funnel.equals(build_tables(load_run(runs["dedup"]))["funnel"])
    page = (reports / "report.html").read_text()
    assert set(re.findall(r"id='chart-(\w+)'", page)) == set(CHARTS)
    assert not re.search(r"""(src|href)=['"]?(https?:|//)""", page)    # nothing to fetch


def test_two_runs_side_by_side(runs, capsys):
    assert main(["report", str(runs["plain"]), str(runs["dedup"])]) == 0
    out = capsys.readouterr().out
    assert "docs_out plain" in out and "docs_out dedup" in out
    page = runs["dedup"] / "reports" / "compare-plain.html"
    assert page.exists() and "chart-funnel" in page.read_text()
    shown = side_by_side("plain", build_tables(load_run(runs["plain"])), "dedup", build_tables(load_run(runs["dedup"])))
    funnel = shown["funnel"].select("step", "docs_out plain", "docs_out dedup").rows()
    assert funnel == [("read", 4, 4), ("extract", 4, 4), ("language", 4, 4), ("dedup", None, 3), ("final", 4, 3)]
    assert shown["training"].rows() == [(0, 5.7), (2, 5.0), (4, 4.7)]      # only one run trained


def test_a_folder_that_is_not_a_run_is_a_clear_error(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "no ledger" in capsys.readouterr().err


# ---- rendering in a real browser -------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHECK_CHARTS = """<script>
window.addEventListener("load", () => {
  const charts = [...document.querySelectorAll("img.chart")].map(
      img => ({id: img.id, width: img.complete ? img.naturalWidth : 0, shown: img.getBoundingClientRect().width}));
  const out = document.createElement("pre");
  out.id = "chart-check";
  out.textContent = JSON.stringify(charts);
  document.body.appendChild(out);
});
</script>"""


def chromium(tmp_path: Path, *args: str) -> str:
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={tmp_path / 'profile'}", "--hide-scrollbars", *args]
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=120).stdout


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium on this machine (Debian: apt-get install chromium); "
                                            "report.html rendering not checked")
def test_report_charts_render_in_headless_chromium(runs, tmp_path):
    from PIL import Image

    assert main(["report", str(runs["dedup"])]) == 0
    page = runs["dedup"] / "reports" / "report.html"
    # every chart decodes to an image with a size, and is laid out on the page
    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text().replace("</body>", CHECK_CHARTS + "</body>"))
    dom = chromium(tmp_path, "--virtual-time-budget=10000", "--dump-dom", probe.as_uri())
    charts = json.loads(html.unescape(re.search(r'<pre id="chart-check">(.*?)</pre>', dom, re.S).group(1)))
    assert {c["id"] for c in charts} == {f"chart-{name}" for name in CHARTS}
    assert all(c["width"] > 500 and c["shown"] > 500 for c in charts), charts   # a blank SVG is 300 wide
    # and the screenshot shows them: matplotlib's first colour (#1f77b4) fills the bars and curves
    shot = tmp_path / "report.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,6000", page.as_uri())
    pixels = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    chart_blue = (np.abs(pixels - [0x1F, 0x77, 0xB4]).sum(axis=2) < 40).sum()
    assert chart_blue > 20_000, f"only {chart_blue} chart-coloured pixels in {shot}"
