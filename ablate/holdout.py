"""The held-out eval texts of an ablation, and keeping them out of every arm's training data.

An arm whose training data contains the very pages it is evaluated on would win by memory, not
by quality: make_corpus corpora contain the AEB pages themselves. So every arm's final documents
are copied to the arm's training corpus minus any document whose URL is an eval text's, or that
shares one word 13-gram with an eval text (GPT-3's decontamination rule: 13 words in a row are
almost never shared by chance, while a page quoting or wrapping an article shares many).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.errors import RefineryError
from pipeline.filters.decontaminate import NGRAM, words
from pipeline.hashing import ngram_hashes, word_hashes
from pipeline.language import identify_all
from pipeline.write import DOCS_SCHEMA, iter_document_batches
from tokenizer.atomic import atomic_output

OWN_VAL = "own_val"     # the eval set name of each arm's own validation split
AEB = Path(__file__).resolve().parents[2] / "shared" / "data" / "scrapinghub-aeb" / "ground-truth.json"


@dataclass
class EvalSet:
    name: str
    texts: list[str]
    urls: set[str] = field(default_factory=set)


def word_ngrams(text: str, n: int = NGRAM) -> np.ndarray:
    """Hashes of the text's word n-grams, normalised as the decontaminate step does (lower-cased
    letters and digits: punctuation and spacing do not hide a copy)."""
    return ngram_hashes(word_hashes(words(text)), n)


def load_eval_sets(files: list[str]) -> list[EvalSet]:
    """The English AEB article bodies (human-written article text) when shared/data is present, and the
    --eval files: each a JSON Lines file of {"text", optional "url"} rows, or a plain text file
    read as one document. An eval set with no text is an error, not a silent NaN later."""
    sets = []
    if AEB.exists():
        truth = json.loads(AEB.read_text(encoding="utf-8"))
        pages = [page for page in truth.values() if page.get("articleBody", "").strip()]
        # English only, as the arms' recipes keep: a few AEB articles are in other scripts, where a
        # tokenizer trained on English spends a token per byte and their bytes would swamp the mean.
        languages = identify_all([page["articleBody"].replace("\n", " ") for page in pages])
        pages = [page for page, (lang, _) in zip(pages, languages) if lang == "en"]
        sets.append(EvalSet("aeb", [p["articleBody"] for p in pages], {p["url"] for p in pages if p.get("url")}))
    elif not files:
        raise RefineryError(f"no eval text: {AEB} is absent, so pass --eval FILE (JSON Lines with a 'text' field, "
                            f"or plain text)")
    for file in files:
        path = Path(file)
        if not path.is_file():
            raise RefineryError(f"--eval {file}: no such file")
        if path.suffix == ".jsonl":
            rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
            texts = [r["text"] for r in rows if isinstance(r, dict) and str(r.get("text", "")).strip()]
            urls = {r["url"] for r in rows if isinstance(r, dict) and r.get("url")}
        else:
            texts, urls = [path.read_text(encoding="utf-8")], set()
        if not any(t.strip() for t in texts):
            raise RefineryError(f"--eval {file}: holds no text")
        if path.stem in {s.name for s in sets} | {OWN_VAL}:
            raise RefineryError(f"--eval {file}: an eval set is already named {path.stem!r}: rename the file")
        sets.append(EvalSet(path.stem, texts, urls))
    return sets


def hold_out(parts: list[Path], out: Path, eval_sets: list[EvalSet]) -> dict[str, int]:
    """Copy the documents of `parts` to out/part-00000.parquet but those that touch an eval text;
    return {"kept", "held_out_url", "held_out_ngram"}."""
    urls = set().union(*(s.urls for s in eval_sets))
    grams = np.unique(np.concatenate([word_ngrams(t) for s in eval_sets for t in s.texts] or [np.empty(0, np.uint64)]))
    counts = {"kept": 0, "held_out_url": 0, "held_out_ngram": 0}
    out.mkdir(parents=True, exist_ok=True)
    with atomic_output(out / "part-00000.parquet") as f, pq.ParquetWriter(f, DOCS_SCHEMA) as writer:
        for part in parts:
            for batch in iter_document_batches(part, DOCS_SCHEMA.names, 1024):
                keep = []
                for i, (url, text) in enumerate(zip(batch["url"], batch["text"])):
                    if url in urls:
                        counts["held_out_url"] += 1
                    elif np.isin(word_ngrams(text), grams).any():
                        counts["held_out_ngram"] += 1
                    else:
                        keep.append(i)
                counts["kept"] += len(keep)
                writer.write_table(pa.table({c: [batch[c][i] for i in keep] for c in DOCS_SCHEMA.names},
                                            schema=DOCS_SCHEMA))
    if not counts["kept"]:
        raise RefineryError(f"every document of {parts[0].parent} touches an eval text: nothing left to train on")
    return counts
