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

A recipe is checked whole before anything is written: step and table names, every key against
its step's constructor signature (`pipeline.steps.parameters`), every value against the
annotation there, and, by `load_recipe`, every step built once with its table, so that what a
constructor refuses (an unknown rule in `disable`) is an error of the recipe too, not of a
worker halfway through a run. `refinery recipe check FILE` prints what a recipe resolves to.
"""
from __future__ import annotations

import difflib
import hashlib
import json
import tomllib
import types
import typing
from dataclasses import dataclass
from pathlib import Path

from .errors import RefineryError
from .steps import GLOBAL_STEP, TABLES, parameters, step_class

READ_STEP = "read"          # always first, so a recipe never lists it; its table is optional
TOP_LEVEL = ("name", "steps")

# What a TOML value may be for each annotation a step constructor uses.
SCALARS = {bool: ("true or false", "booleans"), int: ("an integer", "integers"),
           float: ("a number", "numbers"), str: ("a string", "strings")}


@dataclass(frozen=True)
class Recipe:
    name: str
    steps: tuple[str, ...]
    params: dict            # step name -> its parameter table
    source: str             # the TOML text, kept so a run can say what made it
    origin: str = "<recipe>"    # the file it came from, named in every error about it

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
    """The recipe in `text`, its names, keys and value types checked; every problem found is
    reported at once, in one RefineryError that names `origin`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise RefineryError(f"{origin}: not valid TOML: {e}") from None
    steps = data.get("steps")
    if not isinstance(steps, list) or not all(isinstance(s, str) for s in steps):
        raise RefineryError(f"{origin}: needs `steps = [...]`, a list of step names")
    problems = _step_problems(steps)
    name = data.get("name", Path(origin).stem)
    if not isinstance(name, str):
        problems.append(f"name: expected a string, got {format_value(name)}")
    params = {}
    for key, value in data.items():
        if key in TOP_LEVEL:
            continue
        if not isinstance(value, dict):
            problems.append(f"[{key}] must be a table of parameters, got {format_value(value)}" if key in TABLES
                            else f"unknown key {key!r}{_suggest(key, TOP_LEVEL, _stray_parameter_hint(key, steps))}")
        elif key not in TABLES:
            problems.append(f"unknown table [{key}]{_suggest(key, TABLES)}")
        elif key != READ_STEP and key not in steps:
            # An error, not a warning: the parameters would silently do nothing, and the recipe
            # is kept in the run folder as the record of how the run was made.
            problems.append(f"table [{key}] is for a step this recipe does not run: add {key!r} to steps or remove the table")
        else:
            problems += _table_problems(key, value)
            params[key] = value
    if len(problems) == 1:
        raise RefineryError(f"{origin}: {problems[0]}")
    if problems:
        raise RefineryError(f"{origin}: {len(problems)} problems: " + "; ".join(f"({i}) {p}" for i, p in enumerate(problems, 1)))
    return Recipe(name=name, steps=tuple(steps), params=params, source=text, origin=origin)


def load_recipe(path: str | Path, text: str | None = None) -> Recipe:
    """The recipe at `path`, fully checked: parsed, and every step built once with its table.
    `text`: the file's contents, where the caller has read them already."""
    path = Path(path)
    if text is None:
        if not path.is_file():
            raise RefineryError(f"recipe {path} does not exist (see recipes/ for the bundled ones)")
        text = path.read_text(encoding="utf-8")
    recipe = parse_recipe(text, str(path))
    check_values(recipe)
    return recipe


def check_values(recipe: Recipe) -> None:
    """Build every step once, so what a constructor refuses is the recipe's error now. Cheap:
    the constructors read small word lists at most; the language model loads at its first use."""
    for step in (READ_STEP, *recipe.steps):
        table = recipe.params_for(step)
        try:
            step_class(step)(**table)
        except RefineryError as e:     # our constructors' own messages name the table and key
            raise RefineryError(f"{recipe.origin}: {e}") from None
        except (ValueError, TypeError) as e:   # a library's: say which values it was given
            raise RefineryError(f"{recipe.origin}: [{step}] {e} (with {format_value(table)})") from None


