"""Hashing: 64-bit hashes of strings, of substrings, and of every run of n words, shared by
deduplication, decontamination, the URL blocklists and Gopher's repetition counts.

A whole string (a domain, a document) is hashed with BLAKE2b: stable across processes and
machines, unlike Python's `hash`. Many small pieces of one text (its words, its n-grams) are
hashed at once with numpy instead, since a Python call per word cost more than everything else
a MinHash signature does. A substring's hash is a polynomial in `MULTIPLIER` over its
characters, read off two prefix sums. The polynomial alone is a weak hash (two words that differ
only in their first letter differ by a small number), so a word's hash is passed through a
mixing function before n-grams are built from it.

hash64 values are kept on disk across runs (the URL blocklists' cache), so hash64 must not change.
Word and n-gram hashes go into a run's MinHash signatures, which are only compared within the run.
"""
from __future__ import annotations

import hashlib

import numpy as np

MULTIPLIER = 0x9E3779B97F4A7C15   # odd, so multiplying by it is a bijection modulo 2**64
_INVERSE = pow(MULTIPLIER, -1, 1 << 64)


def hash64(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


def hash64_strings(strings: list[str]) -> np.ndarray:
    """hash64 of each string's UTF-8 bytes (a lone surrogate becomes "?"), as uint64."""
    return np.fromiter((hash64(s.encode("utf-8", "replace")) for s in strings), dtype=np.uint64, count=len(strings))


def _powers(base: int, n: int) -> np.ndarray:
    out = np.full(n, base, dtype=np.uint64)
    out[:1] = 1
    return np.cumprod(out, out=out)


class SubstringHashes:
    """`SubstringHashes(text)(starts, ends)`: the hash of each text[start:end], all at once.
    Equal substrings hash alike; unequal ones may collide, so where exactness matters a hash
    only proposes candidates and the strings themselves decide."""

    def __init__(self, text: str):
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
        with np.errstate(over="ignore"):
            self.prefix = np.zeros(len(codes) + 1, dtype=np.uint64)
            np.cumsum(codes * _powers(MULTIPLIER, len(codes)), out=self.prefix[1:])
            self.unshift = _powers(_INVERSE, len(codes) + 1)

    def __call__(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            return (self.prefix[ends] - self.prefix[starts]) * self.unshift[starts]


def word_offsets(words: list[str], sep: int) -> np.ndarray:
    """Where each word starts in `words` joined by `sep` characters, and where the join ends."""
    lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words)) + sep
    offsets = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return offsets


# MurmurHash3's finalisers, by width: (shift, multiplier, shift, multiplier, shift).
_FINALISERS = {
    np.dtype(np.uint64): (33, 0xFF51AFD7ED558CCD, 33, 0xC4CEB9FE1A85EC53, 33),
    np.dtype(np.uint32): (16, 0x85EBCA6B, 13, 0xC2B2AE35, 16),
}


def mix(x: np.ndarray) -> np.ndarray:
    """MurmurHash3's finaliser, 64- or 32-bit by the array's type: each input bit flips about half
    the output bits."""
    s1, m1, s2, m2, s3 = (x.dtype.type(k) for k in _FINALISERS[x.dtype])
    with np.errstate(over="ignore"):
        x = x ^ (x >> s1)
        x = x * m1
        x = x ^ (x >> s2)
        x = x * m2
        return x ^ (x >> s3)


def word_hashes(words: list[str]) -> np.ndarray:
    """A 64-bit hash of each word, as uint64, for all the words at once."""
    offsets = word_offsets(words, 0)
    return mix(SubstringHashes("".join(words))(offsets[:-1], offsets[1:]))


def ngram_hashes(word_hashes: np.ndarray, n: int) -> np.ndarray:
    """The hash of every run of `n` consecutive words, seeded with n so that an item indexed
    whole at a shorter length never meets an n-gram of another length by construction."""
    count = len(word_hashes) - n + 1
    if count <= 0:
        return np.empty(0, dtype=np.uint64)
    hashes = np.full(count, n, dtype=np.uint64)
    for j in range(n):
        hashes = hashes * np.uint64(MULTIPLIER) + word_hashes[j:j + count]    # wraps modulo 2**64, as meant
    return hashes
