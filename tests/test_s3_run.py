"""A run folder on S3 (an S3-compatible server on 127.0.0.1): every task writes its own shard
files there, each marker after its data, and the documents are those of a local run."""
import polars as pl
import pytest

from pipeline.cli import main
from pipeline.dataset import run_dataset
from pipeline.recipe import parse_recipe


def objects(s3, bucket: str, prefix: str) -> set[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return {item["Key"][len(prefix):] for page in pages for item in page.get("Contents", [])}


@pytest.mark.parametrize("executor", ["local", "ray"])
def test_a_run_on_s3_gives_the_documents_of_a_local_run(tmp_path, small_crawl, moto_s3, dedup_recipe, executor,
                                                          request):
    address = request.getfixturevalue("ray_cluster").address if executor == "ray" else None
    moto_s3.create_bucket(Bucket="runs")
    inputs = [str(p) for p in small_crawl]
    recipe = parse_recipe(dedup_recipe.read_text())
    local = run_dataset(inputs, str(tmp_path / "local"), recipe, workers=2)
    remote = run_dataset(inputs, f"s3://runs/{executor}", recipe, workers=2, executor=executor, ray_address=address)

    def final(glob):
        return pl.read_parquet(glob).select("id", "url", "text").sort("id")
    assert final(remote.final_glob).equals(final(local.final_glob))

    stored = objects(moto_s3, "runs", f"{executor}/")
    shards = len(small_crawl)
    for shard in range(shards):                  # each marker stands beside the data it vouches for
        assert {f".done/map-{shard:05d}", f"docs/part-{shard:05d}.parquet", f"ledger/part-{shard:05d}.parquet",
                f"minhash/part-{shard:05d}.parquet", f".done/final-{shard:05d}", f"final/part-{shard:05d}.parquet",
                f"ledger/final-{shard:05d}.parquet"} <= stored
    assert {"inputs.json", "recipe.toml", "dedup/clusters.parquet", ".done/dedup"} <= stored
    assert not [key for key in stored if key.endswith(".tmp") or key.startswith("dedup/edges")]

    # a rerun finds everything done, and one with other inputs is refused
    again = run_dataset(inputs, f"s3://runs/{executor}", recipe, workers=2, executor=executor, ray_address=address)
    assert final(again.final_glob).equals(final(local.final_glob))
    assert main(["dataset", "--input", inputs[0], "--out", f"s3://runs/{executor}", "--recipe", str(dedup_recipe)]) == 2
