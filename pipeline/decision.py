"""The filter contract: `check(doc) -> Decision`.

A filter looks at one document and says keep or drop, why, and what it measured. It never
writes anything: the runner (`pipeline.stage.apply`) records every decision in the ledger,
so the ledger is the single source for funnels, drop reasons and borderline examples.

A filter may also annotate the document it keeps (the extractor sets `text`, the language
identifier sets `lang`); that is how transforming steps share the same contract.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from .document import Document


@dataclass(frozen=True)
class Decision:
    kept: bool
    reason: str = ""                      # "<step>:<rule>", e.g. "gopher_quality:mean_word_length"
    metrics: dict = field(default_factory=dict)


def keep(**metrics) -> Decision:
    return Decision(True, "", metrics)


def drop(reason: str, **metrics) -> Decision:
    return Decision(False, reason, metrics)


class Filter(Protocol):
    name: str                             # the stage name written to the ledger

    def check(self, doc: Document) -> Decision: ...
