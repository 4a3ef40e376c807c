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


def crash() -> None:
    os.abort()


def fail() -> None:
    raise ValueError("a broken page")


def sleep_then_mark(seconds: float, marker: str) -> int:
    """A long task: the marker file appears only if it ran to the end."""
    time.sleep(seconds)
    open(marker, "w").close()
    return 0


def raise_now(message: str) -> int:
    raise ValueError(message)
