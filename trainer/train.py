"""The training loop: RUN/tokens + RUN/tokenizer in, RUN/model/{ckpt.pt, metrics.parquet, sample.txt} out
(and TensorBoard event files, trainer/events.py).

Runs as it is on a laptop CPU, on one GPU (bf16 autocast, torch.compile, fused AdamW) and on
several under torchrun (DDP: every rank reads its own slice of each batch). Rank 0 alone
writes files and draws the progress bar.

Before reading a token it checks the shards against RUN/tokens/manifest.json (tokenizer/manifest.py).
Every output is written whole or not at all, so after `kill -9` at any moment `--resume` goes
on from the last checkpoint as if the run had never stopped. A finished run resumed with a higher
max_steps trains on from its last step.
"""
from __future__ import annotations

import itertools
import math
import os
import time
from contextlib import nullcontext
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import polars as pl
import torch
import torch.distributed as dist
from tokenizers import Tokenizer
from torch.nn.parallel import DistributedDataParallel
from tqdm import tqdm

from pipeline.errors import RefineryError
from tokenizer.atomic import atomic_output, remove_stale_temps, write_text_atomic
from tokenizer.bpe import BOS as BOS_TOKEN
from tokenizer.manifest import MANIFEST, check_shards

from .checkpoint import load_checkpoint, restore_rng_state, rng_state, save_checkpoint
from .data import DocumentBatches, shard_paths
from .events import EventLog
from .model import GPT, GPTConfig
from .presets import TrainConfig
from .sample import generate_text


def lr_multiplier(step: int, cfg: TrainConfig) -> float:
    """Linear warmup, then cosine decay or warmup-stable-decay, down to min_lr_ratio."""
    if step < cfg.warmup_steps:
        return (step + 1) / cfg.warmup_steps
    floor = cfg.min_lr_ratio
    if cfg.schedule == "cosine":
        progress = (step - cfg.warmup_steps) / max(1, cfg.max_steps - cfg.warmup_steps)
        return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))
    decay_start = cfg.max_steps - round(cfg.decay_fraction * cfg.max_steps)
    if step < decay_start:
        return 1.0
    return 1 - (1 - floor) * (step - decay_start) / max(1, cfg.max_steps - decay_start)


def build_optimizers(model: GPT, cfg: TrainConfig, device: torch.device) -> list[torch.optim.Optimizer]:
    """AdamW with weight decay on matrices only (not on norm gains). With "muon", the blocks'
    matrices go to Muon, whose orthogonalised updates suit them; embeddings, head and gains
    stay on AdamW, as Muon's authors prescribe."""
    params = dict(model.named_parameters())              # a tied weight appears once
    if cfg.optimizer == "muon":
        muon_names = {n for n, p in params.items() if n.startswith("blocks.") and p.dim() == 2}
    else:
        muon_names = set()
    matrices = [p for n, p in params.items() if p.dim() >= 2 and n not in muon_names]
    gains = [p for p in params.values() if p.dim() < 2]
    adamw = torch.optim.AdamW(
        [{"params": matrices, "weight_decay": cfg.weight_decay}, {"params": gains, "weight_decay": 0.0}],
        lr=cfg.lr, betas=(cfg.beta1, cfg.beta2), fused=device.type == "cuda",
    )
    if not muon_names:
        return [adamw]
    # match_rms_adamw scales Muon's step to AdamW's size, so the same lr and schedule serve both.
    muon = torch.optim.Muon([params[n] for n in sorted(muon_names)], lr=cfg.lr,
                            weight_decay=cfg.weight_decay, adjust_lr_fn="match_rms_adamw")
    return [adamw, muon]


