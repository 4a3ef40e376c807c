"""The URL filter, FineWeb's first step (datatrove URLFilter): drop a page by its address
before paying for its extraction. It blocks

- listed domains: a registered domain (example.co.uk) blocks all its hosts, a full host name
  blocks that host only;
- listed URLs, exactly;
- URLs that contain a banned word, or at least `soft_word_threshold` "soft" banned words, as
  words between non-alphanumeric characters (case-sensitive, as datatrove matches them);
- URLs whose letters and digits, run together and lower-cased, contain a banned sub-word.

The bundled lists (pipeline/filters/data/) are datatrove's curated word lists, the ones
FineWeb used. FineWeb also blocked the 4.6M domains of the UT1 blocklist's adult category:
`domain_lists = ["ut1:adult"]` downloads, caches and shares it (blocklists.py); the other
entries of `domain_lists` are files (one domain a line, # comments).
"""
from __future__ import annotations

import re
from pathlib import Path

from urllib.parse import urlsplit

from tld import get_tld

from ..decision import Decision, drop, keep
from ..document import Document
from ..errors import RefineryError
from . import blocklists

DATA = Path(__file__).with_name("data")
# FineWeb runs datatrove's URLFilter with its defaults: these lists and a soft threshold of 2.
URL_SOFT_WORD_THRESHOLD = 2
BUNDLED_DOMAINS = DATA / "blocked_domains.txt"
BUNDLED_BANNED_WORDS = DATA / "banned_words.txt"
BUNDLED_SOFT_BANNED_WORDS = DATA / "soft_banned_words.txt"
BUNDLED_BANNED_SUBWORDS = DATA / "banned_subwords.txt"

_NOT_ALNUM = re.compile(r"[^a-zA-Z0-9]+")


def _normalize(word: str) -> str:
    return _NOT_ALNUM.sub("", word).lower()


def read_list(path: str | Path) -> list[str]:
    """The entries of a list file: one a line, blank lines and lines starting with # skipped."""
    try:
        lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as e:
        raise RefineryError(f"[url] cannot read list file {path}: {e}") from None
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


class URLFilter:
    name = "url"

    def __init__(
        self,
        domain_lists: tuple[str, ...] = (),
        url_lists: tuple[str, ...] = (),
        banned_words: tuple[str, ...] = (),
        soft_banned_words: tuple[str, ...] = (),
        banned_subwords: tuple[str, ...] = (),
        soft_word_threshold: int = URL_SOFT_WORD_THRESHOLD,
        use_bundled_lists: bool = True,
    ):
        """The list arguments add to the bundled lists: `domain_lists` and `url_lists` name
        files (or, "ut1:<category>", a published list), the word arguments are the words themselves."""
        bundled = use_bundled_lists
        files = [name for name in domain_lists if not name.startswith(blocklists.PREFIX)]
        self.domains = {d.lower() for path in [*([BUNDLED_DOMAINS] if bundled else []), *files]
                        for d in read_list(path)}
        # Published lists (millions of domains) stay hashed arrays; a domain is blocked when in any.
        self.domain_sets = [self.domains, *(blocklists.load(name) for name in domain_lists
                                            if name.startswith(blocklists.PREFIX))]
        self.urls = {u for path in url_lists for u in read_list(path)}
        self.banned_words = {_normalize(w) for w in [*(read_list(BUNDLED_BANNED_WORDS) if bundled else []), *banned_words]}
        self.soft_banned_words = {_normalize(w) for w in
                                  [*(read_list(BUNDLED_SOFT_BANNED_WORDS) if bundled else []), *soft_banned_words]}
        self.soft_word_threshold = soft_word_threshold
        # Sub-words are searched inside the whole normalised URL, all in one alternation (of ASCII
        # letters and digits: the standard `re` runs it five times faster than `regex`, 11 µs a URL).
        subwords = sorted({_normalize(w) for w in
                           [*(read_list(BUNDLED_BANNED_SUBWORDS) if bundled else []), *banned_subwords]} - {""})
        self.subwords = re.compile("|".join(map(re.escape, subwords))) if subwords else None

    def check(self, doc: Document) -> Decision:
        url = doc.url
        parsed = get_tld(url, as_object=True, fail_silently=True, fix_protocol=True)
        host = (parsed.parsed_url.hostname if parsed else _hostname(url)) or ""
        domain = parsed.fld if parsed else host
        if any(domain in blocked for blocked in self.domain_sets):
            return drop("url:domain", domain=domain)
        if any(host in blocked for blocked in self.domain_sets):
            return drop("url:subdomain", host=host)
        if url in self.urls:
            return drop("url:url")
        words = set(_NOT_ALNUM.split(url))
        banned = sorted(words & self.banned_words)
        if banned:
            return drop("url:banned_word", word=banned[0])
        soft = sorted(words & self.soft_banned_words)
        if len(soft) >= self.soft_word_threshold:
            return drop("url:soft_banned_words", words=",".join(soft), count=len(soft))
        found = self.subwords.search(_normalize(url)) if self.subwords else None
        if found:
            return drop("url:banned_subword", subword=found.group())
        return keep(soft_banned_words=len(soft))


def _hostname(url: str) -> str | None:
    """The host of a URL whose suffix is no public one (an IP address, `localhost`)."""
    try:
        return urlsplit(url if "//" in url else f"//{url}").hostname
    except ValueError:
        return None
