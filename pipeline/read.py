"""Read: every record of a WARC file becomes a Document; the `read` step keeps decodable HTML pages.

The reader never decides anything. It turns each record into a Document (recording what it
could not parse in `doc.error`), so that every record the reader meets gets a ledger row from
the `read` step, with the reason it was skipped: a request, a 404, a PDF, a corrupt record.
"""
from __future__ import annotations

import contextlib
import io
from typing import Iterator

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecordLoader

from . import progress
from .charset import decode_html
from .decision import Decision, drop, keep
from .document import Document, doc_id_for
from .errors import SourceError
from .payload import read_body
from .resync import next_record_start
from .sources import open_source
from .sources.retry import RetryPolicy

DEFAULT_MAX_PAYLOAD_BYTES = 5_000_000   # larger pages are almost never articles; skip, not parse
HTML_TYPES = ("text/html", "application/xhtml+xml")


class _VerbatimURILoader(ArcWarcRecordLoader):
    """warcio rewrites a WARC-Target-URI that holds spaces (percent-encoding them) and logs a
    warning for each. We keep the URI as the record has it, minus the angle brackets some wget
    versions wrap it in, so a ledger URL matches the WARC's own bytes."""

    def _ensure_target_uri_format(self, rec_headers):
        uri = rec_headers.get_header("WARC-Target-URI")
        if uri and uri.startswith("<") and uri.endswith(">"):
            uri = uri[1:-1]
            rec_headers.replace_header("WARC-Target-URI", uri)
        return uri


def read_warc(source: str, max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES,
              policy: RetryPolicy | None = None, byte_range: tuple[int, int] | None = None) -> Iterator[Document]:
    """Stream the records of one WARC file (plain or gzipped; local, remote, or an index slice).

    One record's payload is in memory at a time, and at most `max_payload_bytes` of it. A record
    that cannot be parsed is yielded as a Document with `error` set (so the loss is counted and
    reported, with its byte offsets), and reading resumes at the next whole record (resync.py).
    A file with no readable record at all is flagged as not a WARC file. A *transfer* that fails
    for good is another matter: the SourceError propagates, so the shard is not finished.

    `byte_range` (start, end): only the records whose first byte lies in it, so that several
    tasks can share a large file and each record is read by exactly one. Reading starts at the
    first record from `start` on, found as after a damaged record (resync.py), and the record
    that starts before `end` is read to its own end, as are bytes after it that start no record.
    """
    start, end = byte_range or (0, None)
    if start:
        with open_source(source, policy, start) as stream:
            start = next_record_start(stream, start)
    read_any = False
    while start is not None and (end is None or start < end):
        start, read = yield from _records_from(source, start, max_payload_bytes, policy, read_any, end)
        read_any = read_any or read


def _records_from(source: str, start: int, max_payload_bytes: int, policy: RetryPolicy | None, read_any: bool,
                  end: int | None = None):
    """Yield the records from byte `start` on, those that start before `end`. At one that cannot
    be parsed, yield it as broken and return (where the next whole record starts or None,
    whether any record was read)."""
    name = source.rstrip("/").rsplit("/", 1)[-1]
    read = False
    with open_source(source, policy, start) as stream:
        # Where a record came from: this file, or for an index slice the crawl's own WARC file.
        locate = getattr(stream, "locate", lambda offset: (name, offset))
        records = ArchiveIterator(stream)
        records.loader = _VerbatimURILoader()
        records.known_format = "warc"   # else warcio reads any text with a header-like line as an ARC record
        last_offset = start
        while True:
            try:
                with contextlib.redirect_stderr(io.StringIO()):   # warcio prints zlib errors itself
                    record = next(records)
                if not record.rec_headers.protocol.startswith("WARC/"):   # warcio makes records of blank lines
                    raise ValueError(f"no WARC version line at byte {records.offset:,}")
            except StopIteration:
                progress.advance(bytes_read=records.offset - last_offset)
                if end is not None and records.offset >= end and _record_starts(source, policy, records.offset):
                    return None, read                           # the next range's, to read or report
                tail = stream.tell() - records.offset
                if tail > 0:  # bytes after the last whole record: a file cut short mid-record
                    yield _broken(*locate(records.offset), f"truncated file: {tail} trailing bytes "
                                                             f"do not form a whole record", not read_any and not read)
                elif not read_any and not read and start == 0:
                    yield _broken(name, 0, "empty file", not_warc=True)
                return None, read
            except SourceError:
                raise
            except Exception as e:  # a corrupt gzip member, a garbled header, not a WARC at all
                # (warcio's offset can lag behind inside a damaged member: always move forward)
                failed = max(records.offset, last_offset)
                if end is not None and failed >= end and _record_starts(source, policy, failed):
                    return None, read                           # the next range's, to read or report
                with open_source(source, policy, failed + 1) as rest:
                    after = next_record_start(rest, failed + 1)
                nothing = not read_any and not read and after is None
                skipped = (f"; {after - failed:,} bytes skipped, reading resumes at byte {after:,}" if after
                           else "; no whole record after it")
                yield _broken(*locate(failed), _printable(f"{type(e).__name__}: {e}") + skipped,
                              not_warc=nothing and failed == 0)
                progress.advance(bytes_read=(after or stream.tell()) - last_offset)
                return after, read
            # Where this record starts. (get_record_offset() would read the record to its end first.)
            offset = records.offset
            progress.advance(bytes_read=offset - last_offset)
            if end is not None and offset >= end:    # the next byte range's first record
                return None, read
            last_offset = offset
            read = True
            with contextlib.redirect_stderr(io.StringIO()):
                doc = _document(record, *locate(offset), max_payload_bytes)
            yield doc


