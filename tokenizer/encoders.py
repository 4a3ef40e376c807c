"""The encoders we compare, all as one shape: a batch of texts in, a list of id lists out.

Ours runs two ways: HF tokenizers' `encode_batch` on tokenizer.json, and tiktoken built from the
same merges. tiktoken merges the adjacent pair whose joined bytes have the lowest id; HF's
trainer gives each merge result the next id, so that order is the merge order and both produce
the same ids (`pick_faster` checks it on real text before trusting it). GPT-4's cl100k_base and
GPT-4o's o200k_base come from the rank files inside the bpe-openai wheel, since tiktoken itself
downloads them at run time.
"""
from __future__ import annotations

import json
import os
import time
import warnings
from collections.abc import Callable

import tiktoken
from tokenizers import Tokenizer

from .bpe import token_byte_strings

Encode = Callable[[list[str]], list[list[int]]]
# What HF's thread pool uses too: compare like with like (no CPU affinity on macOS: all cores).
THREADS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
REFERENCES = ("cl100k_base", "o200k_base")


def reference_encoding(name: str) -> tiktoken.Encoding:
    # Imported here: importing bpe_openai parses all its rank files (about a second), through
    # an importlib call that is deprecated on Python 3.11-3.12.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from bpe_openai import registry
        return tiktoken.Encoding(**getattr(registry, name)())


def tiktoken_from_hf(tokenizer: Tokenizer) -> tiktoken.Encoding:
    spec = json.loads(tokenizer.to_str())
    pattern = spec["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"]
    ranks = {b: i for i, b in enumerate(token_byte_strings(tokenizer)) if b is not None}
    special = {t.content: i for i, t in tokenizer.get_added_tokens_decoder().items()}
    return tiktoken.Encoding("refinery", pat_str=pattern, mergeable_ranks=ranks, special_tokens=special)


def hf_encoder(tokenizer: Tokenizer) -> Encode:
    tokenizer = Tokenizer.from_str(tokenizer.to_str())  # a copy: the flag below is per instance
    tokenizer.encode_special_tokens = True  # a document's literal "<|endoftext|>" is text, not BOS
    return lambda texts: [e.ids for e in tokenizer.encode_batch_fast(texts, add_special_tokens=False)]


def tiktoken_encoder(encoding: tiktoken.Encoding, threads: int = THREADS) -> Encode:
    # encode_ordinary: special-token strings in documents are plain text here too
    return lambda texts: encoding.encode_ordinary_batch(texts, num_threads=threads)


def our_encoder(name: str, tokenizer: Tokenizer, threads: int = THREADS) -> Encode:
    """Ours, the way `pick_faster` names it ("hf" or "tiktoken"), on `threads` threads."""
    if name == "tiktoken":
        return tiktoken_encoder(tiktoken_from_hf(tokenizer), threads)
    # HF encodes on rayon's pool, which takes its size from this variable once per process, at
    # the first encode: an encoding task sets it before that, so that its siblings on the same
    # machine are not crowded out (a process that already encoded keeps its pool).
    os.environ["RAYON_NUM_THREADS"] = str(threads)
    return hf_encoder(tokenizer)


def encoding_speed(encode: Encode, texts: list[str]) -> float:
    """MB/s of UTF-8 input, after one small warm-up call (thread pools, regex caches)."""
    encode(texts[:8])
    start = time.perf_counter()
    encode(texts)
    seconds = time.perf_counter() - start
    return sum(len(t.encode("utf-8")) for t in texts) / 1e6 / seconds


def pick_faster(tokenizer: Tokenizer, sample: list[str]) -> tuple[str, Encode, dict]:
    """Time HF against tiktoken-from-our-merges on `sample`; take tiktoken only if it gives the
    same ids as HF (tokenizer.json is the reference) and is faster. Returns (name, encode, figures)."""
    candidates = {name: our_encoder(name, tokenizer) for name in ("hf", "tiktoken")}
    same_ids = candidates["hf"](sample) == candidates["tiktoken"](sample)
    speeds = {name: encoding_speed(encode, sample) for name, encode in candidates.items()}
    name = "tiktoken" if same_ids and speeds["tiktoken"] > speeds["hf"] else "hf"
    figures = {
        "encoder": name,
        "tiktoken_same_ids": same_ids,
        "sample_mb": round(sum(len(t.encode("utf-8")) for t in sample) / 1e6, 3),
        "threads": THREADS,
        **{f"{n}_encode_mb_s": round(s, 2) for n, s in speeds.items()},
    }
    return name, candidates[name], figures
