"""Every final document, encoded and written to RUN/tokens/{train,val}_NNNNNN.bin.

Documents keep the final parts' order, each preceded by BOS, and go to the side the split gave
their id, so the same corpus and tokenizer always give byte-identical shards, whatever encoded them:

1. `encode_part`, one task per final part, run by an executor (pipeline/executors: a process
   pool, or Ray on a cluster): it encodes the part and writes its train and its val tokens, in
   document order, to RUN/tokens/.parts/PART.{train,val}.npy. It returns how many documents it
   encoded (what the executors' bars count), never tokens.
2. `write_token_shards`, on the driver: appends those arrays part after part, in the final
   parts' order, to the fixed-size shards, one part in memory at a time, and deletes them.

A shard's bytes depend on everything before it, so only the encoding is parallel; cutting the
shards is a copy. The part files are written whole or not at all (atomic.py), and a run always
starts by deleting any a killed run left: every encoding is redone, never mixed with an older one.
"""
from __future__ import annotations

import shutil
from itertools import chain
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from pipeline import progress
from pipeline.errors import RefineryError, ShardFailed

from .atomic import atomic_output
from .bpe import BOS
from .corpus import Split, iter_batches
from .encoders import our_encoder
from .shards import ShardWriter, dtype_for_vocab

PARTS = ".parts"            # in RUN/tokens/: the per-part token arrays while the step runs
SIDES = ("train", "val")


def part_file(parts_dir: str | Path, part: str | Path, side: str) -> Path:
    return Path(parts_dir) / f"{Path(part).stem}.{side}.npy"


def encode_part(part: str, tokenizer_json: str, encoder: str, val_ids: list[str], threads: int,
                parts_dir: str) -> dict:
    """Encode one final part with `encoder` ("hf" or "tiktoken", as the driver chose it) on
    `threads` threads; `val_ids` are the part's validation documents. Returns the number of
    documents encoded."""
    tokenizer = Tokenizer.from_file(tokenizer_json)
    encode = our_encoder(encoder, tokenizer, threads)
    bos_id, dtype = tokenizer.token_to_id(BOS), dtype_for_vocab(tokenizer.get_vocab_size())
    held_out = set(val_ids)
    pieces: dict[str, list[np.ndarray]] = {side: [] for side in SIDES}
    documents = 0
    for batch in iter_batches([Path(part)], ["id", "text"]):
        by_side: dict[str, list[list[int]]] = {side: [] for side in SIDES}
        for doc_id, ids in zip(batch["id"], encode(batch["text"])):
            by_side["val" if doc_id in held_out else "train"].append(ids)
        for side, docs in by_side.items():
            count = sum(len(ids) + 1 for ids in docs)
            pieces[side].append(np.fromiter(chain.from_iterable(chain((bos_id,), ids) for ids in docs), dtype, count))
        documents += len(batch["id"])
        progress.advance(bytes_read=sum(len(t.encode("utf-8")) for t in batch["text"]),
                         docs_written=len(batch["id"]))
    for side in SIDES:
        with atomic_output(part_file(parts_dir, part, side)) as f:
            np.save(f, np.concatenate(pieces[side]) if pieces[side] else np.empty(0, dtype))
    return documents


def write_token_shards(parts: list[Path], split: Split, tokenizer_json: Path, encoder: str, vocab_size: int,
                       out_dir: Path, shard_tokens: int, executor, threads: int) -> tuple[dict, list[dict]]:
    """Encode the parts through `executor` (tasks of `threads` threads each), then cut the shards.
    Returns {side: {documents, tokens, shards}} for side in train, val, and the shards'
    manifest entries."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in [*out_dir.glob("train_*.bin"), *out_dir.glob("val_*.bin")]:
        stale.unlink()  # a previous run with another shard size would leave extra shards behind
    parts_dir = out_dir / PARTS
    shutil.rmtree(parts_dir, ignore_errors=True)  # a killed run's, maybe of another tokenizer or split
    parts_dir.mkdir()
    tasks = [dict(part=str(part), tokenizer_json=str(tokenizer_json), encoder=encoder, val_ids=val_ids,
                  threads=threads, parts_dir=str(parts_dir)) for part, val_ids in zip(parts, split.part_val_ids)]
    results = executor.run(encode_part, tasks, "encode parts", count="bytes", total=split.total_bytes)
    failed = [f"  {part.name}: {result}" for part, result in zip(parts, results) if isinstance(result, ShardFailed)]
    if failed:
        raise RefineryError("could not encode these final parts, so no shards were written:\n" + "\n".join(failed)
                            + f"\nrerun `refinery tokenizer {out_dir.parent}`")

    writers = {side: ShardWriter(out_dir, side, shard_tokens, vocab_size) for side in SIDES}
    documents = dict.fromkeys(SIDES, 0)
    for part, val_ids, encoded in zip(parts, split.part_val_ids, results):
        for side, writer in writers.items():
            path = part_file(parts_dir, part, side)
            writer.add(np.load(path, mmap_mode="r"))
            path.unlink()
        documents["train"] += encoded - len(val_ids)
        documents["val"] += len(val_ids)
    written = {side: writer.close() for side, writer in writers.items()}
    shutil.rmtree(parts_dir)
    counts = {side: {"documents": documents[side], "tokens": writers[side].tokens, "shards": len(written[side])}
              for side in writers}
    return counts, written["train"] + written["val"]
