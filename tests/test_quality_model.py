"""The `quality_model` step (pipeline/quality_model.py) in whole runs of `refinery dataset` on
real text, and the batch form of steps (pipeline/stage.py) it and language ID use."""
from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from pipeline.classifier import train
from pipeline.dataset import run_dataset
from pipeline.decision import drop, keep
from pipeline.document import Document
from pipeline.errors import RefineryError
from pipeline.language import LanguageFilter
from pipeline.ledger import Ledger
from pipeline.recipe import load_recipe
from pipeline.stage import BATCH_DOCUMENTS, apply
from tests.test_classifier import articles, dclm_pages, write_jsonl


@pytest.fixture(scope="module")
def setup(tmp_path_factory, shared_data) -> tuple[Path, list[Path]]:
    """A classifier trained on part of the real text, and the rest as two document files."""
    folder = tmp_path_factory.mktemp("quality")
    good, bad = articles(shared_data), dclm_pages(shared_data, 0)
    model = folder / "quality.bin"
    train([str(write_jsonl(folder / "good.jsonl", good[:120]))], [str(write_jsonl(folder / "bad.jsonl", bad[:150]))],
          str(model))
    rest = good[120:] + bad[150:]                       # 61 articles, 77 low-quality pages
    inputs = [write_jsonl(folder / "in-0.jsonl", rest[0::2]), write_jsonl(folder / "in-1.jsonl", rest[1::2])]
    return model, inputs


def recipe(tmp_path: Path, steps: list[str], table: str) -> Path:
    path = tmp_path / "recipe.toml"
    path.write_text(f"name = \"q\"\nsteps = {json.dumps(steps)}\n\n{table}\n")
    return path


def test_min_score_drops_per_shard_and_final_carries_the_score(tmp_path, setup):
    model, inputs = setup
    path = recipe(tmp_path, ["quality_model"], f'[quality_model]\nmodel = "{model}"\nmin_score = 0.5\n')
    run = run_dataset([str(p) for p in inputs], str(tmp_path / "run"), load_recipe(path), workers=1)
    ledger = pl.read_parquet(run.ledger_glob).filter(pl.col("stage") == "quality_model")
    scores = ledger.select("doc_id", "kept", "reason", pl.col("metrics").str.json_path_match("$.score").cast(float))
    assert scores.height == 138                          # every document scored and decided
    assert (scores.filter(pl.col("kept"))["metrics"] >= 0.5).all()
    assert (scores.filter(~pl.col("kept"))["metrics"] < 0.5).all()
    assert set(scores.filter(~pl.col("kept"))["reason"]) <= {"quality_model:low_score"}
    final = pl.read_parquet(run.final_glob)
    assert final.height == scores["kept"].sum() and 0 < final.height < 138
    assert final["quality_score"].is_not_null().all() and (final["quality_score"] >= 0.5).all()


def test_keep_top_fraction_cuts_the_whole_corpus_at_one_threshold_and_resumes(tmp_path, setup):
    model, inputs = setup
    path = recipe(tmp_path, ["quality_model", "dedup"], f'[quality_model]\nmodel = "{model}"\nkeep_top_fraction = 0.25\n')
    run = run_dataset([str(p) for p in inputs], str(tmp_path / "run"), load_recipe(path), workers=1)
    threshold = json.loads((run.root / "quality" / "threshold.json").read_text())
    assert threshold["documents"] == 138 and threshold["keep_top_fraction"] == 0.25
    ledger = pl.read_parquet(run.ledger_glob)
    scored = ledger.filter(pl.col("stage") == "quality_score")
    assert scored.height == 138 and scored["kept"].all()     # the map phase only scores
    decided = ledger.filter(pl.col("stage") == "quality_model")
    assert decided.height == 138 - ledger.filter((pl.col("stage") == "dedup") & ~pl.col("kept")).height
    assert set(decided.filter(~pl.col("kept"))["reason"]) == {"quality_model:below_top_fraction"}
    score = pl.col("metrics").str.json_path_match("$.score").cast(float)
    assert (decided.filter(~pl.col("kept")).select(score < threshold["threshold"])).to_series().all()
    final = pl.read_parquet(run.final_glob)
    assert (final["quality_score"] >= threshold["threshold"]).all()
    assert final.height == pytest.approx(0.25 * 138, abs=3)  # ties and dedup move it by a few at most
    # A rerun resumes: every phase is done, the same documents stay.
    again = run_dataset([str(p) for p in inputs], str(tmp_path / "run"), load_recipe(path), workers=1)
    assert pl.read_parquet(again.final_glob).equals(final)


