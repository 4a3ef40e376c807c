#!/usr/bin/env python3
"""Build the bundled demo crawl: demo/demo.warc.gz and its ground truth demo/truth.jsonl.

`make dataset` needs an input that ships with the repository, is small enough to commit
(under 2 MB), and still exercises every stage: boilerplate to strip, eight other languages,
junk pages for each quality rule, near and exact duplicates, legacy charsets, binaries,
HTTP errors, a revisit record and Common Crawl's record layout (warcinfo, then request /
response / metadata per capture, one gzip member per record). Real pages cannot be
redistributed, so every page is written here; see prose_en.py, prose_other.py,
site_templates.py and low_quality.py.

The output is byte-identical from run to run: one seeded random source, capture dates
inside one fixed crawl week, record ids hashed from the seed and the record's position,
and warcio's gzip members carry no timestamp.

truth.jsonl has one line per response record:
  record_id, url, kind, language, cluster, detail
kind: original | near-dup | exact-dup | low-quality | blocked-url | non-html | http-error | redirect
cluster: shared by an original and its copies (null for non-HTML and error records);
detail: what is special about the record (the near-dup edits, the junk maker, the charset).

Usage: make_demo.py [--out DIR] [--seed N]      (defaults: this folder, seed 0)
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime
import hashlib
import io
import json
import random
import sys
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from low_quality import MAKERS
from prose_en import COMMON, TOPICS, english_article
from prose_other import LANGUAGES, foreign_article
from site_templates import LAYOUTS, Article, Site, moved, render

HERE = Path(__file__).resolve().parent
WARC_NAME = "demo.warc.gz"
CRAWL_START = datetime.datetime(2024, 8, 3, 0, 0, 0)      # one crawl week, as CC-MAIN-2024-33
CRAWL_WEEK_S = 7 * 24 * 3600

# How many pages of each kind; the shares follow the brief of a small but varied crawl.
ENGLISH_ORIGINALS = 215
ORIGINALS_PER_LANGUAGE = 13
NEAR_DUPS = 45
EXACT_DUPS = 22
LOW_QUALITY_PER_MAKER = 7
ENGLISH_WORDS = (800, 1500)
OTHER_WORDS = (250, 650)

SITE_NAMES = {
    "cooking": ("Kitchen Notes", "The Hungry Table"), "travel": ("Slow Road Travel", "Ferry and Footpath"),
    "local_news": ("Gazette", "Evening Post"), "science": ("Field Notes Science", "The Lab Bench"),
    "sport": ("Sports Desk", "Touchline Weekly"), "gardening": ("Allotment Diary", "Green Fingers"),
    "history": ("History Society", "Old Roads Journal"), "technology": ("Tech Digest", "Byte Workshop"),
    "health": ("Health Matters", "Clinic Corner"), "music": ("Music Review", "Bandstand"),
    "books": ("Book Circle", "Reading Lamp"), "pets": ("Pet Post", "Paws and Whiskers"),
}
FOREIGN_SITES = {
    "fr": ("Le Journal du Quartier", "La Gazette de l'Ouest"), "de": ("Stadtanzeiger Nord", "Der Lokalbote"),
    "es": ("El Diario del Barrio", "La Voz del Valle"), "it": ("Il Corriere di Quartiere", "La Gazzetta del Borgo"),
    "pt": ("O Jornal da Vila", "Notícias do Bairro"), "nl": ("Het Buurtblad", "De Stadskrant"),
    "ru": ("Городские новости", "Вестник района"), "zh": ("城市晚报", "社区新闻网"), "ja": ("まちの新聞", "地域ニュース"),
}
FOREIGN_HOSTS = {
    "fr": ("journal-du-quartier", "gazette-ouest"), "de": ("stadtanzeiger-nord", "lokalbote"),
    "es": ("diario-del-barrio", "voz-del-valle"), "it": ("corriere-quartiere", "gazzetta-borgo"),
    "pt": ("jornal-da-vila", "noticias-do-bairro"), "nl": ("buurtblad", "stadskrant"),
    "ru": ("gorodskie-novosti", "vestnik-rayona"), "zh": ("chengshi-wanbao", "shequ-xinwen"),
    "ja": ("machi-no-shinbun", "chiiki-news"),
}
# Pages in legacy charsets, and where (if anywhere) the page says so.
CHARSET_PAGES = [("fr", "windows-1252", "meta"), ("es", "iso-8859-1", "meta"), ("ja", "shift_jis", "header"),
                 ("ru", "koi8-r", "header"), ("zh", "gbk", "header"), ("de", "iso-8859-1", "none"),
                 ("ru", "windows-1251", "none")]
# Hosts a URL blocklist must catch; the pages themselves are harmless gardening prose.
BLOCKED_HOSTS = ["www.free-porn-tube.example", "xxx-videos-hd.example", "www.sexcams-live.example"]
SPAM_SITES = [Site("www.best-deals-today.example", "Best Deals Today", "en", "portal"),
              Site("free-prizes-online.example", "Free Prizes Online", "en", "magazine"),
              Site("www.top10-everything.example", "Top 10 Everything", "en", "news"),
              Site("myblog-2024.example", "My Blog", "en", "blog")]
AD_LINES = ["Advertisement: save 20% on your next order with code SUMMER.", "Sponsored: compare energy prices in two minutes.",
            "Advertisement: the best mattress deals of the season are here.", "Sponsored content: discover our partner offers."]
SERVERS = ["nginx", "Apache", "cloudflare", "nginx/1.24.0", "Apache/2.4.58 (Debian)", "LiteSpeed"]


@dataclass
class Capture:
    """One fetch: what goes into the request / response / metadata records, and its truth line."""
    url: str
    status: str
    headers: list                 # HTTP headers without Content-Length (added when written)
    body: bytes
    kind: str
    language: str | None = None
    cluster: str | None = None
    detail: str = ""
    bracketed_uri: bool = False   # write WARC-Target-URI as <url>, as wget does


@dataclass
class Page:
    """An HTML page before it becomes bytes: kept so copies can be re-rendered with edits."""
    site: Site
    article: Article
    path: str
    cluster: str
    related: list                 # (title, path) of other pages of the site


def slug(text: str) -> str:
    """An ASCII URL slug; accents are dropped ("über" -> "uber"), other scripts leave "article"."""
    ascii_text = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return "-".join("".join(c if c.isalnum() else " " for c in ascii_text).split())[:60] or "article"


def html_headers(charset: str | None) -> list:
    return [("Content-Type", "text/html" + (f"; charset={charset}" if charset else ""))]


def build_sites() -> tuple[dict, dict]:
    """English sites per topic and foreign sites per language, each with its own layout."""
    towns = COMMON["town"]
    english = {}
    for i, (topic, names) in enumerate(SITE_NAMES.items()):
        english[topic] = []
        for j, name in enumerate(names):
            full = f"{towns[i]} {name}" if name in ("Gazette", "Evening Post") else name
            sub = "www" if j == 0 else "blog"
            english[topic].append(Site(f"{sub}.{slug(full)}.example", full, "en", LAYOUTS[(i + j) % len(LAYOUTS)]))
    foreign = {lang: [Site(f"www.{host}.example", name, lang, LAYOUTS[(k + j + 1) % len(LAYOUTS)])
                      for j, (name, host) in enumerate(zip(FOREIGN_SITES[lang], FOREIGN_HOSTS[lang]))]
               for k, lang in enumerate(LANGUAGES)}
    return english, foreign


def article_path(site: Site, article: Article, n: int) -> str:
    """URL paths shaped the way each kind of site writes them."""
    if site.layout == "portal":
        return f"/article.php?id={1000 + n}"
    if site.layout == "blog":
        return f"/{article.date:%Y/%m}/{slug(article.title)}/"
    return f"/{slug(article.title)}-{n}.html"


def crawl_pages(rng: random.Random) -> tuple[list[Page], list[Page]]:
    """The original articles: English pages cycling over the topics, then each language."""
    english_sites, foreign_sites = build_sites()
    topics = list(TOPICS)
    drafts = []
    for n in range(ENGLISH_ORIGINALS):
        topic = topics[n % len(topics)]
        site = rng.choice(english_sites[topic])
        title, blocks = english_article(rng, topic, rng.randint(*ENGLISH_WORDS))
        author = f"{rng.choice(COMMON['first'])} {rng.choice(COMMON['last'])}"
        tags = tuple(rng.sample(TOPICS[topic]["thing"], 2))
        drafts.append((site, title, blocks, author, tags))
    for lang in LANGUAGES:
        vocab = LANGUAGES[lang]
        for _ in range(ORIGINALS_PER_LANGUAGE):
            site = rng.choice(foreign_sites[lang])
            title, blocks = foreign_article(rng, lang, rng.randint(*OTHER_WORDS))
            joiner = "" if lang in ("zh", "ja") else " "
            author = joiner.join((rng.choice(vocab["first"]), rng.choice(vocab["last"])))
            drafts.append((site, title, blocks, author, ()))
    pages = []
    for n, (site, title, blocks, author, tags) in enumerate(drafts):
        date = (CRAWL_START - datetime.timedelta(days=rng.randint(1, 400))).date()
        article = Article(title, author, date, tuple(blocks), tags)
        pages.append(Page(site, article, article_path(site, article, n), f"c{n:04d}", []))
    by_site: dict = {}
    for page in pages:
        by_site.setdefault(page.site.host, []).append((page.article.title, page.path))
    for page in pages:
        others = [link for link in by_site[page.site.host] if link[1] != page.path]
        page.related = rng.sample(others, min(5, len(others)))
    return pages, [p for sites in english_sites.values() for p in sites] + [p for s in foreign_sites.values() for p in s]


def capture(page: Page, kind: str, charset: str = "utf-8", where: str = "meta", url: str | None = None,
            detail: str = "") -> Capture:
    """Render a page to bytes in `charset`, declared in the <meta>, the HTTP header, or nowhere."""
    meta = charset if where == "meta" else None
    body = render(page.site, page.article, page.related, charset_meta=meta).encode(charset)
    header = charset if where == "header" else None
    return Capture(url or f"https://{page.site.host}{page.path}", "200 OK", html_headers(header), body, kind,
                   page.site.lang, page.cluster, detail)


def near_duplicate(page: Page, rng: random.Random, sites: list[Site]) -> tuple[Page, str, str]:
    """The same article re-served with one to three edits; returns the copy, its URL and the edits."""
    article, site, url = page.article, page.site, f"https://{page.site.host}{page.path}"
    edits = rng.sample(["template", "syndicated", "date", "drop-paragraph", "ad-line"], rng.randint(1, 3))
    if "syndicated" in edits:
        partners = [s for s in sites if s.lang == site.lang and s.host != site.host]
        site = rng.choice(partners)
        url = f"https://{site.host}/syndication/{slug(article.title)}-{rng.randint(100, 999)}/"
    if "template" in edits:
        site = moved(site, rng.choice([l for l in LAYOUTS if l != site.layout]))
        url = url.rstrip("/") + ("/amp/" if url.endswith("/") else "?output=amp")
    if "date" in edits:
        article = dataclasses.replace(article, date=article.date + datetime.timedelta(days=rng.randint(1, 30)))
    paragraphs = [i for i, (kind, _) in enumerate(article.blocks) if kind == "p"]
    if "drop-paragraph" in edits and len(paragraphs) > 3:
        gone = rng.choice(paragraphs[1:])
        article = dataclasses.replace(article, blocks=article.blocks[:gone] + article.blocks[gone + 1:])
    if "ad-line" in edits:
        at = rng.randint(1, len(article.blocks))
        article = dataclasses.replace(article, blocks=article.blocks[:at] + (("p", rng.choice(AD_LINES)),) + article.blocks[at:])
    if url == f"https://{page.site.host}{page.path}":
        url += ("&" if "?" in url else "?") + f"utm_source=newsletter&utm_campaign={rng.randint(1, 99)}"
    return Page(site, article, page.path, page.cluster, page.related), url, "+".join(edits)


def exact_duplicate_url(url: str, rng: random.Random, n: int) -> str:
    """Another address serving byte-identical content, as mirrors and tracking links do."""
    host = url.split("/")[2]
    variant = rng.choice(["http", "mirror", "utm", "index"])
    if variant == "http":
        return url.replace("https://", "http://", 1) + ("&" if "?" in url else "?") + f"ref={n}"
    if variant == "mirror":
        return url.replace(f"//{host}", f"//mirror{n}.{host.removeprefix('www.')}", 1)
    if variant == "index" and url.endswith("/"):
        return url + f"index.html?v={n}"
    return url + ("&" if "?" in url else "?") + f"utm_source=share&utm_id={n}"


def minimal_pdf(lines: list[str]) -> bytes:
    """A small valid PDF with one page of text (a real file, so PDF-aware tools can open it)."""
    text = " ".join(f"({s}) Tj T*" for s in lines)
    stream = f"BT /F1 12 Tf 14 TL 72 720 Td {text} ET".encode("latin-1")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def fake_jpeg(rng: random.Random) -> bytes:
    """JPEG magic, a JFIF header and noise: enough for content sniffing, not a decodable image."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + rng.randbytes(3000) + b"\xff\xd9"


