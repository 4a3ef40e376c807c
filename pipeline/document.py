"""The document that flows through every stage.

A document starts life as one WARC record. Its `id` is derived from the WARC-Record-ID, so
the same capture gets the same id in every run, on every machine, with any number of workers.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

_UUID = re.compile(r"urn:uuid:([0-9a-fA-F-]{36})")


def doc_id_for(record_id: str | None, warc: str, offset: int) -> str:
    """A stable id: the record's UUID where it has one (so users can grep the WARC for it),
    otherwise a hash of the record id, or of the file and offset for records that lack one."""
    if record_id:
        m = _UUID.search(record_id)
        if m:
            return m.group(1).lower().replace("-", "")
        key = record_id
    else:
        key = f"{warc}@{offset}"
    return hashlib.blake2b(key.encode("utf-8", "replace"), digest_size=16).hexdigest()


@dataclass
class Document:
    id: str
    url: str
    warc: str                      # the input file the record came from
    offset: int                    # byte offset of the record in that file
    date: str = ""                 # WARC-Date of the capture
    record_type: str = ""          # WARC-Type: response, request, metadata, ...
    http_status: int | None = None
    content_type: str = ""         # the HTTP Content-Type header, as sent
    payload: bytes | None = None   # the raw HTTP body; released once decoded
    html: str | None = None        # the decoded page; released once extracted
    text: str = ""                 # the extracted main text
    lang: str = ""
    lang_score: float = 0.0
    quality_score: float | None = None   # a quality_model step's score; None where none ran
    error: str = ""                # set by the reader when the record could not be parsed
    meta: dict = field(default_factory=dict)  # anything a stage wants to keep beside the text

    # The content `size()` last measured, and its size: the ledger asks after every step, and
    # the page is the same string at every step before extraction (encoding it is the cost).
    _sized: str | None = field(default=None, repr=False, compare=False)
    _size: int = field(default=0, repr=False, compare=False)

    def size(self) -> int:
        """Bytes of content at this point of the pipeline: text once extracted, else the body."""
        content = self.text or self.html
        if content is None:
            return len(self.payload or b"")
        if content is not self._sized:
            self._sized, self._size = content, len(content.encode("utf-8"))
        return self._size


# The columns every documents file (docs/ and final/) carries, in order. Runs made before
# quality_score existed lack it: readers take it as absent (None), not as an error.
DOC_COLUMNS = ["id", "url", "text", "lang", "lang_score", "warc", "offset", "date", "quality_score"]


def to_row(doc: Document) -> dict:
    return {c: getattr(doc, c) for c in DOC_COLUMNS}


def from_row(row: dict) -> Document:
    return Document(**{c: row[c] for c in DOC_COLUMNS if c in row})
