"""`refinery` with one stall planted in it, so a crash test can kill -9 it at an exact moment:

    python -m tests.fault_injection PATTERN N READY_FILE refinery-arguments...

The Nth time the process renames a finished temporary file onto a file whose name matches
PATTERN (an fnmatch pattern; "-" plants nothing), it first cuts the temporary file to half its
size, as a writer killed mid-write would leave it, then creates READY_FILE and sleeps: the test
kills it there. Every output goes through that rename (tokenizer/atomic.py), so this reaches
any file the steps write without touching their code.

$TRAIN_PRESET, a TrainConfig as JSON, adds it as `--preset test`: the real presets take minutes.
"""
from __future__ import annotations

import fnmatch
import json
import os
import sys
import time
from pathlib import Path

from pipeline.cli import main
from trainer.presets import PRESETS, TrainConfig


def plant_stall(pattern: str, nth: int, ready: Path) -> None:
    real_replace, seen = os.replace, 0

    def replace(src, dst, **kwargs):
        nonlocal seen
        if fnmatch.fnmatch(os.path.basename(dst), pattern):
            seen += 1
            if seen == nth:
                os.truncate(src, os.path.getsize(src) // 2)
                ready.touch()
                time.sleep(600)
        return real_replace(src, dst, **kwargs)

    os.replace = replace


if __name__ == "__main__":
    pattern, nth, ready, *argv = sys.argv[1:]
    if pattern != "-":
        plant_stall(pattern, int(nth), Path(ready))
    if "TRAIN_PRESET" in os.environ:
        PRESETS["test"] = TrainConfig(**json.loads(os.environ["TRAIN_PRESET"]))
    sys.exit(main(argv))
