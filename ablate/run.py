"""`refinery ablate`, start to end: one corpus per recipe, one tokenizer for all, models trained on
exactly the same number of tokens, all scored on the same held-out text in bits per byte.

    DIR/arms/<recipe>/     `refinery dataset` of each recipe (resumed, so a finished one is reused)
    DIR/train/<recipe>/    that corpus minus the eval texts (holdout.py), its tokens/ and val split
    DIR/tokenizer/         one BPE trained on an equal share of every arm's training text
    DIR/eval/<set>.bin     each eval set encoded with it
    DIR/models/<recipe>-s<seed>-<tokens>/model/   one model per recipe, seed and budget
    DIR/ablation.parquet, DIR/ablation.html

One tokenizer, because bits per byte still depends on the vocabulary a model spends its
parameters on; one preset and schedule, because only the data may differ between arms.
"""
from __future__ import annotations

import itertools
import json
import math
import shutil
import time
from contextlib import nullcontext
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import polars as pl
import torch

from pipeline.dataset import run_dataset
from pipeline.errors import RefineryError
from pipeline.recipe import Recipe, load_recipe
from tokenizer import bpe
from tokenizer.atomic import atomic_output, write_text_atomic
from tokenizer.corpus import final_parts, iter_batches, split_documents
from tokenizer.encoders import hf_encoder
from tokenizer.manifest import check_shards
from tokenizer.shards import write_shard
from tokenizer.step import (
    DEFAULT_TRAIN_BYTES,
    DEFAULT_VAL_FRACTION,
    build_tokenizer,
    training_inputs,
)
from trainer.checkpoint import load_checkpoint
from trainer.data import DocumentBatches, shard_paths
from trainer.presets import TrainConfig
from trainer.sample import load_model
from trainer.train import Distributed, evaluate, read_tokenizer, train

from .holdout import NGRAM, OWN_VAL, EvalSet, hold_out

TOKENIZER_RECORD = "training.json"
# Rows per evaluation batch: an eval set is read whole, and tiny batches would spend the time in
# per-batch overhead; the mean does not depend on the batch size.
EVAL_BATCH_TOKENS = 32768


def arm_name(recipe: Recipe, path: str) -> str:
    return recipe.name or Path(path).stem


