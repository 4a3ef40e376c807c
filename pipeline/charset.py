"""Charset: turn a page's bytes into text as a browser would, and rightly where the server mislabels it.

`decode_html` applies these rules, in this order:

1. A byte-order mark wins. A UTF-8 or UTF-16 BOM overrides every label, as the WHATWG Encoding
   Standard says. The text is decoded with U+FFFD for broken bytes, as browsers do.
2. Bytes that are UTF-8 are read as UTF-8, whatever the label says. The bytes must not be plain
   ASCII, and at most one non-ASCII character in ten may be an invalid sequence. Servers
   often label UTF-8 pages ISO-8859-1 or US-ASCII (an old server or framework default, or a
   template copied from an old site), and believing that label turns "für" into "fÃ¼r".
   Legacy text almost never passes this test by chance. In cp1252 or KOI8-R text every non-ASCII
   byte is a broken UTF-8 sequence. In GB18030, Big5, Shift_JIS and EUC-KR text, measured on
   real articles, 70-90% of the characters are broken sequences, and at least 40% even in a
   30-character snippet. So the allowance of one in ten does not misread legacy pages. It lets a
   UTF-8 page with a stray byte (a cp1252 "ä" pasted into a script comment, a truncated
   character) be read as UTF-8 with a U+FFFD in that place, as a browser shows it. Re-detecting
   such a page over its whole length used to trade one bad byte for a page of cp1250 or
   mac_latin2 mojibake.
3. The labels come next: the HTTP header's charset, then <meta charset>. This is the WHATWG
   order. The header is what browsers obey, so it is what the author saw working, and a page
   that looked broken would have been fixed. A UTF-8 label on bytes that rule 2 rejected is
   wrong (a server default such as PHP's over a legacy page), so the next label is tried. A
   legacy label whose codec rejects the bytes is passed over too. With no label that fits, a
   plain-ASCII page is UTF-8.
   Labels are read with the WHATWG label table (the webencodings package), so "latin1",
   "iso-8859-1", "ascii" and "us-ascii" all mean windows-1252, "iso-8859-9" means windows-1254,
   "tis-620" means windows-874, and unknown labels (or Python-only ones such as "utf-7" or
   "base64") are ignored. Each encoding is decoded with the superset codec that browsers use,
   because servers label a page with the standard's name while its text uses the vendor
   extensions: GB2312/GBK as GB18030, Shift_JIS as cp932 (NEC and IBM extensions, such as ①),
   EUC-KR as cp949 (all 11,172 hangul syllables), Big5 as Big5-HKSCS.
4. Detection (charset_normalizer) handles the rest: bytes that are not UTF-8 and carry no label
   that decodes them. It is bounded, because its cost grows with the input and a page can be
   megabytes. It looks at DETECTION_SAMPLE_BYTES at most, of the words around the page's
   non-ASCII bytes. Those bytes are what tells encodings apart. Markup and script only dilute
   them: a plain prefix of a large page is often all ASCII, and whole-page detection got 39 of
   168 unlabelled legacy pages with a 30 KB script in their head right, where the sample gets
   164 (bench/charset.py). The sample's pieces start and end at bytes that no multi-byte
   character holds. Candidates are the web's encodings only. A page cannot be in an encoding
   browsers lack, and mac_latin2 or EBCDIC guesses were always mojibake. Where candidates tie,
   the code page of the text's language wins, then the one commoner on the web. The whole page
   is then decoded with the chosen codec, with U+FFFD for any byte that codec rejects.
"""
from __future__ import annotations

import codecs
import re

import charset_normalizer
import webencodings
from webencodings.labels import LABELS

# Detection's sample. 64 KiB holds the non-ASCII neighbourhoods of a long article, and detection
# on it takes under 20 ms; 16 and 256 KiB got the same pages right, and 1 MiB took 4 times longer.
DETECTION_SAMPLE_BYTES = 64 * 1024
SAMPLE_CONTEXT_BYTES = 100   # the words around each non-ASCII run, for detection's language model
META_SCAN_BYTES = 64 * 1024   # long inline scripts and styles can come first: 11 of the 990 eval pages have it past 8 KiB

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)
_NON_ASCII = re.compile(rb"[\x80-\xff]+")
# Bytes that are never part of a multi-byte character in the legacy encodings (their trail bytes
# are 0x30 and up, and never < or >): controls, space, ASCII punctuation, < and >.
_BOUNDARY = re.compile(rb"[\x00-\x2f<>]")
_NON_ASCII_BYTES = bytes(range(0x80, 0x100))
_REPLACEMENT_UTF8 = "\ufffd".encode()

# WHATWG encodings that webencodings maps to a narrower Python codec than browsers decode with.
_SUPERSETS = {"gbk": "gb18030"}
# Encodings with no decoder worth using: "replacement" stands for labels that browsers refuse
# (ISO-2022-KR, HZ), x-user-defined is for binary data.
_UNUSABLE = {"replacement", "x-user-defined"}
_UTF16 = {"utf-16-le", "utf-16-be"}


def codec_for_label(label: str | None) -> str | None:
    """The Python codec that decodes a charset label as browsers do, or None for an unknown label."""
    encoding = webencodings.lookup(label) if label else None
    if encoding is None or encoding.name in _UNUSABLE:
        return None
    return _SUPERSETS.get(encoding.name, encoding.codec_info.name)


# What detection may choose: the web's encodings that can hold non-ASCII bytes. UTF-8 is tried
# before detection, UTF-16 is found by its BOM, and ISO-2022-JP is 7-bit. The two Mac encodings
# are left out too: next to no page uses them, and mac-roman was detection's usual wrong guess
# for English and German pages with a few curly quotes.
_DETECTABLE = sorted({codec_for_label(name) for name in set(LABELS.values())}
                     - {None, "utf-8", "iso2022_jp", "mac-roman", "mac-cyrillic"} - _UTF16)


