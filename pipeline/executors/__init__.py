"""Executors run a task function over many shards. No task knows which executor runs it.

An executor has one method, `run(fn, tasks, label, count, total)`: call `fn(**kwargs)` for every
kwargs dict in `tasks` and return the results in task order. A task that raises SourceError
(its input could not be read to the end) has that error as its result, and the others go on.
"""
from __future__ import annotations

from ..errors import RefineryError


def make_executor(name: str, workers: int):
    if name == "local":
        from .local import LocalExecutor

        return LocalExecutor(workers)
    raise RefineryError(f"unknown executor {name!r} (available: local)")
