"""Stages: a stage takes an iterator of documents and yields documents.

A filter (`check(doc) -> Decision`) becomes a stage through `apply`, which is also where every
decision is written to the ledger, so no filter has to know the ledger exists. Stages chain
lazily: one document at a time flows from the reader to the writer.
"""
from __future__ import annotations

import traceback
from typing import Iterable, Iterator

from .decision import Filter
from .document import Document
from .errors import StepFailed
from .ledger import Ledger


def apply(step: Filter, docs: Iterable[Document], ledger: Ledger) -> Iterator[Document]:
    for doc in docs:
        try:
            decision = step.check(doc)
        except Exception as e:
            raise StepFailed(f"step {step.name!r} failed on document {doc.id} ({doc.url or 'no URL'}, "
                             f"{doc.warc} at byte {doc.offset:,}): {_where(e)}") from e
        ledger.record(doc, step.name, decision)
        if decision.kept:
            yield doc


def _where(error: Exception) -> str:
    frame = traceback.extract_tb(error.__traceback__)[-1]
    return f"{type(error).__name__}: {error} (at {frame.filename}:{frame.lineno})"


def chain(steps: list[Filter], docs: Iterable[Document], ledger: Ledger) -> Iterator[Document]:
    for step in steps:
        docs = apply(step, docs, ledger)
    return docs
