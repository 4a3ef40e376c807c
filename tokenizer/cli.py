"""`refinery tokenizer RUN`: our BPE vocabulary, the token shards, and the compression report."""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from pipeline import runlog
from pipeline.errors import RefineryError
from pipeline.executors import EXECUTORS

from .bpe import SPECIAL_TOKENS
from .manifest import MANIFEST
from .step import DEFAULT_SHARD_TOKENS, DEFAULT_TRAIN_BYTES, DEFAULT_VAL_FRACTION, DEFAULT_VOCAB_SIZE, build_tokenizer

MIN_VOCAB_SIZE = 256 + len(SPECIAL_TOKENS) + 1  # every byte, the special tokens, one merge


def register(subparsers) -> None:
    p = subparsers.add_parser("tokenizer", help="train a BPE tokenizer on RUN/final and write token shards",
                              description=__doc__)
    p.add_argument("run", metavar="RUN", help="run folder holding final/part-*.parquet")
    p.add_argument("--vocab-size", type=int, default=DEFAULT_VOCAB_SIZE,
                   help=f"tokens in the vocabulary, BOS included (default {DEFAULT_VOCAB_SIZE})")
    p.add_argument("--max-chars", type=int, default=None,
                   help="train on at most this many characters of each document (default: all)")
    p.add_argument("--train-bytes", type=int, default=DEFAULT_TRAIN_BYTES,
                   help=f"train the BPE on a fixed sample of at most this much text (default {DEFAULT_TRAIN_BYTES:,})")
    p.add_argument("--shard-tokens", type=int, default=DEFAULT_SHARD_TOKENS,
                   help=f"tokens per shard file (default {DEFAULT_SHARD_TOKENS:,})")
    p.add_argument("--val-fraction", type=float, default=DEFAULT_VAL_FRACTION,
                   help=f"share of documents held out for validation (default {DEFAULT_VAL_FRACTION})")
    p.add_argument("--executor", choices=EXECUTORS, default="local",
                   help="what encodes the final parts, one task per part (training runs here either way): "
                        "local: a process pool (default); ray: Ray tasks, on a local Ray instance of --workers "
                        "CPUs, or on the cluster at --ray-address (whose nodes must all see RUN at the same path)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                   help="parts encoded at once, each on cores/workers threads (default: %(default)s)")
    p.add_argument("--ray-address", metavar="auto|HOST:PORT",
                   help="the Ray cluster to run on ('auto': the one this machine belongs to)")
    p.set_defaults(func=run_tokenizer)


def run_tokenizer(args: argparse.Namespace) -> int:
    if args.vocab_size < MIN_VOCAB_SIZE:
        raise RefineryError(f"--vocab-size must be at least {MIN_VOCAB_SIZE}")
    if not 0 <= args.val_fraction < 1:
        raise RefineryError("--val-fraction must be in [0, 1)")
    if args.shard_tokens < 1 or args.workers < 1 or args.train_bytes < 1 or (args.max_chars is not None and args.max_chars < 1):
        raise RefineryError("--shard-tokens, --workers, --train-bytes and --max-chars must be positive")
    meta = build_tokenizer(args.run, args.vocab_size, args.max_chars, args.shard_tokens, args.val_fraction,
                           executor=args.executor, workers=args.workers, ray_address=args.ray_address,
                           train_bytes=args.train_bytes)
    train, enc = meta["training"], meta["encoding"]
    runlog.note(vocab=meta["vocab_size"], **{f"{side}_tokens": c["tokens"] for side, c in meta["shards"].items()})
    if meta["vocab_size"] < args.vocab_size:
        print(f"the corpus gave only {meta['vocab_size']:,} tokens of the {args.vocab_size:,} asked for")
    print(f"vocabulary {meta['vocab_size']:,} (BOS id {meta['bos_id']}), trained on {train['mb']} MB "
          f"in {train['seconds']} s ({train['mb_s']} MB/s)"
          + (": reused, an earlier run trained it on the same final/ and settings" if train["reused"] else ""))
    for side, c in meta["shards"].items():
        print(f"{side}: {c['documents']:,} documents, {c['tokens']:,} tokens in {c['shards']} shard(s)")
    print(f"encoded with {enc['encoder']} at {enc['shards_mb_s']} MB/s ({enc['executor']} executor, "
          f"{enc['workers']} worker(s) of {enc['threads_per_task']} thread(s))")
    if meta["val_bytes_per_token"]:
        print("bytes/token on held-out documents: "
              + ", ".join(f"{name} {bpt}" for name, bpt in meta["val_bytes_per_token"].items()))
    print(f"wrote {Path(args.run, 'tokens', MANIFEST)}: the trainer checks the shards against it")
    return 0
