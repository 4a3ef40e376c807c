"""`refinery ablate`: recipes in, a table saying which corpus trains the better model at equal
tokens, with the seed-to-seed noise measured (ablate/run.py says how)."""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from pipeline.errors import RefineryError
from tokenizer.cli import MIN_VOCAB_SIZE
from trainer.cli import positive
from trainer.presets import PRESETS, with_overrides

DEFAULT_VOCAB_SIZE = 8192
_SCALES = {"k": 10**3, "m": 10**6, "g": 10**9}


def token_count(text: str) -> int:
    """An argparse type: a positive number of tokens, written out or with a k, M or G suffix
    (thousands, millions, billions: `250k 1M 1.5M`)."""
    number, scale = (text[:-1], _SCALES[text[-1].lower()]) if text[-1:].lower() in _SCALES else (text, 1)
    try:
        value = float(number) * scale
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of tokens (e.g. 250000, 250k, 1M)") from None
    if value < 1 or value != int(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of tokens above 0")
    return int(value)


def register(subparsers) -> None:
    p = subparsers.add_parser("ablate", help="train equal-budget models on several recipes' corpora and compare them",
                              description=__doc__)
    p.add_argument("--input", nargs="+", required=True, metavar="PATTERN", help="WARC files, as `refinery dataset` takes")
    p.add_argument("--recipes", nargs="+", required=True, metavar="RECIPE", help="two or more recipe files: the arms")
    p.add_argument("--out", required=True, metavar="DIR", help="ablation folder (a rerun reuses what is finished)")
    p.add_argument("--tokens", nargs="+", required=True, type=token_count, metavar="N",
                   help="training tokens per model; several budgets make a sweep (e.g. 250k 1M 4M)")
    p.add_argument("--preset", choices=sorted(PRESETS), default="small", help="model and schedule (default: small)")
    p.add_argument("--set", action="extend", nargs="+", default=[], metavar="KNOB=VALUE",
                   help="change any knob of the preset, as `refinery train --set` (max_steps and seed are set per model)")
    p.add_argument("--seeds", type=positive(int), default=2, help="models per recipe and budget (default: 2)")
    p.add_argument("--eval", nargs="+", default=[], metavar="FILE",
                   help="more held-out eval sets, one per file (JSON Lines with 'text' and optional 'url', or "
                        "plain text), beside ../shared/data's AEB article bodies; needed where those are absent")
    p.add_argument("--eval-tokens", type=positive(int), metavar="N",
                   help="score every model on the first N tokens of each eval set (default: all of it)")
    p.add_argument("--vocab-size", type=int, default=DEFAULT_VOCAB_SIZE,
                   help=f"the shared tokenizer's vocabulary (default {DEFAULT_VOCAB_SIZE})")
    p.add_argument("--workers", type=positive(int), default=os.cpu_count() or 1, help="dataset and encoding workers")
    p.add_argument("--device", help="cpu, cuda, cuda:N or mps (default: the GPU if torch sees one)")
    p.set_defaults(func=run_ablate)


def run_ablate(args: argparse.Namespace) -> int:
    from .holdout import load_eval_sets
    from .report import verdicts, write_html
    from .run import ablate

    if len(args.recipes) < 2:
        raise RefineryError("--recipes takes two or more recipes: an ablation compares arms")
    if args.vocab_size < MIN_VOCAB_SIZE:
        raise RefineryError(f"--vocab-size must be at least {MIN_VOCAB_SIZE}")
    cfg = with_overrides(PRESETS[args.preset], args.set)
    table = ablate(args.input, args.recipes, args.out, sorted(set(args.tokens)), cfg, args.seeds,
                   load_eval_sets(args.eval), args.vocab_size, args.workers, args.device, args.eval_tokens)
    page = write_html(Path(args.out).resolve(), table)
    print("\n" + "\n".join(verdicts(table)))
    print(f"wrote {os.path.join(args.out, 'ablation.parquet')} and {page}")
    return 0
