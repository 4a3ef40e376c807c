"""Both executors, the same contract: results in task order, a shard whose worker dies is
retried and, past its retries, named as failed while the others finish; a task that raises
anything else stops the run. The Ray executor runs on a real two-node cluster (tests/ray_cluster.py)."""
import os
import signal
import subprocess
import sys
import threading
import time

import polars as pl
import pytest

from pipeline.errors import SourceError, WorkerDied
from pipeline.executors import make_executor
from tests.child_targets import case
from tests.conftest import REPO, dataset_command


def markers(tmp_path, name: str) -> str:
    folder = tmp_path / name
    folder.mkdir()
    return str(folder)


@pytest.fixture
def cluster(ray_cluster):
    return ray_cluster


@pytest.fixture(params=["local", "ray"])
def executor(request, cluster):
    pool = make_executor(request.param, 2, cluster.address if request.param == "ray" else None, retries=1)
    yield pool
    pool.close()


def test_results_come_in_task_order_and_failed_shards_are_named(executor, tmp_path):
    tasks = [dict(kind="square", x=x) for x in range(6)] + [dict(kind="source", x=7)]
    results = executor.run(case, tasks, "squares")
    assert results[:6] == [x * x for x in range(6)]
    assert isinstance(results[6], SourceError) and "input 7 cut for good" in str(results[6])


@pytest.mark.parametrize("name", ["local", "ray"])
def test_a_worker_that_dies_is_retried_and_past_its_retries_the_shard_fails(name, cluster, tmp_path):
    # One local worker: in a process pool one worker's death breaks its siblings' tasks too,
    # which are retried as well, so exact attempt counts need a pool of one.
    pool = make_executor(name, 1, cluster.address if name == "ray" else None, retries=1)
    tasks = [dict(kind="die", marker_dir=markers(tmp_path, "once"), kills=1),     # dies once: retried
             dict(kind="die", marker_dir=markers(tmp_path, "always"), kills=99),  # dies every time
             dict(kind="square", x=3)]
    try:
        results = pool.run(case, tasks, "deaths")
    finally:
        pool.close()
    assert results[0] == 2 and results[2] == 9
    assert isinstance(results[1], WorkerDied)
    assert len(os.listdir(tmp_path / "always")) == 2                              # the first try and one retry


def test_any_other_error_stops_the_run(executor):
    with pytest.raises(ValueError, match="a bug"):
        executor.run(case, [dict(kind="square", x=1), dict(kind="raise", message="a bug")], "bug")


@pytest.mark.slow
def test_a_corpus_on_the_cluster_with_a_worker_killed_mid_run_gives_the_local_documents(
        cluster, tmp_path, corpus, dedup_recipe, uninterrupted):
    run = tmp_path / "ray-run"
    cmd = dataset_command("--input", str(corpus / "*.warc.gz"), "--out", str(run), "--recipe", str(dedup_recipe),
                          "--executor", "ray", "--ray-address", cluster.address)
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    killed = []

    def kill_one_worker():                     # a task worker of the map phase, mid-shard
        deadline = time.monotonic() + 240
        while not killed and proc.poll() is None and time.monotonic() < deadline:
            workers = cluster.task_workers("map_shard")
            if workers and not list((run / ".done").glob("map-*")):
                time.sleep(2)                  # let it get into its shard
                workers[0].send_signal(signal.SIGKILL)
                killed.append(workers[0].pid)
            time.sleep(0.2)

    killer = threading.Thread(target=kill_one_worker)
    killer.start()
    output, _ = proc.communicate(timeout=900)
    killer.join()
    assert proc.returncode == 0, output[-3000:]
    assert killed, "no map_shard worker was found to kill"
    final = pl.read_parquet(run / "final" / "*.parquet").select("id", "text").sort("id")
    assert final.equals(pl.read_parquet(uninterrupted / "final" / "*.parquet").select("id", "text").sort("id"))
    # The same dedup decision for every document; the shards differ (this run cut its files for two workers).
    decisions = ["doc_id", "cluster", "cluster_size", "kept", "match"]
    ours, theirs = (pl.read_parquet(r / "dedup" / "clusters.parquet", columns=decisions).sort("doc_id")
                    for r in (run, uninterrupted))
    assert ours.height and ours.equals(theirs)
    assert not list(run.rglob("*.tmp"))


def test_a_process_can_exit_without_its_last_collection():
    # The command and each pool worker skip Python's last garbage collection at exit (seconds of
    # a short run); the objects left to it are then never collected, as this cycle shows.
    script = ("import gc, os\n"
              "from pipeline.executors import skip_collection_at_exit\n"
              "class Cycle:\n"
              "    def __del__(self): os.write(1, b'collected')\n"
              "gc.disable()\n"
              "c = Cycle(); c.me = c; del c\n")
    def run(code):
        return subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert run(script) == "collected"
    assert run(script + "skip_collection_at_exit(); skip_collection_at_exit()\n") == ""


def test_local_workers_can_start_at_once_and_prepare_before_their_first_task(tmp_path):
    pool = make_executor("local", 2, prepare=("tests.child_targets:mark_process", {"folder": str(tmp_path)}))
    try:
        deadline = time.monotonic() + 60
        while len(os.listdir(tmp_path)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(os.listdir(tmp_path)) == 2                  # both started and prepared, no task given yet
        pids = pool.run(case, [dict(kind="pid")] * 4, "pids")
    finally:
        pool.close()
    assert set(pids) <= {int(name) for name in os.listdir(tmp_path)}


def test_a_worker_left_with_a_recipe_that_does_not_build_still_starts():
    # The command reports a broken recipe itself; a worker preparing for it must not die of it.
    from pipeline.tasks import prepare_worker

    assert prepare_worker("steps = [") is None
    assert prepare_worker('steps = ["no_such_step"]') is None
