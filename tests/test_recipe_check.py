"""A recipe is checked whole before a run starts: names, keys and value types against the step
constructors' signatures, and every step built once; `refinery recipe check` shows the result."""
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.errors import RefineryError
from pipeline.recipe import _describe, _fits, load_recipe, parse_recipe
from pipeline.steps import TABLES, parameters
from tests.conftest import REPO

RECIPES = sorted((REPO / "recipes").glob("*.toml"))


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text, message", [
    ('steps = ["extract", "gopher_qualty"]',
     "steps: unknown step 'gopher_qualty'; did you mean 'gopher_quality'?"),
    ('steps = ["read", "extract"]', "steps: 'read' always runs first"),
    ('steps = ["extract", "extract"]', "steps: 'extract' is listed twice"),
    ('steps = ["extract", "language"]\n[langauge]\nmin_score = 0.5',
     "unknown table [langauge]; did you mean 'language'?"),
    ('steps = ["extract"]\n[pii]\nemails = true',
     "table [pii] is for a step this recipe does not run: add 'pii' to steps or remove the table"),
    ('steps = ["extract", "pii"]\n[pii]\nemail_replacement = ["a@example.com"]',
     "[pii] unknown key 'email_replacement'; did you mean 'email_replacements'?"),
    # A string where an array is expected used to be split into characters.
    ('steps = ["extract", "pii"]\n[pii]\nip_replacements = "10.0.0.1"',
     '[pii] ip_replacements: expected an array of strings, got "10.0.0.1"'),
    ('steps = ["extract", "pii"]\n[pii]\nemails = 1.0', "[pii] emails: expected true or false, got 1.0"),
    ('steps = ["extract", "gopher_quality"]\n[gopher_quality]\nmin_words = true',
     "[gopher_quality] min_words: expected an integer, got true"),
    ('steps = ["extract", "dedup"]\n[dedup]\nbands = 14.5', "[dedup] bands: expected an integer, got 14.5"),
    ('steps = ["extract", "gopher_quality"]\n[gopher_quality]\nstop_words = 3',
     "[gopher_quality] stop_words: expected an array of strings or a string, got 3"),
    ('steps = ["extract", "gopher_repetition"]\n[gopher_repetition]\nmax_top_ngram_char_frac = { 2 = "x" }',
     "max_top_ngram_char_frac: expected a table of numbers"),
    ('nmae = "mine"\nsteps = ["extract"]', "unknown key 'nmae'; did you mean 'name'?"),
    ('min_score = 0.5\nsteps = ["extract", "language"]',
     "unknown key 'min_score'; a step's parameters go under its table, e.g. [language]"),
    ('steps = ["extract", "pii"]\npii = true', "[pii] must be a table of parameters, got true"),
    ('name = 3\nsteps = ["extract"]', "name: expected a string, got 3"),
])
def test_a_bad_name_key_or_type_is_an_error_naming_file_table_and_key(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(RefineryError) as e:
        load_recipe(path)
    assert str(e.value).startswith(f"{path}: ")
    assert message in str(e.value)


@pytest.mark.parametrize("text, message", [
    ('steps = ["extract", "c4"]\n[c4]\ndisable = ["terminal_punc"]', "[c4] disable: unknown rule(s) ['terminal_punc']"),
    ('steps = ["extract", "dedup"]\n[dedup]\nbands = -1', "[dedup] bands must be a whole number above 0, got -1"),
    ('steps = ["extract", "dedup"]\n[dedup]\nseed = -5', "[dedup] seed must be a whole number from 0 to 2**32 - 1, got -5"),
    ('steps = ["extract"]\n[extract]\ntimeout_s = -1', "[extract] timeout_s must be 0 (no limit) or more"),
    ('steps = ["extract", "language"]\n[language]\nmodel = "no/such/lid.ftz"', "[language] model: no/such/lid.ftz is not a file"),
    ('steps = ["extract", "gopher_quality"]\n[gopher_quality]\nstop_words = "xx"', "no stop-word list for language 'xx'"),
])
def test_a_value_a_step_refuses_is_an_error_of_the_recipe(tmp_path, text, message):
    path = write(tmp_path, text)
    parse_recipe(text)   # well-typed: only building the step finds these
    with pytest.raises(RefineryError) as e:
        load_recipe(path)
    assert str(e.value).startswith(f"{path}: ")
    assert message in str(e.value)


def test_every_problem_is_reported_at_once():
    with pytest.raises(RefineryError) as e:
        parse_recipe('steps = ["extract", "pii", "langage"]\n[pii]\nemails = "yes"\nips = 1', "r.toml")
    message = str(e.value)
    assert message.startswith("r.toml: 3 problems: (1) steps: unknown step 'langage'")
    assert "(2) [pii] emails:" in message and "(3) [pii] ips:" in message


def test_an_integer_fits_a_float_and_a_valid_table_parses():
    recipe = parse_recipe('steps = ["extract", "language", "dedup"]\n[language]\nmin_score = 1\n'
                          '[read]\nmax_payload_bytes = 1_000\n[dedup]\nbands = 2\nrows = 4')
    assert recipe.params_for("language") == {"min_score": 1}
    assert recipe.params_for("read") == {"max_payload_bytes": 1000}   # `read` runs without being listed


@pytest.mark.parametrize("step", sorted(TABLES))
def test_every_step_parameter_has_an_annotation_the_checker_reads_and_its_default_fits(step):
    for p in parameters(step).values():
        assert _describe(p.kind)
        assert _fits(p.default, p.kind), f"[{step}] {p.name}: default {p.default!r} does not fit {p.kind}"


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.name)
def test_recipe_check_passes_every_bundled_recipe(path, capsys):
    assert main(["recipe", "check", str(path)]) == 0
    out = capsys.readouterr().out
    recipe = load_recipe(path)
    for step in ("read", *recipe.steps):
        assert f"\n[{step}]  " in out


