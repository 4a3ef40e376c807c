"""Extraction engines: each one's speed beside its extraction quality, on real pages.

    .venv/bin/python bench/extract.py [--pages N] [--engines trafilatura resiliparse]

For each engine of the extract step (pipeline/extract.py), with the step's default settings:
  - pages/s on one core: the CPU time of the step's child-side function (`extract_text`, what
    the watchdog's child runs per page) in this process, over the 181 pages of the article
    benchmark and the 990 of trafilatura's evaluation set (../shared/data), decoded beforehand;
  - pages/s through the step: `Extractor.check_batch` as a run calls it, which sends the pages
    to the watchdog's child and back `batch_documents` at a time, by the wall clock (so it moves
    with the machine's load);
  - AEB F1: 4-gram-shingle F1 against the benchmark's human-made article bodies, the mean over
    pages (tests/test_dataset.py `f1_4gram`; a page with no text scores 0);
  - trafilatura's evaluation set: the share of its `with` snippets found in the text, and of its
    `without` snippets (boilerplate) absent, whitespace collapsed on both sides.
`--pages N` keeps the first N pages of each set; all of them take about 90 s on one core.
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from pipeline.charset import decode_html  # noqa: E402
from pipeline.document import Document  # noqa: E402
from pipeline.extract import ENGINES, Extractor, extract_text  # noqa: E402
from tests.test_dataset import f1_4gram  # noqa: E402

DATA = REPO.parent / "shared" / "data"
AEB = DATA / "scrapinghub-aeb"
EVAL = DATA / "trafilatura-eval"


def aeb_pages(limit: int | None) -> list[tuple[str, str, str]]:
    """(url, html, article body) for each benchmark page, in the ground truth's order."""
    truth = json.loads((AEB / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for key, entry in list(truth.items())[:limit]:
        decoded = decode_html(gzip.decompress((AEB / "html" / f"{key}.html.gz").read_bytes()))
        if decoded:
            pages.append((entry["url"], decoded[0], entry["articleBody"]))
    return pages


def eval_pages(limit: int | None) -> list[tuple[str, str, list[str], list[str]]]:
    """(url, html, snippets to find, snippets not to find) for each page of trafilatura's set."""
    entries = json.loads((EVAL / "evaldata.json").read_text(encoding="utf-8"))
    pages = []
    for url, entry in list(entries.items())[:limit]:
        path = EVAL / "eval" / f"{entry['file']}.gz"
        path = path if path.exists() else EVAL / "cache" / f"{entry['file']}.gz"
        decoded = decode_html(gzip.decompress(path.read_bytes()))
        if decoded:
            pages.append((url, decoded[0], entry.get("with") or [], entry.get("without") or []))
    return pages


def collapse(text: str) -> str:
    return " ".join(text.split())


def measure(engine: str, aeb: list, evalset: list) -> dict:
    extractor = Extractor(engine=engine)
    texts, cpu = [], 0.0
    for url, html, *_ in aeb + evalset:
        started = time.process_time()
        status, text = extract_text(html, url, engine, extractor.options, extractor.timeout_s)
        cpu += time.process_time() - started
        texts.append((text or "").strip() if status == "ok" else "")

    extractor.check(Document(id="warm", url="", warc="", offset=0, html=aeb[0][1]))  # starts the child
    docs = [Document(id="x", url=url, warc="", offset=0, html=html) for url, html, *_ in aeb + evalset]
    started = time.monotonic()
    for at in range(0, len(docs), extractor.batch_documents):
        extractor.check_batch(docs[at:at + extractor.batch_documents])
    wall = time.monotonic() - started

    aeb_texts, eval_texts = texts[:len(aeb)], texts[len(aeb):]
    f1 = [f1_4gram(text, truth) for text, (_, _, truth) in zip(aeb_texts, aeb)]
    found = absent = wanted = unwanted = 0
    for text, (_, _, with_, without) in zip(eval_texts, evalset):
        text = collapse(text)
        found += sum(collapse(s) in text for s in with_)
        absent += sum(collapse(s) not in text for s in without)
        wanted, unwanted = wanted + len(with_), unwanted + len(without)
    return {"engine": engine, "pages": len(texts), "cpu_rate": len(texts) / cpu, "ms": 1000 * cpu / len(texts),
            "step_rate": len(texts) / wall, "f1": sum(f1) / len(f1),
            "empty": sum(not t for t in texts), "with": found / wanted, "without": absent / unwanted}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, help="the first N pages of each set (default: all)")
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    args = parser.parse_args()
    aeb, evalset = aeb_pages(args.pages), eval_pages(args.pages)
    print(f"{len(aeb)} article-benchmark pages, {len(evalset)} trafilatura evaluation pages "
          f"({sum(len(p[1]) for p in aeb + evalset) / 1e6:.0f} M characters of HTML)\n")
    print(f"{'engine':<12} {'pages/s (1 core)':>17} {'ms/page':>8} {'pages/s (step)':>15} {'AEB F1':>7} "
          f"{'eval with':>10} {'eval without':>13} {'no text':>8}")
    for engine in args.engines:
        r = measure(engine, aeb, evalset)
        print(f"{r['engine']:<12} {r['cpu_rate']:>17.1f} {r['ms']:>8.2f} {r['step_rate']:>15.1f} {r['f1']:>7.3f} "
              f"{r['with']:>10.1%} {r['without']:>13.1%} {r['empty']:>8}", flush=True)
    print("\npages/s (1 core): CPU time of the extraction itself; pages/s (step): Extractor.check_batch through its "
          "watchdog child, wall clock.\neval with: share of the snippets that must be extracted found; eval "
          "without: share of the boilerplate snippets absent.")


if __name__ == "__main__":
    main()