def pick_device(name: str | None, local_rank: int = 0) -> torch.device:
    """The device `--device` names ("cpu", "cuda", "cuda:N", "mps"), by default the GPU if torch
    sees one. A bare "cuda" under torchrun is this rank's GPU."""
    name = name or ("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        device = None
    if device is None or device.type not in ("cpu", "cuda", "mps"):
        raise RefineryError(f"--device {name}: use cpu, cuda, cuda:N or mps")
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise RefineryError(f"--device {name}: this torch sees no CUDA GPU (use --device cpu)")
        device = torch.device("cuda", local_rank if device.index is None else device.index)
        if device.index >= torch.cuda.device_count():
            raise RefineryError(f"--device {name}: torch sees {torch.cuda.device_count()} GPU(s)")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise RefineryError(f"--device {name}: this torch has no MPS (Apple GPU) backend")
    return device


class Distributed:
    """Rank, world size and device: from torchrun's environment, or one process; on `device`
    (see pick_device)."""

    def __init__(self, device: str | None = None):
        self.enabled = "RANK" in os.environ
        self.device = pick_device(device, int(os.environ.get("LOCAL_RANK", "0")))
        if self.enabled:
            dist.init_process_group(backend="nccl" if self.device.type == "cuda" else "gloo")
            self.rank, self.world_size = dist.get_rank(), dist.get_world_size()
        else:
            self.rank, self.world_size = 0, 1
        if self.device.type == "cuda":
            torch.cuda.set_device(self.device)
        self.main = self.rank == 0

    def sum(self, t: torch.Tensor) -> torch.Tensor:
        if self.enabled:
            dist.all_reduce(t)
        return t

    def close(self) -> None:
        if self.enabled:
            # Every rank waits for the others (rank 0 writes the sample last): tearing the group
            # down while a peer still holds its connections aborts that peer under gloo.
            dist.barrier()
            dist.destroy_process_group()


@torch.no_grad()
def evaluate(model: GPT, batches, token_bytes: torch.Tensor, env: Distributed, autocast) -> tuple[float, float]:
    """Mean validation loss (nats per target token) and bits per byte. Bits per byte does not
    depend on the tokenizer, so it compares runs with different vocabularies; like nanochat's,
    it counts only targets that stand for bytes: a BOS target (the guess that a document ends
    here) has none, so its loss goes into the mean loss but not into bits per byte."""
    model.eval()
    # loss nats over all targets, targets, loss nats over targets with bytes, their bytes
    totals = torch.zeros(4, dtype=torch.float64, device=env.device)
    for x, y in batches:
        x, y = x.to(env.device), y.to(env.device)
        with autocast:
            loss = model(x, y).double()
        n_bytes = token_bytes[y]
        totals += torch.stack([loss.sum(), torch.tensor(y.numel(), device=env.device),
                               torch.where(n_bytes > 0, loss, 0.0).sum(), n_bytes.sum()]).double()
    model.train()
    loss_nats, targets, byte_loss_nats, n_bytes = env.sum(totals).tolist()
    return loss_nats / targets, byte_loss_nats / math.log(2) / n_bytes


def read_tokenizer(run: Path) -> tuple[Tokenizer, int, np.ndarray]:
    tok_dir = run / "tokenizer"
    if not (tok_dir / "tokenizer.json").exists() or not (tok_dir / "token_bytes.npy").exists():
        raise RefineryError(f"{tok_dir}: tokenizer.json and token_bytes.npy are missing: run `refinery tokenizer {run}` first")
    tokenizer = Tokenizer.from_file(str(tok_dir / "tokenizer.json"))
    bos_id = tokenizer.token_to_id(BOS_TOKEN)
    if bos_id is None:
        raise RefineryError(f"{tok_dir / 'tokenizer.json'} has no {BOS_TOKEN} token")
    return tokenizer, bos_id, np.load(tok_dir / "token_bytes.npy")


def train(run: Path, cfg: TrainConfig | None = None, resume: bool = False, max_steps: int | None = None,
          device: str | None = None) -> dict:
    """Train on RUN's shards; return the last metrics row.

    A new run trains `cfg`. With resume, the run continues from RUN/model/ckpt.pt under the
    config saved there (`cfg`, if given, must equal it but for max_steps). `max_steps` replaces
    the config's: on resume, a finished run trains on to that step, its schedule recomputed for
    the new total (lr_multiplier). `device` is where the run trains (pick_device), not part of
    its config: a run may resume on another device."""
    run = Path(run)
    model_dir = run / "model"
    ckpt_path, metrics_path = model_dir / "ckpt.pt", model_dir / "metrics.parquet"
    if resume and not ckpt_path.exists():
        raise RefineryError(f"{ckpt_path} does not exist: nothing to resume")
    if not resume and ckpt_path.exists():
        raise RefineryError(f"{ckpt_path} exists: pass --resume to continue it (--max-steps N: on to step N), "
                            f"or delete {model_dir} to start over")
    ckpt = load_checkpoint(ckpt_path) if resume else None
    if ckpt is not None:
        saved = TrainConfig(**ckpt["config"])
        if cfg is not None and replace(cfg, max_steps=saved.max_steps) != saved:
            raise RefineryError(f"{ckpt_path} was trained with another config; resume without --preset or start over")
        cfg = saved
        if max_steps is not None and max_steps < ckpt["step"]:
            raise RefineryError(f"{ckpt_path} has trained {ckpt['step']} steps already: "
                                f"--max-steps {max_steps} would end before it")
    if max_steps is not None:
        cfg = replace(cfg, max_steps=max_steps)
    tokenizer, bos_id, token_bytes = read_tokenizer(run)
    train_paths, val_paths = shard_paths(run / "tokens", "train"), shard_paths(run / "tokens", "val")
    if not train_paths or not val_paths:
        raise RefineryError(f"{run / 'tokens'}: no train_*.bin / val_*.bin shards: run `refinery tokenizer {run}` first")
    shards_sha256 = check_shards(run / "tokens", run / "tokenizer" / "tokenizer.json")
    if ckpt is not None and ckpt.get("shards_sha256") != shards_sha256:
        raise RefineryError(f"{ckpt_path} was trained on other token shards than {run / 'tokens' / MANIFEST} lists "
                            f"(the tokenizer step ran again on other inputs): delete {model_dir} to start over")

    env = Distributed(device)
    device = env.device
    torch.manual_seed(cfg.seed)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True     # TF32 for any matmul autocast leaves in fp32
        torch.backends.cudnn.allow_tf32 = True
    # bf16 keeps fp32's range, so unlike fp16 it needs no loss scaling.
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else nullcontext()

    model_cfg = GPTConfig(vocab_size=tokenizer.get_vocab_size(), context=cfg.seq_len, n_layer=cfg.n_layer,
                          n_head=cfg.n_head, n_embd=cfg.n_embd, tie_embeddings=cfg.tie_embeddings)
    model = GPT(model_cfg).to(device)
    optimizers = build_optimizers(model, cfg, device)
    batches = DocumentBatches(train_paths, cfg.seq_len, cfg.batch_rows, bos_id, seed=cfg.seed,
                              rank=env.rank, world_size=env.world_size)
    step, tokens_seen, elapsed = 0, 0, 0.0
    metrics: list[dict] = []
    if ckpt is not None:
        model.load_state_dict(ckpt["model"])
        for opt, state in zip(optimizers, ckpt["optimizers"]):
            opt.load_state_dict(state)
        batches.load_state_dict(ckpt["data"])
        restore_rng_state(ckpt["rng"], device)
        step, tokens_seen, elapsed = ckpt["step"], ckpt["tokens"], ckpt["elapsed_s"]
        if metrics_path.exists():   # rows logged after the checkpoint are about to be redone
            metrics = pl.read_parquet(metrics_path).filter(pl.col("step") <= step).to_dicts()

    # The wrapped model trains; `model` itself stays the plain module for checkpoints, evaluation and sampling.
    trained = model
    if device.type == "cuda":
        trained = torch.compile(model)
    if env.enabled:
        trained = DistributedDataParallel(trained, device_ids=[device.index] if device.type == "cuda" else None)

    token_bytes_t = torch.from_numpy(token_bytes.astype(np.int64)).to(device)
    eval_batches = max(1, cfg.eval_tokens // (cfg.batch_rows * cfg.seq_len * env.world_size))

    def run_eval() -> tuple[float, float]:
        val = DocumentBatches(val_paths, cfg.seq_len, cfg.batch_rows, bos_id, shuffle=False,
                              rank=env.rank, world_size=env.world_size)
        return evaluate(model, itertools.islice(val, eval_batches), token_bytes_t, env, autocast)

    def save() -> None:
        # Metrics first: a resume keeps the rows up to its checkpoint's step, so metrics ahead of
        # the checkpoint are harmless, while a checkpoint ahead of the metrics would lose rows.
        with atomic_output(metrics_path) as f:
            pl.DataFrame(metrics, schema=METRICS_SCHEMA).write_parquet(f)
        save_checkpoint(ckpt_path, {
            "config": asdict(cfg), "model_config": asdict(model_cfg), "model": model.state_dict(),
            "optimizers": [opt.state_dict() for opt in optimizers], "data": batches.state_dict(),
            "rng": rng_state(device), "step": step, "tokens": tokens_seen, "elapsed_s": elapsed,
            "shards_sha256": shards_sha256,
        })

    tokens_per_step = cfg.batch_rows * cfg.seq_len * cfg.grad_accum * env.world_size
    if env.main:
        model_dir.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(model_dir)    # a checkpoint or metrics file a killed run was writing
        print(f"model: {model.num_parameters() / 1e6:.2f}M parameters, vocab {model_cfg.vocab_size}, "
              f"{tokens_per_step} tokens/step, device {device}, {env.world_size} rank(s)"
              + (f"; resuming at step {step} of {cfg.max_steps}" if step else ""))
    with EventLog(model_dir if env.main else None, history=metrics) as events, \
            tqdm(total=cfg.max_steps * tokens_per_step, initial=tokens_seen, unit="tok", unit_scale=True,
                 disable=not env.main, desc="train") as bar:
        if step == 0:
            val_loss, val_bpb = run_eval()
            metrics.append({"step": 0, "tokens": 0, "val_loss": val_loss, "val_bpb": val_bpb, "elapsed_s": 0.0})
            events.add(metrics[-1])
        while step < cfg.max_steps:
            started = time.perf_counter()
            lr = cfg.lr * lr_multiplier(step, cfg)
            for opt in optimizers:
                for group in opt.param_groups:
                    group["lr"] = lr
            loss_sum = torch.zeros((), device=device)
            for micro in range(cfg.grad_accum):
                x, y = next(batches)
                x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
                # DDP averages gradients across ranks on every backward; only the last micro-batch needs it.
                sync = nullcontext() if not env.enabled or micro == cfg.grad_accum - 1 else trained.no_sync()
                with sync, autocast:
                    loss = trained(x, y).mean()
                (loss / cfg.grad_accum).backward()
                loss_sum += loss.detach()
            grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            for opt in optimizers:
                opt.step()
                opt.zero_grad(set_to_none=True)
            train_loss = env.sum(loss_sum).item() / cfg.grad_accum / env.world_size
            step += 1
            tokens_seen += tokens_per_step
            seconds = time.perf_counter() - started
            elapsed += seconds
            row = {"step": step, "tokens": tokens_seen, "lr": lr, "train_loss": train_loss,
                   "grad_norm": grad_norm.item(), "tokens_per_s": tokens_per_step / seconds, "elapsed_s": elapsed}
            if step % cfg.eval_every == 0 or step == cfg.max_steps:
                row["val_loss"], row["val_bpb"] = run_eval()
            metrics.append(row)
            events.add(row)
            bar.update(tokens_per_step)
            bar.set_postfix(step=step, loss=f"{train_loss:.3f}", val=f"{metrics_val(metrics):.3f}", refresh=False)
            if env.main and (step % cfg.ckpt_every == 0 or step == cfg.max_steps):
                save()
                events.flush()

    if env.main:
        text = generate_text(model, tokenizer, bos_id, max_new_tokens=cfg.sample_tokens, seed=cfg.seed)
        write_text_atomic(model_dir / "sample.txt", text)
        print(f"val loss {metrics[0]['val_loss']:.3f} -> {metrics_val(metrics):.3f} nats; sample:\n{text}")
    env.close()
    return metrics[-1]


METRICS_SCHEMA = {
    "step": pl.Int64, "tokens": pl.Int64, "lr": pl.Float64, "train_loss": pl.Float64, "grad_norm": pl.Float64,
    "val_loss": pl.Float64, "val_bpb": pl.Float64, "tokens_per_s": pl.Float64, "elapsed_s": pl.Float64,
}


def metrics_val(metrics: list[dict]) -> float:
    """The latest validation loss logged."""
    return next(row["val_loss"] for row in reversed(metrics) if row.get("val_loss") is not None)
