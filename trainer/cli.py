"""`refinery train RUN` and `refinery export RUN --hf DIR`."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline.errors import RefineryError

from .presets import PRESETS


def register(subparsers: argparse._SubParsersAction) -> None:
    train = subparsers.add_parser("train", help="train a GPT on RUN/tokens; writes RUN/model")
    train.add_argument("run", type=Path, help="run folder (reads RUN/tokens and RUN/tokenizer)")
    train.add_argument("--preset", choices=sorted(PRESETS),
                       help="model size and schedule (default: small; on --resume, the checkpoint's)")
    train.add_argument("--resume", action="store_true", help="continue from RUN/model/ckpt.pt")
    train.set_defaults(func=run_train)

    export = subparsers.add_parser("export", help="write RUN's model as a transformers Llama model")
    export.add_argument("run", type=Path)
    export.add_argument("--hf", type=Path, required=True, metavar="DIR", help="output folder")
    export.set_defaults(func=run_export)


def run_train(args: argparse.Namespace) -> int:
    from .train import train   # torch loads in seconds: only when training

    preset = args.preset or (None if args.resume else "small")
    try:
        train(args.run, PRESETS[preset] if preset else None, resume=args.resume)
    except KeyboardInterrupt:
        if (args.run / "model" / "ckpt.pt").exists():
            print(f"interrupted: `refinery train {args.run} --resume` continues from the last checkpoint",
                  file=sys.stderr)
        else:
            print("interrupted before the first checkpoint: rerun without --resume", file=sys.stderr)
        return 130
    return 0


def run_export(args: argparse.Namespace) -> int:
    from .export import export_hf

    ckpt = args.run / "model" / "ckpt.pt"
    if not ckpt.exists():
        raise RefineryError(f"{ckpt} does not exist: run `refinery train {args.run}` first")
    export_hf(args.run, args.hf)
    print(f"wrote {args.hf}: load it with transformers.AutoModelForCausalLM.from_pretrained")
    return 0
