"""Common Crawl in: `refinery fetch` and `refinery dataset --input cc:… / cc-index:… / --input-list`
against a real mirror on 127.0.0.1 that throttles, cuts and stalls (tests/crawl_server.py), and
against an S3-compatible server (moto). Nothing here touches the internet."""
import gzip
import os
from pathlib import Path

import polars as pl
import pytest

from pipeline.cli import main
from pipeline.dataset import run_dataset
from pipeline.recipe import parse_recipe
from pipeline.sources import expand_inputs
from tests.conftest import MECHANICS_RECIPE
from tests.crawl_server import CrawlServer, Faults

CRAWL = "CC-MAIN-2024-22"
RECIPE = parse_recipe(MECHANICS_RECIPE)
STORM = dict(throttle=0.25, cut=0.25)                 # a quarter throttled, a quarter cut midway
FAST = ["--backoff", "0.01", "--stall-timeout", "1"]


def final(run) -> pl.DataFrame:
    return pl.read_parquet(Path(run) / "final" / "*.parquet").select("id", "url", "text").sort("id")


def recipe_file(tmp_path) -> str:
    path = tmp_path / "recipe.toml"
    path.write_text(MECHANICS_RECIPE)
    return str(path)


@pytest.fixture(scope="module")
def small_local_run(tmp_path_factory, small_crawl):
    return final(run_dataset([str(p) for p in small_crawl], str(tmp_path_factory.mktemp("local") / "run"), RECIPE, 1).root)


def fetched(out: Path, server: CrawlServer) -> dict[str, bool]:
    return {path: (out / path).read_bytes() == local.read_bytes() for path, local in server.files.items()}


# --- refinery fetch ---

def test_fetch_through_a_storm_gives_byte_identical_files(tmp_path, corpus):
    with CrawlServer(sorted(corpus.glob("*.warc.gz")), faults=Faults(**STORM, seed=4)) as server:
        code = main(["fetch", "--crawl", CRAWL, "--limit", "4", "--base-url", server.url, "--out", str(tmp_path), *FAST])
        faults = {entry[3] for entry in server.log}
    assert code == 0
    assert fetched(tmp_path, server) == {path: True for path in server.paths}
    assert not list(tmp_path.rglob("*.part"))
    assert {"throttle", "cut"} <= faults