def non_html_captures(rng: random.Random, sites: list[Site]) -> list[Capture]:
    """What every crawl also fetches: documents, images, robots.txt, errors and redirects."""
    out = []
    for i, site in enumerate(rng.sample(sites, 2)):
        pdf = minimal_pdf([f"{site.name} annual report", "Prepared for the members meeting.", f"Page 1 of {i + 3}"])
        out.append(Capture(f"https://{site.host}/files/annual-report-{2021 + i}.pdf", "200 OK",
                           [("Content-Type", "application/pdf")], pdf, "non-html", detail="pdf"))
    for site in rng.sample(sites, 2):
        out.append(Capture(f"https://{site.host}/images/photo-{rng.randint(100, 999)}.jpg", "200 OK",
                           [("Content-Type", "image/jpeg")], fake_jpeg(rng), "non-html", detail="jpeg"))
    for site in rng.sample(sites, 3):
        robots = f"User-agent: *\nDisallow: /admin/\nDisallow: /search\nSitemap: https://{site.host}/sitemap.xml\n"
        out.append(Capture(f"https://{site.host}/robots.txt", "200 OK", [("Content-Type", "text/plain")],
                           robots.encode(), "non-html", detail="robots.txt"))
    for site in rng.sample(sites, 3):
        body = b"<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1><p>The requested URL was not found on this server.</p></body></html>"
        out.append(Capture(f"https://{site.host}/old-page-{rng.randint(1, 99)}.html", "404 Not Found",
                           html_headers("utf-8"), body, "http-error", detail="404"))
    for site in rng.sample(sites, 2):
        body = b"<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1></body></html>"
        out.append(Capture(f"https://{site.host}/cgi-bin/calendar?month={rng.randint(1, 12)}", "500 Internal Server Error",
                           html_headers("iso-8859-1"), body, "http-error", detail="500"))
    for site in rng.sample(sites, 3):
        target = f"https://{site.host}/"
        body = f'<html><body><a href="{target}">Moved Permanently</a></body></html>'.encode()
        out.append(Capture(f"http://{site.host.removeprefix('www.')}/", "301 Moved Permanently",
                           [("Location", target)] + html_headers("utf-8"), body, "redirect", detail="301"))
    return out


