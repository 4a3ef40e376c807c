"""Charset decoding on pages labelled the way real servers label them, right and wrong.

Real page texts come from ../shared/data (trafilatura's evaluation pages, scrapinghub's article
benchmark, Dolma's crawl texts); those tests skip where it is absent. The label-table and
small synthetic cases run everywhere."""
from __future__ import annotations

import gzip
import json

import pytest

from pipeline import charset
from pipeline.charset import DETECTION_SAMPLE_BYTES, codec_for_label, decode_html


def html(text: str, meta: str | None = None) -> str:
    """A page holding `text` as paragraphs, with <meta charset> when `meta` is given."""
    head = f'<meta charset="{meta}">' if meta else ""
    body = "".join(f"<p>{line}</p>\n" for line in text.splitlines() if line.strip())
    return f"<html><head>{head}<title>{text[:40]}</title></head><body>{body}</body></html>"


def eval_page(shared_data, name: str) -> bytes:
    """A page of trafilatura's evaluation set, as its server sent it."""
    root = shared_data / "trafilatura-eval"
    path = root / "eval" / f"{name}.gz"
    return gzip.decompress((path if path.exists() else root / "cache" / f"{name}.gz").read_bytes())


@pytest.fixture(scope="module")
def aeb(shared_data):
    """scrapinghub's article benchmark: (raw page bytes, article text) by a fragment of the URL."""
    folder = shared_data / "scrapinghub-aeb"
    truth = json.loads((folder / "ground-truth.json").read_text())

    def find(url_part: str) -> tuple[bytes, str]:
        key, entry = next((k, v) for k, v in truth.items() if url_part in v["url"])
        return gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes()), entry["articleBody"]
    return find


@pytest.fixture
def no_detection(monkeypatch):
    """For pages whose labels or bytes must settle the encoding: detection would hide a wrong rule."""
    def detect(payload):
        raise AssertionError("detection ran")
    monkeypatch.setattr(charset, "_detect", detect)


# --- the label table --------------------------------------------------------------------------

@pytest.mark.parametrize("label, codec", [
    ("latin1", "cp1252"), ("ISO-8859-1", "cp1252"), ("ascii", "cp1252"), ("US-ASCII", "cp1252"),
    ("windows-1252", "cp1252"), ("iso-8859-9", "cp1254"), ("tis-620", "cp874"), ("iso-8859-11", "cp874"),
    ("gb2312", "gb18030"), ("GBK", "gb18030"), ("x-gbk", "gb18030"), ("euc-kr", "cp949"),
    ("ks_c_5601-1987", "cp949"), ("Shift_JIS", "cp932"), ("x-sjis", "cp932"), ("windows-31j", "cp932"),
    ("big5", "big5hkscs"), (" utf-8 ", "utf-8"), ("utf8", "utf-8"), ("koi8-r", "koi8-r"),
])
def test_labels_mean_what_they_mean_to_browsers(label, codec):
    assert codec_for_label(label) == codec


@pytest.mark.parametrize("label", ["utf-7", "base64", "rot13", "zlib", "hz-gb-2312", "x-user-defined", "no-such", ""])
def test_labels_browsers_do_not_decode_are_ignored(label):
    assert codec_for_label(label) is None
    # A label naming a Python-only codec used to reach bytes.decode and raise LookupError.
    assert decode_html(f'<meta charset="{label}"><p>café</p>'.encode(), "") == (f'<meta charset="{label}"><p>café</p>', "utf-8")


# --- rules on small inline pages ----------------------------------------------------------------

def test_bom_wins_over_every_label_and_is_stripped(no_detection):
    page = html("Grüße aus Köln", meta="iso-8859-1")
    assert decode_html(b"\xef\xbb\xbf" + page.encode(), "text/html; charset=windows-1251") == (page, "utf-8")
    assert decode_html(b"\xff\xfe" + page.encode("utf-16-le"), "text/html; charset=iso-8859-1") == (page, "utf-16-le")
    assert decode_html(b"\xfe\xff" + page.encode("utf-16-be"), "") == (page, "utf-16-be")


def test_meta_utf16_means_utf8(no_detection):
    page = html("Zürich", meta="utf-16")
    assert decode_html(page.encode(), "") == (page, "utf-8")


def test_header_wins_over_meta_when_both_decode(no_detection):
    russian = "Сегодня в Москве прошёл большой городской праздник, и на улицах было много людей."
    page = html(russian, meta="iso-8859-1")
    assert decode_html(page.encode("cp1251"), "text/html; charset=windows-1251") == (page, "cp1251")


def test_ascii_page_takes_its_label():
    page = html("plain", meta="iso-8859-1")
    assert decode_html(page.encode(), "") == (page, "cp1252")
    assert decode_html(page.encode(), "text/html; charset=utf-8") == (page, "utf-8")
    assert decode_html(html("plain").encode(), "") == (html("plain"), "utf-8")


