"""Charset decoding: pipeline/charset.py against the decoder it replaced, on real pages.

    .venv/bin/python bench/charset.py [--repeat 3]

On the 990 pages of trafilatura's evaluation set (../shared/data/trafilatura-eval, stored
without their HTTP headers, so only BOMs, <meta> labels and detection apply), prints:
  - how many pages decode to a different text, and for each its codec before and after;
  - how many pages hold mojibake: the UTF-8 bytes of a common accented letter or typographic
    sign read as a legacy codec ("Ã¤" for "ä", "â€™" for "’", "Ăź" for "ü"), before and after;
  - the U+FFFD characters the new decoder puts where bytes are invalid;
  - decode time per page (the best of --repeat runs), median and max, before and after;
  - on real texts in legacy encodings without any label (Dolma's crawl, the article benchmark,
    ~170 pages in a dozen encodings), how many decode to the right text;
  - the time to decode one large unlabelled windows-1251 page, where the old decoder ran
    detection over all of it.
"""
from __future__ import annotations

import argparse
import codecs
import gzip
import json
import re
import statistics
import sys
import time
from pathlib import Path

import charset_normalizer

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from pipeline.charset import decode_html  # noqa: E402

DATA = REPO.parent / "shared" / "data"

# What mis-decoding UTF-8 looks like: common non-ASCII characters of the set's languages (de,
# en, es, fr, pl, pt), their UTF-8 bytes read with the legacy codecs a page can end up in.
_COMMON = "äöüßÄÖÜéèêàâçñóíáúãõôąęłńśźżćő’‘“”„–—…€©®°"
_MISREAD_AS = ("cp1252", "cp1250", "mac_latin2", "iso8859_2", "iso8859_10", "iso8859_15", "mac_roman", "cp1254")
MOJIBAKE = re.compile("|".join(sorted({re.escape(ch.encode().decode(codec, "ignore"))
                                       for ch in _COMMON for codec in _MISREAD_AS} - {""}, key=len, reverse=True)))


