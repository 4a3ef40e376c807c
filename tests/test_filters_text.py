from pipeline.filters.text import (count_sentences, duplicated_ngram_chars, duplicates, ends_sentence,
                                   is_symbol_word, split_words, top_ngram_chars)


def test_split_words_follows_spacy_english_rules():
    text = "Don't stop -- it's well-known (e.g. U.S. and Mr. Smith's) at https://example.com/a?b=1. 10km :)"
    assert split_words(text) == [
        "Do", "n't", "stop", "--", "it", "'s", "well", "-", "known", "(", "e.g.", "U.S.", "and", "Mr.",
        "Smith", "'s", ")", "at", "https://example.com/a?b=1", ".", "10", "km", ":)"]


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
    assert top_ngram_chars(words, 2) == 3 * 3          # "a b" three times
    assert duplicated_ngram_chars(words, 2) == 4       # "ab" twice after the first, no overlap