def test_legacy_label_that_cannot_decode_the_bytes_is_passed_over(no_detection):
    russian = "Сегодня в Москве прошёл большой городской праздник, и на улицах было много людей."
    page = html(russian, meta="windows-1251")
    payload = page.encode("cp1251")
    with pytest.raises(UnicodeDecodeError):
        payload.decode("cp932")
    assert decode_html(payload, "text/html; charset=Shift_JIS") == (page, "cp1251")


# --- UTF-8 pages mislabelled ------------------------------------------------------------------

@pytest.mark.parametrize("label", ["ISO-8859-1", "us-ascii", "windows-1252", "iso-8859-2"])
@pytest.mark.parametrize("url_part", ["wday.ru/articles/53", "entermedia.co.kr/news/news_view.html?idx=8576",
                                      "note100yen.com", "autoracing.com.br/classificacao"])
def test_utf8_pages_labelled_legacy_decode_as_utf8(aeb, url_part, label, no_detection):
    payload, article = aeb(url_part)            # ru, ko, ja, pt pages, sent as UTF-8
    text, codec = decode_html(payload, f"text/html; charset={label}")
    assert codec == "utf-8" and text == payload.decode("utf-8")
    assert article.split("\n")[0][:30] in text


@pytest.mark.parametrize("label", ["iso-8859-1", "ascii", "windows-1252"])
def test_german_utf8_page_with_a_legacy_meta_label(shared_data, label, no_detection):
    payload = eval_page(shared_data, "die-partei.net.luebeck.html")
    mislabelled = payload.replace(b"charset=UTF-8", f"charset={label}".encode())
    assert mislabelled != payload
    assert decode_html(mislabelled, "") == (mislabelled.decode("utf-8"), "utf-8")
    assert "Die GEMA dreht völlig am Zeiger!" in decode_html(mislabelled, "")[0]


def test_utf8_page_without_any_label(aeb, no_detection):
    payload, article = aeb("entermedia.co.kr/news/news_view.html?idx=8576")
    assert not charset._META_CHARSET.search(payload)
    assert decode_html(payload, "text/html") == (payload.decode("utf-8"), "utf-8")


# --- UTF-8 pages with a stray byte --------------------------------------------------------------

@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8", "text/html"])
def test_stray_byte_in_utf8_page_becomes_one_replacement_character(aeb, content_type, no_detection):
    payload, _ = aeb("gto-normativy.ru")
    text = payload.decode("utf-8")
    middle = text.index("Характеристики бега")
    cut = len(text[:middle].encode())
    damaged = payload[:cut] + b"\xff" + payload[cut:]
    assert decode_html(damaged, content_type) == (text[:middle] + "\ufffd" + text[middle:], "utf-8")


def test_real_utf8_pages_with_stray_latin1_bytes(shared_data, no_detection):
    # Pages of the evaluation set that declare UTF-8 and hold 1 to 4 bytes of cp1252 (in a
    # script comment, an image's alt text): they used to be re-detected as cp1250 or mac_latin2.
    for name, strays, phrase in [("maescot.de.schafskunde.html", 1, "Schafskunde"),
                                 ("der-erfolg-gibt-recht.de.rinderleber.html", 3, "Rinderleber"),
                                 ("tierschutzpartei.de-wildvogelauffang.html", 4, "Wildvogel")]:
        payload = eval_page(shared_data, name)
        text, codec = decode_html(payload, "")
        assert codec == "utf-8"
        assert text == payload.decode("utf-8", "replace") and text.count("\ufffd") == strays
        assert phrase in text and "Ã¤" not in text and "Ă¤" not in text


def test_legacy_page_labelled_utf8_by_the_server_uses_its_meta(shared_data, no_detection):
    # PHP sends "charset=UTF-8" by default; this windows-1252 page says iso-8859-1 in its <meta>.
    payload = eval_page(shared_data, "die-tagespost.de.Demut.html")
    text, codec = decode_html(payload, "text/html; charset=UTF-8")
    assert (text, codec) == (payload.decode("cp1252"), "cp1252")
    assert "„" in text and "“" in text and "Schäden" in text


# --- legacy pages -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["die-tagespost.de.Demut.html", "winfuture.de-NASA.html",
                                  "badische-zeitung.de-Wohnungssuche.html"])
def test_real_latin1_pages_decode_as_cp1252(shared_data, name, no_detection):
    payload = eval_page(shared_data, name)
    text, codec = decode_html(payload, "")
    assert (text, codec) == (payload.decode("cp1252"), "cp1252")
    assert any(c in text for c in "äöüß")


def test_latin1_label_gives_cp1252_euro_and_curly_quotes(shared_data, no_detection):
    german = decode_html(eval_page(shared_data, "winfuture.de-NASA.html"), "")[0]
    page = html(german[:3000] + "\nDer Eintritt kostet 12 € – „ermäßigt“ 8 €, sagt der Veranstalter’s Sprecher.",
                meta="ISO-8859-1")
    assert decode_html(page.encode("cp1252"), "text/html; charset=latin1") == (page, "cp1252")


