"""The local executor: a process pool over shards, with a live progress bar.

Workers are started with `spawn`, not `fork`: Polars, pyarrow and trafilatura start threads,
and forking a process with threads can deadlock. Each worker gets two shared counters (bytes
read, documents written) that the tasks advance as they go; the parent polls them for the bar.
"""
from __future__ import annotations

import multiprocessing as mp
import time
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait

from tqdm import tqdm

from .. import progress

POLL_SECONDS = 0.5


class LocalExecutor:
    def __init__(self, workers: int):
        self.workers = max(1, workers)

    def run(self, fn, tasks: list[dict], label: str, total_bytes: int | None = None) -> list:
        """With `total_bytes` the bar counts input bytes read; without, documents written."""
        ctx = mp.get_context("spawn")
        bytes_read, docs_written = ctx.Value("q", 0), ctx.Value("q", 0)
        bar = tqdm(total=total_bytes, desc=label, unit="B" if total_bytes else " docs",
                   unit_scale=bool(total_bytes), dynamic_ncols=True, mininterval=POLL_SECONDS)
        started = time.monotonic()
        pool = ProcessPoolExecutor(min(self.workers, len(tasks)) or 1, mp_context=ctx,
                                   initializer=progress.install, initargs=((bytes_read, docs_written),))
        try:
            futures = [pool.submit(fn, **kwargs) for kwargs in tasks]
            pending = set(futures)
            while pending:
                done, pending = wait(pending, timeout=POLL_SECONDS, return_when=FIRST_EXCEPTION)
                for future in done:
                    future.result()                    # a failed task stops the run here
                bar.update((bytes_read.value if total_bytes else docs_written.value) - bar.n)
                rate = docs_written.value / max(time.monotonic() - started, 1e-9)
                bar.set_postfix_str(f"shards {len(futures) - len(pending)}/{len(futures)}, "
                                    f"docs out {docs_written.value:,} ({rate:,.1f}/s)", refresh=False)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        finally:
            bar.close()
        pool.shutdown()
        return [f.result() for f in futures]
