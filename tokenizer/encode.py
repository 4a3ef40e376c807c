"""Every final document, encoded and written to RUN/tokens/{train,val}_NNNNNN.bin.

Documents keep the final parts' order, each preceded by BOS, and go to the side the split gave
their id, so the same corpus and tokenizer always give byte-identical shards.
"""
from __future__ import annotations

from itertools import chain
from pathlib import Path

import numpy as np
from tqdm import tqdm

from .corpus import Split, iter_batches
from .encoders import Encode
from .shards import ShardWriter, dtype_for_vocab


def write_token_shards(parts: list[Path], split: Split, encode: Encode, bos_id: int, vocab_size: int,
                       out_dir: Path, shard_tokens: int) -> tuple[dict, list[dict]]:
    """Returns {side: {documents, tokens, shards}} for side in train, val, and the shards'
    manifest entries."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in [*out_dir.glob("train_*.bin"), *out_dir.glob("val_*.bin")]:
        stale.unlink()  # a previous run with another shard size would leave extra shards behind
    writers = {side: ShardWriter(out_dir, side, shard_tokens, vocab_size) for side in ("train", "val")}
    documents = {"train": 0, "val": 0}
    dtype = dtype_for_vocab(vocab_size)
    with tqdm(total=split.total_bytes, unit="B", unit_scale=True, desc="encode shards") as bar:
        for batch in iter_batches(parts, ["id", "text"]):
            encoded = encode(batch["text"])
            by_side: dict[str, list[list[int]]] = {"train": [], "val": []}
            for doc_id, ids in zip(batch["id"], encoded):
                by_side["val" if split.is_val(doc_id) else "train"].append(ids)
            for side, docs in by_side.items():
                count = sum(len(ids) + 1 for ids in docs)
                flat = np.fromiter(chain.from_iterable(chain((bos_id,), ids) for ids in docs), dtype, count)
                writers[side].add(flat)
                documents[side] += len(docs)
            bar.update(sum(len(t.encode("utf-8")) for t in batch["text"]))
            bar.set_postfix(docs=documents["train"] + documents["val"])
    written = {side: writer.close() for side, writer in writers.items()}
    counts = {side: {"documents": documents[side], "tokens": writers[side].tokens, "shards": len(written[side])}
              for side in writers}
    return counts, written["train"] + written["val"]
