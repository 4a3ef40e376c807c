"""`refinery ablate` end to end on a slice of the demo WARC plus three AEB article pages: two arms
(recipes/raw.toml and the demo's small.toml), two seeds, two budgets, tiny models. The AEB pages
are in the input on purpose: the AEB bodies are the eval text, so they must be held out."""
from __future__ import annotations

import argparse
import gzip
import json
import math

import numpy as np
import polars as pl
import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from ablate.cli import token_count
from ablate.holdout import NGRAM, word_ngrams
from pipeline.cli import main
from tests.conftest import REPO, write_warc

DEMO_RECORDS = 240          # WARC records of the demo kept: about a hundred pages per arm
TINY = ["n_layer=1", "n_head=2", "n_embd=32", "seq_len=32", "batch_rows=4", "warmup_steps=2", "eval_every=8",
        "eval_tokens=1024", "ckpt_every=1000", "sample_tokens=4"]


@pytest.fixture(scope="module")
def inputs(shared_data, tmp_path_factory) -> tuple[list[str], list[dict]]:
    folder = tmp_path_factory.mktemp("ablate-input")
    with open(REPO / "demo" / "demo.warc.gz", "rb") as src, open(folder / "demo-slice.warc.gz", "wb") as out:
        writer = WARCWriter(out, gzip=True)
        for i, record in enumerate(ArchiveIterator(src)):
            if i == DEMO_RECORDS:
                break
            writer.write_record(record)
    truth = json.loads((shared_data / "scrapinghub-aeb" / "ground-truth.json").read_text(encoding="utf-8"))
    pages = [(key, truth[key]) for key in ("04a6711caa7c", "05844573ca7e", "06e5123e4ef7")
             for key in [k for k in truth if k.startswith(key)]]
    html = {key: gzip.decompress((shared_data / "scrapinghub-aeb" / "html" / f"{key}.html.gz").read_bytes())
            for key, _ in pages}
    # two pages at their own URL (held out by URL), one copied to another site (held out by its text)
    captures = [{"url": page["url"], "body": html[key]} for key, page in pages[:2]]
    captures.append({"url": "https://mirror.example/copied-article", "body": html[pages[2][0]]})
    write_warc(folder / "aeb.warc.gz", captures)
    return [str(folder / "demo-slice.warc.gz"), str(folder / "aeb.warc.gz")], [p for _, p in pages]


def ablate(inputs: list[str], out) -> int:
    # 4k is no multiple of a step's 128 tokens: rounded to 31 steps, 3,968 tokens
    return main(["ablate", "--input", *inputs, "--recipes", str(REPO / "recipes" / "raw.toml"),
                 str(REPO / "recipes" / "small.toml"), "--out", str(out), "--tokens", "2048", "4k",
                 "--seeds", "2", "--vocab-size", "512", "--workers", "2", "--eval-tokens", "4096", "--set", *TINY])


def test_ablation_end_to_end_with_held_out_eval_text_and_reuse(inputs, shared_data, tmp_path, capsys):
    files, aeb_pages = inputs
    out = tmp_path / "ablation"
    assert ablate(files, out) == 0
    printed = capsys.readouterr().out

    table = pl.read_parquet(out / "ablation.parquet")
    assert set(table["recipe"]) == {"raw", "small"}
    assert table.group_by("recipe", "budget").len()["len"].to_list() == [2, 2, 2, 2]   # two seeds each
    for budget, trained in table.group_by("budget").agg(pl.col("tokens_trained").unique()).iter_rows():
        assert len(trained) == 1                    # every arm trained on exactly the same tokens
    assert sorted(set(table["tokens_trained"])) == [2048, 3968]
    assert "3,968 tokens trained per model" in printed
    assert {"bpb_aeb", "bpb_own_val"} <= set(table.columns)
    assert all(math.isfinite(v) and 0 < v < 10 for c in ("bpb_aeb", "bpb_own_val") for v in table[c])
    assert (table["epochs"] == table["tokens_trained"] / table["tokens_available"]).all()
    assert "aeb at 2,048 tokens: " in printed and "the noise" in printed

    # The hold-out: the raw arm kept the three AEB articles, so it must have dropped them all
    # before training, two by URL and the copy by its text; no arm's training text holds an eval text.
    raw = table.filter(pl.col("recipe") == "raw").row(0, named=True)
    assert raw["held_out"] == 3
    assert "1 sharing a 13-word run" in printed.split("== arm small")[0]
    urls = {p["url"] for p in aeb_pages[:2]}        # the third is served from a mirror's URL
    eval_grams = np.unique(np.concatenate([word_ngrams(p["articleBody"]) for p in json.loads(
        (shared_data / "scrapinghub-aeb" / "ground-truth.json").read_text(encoding="utf-8")).values()]))
    for arm in ("raw", "small"):
        final = pl.read_parquet(out / "train" / arm / "final" / "*.parquet")
        assert not urls & set(final["url"])
        assert not any(np.isin(word_ngrams(text, NGRAM), eval_grams).any() for text in final["text"])
    arms_final = pl.read_parquet(out / "arms" / "raw" / "final" / "*.parquet")
    assert urls <= set(arms_final["url"])           # the dataset itself kept them: the hold-out did the work

    page = (out / "ablation.html").read_text(encoding="utf-8")
    assert page.count("<img class='chart'") == 2 * 2 + 2   # per eval set: sweep and bars; curves; funnels
    assert "data:image/svg+xml;base64," in page

    # A rerun reuses every finished part: dataset shards, tokenizer, models.
    assert ablate(files, out) == 0
    again = capsys.readouterr().out
    assert again.count("already done") == 2 and "tokenizer: reused" in again
    assert again.count(": reused (trained to the same step") == 8 and ": training " not in again
    assert pl.read_parquet(out / "ablation.parquet").equals(table.with_columns(
        pl.read_parquet(out / "ablation.parquet")["wall_s"]))


def test_token_budgets_read_with_suffixes():
    assert [token_count(t) for t in ("250000", "250k", "1M", "1.5m", "2G")] == [250_000, 250_000, 10**6, 1_500_000, 2 * 10**9]
    for bad in ("0", "-3k", "1.5", "lots", "k"):
        with pytest.raises(argparse.ArgumentTypeError):
            token_count(bad)