# For ties: legacy encodings roughly in the order of their use on the web (W3Techs' survey),
# named as charset_normalizer names them.
_BY_WEB_USE = ("cp1252", "cp1251", "cp932", "euc_jp", "gb18030", "cp949", "iso8859_2", "cp1250",
               "big5hkscs", "iso8859_15", "cp1256", "cp1254")


# The legacy code page of each language charset_normalizer names (other Latin-script ones: cp1252).
_HOME_CODEC = {
    **dict.fromkeys(("Polish", "Czech", "Slovak", "Hungarian", "Croatian", "Slovene", "Romanian"), "cp1250"),
    **dict.fromkeys(("Russian", "Ukrainian", "Bulgarian", "Serbian", "Kazakh"), "cp1251"),
    "Greek": "cp1253", "Turkish": "cp1254", "Hebrew": "cp1255", "Arabic": "cp1256", "Farsi": "cp1256",
    "Lithuanian": "cp1257", "Estonian": "cp1257", "Vietnamese": "cp1258", "Thai": "cp874",
}


def decode_html(payload: bytes, content_type: str = "") -> tuple[str, str] | None:
    """Decode a page by the rules in this module's docstring. `content_type` is the HTTP header.
    Returns (text, the Python codec used), or None when detection finds no encoding."""
    for bom, codec in _BOMS:
        if payload.startswith(bom):
            return payload[len(bom):].decode(codec, "replace"), codec
    utf8 = _utf8_unless_refuted(payload)
    if utf8 is not None and not payload.isascii():
        return utf8, "utf-8"
    for codec in _declared_codecs(payload, content_type):
        if codec == "utf-8":
            if utf8 is not None:   # plain ASCII: any ASCII-compatible label reads it the same
                return utf8, codec
            continue
        try:
            return payload.decode(codec), codec
        except UnicodeDecodeError:
            continue
    if utf8 is not None:
        return utf8, "utf-8"
    return _detect(payload)


def _utf8_unless_refuted(payload: bytes) -> str | None:
    """The payload as UTF-8 (U+FFFD for invalid sequences), or None when invalid sequences are
    more than one in ten of its non-ASCII characters (rule 2)."""
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        pass
    text = payload.decode("utf-8", "replace")
    invalid = text.count("\ufffd") - payload.count(_REPLACEMENT_UTF8)   # U+FFFD the page itself holds are fine
    non_ascii_chars = len(text) - len(payload.translate(None, _NON_ASCII_BYTES))
    return text if invalid * 10 <= non_ascii_chars else None


def _declared_codecs(payload: bytes, content_type: str) -> list[str]:
    """The codecs the page's labels name, header first, without unknown labels or repeats."""
    declared = []
    header = _HEADER_CHARSET.search(content_type or "")
    if header:
        declared.append(codec_for_label(header.group(1)))
    meta = _META_CHARSET.search(payload[:META_SCAN_BYTES])
    if meta:
        codec = codec_for_label(meta.group(1).decode("ascii"))
        # WHATWG: a <meta> that could be read as ASCII bytes cannot be UTF-16, so it means UTF-8.
        declared.append("utf-8" if codec in _UTF16 else codec)
    return list(dict.fromkeys(c for c in declared if c))


def _detect(payload: bytes) -> tuple[str, str] | None:
    matches = charset_normalizer.from_bytes(_detection_sample(payload), cp_isolation=_DETECTABLE)
    best = matches.best()
    if best is None:
        return None
    # Candidates within charset_normalizer's own margin for "a difficult decision" (chaos within
    # 0.01, coherence within 0.02: CharsetMatch.__lt__) are a tie, which it breaks by name, so
    # cp1250 beat cp1252 and Spanish "años" became "ańos". The code page the text's language was
    # written in wins instead, then the encoding commoner on the web.
    # A match also names the encodings that decode the sample to the very same text.
    tied = [(codec, m.language) for m in matches
            if m.chaos - best.chaos < 0.01 and best.coherence - m.coherence <= 0.02
            for codec in m.could_be_from_charset]
    codec = min(tied, key=_tie_rank)[0]
    return payload.decode(codec, "replace"), codec


def _tie_rank(candidate: tuple[str, str]) -> tuple[bool, int]:
    codec, language = candidate
    at_home = codec == _HOME_CODEC.get(language, "cp1252")
    return not at_home, _BY_WEB_USE.index(codec) if codec in _BY_WEB_USE else len(_BY_WEB_USE)


def _detection_sample(payload: bytes) -> bytes:
    """The words around the page's non-ASCII bytes, DETECTION_SAMPLE_BYTES at most (rule 4).
    Every piece starts and ends at a byte that no multi-byte character in a legacy encoding
    contains, because one split character makes detection reject its encoding."""
    pieces, size, end = [], 0, 0
    while size < DETECTION_SAMPLE_BYTES and (run := _NON_ASCII.search(payload, end)):
        before = _BOUNDARY.search(payload, max(run.start() - SAMPLE_CONTEXT_BYTES, end), run.start())
        start = before.start() if before else run.start()
        after = _BOUNDARY.search(payload, run.end() + SAMPLE_CONTEXT_BYTES)
        end = after.start() if after else len(payload)
        pieces.append(payload[start:end])
        size += end - start + 1
    sample = b"\n".join(pieces)
    if len(sample) > DETECTION_SAMPLE_BYTES:   # the last piece ran over: end it at a boundary too
        cut = max(sample.rfind(b, 0, DETECTION_SAMPLE_BYTES) for b in (b"\n", b" ", b"<", b">"))
        sample = sample[:cut if cut > 0 else DETECTION_SAMPLE_BYTES]
    return sample
