"""`refinery classifier train`: a fastText quality classifier, trained and scored DCLM's way.

DCLM (Li et al., 2024) trains a fastText bigram classifier on reference text (positives, label
`hq`) against raw crawl text (negatives, label `cc`), and keeps the pages it scores highest:
that beat every heuristic recipe they tried. A document's score is the model's probability of
`hq`. Training prints held-out precision, recall, accuracy and ROC AUC, and writes the model
with a card beside it (MODEL.card.json: its sources, sizes, settings and held-out figures), so
a model found in a recipe months later still says what it was trained on and how well it did.
The step that applies a model to a corpus is pipeline/quality_model.py.
"""
from __future__ import annotations

import gzip
import json
import random
import tempfile
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from .errors import RefineryError
from .language import fasttext_module

POSITIVE, NEGATIVE = "__label__hq", "__label__cc"       # DCLM's label names
# DCLM's baselines/train_fasttext_classifier.py settings, with word bigrams as DCLM's classifier,
# except two. lr and epoch: DCLM's 0.1 and 5 suit its hundreds of thousands of documents; on a
# few hundred they leave every score within 0.0001 of 0.5 (held-out ROC AUC 0.76 on the AEB/DCLM
# test data), while 0.5 and 25, fastText's advice for small sets, give 0.90 (--lr, --epoch to
# change). bucket (hashed n-gram rows) is 2M by default: 800 MB of float32 at dim 100; a tenth of
# that keeps a model at 80 MB, and collisions cost little at the sizes one trains on here.
SETTINGS = dict(lr=0.5, dim=100, ws=5, epoch=25, minCount=1, wordNgrams=2, bucket=200_000)
DOCUMENT_SUFFIXES = (".parquet", ".jsonl", ".jsonl.gz")
VAL_FRACTION = 0.1


def normalise(text: str) -> str:
    """A document as one fastText line. As DCLM's classify_fasttext_hq_prob does (mlfoundations/
    dclm, baselines/mappers/enrichers/quality_prediction_enrichers_calc_fasttext.py): the lines
    joined by spaces, nothing else changed; training text is normalised the same way so that the
    model sees at scoring time what it learnt from."""
    return " ".join(text.strip().splitlines())


@lru_cache(maxsize=4)
def load_model(path: str):
    if not Path(path).is_file():
        raise RefineryError(f"quality model {path} not found")
    return fasttext_module().load_model(path)


def hq_probabilities(model, texts: list[str]) -> list[float]:
    """Each text's probability of being `hq`, in one call to the model."""
    labels, scores = model.predict([normalise(t) for t in texts], k=1)
    return [min(float(s[0]), 1.0) if label[0] == POSITIVE else 1.0 - min(float(s[0]), 1.0)
            for label, s in zip(labels, scores)]


def read_texts(source: str) -> tuple[list[str], int]:
    """The texts of a Parquet or JSON Lines file with a `text` column, of a folder of them, or of
    a run's final/ (the run folder will do). Returns (texts, count of empty texts left out)."""
    path = Path(source)
    if (path / "final").is_dir():
        path = path / "final"
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.name.endswith(DOCUMENT_SUFFIXES) and not p.name.startswith("."))
        if not files:
            raise RefineryError(f"{source}: no {', '.join(DOCUMENT_SUFFIXES)} files in this folder")
        texts = [t for f in files for t in _file_texts(f)]
    elif path.is_file():
        texts = _file_texts(path)
    else:
        raise RefineryError(f"{source}: no such file or folder")
    kept = [t for t in texts if isinstance(t, str) and t.strip()]
    return kept, len(texts) - len(kept)


def _file_texts(path: Path) -> list:
    if path.name.endswith(".parquet"):
        if "text" not in pq.read_schema(path).names:
            raise RefineryError(f"{path}: no `text` column")
        return pq.read_table(path, columns=["text"]).column("text").to_pylist()
    if not path.name.endswith((".jsonl", ".jsonl.gz")):
        raise RefineryError(f"{path}: not a Parquet or JSON Lines file ({', '.join(DOCUMENT_SUFFIXES)})")
    texts = []
    with (gzip.open(path, "rt", encoding="utf-8") if path.name.endswith(".gz") else open(path, encoding="utf-8")) as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                texts.append(json.loads(line)["text"])
            except (json.JSONDecodeError, KeyError, TypeError):
                raise RefineryError(f"{path}, line {number}: not a JSON object with a `text` field") from None
    return texts


def held_out_metrics(scores: list[float], truth: list[bool], threshold: float = 0.5) -> dict[str, float]:
    """Precision, recall and accuracy of `score >= threshold` as `hq`, and ROC AUC: the chance
    that a random positive outscores a random negative (the Mann-Whitney statistic, ties half).
    (Polars is imported here: the pool workers that score documents with a model never rank.)"""
    import polars as pl

    scores, truth = np.asarray(scores), np.asarray(truth, dtype=bool)
    predicted = scores >= threshold
    true_positives = int((predicted & truth).sum())
    positives, negatives = int(truth.sum()), int((~truth).sum())
    ranks = pl.Series(scores).rank("average").to_numpy()
    auc = (ranks[truth].sum() - positives * (positives + 1) / 2) / (positives * negatives)
    return {"precision": true_positives / max(int(predicted.sum()), 1), "recall": true_positives / positives,
            "accuracy": float((predicted == truth).mean()), "roc_auc": float(auc)}


