"""HTTP bodies as the page: de-chunked, then decoded (gzip, deflate, br, stacked in the order
the Content-Encoding header lists them), never more than a cap of bytes at any layer.

A compression bomb (10 KB of gzip that inflates to 10 GB) costs at most the cap in memory and
comes out as an over-long body, which the read step drops as too large. A body whose encoding
does not decode is an error, unless some of it decoded: browsers show the part they got, and so
do we (flagged `partial`).
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass

import brotli
from warcio.bufferedreaders import ChunkedDataReader


class BodyError(Exception):
    pass


@dataclass
class Body:
    data: bytes          # at most limit + 1 bytes: longer means "too large"
    raw_complete: bool   # the whole raw body was read (not cut by the cap)
    partial: bool = False


def read_body(record, limit: int) -> Body:
    headers = record.http_headers
    stream = record.raw_stream
    if "chunked" in (headers.get_header("Transfer-Encoding") or "").lower():
        stream = ChunkedDataReader(stream)           # passes the bytes through if they are not chunked
    raw = stream.read(limit + 1)
    codings = [c.strip().lower() for c in (headers.get_header("Content-Encoding") or "").split(",")]
    codings = [c for c in codings if c and c != "identity"]
    body = Body(raw, raw_complete=len(raw) <= limit)
    for coding in reversed(codings):                 # the last one listed was applied last
        if len(body.data) > limit:
            break
        decode = DECODERS.get(coding)
        if decode is None:
            raise BodyError(f"unsupported Content-Encoding {coding!r}")
        try:
            body.data = decode(body.data, limit + 1)
        except (zlib.error, brotli.error) as e:
            raise BodyError(f"Content-Encoding {coding}: {e}") from None
        except _Partial as p:
            body.data, body.partial = p.data, True
    return body


class _Partial(Exception):
    def __init__(self, data: bytes):
        self.data = data


def _zlib(data: bytes, limit: int, wbits: int) -> bytes:
    decompressor = zlib.decompressobj(wbits)
    try:
        out = decompressor.decompress(data, limit)
    except zlib.error:
        raise
    if not decompressor.eof and len(out) < limit and not decompressor.unconsumed_tail:
        if out:
            raise _Partial(out)                      # the stream stops early: keep what decoded
        raise zlib.error("the compressed body ends early")
    return out


def _gzip(data: bytes, limit: int) -> bytes:
    return _zlib(data, limit, 16 + zlib.MAX_WBITS)


def _deflate(data: bytes, limit: int) -> bytes:
    """`deflate` means zlib-wrapped deflate (RFC 9110), but many servers send raw deflate."""
    try:
        return _zlib(data, limit, zlib.MAX_WBITS)
    except zlib.error:
        return _zlib(data, limit, -zlib.MAX_WBITS)


def _brotli(data: bytes, limit: int) -> bytes:
    decompressor = brotli.Decompressor()
    out = decompressor.process(data, output_buffer_limit=limit)
    if len(out) < limit and not decompressor.is_finished():
        if out:
            raise _Partial(out)
        raise brotli.error("the compressed body ends early")
    return out[:limit]


DECODERS = {"gzip": _gzip, "x-gzip": _gzip, "deflate": _deflate, "br": _brotli}
