"""The reader over mutated real WARC bytes: a property test (hypothesis) and a bounded run of
the atheris fuzz target. Never a crash, never a hang, never a record that is not in the file."""
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import REPO, SHARED_DATA, article, write_warc
from tests.fuzz_reader import check_reader

REAL = ["cc-whirlwind/whirlwind.warc.gz", "resiliparse/warcfile.warc.gz", "resiliparse/clipped.warc.gz",
        "warcio/example.warc.gz", "warcio/example-iana.org-chunked.warc", "warcio/example-trunc.warc",
        "dolma/sample-0000.warc.gz"]


def seeds(tmp_dir: Path) -> list[bytes]:
    found = [(SHARED_DATA / name).read_bytes() for name in REAL if (SHARED_DATA / name).is_file()]
    made = write_warc(tmp_dir / "made.warc.gz", [{"url": f"https://m.test/{i}", "body": article(f"t{i}")}
                                                 for i in range(3)])
    return found + [made.read_bytes()]


SEEDS = seeds(Path(__import__("tempfile").mkdtemp()))


def mutate(data: bytes, edits) -> bytes:
    out = bytearray(data)
    for kind, where, size, junk in edits:
        at = int(where * len(out))
        if kind == "flip" and out:
            out[min(at, len(out) - 1)] ^= 1 << (size % 8)
        elif kind == "cut":
            del out[at:at + size]
        elif kind == "insert":
            out[at:at] = junk
        elif kind == "truncate":
            del out[at:]
        elif kind == "repeat":
            out[at:at] = out[at:at + size]
    return bytes(out)


EDITS = st.lists(st.tuples(st.sampled_from(["flip", "cut", "insert", "truncate", "repeat"]),
                           st.floats(0, 1), st.integers(1, 4096), st.binary(max_size=64)), max_size=4)


@settings(max_examples=300, deadline=10_000, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(seed=st.sampled_from(range(len(SEEDS))), edits=EDITS)
def test_the_reader_survives_mutated_warcs(seed, edits):
    check_reader(mutate(SEEDS[seed], edits))


def test_intact_files_give_every_record(shared_data):
    for name in REAL:
        docs = check_reader((shared_data / name).read_bytes())
        readable = sum(not d.error for d in docs)
        assert readable == 0 if name == "resiliparse/clipped.warc.gz" else readable >= 3, name


def test_the_atheris_target_runs_for_a_bounded_time(tmp_path):
    pytest.importorskip("atheris", reason="atheris is not installed (the [test] extra installs it)")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i, data in enumerate(SEEDS):
        (corpus / f"seed-{i}").write_bytes(data)
    # A fixed seed and number of runs: the same mutations every time (longer runs: see fuzz_reader.py).
    run = subprocess.run([sys.executable, str(REPO / "tests" / "fuzz_reader.py"), "-seed=1", "-runs=2500",
                          "-timeout=20", "-rss_limit_mb=3000", "-max_len=300000",
                          f"-artifact_prefix={tmp_path}/", str(corpus)],
                         capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Done" in run.stderr
