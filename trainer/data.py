"""Batches of token rows read from llm.c shards through memory maps.

Every row of a batch begins at a document's BOS token, so the model learns documents from
their start instead of from an arbitrary cut, as modded-nanogpt's BOS-aligned loader does.
A row holds `seq_len + 1` consecutive tokens (inputs and the targets shifted by one) and may
run on into the next documents. Where a row cuts a document, the next row continues that
document if at least half a row of it is left (long pages are read whole, in row-sized
pieces); a shorter tail is skipped, so no more than half a row is ever wasted.

Training rows are shuffled: each epoch visits the shards in a seeded order and each shard's
rows in a seeded order, so a run is the same for the same seed and its position, three
integers, goes into the checkpoint to resume on the very next row. Under DDP every rank
walks the same sequence and keeps its own slice of each global batch.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from tokenizer.shards import open_shard


def shard_paths(tokens_dir: Path, split: str) -> list[Path]:
    return sorted(Path(tokens_dir).glob(f"{split}_*.bin"))


def row_starts(tokens: np.ndarray, bos_id: int, seq_len: int) -> np.ndarray:
    """Offsets of the rows of one shard, by the rule in the module docstring."""
    bos = np.flatnonzero(tokens == bos_id)
    last_start = len(tokens) - (seq_len + 1)          # a row must fit in the shard
    starts = []
    start = int(bos[0]) if len(bos) else last_start + 1
    while start <= last_start:
        starts.append(start)
        end = start + seq_len                          # the next row's first input token
        following_doc = np.searchsorted(bos, end)      # first BOS at or after `end`
        next_bos = int(bos[following_doc]) if following_doc < len(bos) else len(tokens)
        start = end if next_bos - end >= seq_len // 2 else next_bos
    return np.asarray(starts, dtype=np.int64)


class DocumentBatches:
    """Endless batches (x, y) of shape (batch_rows, seq_len) for this rank.

    shuffle=False reads the rows in file order and stops after one pass: that is the
    validation set, the same tokens at every evaluation."""

    def __init__(self, paths: list[Path], seq_len: int, batch_rows: int, bos_id: int, seed: int = 0,
                 shuffle: bool = True, rank: int = 0, world_size: int = 1):
        if not paths:
            raise FileNotFoundError("no token shards to read")
        self.shards = [open_shard(p) for p in paths]
        self.seq_len, self.batch_rows, self.bos_id = seq_len, batch_rows, bos_id
        self.seed, self.shuffle, self.rank, self.world_size = seed, shuffle, rank, world_size
        self.epoch = self.shard_index = self.row_index = 0   # the position: next row to read
        self._rows_for = None                                # (epoch, shard_index) the rows below belong to
        self._rows = None

    def _shard_order(self) -> np.ndarray:
        if not self.shuffle:
            return np.arange(len(self.shards))
        return np.random.default_rng((self.seed, self.epoch)).permutation(len(self.shards))

    def _current_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """(tokens, row offsets in reading order) of the shard at the position."""
        shard = self.shards[self._shard_order()[self.shard_index]]
        if self._rows_for != (self.epoch, self.shard_index):
            rows = row_starts(shard, self.bos_id, self.seq_len)
            if self.shuffle:
                rows = np.random.default_rng((self.seed, self.epoch, self.shard_index)).permutation(rows)
            self._rows_for, self._rows = (self.epoch, self.shard_index), rows
        return shard, self._rows

    def _next_row(self) -> np.ndarray | None:
        """The next row's tokens, advancing the position; None at the end of an unshuffled pass."""
        if self.shard_index == len(self.shards):           # an unshuffled pass already ended
            return None
        for _ in range(len(self.shards) + 1):                # skips shards too short for one row
            tokens, rows = self._current_rows()
            if self.row_index < len(rows):
                start = rows[self.row_index]
                self.row_index += 1
                return tokens[start:start + self.seq_len + 1]
            self.row_index, self.shard_index = 0, self.shard_index + 1
            if self.shard_index == len(self.shards):
                if not self.shuffle:
                    return None
                self.epoch, self.shard_index = self.epoch + 1, 0
        raise ValueError(f"no shard holds a row of {self.seq_len + 1} tokens that starts at a document")

    def __iter__(self):
        return self

    def __next__(self) -> tuple[torch.Tensor, torch.Tensor]:
        mine = []
        for i in range(self.batch_rows * self.world_size):
            row = self._next_row()
            if row is None:
                break
            if i // self.batch_rows == self.rank:
                mine.append(row)
        if not mine:
            raise StopIteration
        batch = torch.from_numpy(np.stack(mine).astype(np.int64))
        return batch[:, :-1], batch[:, 1:]

    def state_dict(self) -> dict:
        return {"epoch": self.epoch, "shard_index": self.shard_index, "row_index": self.row_index}

    def load_state_dict(self, state: dict) -> None:
        self.epoch, self.shard_index, self.row_index = state["epoch"], state["shard_index"], state["row_index"]
