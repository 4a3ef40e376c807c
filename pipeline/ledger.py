"""The ledger: one row per document per decision point, the single source of every report.

    doc_id, url, shard, stage, kept, reason, bytes, metrics

`bytes` is the size of the document as the step saw it (the HTTP body at `read`, the text
after extraction), so a funnel can count bytes as well as documents. `metrics` holds what the
step measured, as JSON (each step measures different things); Polars reads it with
`pl.col("metrics").str.json_decode()`.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyarrow as pa

from .decision import Decision
from .document import Document
from .write import ParquetSink

LEDGER_SCHEMA = pa.schema([
    ("doc_id", pa.string()), ("url", pa.string()), ("shard", pa.int32()),
    ("stage", pa.string()), ("kept", pa.bool_()), ("reason", pa.string()),
    ("bytes", pa.int64()), ("metrics", pa.string()),
])


def page_rows():
    """The Polars filter of the rows about pages (or, for document inputs, rows): all but the
    `read` step's drops of WARC records that are no page, a request or metadata record
    (`read:<type>_record`). A corrupt record may have been a page, so it counts as one. Funnels
    start from these. (Polars is imported here: the pool workers write ledgers, never read them.)"""
    import polars as pl

    return ~((pl.col("stage") == "read") & pl.col("reason").str.contains(r"^read:\w+_record$")
             & (pl.col("reason") != "read:corrupt_record"))


class Ledger:
    def __init__(self, path: str | Path, shard: int):
        self.sink = ParquetSink(path, LEDGER_SCHEMA)
        self.shard = shard
        self.outcomes: Counter = Counter()   # (stage, reason or "kept") -> documents

    def record(self, doc: Document, stage: str, decision: Decision) -> None:
        self.sink.add({
            "doc_id": doc.id, "url": doc.url, "shard": self.shard, "stage": stage,
            "kept": decision.kept, "reason": decision.reason, "bytes": doc.size(),
            "metrics": json.dumps(decision.metrics, sort_keys=True, ensure_ascii=False),
        })
        self.outcomes[(stage, decision.reason or "kept")] += 1

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.sink.__exit__(exc_type, exc, tb)