def test_gb2312_label_on_gb18030_text(shared_data, no_detection):
    rows = [json.loads(line) for line in gzip.open(shared_data / "dolma" / "CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz", "rt")]
    chinese = next(r["text"] for r in rows if r["metadata"]["url"].endswith("prometheus-federation/"))
    page = html(chinese + "\n朱镕基的讲话稿售价 5 €，另见𠀀字。", meta="gb2312")   # 镕: GBK; € and 𠀀: GB18030
    payload = page.encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        payload.decode("gb2312")
    assert decode_html(payload, "") == (page, "gb18030")


def test_shift_jis_label_on_cp932_text(aeb, no_detection):
    _, japanese = aeb("note100yen.com")
    page = html(japanese + "\n①株式会社 ㈱髙島屋～本店")   # NEC specials, an IBM extension, a fullwidth tilde
    payload = page.encode("cp932")
    with pytest.raises(UnicodeDecodeError):
        payload.decode("shift_jis")
    assert decode_html(payload, "text/html; charset=Shift_JIS") == (page, "cp932")


def test_euc_kr_label_on_cp949_text(aeb, no_detection):
    _, korean = aeb("entermedia.co.kr/news/news_view.html?idx=8576")
    page = html(korean + "\n똠방각하, 햏자, 뷁", meta="euc-kr")   # hangul outside KS X 1001's 2,350
    payload = page.encode("cp949")
    with pytest.raises(UnicodeDecodeError):
        payload.decode("euc_kr")
    assert decode_html(payload, "") == (page, "cp949")


def test_big5_label_on_hkscs_text(shared_data, no_detection):
    rows = [json.loads(line) for line in gzip.open(shared_data / "dolma" / "CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz", "rt")]
    chinese = next(r["text"] for r in rows if r["metadata"]["url"].endswith("prometheus-federation/"))
    chinese = chinese.encode("big5", "ignore").decode("big5")   # the traditional-script text Big5 holds
    page = html(chinese + "\n佢哋琴日去咗街市買嘢，啲餸好抵食㗎！")   # Cantonese: HKSCS characters
    payload = page.encode("big5hkscs")
    with pytest.raises(UnicodeDecodeError):
        payload.decode("big5")
    assert decode_html(payload, "text/html; charset=big5") == (page, "big5hkscs")


# --- detection ----------------------------------------------------------------------------------

def test_unlabelled_windows_1251_russian_is_detected(aeb):
    _, russian = aeb("vse-diety.com")
    page = html(russian)
    assert decode_html(page.encode("cp1251"), "text/html") == (page, "cp1251")


def test_unlabelled_latin1_pages_are_not_read_as_central_european(aeb):
    # A tie between cp1250 and cp1252 used to go to cp1250 by name: "años" became "ańos".
    for url_part in ("autoracing.com.br/classificacao", "mensagensreflexao.com.br"):
        _, portuguese = aeb(url_part)
        page = html(portuguese)
        assert decode_html(page.encode("cp1252"), "")[0] == page


def test_utf8_label_on_a_legacy_page_is_overruled_by_detection(aeb):
    _, russian = aeb("vse-diety.com")
    page = html(russian)
    assert decode_html(page.encode("cp1251"), "text/html; charset=utf-8") == (page, "cp1251")


def test_detection_on_a_large_page_sees_a_bounded_sample_of_its_text(aeb, monkeypatch):
    _, russian = aeb("vse-diety.com")
    script = "<script>" + "var settings = {theme: 'light', items: [1, 2, 3]};\n" * 4000 + "</script>"
    page = html(russian).replace("</title>", "</title>" + script) * 12     # ~2.5 MB, 200 KB of ASCII first
    payload = page.encode("cp1251")
    seen = []
    real = charset.charset_normalizer.from_bytes
    monkeypatch.setattr(charset.charset_normalizer, "from_bytes", lambda sample, **kw: seen.append(sample) or real(sample, **kw))
    assert decode_html(payload, "") == (page, "cp1251")
    (sample,) = seen
    assert len(sample) <= DETECTION_SAMPLE_BYTES and len(payload) > 30 * DETECTION_SAMPLE_BYTES
    assert sample.decode("cp1251").count("диет") > 50   # the article's text, not the script before it


@pytest.mark.parametrize("codec", ["gb18030", "cp932", "big5hkscs", "cp949"])
def test_detection_sample_never_splits_a_character(aeb, codec):
    _, text = aeb({"gb18030": "note100yen.com", "cp932": "note100yen.com",
                   "big5hkscs": "note100yen.com", "cp949": "entermedia.co.kr/news/news_view.html?idx=8576"}[codec])
    text = text.encode(codec, "ignore").decode(codec)
    payload = (html(text) * 200).encode(codec)
    sample = charset._detection_sample(payload)
    assert DETECTION_SAMPLE_BYTES // 2 < len(sample) <= DETECTION_SAMPLE_BYTES
    sample.decode(codec)   # raises if a piece starts or ends inside a character
