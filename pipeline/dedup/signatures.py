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
from ..hashing import hash64, ngram_hashes, word_hashes
from ..write import ParquetSink

# FineWeb's MinHash configuration (datatrove MinhashConfig as used for FineWeb).
FINEWEB_NGRAM = 5
FINEWEB_BANDS = 14
FINEWEB_ROWS = 8
DEFAULT_SEED = 1

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
        # Checked here, when the recipe is: datasketch, which would refuse them too, is only
        # loaded where the first signature is computed.
        for name, value in (("ngram", ngram), ("bands", bands), ("rows", rows)):
            if not isinstance(value, int) or value < 1:
                raise RefineryError(f"[dedup] {name} must be a whole number above 0, got {value!r}")
        if not isinstance(seed, int) or not 0 <= seed < 2**32:
            raise RefineryError(f"[dedup] seed must be a whole number from 0 to 2**32 - 1, got {seed!r}")
        self.ngram, self.bands, self.rows, self.seed = ngram, bands, rows, seed

    @cached_property
    def _empty(self):
        """A MinHash of nothing, copied for each document: its permutations are drawn once and
        shared (drawing them per document costs more than hashing). Made when first needed, as
        importing datasketch costs ~0.4 s (it loads scipy.integrate), which processes that only
        read the parameters (the driver) do not pay."""
        from datasketch import MinHash

        # The values fed to it are hashes already (shingle_hashes): `int` passes them on, and
        # datasketch mixes them itself before its permutations, as it does for any hash function.
        return MinHash(num_perm=self.bands * self.rows, seed=self.seed, scheme="affine32", hashfunc=int)

    def minhash(self, words: list[str]) -> np.ndarray:
        m = self._empty.copy()
        m.update_batch(shingle_hashes(words, self.ngram).tolist())
        return m.hashvalues

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