def train_tokenizer(corpora: dict[str, Path], out: Path, vocab_size: int, max_bytes: int) -> None:
    """One BPE for every arm, trained on the same number of bytes from each arm's train side
    (the smallest arm's, at most `max_bytes` in all), so that no arm's vocabulary is favoured.
    Reused when an earlier ablation trained it on the same parts with the same settings."""
    parts = {arm: final_parts(c) for arm, c in corpora.items()}
    pattern = bpe.split_pattern()
    inputs = {arm: training_inputs(p, vocab_size, None, DEFAULT_VAL_FRACTION, pattern, max_bytes)
              for arm, p in parts.items()}
    record = out / TOKENIZER_RECORD
    if record.exists() and json.loads(record.read_text(encoding="utf-8")) == inputs:
        print(f"tokenizer: reused {out} (trained on the same corpora and settings)")
        return
    record.unlink(missing_ok=True)
    splits = {arm: split_documents(p, DEFAULT_VAL_FRACTION) for arm, p in parts.items()}
    share = min(max_bytes // len(parts), *(s.total_bytes for s in splits.values()))

    def texts():
        for arm, arm_parts in parts.items():
            taken = 0
            for batch in iter_batches(arm_parts, ["id", "text"]):
                chunk = [t for i, t in zip(batch["id"], batch["text"]) if not splits[arm].is_val(i)]
                room = []
                for text in chunk:
                    if taken >= share:
                        break
                    room.append(text)
                    taken += len(text.encode("utf-8"))
                yield room
                if taken >= share:
                    break

    print(f"tokenizer: a {vocab_size:,}-token BPE on {share / 1e6:.2f} MB of each arm's training text")
    bpe.save(bpe.train_bpe(texts(), vocab_size, pattern), out)
    write_text_atomic(record, json.dumps(inputs, indent=1) + "\n")


def encode_eval_sets(eval_sets: list[EvalSet], tokenizer_dir: Path, out: Path) -> dict[str, Path]:
    """Each eval set as one llm.c shard, every text after a BOS as in training shards."""
    tokenizer, bos_id, _ = read_tokenizer(tokenizer_dir.parent)
    encode = hf_encoder(tokenizer)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for eval_set in eval_sets:
        ids = [np.asarray([bos_id, *doc]) for doc in encode(eval_set.texts)]
        paths[eval_set.name] = out / f"{eval_set.name}.bin"
        write_shard(paths[eval_set.name], np.concatenate(ids), tokenizer.get_vocab_size())
    return paths


def model_folder(recipe: str, seed: int, budget: int) -> str:
    return f"{recipe}-s{seed}-{budget}"


def steps_for(tokens: int, cfg: TrainConfig) -> int:
    """Optimizer steps for a budget: exact when it is a multiple of a step's tokens, else the
    nearest whole number of steps (the printed and tabled count is the exact one trained)."""
    return max(1, round(tokens / (cfg.batch_rows * cfg.seq_len * cfg.grad_accum)))


def train_model(model_run: Path, corpus: Path, cfg: TrainConfig, device: str | None) -> float:
    """Train (or reuse) one model in `model_run`, a run folder whose tokenizer/ and tokens/ are
    links to the arm's; returns the training's wall time in seconds."""
    model_run.mkdir(parents=True, exist_ok=True)
    for sub in ("tokenizer", "tokens"):
        link = model_run / sub
        if not link.is_symlink():
            link.symlink_to(corpus / sub, target_is_directory=True)
    ckpt_path = model_run / "model" / "ckpt.pt"
    if ckpt_path.exists():
        ckpt = load_checkpoint(ckpt_path)
        shards = check_shards(corpus / "tokens", corpus / "tokenizer" / "tokenizer.json")
        if ckpt["step"] == cfg.max_steps and ckpt["config"] == asdict(cfg) and ckpt["shards_sha256"] == shards:
            print(f"  {model_run.name}: reused (trained to the same step, config and tokens)")
            return ckpt["elapsed_s"]
        shutil.rmtree(model_run / "model")       # another config or other tokens: start over
    print(f"  {model_run.name}: training {cfg.max_steps} steps")
    start = time.perf_counter()
    train(model_run, cfg, device=device)
    return time.perf_counter() - start


def score(model_run: Path, eval_shards: dict[str, list[Path]], cfg: TrainConfig, device: str | None,
          eval_tokens: int | None = None) -> tuple[dict, int]:
    """Bits per byte of the model in `model_run` on every eval set (each read once from its start,
    whole or its first `eval_tokens`, with the trainer's own evaluate: BOS targets excluded), and
    its number of parameters."""
    env = Distributed(device)
    model = load_model(model_run, env.device)
    _, bos_id, token_bytes = read_tokenizer(model_run)
    token_bytes_t = torch.from_numpy(token_bytes.astype(np.int64)).to(env.device)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if env.device.type == "cuda" else nullcontext()
    bpb = {}
    for name, paths in eval_shards.items():
        rows = max(cfg.batch_rows, EVAL_BATCH_TOKENS // cfg.seq_len)
        batches = DocumentBatches(paths, cfg.seq_len, rows, bos_id, shuffle=False)
        if eval_tokens is not None:
            batches = itertools.islice(batches, math.ceil(eval_tokens / (rows * cfg.seq_len)))
        try:
            bpb[name] = evaluate(model, batches, token_bytes_t, env, autocast)[1]
        except ValueError:          # DocumentBatches: not one row of seq_len + 1 tokens
            raise RefineryError(f"eval set {name!r} holds fewer than {cfg.seq_len + 1} tokens after a "
                                f"document start: give it more text") from None
    return bpb, model.num_parameters()


def ablate(inputs: list[str], recipe_paths: list[str], out: str | Path, budgets: list[int], cfg: TrainConfig,
           seeds: int, eval_sets: list[EvalSet], vocab_size: int, workers: int,
           device: str | None = None, eval_tokens: int | None = None) -> pl.DataFrame:
    """Run the whole ablation (module docstring) and return the table written to ablation.parquet:
    one row per recipe, budget and seed."""
    out = Path(out).resolve()
    recipes = {}
    for path in recipe_paths:
        recipe = load_recipe(path)
        name = arm_name(recipe, path)
        if name in recipes:
            raise RefineryError(f"two recipes are named {name!r}: give each arm its own name")
        recipes[name] = recipe
    corpora, held = {}, {}
    for name, recipe in recipes.items():
        print(f"\n== arm {name}: refinery dataset -> {out / 'arms' / name}")
        run_dataset(inputs, str(out / "arms" / name), recipe, workers)
        corpora[name] = out / "train" / name
        held[name] = hold_out(final_parts(out / "arms" / name), corpora[name] / "final", eval_sets)
        print(f"hold-out: {held[name]['held_out_url']:,} documents with an eval text's URL and "
              f"{held[name]['held_out_ngram']:,} sharing a {NGRAM}-word run with one left out of {name}'s "
              f"training; {held[name]['kept']:,} kept")

    print()
    train_tokenizer(corpora, out / "tokenizer", vocab_size, DEFAULT_TRAIN_BYTES)
    for name, corpus in corpora.items():
        print(f"\n== arm {name}: tokens")
        shards = build_tokenizer(corpus, vocab_size, trained=out / "tokenizer", workers=workers)["shards"]
        print(f"{name}: {shards['train']['tokens']:,} training tokens ({shards['train']['documents']:,} documents), "
              f"{shards['val']['tokens']:,} validation tokens ({shards['val']['documents']:,} documents)")
    eval_paths = encode_eval_sets(eval_sets, out / "tokenizer", out / "eval")

    tokens_per_step = cfg.batch_rows * cfg.seq_len * cfg.grad_accum
    rows = []
    for budget in budgets:
        steps = steps_for(budget, cfg)
        print(f"\n== budget {budget:,} tokens: {steps} steps of {tokens_per_step:,} = {steps * tokens_per_step:,} "
              f"tokens trained per model")
        for name, corpus in corpora.items():
            meta = json.loads((corpus / "tokenizer" / "meta.json").read_text(encoding="utf-8"))
            available = meta["shards"]["train"]["tokens"]
            eval_shards = {**{n: [p] for n, p in eval_paths.items()}, OWN_VAL: shard_paths(corpus / "tokens", "val")}
            for seed in range(seeds):
                run_cfg = replace(cfg, seed=seed, max_steps=steps)
                model_run = out / "models" / model_folder(name, seed, budget)
                wall = train_model(model_run, corpus, run_cfg, device)
                bpb, parameters = score(model_run, eval_shards, run_cfg, device, eval_tokens)
                rows.append({"recipe": name, "budget": budget, "seed": seed, "documents": held[name]["kept"],
                             "held_out": held[name]["held_out_url"] + held[name]["held_out_ngram"],
                             "tokens_available": available, "tokens_trained": steps * tokens_per_step,
                             "epochs": steps * tokens_per_step / available, "parameters": parameters,
                             **{f"bpb_{n}": v for n, v in bpb.items()}, "wall_s": wall})
    table = pl.DataFrame(rows)
    with atomic_output(out / "ablation.parquet") as f:
        table.write_parquet(f)
    return table
