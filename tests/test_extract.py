import time

import pipeline.extract as extract
from pipeline.document import Document
from tests.conftest import article


def page_doc(html: str) -> Document:
    return Document(id="x", url="https://a.test/", warc="w", offset=0, html=html)


def test_extracts_the_article_without_navigation():
    doc = page_doc(article("the harbour").decode())
    decision = extract.Extractor().check(doc)
    assert decision.kept
    assert "The committee met on Tuesday" in doc.text
    assert "Privacy policy" not in doc.text and "Home" not in doc.text.split()
    assert doc.html is None                      # the page is released once extracted


def test_page_without_text_is_dropped():
    decision = extract.Extractor().check(page_doc(
        "<html><body><div class='menu'><ul><li><a href='/'>Home</a></li><li><a href='/b'>About</a></li></ul></div></body></html>"))
    assert decision.reason == "extract:no_text"


def test_oversized_page_is_dropped_before_parsing():
    decision = extract.Extractor(max_html_chars=1000).check(page_doc(article("size").decode()))
    assert decision.reason == "extract:too_large" and decision.metrics["html_chars"] > 1000


def test_slow_extraction_is_cut_by_the_time_limit(monkeypatch):
    def slow_extract(*args, **kwargs):
        time.sleep(5)
        return "never"

    monkeypatch.setattr(extract.trafilatura, "extract", slow_extract)
    started = time.monotonic()
    decision = extract.Extractor(timeout_s=0.2).check(page_doc(article("slow").decode()))
    assert decision.reason == "extract:timeout"
    assert time.monotonic() - started < 2
