"""One file that holds everything a run needs to continue as if it never stopped.

Resuming exactly needs more than the weights: the optimizer's moments, the data loader's
position (or the run would see rows twice) and the random generators' states (for sampling).
"""
from __future__ import annotations

from pathlib import Path

import torch

from tokenizer.atomic import atomic_output


def rng_state(device: torch.device) -> dict:
    state = {"torch": torch.get_rng_state()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def restore_rng_state(state: dict, device: torch.device) -> None:
    torch.set_rng_state(state["torch"])
    if device.type == "cuda" and "cuda" in state:
        torch.cuda.set_rng_state(state["cuda"], device)


def save_checkpoint(path: Path, state: dict) -> None:
    """Write to a temporary name, flush to disk, then rename: a run killed (or a machine that
    loses power) while saving keeps the previous checkpoint whole.

    `state` may hold only tensors and plain Python values (dicts, lists, tuples, numbers,
    strings, None), so `load_checkpoint` can refuse anything else."""
    with atomic_output(path) as f:
        torch.save(state, f)


def load_checkpoint(path: Path) -> dict:
    # weights_only: unpickles tensors and plain values only, never code a tampered file could carry.
    return torch.load(path, map_location="cpu", weights_only=True)
