"""Remote reads against a real faulty server on 127.0.0.1: retries, resume at the byte, give-up
rules, Retry-After, and the adaptive per-host limit."""
import threading
import time

import pytest

from pipeline.errors import SourceError
from pipeline.sources.remote import HTTPStatus, RemoteFile, fetch_bytes
from pipeline.sources.retry import Attempts, GaveUp, RetryPolicy, Transient, parse_retry_after
from pipeline.sources.throttle import AdaptiveLimit, HostLimits
from tests.crawl_server import CrawlServer, Faults

FAST = RetryPolicy(backoff=0.01, max_backoff=0.05, stall_timeout=0.5)


def test_a_file_read_through_throttling_cuts_and_stalls_is_byte_identical(small_crawl):
    faults = Faults(throttle=0.25, cut=0.25, stall=0.1, stall_seconds=2, seed=3)
    with CrawlServer(small_crawl, faults=faults) as server:
        for path, local in server.files.items():
            retries = []
            with RemoteFile(f"{server.url}/{path}", FAST, on_retry=retries.append) as remote:
                chunks = iter(lambda: remote.read(777), b"")   # small reads: many resumes mid-stream
                assert b"".join(chunks) == local.read_bytes()
            assert remote.end == local.stat().st_size
        outcomes = [entry[3] for entry in server.log]
        assert {"throttle", "cut", "stall"} <= set(outcomes)
        # every reopening after a cut asked for the byte where the transfer stopped
        assert any(entry[2].startswith("bytes=") and entry[2] != "bytes=0-" for entry in server.log)


def test_a_byte_range_is_exactly_those_bytes(small_crawl):
    with CrawlServer(small_crawl, faults=Faults(cut=0.5, seed=1)) as server:
        path, local = next(iter(server.files.items()))
        with RemoteFile(f"{server.url}/{path}", FAST, start=100, end=1100) as remote:
            assert remote.read() == local.read_bytes()[100:1100]


def test_retry_after_is_honoured(small_crawl):
    with CrawlServer(small_crawl, faults=Faults(throttle_first=1, retry_after="1")) as server:
        path = server.paths[0]
        assert fetch_bytes(f"{server.url}/{path}", FAST) == server.files[path].read_bytes()
        (t0, *_, first), (t1, *_) = server.log[:2]
        assert first == "throttle" and t1 - t0 >= 0.95


def test_a_source_that_never_answers_gives_up_after_the_retries_without_progress(small_crawl):
    with CrawlServer(small_crawl, faults=Faults(throttle=1.0)) as server:
        with pytest.raises(GaveUp, match="gave up after 4 failed attempts") as failure:
            fetch_bytes(f"{server.url}/{server.paths[0]}", RetryPolicy(attempts=4, backoff=0.01))
        assert not failure.value.unreachable
        assert len(server.log) == 4


def test_a_transfer_that_keeps_moving_is_never_abandoned(small_crawl):
    # every response is cut halfway: far more failures than `attempts`, but each one made progress
    with CrawlServer(small_crawl, faults=Faults(cut=1.0)) as server:
        path, local = next(iter(server.files.items()))
        data = fetch_bytes(f"{server.url}/{path}", RetryPolicy(attempts=3, backoff=0.001, max_backoff=0.001))
        assert data == local.read_bytes()
        assert len(server.log) > 3


def test_missing_files_fail_at_once_and_unreachable_hosts_quickly(small_crawl):
    with CrawlServer(small_crawl) as server:
        with pytest.raises(HTTPStatus, match="404") as missing:
            fetch_bytes(f"{server.url}/crawl-data/nothing.warc.gz", FAST)
        assert missing.value.status == 404 and len(server.log) == 1
    started = time.monotonic()
    with pytest.raises(GaveUp, match="cannot reach") as offline:
        fetch_bytes("http://127.0.0.1:9/x.warc.gz", RetryPolicy(backoff=0.01))   # nothing listens on port 9
    assert offline.value.unreachable and isinstance(offline.value, SourceError)
    assert time.monotonic() - started < 5


def test_retry_after_parses_seconds_and_http_dates():
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    in_a_minute = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 60))
    assert 55 <= parse_retry_after(in_a_minute) <= 61


def test_backoff_doubles_with_jitter_and_honours_retry_after_up_to_a_cap():
    attempts = Attempts(RetryPolicy(backoff=1.0, max_backoff=8.0, max_retry_after=30.0), "x")
    waits = []
    for failures in range(1, 6):
        attempts.failures = failures
        waits.append(attempts.delay())
    for failures, wait in enumerate(waits, 1):
        ceiling = min(8.0, 2 ** (failures - 1))
        assert ceiling / 2 <= wait <= ceiling
    attempts.failures = 1
    assert attempts.delay(retry_after=20.0) == 20.0
    assert attempts.delay(retry_after=1e6) == 30.0


def test_the_limit_halves_once_per_burst_and_grows_back_one_at_a_time():
    limit = AdaptiveLimit(8)
    tokens = [limit.acquire() for _ in range(8)]
    for token in tokens:                       # the whole burst throttled at once: one halving
        limit.throttled(token)
        limit.release()
    assert limit.limit == 4
    limit.throttled(limit.acquire())           # sent under the new limit: halves again
    limit.release()
    assert limit.limit == 2
    for _ in range(2):
        limit.succeeded()
    assert limit.limit == 3                    # +1 after `limit` successes in a row
    for _ in range(3 + 4 + 5 + 6 + 7):
        limit.succeeded()
    assert limit.limit == 8                    # and never above the ceiling


def test_the_limit_blocks_beyond_its_slots():
    limit = AdaptiveLimit(2)
    limit.acquire(), limit.acquire()
    got = threading.Event()
    threading.Thread(target=lambda: (limit.acquire(), got.set()), daemon=True).start()
    assert not got.wait(0.2)
    limit.release()
    assert got.wait(2)
    assert HostLimits(3).for_url("http://a.test/x") is not HostLimits(3).for_url("http://b.test/x")


def test_a_throttling_host_gets_fewer_connections(small_crawl):
    with CrawlServer(small_crawl, faults=Faults(throttle=0.5, seed=2)) as server:
        limits = HostLimits(4)
        for path in server.paths:
            fetch = RemoteFile(f"{server.url}/{path}", FAST, limits=limits)
            fetch.read()
            fetch.close()
        assert limits.for_url(server.url).limit < 4
        assert limits.for_url(server.url).active == 0     # every slot given back


def test_transient_errors_say_whether_the_server_asked_to_slow_down():
    assert Transient("HTTP 503", 2.0, throttled=True).throttled
    assert not Transient("reset").throttled
