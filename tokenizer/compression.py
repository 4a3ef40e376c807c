"""Bytes per token: how much text a tokenizer fits in one token, ours against GPT-4's and GPT-4o's.

More bytes per token means a model sees more text for the same compute and context, so this is
what our own vocabulary buys. It is measured on documents the tokenizer never trained on.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import polars as pl

from .encoders import Encode

ALL = "all"  # the row that sums every language


def compression_table(batches: Iterable[dict[str, list]], encoders: dict[str, tuple[Encode, int]]) -> pl.DataFrame:
    """`batches` of {"text": [...], "lang": [...] (optional)}; `encoders` name -> (encode, vocab size).

    One row per tokenizer and language, plus an "all" row per tokenizer; `vs_cl100k` divides
    each row's bytes per token by cl100k_base's on the same documents (when it is among them).
    """
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])  # documents, bytes, tokens
    for batch in batches:
        texts = batch["text"]
        langs = batch.get("lang") or [ALL] * len(texts)
        sizes = [len(t.encode("utf-8")) for t in texts]
        for name, (encode, _) in encoders.items():
            for lang, size, ids in zip(langs, sizes, encode(texts)):
                for key in {(name, lang or "unknown"), (name, ALL)}:
                    totals[key][0] += 1
                    totals[key][1] += size
                    totals[key][2] += len(ids)
    table = pl.DataFrame(
        [{"tokenizer": name, "vocab_size": encoders[name][1], "lang": lang,
          "documents": d, "bytes": b, "tokens": t} for (name, lang), (d, b, t) in totals.items()],
        schema={"tokenizer": pl.String, "vocab_size": pl.Int64, "lang": pl.String,
                "documents": pl.Int64, "bytes": pl.Int64, "tokens": pl.Int64},
    ).with_columns(bytes_per_token=pl.col("bytes") / pl.col("tokens"))
    base = table.filter(pl.col("tokenizer") == "cl100k_base").select("lang", base_bpt="bytes_per_token")
    return (
        table.join(base, on="lang", how="left")
        .with_columns(vs_cl100k=pl.col("bytes_per_token") / pl.col("base_bpt"))
        .drop("base_bpt")
        .sort(pl.col("lang") != ALL, "lang", "tokenizer")  # the "all" rows first
    )
