"""Stages: a stage takes an iterator of documents and yields documents.

A filter (`check(doc) -> Decision`) becomes a stage through `apply`, which is also where every
decision is written to the ledger, so no filter has to know the ledger exists. Stages chain
lazily: one document at a time flows from the reader to the writer.
"""
from __future__ import annotations

from typing import Iterable, Iterator

from .decision import Filter
from .document import Document
from .ledger import Ledger


def apply(step: Filter, docs: Iterable[Document], ledger: Ledger) -> Iterator[Document]:
    for doc in docs:
        decision = step.check(doc)
        ledger.record(doc, step.name, decision)
        if decision.kept:
            yield doc


def chain(steps: list[Filter], docs: Iterable[Document], ledger: Ledger) -> Iterator[Document]:
    for step in steps:
        docs = apply(step, docs, ledger)
    return docs
