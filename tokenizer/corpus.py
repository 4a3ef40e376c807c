"""The final documents as the tokenizer step reads them: in record batches, never whole, and
split into train and validation by document id.

The split hashes the id, not the position, so a document lands on the same side whatever the
number of parts, their order, or the other documents around it. The tokenizer is trained on
the train side only, which keeps the validation documents honest held-out text for both the
bytes-per-token report and the model's validation loss.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from pipeline.errors import RefineryError
from pipeline.write import document_parts, format_of, iter_document_batches, scan_documents

BATCH_ROWS = 1024  # documents per batch: big enough for the encoders' threads, small in memory
# A validation loss over a handful of documents is noise: small corpora give up to a tenth of
# their documents, at most this many, whatever the fraction asks.
MIN_VAL_DOCS = 20


def final_parts(run: str | Path) -> list[Path]:
    """final/'s parts, in whichever format the run wrote them (pipeline/write.py)."""
    parts = document_parts(Path(run, "final"))
    if not parts:
        raise RefineryError(f"no {Path(run, 'final', 'part-*.parquet')} (or .jsonl.gz): run `refinery dataset` first")
    return parts


def iter_batches(parts: list[Path], columns: list[str], batch_rows: int = BATCH_ROWS) -> Iterator[dict[str, list]]:
    """Each batch as {column: values}, part after part, in file order (the shards' order)."""
    for part in parts:
        yield from iter_document_batches(part, columns, batch_rows)


def split_score(doc_id: str) -> float:
    """A uniform number in [0, 1) fixed by the id alone (Python's hash() changes per process)."""
    digest = hashlib.blake2b(doc_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


@dataclass
class Split:
    val_ids: set[str]
    documents: int
    total_bytes: int  # UTF-8 bytes of all texts: the encoding progress bar's total
    # per final part, in order: the validation ids it holds, all an encoding task of that part
    # needs to know of the split (a part's share, not the whole set, travels to other machines)
    part_val_ids: list[list[str]]

    def is_val(self, doc_id: str) -> bool:
        return doc_id in self.val_ids


def split_documents(parts: list[Path], val_fraction: float) -> Split:
    """Validation = the documents whose score falls below `val_fraction`, but at least
    MIN_VAL_DOCS (or a tenth of a small corpus), never none and never all when there are two
    or more documents: a tiny corpus still gets a validation loss worth reading.

    Reads only the id and the text lengths (polars streams the scan), not the texts themselves.
    """
    sizes = (
        pl.concat([scan_documents(part, format_of(part)).select("id", pl.col("text").str.len_bytes().alias("bytes"),
                                                 pl.lit(index, pl.UInt32).alias("part"))
                   for index, part in enumerate(parts)])
        .collect(engine="streaming")
    )
    if sizes.height == 0:
        raise RefineryError(f"{parts[0].parent} holds no documents")
    ids = sizes["id"].to_list()
    scores = np.fromiter((split_score(i) for i in ids), dtype=np.float64, count=len(ids))
    n_val = max(int((scores < val_fraction).sum()), min(MIN_VAL_DOCS, len(ids) // 10))
    if len(ids) >= 2:
        n_val = min(max(n_val, 1), len(ids) - 1)
    val_ids = {ids[i] for i in np.argsort(scores, kind="stable")[:n_val]}
    held_out = sizes.filter(pl.col("id").is_in(list(val_ids)))   # every copy of a held-out id
    part_val_ids = [held_out.filter(pl.col("part") == index)["id"].to_list() for index in range(len(parts))]
    return Split(val_ids, sizes.height, int(sizes["bytes"].sum()), part_val_ids)


def train_sample(parts: list[Path], split: Split, max_bytes: int) -> list[str]:
    """The first train-side texts, up to about `max_bytes` of UTF-8."""
    sample, size = [], 0
    for batch in iter_batches(parts, ["id", "text"]):
        for doc_id, text in zip(batch["id"], batch["text"]):
            if not split.is_val(doc_id):
                sample.append(text)
                size += len(text.encode("utf-8"))
                if size >= max_bytes:
                    return sample
    return sample
