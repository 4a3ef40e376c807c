"""The local executor: a process pool over shards, with a live progress bar.

Workers are started with `spawn`, not `fork`: Polars, pyarrow and trafilatura start threads,
and forking a process with threads can deadlock. Each worker gets shared counters (bytes read,
documents written, network retries) that the tasks advance as they go; the parent polls them
for the bar.
"""
from __future__ import annotations

import multiprocessing as mp
import time
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait

import psutil
from tqdm import tqdm

from .. import progress
from ..errors import SourceError

POLL_SECONDS = 0.5


class LocalExecutor:
    def __init__(self, workers: int):
        self.workers = max(1, workers)

    def run(self, fn, tasks: list[dict], label: str, count: str = "docs", total: int | None = None) -> list:
        """The bar counts `count` ("bytes" read or "docs" written), out of `total` when known.
        Results come in task order. A task that raised SourceError has that error as its
        result: its shard failed and the others go on. Any other exception stops the run."""
        ctx = mp.get_context("spawn")
        counters = {name: ctx.Value("q", 0) for name in progress.COUNTERS}
        shown = counters["bytes_read" if count == "bytes" else "docs_written"]
        bar = tqdm(total=total, desc=label, unit="B" if count == "bytes" else " docs",
                   unit_scale=count == "bytes", dynamic_ncols=True, mininterval=POLL_SECONDS)
        started = time.monotonic()
        pool = ProcessPoolExecutor(min(self.workers, len(tasks)) or 1, mp_context=ctx, initializer=progress.install,
                                   initargs=(tuple(counters[name] for name in progress.COUNTERS),))
        results: list = [None] * len(tasks)
        failed = 0
        try:
            futures = {pool.submit(fn, **kwargs): i for i, kwargs in enumerate(tasks)}
            pending = set(futures)
            while pending:
                done, pending = wait(pending, timeout=POLL_SECONDS, return_when=FIRST_EXCEPTION)
                for future in done:
                    try:
                        results[futures[future]] = future.result()   # any other failure stops the run here
                    except SourceError as e:
                        results[futures[future]] = e
                        failed += 1
                bar.update(shown.value - bar.n)
                docs = counters["docs_written"].value
                rate = docs / max(time.monotonic() - started, 1e-9)
                retries = counters["retries"].value
                bar.set_postfix_str(f"shards {len(futures) - len(pending)}/{len(futures)}"
                                    + (f", failed {failed}" if failed else "")
                                    + (f", retries {retries:,}" if retries else "")
                                    + f", docs out {docs:,} ({rate:,.1f}/s)", refresh=False)
        except BaseException:
            _stop(pool)
            raise
        finally:
            bar.close()
        pool.shutdown()
        return results


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop now: cancel what has not started and kill the workers (and their children, such as
    extraction watchdogs) that are still running tasks, whose outputs would be discarded anyway.
    shutdown() alone would wait for every running task to finish. (`_processes` is the pool's
    own table of its workers; there is no public way to reach them before Python 3.14.)"""
    workers = list((pool._processes or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for worker in workers:
        try:
            for child in psutil.Process(worker.pid).children(recursive=True):
                child.kill()
        except psutil.Error:
            pass
        worker.kill()
