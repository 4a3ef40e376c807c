"""The whole flow on the bundled demo crawl, through the same entry points `make` uses:
dataset -> tokenizer -> train -> report. Each step reads only what the one before wrote."""
from dataclasses import replace

import polars as pl
from tokenizers import Tokenizer

from pipeline.cli import main
from tests.conftest import REPO
from tokenizer.bpe import BOS
from tokenizer.shards import open_shard
from trainer.presets import PRESETS
from trainer.train import train

# The small preset's shape, cut to a few steps: the point here is the hand-offs, not the model.
QUICK = replace(PRESETS["small"], n_layer=1, n_embd=64, max_steps=6, warmup_steps=2, eval_every=3,
                ckpt_every=3, eval_tokens=4096, sample_tokens=8)


def test_demo_crawl_to_report(tmp_path):
    run = tmp_path / "demo"
    assert main(["dataset", "--input", str(REPO / "demo" / "demo.warc.gz"), "--out", str(run),
                 "--recipe", str(REPO / "recipes" / "small.toml"), "--workers", "2"]) == 0
    final = pl.read_parquet(run / "final" / "*.parquet")
    assert final.height > 200 and final["id"].is_unique().all()
    assert final["lang"].n_unique() >= 5                        # the demo is multilingual

    assert main(["tokenizer", str(run), "--vocab-size", "2048"]) == 0
    tokenizer = Tokenizer.from_file(str(run / "tokenizer" / "tokenizer.json"))
    tokens = [open_shard(p) for p in sorted((run / "tokens").glob("*.bin"))]
    bos = tokenizer.token_to_id(BOS)
    assert sum(int((t == bos).sum()) for t in tokens) == final.height   # one BOS per final document

    last = train(run, QUICK)
    assert last["step"] == QUICK.max_steps and last["val_loss"] > 0

    assert main(["report", str(run)]) == 0
    funnel = pl.read_parquet(run / "reports" / "funnel.parquet")
    assert funnel.filter(pl.col("step") == "final")["docs_out"].item() == final.height
    assert (run / "reports" / "report.html").stat().st_size > 10_000
    training = pl.read_parquet(run / "reports" / "training.parquet")
    assert training.height == QUICK.max_steps + 1
