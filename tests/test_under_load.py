"""The time limit is a safeguard, not a filter: it counts CPU time, so the same documents are
kept on an idle machine and on one oversubscribed four times."""
import os
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
from warcio.archiveiterator import ArchiveIterator

from pipeline.extract import cpu_time_limit, ExtractionTimeout
from tests.conftest import MECHANICS_RECIPE, REPO


def test_the_limit_counts_cpu_not_waiting():
    started = time.monotonic()
    with cpu_time_limit(0.3):
        time.sleep(1.0)                       # a second of waiting: within a 0.3 s CPU limit
    assert time.monotonic() - started >= 1.0
    with pytest.raises(ExtractionTimeout):
        with cpu_time_limit(0.3):
            while True:
                pass


def slice_of(warc: Path, out: Path, records: int) -> Path:
    """The first `records` records of a .warc.gz, copied member by member."""
    data = warc.read_bytes()
    with open(warc, "rb") as fh:
        it = ArchiveIterator(fh)
        for n, record in enumerate(it):
            it.read_to_end(record)
            end = it.get_record_offset() + it.get_record_length()
            if n + 1 == records:
                break
    out.write_bytes(data[:end])
    return out


@pytest.mark.slow
def test_the_same_documents_are_kept_on_an_idle_and_an_oversubscribed_machine(tmp_path, corpus):
    inputs = [slice_of(w, tmp_path / w.name, 500) for w in sorted(corpus.glob("*.warc.gz"))[:2]]
    recipe = tmp_path / "recipe.toml"
    recipe.write_text(MECHANICS_RECIPE.replace('languages = ["en", "fr"]', "languages = []"))

    def run(out: str) -> pl.DataFrame:
        subprocess.run([sys.executable, "-m", "pipeline.cli", "dataset", "--input", *map(str, inputs), "--out",
                        str(tmp_path / out), "--recipe", str(recipe), "--workers", "2"],
                       cwd=REPO, check=True, capture_output=True)
        return pl.read_parquet(tmp_path / out / "final" / "*.parquet").select("id", "text").sort("id")

    idle = run("idle")
    cores = len(os.sched_getaffinity(0))
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(4 * cores - 2)]
    try:
        loaded = run("loaded")                # two workers and the burners: four runnable per core
    finally:
        for burner in burners:
            burner.kill()
    assert idle.height > 300
    assert loaded.equals(idle)
