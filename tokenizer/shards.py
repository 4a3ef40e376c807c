"""Token shards in llm.c's layout, so llm.c and modded-nanogpt loaders read them as they are.

A shard is a 256 x int32 header followed by the tokens:

    header[0] = magic     20240520 for uint16 tokens, 20240801 for uint32 tokens
    header[1] = version   1 (uint16)                  7 (uint32)
    header[2] = number of tokens in the file

uint16 is used whenever the vocabulary fits (ids < 65,536), halving the disk and the page
cache a training run needs. Every document starts with the BOS token, so a reader can find
document boundaries without an index.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from .atomic import atomic_output

HEADER_INTS = 256
HEADER_BYTES = HEADER_INTS * 4
FORMATS = {  # magic -> (version, token dtype)
    20240520: (1, np.uint16),
    20240801: (7, np.uint32),
}


def dtype_for_vocab(vocab_size: int) -> np.dtype:
    return np.dtype(np.uint16) if vocab_size <= 65536 else np.dtype(np.uint32)


def write_shard(path: str | Path, tokens: np.ndarray, vocab_size: int) -> dict:
    """Write tokens atomically (temporary name, then rename) with the header for their dtype.
    Returns the shard's entry for the manifest: name, tokens, bytes, sha256."""
    dtype = dtype_for_vocab(vocab_size)
    magic = 20240520 if dtype == np.uint16 else 20240801
    header = np.zeros(HEADER_INTS, dtype=np.int32)
    header[0], header[1], header[2] = magic, FORMATS[magic][0], len(tokens)
    path = Path(path)
    digest = hashlib.sha256()
    with atomic_output(path) as f:
        for chunk in (header.tobytes(), np.asarray(tokens, dtype=dtype).tobytes()):
            f.write(chunk)
            digest.update(chunk)
    return {"name": path.name, "tokens": len(tokens), "bytes": HEADER_BYTES + len(tokens) * dtype.itemsize,
            "sha256": digest.hexdigest()}


def read_header(path: str | Path) -> tuple[int, np.dtype]:
    """Validate a shard's header and size; return (token count, token dtype)."""
    header = np.fromfile(path, dtype=np.int32, count=HEADER_INTS)
    if len(header) != HEADER_INTS or int(header[0]) not in FORMATS:
        raise ValueError(f"{path}: not an llm.c token shard (bad magic)")
    version, dtype = FORMATS[int(header[0])]
    if int(header[1]) != version:
        raise ValueError(f"{path}: unsupported shard version {int(header[1])}")
    count = int(header[2])
    expected = HEADER_BYTES + count * np.dtype(dtype).itemsize
    if os.path.getsize(path) != expected:
        raise ValueError(f"{path}: file is {os.path.getsize(path)} bytes, header says {expected}")
    return count, np.dtype(dtype)


def open_shard(path: str | Path) -> np.memmap:
    """The shard's tokens as a read-only memory map (no copy, no load)."""
    count, dtype = read_header(path)
    return np.memmap(path, dtype=dtype, mode="r", offset=HEADER_BYTES, shape=(count,))


class ShardWriter:
    """Streams tokens into DIR/{prefix}_000000.bin, _000001.bin, ... of exactly `shard_tokens`
    tokens each (the last one shorter). A document may run on into the next shard, as in llm.c's
    fineweb.py: loaders read the shards as one stream, and BOS marks where documents start."""

    def __init__(self, out_dir: str | Path, prefix: str, shard_tokens: int, vocab_size: int):
        self.out_dir, self.prefix, self.vocab_size = Path(out_dir), prefix, vocab_size
        self.buffer = np.empty(shard_tokens, dtype=dtype_for_vocab(vocab_size))
        self.filled = 0
        self.written: list[dict] = []   # the manifest entries of the shards written so far
        self.tokens = 0

    def add(self, tokens: np.ndarray) -> None:
        self.tokens += len(tokens)
        while len(tokens):
            take = min(len(tokens), len(self.buffer) - self.filled)
            self.buffer[self.filled:self.filled + take] = tokens[:take]
            self.filled += take
            tokens = tokens[take:]
            if self.filled == len(self.buffer):
                self._flush()

    def close(self) -> list[dict]:
        """Write the last, shorter shard; return every shard's manifest entry."""
        if self.filled:
            self._flush()
        return self.written

    def _flush(self) -> None:
        path = self.out_dir / f"{self.prefix}_{len(self.written):06d}.bin"
        self.written.append(write_shard(path, self.buffer[:self.filled], self.vocab_size))
        self.filled = 0
