"""HTTP bodies in WARC records: de-chunked, decoded (gzip, deflate, br, stacked), capped at
every layer so that compression bombs cost a bounded amount of memory."""
import gzip
import io
import resource
import zlib

import brotli
import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipeline.read import RecordFilter, read_warc

PAGE = b"<html><body><p>" + "Grüße aus Köln, und ein langer Absatz über Brücken. ".encode() * 40 + b"</p></body></html>"


def warc_with(path, body: bytes, headers: list[tuple[str, str]]):
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"), *headers], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record("https://enc.test/", "response", payload=io.BytesIO(body),
                                                      http_headers=http))
    return str(path)


def chunked(data: bytes, size: int = 1000) -> bytes:
    parts = [b"%x\r\n%s\r\n" % (len(data[i:i + size]), data[i:i + size]) for i in range(0, len(data), size)]
    return b"".join(parts) + b"0\r\n\r\n"


def raw_deflate(data: bytes) -> bytes:
    c = zlib.compressobj(wbits=-15)
    return c.compress(data) + c.flush()


@pytest.mark.parametrize("body, headers", [
    (gzip.compress(PAGE), [("Content-Encoding", "gzip")]),
    (zlib.compress(PAGE), [("Content-Encoding", "deflate")]),
    (raw_deflate(PAGE), [("Content-Encoding", "deflate")]),            # what many servers really send
    (brotli.compress(PAGE), [("Content-Encoding", "br")]),
    (brotli.compress(gzip.compress(PAGE)), [("Content-Encoding", "gzip, br")]),
    (chunked(gzip.compress(PAGE)), [("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked")]),
    (chunked(PAGE), [("Transfer-Encoding", "chunked")]),
    (PAGE, [("Content-Encoding", "identity")]),
])
def test_bodies_decode_to_the_page(tmp_path, body, headers):
    doc = next(d for d in read_warc(warc_with(tmp_path / "x.warc.gz", body, headers)) if d.record_type == "response")
    assert doc.payload == PAGE and not doc.error
    decision = RecordFilter().check(doc)
    assert decision.kept and "Grüße aus Köln" in doc.html


@pytest.mark.parametrize("bomb, coding", [
    (gzip.compress(b"\0" * 300_000_000, compresslevel=9), "gzip"),
    (brotli.compress(b"\0" * 300_000_000, quality=5), "br"),
])
def test_a_compression_bomb_is_dropped_as_too_large_within_a_bounded_memory(tmp_path, bomb, coding):
    assert len(bomb) < 400_000
    path = warc_with(tmp_path / "bomb.warc.gz", bomb, [("Content-Encoding", coding)])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    doc = next(d for d in read_warc(path, max_payload_bytes=1_000_000) if d.record_type == "response")
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert len(doc.payload) == 1_000_001
    assert RecordFilter(max_payload_bytes=1_000_000).check(doc).reason == "read:too_large"
    assert grown_mb < 100                                   # 300 MB inflated would show here


def test_a_body_cut_short_keeps_what_decoded_and_says_so(tmp_path):
    whole = gzip.compress(PAGE * 20)
    cut = whole[:len(whole) * 3 // 4]
    doc = next(d for d in read_warc(warc_with(tmp_path / "x.warc.gz", cut, [("Content-Encoding", "gzip")]))
               if d.record_type == "response")
    assert doc.payload and (PAGE * 20).startswith(doc.payload)
    decision = RecordFilter().check(doc)
    assert decision.kept and decision.metrics.get("partial_body") is True


@pytest.mark.parametrize("body, coding, reason", [
    (b"certainly not gzip", "gzip", "Content-Encoding gzip"),
    (b"xyz", "compress", "unsupported Content-Encoding 'compress'"),
])
def test_undecodable_bodies_are_corrupt_records_with_a_reason(tmp_path, body, coding, reason):
    doc = next(d for d in read_warc(warc_with(tmp_path / "x.warc.gz", body, [("Content-Encoding", coding)]))
               if d.record_type == "response")
    assert reason in doc.error
    assert RecordFilter().check(doc).reason == "read:corrupt_record"
