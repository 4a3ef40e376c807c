"""The Ray executor: the same task functions as Ray tasks, on a cluster or a local Ray instance.

    refinery dataset ... --executor ray                      # a local Ray instance of --workers CPUs
    refinery dataset ... --executor ray --ray-address auto   # the cluster this machine belongs to

Each task asks for one CPU; Ray places it on any node. A task whose worker process or node
dies is retried by Ray, up to `retries` times; after that its shard fails and is named, like
one whose input could not be read (its outputs are only ever renamed into place when whole,
so a killed attempt leaves nothing that is read). Every node must see the run folder at the
same path (a shared filesystem) and have this package installed.

The REFINERY_* and AWS_* variables of the driver's environment are passed to the tasks, so
that Common Crawl mirrors and S3 credentials reach every node. A cluster started with
`ray start` uses token authentication: the driver needs RAY_AUTH_MODE=token and the cluster's
RAY_AUTH_TOKEN in its environment (see the README).
"""
from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import time

from tqdm import tqdm

from .. import progress
from ..errors import RefineryError, ShardFailed, WorkerDied

POLL_SECONDS = 0.5
FORWARDED = ("REFINERY_", "AWS_")
LOCAL_OBJECT_STORE = 256 * 2**20     # tasks pass paths and small results, never data


class RayExecutor:
    def __init__(self, workers: int, address: str | None = None, retries: int = 2):
        self.workers, self.address, self.retries = max(1, workers), address, retries
        self._temp_dir: str | None = None
        self._ray = None

    def _connect(self):
        if self._ray is not None:
            return self._ray
        env = {k: v for k, v in os.environ.items() if k.startswith(FORWARDED)}
        if self.address is None:
            # A private local instance: its own temp dir (short: Ray's socket paths must fit in
            # 107 bytes) and its own token, so it neither joins nor disturbs another cluster.
            os.environ.setdefault("RAY_AUTH_MODE", "token")
            os.environ.setdefault("RAY_AUTH_TOKEN", secrets.token_hex(32))
            os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        try:
            import ray
        except ImportError:
            raise RefineryError("--executor ray needs Ray: pip install -e '.[ray]'") from None
        options = dict(runtime_env={"env_vars": env}, log_to_driver=False, include_dashboard=False)
        if self.address is None:
            self._temp_dir = tempfile.mkdtemp(prefix="ray", dir="/tmp")
            options.update(address="local", num_cpus=self.workers, object_store_memory=LOCAL_OBJECT_STORE,
                           _temp_dir=self._temp_dir)
        else:
            options.update(address=self.address)
        try:
            ray.init(**options)
        except ConnectionError as e:
            raise RefineryError(f"cannot connect to the Ray cluster at {self.address}: {e}. Is it running, and "
                                f"are RAY_AUTH_MODE and RAY_AUTH_TOKEN set as on its nodes?") from None
        self._ray = ray
        return ray

    def run(self, fn, tasks: list[dict], label: str, count: str = "docs", total: int | None = None) -> list:
        """Results in task order; the bar counts shards (Ray workers report no byte counts)."""
        ray = self._connect()
        remote = ray.remote(fn).options(num_cpus=1, max_retries=self.retries, retry_exceptions=False)
        refs = {remote.remote(**kwargs): i for i, kwargs in enumerate(tasks)}
        results: list = [None] * len(tasks)
        pending, failed, docs, started = list(refs), 0, 0, time.monotonic()
        bar = tqdm(total=len(tasks), desc=label, unit=" shards", dynamic_ncols=True, mininterval=POLL_SECONDS)
        try:
            while pending:
                done, pending = ray.wait(pending, num_returns=len(pending), timeout=POLL_SECONDS)
                for ref in done:
                    i = refs[ref]
                    try:
                        results[i] = ray.get(ref)
                    except ShardFailed as e:                       # raised by the task: its own error
                        results[i], failed = _original(e), failed + 1
                    except (ray.exceptions.WorkerCrashedError, ray.exceptions.NodeDiedError,
                            ray.exceptions.OutOfMemoryError) as e:
                        results[i], failed = WorkerDied(f"its worker died {self.retries + 1} times: "
                                                        f"{type(e).__name__}"), failed + 1
                    except ray.exceptions.RayTaskError as e:       # a bug or a step that raised: stop
                        raise _original(e) from None
                    if isinstance(results[i], int) and results[i] > 0:
                        docs += results[i]
                bar.update(len(done))
                bar.set_postfix_str((f"failed {failed}, " if failed else "")
                                    + progress.docs_out(docs, started),
                                    refresh=False)
        except BaseException:
            for ref in pending:
                ray.cancel(ref, force=True)
            raise
        finally:
            bar.close()
        return results

    def close(self) -> None:
        if self._ray is not None:
            self._ray.shutdown()
            self._ray = None
        if self._temp_dir:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None


def _original(error: Exception) -> Exception:
    """The task's own exception, not Ray's wrapper around it (whose text holds a traceback)."""
    cause = getattr(error, "cause", None)
    return cause if isinstance(cause, Exception) else error
