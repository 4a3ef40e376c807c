"""Published domain blocklists ("ut1:adult" in [url] domain_lists): downloaded once under the
crawl's retry rules, verified, cached as a sorted hash array, and usable offline."""
import json
import socket
import subprocess
import sys

import numpy as np
import polars as pl
import pytest

from pipeline.dataset import run_dataset
from pipeline.document import Document
from pipeline.errors import RefineryError
from pipeline.filters import blocklists
from pipeline.filters.urls import URLFilter
from pipeline.recipe import load_recipe, parse_recipe
from pipeline.sources.retry import RetryPolicy
from tests.conftest import REPO, write_ut1_tarball
from tests.crawl_server import CrawlServer, Faults

DOMAINS = ["blocked.co.uk", "only.host.example.org", "site1.test", "203.0.113.9"]
QUICK = RetryPolicy(backoff=0.01, max_backoff=0.05, connect_timeout=2, stall_timeout=2)


def doc(url):
    return Document(id="d", url=url, warc="", offset=0)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("REFINERY_CACHE", str(folder))
    return folder


def serve(body: bytes, faults: Faults | None = None) -> CrawlServer:
    server = CrawlServer([], faults=faults)
    server.documents["adult.tar.gz"] = body
    return server


@pytest.fixture
def tarball(tmp_path) -> bytes:
    (tmp_path / "src").mkdir()
    return write_ut1_tarball(tmp_path / "src", "adult", ["# UT1 adult", *DOMAINS, "Mixed.CASE.example"]).read_bytes()


def test_a_list_is_downloaded_through_throttling_and_cuts_then_served_from_the_cache(tmp_path, cache, tarball, monkeypatch):
    faults = Faults(throttle_first=2, cut=0.5, seed=3)
    with serve(tarball, faults) as server:
        monkeypatch.setenv("REFINERY_UT1_BASE_URL", server.url)
        listed = blocklists.load("ut1:adult", QUICK)
        assert {entry[3] for entry in server.log} >= {"throttle", "cut"}   # the storm happened
        requests = len(server.log)
        again = blocklists.load("ut1:adult", QUICK)
        assert len(server.log) == requests                                  # the cache answered
    assert len(listed) == len(again) == 5
    assert all(d in listed for d in [*DOMAINS, "mixed.case.example"])
    assert "example.org" not in listed and "" not in listed
    # Compact and shared: a memory-mapped, sorted uint64 array, vouched for by its record.
    assert isinstance(again.hashes, np.memmap) and again.hashes.dtype == np.uint64
    assert np.all(np.diff(again.hashes.astype(np.uint64)) > 0)
    [record] = cache.glob("ut1-adult-*.json")
    meta = json.loads(record.read_text())
    assert meta["domains"] == 5 and meta["source"] == f"{server.url}/adult"
    assert len(meta["download_sha256"]) == len(meta["npy_sha256"]) == 64
    assert not list(cache.glob("*.tmp"))


def test_the_url_filter_blocks_listed_domains_and_hosts(tmp_path, cache, tarball, monkeypatch):
    monkeypatch.setenv("REFINERY_UT1_BASE_URL", str(tmp_path / "src"))     # a local folder: offline
    url = URLFilter(domain_lists=["ut1:adult"])
    assert url.check(doc("https://www.blocked.co.uk/a")).reason == "url:domain"
    assert url.check(doc("https://only.host.example.org/")).reason == "url:subdomain"
    assert url.check(doc("http://203.0.113.9/page")).reason == "url:domain"          # an address is its own domain
    assert url.check(doc("https://example.org/")).kept
    assert url.check(doc("https://news.example.com/story")).kept


