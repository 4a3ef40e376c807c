"""Stages: a stage takes an iterator of documents and yields documents.

A filter (`check(doc) -> Decision`) becomes a stage through `apply`, which is also where every
decision is written to the ledger, so no filter has to know the ledger exists. Stages chain
lazily: documents flow from the reader to the writer one at a time, or a batch at a time
through a step that offers `check_batch(docs) -> list[Decision]` (a model that predicts a list
in one call, as fastText does, saves its per-call cost: about a fifth of language ID's time),
as many as its `batch_documents` says, or BATCH_DOCUMENTS.
Either way every decision is recorded in document order, so the ledger reads the same.
"""
from __future__ import annotations

import traceback
from itertools import islice
from typing import Iterable, Iterator

from .decision import Decision, Filter
from .document import Document
from .errors import StepFailed
from .ledger import Ledger

BATCH_DOCUMENTS = 256    # documents a batch step sees at once: enough to amortise a model call


def apply(step: Filter, docs: Iterable[Document], ledger: Ledger) -> Iterator[Document]:
    for batch in _batches(docs, batch_size(step)):
        for doc, decision in zip(batch, decide(step, batch)):
            ledger.record(doc, step.name, decision)
            if decision.kept:
                yield doc


def batch_size(step: Filter) -> int:
    """How many documents the step sees at once: its `batch_documents`, or BATCH_DOCUMENTS, for a
    step with `check_batch`; one for the others."""
    return getattr(step, "batch_documents", BATCH_DOCUMENTS) if hasattr(step, "check_batch") else 1


def decide(step: Filter, batch: list[Document]) -> list[Decision]:
    """The step's decisions on the batch, in order; a step that fails names the document."""
    if hasattr(step, "check_batch"):
        try:
            return step.check_batch(batch)
        except Exception:
            pass       # check them one by one below, so that the error names its document
    decisions = []
    for doc in batch:
        try:
            decisions.append(step.check(doc))
        except Exception as e:
            raise StepFailed(f"step {step.name!r} failed on document {doc.id} ({doc.url or 'no URL'}, "
                             f"{doc.warc} at byte {doc.offset:,}): {_where(e)}") from e
    return decisions


def _batches(docs: Iterable[Document], size: int) -> Iterator[list[Document]]:
    docs = iter(docs)
    while batch := list(islice(docs, size)):
        yield batch


def _where(error: Exception) -> str:
    frame = traceback.extract_tb(error.__traceback__)[-1]
    return f"{type(error).__name__}: {error} (at {frame.filename}:{frame.lineno})"


def chain(steps: list[Filter], docs: Iterable[Document], ledger: Ledger) -> Iterator[Document]:
    for step in steps:
        docs = apply(step, docs, ledger)
    return docs
