"""Benchmark decontamination: drop (or flag) the documents that share an n-gram of words with
an evaluation set, so a model is not trained on the test it will be measured by.

As datatrove's n-gram decontamination (pipeline/decont): text is lower-cased and split into
words on everything that is not a letter or a digit, and a document is contaminated when any
of its word 13-grams is one of a benchmark item's. (datatrove also folds digits and accents
before splitting; we do not, so "1990" and "1991" stay different words.)

The index holds hashes only: each word is hashed (64-bit blake2b) and an n-gram's hash is a
polynomial of its words' hashes, so a document's n-grams are hashed in a few numpy passes.
The index is a sorted uint64 array with a parallel uint16 array of the eval file each hash
came from: 10 bytes per distinct n-gram of the eval set, never more n-grams than the eval set
has words. A lookup is a binary search (np.searchsorted).

Items shorter than `ngram` words are indexed whole, as one n-gram of their own length, and a
document is matched against them at that length too. Items of fewer than `min_words` words
are left out, counted and reported when the index is built: a two-word answer ("Paris,
France") is in far too many innocent pages to mean contamination.

Eval files: .parquet (the `text` column, else the first string column), .jsonl or .jsonl.gz
(each line an object: its "text" field, else its first string field), .txt (items are blocks
separated by blank lines; a file without a blank line holds one item a line).
"""
from __future__ import annotations

import gzip
import json
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
import regex

from ..decision import Decision, drop, keep
from ..document import Document
from ..errors import RefineryError
from ..hashing import ngram_hashes, word_hashes

NGRAM = 13                  # datatrove's and GPT-3's decontamination n-gram
MIN_WORDS = 5
ACTIONS = ("drop", "flag")

_WORD = regex.compile(r"[\p{L}\p{N}]+")
_BLANK_LINE = regex.compile(r"\n\s*\n")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


class Decontaminator:
    name = "decontaminate"

    def __init__(self, eval_files: tuple[str, ...] = (), ngram: int = NGRAM, action: str = "drop",
                 min_words: int = MIN_WORDS):
        if action not in ACTIONS:
            raise RefineryError(f"[decontaminate] action: {action!r} is none of {', '.join(ACTIONS)}")
        if ngram < 1 or not 1 <= min_words <= ngram:
            raise RefineryError(f"[decontaminate] needs ngram >= 1 and 1 <= min_words <= ngram "
                                f"(got ngram = {ngram}, min_words = {min_words})")
        if not eval_files:
            raise RefineryError("[decontaminate] eval_files: name at least one file of benchmark items")
        self.ngram, self.action, self.min_words = ngram, action, min_words
        self.files = [Path(f).name for f in eval_files]
        if len(set(self.files)) < len(self.files):
            raise RefineryError(f"[decontaminate] eval_files: two files share a name ({', '.join(self.files)}); "
                                f"the drop reason names a file by its name alone")
        self.index, self.index_file, self.lengths = _index(
            tuple((str(f), *_stamp(f)) for f in eval_files), ngram, min_words)

    def check(self, doc: Document) -> Decision:
        tokens = words(doc.text)
        hashed = word_hashes(tokens)
        for n in self.lengths:
            hashes = ngram_hashes(hashed, n)
            at = np.minimum(np.searchsorted(self.index, hashes), len(self.index) - 1)
            found = np.flatnonzero(self.index[at] == hashes)
            if len(found):
                start = int(found[0])
                reason = f"decontaminate:{self.files[self.index_file[at[start]]]}"
                ngram = " ".join(tokens[start:start + n])
                if self.action == "drop":
                    return drop(reason, ngram=ngram)
                return keep(contaminated=reason, ngram=ngram)
        return keep()


def _stamp(path) -> tuple[int, int]:
    """(size, mtime): an eval file changed on disk is read again."""
    try:
        stat = Path(path).stat()
    except OSError:
        return (-1, -1)          # read_items reports the missing file
    return stat.st_size, stat.st_mtime_ns


@lru_cache(maxsize=4)
def _index(files: tuple[tuple[str, int, int], ...], ngram: int, min_words: int):
    """(sorted n-gram hashes, the file each came from, the lengths to hash documents at) for the
    eval files. Built once per process: a worker builds every shard's steps anew, and reading and
    hashing the benchmarks costs seconds where a shard's documents may cost less."""
    eval_files = [f for f, _, _ in files]
    hashes, sources, lengths, short = [], [], set(), 0
    for number, path in enumerate(eval_files):
        for item in read_items(path):
            tokens = words(item)
            if len(tokens) < min_words:
                short += 1
                continue
            length = min(ngram, len(tokens))
            lengths.add(length)
            item_hashes = ngram_hashes(word_hashes(tokens), length)
            hashes.append(item_hashes)
            sources.append(np.full(len(item_hashes), number, dtype=np.uint16))
    if short:
        warnings.warn(f"decontaminate: {short:,} eval item(s) of fewer than {min_words} words are not indexed",
                      stacklevel=3)
    if not hashes:
        raise RefineryError(f"[decontaminate] eval_files: no item of {min_words} words or more in "
                            f"{', '.join(map(str, eval_files))}")
    # Sorted, each hash once; where two files share an n-gram the first file listed names it.
    index, first = np.unique(np.concatenate(hashes), return_index=True)
    # The lengths a document's n-grams are hashed at: ngram, and those of items indexed whole.
    return index, np.concatenate(sources)[first], sorted(lengths, reverse=True)


def read_items(path: str | Path) -> list[str]:
    """The benchmark items of one eval file, by its suffix."""
    path = Path(path)
    if not path.is_file():
        raise RefineryError(f"[decontaminate] eval_files: {path} does not exist")
    name = path.name.lower()
    try:
        if name.endswith(".parquet"):
            return _parquet_items(path)
        if name.endswith((".jsonl", ".jsonl.gz")):
            return _jsonl_items(path)
        if name.endswith(".txt"):
            text = path.read_text(encoding="utf-8", errors="replace")
            blocks = _BLANK_LINE.split(text) if _BLANK_LINE.search(text) else text.splitlines()
            return [b for b in blocks if b.strip()]
    except (OSError, ValueError, EOFError) as e:
        raise RefineryError(f"[decontaminate] eval file {path}: {type(e).__name__}: {e}") from None
    raise RefineryError(f"[decontaminate] eval file {path}: not .parquet, .jsonl, .jsonl.gz or .txt")


def _parquet_items(path: Path) -> list[str]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    strings = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    column = "text" if "text" in schema.names else (strings[0] if strings else None)
    if column is None or column not in strings:
        raise RefineryError(f"[decontaminate] eval file {path}: no string column (wanted `text`, or any)")
    return [v for v in pq.read_table(path, columns=[column]).column(column).to_pylist() if v]


def _jsonl_items(path: Path) -> list[str]:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    items = []
    with opener(path, "rt", encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise RefineryError(f"[decontaminate] eval file {path}, line {number}: not JSON ({e})") from None
            text = row.get("text") if isinstance(row, dict) else None
            if not isinstance(text, str) and isinstance(row, dict):
                text = next((v for v in row.values() if isinstance(v, str)), None)
            if not isinstance(text, str):
                raise RefineryError(f"[decontaminate] eval file {path}, line {number}: "
                                    f"an object with a string field (`text`, or any) expected")
            items.append(text)
    return items