def test_a_recipe_without_quality_model_writes_a_null_score(tmp_path, setup):
    _, inputs = setup
    path = recipe(tmp_path, ["gopher_repetition"], "")
    run = run_dataset([str(inputs[0])], str(tmp_path / "run"), load_recipe(path), workers=1)
    final = pl.read_parquet(run.final_glob)
    assert final.height > 0 and final["quality_score"].is_null().all()


def test_recipe_mistakes_are_caught_before_the_run(tmp_path, setup):
    model, inputs = setup
    with pytest.raises(RefineryError, match="exactly one of min_score"):
        load_recipe(recipe(tmp_path, ["quality_model"], f'[quality_model]\nmodel = "{model}"\n'))
    with pytest.raises(RefineryError, match="is not a file"):
        load_recipe(recipe(tmp_path, ["quality_model"], '[quality_model]\nmodel = "absent.bin"\nmin_score = 0.5\n'))
    with pytest.raises(RefineryError, match="model: name the classifier file"):
        load_recipe(recipe(tmp_path, ["quality_model"], '[quality_model]\nmin_score = 0.5\n'))
    with pytest.raises(RefineryError, match="keep_top_fraction: 1.5"):
        load_recipe(recipe(tmp_path, ["quality_model"], f'[quality_model]\nmodel = "{model}"\nkeep_top_fraction = 1.5\n'))
    late = recipe(tmp_path, ["dedup", "quality_model"], f'[quality_model]\nmodel = "{model}"\nkeep_top_fraction = 0.5\n')
    with pytest.raises(RefineryError, match="list quality_model before dedup"):
        run_dataset([str(inputs[0])], str(tmp_path / "run"), load_recipe(late), workers=1)


class Recording:
    """A batch step that keeps documents with an even number, and notes the batches it saw."""
    name = "parity"

    def __init__(self):
        self.batches: list[int] = []

    def check(self, doc: Document):
        return keep(n=int(doc.id)) if int(doc.id) % 2 == 0 else drop("parity:odd", n=int(doc.id))

    def check_batch(self, docs: list[Document]):
        self.batches.append(len(docs))
        return [self.check(doc) for doc in docs]


def test_batch_steps_see_batches_and_the_ledger_keeps_document_order(tmp_path):
    docs = [Document(id=str(i), url="", warc="w", offset=i, text="x") for i in range(BATCH_DOCUMENTS + 10)]
    step = Recording()
    with Ledger(tmp_path / "ledger.parquet", 0) as ledger:
        kept = [doc.id for doc in apply(step, docs, ledger)]
    assert step.batches == [BATCH_DOCUMENTS, 10]
    assert kept == [str(i) for i in range(0, BATCH_DOCUMENTS + 10, 2)]
    recorded = pl.read_parquet(tmp_path / "ledger.parquet")
    assert recorded["doc_id"].to_list() == [doc.id for doc in docs]
    assert recorded["kept"].to_list() == [i % 2 == 0 for i in range(BATCH_DOCUMENTS + 10)]
    step.batch_documents = 4                # a step may name its own batch size (extraction does)
    with Ledger(tmp_path / "ledger-4.parquet", 0) as ledger:
        assert [doc.id for doc in apply(step, docs[:10], ledger)] == [str(i) for i in range(0, 10, 2)]
    assert step.batches[2:] == [4, 4, 2]


def test_language_id_gives_the_same_answers_in_a_batch_as_one_by_one(shared_data):
    texts = articles(shared_data)[:40] + dclm_pages(shared_data, 0)[:40]
    batch = [Document(id=str(i), url="", warc="w", offset=i, text=t) for i, t in enumerate(texts)]
    single = [Document(id=str(i), url="", warc="w", offset=i, text=t) for i, t in enumerate(texts)]
    step = LanguageFilter(languages=())
    assert step.check_batch(batch) == [step.check(doc) for doc in single]
    assert [(d.lang, d.lang_score) for d in batch] == [(d.lang, d.lang_score) for d in single]
