"""Files that appear whole or not at all, so `kill -9` at any moment never leaves half an output.

Each output is written to NAME.tmp in its own folder, flushed to disk, then renamed over NAME.
A rename within a folder is atomic: a reader, or a rerun after a crash, finds the previous
file or the new one, never a mix. A killed writer leaves only NAME.tmp behind, which the next
run clears with `remove_stale_temps` before it writes anything.

The fsyncs make the same hold after a power cut, not only a killed process: without them the
rename may reach the disk before the data it points at.

(The trainer uses this module too; it could move to a package both steps share.)
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

TMP_SUFFIX = ".tmp"


def temp_path(path: str | Path) -> Path:
    path = Path(path)
    return path.with_name(path.name + TMP_SUFFIX)


@contextmanager
def atomic_output(path: str | Path) -> Iterator[BinaryIO]:
    """A binary file to write `path` through; it replaces `path` only if the block completes."""
    path, tmp = Path(path), temp_path(path)
    try:
        with open(tmp, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    with atomic_output(path) as f:
        f.write(data)


def write_text_atomic(path: str | Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def remove_stale_temps(folder: str | Path, name: str = "*") -> None:
    """Delete what killed writers left in `folder`: the temporaries of outputs matching `name`.
    Call it only on outputs no other process is writing."""
    for tmp in Path(folder).glob(name + TMP_SUFFIX):
        tmp.unlink(missing_ok=True)


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (the folder's entry table is what changed)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
