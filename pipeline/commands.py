"""The pipeline's subcommands: `refinery dataset`."""
from __future__ import annotations

import os
from pathlib import Path

from .recipe import load_recipe

RECIPES = Path(__file__).resolve().parent.parent / "recipes"


def register(sub) -> None:
    p = sub.add_parser("dataset", help="WARC files -> filtered, deduplicated documents in RUN/final/",
                       description="Read WARC files, extract, filter and deduplicate their pages. "
                                   "Rerun the same command to resume an interrupted run.")
    p.add_argument("--input", nargs="+", required=True, metavar="PATTERN",
                   help="WARC files: paths, globs, folders, http(s):// or s3:// URLs")
    p.add_argument("--out", required=True, metavar="RUN", help="the run folder")
    p.add_argument("--recipe", default=str(RECIPES / "fineweb.toml"), help="a recipe TOML (default: %(default)s)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes (default: %(default)s)")
    p.set_defaults(func=dataset)


def dataset(args) -> int:
    from .dataset import run_dataset

    run_dataset(args.input, args.out, load_recipe(args.recipe), args.workers)
    return 0
