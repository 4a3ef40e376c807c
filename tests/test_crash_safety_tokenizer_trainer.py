"""`kill -9` at any moment, then a rerun: the tokenizer step and the trainer end as if never killed.

Each test starts the real CLI in its own process group, kills the whole group with SIGKILL,
looks at what the kill left, reruns, and compares with a run that was never interrupted:
tokenizer.json, the shards and their manifest byte for byte; for training, every loss, the
weights and the sample. Exact moments come from tests/fault_injection.py, which stalls the
process halfway through writing a chosen file; the other kills land wherever the run is when a
file first appears.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

import polars as pl
import pytest
import torch

from pipeline.errors import RefineryError
from tests.conftest import REPO
from tests.test_tokenizer import real_documents, write_final
from tokenizer.bpe import FILES as TOKENIZER_FILES
from tokenizer.encode import PARTS
from tokenizer.manifest import MANIFEST, check_shards
from trainer.presets import PRESETS

TOKENIZER_ARGS = ["--vocab-size", "1024", "--shard-tokens", "10000", "--val-fraction", "0.1"]  # 26 shards
# 40 steps of about 60 ms, a checkpoint every 10: a kill after the first one lands mid-run.
TRAIN = replace(PRESETS["small"], n_layer=1, n_head=2, n_embd=64, seq_len=64, batch_rows=8, max_steps=40,
                lr=1e-2, warmup_steps=4, eval_every=10, eval_tokens=2048, ckpt_every=10, sample_tokens=16)
ENV = {**os.environ, "TRAIN_PRESET": json.dumps(asdict(TRAIN))}    # `--preset test` is TRAIN


def refinery(*args: str, stall: tuple[str, int] | None = None, ready: Path | None = None) -> list[str]:
    """The command line of `refinery ARGS`, stalled at `stall` = (file name pattern, nth write)."""
    pattern, nth = stall or ("-", 0)
    return [sys.executable, "-m", "tests.fault_injection", pattern, str(nth), str(ready), *args]


def run_to_end(command: list[str]) -> str:
    done = subprocess.run(command, cwd=REPO, env=ENV, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout


def kill_when(command: list[str], moment, log: Path) -> None:
    """Start `command`, wait until `moment()` is true, then kill -9 its whole process group."""
    with open(log, "w") as stderr:
        proc = subprocess.Popen(command, cwd=REPO, env=ENV, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=stderr)
        deadline = time.monotonic() + 120
        while not moment() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        os.killpg(proc.pid, signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL, f"the run ended before it could be killed: {log.read_text()[-2000:]}"


def temp_files(run: Path) -> list[Path]:
    return sorted(run.rglob("*.tmp"))


# ---- the tokenizer step ----

@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory) -> Path:
    """A run folder holding only final/: 120 real documents in two parts."""
    run = tmp_path_factory.mktemp("corpus")
    write_final(run, real_documents(120), parts=2)
    return run


@pytest.fixture
def fresh_run(corpus_run, tmp_path) -> Path:
    shutil.copytree(corpus_run / "final", tmp_path / "run" / "final")
    return tmp_path / "run"


@pytest.fixture(scope="module")
def tokenized(corpus_run, tmp_path_factory) -> Path:
    """The tokenizer step run once without interruption: the reference."""
    run = tmp_path_factory.mktemp("tokenized")
    shutil.copytree(corpus_run / "final", run / "final")
    run_to_end(refinery("tokenizer", str(run), *TOKENIZER_ARGS))
    return run


def tokenizer_outputs(run: Path) -> dict[str, bytes]:
    """The bytes of every file the trainer reads, and of the manifest."""
    files = [run / "tokenizer" / name for name in TOKENIZER_FILES] + sorted((run / "tokens").iterdir())
    return {str(f.relative_to(run)): f.read_bytes() for f in files}


@pytest.mark.parametrize("stall, tokenizer_done", [
    (("tokenizer.json", 1), False),      # the BPE is trained, its file half written
    (("train_*.bin", 3), True),          # two shards written, the third half written
    (("tokenizer.parquet", 1), True),    # every shard written, the report half written
    (("manifest.json", 1), True),        # everything but the manifest
])
def test_tokenizer_killed_while_writing_a_file_reruns_to_the_same_bytes(fresh_run, tokenized, tmp_path,
                                                                         stall, tokenizer_done):
    ready = tmp_path / "ready"
    kill_when(refinery("tokenizer", str(fresh_run), *TOKENIZER_ARGS, stall=stall, ready=ready),
              ready.exists, tmp_path / "stderr")
    assert len(temp_files(fresh_run)) == 1                 # the half-written file, under its temporary name
    assert not (fresh_run / "tokens" / MANIFEST).exists()
    with pytest.raises(RefineryError, match="manifest.json is missing.*rerun `refinery tokenizer"):
        check_shards(fresh_run / "tokens", fresh_run / "tokenizer" / "tokenizer.json")

    out = run_to_end(refinery("tokenizer", str(fresh_run), *TOKENIZER_ARGS))
    assert ("reused, an earlier run trained it" in out) == tokenizer_done
    assert tokenizer_outputs(fresh_run) == tokenizer_outputs(tokenized)
    assert temp_files(fresh_run) == []


@pytest.mark.parametrize("moment", ["training the BPE", "encoding the parts", "writing shards"])
def test_tokenizer_killed_unannounced_reruns_to_the_same_bytes(fresh_run, tokenized, tmp_path, moment):
    log = tmp_path / "stderr"
    parts = fresh_run / "tokens" / PARTS
    if moment == "training the BPE":
        def now():  # the training progress bar has started
            return "train BPE" in log.read_text()
    elif moment == "encoding the parts":
        def now():  # a worker has begun writing a part's tokens, or finished one
            return any(parts.glob("*.npy*"))
    else:
        def now():  # the first shard, under its temporary name or its own
            return any((fresh_run / "tokens").glob("*.bin*"))
    kill_when(refinery("tokenizer", str(fresh_run), *TOKENIZER_ARGS), now, log)
    assert not (fresh_run / "tokens" / MANIFEST).exists()
    assert parts.exists() == (moment != "training the BPE")   # the killed run's part files, left behind
    run_to_end(refinery("tokenizer", str(fresh_run), *TOKENIZER_ARGS))
    assert tokenizer_outputs(fresh_run) == tokenizer_outputs(tokenized)
    assert temp_files(fresh_run) == [] and not parts.exists()


def test_a_finished_run_redone_with_other_settings_and_killed_keeps_no_stale_receipt(tokenized, tmp_path):
    """The old manifest must not vouch for the new shards, nor the old training record for the
    new tokenizer: both are gone before the files they describe change."""
    run = tmp_path / "run"
    shutil.copytree(tokenized, run)
    other = [*TOKENIZER_ARGS[:-2], "--val-fraction", "0.2"]    # another split: another training set
    ready = tmp_path / "ready"
    # killed between the new tokenizer.json and the files saved after it
    kill_when(refinery("tokenizer", str(run), *other, stall=("tokenizer_config.json", 1), ready=ready),
              ready.exists, tmp_path / "stderr")
    with pytest.raises(RefineryError, match="manifest.json is missing"):
        check_shards(run / "tokens", run / "tokenizer" / "tokenizer.json")
    new, old = ((r / "tokenizer" / "tokenizer.json").read_bytes() for r in (run, tokenized))
    assert new != old

    out = run_to_end(refinery("tokenizer", str(run), *TOKENIZER_ARGS))
    assert "reused" not in out                                 # the record said: trained on the other split
    assert tokenizer_outputs(run) == tokenizer_outputs(tokenized)


# ---- training ----

def train_run(tokenized: Path, folder: Path) -> Path:
    for sub in ("tokenizer", "tokens"):
        shutil.copytree(tokenized / sub, folder / sub)
    return folder


@pytest.fixture(scope="module")
def trained(tokenized, tmp_path_factory) -> Path:
    """`refinery train` run once without interruption: the reference."""
    run = train_run(tokenized, tmp_path_factory.mktemp("trained"))
    run_to_end(refinery("train", str(run), "--preset", "test"))
    return run


def assert_same_training(run: Path, reference: Path) -> None:
    resumed, expected = (pl.read_parquet(r / "model" / "metrics.parquet") for r in (run, reference))
    assert resumed["step"].to_list() == list(range(TRAIN.max_steps + 1))
    for column in ("train_loss", "val_loss", "val_bpb", "lr", "grad_norm"):
        assert resumed[column].to_list() == expected[column].to_list(), column
    weights = [torch.load(r / "model" / "ckpt.pt", weights_only=True)["model"] for r in (run, reference)]
    assert weights[0].keys() == weights[1].keys()
    assert all(torch.equal(weights[0][name], weights[1][name]) for name in weights[0])
    assert (run / "model" / "sample.txt").read_text() == (reference / "model" / "sample.txt").read_text()
    assert temp_files(run) == []


def test_train_killed_while_writing_a_checkpoint_resumes_exactly(tokenized, trained, tmp_path):
    run = train_run(tokenized, tmp_path / "run")
    ready = tmp_path / "ready"
    kill_when(refinery("train", str(run), "--preset", "test", stall=("ckpt.pt", 2), ready=ready),
              ready.exists, tmp_path / "stderr")
    model = run / "model"
    assert temp_files(run) == [model / "ckpt.pt.tmp"]
    assert torch.load(model / "ckpt.pt", weights_only=True)["step"] == 10    # the previous one, whole
    assert pl.read_parquet(model / "metrics.parquet")["step"].max() == 20    # metrics are written first

    run_to_end(refinery("train", str(run), "--resume"))
    assert_same_training(run, trained)


def test_train_killed_between_checkpoints_resumes_exactly(tokenized, trained, tmp_path):
    run = train_run(tokenized, tmp_path / "run")
    kill_when(refinery("train", str(run), "--preset", "test"), (run / "model" / "ckpt.pt").exists,
              tmp_path / "stderr")
    assert not (run / "model" / "sample.txt").exists()
    run_to_end(refinery("train", str(run), "--resume"))
    assert_same_training(run, trained)
