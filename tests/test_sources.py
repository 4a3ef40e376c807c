"""Inputs: local globs and folders, and WARCs served over HTTP by a real server on 127.0.0.1."""
import functools
import http.server
import threading

import polars as pl
import pytest

from pipeline.dataset import run_dataset
from pipeline.errors import RefineryError
from pipeline.sources import expand_inputs
from pipeline.recipe import parse_recipe
from tests.conftest import MECHANICS_RECIPE, article, write_warc


@pytest.fixture
def warc_dir(tmp_path):
    folder = tmp_path / "warcs"
    folder.mkdir()
    write_warc(folder / "b.warc.gz", [{"url": "https://b.test/", "body": article("bees")}])
    write_warc(folder / "a.warc.gz", [{"url": "https://a.test/", "body": article("ants")}])
    (folder / "notes.txt").write_text("not a warc")
    return folder


def test_globs_and_folders_expand_to_a_sorted_unique_list(warc_dir):
    from_folder = expand_inputs([str(warc_dir)])
    assert [p.rsplit("/", 1)[1] for p in from_folder] == ["a.warc.gz", "b.warc.gz"]
    assert expand_inputs([str(warc_dir / "b.warc.gz"), str(warc_dir / "*.warc.gz")]) == from_folder


def test_nothing_matching_is_an_error(tmp_path):
    with pytest.raises(RefineryError, match="no WARC files match"):
        expand_inputs([str(tmp_path / "*.warc.gz")])


@pytest.fixture
def http_server(warc_dir):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(warc_dir))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_warcs_over_http_give_the_same_documents_as_local_files(tmp_path, warc_dir, http_server):
    recipe = parse_recipe(MECHANICS_RECIPE)
    remote = run_dataset([f"{http_server}/a.warc.gz", f"{http_server}/b.warc.gz"], str(tmp_path / "remote"),
                         recipe, workers=1)
    local = run_dataset([str(warc_dir)], str(tmp_path / "local"), recipe, workers=1)
    columns = ["id", "url", "text"]
    assert pl.read_parquet(remote.final_glob).select(columns).equals(pl.read_parquet(local.final_glob).select(columns))


def test_an_unreachable_server_is_a_clear_error(tmp_path):
    from pipeline.cli import main

    # port 9 on 127.0.0.1: nothing listens there
    code = main(["dataset", "--input", "http://127.0.0.1:9/x.warc.gz", "--out", str(tmp_path / "r"), "--workers", "1"])
    assert code == 2