def plan_captures(rng: random.Random) -> list[Capture]:
    """Every capture of the crawl, in crawl order."""
    pages, sites = crawl_pages(rng)
    captures = []
    by_lang: dict = {}
    for page in pages:
        by_lang.setdefault(page.site.lang, []).append(page)
    special = {}
    for lang, charset, where in CHARSET_PAGES:
        page = next(p for p in by_lang[lang] if p.cluster not in special)
        declared = {"meta": "declared in <meta> only", "header": "declared in the HTTP header only",
                    "none": "declared nowhere"}[where]
        special[page.cluster] = capture(page, "original", charset, where, detail=f"charset {charset}, {declared}")
    bracketed = by_lang["en"][0]
    special[bracketed.cluster] = dataclasses.replace(capture(bracketed, "original"), bracketed_uri=True,
                                                     detail="WARC-Target-URI in <angle brackets>")
    for page in pages:
        captures.append(special.get(page.cluster) or capture(page, "original"))
    plain = [p for p in pages if p.cluster not in special]
    for page in rng.sample(plain, NEAR_DUPS):
        copy, url, edits = near_duplicate(page, rng, sites)
        captures.append(capture(copy, "near-dup", url=url, detail=edits))
    for n, original in enumerate(rng.sample([c for c in captures if c.kind == "original" and c.cluster not in special],
                                            EXACT_DUPS)):
        captures.append(dataclasses.replace(original, url=exact_duplicate_url(original.url, rng, n), kind="exact-dup"))
    n = len(pages)
    for name, make in MAKERS.items():
        for _ in range(LOW_QUALITY_PER_MAKER):
            # junk lives mostly on spam sites, but placeholder text also turns up on ordinary blogs
            site = rng.choice(SPAM_SITES if name != "lorem_ipsum" or rng.random() < 0.5 else [s for s in sites if s.lang == "en"])
            title, blocks = make(rng)
            article = Article(title, "admin", (CRAWL_START - datetime.timedelta(days=rng.randint(1, 90))).date(), tuple(blocks))
            page = Page(site, article, f"/p/{slug(title)}-{n}/", f"c{n:04d}", [])
            lang = "la" if name == "lorem_ipsum" else "en"
            captures.append(dataclasses.replace(capture(page, "low-quality", detail=name), language=lang))
            n += 1
    for host in BLOCKED_HOSTS:
        title, blocks = english_article(rng, "gardening", rng.randint(*ENGLISH_WORDS))
        page = Page(Site(host, host.removeprefix("www.").split(".")[0], "en", rng.choice(LAYOUTS)),
                    Article(title, "staff", CRAWL_START.date(), tuple(blocks)), f"/{slug(title)}/", f"c{n:04d}", [])
        captures.append(capture(page, "blocked-url", detail="adult word in the host name"))
        n += 1
    captures += non_html_captures(rng, [s for s in sites if s.lang == "en"])
    rng.shuffle(captures)
    return captures