def test_a_corrupt_cache_is_replaced_not_used(tmp_path, cache, tarball, monkeypatch):
    with serve(tarball) as server:
        monkeypatch.setenv("REFINERY_UT1_BASE_URL", server.url)
        blocklists.load("ut1:adult", QUICK)
        [array] = cache.glob("ut1-adult-*.npy")
        data = bytearray(array.read_bytes())
        data[-3] ^= 0xFF                                                    # one hash changed
        array.write_bytes(bytes(data))
        requests = len(server.log)
        # A process checks a list once, when it first loads it: the next process finds the damage.
        check = ("from pipeline.filters import blocklists; "
                 f"print(sum(d in blocklists.load('ut1:adult') for d in {DOMAINS!r}))")
        found = subprocess.run([sys.executable, "-c", check], cwd=REPO, capture_output=True, text=True, check=True)
        assert len(server.log) > requests                                   # downloaded anew
    assert found.stdout.strip() == str(len(DOMAINS))


def test_a_process_reads_and_checks_a_list_once(tmp_path, cache, monkeypatch):
    (tmp_path / "src").mkdir()
    write_ut1_tarball(tmp_path / "src", "adult", DOMAINS)
    monkeypatch.setenv("REFINERY_UT1_BASE_URL", str(tmp_path / "src"))
    first = blocklists.load("ut1:adult")
    [array] = cache.glob("ut1-adult-*.npy")
    array.unlink()                                                          # gone from the disk ...
    assert blocklists.load("ut1:adult").hashes is first.hashes              # ... but read once already


def test_a_download_that_is_no_list_is_refused_and_nothing_is_cached(tmp_path, cache, monkeypatch):
    with serve(b"<html><body>Service temporarily unavailable</body></html>\n" * 3) as server:
        monkeypatch.setenv("REFINERY_UT1_BASE_URL", server.url)
        with pytest.raises(RefineryError, match="not a list of domains"):
            blocklists.load("ut1:adult", QUICK)
    assert not cache.exists() or not list(cache.iterdir())


def test_an_unreachable_source_fails_the_recipe_check_and_names_the_offline_way(tmp_path, cache, monkeypatch):
    with socket.socket() as s:                      # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("REFINERY_UT1_BASE_URL", f"http://127.0.0.1:{port}")
    recipe = tmp_path / "r.toml"
    recipe.write_text('steps = ["url"]\n[url]\ndomain_lists = ["ut1:adult"]\n')
    with pytest.raises(RefineryError, match="cannot reach.*REFINERY_UT1_BASE_URL"):
        load_recipe(recipe)


def test_a_local_folder_may_hold_a_plain_list_and_plain_files_still_work(tmp_path, cache, monkeypatch):
    (tmp_path / "adult").write_text("plain.example\n")
    (tmp_path / "mine.txt").write_text("mine.example\n")
    monkeypatch.setenv("REFINERY_UT1_BASE_URL", str(tmp_path))
    url = URLFilter(domain_lists=["ut1:adult", str(tmp_path / "mine.txt")])
    assert url.check(doc("https://plain.example/")).reason == "url:domain"
    assert url.check(doc("https://mine.example/")).reason == "url:domain"
    with pytest.raises(RefineryError, match="no UT1 category"):
        URLFilter(domain_lists=["ut1:../etc"])
    with pytest.raises(RefineryError, match="neither"):
        URLFilter(domain_lists=["ut1:gambling"])


def test_a_run_drops_the_pages_of_listed_domains(tmp_path, cache, small_crawl, monkeypatch):
    (tmp_path / "src").mkdir()
    # .test is no public suffix, so each host is its own registered domain
    write_ut1_tarball(tmp_path / "src", "adult", ["blog.site1.test", "news.site1.test"])
    monkeypatch.setenv("REFINERY_UT1_BASE_URL", str(tmp_path / "src"))
    recipe = parse_recipe('steps = ["url", "extract"]\n[url]\ndomain_lists = ["ut1:adult"]\n')
    run = run_dataset([str(w) for w in small_crawl], str(tmp_path / "run"), recipe, workers=2)
    ledger = pl.read_parquet(run.ledger_glob).filter(pl.col("stage") == "url")
    dropped = ledger.filter(~pl.col("kept"))
    assert sorted(dropped["url"]) == sorted(u for u in ledger["url"] if ".site1.test/" in u)
    assert set(dropped["reason"]) == {"url:domain"} and dropped.height == 3
    assert not any(".site1.test/" in u for u in pl.read_parquet(run.final_glob)["url"])