def _record_starts(source: str, policy: RetryPolicy | None, offset: int) -> bool:
    """Whether a record (whole or damaged) starts at `offset`, as the next byte range's reader
    finds its first record. Past its range's end, a reader stops at such a record and leaves it
    to that range; anything else there (bytes that start no record) it reports and skips, since
    the next range skips them unseen on its way to its first record."""
    with open_source(source, policy, offset) as stream:
        return next_record_start(stream, offset) == offset


def _printable(message: str, limit: int = 200) -> str:
    """An error about corrupt bytes often quotes them: keep the ledger's text readable."""
    return message.encode("ascii", "backslashreplace").decode("ascii")[:limit]


def _broken(warc_name: str, offset: int, error: str, not_warc: bool = False) -> Document:
    doc = Document(id=doc_id_for(None, warc_name, offset), url="", warc=warc_name, offset=offset, error=error)
    if not_warc:
        doc.meta["not_warc"] = True
    return doc


def _document(record, warc_name: str, offset: int, max_payload_bytes: int) -> Document:
    headers = record.rec_headers
    doc = Document(
        id=doc_id_for(headers.get_header("WARC-Record-ID"), warc_name, offset),
        url=headers.get_header("WARC-Target-URI") or "",
        warc=warc_name, offset=offset,
        date=headers.get_header("WARC-Date") or "",
        record_type=record.rec_type or "",
    )
    if doc.record_type != "response" or record.http_headers is None:
        return doc
    doc.http_status = _status(record.http_headers.get_statuscode())
    # Common Crawl's own content sniffing, when present, is more reliable than what servers claim.
    doc.content_type = (headers.get_header("WARC-Identified-Payload-Type")
                        or record.http_headers.get_header("Content-Type") or "")
    doc.meta["http_content_type"] = record.http_headers.get_header("Content-Type") or ""
    try:
        body = read_body(record, max_payload_bytes)
    except SourceError:
        raise
    except Exception as e:  # a broken chunked or compressed body, an unknown encoding
        doc.error = _printable(f"{type(e).__name__}: {e}")
        return doc
    doc.payload = body.data
    if body.partial:
        doc.meta["partial_body"] = True
    missing = getattr(record.raw_stream, "limit", 0)   # bytes the WARC header promised but never came
    if missing and body.raw_complete:
        doc.error = f"truncated record: {missing} of {record.length} bytes missing"
    return doc


def _status(code) -> int | None:
    try:
        return int(code)
    except (TypeError, ValueError):
        return None


class RecordFilter:
    """The `read` step: keeps HTTP 200 HTML responses that decode, drops the rest with a reason."""

    name = "read"
    needs_html = True     # a document input (read_documents.py) has its text already: not run there

    def __init__(self, max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES, html_types: tuple[str, ...] = HTML_TYPES):
        self.max_payload_bytes = max_payload_bytes
        self.html_types = tuple(html_types)

    def check(self, doc: Document) -> Decision:
        if doc.error:
            return drop("read:not_warc" if doc.meta.get("not_warc") else "read:corrupt_record", error=doc.error)
        if doc.record_type != "response":
            return drop(f"read:{doc.record_type or 'unknown'}_record")
        if doc.http_status != 200:
            return drop("read:http_status", status=doc.http_status)
        mime = doc.content_type.split(";")[0].strip().lower()
        if mime not in self.html_types:
            return drop("read:not_html", content_type=mime)
        payload, doc.payload = doc.payload or b"", None
        if len(payload) > self.max_payload_bytes:
            return drop("read:too_large", bytes=len(payload))
        if not payload.strip():
            return drop("read:empty")
        decoded = decode_html(payload, doc.meta.pop("http_content_type", ""))
        if decoded is None:
            return drop("read:undecodable", bytes=len(payload))
        doc.html, encoding = decoded
        partial = {"partial_body": True} if doc.meta.pop("partial_body", False) else {}
        return keep(encoding=encoding, bytes=len(payload), **partial)
