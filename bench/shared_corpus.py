"""The corpus a benchmark runs on: the user's make_corpus folder (--corpus), or one built from
../shared with ../shared/tools/make_corpus.py in a temporary folder."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"


def corpus_folder(given: str | None, tmp: str | Path, seed: int = 0, scale: float = 1.0) -> Path:
    if given:
        return Path(given)
    tool = SHARED / "tools" / "make_corpus.py"
    if not tool.exists():
        sys.exit(f"no --corpus given and {SHARED} is absent: nothing to benchmark on")
    folder = Path(tmp) / "corpus"
    subprocess.run([sys.executable, str(tool), str(folder), "--seed", str(seed), "--scale", str(scale)],
                   check=True, capture_output=True)
    return folder
