"""The quality filters run in linear time on any input, and still split and decide right there.

Each case is a text of 50 KB to 1 MB. Most have a shape that made a filter's regular expression
backtrack, or its affix loop rescan a word, quadratically: each of those took minutes to hours
before the fix (8 KB of "a.a.a...1" took 4 s, of "a)))...)" 10 s) and takes ~0.1 s now; the rest
are their neighbours (runs of one mark, digits, scripts), kept as guards. The cases run in one
child process under a generous timeout, so that a quadratic regression fails here instead of
hanging the suite; nothing is timed. The child reports what each case gave and the tests below
check it against what the rules say it should be.

    python tests/test_filters_linear.py     # the child: one JSON line per case
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from itertools import cycle, groupby, islice
from pathlib import Path

import pytest

from pipeline.document import Document
from pipeline.filters.c4 import C4QualityFilter
from pipeline.filters.fineweb import FineWebQualityFilter
from pipeline.filters.gopher import GopherQualityFilter, GopherRepetitionFilter
from pipeline.filters.pii import PII_EMAIL_REPLACEMENTS, PII_IP_REPLACEMENTS, PIIFormatter
from pipeline.filters.text import split_words
from pipeline.filters.urls import URLFilter

REPO = Path(__file__).resolve().parents[1]
HANG_GUARD_S = 120          # the whole child takes a few seconds when every case is linear
N = 200_000                 # characters in most cases
HALF, QUARTER = N // 2, N // 4   # cases that give a word per character: Python's per-word cost dominates

DOTTED = "a." * HALF + "1"
DOTTED_HOST = "a." * HALF + "com"
INITIALS = "A." * HALF
DASH_COLON = "-:" * HALF
LONG_URL = "https://example.com/" + "a/b?c#d" * (N // 7)
MIXED = "日本語Ελληνικάрусский" * (N // 20)
ZH = "中" * HALF + "ab." * (N // 6)

# name -> (text, lang, the words split_words must return as (word, times in a row) runs)
SPLIT_CASES = {
    # spaCy's URL pattern backtracked on dotted words that are no URL, and on runs of initials.
    "dotted_word": (DOTTED, "en", [(DOTTED, 1)]),
    "dotted_host_is_a_url": (DOTTED_HOST, "en", [(DOTTED_HOST, 1)]),
    "initials": (INITIALS, "en", [(INITIALS, 1)]),
    "initials_then_brackets": (INITIALS + "x" + ")" * 10, "en", [(INITIALS + "x", 1), (")", 10)]),
    "many_at_signs": ("a.b@" * (N // 4), "en", [("a.b@" * (N // 4), 1)]),
    "long_url": (LONG_URL, "en", [(LONG_URL, 1)]),
    # Each stripped suffix rescanned the whole word (the suffix search, the contraction test).
    "closing_brackets": ("a" + ")" * HALF, "en", [("a", 1), (")", HALF)]),
    "letters_then_brackets": ("a" * HALF + ")" * HALF, "en", [("a" * HALF, 1), (")", HALF)]),
    "nested_brackets": ("(" * QUARTER + "a" + ")" * QUARTER, "en", [("(", QUARTER), ("a", 1), (")", QUARTER)]),
    # Neighbouring "'" tokens become spaCy's special case "''".
    "nested_quotes": ('"' * (N // 8) + "'" * (N // 8) + "word" + "'" * (N // 8) + '"' * (N // 8), "en",
                      [('"', N // 8), ("''", N // 16), ("word", 1), ("''", N // 16), ('"', N // 8)]),
    "long_word": ("a" * N, "en", [("a" * N, 1)]),
    "contraction_after_long_word": ("a" * N + "n't", "en", [("a" * N, 1), ("n't", 1)]),
    # Inside a word, the ellipsis suffix was searched for from every dot: 1 MB, as that rescanned
    # only the dots.
    "dots_inside_word": ("a" + "." * (5 * N) + "b", "en", [("a", 1), ("." * (5 * N), 1), ("b", 1)]),
    "dots_ending_word": ("a" + "." * (5 * N), "en", [("a", 1), ("." * (5 * N), 1)]),
    "run_of_dots": ("." * N, "en", [("." * N, 1)]),
    "run_of_exclamation_marks": ("!" * QUARTER, "en", [("!", QUARTER)]),
    "run_of_hashes": ("#" * QUARTER, "en", [("#", QUARTER)]),
    "run_of_curly_apostrophes": ("’" * QUARTER, "en", [("’", QUARTER)]),
    "run_of_hyphens": ("-" * N, "en", [("-" * N, 1)]),
    "run_of_at_signs": ("@" * N, "en", [("@" * N, 1)]),
    "dash_colon_line": (DASH_COLON, "en", [(DASH_COLON[:-1], 1), (":", 1)]),
    "mixed_scripts": (MIXED, "en", [(MIXED, 1)]),
    # Chinese: a word per Han character; the dotted rest is a URL once its final "." is a suffix.
    "mixed_scripts_zh": (ZH, "zh", [("中", HALF), (ZH[HALF:-1], 1), (".", 1)]),
}


def stand_ins(replacements: tuple[str, ...], count: int, separator: str) -> str:
    """What PIIFormatter writes for `count` addresses in a row, each followed by `separator`."""
    return "".join(r + separator for r in islice(cycle(replacements), count))


# name -> (text, the text after PIIFormatter, its metrics); None: the text must stay as it was
PII_CASES = {
    # The email pattern read from every position of a run of address characters to the "@".
    "local_part_run_before_bare_at": ("a-" * HALF + "@", None, {"emails": 0, "ips": 0}),
    "dotted_run_before_at": ("a." * HALF + "@!", None, {"emails": 0, "ips": 0}),
    "address_after_double_dot": ("a-" * HALF + "..b@example.com", "a-" * HALF + "..email@example.com",
                                 {"emails": 1, "ips": 0}),
    "long_domain": ("x@" + "a." * HALF, "email@example.com.", {"emails": 1, "ips": 0}),
    "run_of_at_signs": ("@" * N, None, {"emails": 0, "ips": 0}),
    "run_of_digits": ("9" * N, None, {"emails": 0, "ips": 0}),
    "run_of_dots": ("." * N, None, {"emails": 0, "ips": 0}),
    "many_addresses": ("jo.doe@mail.example.com, " * (N // 25), stand_ins(PII_EMAIL_REPLACEMENTS, N // 25, ", "),
                       {"emails": N // 25, "ips": 0}),
    # "1.1.1.1" (a public address) and a dot, over and over.
    "dotted_digits": ("1." * HALF, stand_ins(PII_IP_REPLACEMENTS, N // 8, "."), {"emails": 0, "ips": N // 8}),
}

PROSE = ("The river rose in the night and the town woke to water in the streets. Volunteers filled sandbags "
         "while the mayor asked everyone to stay at home. By noon the rain had stopped, and the bakery on the "
         "corner handed out bread to the families who had left their houses. Engineers checked the old bridge "
         "for damage before it opened again. The school will be closed until the end of the week.")
# name -> (text, url, each filter's reason or "keep")
FILTER_CASES = {
    "prose_then_closing_brackets": (PROSE + "\n" + ")" * QUARTER, "https://example.com/" + "a." * HALF, {
        "url": "keep", "gopher_repetition": "gopher_repetition:top_2_gram",
        "gopher_quality": "gopher_quality:alpha_words", "c4": "keep", "fineweb": "keep", "pii": "keep"}),
    "prose_then_dotted_word": (PROSE + "\n" + DOTTED, "https://example.com/" + "-:" * HALF, {
        "url": "keep", "gopher_repetition": "keep", "gopher_quality": "gopher_quality:mean_word_length",
        "c4": "keep", "fineweb": "keep", "pii": "keep"}),
}


def runs(words: list[str]) -> list[tuple[str, int]]:
    return [(word, len(list(group))) for word, group in groupby(words)]


def child() -> None:
    """Run every case and print one JSON line each, as soon as it is done."""
    def report(kind, name, result):
        print(json.dumps({"kind": kind, "name": name, "result": result}), flush=True)

    for name, (text, lang, _) in SPLIT_CASES.items():
        report("split", name, runs(split_words(text, lang)))
    for name, (text, _, _) in PII_CASES.items():
        doc = Document(id=name, url="", warc="", offset=0, text=text)
        report("pii", name, {"metrics": PIIFormatter().check(doc).metrics, "text": doc.text})
    filters = [URLFilter(), GopherRepetitionFilter(), GopherQualityFilter(), C4QualityFilter(),
               FineWebQualityFilter(), PIIFormatter()]
    for name, (text, url, _) in FILTER_CASES.items():
        reasons = {}
        for f in filters:
            decision = f.check(Document(id=name, url=url, warc="", offset=0, text=text, lang="en"))
            reasons[f.name] = decision.reason or "keep"
        report("filters", name, reasons)


CASES = ([("split", n) for n in SPLIT_CASES] + [("pii", n) for n in PII_CASES]
         + [("filters", n) for n in FILTER_CASES])


@pytest.fixture(scope="module")
def results() -> dict:
    """What the child reported per (kind, name); a case still running at the guard fails them all."""
    try:
        done = subprocess.run([sys.executable, __file__], capture_output=True, timeout=HANG_GUARD_S,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
    except subprocess.TimeoutExpired as e:
        finished = len((e.stdout or b"").splitlines())
        pytest.fail(f"case {CASES[finished]} still ran after {HANG_GUARD_S} s: quadratic again?")
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    lines = [json.loads(line) for line in done.stdout.decode().splitlines()]
    return {(r["kind"], r["name"]): r["result"] for r in lines}


def test_every_case_ran(results):
    assert list(results) == CASES


@pytest.mark.parametrize("name", SPLIT_CASES)
def test_split_words_on_pathological_words(results, name):
    text, _, expected = SPLIT_CASES[name]
    got = [tuple(run) for run in results[("split", name)]]
    assert got == expected
    assert "".join(word * times for word, times in got) == text    # nothing lost, nothing added


@pytest.mark.parametrize("name", PII_CASES)
def test_pii_on_pathological_text(results, name):
    text, replaced, metrics = PII_CASES[name]
    got = results[("pii", name)]
    assert got["metrics"] == metrics
    assert got["text"] == (text if replaced is None else replaced)


@pytest.mark.parametrize("name", FILTER_CASES)
def test_filter_decisions_on_pathological_documents(results, name):
    assert results[("filters", name)] == FILTER_CASES[name][2]


if __name__ == "__main__":
    child()
