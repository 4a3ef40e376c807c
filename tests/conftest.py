"""Shared fixtures. Real web data comes from ../shared (never copied into the repo); tests that
need it skip with a message saying so where it is absent."""
from __future__ import annotations

import io
import os
import secrets
import subprocess
import sys
from pathlib import Path

# Ray reads its authentication settings when it is first imported, so they are set here, before
# any test imports it: one token for the test clusters' nodes and the drivers that join them.
os.environ.setdefault("RAY_AUTH_MODE", "token")
os.environ.setdefault("RAY_AUTH_TOKEN", secrets.token_hex(32))
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

REPO = Path(__file__).resolve().parents[1]

# The pipeline's mechanics (ledger, shards, resume, determinism) are tested under this recipe:
# the bundled ones run quality filters that the tests' small synthetic pages would not pass.
MECHANICS_RECIPE = """
name = "mechanics"
steps = ["extract", "language"]

[language]
languages = ["en", "fr"]
min_score = 0.65
"""
SHARED = REPO.parent / "shared"
SHARED_DATA = SHARED / "data"


def write_ut1_tarball(folder: Path, category: str, domains: list[str]) -> Path:
    """A tarball shaped as UT1 publishes a category: <category>/domains, one domain a line."""
    import tarfile

    data = "".join(d + "\n" for d in domains).encode()
    path = folder / f"{category}.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        member = tarfile.TarInfo(f"{category}/domains")
        member.size = len(data)
        tar.addfile(member, io.BytesIO(data))
    return path


UT1_TEST_DOMAINS = ["ut1-listed.test", "adult.example"]


@pytest.fixture(scope="session", autouse=True)
def offline_ut1_list(tmp_path_factory):
    """The bundled FineWeb recipes block UT1's adult list (`ut1:adult`), which is downloaded on
    first use; the tests run offline, so every test (and every command they start) gets a small
    list from a local folder instead, cached in a folder of the session's."""
    folder = tmp_path_factory.mktemp("ut1")
    write_ut1_tarball(folder, "adult", UT1_TEST_DOMAINS)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REFINERY_UT1_BASE_URL", str(folder))
        patch.setenv("REFINERY_CACHE", str(tmp_path_factory.mktemp("cache")))
        yield folder


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the shared real web data is absent ({SHARED_DATA}); clone the repo beside shared/")
    return SHARED_DATA


@pytest.fixture(scope="session")
def corpus(tmp_path_factory, shared_data) -> Path:
    """A Common-Crawl-shaped corpus of real pages, with truth.jsonl, built by shared/tools/make_corpus.py."""
    out = tmp_path_factory.mktemp("corpus")
    subprocess.run([sys.executable, str(SHARED / "tools" / "make_corpus.py"), str(out), "--seed", "7"],
                   check=True, capture_output=True)
    return out


def write_warc(path: Path, captures: list[dict]) -> Path:
    """Write a small gzipped WARC: per capture a request and a response record.
    A capture: url, body (bytes), and optionally status, content_type, record_id."""
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for c in captures:
            headers = StatusAndHeaders(c.get("status", "200 OK"),
                                       [("Content-Type", c.get("content_type", "text/html; charset=utf-8"))],
                                       protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(c["url"], "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")))
            extra = {"WARC-Record-ID": c["record_id"]} if "record_id" in c else {}
            writer.write_record(writer.create_warc_record(c["url"], "response", payload=io.BytesIO(c["body"]),
                                                          http_headers=headers, warc_headers_dict=extra))
    return path


def article(topic: str, n: int = 12) -> bytes:
    """An English page with boilerplate around an article that passes language identification."""
    para = (f"The committee met on Tuesday to discuss the future of {topic} in the region. "
            f"Members agreed that the plan needs more work before it can be put to a vote, and "
            f"they asked the staff to prepare a report on the costs and the benefits of each option. ")
    body = "".join(f"<p>{para} Paragraph {i} adds a detail about {topic}.</p>" for i in range(n))
    return (f"<html><head><title>{topic}</title></head><body><nav><a href='/'>Home</a> <a href='/x'>News</a></nav>"
            f"<article><h1>News about {topic}</h1>{body}</article><footer>Privacy policy</footer></body></html>").encode()


TOPICS = ["rivers", "mountains", "bridges", "forests", "harbours", "railways", "libraries", "markets",
          "orchards", "glaciers", "lighthouses", "vineyards"]


@pytest.fixture(scope="session")
def small_crawl(tmp_path_factory) -> list[Path]:
    """Four small WARC files of English article pages (three captures each, over two hosts)."""
    folder = tmp_path_factory.mktemp("small_crawl")
    return [write_warc(folder / f"CC-TEST-{i:05d}.warc.gz",
                       [{"url": f"https://{'news' if j % 2 else 'blog'}.site{i}.test/{topic}", "body": article(topic)}
                        for j, topic in enumerate(TOPICS[3 * i:3 * i + 3])])
            for i in range(4)]


def modules_loaded(code: str, modules: tuple[str, ...]) -> list[str]:
    """Which of `modules` a fresh interpreter has loaded after running `code` (the checks that a
    process imports no more than it needs)."""
    probe = f"import sys\n{code}\nprint(' '.join(sorted(m for m in {modules!r} if m in sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    return loaded.stdout.split()


def dataset_command(*args) -> list[str]:
    return [sys.executable, "-m", "pipeline.cli", "dataset", *args]


@pytest.fixture(scope="session")
def dedup_recipe(tmp_path_factory) -> Path:
    """The mechanics recipe for every language, with dedup: a global step between the phases."""
    path = tmp_path_factory.mktemp("recipe") / "recipe.toml"
    path.write_text(MECHANICS_RECIPE.replace('["extract", "language"]', '["extract", "language", "dedup"]')
                    .replace('languages = ["en", "fr"]', "languages = []"))
    return path


@pytest.fixture(scope="session")
def uninterrupted(tmp_path_factory, corpus, dedup_recipe) -> Path:
    """The corpus through `dedup_recipe` with the local executor, once: what other runs must equal."""
    whole = tmp_path_factory.mktemp("whole") / "run"
    subprocess.run(dataset_command("--input", str(corpus / "*.warc.gz"), "--out", str(whole), "--recipe",
                                   str(dedup_recipe), "--workers", "1"), cwd=REPO, check=True, capture_output=True)
    return whole


@pytest.fixture
def moto_s3(monkeypatch):
    """An S3-compatible server on 127.0.0.1 (moto), with the environment pointing at it; yields a
    boto3 client for setting up buckets."""
    boto3 = pytest.importorskip("boto3", reason="the [s3] extra is not installed")
    s3fs = pytest.importorskip("s3fs", reason="the [s3] extra is not installed")
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://{host}:{port}")
    for key, value in (("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test"),
                       ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch.setenv(key, value)
    s3fs.S3FileSystem.clear_instance_cache()      # an earlier test's filesystem knows another endpoint
    yield boto3.client("s3")
    s3fs.S3FileSystem.clear_instance_cache()
    server.stop()


@pytest.fixture(scope="session")
def ray_cluster():
    """A real two-node Ray cluster on 127.0.0.1 for the session (tests/ray_cluster.py)."""
    pytest.importorskip("ray", reason="the ray extra is not installed")
    from tests.ray_cluster import RayCluster

    with RayCluster() as cluster:
        yield cluster
