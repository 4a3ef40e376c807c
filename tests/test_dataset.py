"""`refinery dataset` end to end: ledger completeness, determinism across workers, resume."""
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from pipeline.dataset import prepare_run, run_dataset
from pipeline.document import doc_id_for
from pipeline.errors import RefineryError
from pipeline.layout import RunLayout
from pipeline.recipe import parse_recipe
from pipeline.tasks import map_shard
from tests.conftest import MECHANICS_RECIPE, REPO, article, dataset_command, write_warc

RECIPE = parse_recipe(MECHANICS_RECIPE)


@pytest.fixture
def warcs(tmp_path):
    french = ("<html><body><article>" + "<p>Le conseil municipal a approuvé le nouveau budget de la "
              "bibliothèque après un long débat, et les habitants ont salué cette décision.</p>" * 8
              + "</article></body></html>").encode()
    (tmp_path / "in").mkdir()
    a = write_warc(tmp_path / "in" / "a.warc.gz", [
        {"url": "https://a.test/1", "body": article("rivers")},
        {"url": "https://a.test/2", "body": french},
        {"url": "https://a.test/404", "body": b"<html>no</html>", "status": "404 Not Found"},
    ])
    b = write_warc(tmp_path / "in" / "b.warc.gz", [
        {"url": "https://b.test/1", "body": article("mountains")},
        {"url": "https://b.test/img", "body": b"\xff\xd8\xff", "content_type": "image/jpeg"},
    ])
    return [a, b]


def outputs(run: Path) -> dict[str, bytes]:
    return {str(p.relative_to(run)): p.read_bytes() for p in sorted(run.glob("*/*.parquet"))}


def test_every_record_is_in_the_ledger_and_final_has_the_kept_pages(tmp_path, warcs):
    run = run_dataset([str(tmp_path / "in" / "*.warc.gz")], str(tmp_path / "run"), RECIPE, workers=1)
    ledger = pl.read_parquet(run.ledger_glob)
    read = ledger.filter(pl.col("stage") == "read")
    assert read.height == 10                                   # 5 requests + 5 responses
    assert Counter(read["reason"]) == Counter({"read:request_record": 5, "": 3,
                                               "read:http_status": 1, "read:not_html": 1})
    final = pl.read_parquet(run.final_glob)
    assert sorted(final["url"]) == ["https://a.test/1", "https://a.test/2", "https://b.test/1"]
    assert dict(zip(final["url"], final["lang"]))["https://a.test/2"] == "fr"
    assert final["id"].is_unique().all()
    assert json.loads(run.inputs.read_text())[1]["source"].endswith("b.warc.gz")


def test_output_is_identical_for_any_number_of_workers(tmp_path, warcs):
    recipe = parse_recipe(MECHANICS_RECIPE.replace('["extract", "language"]', '["extract", "language", "dedup", "pii"]'))
    one = run_dataset([str(tmp_path / "in")], str(tmp_path / "one"), recipe, workers=1)
    two = run_dataset([str(tmp_path / "in")], str(tmp_path / "two"), recipe, workers=2)
    assert outputs(one.root) == outputs(two.root)
    assert {"final/part-00001.parquet", "ledger/final-00001.parquet", "dedup/clusters.parquet",
            "minhash/part-00001.parquet"} <= set(outputs(one.root))


def test_resume_skips_finished_shards_and_gives_the_same_output(tmp_path, warcs):
    fresh = run_dataset([str(tmp_path / "in")], str(tmp_path / "fresh"), RECIPE, workers=1)
    resumed = RunLayout(tmp_path / "resumed")
    # a run that was killed after its first shard: shard 0 done, shard 1 left a stray temporary file
    prepare_run(resumed, sorted(str(w) for w in warcs), RECIPE)
    map_shard(str(resumed.root), 0, str(warcs[0]), RECIPE.source)
    (resumed.root / "docs" / ".part-00001.parquet.999.tmp").write_bytes(b"half a file")
    finished_at = resumed.marker("map", 0).stat().st_mtime_ns
    run_dataset([str(tmp_path / "in")], str(resumed.root), RECIPE, workers=2)
    assert resumed.marker("map", 0).stat().st_mtime_ns == finished_at   # not redone
    assert outputs(resumed.root) == outputs(fresh.root)


def test_a_run_folder_refuses_other_inputs_or_recipe(tmp_path, warcs):
    run_dataset([str(warcs[0])], str(tmp_path / "run"), RECIPE, workers=1)
    with pytest.raises(RefineryError, match="other inputs"):
        run_dataset([str(tmp_path / "in")], str(tmp_path / "run"), RECIPE, workers=1)
    other = parse_recipe(RECIPE.source.replace("min_score = 0.65", "min_score = 0.5"))
    with pytest.raises(RefineryError, match="another recipe"):
        run_dataset([str(warcs[0])], str(tmp_path / "run"), other, workers=1)


def test_missing_input_is_a_clear_error(tmp_path):
    from pipeline.cli import main

    assert main(["dataset", "--input", str(tmp_path / "nothing*.warc.gz"), "--out", str(tmp_path / "r")]) == 2


# ---- on a Common-Crawl-shaped corpus of real pages -------------------------------------------

def refinery(*args) -> list[str]:
    return dataset_command(*args)


