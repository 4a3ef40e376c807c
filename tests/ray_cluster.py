"""A real Ray cluster for the tests: a head and a worker node, each a `ray start --block`
process on 127.0.0.1 with its own temp dir and memory caps, started by the test and stopped by
killing exactly what it started. Never `ray stop`: it kills every Ray process on the machine.

Each node leads a session of its own (start_new_session), and everything it starts (raylet,
gcs_server, agents, task workers, which rename themselves `ray::...`) stays in that session:
that is how what is left is found and killed. Ray's token authentication comes from the
environment (tests/conftest.py sets RAY_AUTH_MODE and RAY_AUTH_TOKEN before Ray is imported).
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

RAY_CLI = str(Path(sys.executable).with_name("ray"))
NODE_MEMORY = 2 * 2**30           # what Ray may hand out to tasks on a node (it claims the machine otherwise)
NODE_OBJECT_STORE = 128 * 2**20   # tasks exchange paths and counts, not data


class RayCluster:
    def __init__(self, cpus_per_node: int = 1):
        # Short: Ray's socket paths under it must fit in 107 bytes (pytest's tmp_path is too long).
        self.temp_dir = Path(tempfile.mkdtemp(prefix="ray", dir="/tmp"))
        self.cpus = cpus_per_node
        self.procs: list[subprocess.Popen] = []
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.address = f"127.0.0.1:{s.getsockname()[1]}"

    def __enter__(self) -> "RayCluster":
        port = self.address.rsplit(":", 1)[1]
        try:
            self._node("head", "--head", f"--port={port}", "--include-dashboard=false")
            self._node("worker", f"--address={self.address}")
            self._wait_for_nodes(2)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _node(self, name: str, *args: str) -> None:
        env = dict(os.environ, RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S="0")   # stop at once, even mid-task
        with open(self.temp_dir / f"{name}.log", "wb") as log:
            self.procs.append(subprocess.Popen(
                [RAY_CLI, "start", "--block", "--disable-usage-stats", f"--num-cpus={self.cpus}",
                 f"--memory={NODE_MEMORY}", f"--object-store-memory={NODE_OBJECT_STORE}",
                 f"--temp-dir={self.temp_dir / 'ray'}", *args],
                env=env, cwd=self.temp_dir, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True))

    def _wait_for_nodes(self, count: int, timeout: float = 120) -> None:
        from ray._raylet import GcsClient      # what ray.cluster_utils waits with; connects no driver

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for proc in self.procs:
                if proc.poll() is not None:
                    raise RuntimeError(f"a Ray node exited with {proc.returncode}; see {self.temp_dir}")
            try:
                nodes = GcsClient(address=self.address).get_all_node_info(timeout=5).values()
                if sum(node.state == 0 for node in nodes) >= count:       # 0: ALIVE
                    return
            except Exception:                   # the GCS is not listening yet
                pass
            time.sleep(0.25)
        raise TimeoutError(f"{count} Ray nodes were not alive after {timeout} s; see {self.temp_dir}")

    def processes(self) -> list[psutil.Process]:
        """Everything of this cluster's that is alive: its nodes' sessions, and anything whose
        command line names its temp dir."""
        sessions = {proc.pid for proc in self.procs}
        found = []
        for process in psutil.process_iter(["cmdline"]):
            try:
                if os.getsid(process.pid) in sessions or any(str(self.temp_dir) in a for a in process.info["cmdline"] or []):
                    found.append(process)
            except (ProcessLookupError, psutil.Error):
                pass
        return found

    def task_workers(self, task: str) -> list[psutil.Process]:
        """The worker processes running `task` right now (Ray names them `ray::<task>`)."""
        found = []
        for process in self.processes():
            try:
                if process.name().startswith(f"ray::{task}") or (process.cmdline() or [""])[0].startswith(f"ray::{task}"):
                    found.append(process)
            except psutil.Error:
                pass
        return found

    def stop(self) -> None:
        """SIGTERM each node (the worker first), then SIGKILL whatever of theirs is left."""
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        rest = self.processes()
        for process in rest:
            process.kill()
        psutil.wait_procs(rest, timeout=10)
        left = self.processes()
        shutil.rmtree(self.temp_dir, ignore_errors=True)
        if left:
            raise RuntimeError(f"Ray processes left after stopping the cluster: {left}")
