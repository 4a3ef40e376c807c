"""A remote file read front to back as one unbroken byte stream, whatever the network does.

`RemoteFile(url)` is a file object. Behind it every cut, stall, reset or throttled request is
retried (retry.py) and the transfer reopens at the byte it had reached, with an HTTP Range
request (a seek, for s3:// and other fsspec URLs). What reads it, a gzip decompressor or the
WARC parser, never sees the break: decompression simply continues. It ends only where the
file ends: at the length the server announced (Content-Length or Content-Range), or, where
none was announced and the body was not chunked, where a request for the next byte is
answered 416 (nothing there). Running out of retries raises GaveUp, a SourceError.
"""
from __future__ import annotations

import io
import re
import threading
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from ..errors import SourceError
from .retry import Attempts, RetryPolicy, Transient, Unreachable, parse_retry_after
from .throttle import HostLimits

CHUNK = 1 << 20
MAX_REDIRECTS = 5
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")
_local = threading.local()


class HTTPStatus(SourceError):
    """The server answered with a status that no retry will change (404, 403, ...)."""

    def __init__(self, url: str, status: int, reason: str):
        super().__init__(f"{url}: HTTP {status} {reason}")
        self.url, self.status, self.reason = url, status, reason

    def __reduce__(self):
        return HTTPStatus, (self.url, self.status, self.reason)


def is_http(url: str) -> bool:
    return url.startswith(("http://", "https://"))


SCHEMES = ("http", "https", "s3")


def check_scheme(url: str) -> str:
    """Inputs come from files, http(s) or s3 only: an fsspec URL can name many other things
    (a command's output, a zip member, another machine), which an input list must not reach."""
    scheme = url.split("://", 1)[0].lower()
    if scheme not in SCHEMES:
        raise SourceError(f"{url[:200]}: inputs are local paths, http(s):// or s3:// URLs, not {scheme}://")
    return url


