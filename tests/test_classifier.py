"""`refinery classifier train` (pipeline/classifier.py) on real text: clean human-written
articles (the AEB benchmark's ground-truth bodies) against DCLM's human-labelled low-quality
pages. A few hundred documents make a weak classifier; the held-out figures are printed as
measured and only bounded loosely."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.classifier import held_out_metrics, normalise, read_texts
from pipeline.cli import main
from pipeline.errors import RefineryError


def write_jsonl(path: Path, texts: list[str]) -> Path:
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
    return path


def articles(shared_data: Path) -> list[str]:
    truth = json.loads((shared_data / "scrapinghub-aeb" / "ground-truth.json").read_text())
    return [page["articleBody"] for page in truth.values()]


def dclm_pages(shared_data: Path, label: int) -> list[str]:
    rows = [json.loads(line) for line in (shared_data / "dclm" / "majority_data.jsonl").open()]
    return [row["text"] for row in rows if row["label"] == label]


@pytest.fixture(scope="module")
def sources(tmp_path_factory, shared_data) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("sources")
    return (write_jsonl(folder / "articles.jsonl", articles(shared_data)),
            write_jsonl(folder / "dclm-low.jsonl", dclm_pages(shared_data, 0)))


def test_train_prints_held_out_metrics_and_writes_a_model_with_its_card(tmp_path, sources, capsys):
    positive, negative = sources
    model = tmp_path / "quality.bin"
    assert main(["classifier", "train", "--positive", str(positive), "--negative", str(negative),
                 "--out", str(model), "--val-fraction", "0.2"]) == 0
    printed = capsys.readouterr().out
    with capsys.disabled():
        print("\n" + printed)             # the held-out figures, as measured
    card = json.loads(Path(f"{model}.card.json").read_text())
    metrics = card["held_out_metrics"]
    assert model.stat().st_size > 0
    assert card["documents"] == {"positive": 181, "negative": 227}
    assert card["held_out"] == round(181 * 0.2) + round(227 * 0.2)
    assert card["train"] + card["held_out"] == 181 + 227
    assert f"ROC AUC {metrics['roc_auc']:.3f}" in printed and f"precision {metrics['precision']:.3f}" in printed
    # Weak (400 documents; measured ROC AUC about 0.9, which varies with fastText's threads),
    # but far better than chance: articles and low-quality pages differ in their words.
    assert metrics["roc_auc"] > 0.75
    assert all(0 <= v <= 1 for v in metrics.values())


def test_the_held_out_metrics_are_the_textbook_ones():
    # Positives score 0.9 and 0.3, negatives 0.8 and 0.2: 3 of the 4 pairs are ordered right.
    m = held_out_metrics([0.9, 0.8, 0.3, 0.2], [True, False, True, False])
    assert m == {"precision": 0.5, "recall": 0.5, "accuracy": 0.5, "roc_auc": 0.75}
    assert held_out_metrics([0.6, 0.6], [True, False])["roc_auc"] == 0.5    # a tie counts half


def test_normalisation_joins_lines_as_dclm_does():
    assert normalise("  Title\nFirst line.\r\nSecond  line.\n") == "Title First line. Second  line."


def test_sources_may_be_parquet_jsonl_gz_folders_or_a_run(tmp_path):
    run = tmp_path / "run"
    (run / "final").mkdir(parents=True)
    pq.write_table(pa.table({"text": ["one", "", "two"], "id": ["a", "b", "c"]}), run / "final" / "part-00000.parquet")
    with gzip.open(run / "final" / "part-00001.jsonl.gz", "wt") as f:
        f.write(json.dumps({"text": "three"}) + "\n")
    assert read_texts(str(run)) == (["one", "two", "three"], 1)             # the empty text counted
    assert read_texts(str(run / "final" / "part-00000.parquet")) == (["one", "two"], 1)


def test_bad_sources_are_clear_errors(tmp_path):
    (tmp_path / "bad.jsonl").write_text('{"text": "fine"}\n{"body": "no text"}\n')
    with pytest.raises(RefineryError, match=r"bad.jsonl, line 2: not a JSON object with a `text` field"):
        read_texts(str(tmp_path / "bad.jsonl"))
    pq.write_table(pa.table({"body": ["x"]}), tmp_path / "notext.parquet")
    with pytest.raises(RefineryError, match="no `text` column"):
        read_texts(str(tmp_path / "notext.parquet"))
    with pytest.raises(RefineryError, match="no such file or folder"):
        read_texts(str(tmp_path / "absent"))


def test_too_few_documents_to_hold_out_is_an_error(tmp_path, sources):
    few = write_jsonl(tmp_path / "few.jsonl", ["just one article"])
    assert main(["classifier", "train", "--positive", str(few), "--negative", str(sources[1]),
                 "--out", str(tmp_path / "m.bin")]) == 2
    assert not (tmp_path / "m.bin").exists()
