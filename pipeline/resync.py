"""Resynchronise a WARC stream after a record that cannot be parsed.

A corrupt gzip member or a garbled record header would otherwise end the file: every good
record after it would be lost. But each record of a .warc.gz is a gzip member of its own, and
each record of a plain .warc starts with a `WARC/1.x` line, so the next whole record can be
found by scanning forward: a candidate is a gzip header (1f 8b 08) whose member decompresses
to a `WARC/1.` line, or a `WARC/1.0`/`WARC/1.1` line at the start of a line. The scan keeps
only a small window in memory, whatever the size of the damaged stretch.
"""
from __future__ import annotations

import re
import zlib

GZIP_HEADER = b"\x1f\x8b\x08"
WARC_LINE = b"WARC/1."
_VERSION_LINE = re.compile(rb"WARC/1\.[01]\r?\n")
PEEK = 4096           # compressed bytes that always hold the first line of a member's record
CHUNK = 1 << 20


def next_record_start(stream, offset: int) -> int | None:
    """The offset of the first whole record at or after `offset` (where `stream` is positioned),
    or None when no record starts there before the end of the stream."""
    data, base, searched = b"", offset, 0
    while True:
        chunk = stream.read(CHUNK)
        data += chunk
        while (i := _next_candidate(data, searched)) is not None:
            if len(data) - i < PEEK and chunk:
                break                                   # read more before judging this one
            if _starts_record(data, i, at_stream_start=base + i == offset):
                return base + i
            searched = i + 1
        else:
            searched = max(searched, len(data) - len(WARC_LINE))
        if not chunk:
            return None
        cut = max(0, min(searched, len(data) - PEEK))   # keep only the window still to be judged
        data, base, searched = data[cut:], base + cut, searched - cut


def _next_candidate(data: bytes, start: int) -> int | None:
    found = [i for i in (data.find(GZIP_HEADER, start), data.find(WARC_LINE, start)) if i >= 0]
    return min(found) if found else None


def _starts_record(data: bytes, i: int, at_stream_start: bool) -> bool:
    if data.startswith(GZIP_HEADER, i):
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data[i:i + PEEK], len(WARC_LINE))
        except zlib.error:
            return False
        return head == WARC_LINE
    # A plain record's version line starts a line (the previous record ends with CRLF CRLF).
    line_start = data[i - 1:i] == b"\n" if i > 0 else at_stream_start
    return line_start and _VERSION_LINE.match(data, i) is not None
