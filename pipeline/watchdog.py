"""Run a function in a child process that a watchdog kills when it uses too much CPU.

A time limit inside the process (a signal) holds while the code runs Python, but not when it
is stuck in C: a backtracking `re` pattern or lxml on a pathological page hold the interpreter,
and a signal handler only runs once they return, maybe minutes later. So the function runs in a
child process, one call at a time; the parent waits for the answer and kills the child once the
call has used more than `cpu_seconds` of CPU. A new child takes the next call. A child that
crashes (a segfault in a C extension) costs that one call, too, not the worker.

The limit is CPU time, not wall time: a page takes about the same CPU on an idle machine and on
one oversubscribed four times, so the same pages are cut off either way and the output does not
depend on the load.
"""
from __future__ import annotations

import multiprocessing as mp
import pkgutil
import time

import psutil

POLL_SECONDS = 0.05


class CallTimedOut(Exception):
    pass


class ChildCrashed(Exception):
    pass


class IsolatedCall:
    """`IsolatedCall("package.module:function", cpu_seconds)(*args)` calls the function in a
    child process and returns its result; raises CallTimedOut or ChildCrashed, or re-raises
    (as RuntimeError with the original's text) what the function raised. `map` makes many
    calls at once."""

    def __init__(self, target: str, cpu_seconds: float, wall_seconds: float | None = None,
                 setup: tuple[str, tuple] | None = None):
        """`setup`: ("package.module:function", args), called once by each child as it starts,
        before its first call (to import what the calls need)."""
        self.target, self.cpu_seconds, self.setup = target, cpu_seconds, setup
        self.wall_seconds = wall_seconds or 10 * cpu_seconds   # for a child that hangs without using CPU
        self._child: mp.Process | None = None
        self._process: psutil.Process | None = None
        self._conn = None

    def __call__(self, *args):
        result = self.map([args])[0]
        if isinstance(result, Exception):
            raise result
        return result

    def map(self, calls: list[tuple]) -> list:
        """The function called with each argument tuple of `calls`, in order: a list of the
        results, with the exception a lone call would have raised in place of a call's result.
        The calls go to the child together (a message each way per call costs more than a small
        page's extraction), but each has the limits to itself: after one that costs the child its
        life, a new child takes the calls after it."""
        results: list = []
        while len(results) < len(calls):
            results += self._run(calls[len(results):])
        return results

    def _run(self, calls: list[tuple]) -> list:
        """The results of `calls` up to the first that kills the child, that one's exception last."""
        child = self.start()
        try:
            self._conn.send(calls)
        except OSError:                   # the child died before it took the calls
            self.close()
            return [ChildCrashed(f"the child process died (exit code {child.exitcode})")]
        results: list = []
        while len(results) < len(calls):
            # The child answers each call as it ends and goes on with the next: the clock of a
            # call starts at its predecessor's answer.
            started, used_before = time.monotonic(), None
            while not self._conn.poll(POLL_SECONDS):
                if not child.is_alive():
                    self.close()
                    return results + [ChildCrashed(f"the child process died (exit code {child.exitcode})")]
                # The child's CPU time is read from /proc, which costs as much as a small page's
                # call, so not for each call: from the first poll that times out, counting the
                # call's CPU until then as a whole poll's (it began about a poll ago), so the
                # limit holds to within a poll.
                used = _cpu(self._process)
                if used_before is None:
                    used_before = used - POLL_SECONDS
                if used - used_before > self.cpu_seconds:
                    self.close()
                    return results + [CallTimedOut(f"killed after {self.cpu_seconds:g} s of CPU")]
                if time.monotonic() - started > self.wall_seconds:
                    self.close()
                    return results + [CallTimedOut(f"killed after {self.wall_seconds:g} s without an answer")]
            try:
                ok, value = self._conn.recv()
            except (EOFError, OSError):
                self.close()
                return results + [ChildCrashed("the child process died while answering")]
            results.append(value if ok else RuntimeError(value))
        return results

    def start(self) -> mp.Process:
        """The child, started now if there is none (a call starts one too)."""
        if self._child is None or not self._child.is_alive():
            ctx = mp.get_context("spawn")
            self._conn, child_end = ctx.Pipe()
            # daemon: it dies with a worker that exits; with a killed one, its pipe closes and it exits
            self._child = ctx.Process(target=_serve, args=(child_end, self.target, self.setup), daemon=True)
            self._child.start()
            child_end.close()
            self._process = psutil.Process(self._child.pid)   # made once: it reads /proc each time
        return self._child

    def close(self) -> None:
        if self._child is not None:
            self._child.kill()
            self._child.join()
            self._conn.close()
            self._child = self._process = self._conn = None

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


_shared: dict[tuple, IsolatedCall] = {}


def shared(target: str, cpu_seconds: float, setup: tuple[str, tuple] | None = None) -> IsolatedCall:
    """One child per target, limit and setup in this process, kept across shards: starting one
    costs the imports of its target (about a second for trafilatura)."""
    key = (target, cpu_seconds, setup)
    if key not in _shared:
        _shared[key] = IsolatedCall(target, cpu_seconds, setup=setup)
    return _shared[key]


def _cpu(process: psutil.Process) -> float:
    try:
        times = process.cpu_times()
    except psutil.Error:       # the child is gone: the caller sees that next
        return 0.0
    return times.user + times.system


def _serve(conn, target: str, setup: tuple[str, tuple] | None) -> None:
    function = pkgutil.resolve_name(target)
    if setup:
        pkgutil.resolve_name(setup[0])(*setup[1])
    while True:
        try:
            calls = conn.recv()
        except (EOFError, OSError):       # the parent is gone
            return
        for args in calls:
            try:
                conn.send((True, function(*args)))
            except Exception as e:
                conn.send((False, f"{type(e).__name__}: {e}"))
