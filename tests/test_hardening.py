"""A run that meets a bug stops at once and says where; --strict; inputs limited to files,
http(s) and s3; paths from listings never escape the output folder."""
import gzip
import http.server
import os
import threading
import time

import pytest

from pipeline.cli import main
from pipeline.errors import RefineryError, SourceError, StepFailed
from pipeline.executors.local import LocalExecutor
from pipeline.sources import expand_inputs
from pipeline.sources.remote import fetch_bytes
from pipeline.tasks import map_shard
from tests.child_targets import raise_now, sleep_then_mark
from tests.conftest import MECHANICS_RECIPE, article, write_warc
from tests.crawl_server import CrawlServer


def test_a_failing_task_stops_the_run_promptly_and_kills_the_running_ones(tmp_path):
    markers = [str(tmp_path / f"done-{i}") for i in range(3)]
    tasks = [dict(seconds=30, marker=m) for m in markers]
    started = time.monotonic()
    with pytest.raises(ValueError, match="boom"):
        LocalExecutor(4).run(_either, [dict(task=t) for t in tasks] + [dict(task={"message": "boom"})], "test")
    assert time.monotonic() - started < 20
    time.sleep(1)
    assert not any(os.path.exists(m) for m in markers)        # the long tasks were killed, not waited for


def _either(task: dict) -> int:
    return raise_now(**task) if "message" in task else sleep_then_mark(**task)


def test_a_step_that_raises_names_the_shard_the_document_and_the_line(tmp_path, monkeypatch):
    warc = write_warc(tmp_path / "in.warc.gz", [{"url": "https://ok.test/", "body": article("fine")},
                                                {"url": "https://bad.test/", "body": article("trouble")}])

    def check(self, doc):
        if "bad.test" in doc.url:
            raise KeyError("a bug")
        doc.text = "x"
        return __import__("pipeline.decision", fromlist=["keep"]).keep()

    monkeypatch.setattr("pipeline.extract.Extractor.check", check)
    # the batch fails as a whole; its documents are then checked one by one to find the culprit
    monkeypatch.setattr("pipeline.extract.Extractor.check_batch", lambda self, docs: [check(self, d) for d in docs])
    with pytest.raises(StepFailed) as failure:
        map_shard(str(tmp_path / "run"), 3, str(warc), MECHANICS_RECIPE)
    message = str(failure.value)
    assert message.startswith(f"shard 3 ({warc}): step 'extract' failed on document ")
    assert "https://bad.test/" in message and "KeyError: 'a bug'" in message and "test_hardening.py:" in message
    assert not (tmp_path / "run" / ".done").exists()


@pytest.fixture
def folder_with_junk(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    write_warc(folder / "good.warc.gz", [{"url": "https://good.test/", "body": article("good pages")}])
    (folder / "junk.warc.gz").write_bytes(gzip.compress(b"not an archive\n" * 100))
    recipe = tmp_path / "recipe.toml"
    recipe.write_text(MECHANICS_RECIPE)
    return folder, str(recipe)


def test_a_file_that_is_not_warc_is_reported_and_skipped(tmp_path, folder_with_junk, capsys):
    folder, recipe = folder_with_junk
    assert main(["dataset", "--input", str(folder), "--out", str(tmp_path / "r"), "--recipe", recipe,
                 "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "read:not_warc" in out and f"{folder / 'junk.warc.gz'}: not a WARC file" in out


def test_strict_makes_it_fatal(tmp_path, folder_with_junk, capsys):
    folder, recipe = folder_with_junk
    assert main(["dataset", "--input", str(folder), "--out", str(tmp_path / "r"), "--recipe", recipe,
                 "--workers", "1", "--strict"]) == 2
    assert "junk.warc.gz" in capsys.readouterr().err


@pytest.mark.parametrize("url", ["memory://x.warc.gz", "ftp://host/x.warc.gz", "gcs://b/x.warc.gz"])
def test_inputs_are_files_http_or_s3_only(url, tmp_path):
    with pytest.raises(RefineryError, match="inputs are local paths, http"):
        expand_inputs([url])
    listing = tmp_path / "list.txt"
    listing.write_text(url + "\n")
    with pytest.raises(RefineryError, match="inputs are local paths, http"):
        expand_inputs([], input_list=str(listing))


def test_file_urls_are_local_paths(tmp_path):
    warc = write_warc(tmp_path / "a.warc.gz", [{"url": "https://a.test/", "body": article("a")}])
    assert expand_inputs([f"file://{warc}"]) == [str(warc)]


def test_a_redirect_to_another_scheme_is_not_followed():
    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(302)
            self.send_header("Location", f"https://127.0.0.1:{self.server.server_address[1]}/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(SourceError, match="another scheme"):
            fetch_bytes(f"http://127.0.0.1:{server.server_address[1]}/x.warc.gz")
    finally:
        server.shutdown()


@pytest.mark.parametrize("line", ["../../outside.warc.gz", "/etc/passwd", "crawl-data/../../x.warc.gz",
                                  "crawl-data/a b.warc.gz"])
def test_a_listing_cannot_name_a_path_outside_the_output_folder(tmp_path, small_crawl, line, capsys):
    with CrawlServer(small_crawl) as server:
        server.documents[f"crawl-data/{server.crawl}/warc.paths.gz"] = gzip.compress(f"{line}\n".encode())
        assert main(["fetch", "--crawl", server.crawl, "--base-url", server.url, "--out", str(tmp_path / "out")]) == 2
    assert "not a plain relative path" in capsys.readouterr().err
    assert not (tmp_path / "outside.warc.gz").exists() and not (tmp_path / "out").exists()
