"""The bundled demo crawl: reproducible from its generator, small, and complete."""
import collections
import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

DEMO = Path(__file__).resolve().parents[1] / "demo"
WARC = DEMO / "demo.warc.gz"
TRUTH = DEMO / "truth.jsonl"


@pytest.fixture(scope="module")
def records():
    with open(WARC, "rb") as fh:
        return [(r.rec_type, r.rec_headers, r.http_headers, r.content_stream().read()) for r in ArchiveIterator(fh)]


@pytest.fixture(scope="module")
def truth():
    return [json.loads(line) for line in TRUTH.read_text(encoding="utf-8").splitlines()]


def test_generator_reproduces_the_committed_files(tmp_path):
    subprocess.run([sys.executable, str(DEMO / "make_demo.py"), "--out", str(tmp_path)], check=True,
                   capture_output=True)
    # compared decompressed: another zlib build may compress the same records to other bytes
    assert gzip.decompress((tmp_path / "demo.warc.gz").read_bytes()) == gzip.decompress(WARC.read_bytes()), \
        "demo/demo.warc.gz is stale: rerun .venv/bin/python demo/make_demo.py"
    assert (tmp_path / "truth.jsonl").read_bytes() == TRUTH.read_bytes()


def test_another_seed_gives_another_crawl(tmp_path):
    subprocess.run([sys.executable, str(DEMO / "make_demo.py"), "--out", str(tmp_path), "--seed", "1"], check=True,
                   capture_output=True)
    assert gzip.decompress((tmp_path / "demo.warc.gz").read_bytes()) != gzip.decompress(WARC.read_bytes())


def test_fits_the_size_budget():
    assert WARC.stat().st_size < 2_000_000


def test_common_crawl_record_layout(records):
    types = collections.Counter(rec_type for rec_type, *_ in records)
    assert records[0][0] == "warcinfo" and types["warcinfo"] == 1
    assert types["request"] == types["response"] == types["metadata"]
    assert 400 <= types["response"] <= 700
    assert types["revisit"] == 1
    # every record is its own gzip member: the version line opens each one
    assert all(headers.protocol == "WARC/1.1" for _, headers, _, _ in records)


def test_every_response_has_one_truth_line(records, truth):
    responses = {headers.get_header("WARC-Record-ID") for t, headers, _, _ in records if t == "response"}
    assert [line["record_id"] for line in truth if line["record_id"] in responses] == [line["record_id"] for line in truth]
    assert {line["record_id"] for line in truth} == responses
    assert len(truth) == len(responses)


def test_the_mix_the_pipeline_is_tested_on(truth):
    kinds = collections.Counter(line["kind"] for line in truth)
    pages = [line for line in truth if line["language"]]
    english = sum(line["language"] == "en" for line in pages) / len(pages)
    assert 0.6 <= english <= 0.75
    assert {"fr", "de", "es", "it", "pt", "nl", "ru", "zh", "ja"} <= {line["language"] for line in pages}
    assert kinds["near-dup"] >= 0.08 * len(truth) and kinds["exact-dup"] >= 0.04 * len(truth)
    assert kinds["low-quality"] >= 0.08 * len(truth)
    assert {"pdf", "jpeg", "robots.txt", "404", "500", "301"} <= {line["detail"] for line in truth}
    originals = {line["cluster"] for line in truth if line["kind"] == "original"}
    assert all(line["cluster"] in originals for line in truth if line["kind"].endswith("-dup"))


def test_exact_duplicates_are_byte_identical(records, truth):
    body = {headers.get_header("WARC-Record-ID"): payload for t, headers, _, payload in records if t == "response"}
    original = {line["cluster"]: body[line["record_id"]] for line in truth if line["kind"] == "original"}
    for line in truth:
        if line["kind"] == "exact-dup":
            assert body[line["record_id"]] == original[line["cluster"]]
        if line["kind"] == "near-dup":
            assert body[line["record_id"]] != original[line["cluster"]]


def test_legacy_charsets_and_the_bracketed_uri(records, truth):
    by_id = {headers.get_header("WARC-Record-ID"): (http, payload) for t, headers, http, payload in records
             if t == "response"}
    charset_lines = [line for line in truth if line["detail"].startswith("charset")]
    details = " ".join(line["detail"] for line in charset_lines)
    assert all(where in details for where in ("<meta> only", "HTTP header only", "declared nowhere"))
    for line in charset_lines:
        http, payload = by_id[line["record_id"]]
        charset = line["detail"].split()[1].rstrip(",")
        with pytest.raises(UnicodeDecodeError):
            payload.decode("utf-8")
        payload.decode(charset)    # encoded as declared
        assert ("charset=" in http.get_header("Content-Type")) == ("HTTP header" in line["detail"])
    bracketed = [line for line in truth if "angle brackets" in line["detail"]]
    assert len(bracketed) == 1
    # warcio strips the brackets when reading, so look at the raw records
    raw = gzip.decompress(WARC.read_bytes())
    assert raw.count(f"WARC-Target-URI: <{bracketed[0]['url']}>\r\n".encode()) == 3   # request, response, metadata
