"""The tokenizer step, start to end: train our BPE on the train side of RUN/final, write it to
RUN/tokenizer/, encode every document into RUN/tokens/, measure bytes per token on the
held-out side against cl100k and o200k into RUN/reports/tokenizer.parquet, and seal the shards
with RUN/tokens/manifest.json.

RUN/tokenizer/meta.json keeps what the trainer and the report need without re-measuring:
vocabulary size, BOS id, the split pattern, and the training and encoding figures.

Crash safety: every file is written whole or not at all (atomic.py), and the manifest is deleted
first and written last, so a run killed at any moment leaves shards the trainer refuses, never
shards it would misread. A rerun redoes the step, except the BPE training when
RUN/tokenizer/training.json says an earlier run finished it on the same final parts with the
same settings: training is the costly part and is deterministic, so reusing it gives the same
bytes. Encoding is always redone in full: knowing where a shard starts takes encoding every
document before it anyway, and encoding runs many times faster than training.

Training runs here, on one machine; encoding runs one task per final part through an executor
(a local process pool, or Ray on a cluster), and the shards are cut here from what the tasks
wrote (encode.py), so every executor and number of workers gives the same bytes.
"""
from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import tokenizers
from tokenizers import Tokenizer
from tqdm import tqdm

from pipeline.executors import make_executor
from pipeline.write import document_columns

from . import bpe
from .atomic import atomic_output, remove_stale_temps, write_text_atomic
from .compression import ALL, compression_table
from .corpus import Split, final_parts, iter_batches, split_documents, split_score, train_sample
from .encode import write_token_shards
from .encoders import REFERENCES, THREADS, pick_faster, reference_encoding, tiktoken_encoder
from .manifest import MANIFEST, file_sha256, write_manifest
from .shards import dtype_for_vocab

DEFAULT_VOCAB_SIZE = 8192          # fits the demo corpus (a few MB); GPT-2 class models use 32k-50k
DEFAULT_SHARD_TOKENS = 100_000_000  # llm.c's fineweb.py shard size
DEFAULT_VAL_FRACTION = 0.005        # 1 document in 200
# The BPE trains on one machine, from a sample of at most this much train-side text: merges
# learnt from 2 GB barely differ from merges learnt from more, and the trainer holds its word
# counts in memory. Below it (the demo, a test) every document is used.
DEFAULT_TRAIN_BYTES = 2_000_000_000
SPEED_SAMPLE_BYTES = 8_000_000      # text timed with both encoders before choosing one
TRAINING_RECORD = "training.json"   # in RUN/tokenizer/: what the BPE was trained on, written after it
REPORT = "tokenizer.parquet"        # in RUN/reports/


class _TrainTexts:
    """Batches of train-side texts, each cut to `max_chars` when set, so a few huge pages cannot
    dominate the merge counts; `bytes` counts what was handed to the trainer, for its MB/s.
    With a corpus larger than `train_bytes`, a document is in the sample when a hash of its id
    falls below train_bytes / corpus bytes: the same sample every time, spread over every part."""

    def __init__(self, parts: list[Path], split: Split, max_chars: int | None, train_bytes: int):
        self.parts, self.split, self.max_chars = parts, split, max_chars
        self.rate = min(1.0, train_bytes / max(split.total_bytes, 1))
        self.bytes = 0

    def _sampled(self, doc_id: str) -> bool:
        return self.rate >= 1.0 or split_score("train-sample:" + doc_id) < self.rate

    def __iter__(self) -> Iterator[list[str]]:
        with tqdm(total=self.split.documents - len(self.split.val_ids), unit="doc", desc="train BPE") as bar:
            for batch in iter_batches(self.parts, ["id", "text"]):
                texts = [text[:self.max_chars] for doc_id, text in zip(batch["id"], batch["text"])
                         if not self.split.is_val(doc_id) and self._sampled(doc_id)]
                self.bytes += sum(len(t.encode("utf-8")) for t in texts)
                bar.update(len(texts))
                yield texts
            bar.set_postfix_str("all read; HF tokenizers computes the merges")


def _val_batches(parts: list[Path], split: Split) -> Iterator[dict[str, list]]:
    columns = ["id", "text"] + (["lang"] if "lang" in document_columns(parts[0]) else [])
    for batch in iter_batches(parts, columns):
        keep = [i for i, doc_id in enumerate(batch["id"]) if split.is_val(doc_id)]
        if keep:
            yield {column: [values[i] for i in keep] for column, values in batch.items()}


def training_inputs(parts: list[Path], vocab_size: int, max_chars: int | None, val_fraction: float,
                    pattern: str, train_bytes: int = DEFAULT_TRAIN_BYTES) -> dict:
    """Everything the learned merges depend on: the final parts' bytes, the settings, and the
    library that learns them. Equal inputs give an identical tokenizer.json."""
    return {"final_parts": {p.name: file_sha256(p) for p in parts}, "vocab_size": vocab_size,
            "max_chars": max_chars, "val_fraction": val_fraction, "split_pattern": pattern,
            "train_bytes": train_bytes,
            "tokenizers": tokenizers.__version__}


def _earlier_training(tok_dir: Path, inputs: dict) -> dict | None:
    """The figures of a finished training on these very inputs, if RUN/tokenizer holds one."""
    if not all((tok_dir / name).exists() for name in (*bpe.FILES, TRAINING_RECORD)):
        return None
    try:
        record = json.loads((tok_dir / TRAINING_RECORD).read_text(encoding="utf-8"))
    except ValueError:
        return None
    return record.get("figures") if record.get("inputs") == inputs else None


