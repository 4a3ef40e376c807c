"""Quality-filter cost per MB: word splitting and each filter step, on real and pathological text.

    python bench/filters.py [--real-mb 0.5] [--kb 40] [--recipe recipes/fineweb.toml]

Each step runs alone on each input (a fresh document each time, so C4's and PII's rewrites do not
carry over), in this one process: the figures are per core. MB are the document's text, also for
the URL filter, which reads only its address.

- Real text: the documents bench/parity_datatrove.py gathers from ../shared/data (dolma, DCLM,
  RedPajama, the scrapinghub ground truth; no HTML extraction), shuffled with a fixed seed, up to
  --real-mb MB.
- Pathological text: one word of --kb KB per shape that made a filter's regular expression
  backtrack, or its affix loop rescan a word, quadratically (tests/test_filters_linear.py checks
  what the filters make of them), and a few neighbours. Each also runs at a quarter of the size:
  "growth" is the slowest step's seconds per MB at full size over that at a quarter, ~1 when every
  step is linear in the length, ~4 when one is quadratic.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from parity_datatrove import DATA, gather_documents  # noqa: E402  (bench/ is this script's folder)
from pipeline.document import Document  # noqa: E402
from pipeline.filters.text import split_words  # noqa: E402
from pipeline.recipe import load_recipe  # noqa: E402
from pipeline.steps import build_step  # noqa: E402

FILTERS = ["gopher_repetition", "gopher_quality", "c4", "fineweb", "pii", "url"]
SHORT = {"split_words": "split", "gopher_repetition": "gopher_rep", "gopher_quality": "gopher_qual"}
# A short input is run again until this much time has passed, so the clock's resolution does not count.
MIN_SECONDS = 0.02

# label -> a text of n characters (about)
PATHOLOGICAL = {
    "a.a.a…1": lambda n: "a." * (n // 2) + "1",
    "A.A.A…x)": lambda n: "A." * (n // 2) + "x)",
    "a.b@a.b@…": lambda n: "a.b@" * (n // 4),
    "a)))…": lambda n: "a" + ")" * n,
    "aaa…)))": lambda n: "a" * (n // 2) + ")" * (n // 2),
    "((a))": lambda n: "(" * (n // 2) + "a" + ")" * (n // 2),
    "\"''word''\"": lambda n: '"' * (n // 4) + "'" * (n // 4) + "word" + "'" * (n // 4) + '"' * (n // 4),
    "a……b": lambda n: "a" + "." * n + "b",
    "-:-:-:": lambda n: "-:" * (n // 2),
    "!!!!": lambda n: "!" * n,
    "a-a-…@": lambda n: "a-" * (n // 2) + "@",
    "a.a.…@!": lambda n: "a." * (n // 2) + "@!",
    "1.1.1.…": lambda n: "1." * (n // 2),
    "9999…": lambda n: "9" * n,
    "mixed scripts": lambda n: "日本語Ελληνικάрусский" * (n // 20),
    "aaaa…": lambda n: "a" * n,
}


def steps(recipe_path: str) -> dict:
    """Each measured step as a function of a document: split_words, then the recipe's filters."""
    recipe = load_recipe(recipe_path)
    measured = {"split_words": lambda doc: split_words(doc.text, doc.lang)}
    for name in FILTERS:
        measured[name] = build_step(name, recipe.params_for(name)).check
    for step in measured.values():     # a first call loads what a step loads once (tld's suffix list)
        step(Document(id="warm-up", url="https://example.com/", warc="", offset=0, text="Warm up.", lang="en"))
    return measured


def seconds(step, text: str, url: str) -> float:
    """Seconds one run of `step` takes on a document of `text`."""
    runs, spent = 0, 0.0
    while spent < MIN_SECONDS:
        doc = Document(id="bench", url=url, warc="", offset=0, text=text, lang="en")
        started = time.perf_counter()
        step(doc)
        spent += time.perf_counter() - started
        runs += 1
    return spent / runs


def real_text(measured: dict, real_mb: float) -> None:
    if not DATA.is_dir():
        print(f"no shared data at {DATA}: the real-text figures are skipped\n")
        return
    docs = gather_documents(with_html=False)
    random.Random(0).shuffle(docs)
    chosen, mb = [], 0.0
    for d in docs:
        if mb >= real_mb:
            break
        chosen.append(d)
        mb += len(d["text"].encode()) / 1e6
    print(f"real text: {len(chosen)} documents, {mb:.2f} MB (of {len(docs)} gathered from {DATA})\n")
    print(f"{'step':<20}{'seconds':>9}{'s/MB':>8}{'MB/s':>8}")
    for name, step in measured.items():
        spent = sum(seconds(step, d["text"], d["url"]) for d in chosen)
        print(f"{name:<20}{spent:>9.2f}{spent / mb:>8.2f}{mb / spent:>8.2f}")
    print()


def pathological(measured: dict, kb: int) -> None:
    print(f"pathological text, one word of {kb} KB each: seconds per MB at {kb} KB; the slowest step's MB/s; "
          f"growth of the slowest step's s/MB from {kb // 4} KB to {kb} KB (linear ~1, quadratic ~4)\n")
    print(f"{'text':<16}" + "".join(f"{SHORT.get(n, n):>12}" for n in measured) + f"{'MB/s':>8}{'growth':>8}")
    for label, build in PATHOLOGICAL.items():
        per_mb = {}
        for size in (kb // 4, kb):
            text = build(size * 1000)
            mb = len(text.encode()) / 1e6
            per_mb[size] = {n: seconds(step, text, "https://example.com/" + text) / mb for n, step in measured.items()}
        full = per_mb[kb]
        slowest = max(full, key=full.get)
        print(f"{label:<16}" + "".join(f"{full[n]:>12.2f}" for n in measured)
              + f"{1 / full[slowest]:>8.1f}{full[slowest] / per_mb[kb // 4][slowest]:>8.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--real-mb", type=float, default=0.5, help="MB of real documents to run (0: none)")
    ap.add_argument("--kb", type=int, default=40, help="size of each pathological word, in KB")
    ap.add_argument("--recipe", default=str(REPO / "recipes" / "fineweb.toml"), help="where the filters' settings come from")
    args = ap.parse_args()
    measured = steps(args.recipe)
    started = time.perf_counter()
    if args.real_mb > 0:
        real_text(measured, args.real_mb)
    pathological(measured, args.kb)
    print(f"\n{time.perf_counter() - started:.0f} s in all, one core")


if __name__ == "__main__":
    main()
