"""The trainer on a tiny run folder made here: real web text (DCLM annotation set), a 512-token
BPE trained and saved by the tokenizer step's own code, llm.c shards and their manifest. Models
are tiny so the whole file runs in about a minute. Killing `refinery train` for real is
tests/test_crash_safety_tokenizer_trainer.py."""
from __future__ import annotations

import json
import math
import shutil
from contextlib import nullcontext
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import torch
from tokenizers import Tokenizer

from pipeline.cli import main
from pipeline.errors import RefineryError
from tokenizer import bpe
from tokenizer.encoders import hf_encoder
from tokenizer.manifest import write_manifest
from tokenizer.shards import open_shard, write_shard
from trainer.data import DocumentBatches, row_starts, shard_paths
from trainer.model import GPT, GPTConfig
from trainer.presets import PRESETS
from trainer.sample import load_model
from trainer.train import BOS_TOKEN, Distributed, evaluate, lr_multiplier, train

TINY = replace(PRESETS["small"], n_layer=1, n_head=2, n_embd=32, seq_len=32, batch_rows=4, max_steps=8,
               warmup_steps=2, lr=1e-2, eval_every=4, eval_tokens=512, ckpt_every=4, sample_tokens=8)
VAL_DOCUMENTS = 30          # the first DCLM texts: the validation shard, held out from training


@pytest.fixture(scope="module")
def texts(shared_data) -> list[str]:
    dclm = shared_data / "dclm" / "majority_data.jsonl"
    return [json.loads(line)["text"] for line in dclm.read_text(encoding="utf-8").splitlines()[:300]]


@pytest.fixture(scope="module")
def run_template(texts, tmp_path_factory) -> Path:
    run = tmp_path_factory.mktemp("run")
    (run / "tokens").mkdir()
    tok = bpe.train_bpe([texts[VAL_DOCUMENTS:]], vocab_size=512)
    bpe.save(tok, run / "tokenizer")
    bos = tok.token_to_id(BOS_TOKEN)
    docs = [np.array([bos] + ids) for ids in hf_encoder(tok)(texts)]     # as tokenizer/encode.py writes them
    parts = [("val_000000", docs[:VAL_DOCUMENTS]), ("train_000000", docs[VAL_DOCUMENTS:160]),
             ("train_000001", docs[160:])]
    vocab = tok.get_vocab_size()
    shards = [write_shard(run / "tokens" / f"{name}.bin", np.concatenate(part), vocab) for name, part in parts]
    write_manifest(run / "tokens", run / "tokenizer" / "tokenizer.json", vocab, bos, shards)
    return run


@pytest.fixture
def run(run_template, tmp_path) -> Path:
    """A fresh copy of the run folder (no model yet) for each test."""
    for sub in ("tokenizer", "tokens"):
        (tmp_path / sub).mkdir()
        for f in (run_template / sub).iterdir():
            (tmp_path / sub / f.name).write_bytes(f.read_bytes())
    return tmp_path


def train_until_interrupted(run, cfg, monkeypatch, at_step: int) -> None:
    """Train with a Ctrl-C arriving while step `at_step` reads its batch."""
    real_next, calls = DocumentBatches.__next__, {"train": 0}

    def interrupting(self):
        if self.shuffle:
            calls["train"] += 1
            if calls["train"] == at_step:
                raise KeyboardInterrupt
        return real_next(self)

    monkeypatch.setattr(DocumentBatches, "__next__", interrupting)
    with pytest.raises(KeyboardInterrupt):
        train(run, cfg)
    monkeypatch.undo()


@pytest.fixture(scope="module")
def trained(run_template, tmp_path_factory) -> Path:
    """A run folder with TINY trained to its end, for tests that only read it."""
    run = tmp_path_factory.mktemp("trained")
    for sub in ("tokenizer", "tokens"):
        shutil.copytree(run_template / sub, run / sub)
    train(run, TINY)
    return run


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
    train_until_interrupted(run, TINY, monkeypatch, at_step=7)
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
        train(run, replace(TINY, max_steps=2, lr=0.5), resume=True)


class FixedLosses(torch.nn.Module):
    """Stands in for a model: the loss of each target is given."""

    def __init__(self, losses: torch.Tensor):
        super().__init__()
        self.losses = losses

    def forward(self, x, y):
        return self.losses


