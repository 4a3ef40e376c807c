"""The knobs of a training run, the named sets of them that `refinery train --preset` picks, and
`--set KEY=VALUE`, which changes any knob of the preset.

The vocabulary size is not a knob: it comes from the run's tokenizer.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import get_type_hints

from pipeline.errors import RefineryError


@dataclass(frozen=True)
class TrainConfig:
    # model
    n_layer: int
    n_head: int
    n_embd: int
    seq_len: int
    tie_embeddings: bool = True
    # batch: tokens per optimizer step = batch_rows * seq_len * grad_accum * number of ranks
    batch_rows: int = 16
    grad_accum: int = 1
    max_steps: int = 1000
    # optimizer and schedule
    optimizer: str = "adamw"           # "adamw", or "muon" for the blocks' matrices (AdamW for the rest)
    lr: float = 1e-3
    min_lr_ratio: float = 0.1          # the schedule ends at lr * min_lr_ratio
    warmup_steps: int = 100
    schedule: str = "cosine"           # "cosine", or "wsd": warmup, stable, then linear decay
    decay_fraction: float = 0.2        # wsd: share of the steps spent decaying
    weight_decay: float = 0.1
    beta1: float = 0.9
    beta2: float = 0.95
    grad_clip: float = 1.0
    # bookkeeping
    eval_every: int = 100
    eval_tokens: int = 65536           # validation tokens per evaluation (the same ones every time)
    ckpt_every: int = 100
    sample_tokens: int = 200           # length of the text sample generated at the end
    seed: int = 0

    def __post_init__(self):
        for name in ("n_layer", "n_head", "n_embd", "seq_len", "batch_rows", "grad_accum", "max_steps",
                     "eval_every", "eval_tokens", "ckpt_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, not {getattr(self, name)}")
        if self.optimizer not in ("adamw", "muon"):
            raise ValueError(f"unknown optimizer {self.optimizer!r}: use adamw or muon")
        if self.schedule not in ("cosine", "wsd"):
            raise ValueError(f"unknown schedule {self.schedule!r}: use cosine or wsd")


def knobs() -> dict[str, type]:
    """Every knob's name and type, in the order TrainConfig declares them."""
    types = get_type_hints(TrainConfig)   # the annotations are strings (postponed evaluation)
    return {f.name: types[f.name] for f in fields(TrainConfig)}


def parse_knob(name: str, kind: type, text: str):
    """`text` as a value of `kind`; booleans as true/false, yes/no, on/off or 1/0."""
    if kind is bool:
        words = {"true": True, "yes": True, "on": True, "1": True, "false": False, "no": False, "off": False, "0": False}
        if text.lower() not in words:
            raise RefineryError(f"--set {name}={text}: {name} is true or false")
        return words[text.lower()]
    try:
        return kind(text)               # int, float or str: the other types a knob has
    except ValueError:
        raise RefineryError(f"--set {name}={text}: {name} takes {'a whole number' if kind is int else 'a number'}") from None


def with_overrides(cfg: TrainConfig, assignments: list[str]) -> TrainConfig:
    """`cfg` with each KEY=VALUE of `--set` applied, the value read as its knob's type."""
    types, changes = knobs(), {}
    for assignment in assignments:
        name, equals, text = assignment.partition("=")
        if not equals:
            raise RefineryError(f"--set {assignment}: expected KEY=VALUE")
        if name not in types:
            raise RefineryError(f"--set {assignment}: no knob {name!r}; the knobs are {', '.join(types)}")
        changes[name] = parse_knob(name, types[name], text)
    try:
        return replace(cfg, **changes)
    except ValueError as e:               # TrainConfig's own checks: a known optimizer, positive sizes...
        raise RefineryError(f"--set: {e}") from None


PRESETS = {
    # About ten minutes on two CPU cores: a model this small learns the corpus's frequent words
    # and short phrases; the validation loss falls from ln(vocab) by well over 1.5 nats.
    "small": TrainConfig(
        n_layer=4, n_head=4, n_embd=128, seq_len=256, batch_rows=16, max_steps=600,
        lr=3e-3, warmup_steps=50, eval_every=100, eval_tokens=32768, ckpt_every=100,
    ),
    # GPT-2 small's shape (12 x 768, 1024 tokens) with llm.c's recipe for it: 0.5M tokens a step
    # on one GPU (32 rows x 1024 x 16 accumulation), lr 6e-4, 700 warmup steps, 10B tokens.
    "gpt2-124m": TrainConfig(
        n_layer=12, n_head=12, n_embd=768, seq_len=1024, batch_rows=32, grad_accum=16,
        max_steps=19073, lr=6e-4, warmup_steps=700, min_lr_ratio=0.0, eval_every=250,
        eval_tokens=10 * 524288, ckpt_every=1000, sample_tokens=256,
    ),
}