def train(positive: list[str], negative: list[str], out: str, val_fraction: float = VAL_FRACTION,
          seed: int = 0, **settings) -> dict:
    """Train on the documents of `positive` and `negative` sources (read_texts) less a held-out
    `val_fraction` of each, evaluate on that, write the model to `out` and its card beside it.
    `settings` override SETTINGS (lr=, epoch=). Returns the card."""
    settings = {**SETTINGS, **settings}
    fasttext = fasttext_module()
    if not 0 < val_fraction < 1:
        raise RefineryError(f"--val-fraction must be between 0 and 1, not {val_fraction}")
    sides = {POSITIVE: _read_sources(positive), NEGATIVE: _read_sources(negative)}
    rng = random.Random(seed)
    train_rows, val_rows = [], []
    for label, (texts, _) in sides.items():
        held = round(len(texts) * val_fraction)
        if held < 1 or held == len(texts):
            raise RefineryError(f"{len(texts)} {label.removeprefix('__label__')} document(s): too few to hold "
                                f"{val_fraction:.0%} out for evaluation and train on the rest")
        texts = rng.sample(texts, len(texts))
        val_rows += [(label, t) for t in texts[:held]]
        train_rows += [(label, t) for t in texts[held:]]
    rng.shuffle(train_rows)       # fastText learns in file order: mix the labels
    with tempfile.TemporaryDirectory() as scratch:
        train_file = Path(scratch) / "train.txt"
        train_file.write_text("".join(f"{label} {normalise(text)}\n" for label, text in train_rows), encoding="utf-8")
        model = fasttext.train_supervised(input=str(train_file), seed=seed, verbose=0, **settings)
    scores = hq_probabilities(model, [text for _, text in val_rows])
    metrics = held_out_metrics(scores, [label == POSITIVE for label, _ in val_rows])
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    model.save_model(out)
    card = {"model": Path(out).name, "labels": {"positive": POSITIVE, "negative": NEGATIVE},
            "sources": {"positive": positive, "negative": negative},
            "documents": {side: len(sides[label][0]) for side, label in (("positive", POSITIVE), ("negative", NEGATIVE))},
            "empty_skipped": sides[POSITIVE][1] + sides[NEGATIVE][1],
            "train": len(train_rows), "held_out": len(val_rows), "seed": seed,
            "normalisation": "DCLM: lines joined by spaces", "fasttext": settings,
            "package": f"fasttext-numpy2-wheel {version('fasttext-numpy2-wheel')}",
            "held_out_metrics": {k: round(v, 4) for k, v in metrics.items()}}
    card_path(out).write_text(json.dumps(card, indent=1))
    return card


def card_path(model: str) -> Path:
    return Path(f"{model}.card.json")


def _read_sources(sources: list[str]) -> tuple[list[str], int]:
    texts, empty = [], 0
    for source in sources:
        found, skipped = read_texts(source)
        texts += found
        empty += skipped
    return texts, empty


def register(sub) -> None:
    p = sub.add_parser("classifier", help="train a quality classifier: `refinery classifier train`")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = actions.add_parser("train", help="train a fastText quality classifier and print its held-out figures",
                           description="Train a fastText classifier DCLM's way: reference text you want more of "
                                       "as positives, your raw crawl as negatives. Prints held-out precision, "
                                       "recall, accuracy and ROC AUC; writes MODEL and MODEL.card.json. Use the "
                                       "model in a recipe's [quality_model] step.")
    p.add_argument("--positive", nargs="+", required=True, metavar="SRC",
                   help="Parquet or JSON Lines files with a `text` column, folders of them, or runs' final/")
    p.add_argument("--negative", nargs="+", required=True, metavar="SRC", help="as --positive")
    p.add_argument("--out", required=True, metavar="MODEL", help="the model file to write (e.g. quality.bin)")
    p.add_argument("--val-fraction", type=float, default=VAL_FRACTION, metavar="F",
                   help="share of each side held out for evaluation (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="for the split and the training (default: %(default)s)")
    p.add_argument("--lr", type=float, default=SETTINGS["lr"], help="learning rate (default: %(default)s; DCLM: 0.1)")
    p.add_argument("--epoch", type=int, default=SETTINGS["epoch"],
                   help="passes over the data (default: %(default)s; DCLM, on hundreds of thousands of documents: 5)")
    p.set_defaults(func=train_command)


def train_command(args) -> int:
    card = train(args.positive, args.negative, args.out, args.val_fraction, args.seed, lr=args.lr, epoch=args.epoch)
    docs, m = card["documents"], card["held_out_metrics"]
    print(f"classifier: {docs['positive']:,} positive and {docs['negative']:,} negative documents"
          + (f" ({card['empty_skipped']:,} empty texts skipped)" if card["empty_skipped"] else "")
          + f"; trained on {card['train']:,}, held out {card['held_out']:,}")
    print(f"held-out (score >= 0.5 is positive): precision {m['precision']:.3f}  recall {m['recall']:.3f}  "
          f"accuracy {m['accuracy']:.3f}  ROC AUC {m['roc_auc']:.3f}")
    print(f"model: {args.out}\ncard:  {card_path(args.out)}")
    return 0
