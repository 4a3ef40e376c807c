"""What our own vocabulary is worth, and what it costs: bytes per token of our BPE against GPT-4's
cl100k and GPT-4o's o200k on held-out documents, training MB/s, and encoding MB/s of HF
tokenizers, tiktoken built from our merges, and tiktoken's cl100k/o200k on the same text and threads.

    .venv/bin/python bench/tokenizer.py [--run RUN] [--vocab-size 32768] [--digit-groups 1,2,3]

With --run it reads RUN/final (e.g. a make_corpus --scale 10 corpus through `refinery dataset`);
without it, the real texts under ../shared/data (DCLM, Dolma, RedPajama, Scrapinghub bodies).
Everything it writes goes to a temporary folder: the run's own tokenizer is left alone.
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
from tokenizers import Tokenizer

# the repository first: otherwise `import tokenizer` would find this very file in bench/
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tokenizer.bpe import DIGIT_GROUP  # noqa: E402
from tokenizer.corpus import final_parts, split_documents, train_sample  # noqa: E402
from tokenizer.encoders import (THREADS, encoding_speed, hf_encoder, reference_encoding,  # noqa: E402
                                tiktoken_encoder, tiktoken_from_hf)
from tokenizer.step import SPEED_SAMPLE_BYTES, build_tokenizer  # noqa: E402

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def shared_texts_final(final: Path) -> None:
    """RUN/final/part-00000.parquet from the shared data's plain texts (no pipeline needed)."""
    rows = []
    for path in [*sorted(DATA.glob("*/*.jsonl")), *sorted(DATA.glob("*/*.jsonl.gz"))]:
        with (gzip.open(path, "rt") if path.suffix == ".gz" else path.open()) as lines:
            rows += [{"id": f"{path.name}:{i}", "url": "", "text": json.loads(line)["text"]}
                     for i, line in enumerate(lines)]
    bodies = json.loads((DATA / "scrapinghub-aeb" / "ground-truth.json").read_text())
    rows += [{"id": key, "url": v["url"], "text": v["articleBody"]} for key, v in bodies.items()]
    final.mkdir(parents=True)
    pl.DataFrame(rows).unique("text", keep="first", maintain_order=True).write_parquet(final / "part-00000.parquet")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, help="a run folder with final/part-*.parquet (default: shared texts)")
    parser.add_argument("--vocab-size", type=int, default=32768)
    parser.add_argument("--val-fraction", type=float, help="default 0.005 with --run, 0.1 on the shared texts")
    parser.add_argument("--digit-groups", default="1,2,3", help="digit-group lengths to compare (comma-separated); the figures below use the "
                        f"default, {DIGIT_GROUP}")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp, "source")
        if args.run:
            source.mkdir()
            (source / "final").symlink_to(args.run.resolve() / "final")
        else:
            shared_texts_final(source / "final")
        val_fraction = args.val_fraction or (0.005 if args.run else 0.1)
        parts = final_parts(source)
        split = split_documents(parts, val_fraction)
        print(f"corpus: {split.documents:,} documents, {split.total_bytes / 1e6:.1f} MB "
              f"({len(split.val_ids):,} held out), {THREADS} threads, vocabulary {args.vocab_size:,}")

        metas = {}
        for digits in sorted({DIGIT_GROUP, *(int(d) for d in args.digit_groups.split(","))}):
            run = Path(tmp, f"digits{digits}")
            run.mkdir()
            (run / "final").symlink_to(source / "final")
            start = time.perf_counter()
            metas[digits] = build_tokenizer(run, args.vocab_size, val_fraction=val_fraction, digit_group=digits)
            metas[digits]["step_seconds"] = time.perf_counter() - start

        print("\n== digit groups: bytes/token of ours on held-out documents")
        for digits, meta in metas.items():
            print(f"  \\p{{N}}{{1,{digits}}}: {meta['val_bytes_per_token']['refinery']:.4f}")

        digits, meta = DIGIT_GROUP, metas[DIGIT_GROUP]
        bpt = meta["val_bytes_per_token"]
        print(f"\n== compression (\\p{{N}}{{1,{digits}}}, {meta['vocab_size']:,} tokens), bytes/token on held-out")
        for name, value in bpt.items():
            print(f"  {name:12s} {value:.4f}  ({value / bpt['cl100k_base']:.3f} of cl100k)")

        train = meta["training"]
        print(f"\n== training: {train['mb']} MB in {train['seconds']} s = {train['mb_s']} MB/s "
              f"(whole step {meta['step_seconds']:.1f} s)")

        tokenizer = Tokenizer.from_file(str(Path(tmp, f"digits{digits}", "tokenizer", "tokenizer.json")))
        sample = train_sample(parts, split, SPEED_SAMPLE_BYTES)
        encoders = {
            "HF encode_batch (ours)": hf_encoder(tokenizer),
            "tiktoken (ours)": tiktoken_encoder(tiktoken_from_hf(tokenizer)),
            "tiktoken cl100k_base": tiktoken_encoder(reference_encoding("cl100k_base")),
            "tiktoken o200k_base": tiktoken_encoder(reference_encoding("o200k_base")),
        }
        speeds = {name: encoding_speed(encode, sample) for name, encode in encoders.items()}
        sample_mb = sum(len(t.encode("utf-8")) for t in sample) / 1e6
        print(f"\n== encoding {sample_mb:.1f} MB on {THREADS} threads")
        for name, speed in speeds.items():
            print(f"  {name:24s} {speed:6.1f} MB/s  ({speed / speeds['tiktoken cl100k_base']:.2f}x cl100k)")
        print(f"  step's shard writing with {meta['encoding']['encoder']}: {meta['encoding']['shards_mb_s']} MB/s "
              f"(reading, encoding, writing)")


if __name__ == "__main__":
    main()