def test_bits_per_byte_leaves_out_targets_without_bytes():
    token_bytes = torch.tensor([0, 1, 2, 3])        # id 0 is BOS, ids 1-3 stand for 1-3 bytes
    targets = torch.tensor([[2, 3, 0, 1]])           # the third target: a document ends, the next one begins
    losses = torch.tensor([[1.0, 2.0, 4.0, 0.5]])
    val_loss, val_bpb = evaluate(FixedLosses(losses), [(targets, targets)], token_bytes, Distributed("cpu"),
                                 nullcontext())
    assert val_loss == pytest.approx((1.0 + 2.0 + 4.0 + 0.5) / 4)          # the loss counts every target
    assert val_bpb == pytest.approx((1.0 + 2.0 + 0.5) / math.log(2) / (2 + 3 + 1))


def test_set_changes_any_knob_parsed_by_its_type(run):
    """Every knob of TINY but max_steps given through --set over the small preset (ints, floats, a
    bool, strings), and max_steps through --max-steps."""
    knobs = [f"{name}={value}" for name, value in asdict(TINY).items() if name != "max_steps"]
    assert main(["train", str(run), "--preset", "small", "--set", *knobs[:3], "--set", *knobs[3:],
                 "--max-steps", str(TINY.max_steps), "--device", "cpu"]) == 0
    assert torch.load(run / "model" / "ckpt.pt", weights_only=True)["config"] == asdict(TINY)


