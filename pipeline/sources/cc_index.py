"""`cc-index:CRAWL?url=PATTERN`: the captures Common Crawl's URL index finds, fetched by byte range.

The index server (pywb's CDX API at `<index>/<crawl>-index`) answers a URL pattern
(`*.example.org`: a domain and its subdomains; `example.org/docs/*`: a prefix) with one JSON
line per capture, naming the WARC file that holds it, its byte offset and its length. Results
come in pages (`showNumPages=true` says how many): one page is one shard. Other CDX parameters
(`filter=status:200`, ...) pass through to the server.

Each record of a Common Crawl WARC is a gzip member of its own, so records fetched by range and
laid end to end form a valid .warc.gz: the reader reads them as one file and `refinery fetch`
saves them as one. A shard's records come from many WARC files; `RecordStream.locate` maps a
position back to the file and offset the record came from, so the ledger points at the crawl.
"""
from __future__ import annotations

import bisect
import io
import json
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qsl, urlencode

from ..errors import RefineryError, SourceError
from .commoncrawl import check_crawl_id, data_base, fetch_listing, index_base, safe_relative_path
from .remote import HTTPStatus, RemoteFile, fetch_bytes
from .retry import RetryPolicy
from .throttle import HostLimits

PREFIX = "cc-index:"
RECORDS_AHEAD = 8       # records fetched concurrently, in order, ahead of the reader


def parse(spec: str) -> tuple[str, list[tuple[str, str]]]:
    """`cc-index:CRAWL?url=PATTERN&...` -> (crawl, CDX parameters)."""
    crawl, _, query = spec.removeprefix(PREFIX).partition("?")
    params = parse_qsl(query, keep_blank_values=True)
    if not any(k == "url" for k, _ in params):
        raise RefineryError(f"{spec!r}: give a URL pattern, e.g. cc-index:CC-MAIN-2024-22?url=*.example.org")
    return check_crawl_id(crawl), params


def query_url(crawl: str, params: list[tuple[str, str]], index: str | None = None) -> str:
    return f"{index_base(index)}/{crawl}-index?{urlencode(params)}"


def page_count(crawl: str, params: list, policy: RetryPolicy | None = None, index: str | None = None) -> int:
    url = query_url(crawl, params + [("showNumPages", "true")], index)
    answer = json.loads(fetch_listing(url, policy))
    return int(answer["pages"] if isinstance(answer, dict) else answer)


def page_rows(crawl: str, params: list, page: int, policy: RetryPolicy | None = None,
              index: str | None = None) -> list[dict]:
    """One page of index lines; the server's 404 means "no captures" there."""
    params = [(k, v) for k, v in params if k not in ("page", "output")] + [("output", "json"), ("page", str(page))]
    try:
        text = fetch_bytes(query_url(crawl, params, index), policy).decode("utf-8")
    except HTTPStatus as e:
        if e.status == 404:
            return []
        raise
    limit = dict(params).get("limit")
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    return rows[:int(limit)] if limit else rows


def shard_sources(spec: str, limit: int | None = None, policy: RetryPolicy | None = None,
                  index: str | None = None) -> list[tuple[str, list[dict] | None]]:
    """The shards of a query: one source string per index page, `&page=K`, and with `limit` only
    the pages needed, the last one cut with `&limit=M`. Returns (source, rows when already fetched)."""
    crawl, params = parse(spec)
    params = [(k, v) for k, v in params if k not in ("page", "limit", "output", "showNumPages")]
    pages = page_count(crawl, params, policy, index)
    shards = []
    left = limit
    for page in range(pages):
        extra = [("page", str(page))]
        rows = None
        if left is not None:
            rows = page_rows(crawl, params, page, policy, index)
            if len(rows) > left:
                rows = rows[:left]
                extra.append(("limit", str(left)))
            left -= len(rows)
        if rows != []:
            shards.append((f"{PREFIX}{crawl}?{urlencode(params + extra)}", rows))
        if left == 0:
            break
    if not shards:
        raise RefineryError(f"the index of {crawl} has no captures for {dict(params)['url']!r} "
                            f"({query_url(crawl, params, index)})")
    return shards


def rows_of(source: str, policy: RetryPolicy | None = None, index: str | None = None) -> list[dict]:
    crawl, params = parse(source)
    page = int(dict(params).get("page", 0))
    return page_rows(crawl, params, page, policy, index)


class RecordStream(io.RawIOBase):
    """The records of `rows`, fetched by byte range, as one stream of concatenated gzip members."""

    def __init__(self, rows: list[dict], policy: RetryPolicy | None = None, base: str | None = None,
                 ahead: int = RECORDS_AHEAD, limits: HostLimits | None = None, on_retry=None, start: int = 0):
        super().__init__()
        self.rows, self.policy, self.base = rows, policy, data_base(base)
        self.limits, self.on_retry = limits, on_retry
        self.starts = [0]
        for row in rows:
            self.starts.append(self.starts[-1] + int(row["length"]))
        self.size = self.starts[-1]
        self.pos = min(start, self.size)
        self._pool = ThreadPoolExecutor(max(1, ahead), thread_name_prefix="cc-record")
        self._ahead = max(1, ahead)
        self._pending: deque = deque()
        # Starting inside the stream: from the record that holds `start`, minus its first bytes.
        self._submitted = max(0, bisect.bisect_right(self.starts, self.pos) - 1)
        self._skip = self.pos - self.starts[self._submitted]
        self._record = b""
        self._at = 0

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def readinto(self, buffer) -> int:
        while self._at >= len(self._record):
            while self._submitted < len(self.rows) and len(self._pending) < self._ahead:
                self._pending.append(self._pool.submit(self._fetch, self.rows[self._submitted]))
                self._submitted += 1
            if not self._pending:
                return 0
            self._record, self._at = self._pending.popleft().result(), self._skip
            self._skip = 0
        n = min(len(buffer), len(self._record) - self._at)
        buffer[:n] = self._record[self._at:self._at + n]
        self._at += n
        self.pos += n
        return n

    def _fetch(self, row: dict) -> bytes:
        start, length = int(row["offset"]), int(row["length"])
        url = f"{self.base}/{safe_relative_path(row['filename'], 'the URL index')}"
        with RemoteFile(url, self.policy, start, start + length, self.limits, self.on_retry) as f:
            data = f.read()
        if len(data) != length:
            raise SourceError(f"{url}: the index says {length:,} bytes at {start:,}, the file has {len(data):,}")
        return data

    def locate(self, pos: int) -> tuple[str, int]:
        """The WARC file (its name) and offset in it of the byte at `pos` of this stream."""
        i = max(0, bisect.bisect_right(self.starts, pos) - 1)
        row = self.rows[min(i, len(self.rows) - 1)]
        return row["filename"].rsplit("/", 1)[-1], int(row["offset"]) + pos - self.starts[i]

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        super().close()
