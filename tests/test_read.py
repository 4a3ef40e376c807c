from pipeline.charset import decode_html
from pipeline.read import RecordFilter, read_warc
from tests.conftest import article, write_warc


def test_decode_prefers_http_charset_then_meta_then_detection():
    text = "Ærøskøbing, Zürich et l'été"
    assert decode_html(text.encode("cp1252"), "text/html; charset=windows-1252") == (text, "cp1252")
    page = f'<html><head><meta charset="iso-8859-1"></head><body>{text}</body></html>'
    # latin-1 labels are decoded as windows-1252, as browsers do
    assert decode_html(page.encode("cp1252"), "text/html")[1] == "cp1252"
    assert decode_html(page.encode("utf-8"), "text/html; charset=utf-8")[0] == page
    russian = "Привет, как дела? Это длинное предложение на русском языке, чтобы детектор был уверен. " * 5
    decoded, encoding = decode_html(russian.encode("koi8-r"), "text/html")
    assert decoded == russian and encoding == "koi8_r"


def test_unknown_charset_label_falls_through_to_utf8():
    assert decode_html("naïve".encode(), "text/html; charset=no-such-codec") == ("naïve", "utf-8")


def test_reader_yields_every_record_and_strips_bracketed_uris(shared_data):
    docs = list(read_warc(str(shared_data / "dolma" / "sample-0000.warc.gz")))
    assert len(docs) == 48                                   # every record, per SOURCES.md
    responses = [d for d in docs if d.record_type == "response"]
    assert len(responses) == 22
    assert all(d.url.startswith("http") and not d.url.startswith("<") for d in responses)
    assert len({d.id for d in docs}) == len(docs)


def test_truncated_record_is_reported_not_kept(shared_data):
    docs = list(read_warc(str(shared_data / "resiliparse" / "clipped.warc.gz")))
    (response,) = [d for d in docs if d.record_type == "response"]
    assert "truncated record" in response.error
    assert RecordFilter().check(response).reason == "read:corrupt_record"


def test_truncated_gzip_file_ends_with_a_corrupt_record(tmp_path):
    path = write_warc(tmp_path / "a.warc.gz", [{"url": f"https://a.test/{i}", "body": article(f"topic {i}")}
                                               for i in range(5)])
    data = path.read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: len(data) * 2 // 3])
    docs = list(read_warc(str(cut)))
    assert docs[-1].error                       # the broken tail is one counted, reported record
    assert [d.url for d in docs if d.record_type == "response"][:2] == ["https://a.test/0", "https://a.test/1"]


def test_record_filter_reasons(tmp_path):
    path = write_warc(tmp_path / "mix.warc.gz", [
        {"url": "https://ok.test/", "body": article("bridges")},
        {"url": "https://gone.test/", "body": b"<html>gone</html>", "status": "404 Not Found"},
        {"url": "https://pdf.test/a.pdf", "body": b"%PDF-1.4 ...", "content_type": "application/pdf"},
        {"url": "https://big.test/", "body": b"<html>" + b"x" * 5000 + b"</html>"},
        {"url": "https://blank.test/", "body": b"   "},
    ])
    step = RecordFilter(max_payload_bytes=4000)
    reasons = {d.url: step.check(d).reason for d in read_warc(str(path), max_payload_bytes=4000)
               if d.record_type == "response"}
    assert reasons == {"https://ok.test/": "", "https://gone.test/": "read:http_status",
                       "https://pdf.test/a.pdf": "read:not_html", "https://big.test/": "read:too_large",
                       "https://blank.test/": "read:empty"}


def test_revisit_and_request_records_are_dropped_with_their_type(shared_data):
    step = RecordFilter()
    reasons = {step.check(d).reason for d in read_warc(str(shared_data / "warcio" / "example.warc.gz"))}
    assert {"read:revisit_record", "read:request_record", "read:warcinfo_record"} <= reasons


def test_target_uri_is_kept_verbatim_but_for_wget_brackets(tmp_path, shared_data):
    path = write_warc(tmp_path / "s.warc.gz", [{"url": "https://a.test/page/ ?copy=3", "body": article("x")}])
    assert [d.url for d in read_warc(str(path)) if d.record_type == "response"] == ["https://a.test/page/ ?copy=3"]
    wget = [d.url for d in read_warc(str(shared_data / "warcio" / "example-wget-bad-target-uri.warc.gz")) if d.url]
    assert wget and not any(u.startswith("<") or u.endswith(">") for u in wget)
