"""The registry of per-document steps a recipe can name.

Each entry maps a step name to "module:Class". The class takes the step's recipe table as
keyword arguments and implements the filter contract (`pipeline.decision`). Modules are
imported only when a recipe uses them, so a recipe pays only for what it runs.
"""
from __future__ import annotations

import importlib

from .decision import Filter
from .errors import RefineryError

STEPS = {
    "read": "pipeline.read:RecordFilter",
    "extract": "pipeline.extract:Extractor",
    "language": "pipeline.language:LanguageFilter",
    "url": "pipeline.filters.urls:URLFilter",
    "gopher_repetition": "pipeline.filters.gopher:GopherRepetitionFilter",
    "gopher_quality": "pipeline.filters.gopher:GopherQualityFilter",
    "c4": "pipeline.filters.c4:C4QualityFilter",
    "fineweb": "pipeline.filters.fineweb:FineWebQualityFilter",
    "pii": "pipeline.filters.pii:PIIFormatter",
}


def build_step(name: str, params: dict) -> Filter:
    module_name, _, cls_name = STEPS[name].partition(":")
    cls = getattr(importlib.import_module(module_name), cls_name)
    try:
        return cls(**params)
    except TypeError as e:
        raise RefineryError(f"recipe table [{name}]: {e}") from None
