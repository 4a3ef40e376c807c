"""Stop words for Gopher's "at least two stop words" rule, per language.

Gopher's rule (Rae et al. 2021, A1.1) keeps text that uses at least two of eight of the
commonest English function words: prose uses them, keyword lists and boilerplate do not.
For other languages we keep the rule's spirit with the eight commonest function words of
each language (articles, prepositions, conjunctions, the verb "to be"), written out here
from standard frequency lists. A language without a list here has no stop-word rule: the
multilingual recipe says so rather than judge, say, Thai by English words.
"""
from __future__ import annotations

# Gopher's list, as datatrove codes it (datatrove GopherQualityFilter STOP_WORDS).
GOPHER_STOP_WORDS = ("the", "be", "to", "of", "and", "that", "have", "with")

STOP_WORDS = {
    "en": GOPHER_STOP_WORDS,
    "de": ("der", "die", "und", "in", "den", "von", "zu", "das"),
    "fr": ("de", "la", "le", "et", "les", "des", "en", "est"),
    "es": ("de", "la", "que", "el", "en", "y", "los", "se"),
    "it": ("di", "e", "il", "la", "che", "in", "per", "un"),
    "pt": ("de", "a", "o", "que", "e", "do", "da", "em"),
    "nl": ("de", "en", "van", "het", "een", "in", "is", "dat"),
    "pl": ("w", "i", "na", "z", "się", "do", "nie", "to"),
    "ru": ("и", "в", "не", "на", "что", "с", "по", "это"),
    "uk": ("і", "в", "на", "з", "що", "не", "до", "та"),
    "sv": ("och", "i", "att", "det", "som", "en", "på", "är"),
    "da": ("og", "i", "at", "det", "en", "til", "er", "på"),
    "no": ("og", "i", "det", "er", "til", "på", "som", "en"),
    "cs": ("a", "v", "se", "na", "je", "to", "že", "s"),
    "ro": ("de", "și", "în", "a", "la", "cu", "care", "pe"),
    "id": ("yang", "dan", "di", "ini", "itu", "dengan", "untuk", "dari"),
    "tr": ("ve", "bir", "bu", "da", "de", "için", "ile", "çok"),
}


def stop_words_for(lang: str) -> frozenset[str] | None:
    """The stop words of language `lang` (a lid.176 code), or None where we hold no list."""
    words = STOP_WORDS.get(lang)
    return frozenset(words) if words is not None else None
