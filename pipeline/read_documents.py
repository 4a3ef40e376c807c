"""Read document corpora: Parquet or JSON Lines files of texts already extracted (a FineWeb or
Dolma shard, or another run's final/), one row one Document, its text set. One file is one shard.

Columns are found by FineWeb's and Dolma's names (and ours); the others are not read:

    text                       the document's text
    id                         kept as it is; without one, a hash of the file name and row number
    url, metadata.url          the page's URL (Dolma keeps it under metadata)
    date, created              when it was crawled (FineWeb: date; Dolma: created)
    language, language_score   FineWeb's language call (ours: lang, lang_score), kept unless a
                               language step of the recipe decides again

As the WARC reader does, this reader never decides: a line that is not a JSON object, a `text`
that is not a string, a file that cannot be read as its format is yielded with `error` set, and
RowFilter, the `read` step of document inputs, gives every row its ledger row with the reason
it was skipped. The steps that work on HTML (those whose class says `needs_html`) do not run:
there is no HTML.
"""
from __future__ import annotations

import gzip
import io
import json
import zlib
from datetime import date, datetime
from typing import Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from . import progress
from .decision import Decision, drop, keep
from .document import Document, doc_id_for
from .sources import is_url, open_source
from .sources.retry import RetryPolicy
from .steps import step_class

DOCUMENT_SUFFIXES = (".parquet", ".jsonl", ".jsonl.gz", ".json.gz")   # .json.gz: Dolma's files
COLUMNS = ("text", "id", "url", "metadata", "date", "created", "language", "language_score", "lang", "lang_score")
BATCH_ROWS = 1000           # rows decoded at a time: the progress bar moves once per batch


def is_document_file(source: str) -> bool:
    return source.lower().endswith(DOCUMENT_SUFFIXES)


def needs_html(step: str) -> bool:
    """Whether a step works on the page's HTML, so has nothing to do on a document input."""
    return getattr(step_class(step), "needs_html", False)


def read_documents(source: str, policy: RetryPolicy | None = None) -> Iterator[Document]:
    """Stream the rows of one document file (local or a URL; JSON Lines plain or gzipped).
    A transfer that fails for good raises SourceError, as for a WARC: the shard is not finished."""
    name = source.rstrip("/").rsplit("/", 1)[-1]
    rows = _parquet_rows(source) if source.lower().endswith(".parquet") else _jsonl_rows(source, policy)
    row = 0
    for values in rows:
        if isinstance(values, _Broken):
            doc = Document(id=doc_id_for(None, name, row), url="", warc=name, offset=row, error=values.error)
            if values.not_documents:
                doc.meta["not_documents"] = True
            yield doc
        else:
            yield _document(values, name, row)
        row += 1


class _Broken:
    """What could not be read at this row: a bad line, or the rest of a damaged file."""

    def __init__(self, error: str, not_documents: bool = False):
        self.error = error[:300]
        self.not_documents = not_documents


def _parquet_rows(source: str) -> Iterator[dict | _Broken]:
    if is_url(source):
        import fsspec

        opened = fsspec.open(source, "rb")      # Parquet needs random access: fsspec reads by range
    else:
        opened = open_source(source)
    with opened as fh:
        size = fh.seek(0, io.SEEK_END)
        fh.seek(0)
        try:
            parquet = pq.ParquetFile(fh)
        except (pa.ArrowException, OSError) as e:
            yield _Broken(f"not a Parquet file: {e}", not_documents=True)
            return
        names = parquet.schema_arrow.names
        if "text" not in names:
            yield _Broken(f"no `text` column (columns: {', '.join(names[:20])})", not_documents=True)
            return
        rows, read = parquet.metadata.num_rows, 0
        try:
            for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=[c for c in names if c in COLUMNS]):
                yield from batch.to_pylist()
                read += batch.num_rows
                progress.advance(bytes_read=size * batch.num_rows // rows)
        except (pa.ArrowException, OSError) as e:
            yield _Broken(f"rows {read:,} to {rows:,} could not be read: {e}", not_documents=read == 0)


def _jsonl_rows(source: str, policy: RetryPolicy | None) -> Iterator[dict | _Broken]:
    with open_source(source, policy) as raw:
        buffered = io.BufferedReader(raw) if isinstance(raw, io.RawIOBase) else raw
        lines = gzip.GzipFile(fileobj=buffered) if source.lower().endswith(".gz") else buffered
        read, counted = 0, 0
        try:
            for line in lines:
                if not line.strip():
                    continue                     # a blank line is no row
                read += 1
                try:
                    values = json.loads(line)
                except ValueError as e:          # bad JSON, or bytes that are not UTF-8
                    yield _Broken(f"not JSON: {e}")
                    continue
                yield values if isinstance(values, dict) else _Broken(f"not a JSON object: {type(values).__name__}")
                if read % BATCH_ROWS == 0:
                    counted = _advance(raw, counted)
        except (OSError, EOFError, zlib.error) as e:     # a damaged gzip stream ends the file here
            yield _Broken(f"rows from {read:,} on could not be read: {type(e).__name__}: {e}", not_documents=read == 0)
        _advance(raw, counted)


def _advance(raw, counted: int) -> int:
    position = raw.tell()
    progress.advance(bytes_read=position - counted)
    return position


def _document(values: dict, name: str, row: int) -> Document:
    metadata = values.get("metadata") if isinstance(values.get("metadata"), dict) else {}
    given_id = values.get("id")
    doc = Document(id=_string(given_id) or doc_id_for(None, name, row),
                   url=_string(values.get("url") or metadata.get("url")),
                   warc=name, offset=row,
                   date=_string(values.get("date") or values.get("created")),
                   lang=_string(values.get("language") or values.get("lang")),
                   lang_score=_number(values.get("language_score", values.get("lang_score"))))
    text = values.get("text")
    if isinstance(text, str):
        doc.text = text
    elif text is not None:
        doc.error = f"`text` is {type(text).__name__}, not a string"
    return doc


def _string(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value if isinstance(value, str) else str(value)


def _number(value) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


class RowFilter:
    """The `read` step of document inputs: keeps the rows that hold a text, drops the rest with a
    reason, so the ledger counts every row of the input as it counts every WARC record."""

    name = "read"

    def check(self, doc: Document) -> Decision:
        if doc.error:
            return drop("read:not_documents" if doc.meta.get("not_documents") else "read:corrupt_row",
                        error=doc.error)
        if not doc.text.strip():
            return drop("read:no_text")
        return keep()
