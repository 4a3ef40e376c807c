"""A large WARC file cut into byte ranges: every record read by exactly one range, in order, on
intact and damaged files; a run over one file uses every worker and keeps what a run of one
worker keeps; a resumed run keeps the shards it was planned with."""
import json

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.dataset import run_dataset
from pipeline.read import read_warc
from pipeline.recipe import load_recipe
from pipeline.shards import MIN_PART_BYTES, plan_shards
from tests.conftest import REPO, article, write_warc
from tests.test_resync import damaged, flip_a_byte, insert_junk_between_records, record_spans

RECIPE = load_recipe(REPO / "recipes" / "small.toml")


def records(path, byte_range=None) -> list[tuple]:
    return [(d.offset, d.id, d.url, d.error[:40]) for d in read_warc(str(path), byte_range=byte_range)]


def read_in_ranges(path, cuts: list[int]) -> list[tuple]:
    size = path.stat().st_size
    edges = [0, *sorted(set(c for c in cuts if 0 < c < size)), size]
    return [r for start, end in zip(edges, edges[1:]) for r in records(path, (start, end))]


@pytest.fixture(scope="module")
def crawl_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ranges")
    return write_warc(folder / "one.warc.gz", [{"url": f"https://a.test/{i}", "body": article(f"topic {i}", n=3 + i % 5)}
                                               for i in range(40)])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.integers(min_value=0, max_value=200_000), max_size=12))
def test_every_record_is_read_by_exactly_one_range(crawl_file, cuts):
    assert read_in_ranges(crawl_file, cuts) == records(crawl_file)


@pytest.mark.parametrize("how", [flip_a_byte, insert_junk_between_records])
def test_ranges_of_a_damaged_file_read_what_the_whole_read_reads(crawl_file, tmp_path, how):
    path, bad_offset = damaged(crawl_file, tmp_path, how)
    whole = records(path)
    assert any(error for *_, error in whole), "the damage is reported"
    size = path.stat().st_size
    for cuts in ([bad_offset], [bad_offset + 1], [bad_offset - 1, bad_offset + 5_000], [size // 3, 2 * size // 3]):
        assert read_in_ranges(path, cuts) == whole, cuts


def test_a_range_inside_one_record_reads_nothing(crawl_file):
    first, second = [offset for offset, *_ in records(crawl_file)][:2]
    assert records(crawl_file, (first + 1, second)) == []


def test_the_plan_cuts_gzipped_warc_files_only_when_workers_would_idle():
    size = 10 * MIN_PART_BYTES
    one = plan_shards(["/d/a.warc.gz"], {"/d/a.warc.gz": size}, workers=2)
    assert [s["range"] for s in one] == [[size * k // 8, size * (k + 1) // 8] for k in range(8)]
    assert [s["shard"] for s in one] == list(range(8))
    assert "range" not in plan_shards(["/d/a.warc.gz"], {"/d/a.warc.gz": size}, workers=1)[0]
    assert all("range" not in s for s in plan_shards(["/d/a.warc"], {"/d/a.warc": size}, workers=4))
    assert all("range" not in s for s in plan_shards(["/d/a.warc.gz"], {"/d/a.warc.gz": None}, workers=4))
    small = plan_shards(["/d/a.warc.gz"], {"/d/a.warc.gz": 2 * MIN_PART_BYTES}, workers=8)
    assert len(small) == 2                                     # no part below MIN_PART_BYTES
    many = [f"/d/{i}.warc.gz" for i in range(4)]
    assert len(plan_shards(many, dict.fromkeys(many, size), workers=2)) == 8    # two parts each
    many = [f"/d/{i}.warc.gz" for i in range(8)]
    assert len(plan_shards(many, dict.fromkeys(many, size), workers=2)) == 8    # enough files: not cut


def first_records(path, count: int, out):
    """The first `count` records of a WARC file, as a file of their own (the bytes as they are)."""
    end = record_spans(path)[count][0]
    out.write_bytes(path.read_bytes()[:end])
    return out


def test_one_file_on_two_workers_keeps_what_one_worker_keeps(corpus, tmp_path, monkeypatch):
    monkeypatch.setattr("pipeline.shards.MIN_PART_BYTES", 16 * 1024)
    warc = first_records(sorted(corpus.glob("*.warc.gz"))[0], 240, tmp_path / "excerpt.warc.gz")
    run_dataset([str(warc)], str(tmp_path / "alone"), RECIPE, workers=1)
    split = run_dataset([str(warc)], str(tmp_path / "split"), RECIPE, workers=2)
    shards = json.loads(split.inputs.read_text())
    assert len(shards) == 4 * 2 and all(s["source"] == str(warc) for s in shards)
    assert [s["range"][0] for s in shards[1:]] == [s["range"][1] for s in shards[:-1]]
    for folder, cols in (("ledger", ["doc_id", "stage", "kept", "reason"]), ("final", ["id", "text"])):
        a = pl.read_parquet(tmp_path / "alone" / folder / "*.parquet", columns=cols).sort(cols[:2])
        b = pl.read_parquet(tmp_path / "split" / folder / "*.parquet", columns=cols).sort(cols[:2])
        assert a.equals(b), folder
    # Resumed with another number of workers, the run keeps its shards rather than refusing.
    run_dataset([str(warc)], str(tmp_path / "split"), RECIPE, workers=1)
    assert json.loads(split.inputs.read_text()) == shards
