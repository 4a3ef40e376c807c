"""Live progress from worker processes: shared counters the executor polls for its progress bar.

Workers call `advance(...)` as they go; where no counters were installed (a unit test, a Ray
worker) it does nothing. Counting is cheap enough to do per record.
"""
from __future__ import annotations

import time

COUNTERS = ("bytes_read", "docs_written", "retries")
_counters = None  # one multiprocessing.Value per name in COUNTERS, set per worker process


def docs_out(docs: int, started: float) -> str:
    """The bar's note of documents written and their rate since `started` (time.monotonic())."""
    return f"docs out {docs:,} ({docs / max(time.monotonic() - started, 1e-9):,.1f}/s)"


def install(counters) -> None:
    global _counters
    _counters = counters


def advance(**amounts: int) -> None:
    if _counters is None:
        return
    for name, amount in amounts.items():
        if amount:
            counter = _counters[COUNTERS.index(name)]
            with counter.get_lock():
                counter.value += amount
