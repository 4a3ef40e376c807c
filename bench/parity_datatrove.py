"""Do our quality filters decide what datatrove's decide? And do they agree with people?

    .venv/bin/python bench/parity_datatrove.py [--venv /tmp/datatrove-venv] [--no-html] [--show 10]

1. Builds a side virtualenv with datatrove (pinned below; never a dependency of ours).
2. Gathers real documents from ../shared/data: the texts of the jsonl corpora and the
   scrapinghub ground truth, plus the main text trafilatura (favour precision, as FineWeb)
   extracts from the HTML pages.
3. Runs every filter of ours and datatrove's counterpart (with FineWeb's settings) on the same
   texts, each filter on the original text, and prints per-filter keep/drop agreement with the
   disagreeing documents. C4 and PII also rewrite the text: the texts are compared too. The URL
   filter runs with datatrove's own lists, the UT1 adult domains included, fed to ours as
   user list files.
4. Compares the keep/drop of the whole chain with the DCLM human quality labels.

The script re-runs itself inside the side environment (`--side`) for datatrove's half; that
half imports datatrove only.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

DATATROVE = "datatrove==0.10.1"
# What datatrove's filters import for English (spaCy tokenizer, URL filter helpers).
SIDE_PACKAGES = [DATATROVE, "spacy==3.8.18", "tldextract==5.4.0", "pyahocorasick==2.3.1",
                 "fasteners", "regex", "nltk"]
FILTERS = ["url", "gopher_repetition", "gopher_quality", "c4", "fineweb", "pii"]
CHAIN = ["gopher_repetition", "gopher_quality", "c4", "fineweb"]   # FineWeb's order after language ID
REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"


# ---------------------------------------------------------------- datatrove's half (side env)

def run_side(docs_path: Path, out_path: Path, lists_dir: Path) -> None:
    from datatrove.data import Document as DTDoc
    from datatrove.pipeline.filters import (C4QualityFilter, FineWebQualityFilter, GopherQualityFilter,
                                            GopherRepetitionFilter, URLFilter)
    from datatrove.pipeline.formatters import PIIFormatter
    from datatrove.utils._import_utils import ASSETS_PATH

    # Unpack the integrated UT1 lists where our half can read them as user list files.
    with tarfile.open(os.path.join(ASSETS_PATH, "url_filterblacklistsv0_3_0.tar.gz")) as tar:
        tar.extractall(lists_dir, filter="data")
    url_filter = URLFilter()
    import tldextract  # offline: its bundled public-suffix snapshot, no download attempt
    url_filter.tldextractor = tldextract.TLDExtract(suffix_list_urls=())
    filters = {
        "url": url_filter,
        "gopher_repetition": GopherRepetitionFilter(),
        "gopher_quality": GopherQualityFilter(),
        "c4": C4QualityFilter(filter_no_terminal_punct=False),
        "fineweb": FineWebQualityFilter(),
    }
    pii = PIIFormatter()
    with open(docs_path) as src, open(out_path, "w") as out:
        for line in src:
            d = json.loads(line)
            row = {"id": d["id"]}
            for name, f in filters.items():
                doc = DTDoc(text=d["text"], id=d["id"], metadata={"url": d["url"]})
                result = f.filter(doc)
                kept, reason = (result, "") if isinstance(result, bool) else result
                row[name] = [bool(kept), reason]
                if name == "c4" and kept:
                    row["c4_text"] = doc.text
            # Restart PII's replacement cycle per document, as ours does (see pipeline/filters/pii.py).
            pii.emails_replacer._replace_i = pii.ip_replacer._replace_i = 0
            row["pii_text"] = pii.format(d["text"])
            out.write(json.dumps(row) + "\n")


# ---------------------------------------------------------------- the documents

def gather_documents(with_html: bool) -> list[dict]:
    """Real texts from ../shared/data: {id, source, url, text, label (DCLM only)}."""
    docs = []

    def add(source, text, url="", label=None):
        if text and text.strip():
            docs.append({"id": f"{source}/{len(docs)}", "source": source, "url": url or "http://unknown.invalid/",
                         "text": text, "label": label})

    for path in sorted((DATA / "dolma").glob("*.jsonl.gz")):
        for line in gzip.open(path, "rt", encoding="utf-8"):
            d = json.loads(line)
            add("dolma", d["text"], (d.get("metadata") or {}).get("url", ""))
    for line in open(DATA / "dclm" / "majority_data.jsonl", encoding="utf-8"):
        d = json.loads(line)
        add("dclm", d["text"], label=int(d["label"]))
    for path in sorted((DATA / "data-juicer").glob("*.jsonl")):
        for line in open(path, encoding="utf-8"):
            add("redpajama", json.loads(line)["text"])
    for entry in json.load(open(DATA / "scrapinghub-aeb" / "ground-truth.json", encoding="utf-8")).values():
        add("aeb-truth", entry["articleBody"], entry.get("url", ""))
    if with_html:
        import trafilatura
        from tqdm import tqdm

        pages = sorted((DATA / "scrapinghub-aeb" / "html").glob("*.html.gz"))
        pages += sorted((DATA / "readability").glob("*/source.html.gz"))
        pages += sorted((DATA / "trafilatura-eval").glob("*/*.html.gz"))
        for page in tqdm(pages, desc="trafilatura", unit="page"):
            html = gzip.open(page, "rb").read().decode("utf-8", "replace")
            add("html", trafilatura.extract(html, favor_precision=True) or "")
    return docs


def ensure_side_env(venv: Path) -> Path:
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"building the side environment {venv} ({DATATROVE})", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *SIDE_PACKAGES], check=True)
    return python


# ---------------------------------------------------------------- our half and the comparison

def run_ours(docs: list[dict], lists_dir: Path) -> dict[str, dict]:
    from tqdm import tqdm

    from pipeline.document import Document
    from pipeline.steps import build_step

    url_params = {"domain_lists": [str(lists_dir / "domains")], "url_lists": [str(lists_dir / "urls")]}
    filters = {name: build_step(name, url_params if name == "url" else {}) for name in FILTERS}
    filters["c4"] = build_step("c4", {"disable": ["terminal_punct"]})
    rows = {}
    for d in tqdm(docs, desc="our filters", unit="doc"):
        row = {}
        for name, f in filters.items():
            doc = Document(id=d["id"], url=d["url"], warc="", offset=0, text=d["text"], lang="en")
            decision = f.check(doc)
            row[name] = [decision.kept, decision.reason, decision.metrics]
            if name in ("c4", "pii"):
                row[f"{name}_text"] = doc.text if decision.kept else None
        rows[d["id"]] = row
    return rows


def compare(docs, ours, theirs, show: int) -> None:
    print(f"\n== keep/drop agreement with {DATATROVE}, {len(docs)} documents ==")
    print(f"{'filter':<19}{'agree':>8}{'ours kept':>11}{'dt kept':>9}{'differ':>8}")
    for name in FILTERS[:-1]:
        differ = [d for d in docs if ours[d["id"]][name][0] != theirs[d["id"]][name][0]]
        kept_o = sum(ours[d["id"]][name][0] for d in docs)
        kept_t = sum(theirs[d["id"]][name][0] for d in docs)
        print(f"{name:<19}{1 - len(differ) / len(docs):>8.2%}{kept_o:>11}{kept_t:>9}{len(differ):>8}")
        for d in differ[:show]:
            o, t = ours[d["id"]][name], theirs[d["id"]][name]
            print(f"    {d['id']:<18} ours={o[1] or 'keep':<34} datatrove={t[1] or 'keep':<28} {json.dumps(o[2])[:150]}")
    both_kept = [d for d in docs if ours[d["id"]]["c4"][0] and theirs[d["id"]]["c4"][0]]
    same = sum(ours[d["id"]]["c4_text"] == theirs[d["id"]]["c4_text"] for d in both_kept)
    print(f"c4 rewritten text identical: {same}/{len(both_kept)} kept by both")
    same = sum(ours[d["id"]]["pii_text"] == theirs[d["id"]]["pii_text"] for d in docs)
    print(f"pii text identical:          {same}/{len(docs)}")


def compare_with_labels(docs, ours) -> None:
    labelled = [d for d in docs if d["label"] is not None]
    print(f"\n== DCLM human quality labels ({len(labelled)} documents, "
          f"{sum(d['label'] for d in labelled)} labelled good) ==")
    print(f"{'filter':<19}{'kept':>6}{'precision':>11}{'recall':>8}   (of 'kept' against label 1)")

    def line(name, kept):
        tp = sum(1 for d, k in zip(labelled, kept) if k and d["label"] == 1)
        n_kept, n_good = sum(kept), sum(d["label"] for d in labelled)
        print(f"{name:<19}{n_kept:>6}{tp / max(n_kept, 1):>11.1%}{tp / max(n_good, 1):>8.1%}")

    for name in CHAIN:
        line(name, [ours[d["id"]][name][0] for d in labelled])
    line("whole chain", [all(ours[d["id"]][name][0] for name in CHAIN) for d in labelled])
    line("(keep all)", [True] * len(labelled))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--venv", type=Path, default=Path(tempfile.gettempdir()) / "datatrove-venv")
    ap.add_argument("--no-html", action="store_true", help="skip trafilatura extraction of the HTML pages")
    ap.add_argument("--show", type=int, default=10, help="disagreeing documents listed per filter")
    ap.add_argument("--side", nargs=3, metavar=("DOCS", "OUT", "LISTS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.side:
        run_side(*map(Path, args.side))
        return 0
    if not DATA.is_dir():
        print(f"no shared data at {DATA}", file=sys.stderr)
        return 1
    sys.path.insert(0, str(REPO))
    python = ensure_side_env(args.venv)
    docs = gather_documents(with_html=not args.no_html)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        with open(tmp / "docs.jsonl", "w") as f:
            for d in docs:
                f.write(json.dumps(d) + "\n")
        start = time.perf_counter()
        subprocess.run([str(python), __file__, "--side", str(tmp / "docs.jsonl"), str(tmp / "dt.jsonl"),
                        str(tmp / "lists")], check=True)
        dt_seconds = time.perf_counter() - start
        theirs = {r["id"]: r for r in map(json.loads, open(tmp / "dt.jsonl"))}
        start = time.perf_counter()
        ours = run_ours(docs, tmp / "lists")
        our_seconds = time.perf_counter() - start
    compare(docs, ours, theirs, args.show)
    compare_with_labels(docs, ours)
    print(f"\ntime: datatrove {dt_seconds:.1f} s (with its list loading), ours {our_seconds:.1f} s, "
          f"{len(docs)} documents")
    return 0


if __name__ == "__main__":
    sys.exit(main())
