"""Every threshold of the repetition and FineWeb rules, at its boundary: a document measured
at exactly the threshold is kept (the published rules are strict), one a hair past is dropped
by that rule, and switching the rule off keeps it again."""
import pytest

from pipeline.document import Document
from pipeline.filters.fineweb import FineWebQualityFilter
from pipeline.filters.gopher import GopherRepetitionFilter

EPS = 1e-9


def doc(text):
    return Document(id="d", url="http://example.com/", warc="", offset=0, text=text, lang="en")


# Repeated paragraphs, lines and n-grams, so that every repetition measure is above zero.
REPETITIVE = "\n\n".join([
    "the river rose in the night and the town woke to water in the streets",
    "the river rose in the night and the town woke to water in the streets",
    "volunteers filled sandbags\nvolunteers filled sandbags\nthe mayor asked everyone to stay home",
    "by noon the rain had stopped and the bakery handed out bread to families who had left",
])
NGRAMS = {"top": (2, 3, 4), "dup": tuple(range(5, 11))}
LOOSE_REPETITION = dict(max_dup_line_frac=1, max_dup_para_frac=1, max_dup_line_char_frac=1, max_dup_para_char_frac=1,
                        max_top_ngram_char_frac={n: 1 for n in NGRAMS["top"]},
                        max_dup_ngram_char_frac={n: 1 for n in NGRAMS["dup"]})
REPETITION_RULES = ([(rule, f"max_{rule}") for rule in ("dup_line_frac", "dup_para_frac", "dup_line_char_frac",
                                                        "dup_para_char_frac")]
                    + [(f"{kind}_{n}_gram", (f"max_{kind}_ngram_char_frac", n)) for kind in NGRAMS for n in NGRAMS[kind]])


def repetition_filter(param, value, **extra):
    params = {k: dict(v) if isinstance(v, dict) else v for k, v in LOOSE_REPETITION.items()}
    if isinstance(param, tuple):
        params[param[0]][param[1]] = value
    else:
        params[param] = value
    return GopherRepetitionFilter(**params, **extra)


@pytest.mark.parametrize("rule, param", REPETITION_RULES, ids=[r for r, _ in REPETITION_RULES])
def test_repetition_rule_boundaries(rule, param):
    measured = GopherRepetitionFilter(**LOOSE_REPETITION).check(doc(REPETITIVE)).metrics[rule]
    assert 0 < measured < 1
    assert repetition_filter(param, measured).check(doc(REPETITIVE)).kept
    assert repetition_filter(param, measured - EPS).check(doc(REPETITIVE)).reason == f"gopher_repetition:{rule}"
    assert repetition_filter(param, measured - EPS, disable=[rule]).check(doc(REPETITIVE)).kept


# Short lines, lines without an end mark, a repeated line, many newlines per word.
LISTY = "\n".join(["Opening hours", "Opening hours", "Monday to Friday, from nine in the morning until six.",
                   "Saturday", "Closed on Sundays and on public holidays in the county.", "Contact us"])
LOOSE_FINEWEB = dict(min_line_punct_frac=0, max_short_line_frac=1, max_dup_line_char_frac=1, max_newlines_per_word=1)
FINEWEB_RULES = [("line_punct_ratio", "min_line_punct_frac", "min"), ("short_line_ratio", "max_short_line_frac", "max"),
                 ("char_dup_ratio", "max_dup_line_char_frac", "max"), ("list_ratio", "max_newlines_per_word", "max")]


@pytest.mark.parametrize("rule, param, side", FINEWEB_RULES, ids=[r for r, _, _ in FINEWEB_RULES])
def test_fineweb_rule_boundaries(rule, param, side):
    measured = FineWebQualityFilter(**LOOSE_FINEWEB).check(doc(LISTY)).metrics[rule]
    assert 0 < measured < 1
    past = measured - EPS if side == "max" else measured + EPS
    assert FineWebQualityFilter(**{**LOOSE_FINEWEB, param: measured}).check(doc(LISTY)).kept
    assert FineWebQualityFilter(**{**LOOSE_FINEWEB, param: past}).check(doc(LISTY)).reason == f"fineweb:{rule}"
    assert FineWebQualityFilter(**{**LOOSE_FINEWEB, param: past}, disable=[rule]).check(doc(LISTY)).kept
