import pytest

from pipeline.document import Document
from pipeline.filters.fineweb import FineWebQualityFilter


def doc(text):
    return Document(id="d", url="http://example.com/", warc="", offset=0, text=text, lang="en")


LONG_OPEN = "a long line of text that goes on and on without an end"   # > 30 chars, no end mark


def lines_with_ends(ended, total):
    return "\n".join([f"{LONG_OPEN} {i}." for i in range(ended)] + [f"{LONG_OPEN} {i}" for i in range(ended, total)])


@pytest.mark.parametrize("ended, total, kept", [(11, 100, False), (12, 100, True), (13, 100, True)])
def test_line_punct_ratio_boundary(ended, total, kept):
    decision = FineWebQualityFilter().check(doc(lines_with_ends(ended, total)))
    assert decision.metrics["line_punct_ratio"] == pytest.approx(ended / total)
    assert decision.kept is kept
    if not kept:
        assert decision.reason == "fineweb:line_punct_ratio"


@pytest.mark.parametrize("short, kept", [(66, True), (67, True), (68, False)])
def test_short_line_ratio_boundary(short, kept):
    # 100 lines, all ending a sentence; `short` of them at most 30 characters.
    lines = [f"Short line {i:02d} and more." for i in range(short)] + \
            [f"{LONG_OPEN} and more words {i:02d}." for i in range(100 - short)]
    decision = FineWebQualityFilter(disable=["list_ratio"]).check(doc("\n".join(lines)))
    assert decision.metrics["short_line_ratio"] == pytest.approx(short / 100)
    assert decision.kept is kept
    if not kept:
        assert decision.reason == "fineweb:short_line_ratio"


def test_duplicated_line_chars_and_list_ratio():
    repeated = f"{LONG_OPEN}, said the page."
    text = "\n".join([f"{LONG_OPEN} and then some {i}." for i in range(30)] + [repeated, repeated])
    decision = FineWebQualityFilter().check(doc(text))
    assert decision.reason == "fineweb:char_dup_ratio"
    assert decision.metrics["char_dup_ratio"] == pytest.approx(len(repeated) / len(text.replace("\n", "")))
    listy = "\n".join(f"Item {i}." for i in range(50))      # one newline per three words
    assert FineWebQualityFilter(max_short_line_frac=1).check(doc(listy)).reason == "fineweb:list_ratio"


def test_empty_text_is_dropped():
    assert FineWebQualityFilter().check(doc(" \n \n")).reason == "fineweb:empty"
