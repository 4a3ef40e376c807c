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

import atexit
import gc

from ..errors import RefineryError

EXECUTORS = ("local", "ray")
DEFAULT_RETRIES = 2      # how often a shard is retried after its worker died (killed, out of memory)


def skip_collection_at_exit() -> None:
    """Let this process exit without Python's last garbage collection, which walks every object
    of every module it loaded (polars, pyarrow, numpy, a model): about 0.3 s, paid by the command
    and again by each of its workers, in a run that may take 10 s. Freezing the objects first
    (gc.freeze, as the last exit handler) leaves them out of that walk; the process's memory goes
    back to the system all the same. Files are closed by the code that writes them, never by the
    collector, so nothing is left unwritten. Registered once, however often it is called."""
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)


def make_executor(name: str, workers: int, address: str | None = None, retries: int = DEFAULT_RETRIES,
                  prepare: tuple[str, dict] | None = None):
    """`prepare`: ("package.module:function", kwargs) to call in each local worker as it starts
    (LocalExecutor); Ray's workers outlive a run, and are not prepared."""
    if name == "local":
        from .local import LocalExecutor

        return LocalExecutor(workers, retries, prepare)
    if name == "ray":
        from .ray import RayExecutor

        return RayExecutor(workers, address, retries)
    raise RefineryError(f"unknown executor {name!r} (available: {', '.join(EXECUTORS)})")