def decode_before(payload: bytes, content_type: str = "") -> tuple[str, str] | None:
    """The decoder before pipeline/charset.py, verbatim in behaviour: the header's charset, then
    <meta charset> in the first 8 KiB, then UTF-8, each strict, with latin-1 and ascii read as
    cp1252; then charset_normalizer over the whole page."""
    header = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", content_type or "", re.I)
    meta = re.search(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", payload[:8192], re.I)
    for label in (header and header.group(1), meta and meta.group(1).decode("ascii", "ignore"), "utf-8"):
        try:
            codec = label and codecs.lookup(label).name
        except LookupError:
            continue
        codec = {"latin1": "cp1252", "iso8859-1": "cp1252", "ascii": "cp1252"}.get(codec, codec)
        if codec:
            try:
                return payload.decode(codec), codec
            except UnicodeDecodeError:
                continue
    best = charset_normalizer.from_bytes(payload).best()
    return None if best is None else (str(best), best.encoding)


def eval_pages() -> dict[str, bytes]:
    root = DATA / "trafilatura-eval"
    entries = json.loads((root / "evaldata.json").read_text())
    pages = {}
    for entry in entries.values():
        path = root / "eval" / f"{entry['file']}.gz"
        path = path if path.exists() else root / "cache" / f"{entry['file']}.gz"
        pages[entry["file"]] = gzip.decompress(path.read_bytes())
    return pages


def timed(decode, pages: dict[str, bytes], repeat: int) -> tuple[dict, list[float]]:
    results, seconds = {}, []
    for name, payload in pages.items():
        best = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            results[name] = decode(payload, "")
            best = min(best, time.perf_counter() - started)
        seconds.append(best)
    return results, seconds


def mojibake(result) -> int:
    return len(MOJIBAKE.findall(result[0])) if result else 0


def replacements_added(result, payload: bytes) -> int:
    return result[0].count("\ufffd") - payload.count("\ufffd".encode()) if result else 0


# Each script's legacy encodings, the commonest first: a text is encoded with the first that holds it.
_LEGACY = [("[\u3040-\u30ff]", ("cp932", "euc_jp")), ("[\uac00-\ud7af]", ("cp949",)),
           ("[\u4e00-\u9fff]", ("gb18030", "big5hkscs")), ("[\u0400-\u04ff]", ("cp1251", "koi8_r")),
           ("[\u0370-\u03ff]", ("cp1253",)), ("[\u0590-\u05ff]", ("cp1255",)), ("[\u0600-\u06ff]", ("cp1256",)),
           ("[\u0e00-\u0e7f]", ("cp874",)), ("[\u00c0-\u024f]", ("cp1252", "cp1250", "iso8859_2", "cp1257", "cp1254"))]


def unlabelled_legacy_pages() -> list[tuple[str, str]]:
    """Real texts (Dolma's multilingual crawl, the article benchmark) with at least 20 letters of
    one non-ASCII script, as pages with a 30 KB script ahead of the text and no label, each with
    the first legacy encoding of its script that holds it."""
    texts = [json.loads(line)["text"] for line in
             gzip.open(DATA / "dolma" / "CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz", "rt")]
    texts += [v["articleBody"] for v in json.loads((DATA / "scrapinghub-aeb" / "ground-truth.json").read_text()).values()]
    script = "<script>" + "var config = {a: 1, b: 'two'};\n" * 1000 + "</script>"
    pages = []
    for text in texts:
        text = text[:20000]
        pattern, codecs_ = max(_LEGACY, key=lambda entry: len(re.findall(entry[0], text)))
        if len(re.findall(pattern, text)) < 20:
            continue
        body = "".join(f"<p>{line}</p>\n" for line in text.splitlines() if line.strip())
        page = f"<html><head><title>page</title>{script}</head><body>{body}</body></html>"
        codec = next((c for c in codecs_ if _encodes(page, c)), None)
        if codec:
            pages.append((page, codec))
    return pages


def _encodes(text: str, codec: str) -> bool:
    try:
        text.encode(codec)
        return True
    except UnicodeEncodeError:
        return False


def large_legacy_page() -> bytes:
    """About 4 MB of a real Russian article (scrapinghub-aeb) as windows-1251, no label anywhere."""
    truth = json.loads((DATA / "scrapinghub-aeb" / "ground-truth.json").read_text())
    text = next(v["articleBody"] for v in truth.values() if "vse-diety.com" in v["url"])
    body = "".join(f"<p>{line}</p>\n" for line in text.splitlines() if line.strip())
    page = f"<html><head><title>{text[:60]}</title></head><body>{body}</body></html>".encode("cp1251")
    return page * (4_000_000 // len(page) + 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per page; the fastest is kept")
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"the shared real web data is absent ({DATA})")
    pages = eval_pages()
    before, t_before = timed(decode_before, pages, args.repeat)
    after, t_after = timed(decode_html, pages, args.repeat)
    print(f"trafilatura eval set: {len(pages)} pages, {sum(map(len, pages.values())) / 1e6:.1f} MB")

    undecoded = ("", "undecodable")
    changed = [name for name in pages if (before[name] or undecoded)[0] != (after[name] or undecoded)[0]]
    print(f"\npages decoded to a different text: {len(changed)}")
    for name in changed:
        b, a = before[name] or undecoded, after[name] or undecoded
        first = next((i for i, (x, y) in enumerate(zip(b[0], a[0])) if x != y), min(len(b[0]), len(a[0])))
        print(f"  {name[:50]:50}  {b[1]:>10} -> {a[1]:8} mojibake {mojibake(b):3} -> {mojibake(a)}, "
              f"U+FFFD added {replacements_added(a, pages[name])}, "
              f"first change {b[0][first:first + 1]!r} -> {a[0][first:first + 1]!r}")
    renamed = sum(1 for name in pages if name not in changed and (before[name] or undecoded)[1] != (after[name] or undecoded)[1])
    print(f"pages with the same text under another codec name: {renamed}")

    for label, results in (("before", before), ("after", after)):
        with_mojibake = [name for name in pages if mojibake(results[name])]
        odd = sum(1 for r in results.values() if r and r[1] in ("cp1250", "mac_latin2", "iso8859_10"))
        print(f"\n{label}: pages holding mojibake sequences {len(with_mojibake)} "
              f"({sum(mojibake(results[n]) for n in with_mojibake)} sequences); "
              f"decoded as cp1250/mac_latin2/iso8859_10: {odd}; undecodable: {sum(r is None for r in results.values())}")
    fffd = [replacements_added(after[name], pages[name]) for name in pages]
    print(f"after: pages with U+FFFD for invalid bytes {sum(1 for n in fffd if n)} ({sum(fffd)} in all)")

    print("\ndecode time per page, ms (best of {}):".format(args.repeat))
    for label, seconds in (("before", t_before), ("after", t_after)):
        slowest = max(zip(seconds, pages), key=lambda pair: pair[0])[1]
        print(f"  {label:6}  median {statistics.median(seconds) * 1e3:7.2f}   max {max(seconds) * 1e3:8.2f}   "
              f"all pages {sum(seconds):.2f} s   slowest: {slowest[:40]} ({len(pages[slowest]) / 1e6:.1f} MB)")

    legacy = unlabelled_legacy_pages()
    print(f"\n{len(legacy)} unlabelled legacy-encoded pages of real text (detection decides):")
    for label, decode in (("before", decode_before), ("after", decode_html)):
        right = sum(1 for page, codec in legacy if (decode(page.encode(codec), "") or ("",))[0] == page)
        print(f"  {label:6}  decoded to the right text: {right}")

    page = large_legacy_page()
    for label, decode in (("before", decode_before), ("after", decode_html)):
        started = time.perf_counter()
        codec = decode(page, "")[1]
        print(f"  {len(page) / 1e6:.1f} MB unlabelled windows-1251 page, {label:6}: "
              f"{(time.perf_counter() - started) * 1e3:8.1f} ms ({codec})")


if __name__ == "__main__":
    main()
