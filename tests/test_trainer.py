"""The trainer on a tiny run folder made here: real web text (DCLM annotation set), a 512-token
byte-level BPE, llm.c shards and their manifest. Models are tiny so the whole file runs in well
under a minute. Killing `refinery train` for real is tests/test_crash_safety_tokenizer_trainer.py."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

from pipeline.cli import main
from pipeline.errors import RefineryError
from tokenizer.manifest import write_manifest
from tokenizer.shards import open_shard, write_shard
from trainer.data import DocumentBatches, row_starts, shard_paths
from trainer.model import GPT, GPTConfig
from trainer.presets import PRESETS
from trainer.train import BOS_TOKEN, lr_multiplier, train

DCLM = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "dclm" / "majority_data.jsonl"
TINY = replace(PRESETS["small"], n_layer=1, n_head=2, n_embd=32, seq_len=32, batch_rows=4, max_steps=8,
               warmup_steps=2, lr=1e-2, eval_every=4, eval_tokens=512, ckpt_every=4, sample_tokens=8)


@pytest.fixture(scope="module")
def run_template(tmp_path_factory) -> Path:
    if not DCLM.exists():
        pytest.skip(f"{DCLM} is absent: the shared real-data folder is needed for the trainer tests")
    texts = [json.loads(line)["text"] for line in DCLM.read_text(encoding="utf-8").splitlines()[:300]]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(texts, trainers.BpeTrainer(vocab_size=512, special_tokens=[BOS_TOKEN],
                                                       initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    run = tmp_path_factory.mktemp("run")
    (run / "tokenizer").mkdir()
    (run / "tokens").mkdir()
    tok.save(str(run / "tokenizer" / "tokenizer.json"))
    bos = tok.token_to_id(BOS_TOKEN)
    vocab = tok.get_vocab()
    token_bytes = np.zeros(len(vocab), dtype=np.int32)
    for piece, i in vocab.items():
        token_bytes[i] = 0 if i == bos else len(piece)    # one byte-level character per byte
    np.save(run / "tokenizer" / "token_bytes.npy", token_bytes)
    docs = [np.array([bos] + e.ids) for e in tok.encode_batch(texts)]
    parts = [("val_000000", docs[:30]), ("train_000000", docs[30:160]), ("train_000001", docs[160:])]
    shards = [write_shard(run / "tokens" / f"{name}.bin", np.concatenate(part), len(vocab)) for name, part in parts]
    write_manifest(run / "tokens", run / "tokenizer" / "tokenizer.json", len(vocab), bos, shards)
    return run


@pytest.fixture
def run(run_template, tmp_path) -> Path:
    """A fresh copy of the run folder (no model yet) for each test."""
    for sub in ("tokenizer", "tokens"):
        (tmp_path / sub).mkdir()
        for f in (run_template / sub).iterdir():
            (tmp_path / sub / f.name).write_bytes(f.read_bytes())
    return tmp_path


def test_rows_start_at_documents_or_continue_a_long_one():
    BOS = 0
    lengths = [3, 20, 5, 30]                     # documents start at 0, 3, 23 and 28
    tokens = np.concatenate([np.r_[BOS, np.arange(1, n)] for n in lengths])
    # Rows of 16 (+1) tokens. Row 0 ends at 16 inside document 1, whose 7 remaining tokens are
    # less than half a row: skipped, row 1 starts at document 2 (23). Row 1 ends at 39 inside
    # document 3 with 19 tokens left: row 2 continues it at 39. Its end leaves 3: no more rows.
    assert row_starts(tokens, BOS, 16).tolist() == [0, 23, 39]
    assert row_starts(np.r_[np.ones(5, dtype=int), tokens], BOS, 16).tolist() == [5, 28, 44]  # text before the first BOS is skipped


def test_batches_are_seeded_resumable_and_split_across_ranks(run):
    paths = shard_paths(run / "tokens", "train")
    bos = Tokenizer.from_file(str(run / "tokenizer" / "tokenizer.json")).token_to_id(BOS_TOKEN)
    def batches(**kwargs):
        return DocumentBatches(paths, 512, 16, bos, **{"seed": 1, **kwargs})

    reader = batches()
    first = [next(reader)[0] for _ in range(60)]
    assert reader.epoch == 1                                  # the run crossed shards and an epoch
    again = batches()
    assert all(torch.equal(x, next(again)[0]) for x in first)
    assert not torch.equal(first[0], next(batches(seed=2))[0])

    partial = batches()
    for _ in range(30):
        next(partial)
    resumed = batches()
    resumed.load_state_dict(partial.state_dict())
    assert all(torch.equal(first[i], next(resumed)[0]) for i in range(30, 60))

    one_rank = DocumentBatches(paths, 512, 32, bos, seed=1)
    ranks = [batches(rank=r, world_size=2) for r in range(2)]
    for _ in range(5):
        assert torch.equal(next(one_rank)[0], torch.cat([next(r)[0] for r in ranks]))


def test_validation_pass_ends_and_stays_ended(run):
    """An evaluation may ask for more batches than the validation shards hold."""
    reader = DocumentBatches(shard_paths(run / "tokens", "val"), 32, 4, bos_id=0, shuffle=False)
    assert len(list(reader)) > 0
    assert next(reader, None) is None and next(reader, None) is None


def test_targets_are_inputs_shifted_by_one(run):
    paths = shard_paths(run / "tokens", "val")
    x, y = next(DocumentBatches(paths, 32, 4, bos_id=0, shuffle=False))
    assert torch.equal(x[:, 1:], y[:, :-1])


def test_schedules():
    cosine = replace(TINY, max_steps=100, warmup_steps=10, min_lr_ratio=0.1)
    assert lr_multiplier(0, cosine) == pytest.approx(0.1)
    assert lr_multiplier(9, cosine) == pytest.approx(1.0)
    assert lr_multiplier(100, cosine) == pytest.approx(0.1)
    wsd = replace(cosine, schedule="wsd", decay_fraction=0.2)
    assert lr_multiplier(50, wsd) == lr_multiplier(79, wsd) == 1.0
    assert lr_multiplier(90, wsd) == pytest.approx(0.55)
    assert lr_multiplier(100, wsd) == pytest.approx(0.1)


def test_attention_is_causal():
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=64, context=16, n_layer=2, n_head=2, n_embd=16)).eval()
    idx = torch.randint(0, 64, (1, 16))
    changed = idx.clone()
    changed[0, 10] = (idx[0, 10] + 1) % 64
    with torch.no_grad():
        a, b = model(idx), model(changed)
    assert torch.equal(a[0, :10], b[0, :10])
    assert not torch.allclose(a[0, 10:], b[0, 10:])


def test_training_lowers_validation_loss_and_writes_its_outputs(run):
    last = train(run, replace(TINY, max_steps=24, eval_every=12, ckpt_every=12))
    metrics = pl.read_parquet(run / "model" / "metrics.parquet")
    val = metrics.filter(pl.col("val_loss").is_not_null())
    assert val["step"].to_list() == [0, 12, 24]
    assert val["val_loss"][-1] < val["val_loss"][0] - 0.5
    assert 0 < last["val_bpb"] < 8
    assert metrics["step"].to_list() == list(range(25))
    assert (run / "model" / "ckpt.pt").exists()
    assert (run / "model" / "sample.txt").read_text()


def test_an_interrupted_run_resumes_exactly(run, tmp_path, monkeypatch):
    straight = tmp_path / "straight"
    straight.mkdir()
    for sub in ("tokenizer", "tokens"):
        (straight / sub).symlink_to(run / sub)
    train(straight, TINY)

    # Ctrl-C while step 7 reads its batch: the checkpoint of step 4 is the one left.
    real_next, calls = DocumentBatches.__next__, {"train": 0}

    def interrupt_at_step_7(self):
        if self.shuffle:
            calls["train"] += 1
            if calls["train"] == 7:
                raise KeyboardInterrupt
        return real_next(self)

    monkeypatch.setattr(DocumentBatches, "__next__", interrupt_at_step_7)
    with pytest.raises(KeyboardInterrupt):
        train(run, TINY)
    monkeypatch.undo()
    assert torch.load(run / "model" / "ckpt.pt", weights_only=True)["step"] == 4
    with pytest.raises(RefineryError, match="--resume"):
        train(run, TINY)

    train(run, resume=True)
    resumed = pl.read_parquet(run / "model" / "metrics.parquet")
    expected = pl.read_parquet(straight / "model" / "metrics.parquet")
    assert resumed["step"].to_list() == list(range(TINY.max_steps + 1))
    for column in ("train_loss", "val_loss", "lr", "grad_norm"):
        assert resumed[column].to_list() == expected[column].to_list(), column
    assert (run / "model" / "sample.txt").read_text() == (straight / "model" / "sample.txt").read_text()


def test_resume_refuses_another_preset(run):
    train(run, replace(TINY, max_steps=2))
    with pytest.raises(RefineryError, match="another config"):
        train(run, replace(TINY, max_steps=4), resume=True)


def test_shards_that_do_not_match_their_manifest_are_refused(run, capsys):
    tokens, tokenizer_json = run / "tokens", run / "tokenizer" / "tokenizer.json"

    def refusal() -> str:
        """What `refinery train RUN` prints: one line, exit status 2, and no training started."""
        capsys.readouterr()
        assert main(["train", str(run)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("refinery train: error: ") and err.count("\n") == 1
        assert not (run / "model").exists()
        return err

    shard = tokens / "train_000001.bin"
    original = shard.read_bytes()
    shard.write_bytes(original[:-2])                           # cut by hand
    assert "cut or rewritten since the tokenizer wrote it" in refusal()
    changed = bytearray(original)
    changed[-1] ^= 1                                           # same size, one token changed
    shard.write_bytes(bytes(changed))
    assert "sha256 differs" in refusal()
    shard.write_bytes(original)

    (tokens / "train_000002.bin").write_bytes(original)        # a shard the tokenizer did not write
    assert "train_000002.bin not in manifest.json" in refusal()
    (tokens / "train_000002.bin").unlink()
    (tokens / "train_000000.bin").unlink()
    assert "train_000000.bin listed in manifest.json but missing" in refusal()

    theirs = Tokenizer.from_file(str(tokenizer_json))          # shards of this tokenizer, another one in the run
    theirs.add_special_tokens(["<|pad|>"])
    theirs.save(str(tokenizer_json))
    assert "written with another tokenizer than" in refusal()

    (tokens / "manifest.json").unlink()
    assert "manifest.json is missing" in refusal() and f"rerun `refinery tokenizer {run}`" in refusal()


def test_resume_refuses_shards_rewritten_since_its_checkpoint(run):
    train(run, replace(TINY, max_steps=2))
    # The tokenizer step ran again on another corpus: the shards are whole and sealed, but not
    # the ones the checkpoint's data position counts rows in.
    manifest = json.loads((run / "tokens" / "manifest.json").read_text())
    val = run / "tokens" / "val_000000.bin"
    shards = [e for e in manifest["shards"] if e["name"] != val.name]
    shards.append(write_shard(val, np.array(open_shard(val)[:1000]), manifest["vocab_size"]))
    write_manifest(run / "tokens", run / "tokenizer" / "tokenizer.json", manifest["vocab_size"], manifest["bos_id"],
                   shards)
    with pytest.raises(RefineryError, match="was trained on other token shards"):
        train(run, resume=True)


def test_muon_trains(run):
    last = train(run, replace(TINY, optimizer="muon", max_steps=4, eval_every=4))
    assert np.isfinite(last["train_loss"])
    assert torch.load(run / "model" / "ckpt.pt", weights_only=True)["step"] == 4   # Muon's state is plain too


@pytest.mark.parametrize("tied", [True, False])
def test_export_loads_in_transformers_with_the_same_logits(run, tmp_path, tied):
    transformers = pytest.importorskip("transformers")
    from trainer.export import export_hf
    from trainer.checkpoint import load_checkpoint

    train(run, replace(TINY, max_steps=4, tie_embeddings=tied))
    export_hf(run, tmp_path / "hf")
    hf = transformers.AutoModelForCausalLM.from_pretrained(tmp_path / "hf").eval()
    ckpt = load_checkpoint(run / "model" / "ckpt.pt")
    ours = GPT(GPTConfig(**ckpt["model_config"]))
    ours.load_state_dict(ckpt["model"])
    ours.eval()
    text = DCLM.read_text(encoding="utf-8")[:2000]
    ids = torch.tensor([transformers.AutoTokenizer.from_pretrained(tmp_path / "hf")(text).input_ids[:32]])
    with torch.no_grad():
        torch.testing.assert_close(hf(ids).logits, ours(ids), atol=1e-4, rtol=1e-4)


DDP_SCRIPT = """
import json, sys
from pathlib import Path
from trainer.presets import TrainConfig
from trainer.train import train
train(Path(sys.argv[1]), TrainConfig(**json.loads(sys.argv[2])))
"""


def test_ddp_on_two_ranks_trains_like_one_process_with_the_same_global_batch(run, tmp_path_factory):
    """torchrun with two CPU ranks (gloo): each rank takes half of every global batch and DDP
    averages the gradients, so the losses match a single process that reads whole batches."""
    import subprocess
    import sys
    from dataclasses import asdict

    script = tmp_path_factory.mktemp("ddp") / "train_ddp.py"
    script.write_text(DDP_SCRIPT)
    single = tmp_path_factory.mktemp("single")
    for sub in ("tokenizer", "tokens"):
        (single / sub).mkdir()
        for f in (run / sub).iterdir():
            (single / sub / f.name).write_bytes(f.read_bytes())
    cfg = replace(TINY, max_steps=6, eval_every=3, ckpt_every=3)
    env = {"PYTHONPATH": str(Path(__file__).resolve().parents[1]), "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"}
    for command in ([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                     str(script), str(run), json.dumps(asdict(replace(cfg, batch_rows=cfg.batch_rows // 2)))],
                    [sys.executable, str(script), str(single), json.dumps(asdict(cfg))]):
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
        assert done.returncode == 0, done.stderr[-4000:]
    two, one = (pl.read_parquet(r / "model" / "metrics.parquet") for r in (run, single))
    assert two["tokens"].to_list() == one["tokens"].to_list()
    for column in ("train_loss", "val_loss"):
        a, b = two[column].drop_nulls().to_numpy(), one[column].drop_nulls().to_numpy()
        assert len(a) == len(b) > 0
        np.testing.assert_allclose(a, b, rtol=1e-4)
