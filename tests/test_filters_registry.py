"""The filter tables the FineWeb and multilingual recipes carry build every filter step."""
from pipeline.document import Document
from pipeline.recipe import parse_recipe
from pipeline.steps import build_step

RECIPE = """
steps = ["url", "gopher_repetition", "gopher_quality", "c4", "fineweb", "dedup", "pii"]

[url]
domain_lists = []
soft_word_threshold = 2

[gopher_repetition]
max_dup_line_frac = 0.3
max_top_ngram_char_frac = { 2 = 0.20, 3 = 0.18, 4 = 0.16 }
max_dup_ngram_char_frac = { 5 = 0.15, 6 = 0.14, 7 = 0.13, 8 = 0.12, 9 = 0.11, 10 = 0.10 }

[gopher_quality]
min_words = 50
stop_words = "by_language"

[c4]
disable = ["terminal_punct"]

[fineweb]
min_line_punct_frac = 0.12

[pii]
public_ips_only = true
"""


def test_recipe_tables_build_every_filter_step():
    recipe = parse_recipe(RECIPE)
    doc = Document(id="d", url="https://example.com/a", warc="", offset=0,
                   text="The cat sat with the dog.\n" * 3, lang="en")
    for step in recipe.steps:
        if step == "dedup":
            continue
        f = build_step(step, recipe.params_for(step))
        assert f.name == step
        decision = f.check(doc)
        assert decision.kept or decision.reason.startswith(f"{step}:")
