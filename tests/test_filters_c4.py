import pytest

from pipeline.document import Document
from pipeline.filters.c4 import C4QualityFilter


def doc(text):
    return Document(id="d", url="http://example.com/", warc="", offset=0, text=text, lang="en")


def sentences(n):
    return "\n".join(f"This is sentence number {i} here." for i in range(n))


@pytest.mark.parametrize("n, kept", [(4, False), (5, True), (6, True)])
def test_min_sentences_boundary(n, kept):
    decision = C4QualityFilter().check(doc(sentences(n)))
    assert decision.kept is kept and decision.metrics["sentences"] == n
    if not kept:
        assert decision.reason == "c4:too_few_sentences"


def test_kept_text_is_its_kept_lines():
    text = (sentences(5) + "\nMenu.\nEnable JavaScript to view this page now.\nRead our privacy policy please now."
            "\nA cited claim [12] stands here.")
    d = doc(text)
    decision = C4QualityFilter().check(d)
    assert decision.kept
    assert d.text == sentences(5) + "\nA cited claim  stands here."
    assert decision.metrics["lines_removed_too_few_words"] == 1
    assert decision.metrics["lines_removed_javascript"] == 1
    assert decision.metrics["lines_removed_policy"] == 1


def test_terminal_punctuation_rule_and_fineweb_switching_it_off():
    text = sentences(5) + "\nA line without an end mark"
    d = doc(text)
    assert C4QualityFilter().check(d).metrics["lines_removed_terminal_punct"] == 1
    d = doc(text)
    assert C4QualityFilter(disable=["terminal_punct"]).check(d).kept
    assert d.text.endswith("without an end mark")


@pytest.mark.parametrize("line, reason", [("Lorem ipsum dolor sit amet.", "c4:lorem_ipsum"),
                                          ("function f() { return 1; } here.", "c4:curly_bracket")])
def test_page_rules(line, reason):
    assert C4QualityFilter().check(doc(sentences(5) + "\n" + line)).reason == reason


@pytest.mark.parametrize("length, removed", [(1000, 0), (1001, 1)])
def test_max_word_length_boundary(length, removed):
    decision = C4QualityFilter().check(doc(sentences(5) + f"\nA word {'x' * length} ends."))
    assert decision.metrics["lines_removed_too_long_word"] == removed