def _trained_tokenizer(parts: list[Path], split: Split, vocab_size: int, max_chars: int | None,
                       val_fraction: float, pattern: str, tok_dir: Path, train_bytes: int) -> tuple[Tokenizer, dict]:
    """The tokenizer saved in `tok_dir` and its training figures: an earlier run's when it trained
    on the same inputs, else trained now. training.json is written after the tokenizer's files
    and deleted before they change, so it never vouches for half-written ones."""
    inputs = training_inputs(parts, vocab_size, max_chars, val_fraction, pattern, train_bytes)
    figures = _earlier_training(tok_dir, inputs)
    if figures is not None:
        return Tokenizer.from_file(str(tok_dir / "tokenizer.json")), {**figures, "reused": True}
    (tok_dir / TRAINING_RECORD).unlink(missing_ok=True)
    texts = _TrainTexts(parts, split, max_chars, train_bytes)
    start = time.perf_counter()
    tokenizer = bpe.train_bpe(texts, vocab_size, pattern)
    seconds = time.perf_counter() - start
    bpe.save(tokenizer, tok_dir)
    figures = {"mb": round(texts.bytes / 1e6, 3), "seconds": round(seconds, 2),
               "mb_s": round(texts.bytes / 1e6 / seconds, 2)}
    write_text_atomic(tok_dir / TRAINING_RECORD, json.dumps({"inputs": inputs, "figures": figures}, indent=2) + "\n")
    return tokenizer, {**figures, "reused": False}


def build_tokenizer(run: str | Path, vocab_size: int = DEFAULT_VOCAB_SIZE, max_chars: int | None = None,
                    shard_tokens: int = DEFAULT_SHARD_TOKENS, val_fraction: float = DEFAULT_VAL_FRACTION,
                    digit_group: int = bpe.DIGIT_GROUP, executor: str = "local", workers: int | None = None,
                    ray_address: str | None = None, train_bytes: int = DEFAULT_TRAIN_BYTES,
                    trained: Path | None = None) -> dict:
    """Runs the whole step and returns the contents of meta.json. `executor` ("local" or "ray"),
    `workers` (default: one per core) and `ray_address` say what encodes the final parts.
    `trained`, a tokenizer folder written by bpe.save elsewhere, is used instead of training one
    on this run: several runs encoded with one tokenizer (`refinery ablate`) compare fairly."""
    run = Path(os.path.abspath(run))                # encoding tasks may run in other folders, on other machines
    workers = workers or os.cpu_count() or 1
    parts = final_parts(run)
    tok_dir, tokens_dir, reports_dir = run / "tokenizer", run / "tokens", run / "reports"
    for folder in (tok_dir, tokens_dir, reports_dir):
        folder.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(tok_dir)
    remove_stale_temps(tokens_dir)
    remove_stale_temps(reports_dir, REPORT)        # reports/ holds other steps' files too
    (tokens_dir / MANIFEST).unlink(missing_ok=True)  # no receipt until the outputs are whole again
    split = split_documents(parts, val_fraction)

    pattern = bpe.split_pattern(digit_group)
    if trained is None:
        tokenizer, training = _trained_tokenizer(parts, split, vocab_size, max_chars, val_fraction, pattern,
                                                 tok_dir, train_bytes)
    else:
        (tok_dir / TRAINING_RECORD).unlink(missing_ok=True)   # it would vouch for this run's own training
        tokenizer = Tokenizer.from_file(str(Path(trained) / "tokenizer.json"))
        bpe.save(tokenizer, tok_dir)
        training = {"trained_in": str(trained), "reused": True}
    vocab = tokenizer.get_vocab_size()
    bos_id = tokenizer.token_to_id(bpe.BOS)

    encoder, encode, speeds = pick_faster(tokenizer, train_sample(parts, split, SPEED_SAMPLE_BYTES))
    print(f"encoders: HF {speeds['hf_encode_mb_s']} MB/s, tiktoken {speeds['tiktoken_encode_mb_s']} MB/s "
          f"(same ids: {speeds['tiktoken_same_ids']}); using {encoder}")
    # Each task gets its share of this machine's threads: the workers run side by side. (On a
    # cluster, whose nodes Ray fills with one task per CPU, this assumes nodes like this one.)
    threads = max(1, THREADS // min(workers, len(parts)))
    pool = make_executor(executor, workers, ray_address)
    start = time.perf_counter()
    try:
        counts, shards = write_token_shards(parts, split, tok_dir / "tokenizer.json", encoder, vocab, tokens_dir,
                                            shard_tokens, pool, threads)
    finally:
        pool.close()
    # the wall time of the whole encode: starting the workers (seconds for Ray), encoding, cutting the shards
    encode_seconds = time.perf_counter() - start

    encoders = {"refinery": (encode, vocab)}
    for name in REFERENCES:
        reference = reference_encoding(name)
        encoders[name] = (tiktoken_encoder(reference), reference.n_vocab)
    report = compression_table(tqdm(_val_batches(parts, split), desc="bytes/token on val", unit="batch"), encoders)
    with atomic_output(reports_dir / REPORT) as f:
        report.write_parquet(f)

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
        "training": training,
        "encoding": {**speeds, "executor": executor, "workers": workers, "threads_per_task": threads,
                     "shards_seconds": round(encode_seconds, 2),
                     "shards_mb_s": round(split.total_bytes / 1e6 / encode_seconds, 2)},
        "val_bytes_per_token": {row["tokenizer"]: round(row["bytes_per_token"], 4)
                                for row in report.filter(pl.col("lang") == ALL).iter_rows(named=True)},
    }
    write_text_atomic(tok_dir / "meta.json", json.dumps(meta, indent=2) + "\n")
    write_manifest(tokens_dir, tok_dir / "tokenizer.json", vocab, bos_id, shards)  # last: the step is done
    return meta
