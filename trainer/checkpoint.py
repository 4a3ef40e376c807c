"""One file that holds everything a run needs to continue as if it never stopped.

Resuming exactly needs more than the weights: the optimizer's moments, the data loader's
position (or the run would see rows twice) and the random generators' states (for sampling).
"""
from __future__ import annotations

import os
from pathlib import Path

import torch


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
    """Write to a temporary name, then rename: a run killed while saving keeps the previous checkpoint."""
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: Path) -> dict:
    # weights_only: the file holds tensors, numbers, strings and dicts of them, nothing to execute.
    return torch.load(path, map_location="cpu", weights_only=True)
