"""The registry of steps a recipe can name, and the parameters each step's table may hold.

Each entry maps a step name to "module:Class". The class takes the step's recipe table as
keyword arguments and implements the filter contract (`pipeline.decision`). Modules are
imported only when a recipe uses them, so a recipe pays only for what it runs.

A step's constructor signature is the schema of its table: the parameter names are the keys a
table may hold, their annotations the types, their defaults the published values. The recipe
checker (`pipeline.recipe`) reads them from here, so a new parameter needs no second listing.
"""
from __future__ import annotations

import inspect
import pkgutil
import typing
from dataclasses import dataclass

from .decision import Filter
from .errors import RefineryError

STEPS = {
    "read": "pipeline.read:RecordFilter",
    "extract": "pipeline.extract:Extractor",
    "language": "pipeline.language:LanguageFilter",
    "language_precheck": "pipeline.language_precheck:LanguagePrecheck",
    "url": "pipeline.filters.urls:URLFilter",
    "gopher_repetition": "pipeline.filters.gopher:GopherRepetitionFilter",
    "gopher_quality": "pipeline.filters.gopher:GopherQualityFilter",
    "c4": "pipeline.filters.c4:C4QualityFilter",
    "fineweb": "pipeline.filters.fineweb:FineWebQualityFilter",
    "pii": "pipeline.filters.pii:PIIFormatter",
    "quality_model": "pipeline.quality_model:QualityModel",
    "decontaminate": "pipeline.filters.decontaminate:Decontaminator",
}

# The one step that looks across all shards. It is no per-document filter: its table holds the
# MinHash parameters, taken by the signer that every shard's signatures are computed with.
GLOBAL_STEP = "dedup"
TABLES = {**STEPS, GLOBAL_STEP: "pipeline.dedup.signatures:Signer"}


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: object        # the constructor's annotation, resolved: int, float, tuple[str, ...], ...
    default: object


def step_class(name: str) -> type:
    return pkgutil.resolve_name(TABLES[name])


def parameters(name: str) -> dict[str, Parameter]:
    """The parameters a step's table may hold, in the constructor's order."""
    init = step_class(name).__init__
    kinds = typing.get_type_hints(init)
    params = list(inspect.signature(init).parameters.values())[1:]   # after `self`
    return {p.name: Parameter(p.name, kinds[p.name], p.default) for p in params}


def build_step(name: str, params: dict) -> Filter:
    try:
        return step_class(name)(**params)
    except TypeError as e:
        raise RefineryError(f"recipe table [{name}]: {e}") from None
