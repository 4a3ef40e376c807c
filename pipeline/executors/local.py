"""The local executor: a process pool over shards, with a live progress bar.

Workers are started with `spawn`, not `fork`: Polars, pyarrow and trafilatura start threads,
and forking a process with threads can deadlock. Each worker gets shared counters (bytes read,
documents written, network retries) that the tasks advance as they go; the parent polls them
for the bar.

A worker that dies (killed, out of memory) breaks the whole pool: the shards it and its
siblings were running are retried in a new pool, up to `retries` times each (a sibling's death
counts against a shard too: a pool cannot tell them apart). Outputs are only ever renamed into
place when whole, so a killed attempt leaves nothing that is read.
"""
from __future__ import annotations

import multiprocessing as mp
import pkgutil
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

import psutil
from tqdm import tqdm

from .. import progress
from ..errors import ShardFailed, WorkerDied
from . import skip_collection_at_exit

POLL_SECONDS = 0.5


class LocalExecutor:
    def __init__(self, workers: int, retries: int = 2, prepare: tuple[str, dict] | None = None):
        """`prepare`: ("package.module:function", kwargs), called in each worker process as it
        starts, before its first task (to import and build what the tasks will need). Given
        one, the workers start now rather than at the first `run`, and prepare meanwhile."""
        self.workers = max(1, workers)
        self.retries = retries
        self._prepare = prepare
        self._ctx = mp.get_context("spawn")
        self._counters = {name: self._ctx.Value("q", 0) for name in progress.COUNTERS}
        self._pool: ProcessPoolExecutor | None = None   # kept from one phase to the next: a worker's
        # start (a fresh interpreter importing trafilatura, fastText's model, its extraction child)
        # costs seconds, as much as a small shard's work
        if prepare:
            pool = self._new_pool()
            for _ in range(self.workers):     # the pool starts a process for each task it cannot place
                pool.submit(_nothing)

    def _new_pool(self) -> ProcessPoolExecutor:
        if self._pool is not None:
            self._pool.shutdown()
        counters = tuple(self._counters[name] for name in progress.COUNTERS)
        self._pool = ProcessPoolExecutor(self.workers, mp_context=self._ctx, initializer=_start_worker,
                                         initargs=(counters, self._prepare))
        return self._pool

    def run(self, fn, tasks: list[dict], label: str, count: str = "docs", total: int | None = None) -> list:
        """The bar counts `count` ("bytes" read or "docs" written), out of `total` when known.
        At most `workers` tasks are in flight at a time, so when a worker dies the pool breaks
        only the shards that were running: each of those counts a death and is retried."""
        counters = self._counters
        for counter in counters.values():
            counter.value = 0
        shown = counters["bytes_read" if count == "bytes" else "docs_written"]
        bar = tqdm(total=total, desc=label, unit="B" if count == "bytes" else " docs",
                   unit_scale=count == "bytes", dynamic_ncols=True, mininterval=POLL_SECONDS)
        started = time.monotonic()
        results: list = [None] * len(tasks)
        deaths = [0] * len(tasks)
        queue, in_flight = deque(range(len(tasks))), {}
        finished = failed = 0
        pool, broken = self._pool, False
        try:
            while queue or in_flight:
                if pool is None or (broken and not in_flight):
                    pool, broken = self._new_pool(), False
                while queue and not broken and len(in_flight) < self.workers:
                    i = queue.popleft()
                    in_flight[pool.submit(fn, **tasks[i])] = i
                done, _ = wait(in_flight, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
                for future in done:
                    i = in_flight.pop(future)
                    try:
                        results[i] = future.result()     # any other failure stops the run here
                    except ShardFailed as e:
                        results[i], failed = e, failed + 1
                    except BrokenProcessPool:            # its worker, or a sibling's, died
                        broken, deaths[i] = True, deaths[i] + 1
                        if deaths[i] <= self.retries:
                            queue.appendleft(i)
                            continue
                        results[i], failed = WorkerDied(f"its worker process died {deaths[i]} times"), failed + 1
                    finished += 1
                bar.update(shown.value - bar.n)
                docs = counters["docs_written"].value
                retries = counters["retries"].value + sum(deaths)
                bar.set_postfix_str(f"shards {finished}/{len(tasks)}" + (f", failed {failed}" if failed else "")
                                    + (f", retries {retries:,}" if retries else "")
                                    + ", " + progress.docs_out(docs, started),
                                    refresh=False)
        except BaseException:
            if self._pool is not None:
                _stop(self._pool)
                self._pool = None
            raise
        finally:
            bar.close()
        return results

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


def _start_worker(counters: tuple, prepare: tuple[str, dict] | None) -> None:
    progress.install(counters)
    skip_collection_at_exit()
    if prepare:
        target, kwargs = prepare
        pkgutil.resolve_name(target)(**kwargs)


def _nothing() -> None:
    pass


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
