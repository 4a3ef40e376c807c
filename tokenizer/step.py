"""The tokenizer step, start to end: train our BPE on the train side of RUN/final, write it to
RUN/tokenizer/, encode every document into RUN/tokens/, and measure bytes per token on the
held-out side against cl100k and o200k into RUN/reports/tokenizer.parquet.

RUN/tokenizer/meta.json keeps what the trainer and the report need without re-measuring:
vocabulary size, BOS id, the split pattern, and the training and encoding figures.
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import polars as pl
from tqdm import tqdm

from . import bpe
from .compression import ALL, compression_table
from .corpus import Split, final_parts, iter_batches, split_documents, train_sample
from .encode import write_token_shards
from .encoders import REFERENCES, pick_faster, reference_encoding, tiktoken_encoder
from .shards import dtype_for_vocab

DEFAULT_VOCAB_SIZE = 8192          # fits the demo corpus (a few MB); GPT-2 class models use 32k-50k
DEFAULT_SHARD_TOKENS = 100_000_000  # llm.c's fineweb.py shard size
DEFAULT_VAL_FRACTION = 0.005        # 1 document in 200
SPEED_SAMPLE_BYTES = 8_000_000      # text timed with both encoders before choosing one


class _TrainTexts:
    """Batches of train-side texts, each cut to `max_chars` when set, so a few huge pages cannot
    dominate the merge counts; `bytes` counts what was handed to the trainer, for its MB/s."""

    def __init__(self, parts: list[Path], split: Split, max_chars: int | None):
        self.parts, self.split, self.max_chars = parts, split, max_chars
        self.bytes = 0

    def __iter__(self) -> Iterator[list[str]]:
        with tqdm(total=self.split.documents - len(self.split.val_ids), unit="doc", desc="train BPE") as bar:
            for batch in iter_batches(self.parts, ["id", "text"]):
                texts = [text[:self.max_chars] for doc_id, text in zip(batch["id"], batch["text"])
                         if not self.split.is_val(doc_id)]
                self.bytes += sum(len(t.encode("utf-8")) for t in texts)
                bar.update(len(texts))
                yield texts
            bar.set_postfix_str("all read; HF tokenizers computes the merges")


def _val_batches(parts: list[Path], split: Split) -> Iterator[dict[str, list]]:
    columns = ["id", "text"] + (["lang"] if "lang" in pq.read_schema(parts[0]).names else [])
    for batch in iter_batches(parts, columns):
        keep = [i for i, doc_id in enumerate(batch["id"]) if split.is_val(doc_id)]
        if keep:
            yield {column: [values[i] for i in keep] for column, values in batch.items()}


def build_tokenizer(run: str | Path, vocab_size: int = DEFAULT_VOCAB_SIZE, max_chars: int | None = None,
                    shard_tokens: int = DEFAULT_SHARD_TOKENS, val_fraction: float = DEFAULT_VAL_FRACTION,
                    digit_group: int = bpe.DIGIT_GROUP) -> dict:
    """Runs the whole step and returns the contents of meta.json."""
    run = Path(run)
    parts = final_parts(run)
    split = split_documents(parts, val_fraction)

    texts = _TrainTexts(parts, split, max_chars)
    start = time.perf_counter()
    pattern = bpe.split_pattern(digit_group)
    tokenizer = bpe.train_bpe(texts, vocab_size, pattern)
    train_seconds = time.perf_counter() - start
    bpe.save(tokenizer, run / "tokenizer")
    vocab = tokenizer.get_vocab_size()
    bos_id = tokenizer.token_to_id(bpe.BOS)

    encoder, encode, speeds = pick_faster(tokenizer, train_sample(parts, split, SPEED_SAMPLE_BYTES))
    print(f"encoders: HF {speeds['hf_encode_mb_s']} MB/s, tiktoken {speeds['tiktoken_encode_mb_s']} MB/s "
          f"(same ids: {speeds['tiktoken_same_ids']}); using {encoder}")
    start = time.perf_counter()
    counts = write_token_shards(parts, split, encode, bos_id, vocab, run / "tokens", shard_tokens)
    encode_seconds = time.perf_counter() - start

    encoders = {"refinery": (encode, vocab)}
    for name in REFERENCES:
        reference = reference_encoding(name)
        encoders[name] = (tiktoken_encoder(reference), reference.n_vocab)
    report = compression_table(tqdm(_val_batches(parts, split), desc="bytes/token on val", unit="batch"), encoders)
    (run / "reports").mkdir(parents=True, exist_ok=True)
    report.write_parquet(run / "reports" / "tokenizer.parquet")

    meta = {
        "vocab_size": vocab,
        "requested_vocab_size": vocab_size,
        "bos_token": bpe.BOS,
        "bos_id": bos_id,
        "split_pattern": pattern,
        "digit_group": digit_group,
        "max_chars": max_chars,
        "val_fraction": val_fraction,
        "shard_tokens": shard_tokens,
        "token_dtype": str(dtype_for_vocab(vocab)),
        "shards": counts,
        "training": {"mb": round(texts.bytes / 1e6, 3), "seconds": round(train_seconds, 2),
                     "mb_s": round(texts.bytes / 1e6 / train_seconds, 2)},
        "encoding": {**speeds, "shards_seconds": round(encode_seconds, 2),
                     "shards_mb_s": round(split.total_bytes / 1e6 / encode_seconds, 2)},
        "val_bytes_per_token": {row["tokenizer"]: round(row["bytes_per_token"], 4)
                                for row in report.filter(pl.col("lang") == ALL).iter_rows(named=True)},
    }
    (run / "tokenizer" / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    return meta
