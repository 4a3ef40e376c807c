"""Training our byte-level BPE with HF tokenizers, and the files the trainer reads beside it.

The model is GPT-4's recipe: text is first cut by a regex (words with their leading space,
digit groups, punctuation runs, whitespace), each piece becomes its UTF-8 bytes, and BPE merges
bytes within a piece only. Byte level means no unknown tokens, whatever the language.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers

from .atomic import atomic_output, write_text_atomic

BOS = "<|endoftext|>"  # begins every document in the shards (GPT-2's end-of-text, used as BOS)
SPECIAL_TOKENS = [BOS]

# cl100k's split pattern written without possessive quantifiers: HF tokenizers' Oniguruma reads
# `\p{N}{1,3}+` as "one or more groups of 1-3 digits", which would glue whole numbers together.
# Digits are grouped up to DIGIT_GROUP. Held-out bytes/token measured by bench/tokenizer.py:
#   32,768 tokens, make_corpus --scale 10 run: 1 digit 4.184, up to 2: 4.274, up to 3: 4.280
#   32,768 tokens, the shared plain texts:     1 digit 3.338, up to 2: 3.405, up to 3: 3.399
# Single digits cost 2-3%; 2 and 3 are within 0.2% of each other, so we keep GPT-4's 3.
DIGIT_GROUP = 3
_SPLIT_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{{L}}\p{{N}}]?\p{{L}}+|\p{{N}}{{1,{digits}}}"
    r"| ?[^\s\p{{L}}\p{{N}}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)


def split_pattern(digit_group: int = DIGIT_GROUP) -> str:
    return _SPLIT_PATTERN.format(digits=digit_group)


def new_tokenizer(pattern: str) -> Tokenizer:
    tokenizer = Tokenizer(models.BPE(ignore_merges=True))  # like tiktoken: a piece in the vocabulary is one token
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(pattern), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tokenizer.decoder = decoders.ByteLevel()
    return tokenizer


def train_bpe(text_batches: Iterable[list[str]], vocab_size: int, pattern: str | None = None) -> Tokenizer:
    """Learn merges from batches of texts. Only the counts of distinct pieces stay in memory,
    never the texts; batches let HF tokenizers pre-tokenize on all cores."""
    tokenizer = new_tokenizer(pattern or split_pattern())
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),  # all 256 bytes, seen or not
        show_progress=False,  # the caller's tqdm counts documents and bytes instead
    )
    tokenizer.train_from_iterator(text_batches, trainer)
    return tokenizer


def _byte_level_alphabet() -> dict[str, int]:
    """GPT-2's byte-to-character table, inverted: HF's byte-level vocabulary spells each byte
    as a printable character (printable bytes as themselves, the rest shifted past 255)."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    shifted = [b for b in range(256) if b not in printable]
    table = {chr(b): b for b in printable}
    table.update({chr(256 + i): b for i, b in enumerate(shifted)})
    return table


def token_byte_strings(tokenizer: Tokenizer) -> list[bytes | None]:
    """The bytes each id stands for, indexed by id; None for special tokens."""
    alphabet = _byte_level_alphabet()
    special = {t.content for t in tokenizer.get_added_tokens_decoder().values()}
    strings: list[bytes | None] = [None] * tokenizer.get_vocab_size()
    for token, token_id in tokenizer.get_vocab().items():
        if token not in special:
            strings[token_id] = bytes(alphabet[ch] for ch in token)
    return strings


def token_byte_lengths(tokenizer: Tokenizer) -> np.ndarray:
    """Bytes per id (0 for special tokens): the trainer divides by it for bits per byte."""
    return np.array([len(b) if b is not None else 0 for b in token_byte_strings(tokenizer)], dtype=np.int32)


FILES = ("tokenizer.json", "token_bytes.npy", "tokenizer_config.json")  # what `save` writes


def save(tokenizer: Tokenizer, out_dir: Path) -> None:
    """tokenizer.json, token_bytes.npy, and the config that lets
    `PreTrainedTokenizerFast.from_pretrained(out_dir)` know its BOS/EOS token; each atomically."""
    out_dir.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out_dir / "tokenizer.json", tokenizer.to_str(pretty=True))  # what Tokenizer.save writes
    with atomic_output(out_dir / "token_bytes.npy") as f:
        np.save(f, token_byte_lengths(tokenizer))
    config = {"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": BOS, "eos_token": BOS}
    write_text_atomic(out_dir / "tokenizer_config.json", json.dumps(config, indent=2) + "\n")
