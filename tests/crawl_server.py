"""A Common Crawl mirror on 127.0.0.1, for the tests and bench/fetch.py: it serves a crawl tree
(`crawl-data/<crawl>/segments/.../warc/*.warc.gz`), the crawl's `warc.paths.gz` and a CDX index
endpoint (`/<crawl>-index`, paginated like Common Crawl's), honours Range requests, and
misbehaves on demand: 503 with Retry-After, 429, connections reset or closed midway through the
body, stalls. Faults are drawn from a seeded generator, so a test sees the same storm each run.
"""
from __future__ import annotations

import gzip
import http.server
import json
import random
import re
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders

from pipeline.read import _VerbatimURILoader

SEGMENT = "1715971057216.39"


@dataclass
class Faults:
    throttle: float = 0.0        # fraction of requests answered 503 + Retry-After, or 429 (alternately)
    cut: float = 0.0             # fraction cut midway through the body: reset, or closed (alternately)
    stall: float = 0.0           # fraction that stop sending midway and hang for `stall_seconds`
    retry_after: str = "0"
    stall_seconds: float = 3.0
    cut_for_good: set = field(default_factory=set)   # file names never served past their middle byte
    throttle_first: int = 0      # the first N requests are throttled (the first with a 503 + Retry-After)
    seed: int = 0


