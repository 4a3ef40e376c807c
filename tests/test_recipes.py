"""The bundled recipes parse, name only known steps, and every step accepts its table."""
from pathlib import Path

import pytest

from pipeline.errors import RefineryError
from pipeline.recipe import parse_recipe, load_recipe
from pipeline.steps import build_step
from tests.conftest import REPO

RECIPES = sorted((REPO / "recipes").glob("*.toml"))


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.name)
def test_bundled_recipe_builds_every_step(path: Path):
    recipe = load_recipe(path)
    for step in ("read",) + recipe.map_steps + recipe.final_steps:
        assert build_step(step, recipe.params_for(step)).name == step


def test_fineweb_recipe_is_in_the_papers_order():
    recipe = load_recipe(REPO / "recipes" / "fineweb-exact.toml")   # fineweb.toml adds measured shortcuts
    assert recipe.steps == ("url", "extract", "language", "gopher_repetition", "gopher_quality", "c4",
                            "fineweb", "dedup", "pii")
    assert recipe.final_steps == ("pii",)
    assert recipe.params_for("language") == {"languages": ["en"], "min_score": 0.65}


def test_unknown_step_or_parameter_is_a_clear_error():
    with pytest.raises(RefineryError, match="unknown step"):
        parse_recipe('steps = ["extract", "magic"]')
    with pytest.raises(RefineryError, match=r"\[extract\]"):
        build_step("extract", {"favour_precision": True})
