"""`cc:CRAWL`: the WARC files of a Common Crawl crawl, listed by its `warc.paths.gz`.

Every crawl publishes `crawl-data/<crawl>/warc.paths.gz`: one relative path per WARC file
(about 90,000 of them, sorted). The data lives under a base that is HTTPS by default and can
be a mirror (`REFINERY_CC_BASE_URL`) or the S3 bucket (`s3://commoncrawl`, through the [s3] extra).
"""
from __future__ import annotations

import gzip
import os
import random
import re
import zlib

from ..errors import RefineryError, SourceError
from .remote import HTTPStatus, fetch_bytes
from .retry import RetryPolicy, as_run_error

DEFAULT_BASE = "https://data.commoncrawl.org"
DEFAULT_INDEX = "https://index.commoncrawl.org"
CRAWL_ID = re.compile(r"CC-MAIN-\d{4}-\d{2}")


def data_base(override: str | None = None) -> str:
    return (override or os.environ.get("REFINERY_CC_BASE_URL") or DEFAULT_BASE).rstrip("/")


def index_base(override: str | None = None) -> str:
    return (override or os.environ.get("REFINERY_CC_INDEX_URL") or DEFAULT_INDEX).rstrip("/")


def check_crawl_id(crawl: str) -> str:
    if not CRAWL_ID.fullmatch(crawl):
        raise RefineryError(f"{crawl!r} is not a Common Crawl crawl id (they look like CC-MAIN-2024-22; "
                            f"https://commoncrawl.org/overview lists them)")
    return crawl


def warc_paths(crawl: str, base: str, policy: RetryPolicy | None = None) -> list[str]:
    """The crawl's WARC files, as paths relative to the base, in the crawl's own order."""
    url = f"{base}/crawl-data/{check_crawl_id(crawl)}/warc.paths.gz"
    data = fetch_listing(url, policy)
    try:
        text = gzip.decompress(data).decode("utf-8")
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as e:
        raise RefineryError(f"{url} is not a gzipped list of paths: {e}") from None
    return [safe_relative_path(line.strip(), url) for line in text.splitlines() if line.strip()]


_SAFE_PATH = re.compile(r"[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*")


def safe_relative_path(path: str, origin: str) -> str:
    """A path from a listing or an index, which becomes a file under the user's --out and a
    URL under the base: relative, plain characters, no `..`. Anything else is refused."""
    if not _SAFE_PATH.fullmatch(path) or ".." in path.split("/"):
        raise RefineryError(f"{origin} lists {path[:200]!r}, which is not a plain relative path; refusing it")
    return path


def fetch_listing(url: str, policy: RetryPolicy | None = None) -> bytes:
    """A listing the whole run depends on: failing to get it is the run's error (exit 2), and
    when the host cannot be reached the message says what to do offline."""
    try:
        return fetch_bytes(url, policy)
    except HTTPStatus as e:
        raise RefineryError(f"{e} (is the crawl id right, and the base URL a Common Crawl mirror?)") from None
    except SourceError as e:
        raise as_run_error(e) from None


def choose(items: list, limit: int | None, sample_seed: int | None) -> list:
    """The first `limit` items, or with a seed a reproducible random `limit` of them (kept in
    their original order)."""
    if limit is not None and limit < 1:
        raise RefineryError("--limit must be at least 1")
    if sample_seed is None:
        return items[:limit] if limit else list(items)
    if limit is None:
        raise RefineryError("--sample-seed needs --limit: how many to sample")
    picked = set(random.Random(sample_seed).sample(range(len(items)), min(limit, len(items))))
    return [item for i, item in enumerate(items) if i in picked]


def warc_urls(crawl: str, limit: int | None = None, sample_seed: int | None = None,
              policy: RetryPolicy | None = None, base: str | None = None) -> list[str]:
    base = data_base(base)
    return [f"{base}/{path}" for path in choose(warc_paths(crawl, base, policy), limit, sample_seed)]
