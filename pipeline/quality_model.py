"""The `quality_model` step: score every document with a fastText quality classifier
(`refinery classifier train`, pipeline/classifier.py) and keep the best.

    [quality_model]
    model = "quality.bin"
    min_score = 0.5              # keep documents scoring at least this, decided per shard; or
    keep_top_fraction = 0.1      # keep the best 10% of the whole corpus

`keep_top_fraction` is global, as dedup is: the map phase only scores (ledger stage
`quality_score`, every document kept, its score in docs/), the threshold is then taken over
every shard's scores (pipeline/dataset.py, RUN/quality/threshold.json), and the final phase
keeps what reaches it (ledger stage `quality_model`, in the final ledger). Either way each
document's score is in the ledger's metrics and in final/'s `quality_score` column, so the
corpus can be cut again at another threshold without scoring it again.
"""
from __future__ import annotations

from pathlib import Path

from .classifier import hq_probabilities, load_model
from .decision import Decision, drop, keep
from .document import Document
from .errors import RefineryError
from .language import check_model_path

SCORE_STAGE = "quality_score"     # the map phase's stage when the threshold is global


class QualityModel:
    name = "quality_model"

    def __init__(self, model: str = "", min_score: float | None = None, keep_top_fraction: float | None = None):
        """`model`: a fastText classifier of `hq` against `cc` (refinery classifier train); a
        recipe must name it. Exactly one of `min_score` (0 to 1) and `keep_top_fraction` (above 0,
        at most 1)."""
        if not model:
            raise RefineryError(f"[{self.name}] model: name the classifier file (made by `refinery classifier train`)")
        check_model_path(self.name, model)
        if (min_score is None) == (keep_top_fraction is None):
            raise RefineryError(f"[{self.name}] give exactly one of min_score (a per-document threshold) and "
                                f"keep_top_fraction (the share of the whole corpus to keep)")
        if min_score is not None and not 0 <= min_score <= 1:
            raise RefineryError(f"[{self.name}] min_score: {min_score} is not between 0 and 1")
        if keep_top_fraction is not None and not 0 < keep_top_fraction <= 1:
            raise RefineryError(f"[{self.name}] keep_top_fraction: {keep_top_fraction} is not above 0 and at most 1")
        self.model = model
        self.min_score = min_score
        self.keep_top_fraction = keep_top_fraction
        if keep_top_fraction is not None:
            self.name = SCORE_STAGE

    def check(self, doc: Document) -> Decision:
        return self.check_batch([doc])[0]

    def check_batch(self, docs: list[Document]) -> list[Decision]:
        for doc, score in zip(docs, hq_probabilities(load_model(self.model), [doc.text for doc in docs])):
            doc.quality_score = score
        return [self._decide(doc) for doc in docs]

    def _decide(self, doc: Document) -> Decision:
        if self.min_score is not None and doc.quality_score < self.min_score:
            return drop("quality_model:low_score", score=doc.quality_score)
        return keep(score=doc.quality_score)


class QualityThreshold:
    """The final phase of `keep_top_fraction`: the corpus-wide threshold, applied per shard."""
    name = "quality_model"

    def __init__(self, threshold: float):
        self.threshold = threshold

    def check(self, doc: Document) -> Decision:
        if doc.quality_score is None or doc.quality_score < self.threshold:
            return drop("quality_model:below_top_fraction", score=doc.quality_score, threshold=self.threshold)
        return keep(score=doc.quality_score, threshold=self.threshold)


def top_fraction(recipe) -> float | None:
    """The recipe's `keep_top_fraction`, when it keeps a share of the whole corpus."""
    return recipe.params_for("quality_model").get("keep_top_fraction") if "quality_model" in recipe.steps else None


def threshold_path(run) -> Path:
    """Where a run keeps its corpus-wide threshold (a RunLayout's folder)."""
    return run.root / "quality" / "threshold.json"
