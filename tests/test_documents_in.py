"""Document corpora in (Parquet, JSON Lines, FineWeb's and Dolma's columns) and out (--format jsonl).

The yardstick for documents in: the texts a WARC run extracted, given back as a FineWeb or a
Dolma shard, must meet the same text steps with the same decisions as in the WARC run itself.
"""
import gzip
import json

import polars as pl
import pytest

from pipeline.cli import main
from pipeline.dataset import run_dataset
from pipeline.errors import RefineryError
from pipeline.recipe import parse_recipe
from tests.conftest import article, write_warc
from tokenizer.corpus import final_parts, iter_batches, split_documents

EXTRACT_ONLY = parse_recipe('name = "extract"\nsteps = ["extract"]\n')
ENGLISH = parse_recipe('name = "english"\nsteps = ["extract", "language"]\n[language]\nlanguages = ["en"]\n')
FRENCH = ("<html><body><article>" + "<p>Le conseil municipal a approuvé le nouveau budget de la bibliothèque "
          "après un long débat, et les habitants ont salué cette décision.</p>" * 8 + "</article></body></html>")


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    """Two WARC files: English and French pages, a 404."""
    folder = tmp_path_factory.mktemp("crawl")
    write_warc(folder / "a.warc.gz", [{"url": "https://a.test/rivers", "body": article("rivers")},
                                      {"url": "https://a.test/fr", "body": FRENCH.encode()},
                                      {"url": "https://a.test/404", "body": b"<html>no</html>", "status": "404 Not Found"}])
    write_warc(folder / "b.warc.gz", [{"url": "https://b.test/forests", "body": article("forests")}])
    return folder


@pytest.fixture(scope="module")
def extracted(crawl, tmp_path_factory) -> pl.DataFrame:
    """What the WARC run extracted: the texts to hand back as a document corpus."""
    run = run_dataset([str(crawl)], str(tmp_path_factory.mktemp("extract") / "run"), EXTRACT_ONLY, workers=1)
    return pl.read_parquet(run.final_glob).sort("url")


@pytest.fixture(scope="module")
def warc_run(crawl, tmp_path_factory):
    return run_dataset([str(crawl)], str(tmp_path_factory.mktemp("warc") / "run"), ENGLISH, workers=1)


def decisions(run, stage: str) -> dict[str, tuple[bool, str]]:
    ledger = pl.read_parquet(run.ledger_glob).filter(pl.col("stage") == stage)
    return {url: (kept, reason) for url, kept, reason in ledger.select("url", "kept", "reason").iter_rows()}


def test_a_fineweb_shard_meets_the_text_steps_as_the_warc_pages_did(tmp_path, extracted, warc_run, capsys):
    fineweb = extracted.select(
        "text", id=pl.concat_str(pl.lit("<urn:uuid:"), pl.col("id"), pl.lit(">")), dump=pl.lit("CC-MAIN-2024-10"),
        url="url", date="date", file_path=pl.lit("s3://commoncrawl/crawl-data/x.warc.gz"),
        language=pl.lit("en"), language_score=pl.lit(0.9), token_count=pl.lit(100))
    empty = pl.DataFrame({"text": [None, "   "], "id": ["<urn:uuid:n>", "<urn:uuid:e>"], "url": ["https://n.test", "https://e.test"]})
    (tmp_path / "fw").mkdir()
    pl.concat([fineweb, empty], how="diagonal").write_parquet(tmp_path / "fw" / "000_00000.parquet")

    run = run_dataset([str(tmp_path / "fw" / "*.parquet")], str(tmp_path / "run"), ENGLISH, workers=1)
    assert "extract skipped" in capsys.readouterr().out

    assert decisions(run, "language") == decisions(warc_run, "language")        # the same calls, by URL
    final = pl.read_parquet(run.final_glob).sort("url")
    expected = pl.read_parquet(warc_run.final_glob).sort("url")
    assert final["text"].to_list() == expected["text"].to_list()
    assert final["id"].to_list() == ["<urn:uuid:" + i + ">" for i in expected["id"]]    # FineWeb's ids, kept
    assert final["warc"].unique().to_list() == ["000_00000.parquet"]

    ledger = pl.read_parquet(run.ledger_glob)
    assert set(ledger["stage"]) == {"read", "language"}                        # no extract: there is no HTML
    read = ledger.filter(pl.col("stage") == "read")
    assert read.height == 5 and sorted(read.filter(~pl.col("kept"))["reason"]) == ["read:no_text", "read:no_text"]


