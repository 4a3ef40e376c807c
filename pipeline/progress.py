"""Live progress from worker processes: shared counters the executor polls for its progress bar.

Workers call `advance(...)` as they go; where no counters were installed (a unit test, a Ray
worker) it does nothing. Counting is cheap enough to do per record.
"""
from __future__ import annotations

_counters = None  # (bytes_read, docs_written) as multiprocessing.Value, set per worker process


def install(counters) -> None:
    global _counters
    _counters = counters


def advance(bytes_read: int = 0, docs_written: int = 0) -> None:
    if _counters is None:
        return
    if bytes_read:
        with _counters[0].get_lock():
            _counters[0].value += bytes_read
    if docs_written:
        with _counters[1].get_lock():
            _counters[1].value += docs_written
