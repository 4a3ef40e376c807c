"""Write: rows to Parquet (zstd), streamed in row groups, made visible only when complete.

The file is written under a temporary name and renamed on close, so a reader (or a resumed
run) never sees half a shard: either the whole file is there or none of it.
"""
from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROWS_PER_GROUP = 2000


class ParquetSink:
    def __init__(self, path: str | Path, schema: pa.Schema, rows_per_group: int = ROWS_PER_GROUP):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for stale in self.path.parent.glob(f".{self.path.name}.*.tmp"):   # left by a killed attempt
            stale.unlink(missing_ok=True)
        self.tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        self.schema = schema
        self.rows_per_group = rows_per_group
        self.rows: list[dict] = []
        self.count = 0
        self.writer = pq.ParquetWriter(self.tmp, schema, compression="zstd")

    def add(self, row: dict) -> None:
        self.rows.append(row)
        self.count += 1
        if len(self.rows) >= self.rows_per_group:
            self._flush()

    def _flush(self) -> None:
        if self.rows:
            self.writer.write_table(pa.Table.from_pylist(self.rows, schema=self.schema))
            self.rows = []

    def close(self) -> None:
        self._flush()
        self.writer.close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        self.writer.close()
        self.tmp.unlink(missing_ok=True)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.abort() if exc_type else self.close()


DOCS_SCHEMA = pa.schema([
    ("id", pa.string()), ("url", pa.string()), ("text", pa.string()),
    ("lang", pa.string()), ("lang_score", pa.float64()),
    ("warc", pa.string()), ("offset", pa.int64()), ("date", pa.string()),
])