@pytest.mark.parametrize("args, message", [
    (["--set", "n_layers=2"], "no knob 'n_layers'; the knobs are n_layer, n_head, n_embd, seq_len"),
    (["--set", "n_layer"], "expected KEY=VALUE"),
    (["--set", "n_layer=two"], "n_layer takes a whole number"),
    (["--set", "lr=fast"], "lr takes a number"),
    (["--set", "tie_embeddings=maybe"], "tie_embeddings is true or false"),
    (["--set", "optimizer=sgd"], "unknown optimizer 'sgd'"),
    (["--set", "batch_rows=0"], "batch_rows must be at least 1"),
    (["--device", "tpu"], "--device tpu: use cpu, cuda, cuda:N or mps"),
    (["--resume", "--set", "lr=1"], "a resumed run keeps its checkpoint's"),
])
def test_bad_train_options_stop_with_one_line(run, capsys, args, message):
    assert main(["train", str(run), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("refinery train: error: ") and message in err and err.count("\n") == 1
    assert not (run / "model").exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_device_cuda_without_a_gpu_says_so(run, capsys):
    assert main(["train", str(run), "--device", "cuda"]) == 2
    assert "sees no CUDA GPU (use --device cpu)" in capsys.readouterr().err


def test_a_finished_run_continues_to_more_steps(trained, tmp_path, capsys):
    run = tmp_path / "run"
    shutil.copytree(trained, run)
    before = pl.read_parquet(run / "model" / "metrics.parquet")
    assert main(["train", str(run), "--max-steps", "12"]) == 0           # no --resume needed
    after = pl.read_parquet(run / "model" / "metrics.parquet")
    ckpt = torch.load(run / "model" / "ckpt.pt", weights_only=True)
    assert ckpt["step"] == 12 and ckpt["config"] == asdict(replace(TINY, max_steps=12))
    assert after["step"].to_list() == list(range(13))
    assert after.head(TINY.max_steps + 1).equals(before)
    # From step 8 on, the schedule is the one of a 12-step run (row N logs the lr of step N - 1).
    longer = replace(TINY, max_steps=12)
    assert after["lr"].to_list()[9:] == [TINY.lr * lr_multiplier(step - 1, longer) for step in range(9, 13)]
    assert after.filter(pl.col("val_loss").is_not_null())["step"].to_list() == [0, 4, 8, 12]

    capsys.readouterr()
    assert main(["train", str(run), "--max-steps", "10"]) == 2
    assert "has trained 12 steps already: --max-steps 10 would end before it" in capsys.readouterr().err


def test_sample_continues_a_prompt_from_the_checkpoint(trained, capsys):
    def sample(*args: str) -> str:
        capsys.readouterr()
        assert main(["sample", str(trained), *args]) == 0
        return capsys.readouterr().out

    prompt = "The history of"
    first = sample("--prompt", prompt, "--max-new-tokens", "6", "--seed", "3")
    assert first.startswith(prompt) and len(first) > len(prompt) + 1
    assert sample("--prompt", prompt, "--max-new-tokens", "6", "--seed", "3") == first
    assert sample("--prompt", prompt, "--max-new-tokens", "6", "--seed", "4") != first
    # No prompt, the run's seed and length: the very sample training wrote with the same weights.
    assert sample("--max-new-tokens", str(TINY.sample_tokens), "--seed", str(TINY.seed), "--device", "cpu") == \
        (trained / "model" / "sample.txt").read_text() + "\n"


def test_sample_without_a_checkpoint_says_what_to_run(run, capsys):
    assert main(["sample", str(run), "--prompt", "Hello"]) == 2
    assert f"run `refinery train {run}` first" in capsys.readouterr().err


def tensorboard_scalars(folder: Path, tag: str) -> dict[int, float]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(folder))
    events.Reload()
    steps = [event.step for event in events.Scalars(tag)]
    assert len(steps) == len(set(steps)), f"{tag}: a step shown twice"
    return {event.step: event.value for event in events.Scalars(tag)}


def test_tensorboard_events_show_the_metrics_once_after_a_resume(run, monkeypatch):
    pytest.importorskip("tensorboard", reason="the tensorboard package is not installed")
    cfg = replace(TINY, max_steps=6, ckpt_every=3, eval_every=2)
    train_until_interrupted(run, cfg, monkeypatch, at_step=5)   # the checkpoint is step 3's, the events reach step 4
    train(run, resume=True)
    metrics = pl.read_parquet(run / "model" / "metrics.parquet")
    for tag in ("train_loss", "val_loss", "val_bpb", "lr"):
        expected = {row["step"]: row[tag] for row in metrics.iter_rows(named=True) if row[tag] is not None}
        shown = tensorboard_scalars(run / "model", tag)
        assert shown.keys() == expected.keys(), tag
        np.testing.assert_allclose([shown[s] for s in expected], list(expected.values()), rtol=1e-6)


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
def test_export_gives_transformers_our_tokens_logits_and_loss(run, texts, tmp_path, tied):
    """From the exported folder alone, transformers encodes a held-out document as training saw
    it (BOS first) and its model's loss on it is the loss refinery's evaluation measures."""
    transformers = pytest.importorskip("transformers")
    cfg = replace(TINY, max_steps=4, seq_len=128, tie_embeddings=tied)
    train(run, cfg)
    assert main(["export", str(run), "--hf", str(tmp_path / "hf")]) == 0
    hf_tokenizer = transformers.AutoTokenizer.from_pretrained(tmp_path / "hf")
    hf = transformers.AutoModelForCausalLM.from_pretrained(tmp_path / "hf").eval()
    ours = load_model(run, torch.device("cpu"))

    tokenizer = Tokenizer.from_file(str(run / "tokenizer" / "tokenizer.json"))
    encode = hf_encoder(tokenizer)                              # how the shards were encoded
    bos = tokenizer.token_to_id(BOS_TOKEN)
    document = min(texts[:VAL_DOCUMENTS], key=len)              # held out, and within the context
    ids = [bos] + encode([document])[0]
    assert len(ids) <= cfg.seq_len
    assert hf_tokenizer(document).input_ids == ids
    odd = "a literal <|endoftext|> in a page"                   # text, not BOS, as in the shards
    assert hf_tokenizer(odd).input_ids == [bos] + encode([odd])[0]

    batch = torch.tensor([ids])
    token_bytes = torch.from_numpy(np.load(run / "tokenizer" / "token_bytes.npy").astype(np.int64))
    our_loss, _ = evaluate(ours, [(batch[:, :-1], batch[:, 1:])], token_bytes, Distributed("cpu"), nullcontext())
    with torch.no_grad():
        theirs = hf_tokenizer(document, return_tensors="pt").input_ids     # as a user of the folder would
        out = hf(theirs, labels=theirs)
        torch.testing.assert_close(out.logits, ours(batch), atol=1e-4, rtol=1e-4)
    assert abs(out.loss.item() - our_loss) < 1e-3, (out.loss.item(), our_loss)


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
