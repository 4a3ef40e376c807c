"""Recipes: which steps run, in which order, with which thresholds. TOML, one file per recipe.

    name = "fineweb"
    steps = ["url", "extract", "language", "gopher_repetition", "dedup", "pii"]

    [language]
    languages = ["en"]
    min_score = 0.65

`read` always runs first and needs no entry. Each step's table holds its parameters; a
parameter left out takes the step's published default (a named constant in its module).
`dedup` is the one global step: the steps before it run per shard as the WARCs are read,
the steps after it run per shard over the deduplicated documents.
"""
from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import RefineryError

GLOBAL_STEP = "dedup"


@dataclass(frozen=True)
class Recipe:
    name: str
    steps: tuple[str, ...]
    params: dict            # step name -> its parameter table
    source: str             # the TOML text, kept so a run can say what made it

    @property
    def map_steps(self) -> tuple[str, ...]:
        """Steps run per shard while reading: everything before the global dedup step."""
        return self.steps[: self.steps.index(GLOBAL_STEP)] if self.dedup else self.steps

    @property
    def final_steps(self) -> tuple[str, ...]:
        """Steps run per shard on the deduplicated documents."""
        return self.steps[self.steps.index(GLOBAL_STEP) + 1:] if self.dedup else ()

    @property
    def dedup(self) -> bool:
        return GLOBAL_STEP in self.steps

    def params_for(self, step: str) -> dict:
        return dict(self.params.get(step, {}))

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.source.encode()).hexdigest()[:16]


def parse_recipe(text: str, origin: str = "<recipe>") -> Recipe:
    from .steps import STEPS  # the registry of step names

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise RefineryError(f"{origin}: not valid TOML: {e}") from None
    steps = data.get("steps")
    if not isinstance(steps, list) or not all(isinstance(s, str) for s in steps):
        raise RefineryError(f"{origin}: needs `steps = [...]`, a list of step names")
    unknown = [s for s in steps if s not in STEPS and s != GLOBAL_STEP]
    if unknown:
        raise RefineryError(f"{origin}: unknown step(s) {unknown}; known: {sorted(STEPS) + [GLOBAL_STEP]}")
    if len(set(steps)) != len(steps):
        raise RefineryError(f"{origin}: a step is listed twice in {steps}")
    params = {k: v for k, v in data.items() if isinstance(v, dict)}
    return Recipe(name=str(data.get("name", Path(origin).stem)), steps=tuple(steps), params=params, source=text)


def load_recipe(path: str | Path) -> Recipe:
    path = Path(path)
    if not path.is_file():
        raise RefineryError(f"recipe {path} does not exist (see recipes/ for the bundled ones)")
    return parse_recipe(path.read_text(encoding="utf-8"), str(path))