class RemoteFile(io.RawIOBase):
    """Bytes [start, end) of `url` (end: the file's end when None). `limits` caps concurrent
    connections per host (fetch shares one across its threads); `on_retry(error)` is told of
    every retry, for progress bars."""

    def __init__(self, url: str, policy: RetryPolicy | None = None, start: int = 0, end: int | None = None,
                 limits: HostLimits | None = None, on_retry=None):
        super().__init__()
        self.url = url
        self.policy = policy or RetryPolicy()
        self.pos = start
        self.end = end
        self.size: int | None = None          # the whole file's size, once a server said it
        self._transport = _Http(url, self.policy) if is_http(url) else _Fsspec(check_scheme(url))
        self._limit = limits.for_url(url) if limits else None
        self._attempts = Attempts(self.policy, url, on_retry)
        self._body = None
        self._generation: int | None = None
        self._probing = False                 # reopened only to learn whether the file ends here

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def readinto(self, buffer) -> int:
        while True:
            if self.end is not None and self.pos >= self.end:
                self._close_body()
                return 0
            try:
                if self._body is None and not self._open():
                    return 0
                want = len(buffer) if self.end is None else min(len(buffer), self.end - self.pos)
                data = self._body.read(want)
            except Transient as e:
                self._close_body()
                self._attempts.failed(e)
                continue
            if data:
                buffer[:len(data)] = data
                self.pos += len(data)
                self._probing = False
                self._attempts.progressed()
                return len(data)
            # The body ended here.
            trusted_end = self._body.complete or self._probing
            self._close_body()
            if self.end is None and trusted_end:
                self.end = self.pos
                return 0
            if self.end is None:
                self._probing = True          # no length was announced: ask for the next byte
                continue
            self._attempts.failed(Transient(f"connection closed at byte {self.pos:,} of {self.end:,}"))

    def _open(self) -> bool:
        """Open a body at self.pos; False when the server says the file ends exactly here."""
        if self._limit:
            self._generation = self._limit.acquire()
        try:
            opened = self._transport.open(self.pos, self.end)
        except Transient as e:
            if e.throttled and self._limit:
                self._limit.throttled(self._generation)
            self._release()
            raise
        except BaseException:
            self._release()
            raise
        if self._limit:
            self._limit.succeeded()
        if opened is None:
            self._release()
            self.end = self.pos
            return False
        self._body, size = opened
        if size is not None:
            self.size = size
            self.end = size if self.end is None else min(self.end, size)
        return True

    def _close_body(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None
            self._release()

    def _release(self) -> None:
        if self._limit and self._generation is not None:
            self._limit.release()
            self._generation = None

    def close(self) -> None:
        self._close_body()
        super().close()


def fetch_bytes(url: str, policy: RetryPolicy | None = None, on_retry=None) -> bytes:
    """A whole (small) remote file, under the same retry rules."""
    with RemoteFile(url, policy, on_retry=on_retry) as f:
        return f.read()


def remote_size(url: str, policy: RetryPolicy | None = None) -> int | None:
    """The size of a remote file (opening it for one byte), or None where the server does not say."""
    with RemoteFile(url, policy, end=1) as f:
        f.read(1)
        return f.size


# --- transports: open(start, end) -> (body, file size or None), or None at the end of the file ---

def _session() -> requests.Session:
    if not hasattr(_local, "session"):       # one per thread: connections are reused, never shared
        _local.session = requests.Session()
    return _local.session


class _Http:
    def __init__(self, url: str, policy: RetryPolicy):
        self.url, self.policy = url, policy

    def open(self, start: int, end: int | None):
        headers = {"Accept-Encoding": "identity"}   # the bytes as stored: ranges index them
        if start or end is not None:
            headers["Range"] = f"bytes={start}-{'' if end is None else end - 1}"
        r = self._get(headers)
        status = r.status_code
        if status == 429 or status >= 500:
            r.close()
            raise Transient(f"HTTP {status} {r.reason}", parse_retry_after(r.headers.get("Retry-After")),
                            throttled=status in (429, 503))
        if status == 416 and start > 0:
            r.close()
            total = _content_range(r.headers.get("Content-Range", ""))[2]
            if total in (None, start):
                return None
            raise SourceError(f"{self.url}: asked for byte {start:,} of a file of {total:,} bytes")
        if status not in (200, 206):
            r.close()
            raise HTTPStatus(self.url, status, r.reason)
        body = _HttpBody(r)
        if status == 206:
            first, _, total = _content_range(r.headers.get("Content-Range", ""))
            if first != start:
                body.close()
                raise Transient(f"asked for bytes from {start:,}, the server sent from {first}")
            return body, total
        size = r.headers.get("Content-Length")
        if start:                               # the server ignored the Range: skip to where we were
            body.skip(start)
        return body, int(size) if size and size.isdigit() else None

    def _get(self, headers: dict) -> requests.Response:
        """GET, following redirects by hand: one to another scheme (https to http, or to
        anything else) is refused rather than followed."""
        url = self.url
        for _ in range(MAX_REDIRECTS + 1):
            try:
                r = _session().get(url, headers=headers, stream=True, allow_redirects=False,
                                   timeout=(self.policy.connect_timeout, self.policy.stall_timeout))
            except requests.ConnectionError as e:
                if _could_not_connect(e):
                    raise Unreachable(_reason(e)) from None
                raise Transient(_reason(e)) from None
            except requests.RequestException as e:
                raise Transient(_reason(e)) from None
            if not r.is_redirect:
                return r
            r.close()
            target = urljoin(url, r.headers["Location"])
            if urlsplit(target).scheme != urlsplit(self.url).scheme:
                raise SourceError(f"{self.url}: redirected to {target[:200]}, another scheme; not followed")
            url = target
        raise SourceError(f"{self.url}: more than {MAX_REDIRECTS} redirects")


class _HttpBody:
    def __init__(self, response: requests.Response):
        self.response = response
        self.raw = response.raw
        self.complete = bool(self.raw.chunked)  # a chunked body that ends cleanly is whole

    def read(self, n: int) -> bytes:
        try:
            return self.raw.read(min(n, CHUNK), decode_content=False)
        except (urllib3.exceptions.HTTPError, requests.RequestException, OSError) as e:
            raise Transient(_reason(e)) from None

    def skip(self, n: int) -> None:
        while n > 0:
            data = self.read(n)
            if not data:
                raise Transient("the server ignored the Range request and its body ended early")
            n -= len(data)

    def close(self) -> None:
        self.response.close()


class _Fsspec:
    """s3:// and any other fsspec URL: open, seek, read; the library's errors mapped to ours."""

    def __init__(self, url: str):
        import fsspec

        self.url = url
        try:
            self.fs, self.path = fsspec.core.url_to_fs(url)
        except ImportError as e:   # s3:// without s3fs
            raise SourceError(f"cannot open {url}: {e} (for s3:// install the extra: pip install -e '.[s3]')") from None

    def open(self, start: int, end: int | None):
        try:
            f = self.fs.open(self.path, "rb")
            size = f.size
            if start and start >= size:
                f.close()
                if start == size:
                    return None
                raise SourceError(f"{self.url}: asked for byte {start:,} of a file of {size:,} bytes")
            f.seek(start)
        except (FileNotFoundError, PermissionError) as e:
            raise SourceError(f"{self.url}: {type(e).__name__}: {e}") from None
        except (SourceError, KeyboardInterrupt):
            raise
        except Exception as e:
            raise _fs_transient(e) from None
        return _FileBody(f), size


class _FileBody:
    complete = True

    def __init__(self, f):
        self.f = f

    def read(self, n: int) -> bytes:
        try:
            return self.f.read(min(n, CHUNK))
        except Exception as e:
            raise _fs_transient(e) from None

    def close(self) -> None:
        try:
            self.f.close()
        except Exception:
            pass


def _fs_transient(e: Exception) -> Transient:
    text = f"{type(e).__name__}: {e}"
    return Transient(text[:300], throttled=any(s in text for s in ("SlowDown", "503", "Throttl")))


def _content_range(value: str) -> tuple[int | None, int | None, int | None]:
    m = _CONTENT_RANGE.match(value.strip())
    if not m:
        star = re.match(r"bytes\s+\*/(\d+)", value.strip())
        return None, None, int(star.group(1)) if star else None
    first, last, total = m.groups()
    return int(first), int(last), None if total == "*" else int(total)


def _could_not_connect(e: requests.ConnectionError) -> bool:
    reason = getattr(e.args[0], "reason", None) if e.args else None
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


def _reason(e: BaseException) -> str:
    """One line for a network error (urllib3 nests the cause two or three levels deep)."""
    inner = e
    while True:
        nested = getattr(inner, "reason", None) or (inner.args[0] if inner.args and isinstance(inner.args[0], BaseException) else None)
        if not isinstance(nested, BaseException) or nested is inner:
            break
        inner = nested
    return f"{type(inner).__name__}: {inner}"[:300]