def f1_4gram(pred: str, true: str) -> float:
    def shingles(text):
        w = text.split()
        return Counter(tuple(w[i:i + 4]) for i in range(max(len(w) - 3, 1)))
    p, t = shingles(pred), shingles(true)
    common = sum((p & t).values())
    if not common:
        return 0.0
    precision, recall = common / sum(p.values()), common / sum(t.values())
    return 2 * precision * recall / (precision + recall)


def final_docs(run: Path) -> pl.DataFrame:
    return pl.read_parquet(run / "final" / "*.parquet").select("id", "text").sort("id")


def kill_when(cmd: list[str], ready, timeout: float = 180) -> None:
    """Start `cmd` in its own process group and kill -9 the whole group once `ready()` holds."""
    proc = subprocess.Popen(cmd, cwd=REPO, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while not ready() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)                      # kill -9, workers included
    proc.wait()


@pytest.mark.slow
def test_real_corpus_killed_run_resumes_to_the_same_documents(tmp_path, corpus, shared_data, dedup_recipe, uninterrupted):
    inputs = str(corpus / "*.warc.gz")
    killed = tmp_path / "killed"
    args = ("--input", inputs, "--out", str(killed), "--recipe", str(dedup_recipe), "--workers", "2")
    kill_when(refinery(*args), lambda: list((killed / ".done").glob("map-*")))
    assert len(list((killed / ".done").glob("map-*"))) < 4, "the run finished its map phase before it could be killed"
    subprocess.run(refinery(*args), cwd=REPO, check=True, capture_output=True)
    assert final_docs(killed).equals(final_docs(uninterrupted))

    # every response record the corpus holds is in the ledger, by record id and by URL (as the
    # WARC header holds it: a header value's surrounding whitespace is not part of it); ids unique
    truth = [json.loads(line) for line in open(corpus / "truth.jsonl")]
    ledger = pl.read_parquet(killed / "ledger" / "*.parquet").filter(pl.col("stage") == "read")
    assert {doc_id_for(t["record_id"], t["warc"], 0) for t in truth} <= set(ledger["doc_id"])
    assert {t["url"].strip() for t in truth} <= set(ledger["url"])
    docs = pl.read_parquet(killed / "final" / "*.parquet")
    assert docs["id"].is_unique().all()

    # extraction quality on the scrapinghub article pages that reached the end
    ground = {v["url"]: v["articleBody"] for v in json.load(open(shared_data / "scrapinghub-aeb" / "ground-truth.json")).values()}
    scores = [f1_4gram(text, ground[url]) for url, text in docs.select("url", "text").iter_rows() if url in ground]
    assert len(scores) > 100
    assert sum(scores) / len(scores) >= 0.90


@pytest.mark.slow
@pytest.mark.parametrize("phase", ["dedup", "final"])
def test_a_run_killed_in_dedup_or_final_resumes_to_the_same_documents(tmp_path, corpus, dedup_recipe, uninterrupted,
                                                                        phase):
    killed, ready = tmp_path / "killed", tmp_path / "stalled"
    args = ("--input", str(corpus / "*.warc.gz"), "--out", str(killed), "--recipe", str(dedup_recipe), "--workers", "2")
    if phase == "dedup":       # stalled (in the parent process) halfway through writing the clusters
        cmd = [sys.executable, "-m", "tests.fault_injection", "clusters.parquet", "1", str(ready), "dataset", *args]
        kill_when(cmd, ready.exists)
        assert not (killed / ".done" / "dedup").exists() and list((killed / "dedup").glob(".*.tmp"))
    else:                      # final/ is written by the workers: killed once the first shard of it is done
        kill_when(refinery(*args), lambda: list((killed / ".done").glob("final-*")))
        assert len(list((killed / ".done").glob("final-*"))) < 4
    subprocess.run(refinery(*args), cwd=REPO, check=True, capture_output=True)
    assert final_docs(killed).equals(final_docs(uninterrupted))
    assert not list(killed.rglob("*.tmp"))


def test_dedup_keeps_the_first_copy_and_ledgers_the_rest(tmp_path):
    (tmp_path / "in").mkdir()
    write_warc(tmp_path / "in" / "a.warc.gz", [{"url": "https://a.test/story", "body": article("floods", 14)},
                                               {"url": "https://a.test/other", "body": article("tides")}])
    write_warc(tmp_path / "in" / "b.warc.gz", [{"url": "https://mirror.test/story", "body": article("floods", 14)}])
    recipe = parse_recipe(RECIPE.source.replace('steps = ["extract", "language"]',
                                                'steps = ["extract", "language", "dedup"]'))
    run = run_dataset([str(tmp_path / "in")], str(tmp_path / "run"), recipe, workers=2)
    assert sorted(pl.read_parquet(run.final_glob)["url"]) == ["https://a.test/other", "https://a.test/story"]
    dedup = pl.read_parquet(run.ledger_glob).filter(pl.col("stage") == "dedup")
    assert dedup.height == 3
    (dropped,) = dedup.filter(~pl.col("kept")).iter_rows(named=True)
    assert dropped["url"] == "https://mirror.test/story" and dropped["reason"] == "dedup:exact"
    clusters = pl.read_parquet(run.clusters)
    assert clusters.height == 2 and clusters["cluster_size"].to_list() == [2, 2]