class CrawlServer:
    def __init__(self, warcs: list[Path], crawl: str = "CC-MAIN-2024-22", faults: Faults | None = None,
                 page_size: int = 50):
        self.crawl = crawl
        self.faults = faults or Faults()
        self.page_size = page_size
        self.files = {f"crawl-data/{crawl}/segments/{SEGMENT}/warc/{Path(w).name}": Path(w) for w in sorted(warcs)}
        paths = "".join(p + "\n" for p in self.files).encode()
        self.documents = {f"crawl-data/{crawl}/warc.paths.gz": gzip.compress(paths, mtime=0)}
        self.index = [row for rel, path in self.files.items() for row in _index(rel, path)]
        self.log: list[tuple[float, str, str, str]] = []     # (time, path, Range header, what happened)
        self._random = random.Random(self.faults.seed)
        self._lock = threading.Lock()
        self._served = 0
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.index_url = self.url

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    @property
    def paths(self) -> list[str]:
        return list(self.files)

    def _fault(self, path: str) -> str:
        with self._lock:
            if self.faults.throttle_first > 0:
                self.faults.throttle_first -= 1
                return "throttle"
            draw = self._random.random()
        f = self.faults
        for name, share in (("throttle", f.throttle), ("cut", f.cut), ("stall", f.stall)):
            if draw < share:
                return name
            draw -= share
        return ""

    def requests_for(self, name: str) -> list[tuple[float, str, str, str]]:
        return [entry for entry in self.log if entry[1].endswith(name)]

    def cdx(self, query: dict) -> tuple[int, bytes]:
        pattern = query["url"][0]
        rows = [row for row in self.index if _matches(pattern, row["url"])]
        pages = -(-len(rows) // self.page_size)
        if query.get("showNumPages", [""])[0] == "true":
            return 200, json.dumps({"pages": pages, "pageSize": self.page_size, "blocks": pages}).encode()
        page = int(query.get("page", ["0"])[0])
        rows = rows[page * self.page_size:(page + 1) * self.page_size]
        if "limit" in query:
            rows = rows[:int(query["limit"][0])]
        if not rows:
            return 404, json.dumps({"message": f"No Captures found for: {pattern}"}).encode()
        return 200, "".join(json.dumps(r) + "\n" for r in rows).encode()

    def _handler(self):
        mirror = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                parts = urlsplit(self.path)
                path = parts.path.lstrip("/")
                fault = "cut for good" if Path(path).name in mirror.faults.cut_for_good else mirror._fault(path)
                with mirror._lock:
                    mirror.log.append((time.monotonic(), path, self.headers.get("Range", ""), fault))
                if fault == "throttle":
                    with mirror._lock:
                        mirror._served += 1
                        slow_down = mirror._served % 2
                    self.send_response(503 if slow_down else 429)
                    if slow_down:
                        self.send_header("Retry-After", mirror.faults.retry_after)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                status, data = 200, None
                if path == f"{mirror.crawl}-index":
                    status, data = mirror.cdx(parse_qs(parts.query))
                elif path in mirror.documents:
                    data = mirror.documents[path]
                elif path in mirror.files:
                    data = mirror.files[path].read_bytes()
                else:
                    status, data = 404, b"not found"
                first, last = 0, len(data) - 1
                wanted = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
                if wanted and status == 200:
                    first = int(wanted.group(1))
                    last = min(int(wanted.group(2)), last) if wanted.group(2) else last
                    if first >= len(data):
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{len(data)}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    status = 206
                body = data[first:last + 1]
                if fault == "cut for good":
                    body = data[first:max(first, min(last + 1, len(data) // 2))]
                self.send_response(status)
                self.send_header("Content-Length", str(last + 1 - first))
                if status == 206:
                    self.send_header("Content-Range", f"bytes {first}-{last}/{len(data)}")
                self.end_headers()
                if fault == "cut for good":
                    self.wfile.write(body)
                    self._drop(reset=True)
                    return
                if fault in ("cut", "stall") and len(body) > 1:
                    self.wfile.write(body[:len(body) // 2])
                    self.wfile.flush()
                    if fault == "stall":
                        time.sleep(mirror.faults.stall_seconds)
                    self._drop(reset=fault == "cut" and len(mirror.log) % 2 == 0)
                    return
                self.wfile.write(body)

            def _drop(self, reset: bool):
                """End the connection midway: a TCP reset, or a clean close (a short body)."""
                self.close_connection = True
                if reset:
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()
                else:
                    self.connection.shutdown(socket.SHUT_WR)

            def finish(self):
                try:
                    super().finish()
                except OSError:
                    pass

        return Handler


def _index(rel: str, path: Path) -> list[dict]:
    """Index lines for the response records of one WARC file (as far as it parses: a test may
    serve a corrupt file on purpose)."""
    rows = []
    with open(path, "rb") as fh:
        records = ArchiveIterator(fh)
        records.loader = _VerbatimURILoader()     # warcio would warn about every URI with a space
        try:
            for record in records:
                if record.rec_type != "response":
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI").strip("<>")
                http_headers = record.http_headers or StatusAndHeaders("-", [])
                row = {"urlkey": _surt(url), "timestamp": re.sub(r"\D", "", record.rec_headers.get_header("WARC-Date"))[:14],
                       "url": url, "mime": (http_headers.get_header("Content-Type") or "").split(";")[0],
                       "status": http_headers.get_statuscode(),
                       "digest": record.rec_headers.get_header("WARC-Payload-Digest") or "", "filename": rel}
                records.read_to_end(record)
                rows.append(row | {"offset": str(records.get_record_offset()),
                                   "length": str(records.get_record_length())})
        except Exception:
            pass
    return rows


def _surt(url: str) -> str:
    parts = urlsplit(url)
    host = ",".join(reversed((parts.hostname or "").removeprefix("www.").split(".")))
    return f"{host}){parts.path or '/'}"


def _matches(pattern: str, url: str) -> bool:
    parts = urlsplit(url if "://" in url else f"http://{url}")
    host = (parts.hostname or "").lower()
    if pattern.startswith("*."):
        domain = pattern[2:].lower()
        return host == domain or host.endswith("." + domain)
    bare = url.split("://", 1)[-1]
    if pattern.endswith("*"):
        return bare.startswith(pattern[:-1].split("://", 1)[-1])
    return bare.rstrip("/") == pattern.split("://", 1)[-1].rstrip("/")
