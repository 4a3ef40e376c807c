"""The `decontaminate` step: a run over real pages drops exactly the documents that passages of
an eval set came from, each with the eval file named in its reason."""
import json

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import regex

from pipeline.dataset import run_dataset
from pipeline.document import Document
from pipeline.errors import RefineryError
from pipeline.filters.decontaminate import Decontaminator, words
from pipeline.recipe import load_recipe, parse_recipe

WORD = regex.compile(r"[\p{L}\p{N}]+")
EXTRACT = parse_recipe('steps = ["extract"]\n')


def passage(text: str, first: int, last: int) -> str:
    """The text of words first..last-1, as written (case, punctuation, line breaks)."""
    spans = list(WORD.finditer(text))
    return text[spans[first].start():spans[last - 1].end()]


def only_in(window: list[str], doc_id: str, normalised: dict[str, str]) -> bool:
    needle = " " + " ".join(window) + " "
    return [i for i, text in normalised.items() if needle in text] == [doc_id]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory, corpus) -> pl.DataFrame:
    """The corpus's documents, extracted: what the eval set is made from."""
    run = run_dataset([str(corpus / "*.warc.gz")], str(tmp_path_factory.mktemp("extracted") / "run"), EXTRACT, workers=2)
    return pl.read_parquet(run.final_glob).select("id", "url", "text").sort("id")


@pytest.fixture(scope="module")
def eval_set(tmp_path_factory, extracted):
    """Passages of 30 words from four documents, each 13-gram of them found in that document
    alone (the corpus has near-duplicates), in a JSONL, a Parquet and a text file.
    Returns the files and the expected reason for each chosen document's id."""
    normalised = {i: " " + " ".join(words(t)) + " " for i, t in zip(extracted["id"], extracted["text"])}
    chosen = {}
    for doc_id, text in zip(extracted["id"], extracted["text"]):
        tokens = words(text)
        if len(tokens) < 80:
            continue
        if all(only_in(tokens[i:i + 13], doc_id, normalised) for i in range(40, 70 - 13 + 1)):
            chosen[doc_id] = passage(text, 40, 70)
        if len(chosen) == 4:
            break
    assert len(chosen) == 4
    (a, b, c, d) = chosen
    folder = tmp_path_factory.mktemp("eval")
    jsonl, parquet, txt = folder / "bench-a.jsonl", folder / "bench-b.parquet", folder / "bench-c.txt"
    jsonl.write_text("".join(json.dumps({"id": n, "text": chosen[i]}) + "\n" for n, i in enumerate((a, b))))
    # No `text` column: the first string column is read. The item differs in case and punctuation.
    pq.write_table(pa.table({"id": [7], "question": [chosen[c].upper().replace(" ", " -- ", 3)]}), parquet)
    # Blocks separated by blank lines; the passage is broken over lines within its block, and a
    # three-word item is too short to index.
    half = len(chosen[d]) // 2
    cut = chosen[d].index(" ", half)
    txt.write_text(f"{chosen[d][:cut]}\n{chosen[d][cut + 1:]}\n\nToo short here\n\n"
                   "An item that no page of the corpus holds, about nothing in particular at all today\n")
    expected = {a: "decontaminate:bench-a.jsonl", b: "decontaminate:bench-a.jsonl",
                c: "decontaminate:bench-b.parquet", d: "decontaminate:bench-c.txt"}
    return [str(jsonl), str(parquet), str(txt)], expected


def test_a_run_drops_exactly_the_documents_the_eval_passages_came_from(tmp_path, corpus, extracted, eval_set):
    files, expected = eval_set
    recipe = parse_recipe(f'steps = ["extract", "decontaminate"]\n[decontaminate]\neval_files = {json.dumps(files)}\n')
    run = run_dataset([str(corpus / "*.warc.gz")], str(tmp_path / "run"), recipe, workers=2)
    ledger = pl.read_parquet(run.ledger_glob).filter(pl.col("stage") == "decontaminate")
    assert ledger.height == extracted.height                   # every document was looked at
    dropped = ledger.filter(~pl.col("kept"))
    assert dict(zip(dropped["doc_id"], dropped["reason"])) == expected
    texts = dict(zip(extracted["id"], extracted["text"]))
    for doc_id, metrics in zip(dropped["doc_id"], dropped["metrics"]):
        ngram = json.loads(metrics)["ngram"]
        assert len(ngram.split()) == 13 and f" {ngram} " in " " + " ".join(words(texts[doc_id])) + " "
    final = pl.read_parquet(run.final_glob).sort("id")
    assert set(final["id"]) == set(extracted["id"]) - set(expected)
    kept = extracted.filter(~pl.col("id").is_in(list(expected)))
    assert final["text"].to_list() == kept["text"].to_list()   # the others untouched


def test_flag_mode_keeps_every_document_and_marks_the_contaminated(extracted, eval_set):
    files, expected = eval_set
    with pytest.warns(UserWarning, match="1 eval item"):               # bench-c.txt's short block
        flag = Decontaminator(eval_files=tuple(files), action="flag")
    flagged = {}
    for doc_id, text in zip(extracted["id"], extracted["text"]):
        decision = flag.check(Document(id=doc_id, url="", warc="", offset=0, text=text))
        assert decision.kept
        if "contaminated" in decision.metrics:
            flagged[doc_id] = decision.metrics["contaminated"]
    assert flagged == expected


def test_items_shorter_than_the_ngram_are_matched_whole(tmp_path):
    path = tmp_path / "short.txt"
    path.write_text("The quick brown fox jumps over lazy dogs\nParis, France\n")   # an 8-gram; too short
    with pytest.warns(UserWarning, match="1 eval item.* fewer than 5 words"):
        step = Decontaminator(eval_files=(str(path),))
    whole = step.check(Document(id="a", url="", warc="", offset=0, text="Today: the QUICK brown fox jumps over lazy dogs!"))
    assert whole.reason == "decontaminate:short.txt" and whole.metrics["ngram"] == "the quick brown fox jumps over lazy dogs"
    assert step.check(Document(id="b", url="", warc="", offset=0, text="the quick brown fox jumps over lazy cats")).kept
    assert step.check(Document(id="c", url="", warc="", offset=0, text="Paris, France is a city.")).kept


def test_a_missing_or_unreadable_eval_file_is_a_recipe_error(tmp_path):
    recipe = tmp_path / "r.toml"
    recipe.write_text(f'steps = ["decontaminate"]\n[decontaminate]\neval_files = ["{tmp_path / "absent.jsonl"}"]\n')
    with pytest.raises(RefineryError, match="absent.jsonl does not exist"):
        load_recipe(recipe)
    (tmp_path / "bad.jsonl").write_text('{"text": "fine item of enough words here"}\nnot json\n')
    with pytest.raises(RefineryError, match="bad.jsonl, line 2: not JSON"):
        Decontaminator(eval_files=(str(tmp_path / "bad.jsonl"),))
    (tmp_path / "items.csv").write_text("a,b\n")
    with pytest.raises(RefineryError, match="not .parquet, .jsonl"):
        Decontaminator(eval_files=(str(tmp_path / "items.csv"),))
    with pytest.raises(RefineryError, match="action"):
        Decontaminator(eval_files=(str(tmp_path / "bad.jsonl"),), action="redact")
