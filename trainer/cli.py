"""`refinery train RUN`, `refinery sample RUN --prompt TEXT` and `refinery export RUN --hf DIR`."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipeline.errors import RefineryError

from .presets import PRESETS, with_overrides


def positive(kind: type):
    """An argparse type: a number of `kind` above zero."""
    def parse(text: str):
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text} is not above 0")
        return value
    parse.__name__ = kind.__name__      # what argparse names in "invalid int value"
    return parse


def register(subparsers: argparse._SubParsersAction) -> None:
    train = subparsers.add_parser("train", help="train a GPT on RUN/tokens; writes RUN/model")
    train.add_argument("run", type=Path, help="run folder (reads RUN/tokens and RUN/tokenizer)")
    train.add_argument("--preset", choices=sorted(PRESETS),
                       help="model size and schedule (default: small; on --resume, the checkpoint's)")
    train.add_argument("--set", action="extend", nargs="+", default=[], metavar="KNOB=VALUE",
                       help="change any knob of the preset (trainer/presets.py), e.g. --set n_layer=6 lr=1e-3; "
                            "a new run only")
    train.add_argument("--max-steps", type=positive(int), metavar="N",
                       help="train to step N; on a run with a checkpoint, continue it to step N")
    train.add_argument("--device", help="cpu, cuda, cuda:N or mps (default: the GPU if torch sees one)")
    train.add_argument("--resume", action="store_true", help="continue from RUN/model/ckpt.pt")
    train.set_defaults(func=run_train)

    sample = subparsers.add_parser("sample", help="generate text with RUN's trained model")
    sample.add_argument("run", type=Path)
    sample.add_argument("--prompt", default="", help="text to continue (default: start a document)")
    sample.add_argument("--max-new-tokens", type=positive(int), default=200, metavar="N",
                        help="tokens to generate (default: 200)")
    sample.add_argument("--temperature", type=positive(float), default=0.8, metavar="T",
                        help="below 1 sharpens the model's distribution, above 1 flattens it (default: 0.8)")
    sample.add_argument("--top-k", type=positive(int), default=50, metavar="K",
                        help="draw from the K likeliest tokens only (default: 50)")
    sample.add_argument("--seed", type=int, default=0, metavar="S", help="the same seed gives the same text")
    sample.add_argument("--device", help="cpu, cuda, cuda:N or mps (default: the GPU if torch sees one)")
    sample.set_defaults(func=run_sample)

    export = subparsers.add_parser("export", help="write RUN's model as a transformers Llama model")
    export.add_argument("run", type=Path)
    export.add_argument("--hf", type=Path, required=True, metavar="DIR", help="output folder")
    export.set_defaults(func=run_export)


def run_train(args: argparse.Namespace) -> int:
    from .train import train   # torch loads in seconds: only when training

    has_checkpoint = (args.run / "model" / "ckpt.pt").exists()
    # `--max-steps N` alone on a run that has a checkpoint can only mean: train it on to step N.
    resume = args.resume or (has_checkpoint and args.max_steps is not None and not args.preset and not args.set)
    if resume and args.set:
        raise RefineryError("--set changes the knobs of a new run; a resumed run keeps its checkpoint's "
                            "(--max-steps N trains it on to step N)")
    if resume:
        cfg = PRESETS[args.preset] if args.preset else None
    else:
        cfg = with_overrides(PRESETS[args.preset or "small"], args.set)
    try:
        train(args.run, cfg, resume=resume, max_steps=args.max_steps, device=args.device)
    except KeyboardInterrupt:
        if (args.run / "model" / "ckpt.pt").exists():
            again = f"refinery train {args.run} --resume" + (f" --max-steps {args.max_steps}" if args.max_steps else "")
            print(f"interrupted: `{again}` continues from the last checkpoint", file=sys.stderr)
        else:
            print("interrupted before the first checkpoint: rerun without --resume", file=sys.stderr)
        return 130
    return 0


def run_sample(args: argparse.Namespace) -> int:
    from .sample import generate_text, load_model
    from .train import pick_device, read_tokenizer

    tokenizer, bos_id, _ = read_tokenizer(args.run)
    model = load_model(args.run, pick_device(args.device))
    print(generate_text(model, tokenizer, bos_id, args.prompt, args.max_new_tokens, args.temperature, args.top_k,
                        args.seed))
    return 0


def run_export(args: argparse.Namespace) -> int:
    from .export import export_hf

    ckpt = args.run / "model" / "ckpt.pt"
    if not ckpt.exists():
        raise RefineryError(f"{ckpt} does not exist: run `refinery train {args.run}` first")
    export_hf(args.run, args.hf)
    print(f"wrote {args.hf}: load it with transformers.AutoModelForCausalLM.from_pretrained")
    return 0
