"""Functions the tests run in child processes (a spawned child imports them by name)."""
import os
import re
import time


def square(x: int) -> int:
    return x * x


def stuck_in_c(n: int) -> bool:
    """Catastrophic backtracking inside the `re` engine: C code that holds the interpreter,
    so no signal handler runs until it returns (2**n steps)."""
    return re.match(r"(a|aa)+$", "a" * n + "b") is not None


_LOADED: list[str] = []


def load(name: str) -> None:
    """A child's setup: what it has loaded before its first call."""
    _LOADED.append(name)


def loaded() -> list[str]:
    return list(_LOADED)


def crash() -> None:
    os.abort()


def fail() -> None:
    raise ValueError("a broken page")


def behave(kind: str):
    """One call of a batch: answers (49), kills its process, or raises."""
    return {"square": lambda: square(7), "crash": crash, "fail": fail}[kind]()


def sleep_then_mark(seconds: float, marker: str) -> int:
    """A long task: the marker file appears only if it ran to the end."""
    time.sleep(seconds)
    open(marker, "w").close()
    return 0


def raise_now(message: str) -> int:
    raise ValueError(message)


def die_first(marker_dir: str, attempts_to_kill: int) -> int:
    """Kill its own process on the first `attempts_to_kill` attempts (a worker lost mid-task),
    then succeed. Attempts are counted by marker files."""
    attempt = len(os.listdir(marker_dir)) + 1
    open(os.path.join(marker_dir, str(attempt)), "w").close()
    if attempt <= attempts_to_kill:
        os.kill(os.getpid(), 9)
    return attempt


def mark_process(folder: str) -> None:
    """A worker's preparation: leaves a file named after its process."""
    open(os.path.join(folder, str(os.getpid())), "w").close()


def case(kind: str, **kwargs):
    """One task function for the executor tests' cases."""
    if kind == "square":
        return square(kwargs["x"])
    if kind == "pid":
        return os.getpid()
    if kind == "die":
        return die_first(kwargs["marker_dir"], kwargs["kills"])
    if kind == "source":
        from pipeline.errors import SourceError

        raise SourceError(f"input {kwargs['x']} cut for good")
    return raise_now(kwargs["message"])
