"""Language pre-check against the exact path: pages lost, pages skipped, time saved, threshold.

For the pages the exact path keeps, the share the pre-check loses; the pages it skips before
extraction; the extraction time it saves; and the threshold it should use.

    python bench/language_precheck.py [--tune DIR] [--corpus DIR] [--files N]

Runs recipes/fineweb-exact.toml's steps up to `language` (read -> url -> extract -> language)
over every page of two make_corpus corpora, in this one process, scoring each page that
reaches extraction with the pre-check of recipes/fineweb.toml (its share of text in the target
languages) and timing the pre-check and the extraction of each.

On the tuning corpus (--tune; built with seed 5 when not given) it derives the threshold: the
largest that keeps at least 99.9% of the pages the exact path keeps, halved and rounded down to
a hundredth for a safety margin. On the held-out corpus (--corpus; seed 9) it prints, at that
threshold and at the one fineweb.toml sets: the share of the exact path's pages still kept, the
share of pages skipped before extraction, and the extraction time saved, less the pre-check's.
Both corpora are drawn from the same pool of real pages in ../shared (other duplicates and
near-duplicate variants), so the held-out figures are a check, not an independent sample.
"""
from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from bench.shared_corpus import corpus_folder  # noqa: E402
from pipeline.read import read_warc  # noqa: E402
from pipeline.recipe import load_recipe  # noqa: E402
from pipeline.steps import build_step  # noqa: E402

EXACT = REPO / "recipes" / "fineweb-exact.toml"
FAST = REPO / "recipes" / "fineweb.toml"
PRECHECK = "language_precheck"
MUST_KEEP = 0.999     # the bar: the share of the exact path's pages the pre-check keeps
MARGIN = 0.5          # the measured threshold is multiplied by this


@dataclass
class Page:
    url: str
    share: float        # the pre-check's score; inf where it has no evidence (never dropped)
    precheck_s: float
    extract_s: float
    exact_keeps: bool   # kept by the exact path's language step


def score_corpus(folder: Path, files: int) -> list[Page]:
    exact = load_recipe(EXACT)
    names = ("read", *exact.steps[: exact.steps.index("language") + 1])
    if names[-2:] != ("extract", "language"):
        sys.exit(f"{EXACT.name}: expected `language` right after `extract`, got {names}")
    steps = [build_step(name, exact.params_for(name)) for name in names]
    *before, extract, language = steps
    # The pre-check as fineweb.toml sets it, with a threshold of 0 so that it scores every page.
    precheck = build_step(PRECHECK, {**load_recipe(FAST).params_for(PRECHECK), "min_target_prob": 0})
    as_run = build_step(PRECHECK, load_recipe(FAST).params_for(PRECHECK))   # timed: it stops scoring once sure
    if precheck.languages != set(language.languages):
        sys.exit(f"[{PRECHECK}] languages {sorted(precheck.languages)} differ from [language]'s")
    pages = []
    for path in sorted(folder.glob("*.warc.gz"))[:files]:
        for doc in read_warc(str(path), before[0].max_payload_bytes):
            if not all(step.check(doc).kept for step in before):
                continue
            html = doc.html
            started = time.perf_counter()
            as_run.check(doc)
            precheck_s = time.perf_counter() - started
            decision = precheck.check(doc)
            doc.html = html
            started = time.perf_counter()
            extracted = extract.check(doc).kept
            extract_s = time.perf_counter() - started
            pages.append(Page(doc.url, decision.metrics.get("target_prob_at_least", math.inf), precheck_s, extract_s,
                              extracted and language.check(doc).kept))
    return pages


def largest_safe_threshold(pages: list[Page]) -> float:
    """The largest threshold at which dropping pages scored below it keeps MUST_KEEP of the
    pages the exact path keeps."""
    shares = sorted(p.share for p in pages if p.exact_keeps)
    return shares[math.floor((1 - MUST_KEEP) * len(shares))]


def report(pages: list[Page], threshold: float, label: str) -> None:
    kept = [p for p in pages if p.exact_keeps]
    skipped = [p for p in pages if p.share < threshold]
    lost = [p for p in kept if p.share < threshold]
    extract_s = sum(p.extract_s for p in pages)
    saved_s = sum(p.extract_s for p in skipped)
    precheck_s = sum(p.precheck_s for p in pages)
    print(f"  min_target_prob = {threshold:g} ({label}):")
    print(f"    exact path's pages kept   {len(kept) - len(lost):,} of {len(kept):,} "
          f"({(len(kept) - len(lost)) / len(kept):.2%})")
    print(f"    skipped before extraction {len(skipped):,} of {len(pages):,} pages ({len(skipped) / len(pages):.1%})")
    print(f"    extraction time saved     {saved_s:.1f} of {extract_s:.1f} s ({saved_s / extract_s:.1%}); "
          f"the pre-check costs {precheck_s:.1f} s ({precheck_s / len(pages) * 1e3:.2f} ms a page), "
          f"net saving {(saved_s - precheck_s) / extract_s:.1%} of extraction time")
    for p in lost:
        print(f"    lost: {p.share:.4f}  {p.url}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tune", help="the make_corpus folder the threshold is derived on (default: build seed 5)")
    ap.add_argument("--corpus", help="the held-out make_corpus folder (default: build seed 9)")
    ap.add_argument("--files", type=int, default=4, help="how many WARC files of each corpus to run")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tune = score_corpus(corpus_folder(args.tune, Path(tmp) / "tune", seed=5), args.files)
        held_out = score_corpus(corpus_folder(args.corpus, Path(tmp) / "held-out", seed=9), args.files)
    safe = largest_safe_threshold(tune)
    suggested = math.floor(safe * MARGIN * 100) / 100
    recipe_threshold = build_step(PRECHECK, load_recipe(FAST).params_for(PRECHECK)).min_target_prob
    print(f"tuning corpus: {len(tune):,} pages reach extraction, the exact path keeps "
          f"{sum(p.exact_keeps for p in tune):,}; lowest scores among those: "
          f"{', '.join(f'{p.share:.4f}' for p in sorted((p for p in tune if p.exact_keeps), key=lambda p: p.share)[:3])}")
    print(f"  largest threshold keeping {MUST_KEEP:.1%} of them: {safe:.4f}; with the safety margin "
          f"(x{MARGIN}, rounded down): {suggested:g}")
    report(tune, recipe_threshold, "fineweb.toml's")
    print(f"\nheld-out corpus: {len(held_out):,} pages reach extraction, the exact path keeps "
          f"{sum(p.exact_keeps for p in held_out):,}")
    report(held_out, recipe_threshold, "fineweb.toml's")
    if suggested != recipe_threshold:
        report(held_out, suggested, "derived above")


if __name__ == "__main__":
    main()
