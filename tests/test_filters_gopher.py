import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.document import Document
from pipeline.errors import RefineryError
from pipeline.filters.gopher import GopherQualityFilter, GopherRepetitionFilter, _word_counts
from pipeline.filters.text import is_symbol_word


def doc(text, lang="en"):
    return Document(id="d", url="http://example.com/", warc="", offset=0, text=text, lang=lang)


def prose(n_words):
    """n distinct words, two of them stop words, every word 4 characters on average."""
    return " ".join(["the", "with"] + [f"w{i:03d}" for i in range(n_words - 2)])


@pytest.mark.parametrize("n, kept", [(49, False), (50, True), (51, True)])
def test_min_words_boundary(n, kept):
    decision = GopherQualityFilter().check(doc(prose(n)))
    assert decision.kept is kept
    assert decision.metrics["words"] == n
    if not kept:
        assert decision.reason == "gopher_quality:min_words"


def test_measures_of_a_known_text():
    text = "the cat sat with a hat\n- one #tag\n- two...\n"
    m = GopherQualityFilter(min_words=1).check(doc(text)).metrics
    # words: the cat sat with a hat - one # tag - two ... ; symbol words: - # - ...
    assert m["words"] == 9
    assert m["hash_ratio"] == pytest.approx(1 / 13)
    assert m["ellipsis_ratio"] == pytest.approx(1 / 13)
    assert m["bullet_lines"] == pytest.approx(2 / 3)
    assert m["ellipsis_lines"] == pytest.approx(1 / 3)
    assert m["stop_words"] == 2


# Each rule at its threshold keeps (the published rules are strict), just past it drops.
RULES = [  # (rule, parameter, metric, "max" or "min")
    ("mean_word_length", "max_mean_word_length", "mean_word_length", "max"),
    ("mean_word_length", "min_mean_word_length", "mean_word_length", "min"),
    ("hash_ratio", "max_symbol_word_ratio", "hash_ratio", "max"),
    ("bullet_lines", "max_bullet_lines_frac", "bullet_lines", "max"),
    ("ellipsis_lines", "max_ellipsis_lines_frac", "ellipsis_lines", "max"),
    ("alpha_words", "min_alpha_words_frac", "alpha_words", "min"),
    ("stop_words", "min_stop_words", "stop_words", "min"),
]
LISTY = "\n".join(["- the cat and the dog #1 ...", "- a cat and a dog #2 ...", "- one cat #3",
                   "with 42 77 words here and there", "and 42 77 more words here"])


@pytest.mark.parametrize("rule, param, metric, side", RULES)
def test_quality_rule_boundaries(rule, param, metric, side):
    loose = dict(min_words=1, max_symbol_word_ratio=1, max_bullet_lines_frac=1, max_ellipsis_lines_frac=1,
                 min_alpha_words_frac=0, min_stop_words=0, min_mean_word_length=0, max_mean_word_length=99)
    value = GopherQualityFilter(**loose).check(doc(LISTY)).metrics[metric]
    assert 0 < value
    step = 1 if metric == "stop_words" else 1e-9
    past = value - step if side == "max" else value + step
    assert GopherQualityFilter(**{**loose, param: value}).check(doc(LISTY)).kept
    dropped = GopherQualityFilter(**{**loose, param: past}).check(doc(LISTY))
    assert dropped.reason == f"gopher_quality:{rule}"
    assert GopherQualityFilter(**{**loose, param: past}, disable=[rule]).check(doc(LISTY)).kept


def test_stop_words_by_language():
    french = " ".join(["le", "chat", "et", "la"] + [f"mot{i}" for i in range(60)])
    assert not GopherQualityFilter().check(doc(french, "fr")).kept          # English stop words
    assert GopherQualityFilter(stop_words="by_language").check(doc(french, "fr")).kept
    kept = GopherQualityFilter(stop_words="by_language").check(doc(french, "km"))
    assert kept.kept and kept.metrics["stop_words"] == -1                   # no list: rule skipped


def test_unknown_rule_names_fail_loudly():
    with pytest.raises(RefineryError, match="stopwords"):
        GopherQualityFilter(disable=["stopwords"])


@pytest.mark.parametrize("copies, kept", [(3, True), (4, True), (5, False)])
def test_duplicate_line_fraction_boundary(copies, kept):
    # 10 lines, of which copies-1 repeat the first: 0.2, 0.3 (at the threshold), 0.4.
    lines = ["a line that repeats itself"] * copies + [f"distinct line number {i} here" for i in range(10 - copies)]
    f = GopherRepetitionFilter(disable=["dup_line_char_frac", "top_2_gram", "top_3_gram", "top_4_gram",
                                        *(f"dup_{n}_gram" for n in range(5, 11))])
    decision = f.check(doc("\n".join(lines)))
    assert decision.metrics["dup_line_frac"] == pytest.approx((copies - 1) / 10)
    assert decision.kept is kept
    if not kept:
        assert decision.reason == "gopher_repetition:dup_line_frac"


def test_ngram_thresholds_from_a_recipe_table():
    text = " ".join(["spam eggs"] * 40)
    f = GopherRepetitionFilter(max_top_ngram_char_frac={"2": 2.0, "3": 2.0, "4": 2.0},
                               max_dup_ngram_char_frac={"5": 0.5})
    decision = f.check(doc(text))
    assert decision.reason == "gopher_repetition:dup_5_gram"
    assert set(decision.metrics) >= {"top_2_gram", "dup_5_gram"} and "dup_6_gram" not in decision.metrics
    assert GopherRepetitionFilter().check(doc(text)).reason == "gopher_repetition:top_2_gram"


def test_no_letter_is_a_symbol_character():
    """The word counts take a word of letters for a real word with a letter without reading it."""
    letters = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isalpha()]
    assert letters and not any(is_symbol_word(c) for c in letters)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(min_size=1, max_size=6), st.sampled_from(["the", "...", "-", "#", "«", "2024", "é"])),
                max_size=60))
def test_word_counts_are_the_per_word_definitions(words):
    real = [w for w in words if not is_symbol_word(w)]
    assert _word_counts(words) == (len(real), sum(map(len, real)), sum(any(c.isalpha() for c in w) for w in words))