def test_recipe_check_lists_every_parameter_marking_defaults_and_phases(tmp_path, capsys):
    path = write(tmp_path, 'name = "mine"\nsteps = ["extract", "language", "dedup", "pii"]\n'
                           '[language]\nmin_score = 0.5\n[pii]\nips = false')
    assert main(["recipe", "check", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"recipe 'mine' ({path}) is valid: read -> extract -> language -> dedup -> pii")
    assert "[read]  per shard, before dedup" in out
    assert "[language]  per shard, before dedup" in out
    assert "[dedup]  across all shards" in out
    assert "[pii]  per shard, after dedup" in out
    assert "  recipe   min_score = 0.5\n" in out
    assert '  default  languages = ["en"]\n' in out
    assert "  default  ngram = 5\n" in out
    assert "  recipe   ips = false\n" in out
    assert '  default  email_replacements = ["email@example.com", "firstname.lastname@example.org"]\n' in out
    assert out.index("[extract]") < out.index("[language]") < out.index("[dedup]") < out.index("[pii]")


def test_recipe_check_of_a_bad_recipe_exits_2_with_the_error(tmp_path, capsys):
    path = write(tmp_path, 'steps = ["extract", "gopher_qualty"]')
    assert main(["recipe", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == (f"refinery recipe: error: {path}: steps: unknown step 'gopher_qualty'; "
                   "did you mean 'gopher_quality'?\n")


@pytest.mark.parametrize("text", ['steps = ["extract"]\n[extract]\nfavour_precision = true',
                                  'steps = ["extract", "c4"]\n[c4]\ndisable = ["nope"]'])
def test_a_bad_recipe_creates_no_run_folder(tmp_path, capsys, text):
    recipe, out = write(tmp_path, text), tmp_path / "run"
    code = main(["dataset", "--input", str(REPO / "demo" / "demo.warc.gz"), "--out", str(out),
                 "--recipe", str(recipe), "--workers", "1"])
    assert code == 2
    assert capsys.readouterr().err.startswith(f"refinery dataset: error: {recipe}: [")
    assert not out.exists()
