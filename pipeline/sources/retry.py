"""Retries for everything that crosses a network: exponential backoff with jitter, the server's
Retry-After honoured, and a give-up rule that counts failures *without progress*.

Common Crawl throttles hard (503 SlowDown storms are routine) and long transfers get cut. A
transfer that keeps moving is never abandoned: the count of failures resets whenever bytes
arrive, so only a source that stays down for `attempts` tries in a row fails its shard. A host
that cannot be reached at all (refused, no DNS: usually no network) is given up on sooner.
"""
from __future__ import annotations

import email.utils
import random
import time
from dataclasses import asdict, dataclass

from ..errors import RefineryError, SourceError


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 10              # failures in a row, without a byte of progress, before giving up
    connect_attempts: int = 3       # of those, when the host cannot be reached at all
    backoff: float = 1.0            # seconds before the first retry; doubles per failure in a row
    max_backoff: float = 120.0
    max_retry_after: float = 600.0  # a server's Retry-After is honoured up to this many seconds
    stall_timeout: float = 60.0     # no byte for this long counts as a cut
    connect_timeout: float = 20.0

    def to_dict(self) -> dict:
        return asdict(self)


class Transient(Exception):
    """A failure worth retrying: throttling, a 5xx, a cut or stalled connection, a short body."""

    def __init__(self, message: str, retry_after: float | None = None, throttled: bool = False):
        super().__init__(message)
        self.retry_after = retry_after
        self.throttled = throttled      # the server asked us to slow down (429, 503)


class Unreachable(Transient):
    """The host could not be reached at all: connection refused, no route, no DNS."""


class GaveUp(SourceError):
    """Every retry of a transfer failed; `unreachable` when the host was never reached."""

    def __init__(self, message: str, unreachable: bool):
        super().__init__(message)
        self.unreachable = unreachable

    def __reduce__(self):   # it crosses process boundaries: a worker's failure goes to the parent
        return GaveUp, (str(self), self.unreachable)


class Attempts:
    """The retry state of one transfer: call `progressed()` when bytes arrive and `failed(e)`
    on a transient error, which waits before the next try or raises GaveUp."""

    def __init__(self, policy: RetryPolicy, what: str, on_retry=None):
        self.policy, self.what, self.on_retry = policy, what, on_retry
        self.failures = 0
        self.unreachable = 0

    def progressed(self) -> None:
        self.failures = self.unreachable = 0

    def failed(self, error: Transient) -> None:
        self.failures += 1
        self.unreachable = self.unreachable + 1 if isinstance(error, Unreachable) else 0
        if self.unreachable >= self.policy.connect_attempts:
            raise GaveUp(f"cannot reach {self.what}: {error}", unreachable=True)
        if self.failures >= self.policy.attempts:
            raise GaveUp(f"{self.what}: gave up after {self.failures} failed attempts in a row; "
                         f"last: {error}", unreachable=False)
        if self.on_retry:
            self.on_retry(error)
        time.sleep(self.delay(error.retry_after))

    def delay(self, retry_after: float | None = None) -> float:
        ceiling = min(self.policy.max_backoff, self.policy.backoff * 2 ** (self.failures - 1))
        wait = random.uniform(ceiling / 2, ceiling)   # jitter: throttled clients must not retry in step
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.policy.max_retry_after))
        return wait


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After is either seconds or an HTTP date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def as_run_error(error: SourceError) -> RefineryError:
    """A failure of something the whole run depends on (a listing, the first file of a host):
    the run's own error, exit 2, with advice when the host could not be reached at all."""
    if isinstance(error, GaveUp) and error.unreachable:
        return RefineryError(f"{error}. No network? Give local WARC files with --input PATH, or a "
                             f"reachable mirror with REFINERY_CC_BASE_URL (or --base-url)")
    return RefineryError(str(error))
