"""Executors run a task function over many shards. No task knows which executor runs it.

An executor has one method, `run(fn, tasks, label, count, total)`: call `fn(**kwargs)` for every
kwargs dict in `tasks` and return the results in task order. `fn` is a top-level function of
plain arguments (it is pickled to other processes or machines). A task that raises SourceError
(its input could not be read to the end), or whose worker died more than `retries` times, has
that error as its result and the others go on; any other exception stops the run at once.

    local  a process pool on this machine (executors/local.py)
    ray    Ray tasks on a cluster, or a local Ray instance (executors/ray.py)
"""
from __future__ import annotations

from ..errors import RefineryError

EXECUTORS = ("local", "ray")
DEFAULT_RETRIES = 2      # how often a shard is retried after its worker died (killed, out of memory)


def make_executor(name: str, workers: int, address: str | None = None, retries: int = DEFAULT_RETRIES):
    if name == "local":
        from .local import LocalExecutor

        return LocalExecutor(workers, retries)
    if name == "ray":
        from .ray import RayExecutor

        return RayExecutor(workers, address, retries)
    raise RefineryError(f"unknown executor {name!r} (available: {', '.join(EXECUTORS)})")
