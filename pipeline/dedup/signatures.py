"""Signatures: what deduplication needs to know about a document, computed where the text is.

Text is normalised (lowercase; punctuation, digits and whitespace folded) so that copies that
differ only in formatting collide. Two fingerprints are kept per document:

- `exact`: a 64-bit hash of the whole normalised text (exact copies);
- `band_00 ...`: the MinHash signature of its word n-gram shingles (FineWeb: 5-grams, 112
  hashes as 14 bands of 8 rows), stored as one 64-bit hash per band. Two documents become
  near-duplicate candidates when any band matches; storing band hashes instead of the full
  signature is 8x smaller and is all the clustering ever reads.
"""
from __future__ import annotations

import re
import unicodedata
from functools import cached_property

import numpy as np
import pyarrow as pa

from ..document import Document
from ..errors import RefineryError
from ..hashing import hash64, mix, ngram_hashes, word_hashes
from ..write import ParquetSink

# FineWeb's MinHash configuration (datatrove MinhashConfig as used for FineWeb).
FINEWEB_NGRAM = 5
FINEWEB_BANDS = 14
FINEWEB_ROWS = 8
DEFAULT_SEED = 1
SHINGLES_PER_BLOCK = 4096   # 4096 x 112 permuted hashes: 1.8 MB at a time

_PUNCTUATION = re.compile(r"[^\w\s]|_")
_DIGITS = re.compile(r"\d")
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = _PUNCTUATION.sub(" ", text)
    text = _DIGITS.sub("0", text)
    return _SPACES.sub(" ", text).strip()


def shingle_hashes(words: list[str], n: int) -> np.ndarray:
    """A 32-bit hash of each word n-gram (a shingle); a text shorter than n words is one shingle,
    so it still has a signature. All come at once from the hashes of the words: hashing each
    shingle's bytes took most of a signature's time. The top half of the 64-bit n-gram hash is
    kept, as it depends on every bit of its words' hashes."""
    return ngram_hashes(word_hashes(words), min(n, len(words))) >> np.uint64(32)


class Signer:
    def __init__(self, ngram: int = FINEWEB_NGRAM, bands: int = FINEWEB_BANDS, rows: int = FINEWEB_ROWS,
                 seed: int = DEFAULT_SEED):
        for name, value in (("ngram", ngram), ("bands", bands), ("rows", rows)):
            if not isinstance(value, int) or value < 1:
                raise RefineryError(f"[dedup] {name} must be a whole number above 0, got {value!r}")
        if not isinstance(seed, int) or not 0 <= seed < 2**32:
            raise RefineryError(f"[dedup] seed must be a whole number from 0 to 2**32 - 1, got {seed!r}")
        self.ngram, self.bands, self.rows, self.seed = ngram, bands, rows, seed

    @cached_property
    def _permutations(self) -> tuple[np.ndarray, np.ndarray]:
        """The MinHash permutations h -> a * h + b (modulo 2**32; `a` odd, so each is a bijection),
        drawn as datasketch 2.0 draws those of its default scheme ("affine32") for this seed."""
        draw = np.random.RandomState(self.seed)
        count = self.bands * self.rows
        a = draw.randint(0, 1 << 31, count, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
        b = draw.randint(0, 1 << 32, count, dtype=np.uint32)
        return a, b

    def minhash(self, words: list[str]) -> np.ndarray:
        """The MinHash signature of the words' shingles: datasketch's `MinHash(num_perm, seed,
        hashfunc=int).update_batch(shingle_hashes)`, value for value (tests/test_dedup.py holds it
        to that), done here because importing datasketch loads scipy.integrate for its LSH
        tuning, which we do not use: 0.5 s of CPU in each worker process, more than signing a
        thousand documents. As datasketch does, each hash is mixed (MurmurHash3's finaliser)
        before the permutations. Shingles are taken a block at a time, so that a huge document
        costs no more memory than a block's permuted hashes."""
        a, b = self._permutations
        mixed = mix(shingle_hashes(words, self.ngram).astype(np.uint32))
        signature = np.full(len(a), np.iinfo(np.uint32).max, dtype=np.uint32)
        for start in range(0, len(mixed), SHINGLES_PER_BLOCK):
            block = mixed[start:start + SHINGLES_PER_BLOCK, None] * a + b    # wraps modulo 2**32, as meant
            np.minimum(signature, block.min(axis=0), out=signature)
        return signature

    def sign(self, text: str) -> dict:
        norm = normalise(text)
        signature = self.minhash(norm.split())
        row = {"exact": hash64(norm.encode())}
        for b in range(self.bands):
            row[f"band_{b:02d}"] = hash64(signature[b * self.rows:(b + 1) * self.rows].tobytes())
        return row

    def schema(self) -> pa.Schema:
        return pa.schema([("doc_id", pa.string()), ("url", pa.string()), ("shard", pa.int32()), ("row", pa.int64()),
                          ("exact", pa.uint64())] + [(f"band_{b:02d}", pa.uint64()) for b in range(self.bands)])


class SignatureSink:
    """Writes one shard's signatures beside its documents: RUN/minhash/part-NNNNN.parquet.
    `row` is the document's position in docs/part-NNNNN.parquet."""

    def __init__(self, path, shard: int, params: dict):
        self.signer = Signer(**params)
        self.shard = shard
        self.sink = ParquetSink(path, self.signer.schema())

    def add(self, doc: Document, row: int) -> None:
        self.sink.add({"doc_id": doc.id, "url": doc.url, "shard": self.shard, "row": row,
                       **self.signer.sign(doc.text)})

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.sink.__exit__(exc_type, exc, tb)