def record_id(seed: int, n: int, rec_type: str) -> str:
    digest = hashlib.sha256(f"refinery-demo/{seed}/{n}/{rec_type}".encode()).digest()
    return f"<urn:uuid:{uuid.UUID(bytes=digest[:16], version=4)}>"


def warc_date(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def write_warc(path: Path, captures: list[Capture], seed: int, rng: random.Random) -> list[dict]:
    """Write the WARC file and return its truth lines."""
    moments = sorted(rng.sample(range(CRAWL_WEEK_S), len(captures) + 1))
    dates = [CRAWL_START + datetime.timedelta(seconds=s) for s in moments]
    truth, first = [], None
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="WARC/1.1")
        info = (f"software: refinery demo/make_demo.py (warcio)\r\nisPartOf: REFINERY-DEMO-s{seed}\r\n"
                f"description: Generated pages in a Common-Crawl-shaped container\r\n"
                f"format: WARC File Format 1.1\r\nconformsTo: https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\n").encode()
        writer.write_record(writer.create_warc_record(
            "", "warcinfo", payload=io.BytesIO(info), length=len(info), warc_content_type="application/warc-fields",
            warc_headers_dict={"WARC-Record-ID": record_id(seed, 0, "warcinfo"), "WARC-Date": warc_date(CRAWL_START),
                               "WARC-Filename": path.name}))
        for n, (cap, when) in enumerate(zip(captures, dates), 1):
            uri = f"<{cap.url}>" if cap.bracketed_uri else cap.url
            host = cap.url.split("/")[2]
            path_q = "/" + cap.url.split("/", 3)[3] if cap.url.count("/") >= 3 else "/"
            ip = f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
            request = writer.create_warc_record(uri, "request", http_headers=StatusAndHeaders(
                f"GET {path_q} HTTP/1.1",
                [("Host", host), ("User-Agent", "CCBot/2.0 (https://commoncrawl.org/faq/)"),
                 ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
                 ("Accept-Encoding", "br,gzip")], is_http_request=True),
                warc_headers_dict={"WARC-Record-ID": record_id(seed, n, "request"), "WARC-Date": warc_date(when),
                                   "WARC-IP-Address": ip})
            http = StatusAndHeaders(cap.status, [("Date", when.strftime("%a, %d %b %Y %H:%M:%S GMT")),
                                                 ("Server", rng.choice(SERVERS))] + cap.headers
                                    + [("Content-Length", str(len(cap.body)))], protocol="HTTP/1.1")
            response_id = record_id(seed, n, "response")
            mime = cap.headers[-1][1].split(";")[0] if cap.headers else ""
            response = writer.create_warc_record(
                uri, "response", payload=io.BytesIO(cap.body), length=len(cap.body), http_headers=http,
                warc_headers_dict={"WARC-Record-ID": response_id, "WARC-Date": warc_date(when),
                                   "WARC-IP-Address": ip,
                                   "WARC-Concurrent-To": request.rec_headers.get_header("WARC-Record-ID"),
                                   "WARC-Identified-Payload-Type": mime})
            fetch = f"fetchTimeMs: {rng.randint(40, 2500)}\r\n".encode()
            metadata = writer.create_warc_record(
                uri, "metadata", payload=io.BytesIO(fetch), length=len(fetch), warc_content_type="application/warc-fields",
                warc_headers_dict={"WARC-Record-ID": record_id(seed, n, "metadata"), "WARC-Date": warc_date(when),
                                   "WARC-Concurrent-To": response_id})
            for record in (request, response, metadata):
                writer.write_record(record)
            truth.append({"record_id": response_id, "url": cap.url, "kind": cap.kind, "language": cap.language,
                          "cluster": cap.cluster, "detail": cap.detail})
            if first is None and cap.kind == "original":
                first = (uri, warc_date(when), response.rec_headers.get_header("WARC-Payload-Digest"), http, response_id)
        # The crawler fetched the first article again at the end of the week and found it unchanged.
        uri, date, digest, http, refers_to = first
        writer.write_record(writer.create_revisit_record(
            uri, digest, uri, date, http_headers=http,
            warc_headers_dict={"WARC-Record-ID": record_id(seed, len(captures) + 1, "revisit"),
                               "WARC-Date": warc_date(dates[-1]), "WARC-Refers-To": refers_to}))
    return truth


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=HERE, help="folder for demo.warc.gz and truth.jsonl")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    captures = plan_captures(rng)
    args.out.mkdir(parents=True, exist_ok=True)
    warc = args.out / WARC_NAME
    truth = write_warc(warc, captures, args.seed, rng)
    with open(args.out / "truth.jsonl", "w", encoding="utf-8") as fh:
        for line in truth:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    kinds: dict = {}
    for line in truth:
        kinds[line["kind"]] = kinds.get(line["kind"], 0) + 1
    print(f"wrote {len(truth)} captures {kinds} to {warc} ({warc.stat().st_size / 1e6:.2f} MB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
