"""Read: every record of a WARC file becomes a Document; the `read` step keeps decodable HTML pages.

The reader never decides anything. It turns each record into a Document (recording what it
could not parse in `doc.error`), so that every record the reader meets gets a ledger row from
the `read` step, with the reason it was skipped: a request, a 404, a PDF, a corrupt record.
"""
from __future__ import annotations

import codecs
import re
from typing import Iterator

import charset_normalizer
from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecordLoader

from . import progress
from .decision import Decision, drop, keep
from .document import Document, doc_id_for
from .errors import SourceError
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
              policy: RetryPolicy | None = None) -> Iterator[Document]:
    """Stream the records of one WARC file (plain or gzipped; local, remote, or an index slice).

    One record's payload is in memory at a time, and at most `max_payload_bytes` of it. A record
    that cannot be parsed ends the file (its byte stream can no longer be trusted); it is yielded
    as a Document with `error` set, so the failure is counted and reported. A *transfer* that
    fails for good is another matter: the SourceError propagates, so the shard is not finished.
    """
    name = source.rstrip("/").rsplit("/", 1)[-1]
    with open_source(source, policy) as stream:
        # Where a record came from: this file, or for an index slice the crawl's own WARC file.
        locate = getattr(stream, "locate", lambda offset: (name, offset))
        records = ArchiveIterator(stream)
        records.loader = _VerbatimURILoader()
        last_offset = 0
        while True:
            try:
                record = next(records)
            except StopIteration:
                progress.advance(bytes_read=records.offset - last_offset)
                tail = stream.tell() - records.offset
                if tail > 0:  # bytes after the last whole record: a file cut short mid-record
                    yield _broken(*locate(records.offset), f"truncated file: {tail} trailing bytes "
                                                             f"do not form a whole record")
                return
            except SourceError:
                raise
            except Exception as e:  # a truncated gzip member, a garbled header, ...
                yield _broken(*locate(records.offset), f"{type(e).__name__}: {e}"[:300])
                return
            # Where this record starts. (get_record_offset() would read the record to its end first.)
            offset = records.offset
            progress.advance(bytes_read=offset - last_offset)
            last_offset = offset
            yield _document(record, *locate(offset), max_payload_bytes)


def _broken(warc_name: str, offset: int, error: str) -> Document:
    return Document(id=doc_id_for(None, warc_name, offset), url="", warc=warc_name, offset=offset, error=error)


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
        doc.payload = record.content_stream().read(max_payload_bytes + 1)
    except SourceError:
        raise
    except Exception as e:  # a broken chunked or gzip body
        doc.error = f"{type(e).__name__}: {e}"[:300]
        return doc
    missing = getattr(record.raw_stream, "limit", 0)   # bytes the WARC header promised but never came
    if missing and len(doc.payload) <= max_payload_bytes:
        doc.error = f"truncated record: {missing} of {record.length} bytes missing"
    return doc


def _status(code) -> int | None:
    try:
        return int(code)
    except (TypeError, ValueError):
        return None


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)
# WHATWG: browsers decode pages labelled latin-1 or ascii as windows-1252, and so do we.
_WHATWG_ALIASES = {"latin1": "cp1252", "iso8859-1": "cp1252", "ascii": "cp1252"}


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return _WHATWG_ALIASES.get(name, name)


def decode_html(payload: bytes, content_type: str = "") -> tuple[str, str] | None:
    """Decode a page as a browser would: the HTTP charset, then <meta charset>, then UTF-8,
    then statistical detection. Returns (text, encoding), or None when nothing fits."""
    header = _HEADER_CHARSET.search(content_type or "")
    meta = _META_CHARSET.search(payload[:8192])
    for label in (header and header.group(1), meta and meta.group(1).decode("ascii", "ignore"), "utf-8"):
        codec = _codec(label)
        if codec:
            try:
                return payload.decode(codec), codec
            except UnicodeDecodeError:
                continue
    best = charset_normalizer.from_bytes(payload).best()
    if best is None:
        return None
    return str(best), best.encoding


class RecordFilter:
    """The `read` step: keeps HTTP 200 HTML responses that decode, drops the rest with a reason."""

    name = "read"

    def __init__(self, max_payload_bytes: int = DEFAULT_MAX_PAYLOAD_BYTES, html_types=HTML_TYPES):
        self.max_payload_bytes = max_payload_bytes
        self.html_types = tuple(html_types)

    def check(self, doc: Document) -> Decision:
        if doc.error:
            return drop("read:corrupt_record", error=doc.error)
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
        return keep(encoding=encoding, bytes=len(payload))
