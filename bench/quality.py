"""What each quality filter keeps on a held-out corpus, and how that agrees with human labels.

    python bench/quality.py [--corpus DIR] [--seed 11] [--recipe recipes/fineweb.toml] [--workers 2]

Builds a make_corpus corpus with a seed the tests do not use (or takes --corpus), runs the recipe,
then prints from the ledger, per step: documents in, fraction kept; and, for the pages that carry
a DCLM human quality label (1 = good), how each step's keep/drop compares with the label.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from bench.shared_corpus import corpus_folder  # noqa: E402
from pipeline.dataset import run_dataset  # noqa: E402
from pipeline.document import doc_id_for  # noqa: E402
from pipeline.recipe import load_recipe  # noqa: E402

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--recipe", default=str(REPO / "recipes" / "fineweb.toml"))
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = corpus_folder(args.corpus, tmp, seed=args.seed)
        recipe = load_recipe(args.recipe)
        run = run_dataset([str(corpus / "*.warc.gz")], str(Path(tmp) / "run"), recipe, args.workers)
        ledger = pl.read_parquet(run.ledger_glob)
    truth = pl.DataFrame([{"doc_id": doc_id_for(t["record_id"], t["warc"], 0), "label": t["quality"]}
                          for t in map(json.loads, open(corpus / "truth.jsonl")) if t["quality"] is not None])
    steps = ["read", *recipe.steps]
    per_step = (ledger.group_by("stage").agg(docs_in=pl.len(), kept=pl.col("kept").sum())
                .with_columns(kept_frac=pl.col("kept") / pl.col("docs_in"))
                .sort(pl.col("stage").replace_strict({s: i for i, s in enumerate(steps)}, default=99)))
    labelled = ledger.join(truth, on="doc_id")
    versus_labels = (labelled.group_by("stage").agg(
        labelled_in=pl.len(),
        kept=pl.col("kept").sum(),
        precision=(pl.col("kept") & (pl.col("label") == 1)).sum() / pl.col("kept").sum(),
        recall=(pl.col("kept") & (pl.col("label") == 1)).sum() / (pl.col("label") == 1).sum(),
        drop_precision=(~pl.col("kept") & (pl.col("label") == 0)).sum() / (~pl.col("kept")).sum())
        .sort(pl.col("stage").replace_strict({s: i for i, s in enumerate(steps)}, default=99)))
    with pl.Config(tbl_rows=30, tbl_hide_dataframe_shape=True, float_precision=3):
        print(f"corpus {corpus} (seed {args.seed}), recipe {recipe.name}\n\nfraction kept by each step:")
        print(per_step)
        print(f"\nagainst the DCLM human labels ({truth.height} labelled pages, "
              f"{int((truth['label'] == 1).sum())} good): precision = good among kept, "
              f"recall = kept among good (of those reaching the step), drop_precision = bad among dropped")
        print(versus_labels)


if __name__ == "__main__":
    main()
