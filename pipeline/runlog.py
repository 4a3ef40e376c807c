"""RUN/refinery.log: what was done to a run folder, one entry appended per command.

    2026-05-09T10:01:02Z .. 2026-05-09T10:04:30Z (208.1 s)  exit 0  refinery dataset --input ... --out runs/demo
        pages=2,410 read=1,203 extract=1,150 ... final=630

A run folder is built by several commands over days (dataset, tokenizer, train, report), often
rerun after a crash; its log says which ran, when, how they ended and what they counted, where
the terminal output is long gone. `refinery` (pipeline/cli.py) opens one entry per command
(`command_log`); a command adds its key counts with `note(...)`, which does nothing where no
entry is open (a test, a library call). A command refused before its run folder exists leaves
no entry: there is no folder to hold it.
"""
from __future__ import annotations

import shlex
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .errors import RefineryError
from .layout import RunLayout

LOG_NAME = "refinery.log"

_open: list["Entry"] = []         # the entry of the command running in this process, if any


@dataclass
class Entry:
    argv: list[str]
    started: float = field(default_factory=time.time)
    status: int | str = "running"      # the exit status, or how the command died
    counts: dict = field(default_factory=dict)

    def format(self) -> str:
        ended = time.time()
        line = (f"{_utc(self.started)} .. {_utc(ended)} ({ended - self.started:.1f} s)  exit {self.status}  "
                f"refinery {shlex.join(self.argv)}\n")
        if self.counts:
            line += "    " + " ".join(f"{k}={v:,}" if isinstance(v, int) else f"{k}={v}"
                                      for k, v in self.counts.items()) + "\n"
        return line


@contextmanager
def command_log(runs: list[str], argv: list[str]):
    """Run a command inside an entry; on the way out, append it to each run folder's log."""
    entry = Entry(argv)
    _open.append(entry)
    try:
        yield entry
    except KeyboardInterrupt:
        entry.status = 130
        raise
    except RefineryError as e:
        entry.status = e.exit_code
        raise
    except BaseException as e:
        entry.status = f"1 ({type(e).__name__}: {e})"[:200]
        raise
    finally:
        _open.remove(entry)
        for run in runs:
            append(run, entry.format())


def note(**counts) -> None:
    """Add key counts to the entry of the command running now (none open: nothing to do)."""
    if _open:
        _open[-1].counts.update(counts)


def append(run_folder: str | Path, text: str) -> None:
    """Append to RUN/refinery.log, if RUN exists. A remote run's log is downloaded, appended to
    and uploaded whole (object stores have no append)."""
    run = RunLayout(run_folder)
    path = run.root / LOG_NAME
    if run.url:
        if not run.exists(run.inputs):
            return
        if run.exists(path):
            run.fetch(path, fresh=True)
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not run.root.is_dir():
        return
    with open(path, "a", encoding="utf-8") as log:
        log.write(text)
    run.publish(path)


def _utc(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