def test_fetch_resumes_a_partial_file_and_skips_complete_ones(tmp_path, small_crawl):
    with CrawlServer(small_crawl) as server:
        whole, partial = server.paths[0], server.paths[1]
        (tmp_path / whole).parent.mkdir(parents=True)
        (tmp_path / whole).write_bytes(server.files[whole].read_bytes())
        half = server.files[partial].read_bytes()[:server.files[partial].stat().st_size // 2]
        (tmp_path / (partial + ".part")).write_bytes(half)
        assert main(["fetch", "--crawl", CRAWL, "--base-url", server.url, "--out", str(tmp_path), *FAST]) == 0
        assert not server.requests_for(Path(whole).name)
        assert [entry[2] for entry in server.requests_for(Path(partial).name)] == [f"bytes={len(half)}-"]
    assert all(fetched(tmp_path, server).values())


def test_fetch_names_the_files_it_could_not_complete_and_a_rerun_finishes_them(tmp_path, small_crawl, capsys):
    broken = small_crawl[2].name
    with CrawlServer(small_crawl, faults=Faults(cut_for_good={broken})) as server:
        args = ["fetch", "--crawl", CRAWL, "--base-url", server.url, "--out", str(tmp_path), "--retries", "3", *FAST]
        assert main(args) == 1
        out = capsys.readouterr().out
        assert "1 file(s) failed" in out and broken in out
        assert [p.name for p in tmp_path.rglob("*.part")] == [broken + ".part"]
        assert len(list(tmp_path.rglob("*.warc.gz"))) == 3
        server.faults.cut_for_good.clear()
        assert main(args) == 0
    assert all(fetched(tmp_path, server).values())
    assert not list(tmp_path.rglob("*.part"))


def test_a_file_whose_gzip_does_not_verify_never_takes_its_name(tmp_path, small_crawl, capsys):
    corrupt = tmp_path / "src" / small_crawl[0].name
    corrupt.parent.mkdir()
    data = bytearray(small_crawl[0].read_bytes())
    data[len(data) // 2] ^= 0xFF                      # one flipped byte inside a gzip member
    corrupt.write_bytes(bytes(data))
    with CrawlServer([corrupt]) as server:
        out = tmp_path / "out"
        assert main(["fetch", "--crawl", CRAWL, "--base-url", server.url, "--out", str(out), *FAST]) == 1
    assert "does not verify" in capsys.readouterr().out
    assert not [p for p in out.rglob("*") if p.is_file()]


def test_a_seeded_sample_is_reproducible_and_kept_in_crawl_order(small_crawl, monkeypatch):
    with CrawlServer(small_crawl) as server:
        monkeypatch.setenv("REFINERY_CC_BASE_URL", server.url)
        first_two = expand_inputs([f"cc:{CRAWL}"], limit=2)
        samples = {tuple(expand_inputs([f"cc:{CRAWL}"], limit=2, sample_seed=seed)) for seed in range(6)}
        assert tuple(expand_inputs([f"cc:{CRAWL}"], limit=2, sample_seed=3)) in samples
    assert [u.rsplit("/", 1)[1] for u in first_two] == [small_crawl[0].name, small_crawl[1].name]
    assert len(samples) > 1 and all(list(s) == sorted(s) for s in samples)


def test_offline_is_a_one_line_error_that_suggests_local_input(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("REFINERY_CC_BASE_URL", "http://127.0.0.1:9")      # nothing listens on port 9
    assert main(["dataset", "--input", f"cc:{CRAWL}", "--out", str(tmp_path / "r"), *FAST]) == 2
    assert main(["fetch", "--crawl", CRAWL, "--out", str(tmp_path / "f"), *FAST]) == 2
    for line in capsys.readouterr().err.strip().splitlines():
        assert "127.0.0.1:9/crawl-data/CC-MAIN-2024-22/warc.paths.gz" in line and "--input PATH" in line
        assert "Traceback" not in line
    assert main(["dataset", "--input", "cc:CC-MAIN-24", "--out", str(tmp_path / "r2")]) == 2
    assert "not a Common Crawl crawl id" in capsys.readouterr().err


# --- refinery dataset over the network ---

@pytest.mark.slow
def test_a_crawl_streamed_through_a_storm_gives_the_documents_of_the_files_on_disk(tmp_path, corpus, monkeypatch):
    with CrawlServer(sorted(corpus.glob("*.warc.gz")), faults=Faults(**STORM, seed=5)) as server:
        monkeypatch.setenv("REFINERY_CC_BASE_URL", server.url)
        code = main(["dataset", "--input", f"cc:{CRAWL}", "--limit", "4", "--out", str(tmp_path / "remote"),
                     "--recipe", recipe_file(tmp_path), "--workers", "2", *FAST])
        streamed = [entry for entry in server.log if entry[1].endswith(".warc.gz")]
    assert code == 0
    assert {"throttle", "cut"} <= {entry[3] for entry in streamed}
    assert any(entry[2] not in ("", "bytes=0-", "bytes=0-0") for entry in streamed)   # resumed mid-file
    local = run_dataset([str(corpus)], str(tmp_path / "local"), RECIPE, workers=2)
    remote = final(tmp_path / "remote")
    assert remote.height > 1000
    assert remote.equals(final(local.root))


def test_a_stream_cut_for_good_leaves_its_shard_unfinished_and_a_rerun_completes_it(
        tmp_path, small_crawl, small_local_run, monkeypatch, capsys):
    broken = small_crawl[1].name
    run = tmp_path / "run"
    with CrawlServer(small_crawl, faults=Faults(cut_for_good={broken})) as server:
        monkeypatch.setenv("REFINERY_CC_BASE_URL", server.url)
        args = ["dataset", "--input", f"cc:{CRAWL}", "--out", str(run), "--recipe", recipe_file(tmp_path),
                "--workers", "2", "--retries", "3", *FAST]
        assert main(args) == 1
        err = capsys.readouterr().err
        assert "shard 1: " in err and broken in err and "rerun" in err
        assert sorted(p.name for p in (run / ".done").iterdir()) == ["map-00000", "map-00002", "map-00003"]
        assert not (run / "docs" / "part-00001.parquet").exists() and not (run / "final").exists()
        server.faults.cut_for_good.clear()
        assert main(args) == 0
    assert final(run).equals(small_local_run)


def test_an_index_slice_streamed_gives_the_documents_of_the_slice_fetched_to_disk(tmp_path, corpus, monkeypatch):
    pattern = "*.readability-pages.test"
    with CrawlServer(sorted(corpus.glob("*.warc.gz")), faults=Faults(**STORM, seed=6), page_size=40) as server:
        monkeypatch.setenv("REFINERY_CC_BASE_URL", server.url)
        monkeypatch.setenv("REFINERY_CC_INDEX_URL", server.url)
        expected = [row for row in server.index if "readability-pages.test" in row["url"]]
        assert main(["dataset", "--input", f"cc-index:{CRAWL}?url={pattern}", "--out", str(tmp_path / "streamed"),
                     "--recipe", recipe_file(tmp_path), "--workers", "2", *FAST]) == 0
        assert main(["fetch", "--crawl", CRAWL, "--url-pattern", pattern, "--out", str(tmp_path / "slice"), *FAST]) == 0
        assert main(["dataset", "--input", f"cc-index:{CRAWL}?url={pattern}", "--limit", "45",
                     "--out", str(tmp_path / "limited"), "--recipe", recipe_file(tmp_path), "--workers", "1", *FAST]) == 0
    pages = sorted((tmp_path / "slice").rglob("*.warc.gz"))
    assert [p.name for p in pages] == [f"page-{i:05d}.warc.gz" for i in range(-(-len(expected) // 40))]
    on_disk = run_dataset([str(tmp_path / "slice")], str(tmp_path / "from_disk"), RECIPE, workers=2)
    streamed = final(tmp_path / "streamed")
    assert streamed.height > 50 and streamed.equals(final(on_disk.root))
    # every capture the index found is in the ledger, located in the crawl's own WARC file
    read = pl.read_parquet(tmp_path / "streamed" / "ledger" / "*.parquet").filter(pl.col("stage") == "read")
    docs = pl.read_parquet(tmp_path / "streamed" / "docs" / "*.parquet")
    assert set(read.filter(pl.col("reason") == "")["url"]) <= {row["url"] for row in expected}
    assert read.filter(pl.col("reason") != "read:request_record").height == len(expected)
    where = {row["url"]: (row["filename"].rsplit("/", 1)[1], int(row["offset"])) for row in expected}
    assert all(where[url] == (warc, offset) for url, warc, offset in docs.select("url", "warc", "offset").iter_rows())
    # --limit counts records: the first 45 captures of the query
    assert pl.read_parquet(tmp_path / "limited" / "ledger" / "*.parquet").filter(
        pl.col("stage") == "read").height == 45


def test_an_input_list_takes_plain_or_gzipped_lines_local_or_crawl_paths(tmp_path, small_crawl, small_local_run,
                                                                        monkeypatch):
    with CrawlServer(small_crawl, faults=Faults(**STORM, seed=7)) as server:
        monkeypatch.setenv("REFINERY_CC_BASE_URL", server.url)
        paths = tmp_path / "warc.paths.gz"
        paths.write_bytes(gzip.compress("".join(p + "\n" for p in server.paths[:2]).encode()))
        local = tmp_path / "list.txt"
        local.write_text("# the other two, relative to this list\n\n"
                         + "".join(os.path.relpath(p, tmp_path) + "\n" for p in small_crawl[2:]))
        sources = expand_inputs([], input_list=str(paths)) + expand_inputs([], input_list=str(local))
        assert sources[:2] == [f"{server.url}/{p}" for p in server.paths[:2]]
        assert sources[2:] == [os.path.abspath(p) for p in small_crawl[2:]]
        assert main(["dataset", "--input-list", str(paths), "--out", str(tmp_path / "a"), "--recipe",
                     recipe_file(tmp_path), "--workers", "1", *FAST]) == 0
    assert main(["dataset", "--input-list", str(local), "--out", str(tmp_path / "b"), "--recipe",
                 recipe_file(tmp_path), "--workers", "1"]) == 0
    assert pl.concat([final(tmp_path / "a"), final(tmp_path / "b")]).sort("id").equals(small_local_run)


# --- s3:// through an S3-compatible server on 127.0.0.1 ---

@pytest.fixture
def s3_crawl(small_crawl, moto_s3):
    moto_s3.create_bucket(Bucket="commoncrawl")
    layout = CrawlServer(small_crawl)             # the same tree and paths file, uploaded
    for rel, data in layout.documents.items():
        moto_s3.put_object(Bucket="commoncrawl", Key=rel, Body=data)
    for rel, path in layout.files.items():
        moto_s3.put_object(Bucket="commoncrawl", Key=rel, Body=path.read_bytes())
    layout.server.server_close()
    return layout


def test_s3_as_a_crawl_base_for_fetch_and_dataset(tmp_path, s3_crawl, small_local_run, monkeypatch):
    assert main(["fetch", "--crawl", CRAWL, "--limit", "2", "--base-url", "s3://commoncrawl",
                 "--out", str(tmp_path / "f"), *FAST]) == 0
    got = {p.relative_to(tmp_path / "f").as_posix(): p.read_bytes() for p in (tmp_path / "f").rglob("*.warc.gz")}
    assert got == {rel: path.read_bytes() for rel, path in list(s3_crawl.files.items())[:2]}
    monkeypatch.setenv("REFINERY_CC_BASE_URL", "s3://commoncrawl")
    assert main(["dataset", "--input", f"cc:{CRAWL}", "--out", str(tmp_path / "r"), "--recipe",
                 recipe_file(tmp_path), "--workers", "2", *FAST]) == 0
    assert final(tmp_path / "r").equals(small_local_run)