def test_a_dolma_shard_is_read_with_its_metadata_url_and_bad_lines_counted(tmp_path, extracted, warc_run):
    lines = [json.dumps({"id": f"doc-{i}", "text": text, "source": "common-crawl", "created": "2024-03-01",
                         "metadata": {"url": url}})
             for i, (text, url) in enumerate(extracted.select("text", "url").iter_rows())]
    lines[1:1] = ["{not json", "", json.dumps(["a", "list"]), json.dumps({"id": "n", "text": 12})]
    with gzip.open(tmp_path / "dolma-0000.json.gz", "wt") as f:
        f.write("\n".join(lines) + "\n")

    run = run_dataset([str(tmp_path / "dolma-0000.json.gz")], str(tmp_path / "run"), ENGLISH, workers=1)
    assert decisions(run, "language") == decisions(warc_run, "language")
    final = pl.read_parquet(run.final_glob).sort("url")
    assert final["url"].to_list() == pl.read_parquet(warc_run.final_glob).sort("url")["url"].to_list()
    assert set(final["date"]) == {"2024-03-01"}
    read = pl.read_parquet(run.ledger_glob).filter(pl.col("stage") == "read")
    assert read.height == len(extracted) + 3                                   # the blank line is no row
    assert sorted(read.filter(~pl.col("kept"))["reason"]) == ["read:corrupt_row"] * 3

    with pytest.raises(RefineryError, match=r"dolma-0000.json.gz: not JSON.*\(row 1\)"):
        run_dataset([str(tmp_path / "dolma-0000.json.gz")], str(tmp_path / "strict"), ENGLISH, workers=1, strict=True)


def test_a_file_without_texts_is_counted_and_named(tmp_path, capsys):
    pl.DataFrame({"content": ["a text in the wrong column"]}).write_parquet(tmp_path / "x.parquet")
    (tmp_path / "y.parquet").write_bytes(b"PAR1 not really")
    run = run_dataset([str(tmp_path / "*.parquet")], str(tmp_path / "run"), ENGLISH, workers=1)
    read = pl.read_parquet(run.ledger_glob)
    assert read["reason"].to_list() == ["read:not_documents"] * 2
    out = capsys.readouterr().out
    assert "x.parquet: not a documents file: no `text` column (columns: content)" in out
    assert "y.parquet: not a documents file: not a Parquet file" in out


def test_warc_and_document_inputs_are_not_mixed(tmp_path, crawl, extracted):
    extracted.write_parquet(tmp_path / "docs.parquet")
    with pytest.raises(RefineryError, match="mix document files .* and WARC files"):
        run_dataset([str(tmp_path / "docs.parquet"), str(crawl)], str(tmp_path / "run"), ENGLISH, workers=1)
    assert not (tmp_path / "run").exists()


def test_final_as_jsonl_is_read_by_the_tokenizer_and_the_report_and_kept_on_resume(tmp_path, crawl, warc_run):
    run = run_dataset([str(crawl)], str(tmp_path / "run"), ENGLISH, workers=2, format="jsonl")
    parts = final_parts(run.root)
    assert [p.name for p in parts] == ["part-00000.jsonl.gz", "part-00001.jsonl.gz"]
    rows = [json.loads(line) for p in parts for line in gzip.open(p)]
    expected = pl.read_parquet(warc_run.final_glob)
    assert pl.DataFrame(rows, schema=expected.schema).equals(expected)
    batches = list(iter_batches(parts, ["id", "text"], batch_rows=1))
    assert [b["id"][0] for b in batches] == expected["id"].to_list()
    assert split_documents(parts, 0.5).val_ids == split_documents(final_parts(warc_run.root), 0.5).val_ids

    with pytest.raises(RefineryError, match="writes final/ as jsonl, not parquet"):
        run_dataset([str(crawl)], str(tmp_path / "run"), ENGLISH, workers=1)
    again = run_dataset([str(crawl)], str(tmp_path / "run"), ENGLISH, workers=1, format="jsonl")
    assert final_parts(again.root) == parts

    assert main(["tokenizer", str(run.root), "--vocab-size", "300", "--workers", "1"]) == 0
    assert main(["report", str(run.root)]) == 0
    funnel = pl.read_parquet(run.root / "reports" / "funnel.parquet")
    assert funnel.filter(pl.col("step") == "final")["docs_out"].item() == expected.height
