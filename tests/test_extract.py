import time

import pytest

import pipeline.extract as extract
from pipeline import watchdog
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


def test_the_time_limit_cannot_be_swallowed_by_the_library(monkeypatch):
    def stubborn_extract(*args, **kwargs):       # as trafilatura's fallbacks do: catch Exception, go on
        deadline = time.process_time() + 5
        while time.process_time() < deadline:
            try:
                sum(range(10_000))
            except Exception:
                pass
        return "never"

    monkeypatch.setattr(extract.trafilatura, "extract", stubborn_extract)
    started = time.process_time()
    assert extract.extract_text("<html></html>", None, {}, 0.2) == ("timeout", None)
    assert time.process_time() - started < 2


def test_a_page_over_the_limit_is_dropped_and_the_next_one_extracted():
    big = article("slow pages", 400).decode()
    assert extract.Extractor(timeout_s=0.001).check(page_doc(big)).reason == "extract:timeout"
    assert extract.Extractor().check(page_doc(article("fast pages").decode())).kept


def test_the_watchdog_kills_a_call_stuck_in_c_code_and_carries_on():
    call = watchdog.IsolatedCall("tests.child_targets:stuck_in_c", cpu_seconds=1.0)
    try:
        assert call(3) is False                  # small: answers
        started = time.monotonic()
        with pytest.raises(watchdog.CallTimedOut, match="s of CPU"):
            call(60)                             # 2**60 steps in the regex engine
        assert time.monotonic() - started < 30
        assert call(4) is False                  # a fresh child takes the next call
    finally:
        call.close()


def test_a_crash_or_an_error_in_the_child_costs_one_call():
    crash = watchdog.IsolatedCall("tests.child_targets:crash", cpu_seconds=5)
    fail = watchdog.IsolatedCall("tests.child_targets:fail", cpu_seconds=5)
    square = watchdog.IsolatedCall("tests.child_targets:square", cpu_seconds=5)
    try:
        with pytest.raises(watchdog.ChildCrashed):
            crash()
        with pytest.raises(RuntimeError, match="ValueError: a broken page"):
            fail()
        assert square(7) == 49
    finally:
        for call in (crash, fail, square):
            call.close()
