from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.filters import text
from pipeline.filters.text import (count_sentences, duplicated_ngram_chars, duplicates, ends_sentence,
                                   is_symbol_word, split_words, top_ngram_chars)


def test_split_words_follows_spacy_english_rules():
    text = "Don't stop -- it's well-known (e.g. U.S. and Mr. Smith's) at https://example.com/a?b=1. 10km :)"
    assert split_words(text) == [
        "Do", "n't", "stop", "--", "it", "'s", "well", "-", "known", "(", "e.g.", "U.S.", "and", "Mr.",
        "Smith", "'s", ")", "at", "https://example.com/a?b=1", ".", "10", "km", ":)"]


def _long_way(chunk):
    tokens = []
    text._split_chunk(chunk, tokens)
    return tuple(text._merge_special_spans(tokens))


_LETTERS = st.text(st.characters(categories=["Lu", "Ll", "Lo", "Lm"]), min_size=1, max_size=12)
_SPELT = st.sampled_from(["cannot", "Cannot", "gonna", "gotta", "wanna", "Im", "im", "dont", "isnt", "Wouldnt",
                          "XD", "xD", "a", "Dr", "and", "can", "not"])


@settings(max_examples=400, deadline=None)
@given(letters=st.one_of(_LETTERS, _SPELT), affix=st.sampled_from(sorted(text._LONE_SUFFIXES | text._LONE_PREFIXES)),
       where=st.sampled_from(["none", "end", "start"]))
def test_the_short_way_for_letters_and_a_lone_affix_is_the_long_way(letters, affix, where):
    chunk = {"none": letters, "end": letters + affix, "start": affix + letters}[where]
    assert text._chunk_words(chunk) == _long_way(chunk)


def test_unspaced_scripts_split_per_character_only_for_their_languages():
    assert split_words("中森明菜 sings", "ja") == ["中", "森", "明", "菜", "sings"]
    assert split_words("中森明菜 sings", "en") == ["中森明菜", "sings"]


def test_symbol_words_and_sentence_ends():
    assert is_symbol_word("...") and is_symbol_word("।") and not is_symbol_word("a.")
    assert ends_sentence("Fin.") and ends_sentence("终。") and not ends_sentence("list,")


def test_sentences_counted_like_the_sentencizer():
    assert count_sentences("One here. Two here! Three?! Four... e.g. five") == 4
    assert count_sentences("") == 0


def test_repeat_counts():
    assert duplicates(["a", "bb", "a", "bb", "bb"]) == (3, 5)
    words = "a b a b a b".split()
    assert top_ngram_chars(words, [2]) == {2: 3 * 3}          # "a b" three times
    assert duplicated_ngram_chars(words, [2]) == {2: 4}       # "ab" twice after the first, no overlap


def _top_ngram_chars_plainly(words, n):
    """Gopher's top n-gram measure as datatrove writes it: a Counter of joined n-grams."""
    grams = Counter(" ".join(words[i:i + n]) for i in range(len(words) - n + 1))
    if not grams:
        return 0
    gram, count = grams.most_common(1)[0]
    return len(gram) * count


def _duplicated_ngram_chars_plainly(words, n):
    """Gopher's duplicated n-gram measure as datatrove writes it: one scan, a jump past each repeat."""
    seen, chars, i = set(), 0, 0
    while i < len(words) - n + 1:
        gram = "".join(words[i:i + n])
        if gram in seen:
            chars += len(gram)
            i += n
        else:
            seen.add(gram)
            i += 1
    return chars


# Few distinct words, some of which join alike ("ab" + "c" == "a" + "bc"), some outside the BMP.
_WORDS = st.lists(st.sampled_from(["a", "b", "ab", "c", "bc", "abc", "é", "𝔸", "x"]), max_size=60)


@settings(max_examples=400, deadline=None)
@given(_WORDS)
def test_repeat_measures_are_the_plain_loops(words):
    ns = range(1, 8)
    assert top_ngram_chars(words, ns) == {n: _top_ngram_chars_plainly(words, n) for n in ns}
    assert duplicated_ngram_chars(words, ns) == {n: _duplicated_ngram_chars_plainly(words, n) for n in ns}


def test_the_filters_split_a_document_into_words_once(monkeypatch):
    import pipeline.filters.text as text_module
    from pipeline.document import Document
    from pipeline.filters.fineweb import FineWebQualityFilter
    from pipeline.filters.gopher import GopherQualityFilter, GopherRepetitionFilter

    calls = []
    real = text_module.split_words
    monkeypatch.setattr(text_module, "split_words", lambda text, lang="en": calls.append(text) or real(text, lang))
    doc = Document(id="x", url="https://a.test/", warc="w", offset=0, lang="en",
                   text="The river rose in the night.\nBy morning the bridge was closed to traffic.\n" * 5)
    for step in (GopherRepetitionFilter(), GopherQualityFilter(), FineWebQualityFilter()):
        step.check(doc)
    assert len(calls) == 1
    doc.text = doc.text.replace("bridge", "ferry")          # a step rewrote the text: split again
    assert "ferry" in text_module.document_words(doc) and len(calls) == 2
