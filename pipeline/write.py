"""Write: rows to Parquet (zstd), streamed in row groups, made visible only when complete; and
the documents of final/ in the format the run asked for, and read back in either.

A file is written under a temporary name and renamed on close, so a reader (or a resumed
run) never sees half a shard: either the whole file is there or none of it.

final/ is Parquet by default. `--format jsonl` writes it as gzipped JSON Lines, one document a
line with the same columns, which is how Dolma ships its corpus and what tools without Arrow read.
"""
from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from .layout import FORMATS

if TYPE_CHECKING:
    import polars as pl

ROWS_PER_GROUP = 2000


def _temporary(path: Path) -> Path:
    """A name beside `path` for writing it, after removing those a killed attempt left."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{path.name}.*.tmp"):
        stale.unlink(missing_ok=True)
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


class _WholeFile:
    """A sink's file is written under a temporary name and renamed into place by `close()` when
    whole; leaving the `with` block on an error calls `abort()`, which deletes it instead."""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.abort() if exc_type else self.close()


class ParquetSink(_WholeFile):
    def __init__(self, path: str | Path, schema: pa.Schema, rows_per_group: int = ROWS_PER_GROUP):
        self.path = Path(path)
        self.tmp = _temporary(self.path)
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


DOCS_SCHEMA = pa.schema([
    ("id", pa.string()), ("url", pa.string()), ("text", pa.string()),
    ("lang", pa.string()), ("lang_score", pa.float64()),
    ("warc", pa.string()), ("offset", pa.int64()), ("date", pa.string()),
    ("quality_score", pa.float64()),
])


class JsonlSink(_WholeFile):
    """Documents as gzipped JSON Lines, written as ParquetSink writes (same calls, same renaming)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.tmp = _temporary(self.path)
        self.count = 0
        # mtime 0: the same documents give the same bytes, as the Parquet files do
        self.out = gzip.GzipFile(self.tmp, "wb", mtime=0)

    def add(self, row: dict) -> None:
        self.out.write(json.dumps(row, ensure_ascii=False).encode("utf-8") + b"\n")
        self.count += 1

    def close(self) -> None:
        self.out.close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        self.out.close()
        self.tmp.unlink(missing_ok=True)


def documents_sink(path: Path) -> ParquetSink | JsonlSink:
    """A sink for documents in the format the file's name says (FORMATS)."""
    return JsonlSink(path) if path.name.endswith(FORMATS["jsonl"]) else ParquetSink(path, DOCS_SCHEMA)


def document_parts(folder: Path) -> list[Path]:
    """The part files of a documents folder (final/), in whichever format they were written."""
    return sorted(p for suffix in FORMATS.values() for p in folder.glob(f"part-*{suffix}"))


def format_of(path: str | Path) -> str:
    return "jsonl" if str(path).endswith(FORMATS["jsonl"]) else "parquet"


def scan_documents(source: str | Path | list, format: str) -> pl.LazyFrame:
    """Documents files (a path, a glob or a list of them) in `format`, as one lazy frame with
    the columns and types of DOCS_SCHEMA. (Polars is imported here, not at the top: the pool
    workers that write documents never read them as frames, and it costs each 0.13 s to load.)"""
    import polars as pl

    if format == "jsonl":
        return pl.scan_ndjson(source, schema=pl.Schema(pl.from_arrow(DOCS_SCHEMA.empty_table()).schema))
    return pl.scan_parquet(source)


def iter_document_batches(path: Path, columns: list[str], batch_rows: int) -> Iterator[dict[str, list]]:
    """A documents file in batches of {column: values}, never read whole."""
    if format_of(path) == "parquet":
        for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_rows, columns=columns):
            yield batch.to_pydict()
        return
    batch: dict[str, list] = {c: [] for c in columns}
    with gzip.open(path, "rb") as lines:
        for line in lines:
            row = json.loads(line)
            for c in columns:
                batch[c].append(row[c])
            if len(batch[columns[0]]) == batch_rows:
                yield batch
                batch = {c: [] for c in columns}
    if batch[columns[0]]:
        yield batch


def document_columns(path: Path) -> list[str]:
    """The columns a documents file holds."""
    if format_of(path) == "parquet":
        return pq.read_schema(path).names
    with gzip.open(path, "rb") as lines:
        first = lines.readline()
    return list(json.loads(first)) if first.strip() else list(DOCS_SCHEMA.names)
