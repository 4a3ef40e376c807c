"""CPU training speed of `refinery train` against a plain reference training loop.

The reference is the loop everyone writes first: a GPT-2-style model of the same size
(learned positions, LayerNorm, GELU MLP) trained with AdamW on random windows of the same
token shard, with nothing else around it. Our figure comes from the real trainer (its
loader, optimizer, clipping, schedule and logging) on a run folder made here from the DCLM
texts in ../shared/data; it is read from RUN/model/metrics.parquet. The ratio says what the
trainer's machinery and its modern blocks cost (or save) per token.

    .venv/bin/python bench/trainer.py [--steps 30]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl
import torch
import torch.nn.functional as F
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tokenizer.manifest import write_manifest  # noqa: E402
from tokenizer.shards import open_shard, write_shard  # noqa: E402
from trainer.presets import PRESETS  # noqa: E402
from trainer.train import BOS_TOKEN, train  # noqa: E402

DCLM = Path(__file__).resolve().parents[2] / "shared" / "data" / "dclm" / "majority_data.jsonl"
WARMUP_STEPS = 3      # the first steps pay for allocations; neither figure counts them


def make_run(run: Path, vocab_size: int) -> None:
    texts = [json.loads(line)["text"] for line in DCLM.read_text(encoding="utf-8").splitlines()]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(texts, trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=[BOS_TOKEN],
                                                       initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    (run / "tokenizer").mkdir(parents=True)
    (run / "tokens").mkdir()
    tok.save(str(run / "tokenizer" / "tokenizer.json"))
    bos = tok.token_to_id(BOS_TOKEN)
    token_bytes = np.array([0 if i == bos else len(tok.id_to_token(i)) for i in range(tok.get_vocab_size())])
    np.save(run / "tokenizer" / "token_bytes.npy", token_bytes)
    ids = np.concatenate([np.r_[bos, e.ids] for e in tok.encode_batch(texts)])
    split = len(ids) // 20
    shards = [write_shard(run / "tokens" / "val_000000.bin", ids[:split], tok.get_vocab_size()),
              write_shard(run / "tokens" / "train_000000.bin", ids[split:], tok.get_vocab_size())]
    write_manifest(run / "tokens", run / "tokenizer" / "tokenizer.json", tok.get_vocab_size(), bos, shards)


class ReferenceBlock(nn.Module):
    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.qkv, self.proj = nn.Linear(dim, 3 * dim), nn.Linear(dim, dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = (t.view(B, T, self.heads, -1).transpose(1, 2) for t in self.qkv(self.ln1(x)).split(C, dim=2))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(B, T, C)
        x = x + self.proj(y)
        return x + self.mlp(self.ln2(x))


class ReferenceGPT(nn.Module):
    def __init__(self, vocab: int, context: int, layers: int, dim: int, heads: int):
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, dim), nn.Embedding(context, dim)
        self.blocks = nn.Sequential(*(ReferenceBlock(dim, heads) for _ in range(layers)))
        self.ln, self.head = nn.LayerNorm(dim), nn.Linear(dim, vocab, bias=False)
        self.head.weight = self.tok.weight

    def forward(self, idx):
        x = self.tok(idx) + self.pos(torch.arange(idx.size(1)))
        return self.head(self.ln(self.blocks(x)))


def reference_tokens_per_s(shard: np.ndarray, vocab: int, cfg, steps: int) -> tuple[float, int]:
    torch.manual_seed(0)
    model = ReferenceGPT(vocab, cfg.seq_len, cfg.n_layer, cfg.n_embd, cfg.n_head)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr)
    rng = np.random.default_rng(0)
    for step in range(WARMUP_STEPS + steps):
        if step == WARMUP_STEPS:
            started = time.perf_counter()
        offsets = rng.integers(0, len(shard) - cfg.seq_len - 1, cfg.batch_rows)
        batch = torch.from_numpy(np.stack([shard[o:o + cfg.seq_len + 1] for o in offsets]).astype(np.int64))
        logits = model(batch[:, :-1])
        loss = F.cross_entropy(logits.flatten(0, 1), batch[:, 1:].flatten())
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
    seconds = time.perf_counter() - started
    return steps * cfg.batch_rows * cfg.seq_len / seconds, sum(p.numel() for p in model.parameters())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30, help="timed optimizer steps per loop")
    parser.add_argument("--vocab", type=int, default=8192)
    args = parser.parse_args()
    if not DCLM.exists():
        sys.exit(f"{DCLM} is absent: this benchmark trains on the shared DCLM texts")
    cfg = PRESETS["small"]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; preset small "
          f"({cfg.n_layer}x{cfg.n_embd}, {cfg.batch_rows}x{cfg.seq_len} tokens/step), vocab {args.vocab}")
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp)
        make_run(run, args.vocab)
        timed = replace(cfg, max_steps=WARMUP_STEPS + args.steps, eval_every=10**9, eval_tokens=cfg.seq_len,
                        ckpt_every=10**9, sample_tokens=1)
        train(run, timed)
        # elapsed_s counts training steps only (evaluation excluded): time the steps after warmup.
        rows = pl.read_parquet(run / "model" / "metrics.parquet").filter(pl.col("step") >= WARMUP_STEPS)
        ours = args.steps * cfg.batch_rows * cfg.seq_len / (rows["elapsed_s"][-1] - rows["elapsed_s"][0])
        reference, ref_params = reference_tokens_per_s(open_shard(run / "tokens" / "train_000000.bin"),
                                                       args.vocab, cfg, args.steps)
    print(f"refinery train : {ours:9,.0f} tokens/s")
    print(f"reference loop : {reference:9,.0f} tokens/s ({ref_params / 1e6:.2f}M parameters)")
    print(f"ratio          : {ours / reference:.2f}x the reference")


if __name__ == "__main__":
    main()
