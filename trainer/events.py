"""TensorBoard event files in RUN/model/, beside metrics.parquet, when the `tensorboard` package
is installed: `tensorboard --logdir RUN/model` then draws the curves from these local files
while the run goes on. metrics.parquet stays the record; the events repeat its rows, and
without the package the run writes none.
"""
from __future__ import annotations

from pathlib import Path

try:
    from torch.utils.tensorboard import SummaryWriter  # needs the tensorboard package
except ImportError:
    SummaryWriter = None


class EventLog:
    """Each metrics row as scalars at its step. The event files are rebuilt at each start from
    the rows metrics.parquet holds, so a resumed run shows each step once: what a stopped run
    logged past its checkpoint goes, as those metrics rows do. (TensorBoard's own purge_step
    depends on the order of the files' names, which two writers in one second do not keep.)"""

    def __init__(self, folder: Path | None, history: list[dict]):
        """folder None: this process writes no events (a DDP rank other than 0)."""
        self.writer = None
        if SummaryWriter is not None and folder is not None:
            for old in folder.glob("events.out.tfevents.*"):
                old.unlink()
            self.writer = SummaryWriter(str(folder))
            for row in history:
                self.add(row)

    def add(self, row: dict) -> None:
        if self.writer is None:
            return
        for name, value in row.items():
            if name != "step" and value is not None:
                self.writer.add_scalar(name, value, row["step"])

    def flush(self) -> None:
        """Called with each checkpoint, so the events on disk reach at least as far as it."""
        if self.writer is not None:
            self.writer.flush()

    def __enter__(self) -> EventLog:
        return self

    def __exit__(self, *exc) -> None:
        if self.writer is not None:
            self.writer.close()