def _step_problems(steps: list[str]) -> list[str]:
    problems = []
    for i, step in enumerate(steps):
        if step == READ_STEP:
            problems.append(f"steps: {READ_STEP!r} always runs first; leave it out of steps")
        elif step not in TABLES:
            problems.append(f"steps: unknown step {step!r}{_suggest(step, [s for s in TABLES if s != READ_STEP])}")
        elif step in steps[:i]:
            problems.append(f"steps: {step!r} is listed twice")
    return problems


def _table_problems(step: str, table: dict) -> list[str]:
    known = parameters(step)
    problems = []
    for key, value in table.items():
        if key not in known:
            problems.append(f"[{step}] unknown key {key!r}{_suggest(key, known)}")
        elif not _fits(value, known[key].kind):
            problems.append(f"[{step}] {key}: expected {_describe(known[key].kind)}, got {format_value(value)}")
    return problems


def _suggest(word: str, candidates, otherwise: str = "") -> str:
    """'; did you mean X?' for a close name, else `otherwise` or the list of known names."""
    close = difflib.get_close_matches(word, list(candidates), n=1)
    if close:
        return f"; did you mean {close[0]!r}?"
    return otherwise or f"; known: {', '.join(candidates)}"


def _stray_parameter_hint(key: str, steps: list[str]) -> str:
    """A parameter written above every table header belongs to no step; say which it fits."""
    owners = [s for s in (READ_STEP, *steps) if s in TABLES and key in parameters(s)]
    return f"; a step's parameters go under its table, e.g. [{owners[0]}]" if owners else ""


def _fits(value, kind) -> bool:
    """Whether a TOML value fits a constructor's annotation. TOML has no tuples, no null and
    only string keys, so an array fits list[X] and tuple[X, ...], and table keys are left to
    the constructor. An integer fits a float (0 for 0.0); a bool fits only bool, a string
    never fits an array (it would be split into characters)."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, k) for k in args)
    if origin in (list, tuple):
        return isinstance(value, (list, tuple)) and all(_fits(v, args[0]) for v in value)
    if origin is dict:
        return isinstance(value, dict) and all(_fits(v, args[1]) for v in value.values())
    if kind is float:
        return type(value) in (int, float)
    return type(value) is kind


def _describe(kind, plural: bool = False) -> str:
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(k, plural) for k in args if k is not type(None))
    if origin in (list, tuple):
        return "arrays" if plural else f"an array of {_describe(args[0], plural=True)}"
    if origin is dict:
        return "tables" if plural else f"a table of {_describe(args[1], plural=True)}"
    return SCALARS[kind][plural]


def format_value(value) -> str:
    """A value as a recipe would write it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(format_value, value)) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {format_value(v)}" for k, v in value.items()) + " }" if value else "{}"
    if value is None:
        return "(not set)"
    return str(value)


def describe(recipe: Recipe) -> str:
    """Every step in running order with every parameter, marked `recipe` where the recipe sets
    it and `default` where the step's published default applies."""
    phases = [("per shard, before dedup" if recipe.dedup else "per shard", (READ_STEP, *recipe.map_steps)),
              ("across all shards", (GLOBAL_STEP,) if recipe.dedup else ()),
              ("per shard, after dedup", recipe.final_steps)]
    lines = [f"recipe {recipe.name!r} ({recipe.origin}) is valid: {' -> '.join((READ_STEP, *recipe.steps))}"]
    for phase, steps in phases:
        for step in steps:
            lines.append(f"\n[{step}]  {phase}")
            table = recipe.params_for(step)
            for p in parameters(step).values():
                origin = "recipe " if p.name in table else "default"
                lines.append(f"  {origin}  {p.name} = {format_value(table.get(p.name, p.default))}")
    return "\n".join(lines)
