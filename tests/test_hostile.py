"""A folder of hostile inputs, each beside good pages, through `refinery dataset` with two
workers and the FineWeb recipe: corrupt gzip members, truncated files, random bytes, an empty
file, gzip of something else, a huge page, nested markup, compression bombs, pathological
tokens and wrongly labelled charsets. The run must end (within two minutes here), exit 0, put
every readable good page in the ledger, and stay under 4 GB of memory, workers included."""
import gzip
import io
import os
import subprocess
import sys
import time

import polars as pl
import psutil
import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tests.conftest import REPO, article

GOOD = [f"https://good.test/{topic}" for topic in ("ferries", "canals", "tramways", "bakeries", "beaches",
                                                    "castles", "meadows", "quarries", "windmills")]
UMLAUTS = ("<html><body><article>" + "<p>Grüße aus Köln: die Brücke über den Fluss wurde nach langer Planung "
           "eröffnet, und viele Bürger kamen zur Feier.</p>" * 10 + "</article></body></html>").encode("utf-8")


def warc(path, records: list[tuple[str, bytes, list]]) -> bytes:
    """records: (url, body, extra HTTP headers); returns the file's bytes."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    for url, body, headers in records:
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"), *headers],
                                protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http))
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


def good(i: int) -> tuple[str, bytes, list]:
    return GOOD[i], article(GOOD[i].rsplit("/", 1)[1]), []


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile")
    data = warc(d / "corrupt-member.warc.gz", [good(0), ("https://bad.test/corrupt", article("x"), []), good(1)])
    second = data.index(b"\x1f\x8b\x08", 10)
    (d / "corrupt-member.warc.gz").write_bytes(data[:second + 40] + bytes(200) + data[second + 240:])
    data = warc(d / "truncated.warc.gz", [good(2), ("https://bad.test/cut", article("y", 200), [])])
    last = data.rindex(b"\x1f\x8b\x08")
    (d / "truncated.warc.gz").write_bytes(data[:(last + len(data)) // 2])      # cut inside the last record
    (d / "random.warc.gz").write_bytes(os.urandom(1 << 20))
    (d / "empty.warc.gz").write_bytes(b"")
    (d / "text.warc.gz").write_bytes(gzip.compress(b"a log file, not an archive\n" * 10_000))
    huge = b"<html><body>" + b"<p>" + b"word " * 12_000_000 + b"</p></body></html>"          # 60 MB page
    nested = b"<html><body>" + b"<div>" * 200_000 + b"deep" + b"</div>" * 200_000 + b"</body></html>"
    bomb = gzip.compress(b"\0" * 1_000_000_000, compresslevel=9)                              # 1 GB inflated
    double = gzip.compress(gzip.compress(UMLAUTS))
    dotted = ("<html><body><article><p>" + "Here is a long token. " * 30 + "a." * 40_000 + "1 "
              + "</p><p>" + "@." * 30_000 + "</p></article></body></html>").encode()
    one_line = ("<html><body><p>" + "no-break-" * 200_000 + "</p></body></html>").encode()
    warc(d / "pages.warc.gz", [good(3), ("https://bad.test/huge", huge, []), good(4),
                               ("https://bad.test/nested", nested, []), ("https://bad.test/bomb", bomb, [("Content-Encoding", "gzip")]),
                               ("https://bad.test/double", double, [("Content-Encoding", "gzip, gzip")]),
                               ("https://bad.test/dotted", dotted, []), ("https://bad.test/line", one_line, []),
                               good(5)])
    warc(d / "charsets.warc.gz", [("https://good.test/umlauts", UMLAUTS, [("Content-Type", "text/html; charset=iso-8859-1")]),
                                  good(6)])
    zero_record = warc(d / "warc-bomb.warc.gz", [("https://bad.test/zeros", b"\0" * 300_000_000, []), good(7)])
    assert len(zero_record) < 2_000_000
    warc(d / "plain.warc.gz", [good(8)])
    return d


def test_a_folder_of_hostile_files_is_survived(hostile, tmp_path):
    run = tmp_path / "run"
    cmd = [sys.executable, "-m", "pipeline.cli", "dataset", "--input", str(hostile), "--out", str(run),
           "--recipe", str(REPO / "recipes" / "fineweb.toml"), "--workers", "2"]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak, started = 0, time.monotonic()
    while proc.poll() is None:
        peak = max(peak, _tree_rss(proc.pid))
        if time.monotonic() - started > 120:
            proc.kill()
            pytest.fail(f"the run did not end within two minutes:\n{proc.stdout.read()[-3000:]}")
        time.sleep(0.1)
    output = proc.stdout.read()
    print(f"hostile folder: {time.monotonic() - started:.1f} s, peak memory {peak / 2**30:.2f} GB")
    assert proc.returncode == 0, output[-3000:]
    assert peak < 4 * 2**30, f"peak memory {peak / 2**30:.1f} GB"

    ledger = pl.read_parquet(run / "ledger" / "*.parquet")
    read = ledger.filter(pl.col("stage") == "read")
    assert set(GOOD + ["https://good.test/umlauts"]) <= set(read.filter(pl.col("kept"))["url"])
    reasons = dict(read.group_by("url").agg(pl.col("reason").first()).iter_rows())
    assert reasons["https://bad.test/huge"] == "read:too_large"
    assert reasons["https://bad.test/bomb"] == "read:too_large"
    assert read.filter(pl.col("reason") == "read:not_warc").height == 3          # random, empty, gzip of text
    assert read.filter(pl.col("reason") == "read:corrupt_record").height >= 2    # the member, the cut file
    encoding = read.filter(pl.col("url") == "https://good.test/umlauts")["metrics"].str.json_path_match("$.encoding")
    assert encoding.to_list() == ["utf-8"]                                      # labelled latin-1, really UTF-8
    assert "not a WARC file" in output


def _tree_rss(pid: int) -> int:
    try:
        root = psutil.Process(pid)
        return sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])
    except psutil.Error:
        return 0
