"""The reader after damage: a corrupt gzip member, a garbled header or a stretch of garbage
costs the damaged record only; files that are not WARC at all are flagged, not crashed on."""
import gzip
import io
import os

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from pipeline.read import RecordFilter, read_warc
from tests.conftest import article, write_warc


def record_spans(path) -> list[tuple[int, int, str]]:
    """(offset, length, url) of every record, as warcio sees the intact file."""
    spans = []
    with open(path, "rb") as fh:
        records = ArchiveIterator(fh)
        for record in records:
            url = record.rec_headers.get_header("WARC-Target-URI")
            records.read_to_end(record)
            spans.append((records.get_record_offset(), records.get_record_length(), url))
    return spans


@pytest.fixture
def warc(tmp_path):
    return write_warc(tmp_path / "five.warc.gz", [{"url": f"https://a.test/{i}", "body": article(f"topic {i}")}
                                                  for i in range(5)])


def damaged(path, tmp_path, how) -> tuple[bytes, int]:
    data = bytearray(path.read_bytes())
    offset, length, _ = record_spans(path)[5]          # the response of the third capture
    how(data, offset, length)
    out = tmp_path / f"damaged-{how.__name__}.warc.gz"
    out.write_bytes(bytes(data))
    return out, offset


def flip_a_byte(data, offset, length):
    data[offset + length // 2] ^= 0xFF


def wipe_the_gzip_header(data, offset, length):
    data[offset:offset + 10] = bytes(10)


def garbage_inside(data, offset, length):
    data[offset + 20:offset + length - 10] = b"x" * (length - 30)


def insert_junk_between_records(data, offset, length):
    data[offset:offset] = os.urandom(50_000)


@pytest.mark.parametrize("how", [flip_a_byte, wipe_the_gzip_header, garbage_inside, insert_junk_between_records])
def test_records_after_a_corrupt_member_are_still_read(warc, tmp_path, how):
    path, bad_offset = damaged(warc, tmp_path, how)
    docs = list(read_warc(str(path)))
    intact = [(d.record_type, d.url) for d in read_warc(str(warc))]
    read = [(d.record_type, d.url) for d in docs if not d.error]
    broken = [d for d in docs if d.error]
    assert len(broken) == 1 and broken[0].offset == bad_offset
    assert "reading resumes at byte" in broken[0].error
    assert read in (intact, intact[:5] + intact[6:])      # at most the damaged record is lost
    assert RecordFilter().check(broken[0]).reason == "read:corrupt_record"


def test_a_plain_warc_resynchronises_on_the_next_version_line(tmp_path):
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=False)
    for i in range(4):
        writer.write_record(writer.create_warc_record(f"https://p.test/{i}", "resource",
                                                      payload=io.BytesIO(f"text {i} WARC/1.0 inside".encode()),
                                                      warc_content_type="text/plain"))
    data = buffer.getvalue()
    second = data.index(b"\r\n\r\nWARC/1.") + 4                         # the second record's version line
    garbled = data[:second] + b"XXXXX/9.9" + data[second + 9:]          # a garbled version line
    path = tmp_path / "plain.warc"
    path.write_bytes(garbled)
    docs = list(read_warc(str(path)))
    assert [d.url for d in docs if not d.error] == ["https://p.test/0", "https://p.test/2", "https://p.test/3"]
    assert [d.offset for d in docs if d.error] == [second]


@pytest.mark.parametrize("content", [b"", os.urandom(200_000), gzip.compress(b"just some text\n" * 1000),
                                     b"<html><body>a web page, not an archive</body></html>"])
def test_files_that_are_not_warc_are_flagged_with_one_row(tmp_path, content):
    path = tmp_path / "input.warc.gz"
    path.write_bytes(content)
    docs = list(read_warc(str(path)))
    assert len(docs) == 1 and docs[0].error
    assert RecordFilter().check(docs[0]).reason == "read:not_warc"


def test_a_file_cut_short_is_still_a_truncated_file(warc, tmp_path):
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(warc.read_bytes()[:-200])
    docs = list(read_warc(str(cut)))
    assert docs[-1].error.startswith("truncated") or "no whole record after it" in docs[-1].error
    assert RecordFilter().check(docs[-1]).reason == "read:corrupt_record"
    assert len([d for d in docs if not d.error]) == 9
