"""Words, n-grams and repeats: the text measures the quality filters share.

Why a word splitter of our own: the thresholds FineWeb publishes were tuned on the words
datatrove counts, and datatrove splits English with spaCy's rule-based tokenizer
(`spacy.blank("en")`): a punctuation mark is a word of its own, "don't" is "do" + "n't",
"well-known" is "well" + "-" + "known", a URL is one word. spaCy and its stack weigh ~200 MB
for this one use; `split_words` applies the same prefix / suffix / infix rules and the special
cases that occur in web text with a few regular expressions (~160k words/s on one core here,
spaCy ~100k). It gives spaCy's exact tokens on 94% of the shared real documents, and
bench/parity_datatrove.py shows the filters' keep/drop agreeing with datatrove's on >= 99.9%.

Web text holds whatever a page held: a 200 KB "word" of dots, brackets or "a.a.a...". Each
pattern here is therefore tried on a bounded stretch of a word, or reads each character a bounded
number of times, so splitting costs O(length) on any input (tests/test_filters_linear.py,
bench/filters.py), with the very words the plain loop of spaCy's shape gave (compared on 3,362
real documents and 600,000 fuzzed strings).

In documents identified as a language written without spaces (Chinese, Japanese, Thai, Lao,
Khmer, Burmese, Tibetan), each character of those scripts is a word, as spaCy's default Chinese
segmenter makes it, so word counts stay meaningful; for English they stay whole, as in datatrove.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

import numpy as np
import regex

from ..hashing import SubstringHashes, word_offsets

# Characters that make a "symbol word" for Gopher's counts: datatrove's PUNCTUATION (ASCII and
# CJK punctuation, control characters) and its TERMINAL_PUNCTUATION, which is Unicode's
# Sentence_Terminal property of every script.
_PUNCTUATION = (
    "!/—”:％１〈&(、━\\【#%「」，】；+^]~“《„';’{|∶´[=-`*．（–？！：$～«〉,><》)?）。…@_.\"}►»"
    + "".join(chr(c) for a, b in ((0, 9), (11, 13), (13, 32), (127, 160)) for c in range(a, b))
)
_SYMBOL_WORD = regex.compile(rf"^[{regex.escape(_PUNCTUATION)}\p{{Sentence_Terminal}}]+$")
_ENDS_SENTENCE = regex.compile(r"\p{Sentence_Terminal}\Z")

# spaCy's character classes (spacy/lang/char_classes.py), condensed.
_QUOTES = "'\"”“`‘´’‚„»«「」『』（）〔〕【】《》〈〉⟦⟧"
_PUNCT = "…,:;!?¿؟¡()[]{}<>_#*&。？！，、；：～·।،۔؛٪"
_CURRENCY = "$£€¥฿₽﷼₴₠₡₢₣₤₥₦₧₨₩₪₫₭₮₯₰₱₲₳₵₶₷₸₹₺₻₼₾₿"
_SYMBOL = r"\p{So}°©®¦"
_UNITS = ("km km² km³ m m² m³ dm dm² dm³ cm cm² cm³ mm mm² mm³ ha µm nm yd in ft kg g mg µg t lb "
          "oz m/s km/h kmh mph hPa Pa mbar mb MB kb KB gb GB tb TB T G M K %").split()


def _chars(chars: str) -> str:
    return "".join(regex.escape(c) for c in chars)


_ELLIPSIS = r"\.\.+|…"
# Tried at the start of the part of a chunk still to split (match with pos/endpos, no ^).
_PREFIX = regex.compile(
    rf"(?:{_ELLIPSIS}|US\$|C\$|A\$|\+(?![0-9])|[§%=—–{_chars(_QUOTES + _PUNCT + _CURRENCY)}{_SYMBOL}])"
)
_SUFFIX = regex.compile(
    rf"(?:{_ELLIPSIS}|['’][sS]|[—–{_chars(_QUOTES + _PUNCT)}{_SYMBOL}]"
    rf"|(?<=[0-9])(?:\+|[{_chars(_CURRENCY)}]|{'|'.join(regex.escape(u) for u in _UNITS)})"
    rf"|(?<=[0-9\p{{Ll}}\p{{Lo}}%²\-+{_chars(_PUNCT + _QUOTES)}])\.|(?<=\p{{Lu}}\p{{Lu}})\.)$"
)
# A suffix is at most as long as the longest unit ("mbar"), but for a run of dots: _suffix_start
# searches only that far from the end, so stripping n suffixes does not rescan the word n times.
_SUFFIX_MAX = max(map(len, _UNITS))
_INFIX = regex.compile(
    rf"{_ELLIPSIS}|[{_SYMBOL}]|(?<=[0-9])[+\-*^](?=[0-9-])"
    rf"|(?<=[\p{{Ll}}{_chars(_QUOTES)}])\.(?=[\p{{Lu}}{_chars(_QUOTES)}])"
    r"|(?<=\p{L}),(?=\p{L})|(?<=[\p{L}0-9])(?:---|--|——|[-–—~])(?=\p{L})|(?<=[\p{L}0-9])[:<>=/](?=\p{L})"
)
# spaCy's URL_MATCH, condensed: an optional scheme and user, then host names ending in a
# lower-case TLD, an optional port and path. Written to match the same words in linear time:
# spaCy's nested `(?:[…](?:[…-]{0,62})?\.)+` backtracks quadratically on "a.a.a...1" (4 KB: 1 s,
# 8 KB: 4 s). Each label ends at its dot and the TLD and port at a character they cannot hold,
# so giving characters back can never help and those quantifiers are possessive; the user part
# `\S+(?::\S*)?@` is the same set of strings as `\S+?@`, which tries each "@" once from the left
# (greedy `\S+@` rescans the word for every "@").
_URL = regex.compile(r"^(?:[\w+\-.]{2,}+://)?(?:\S+?@)?(?:[\w\u00a1-\uffff][\w\u00a1-\uffff-]{0,62}+\.)++"
                     r"\p{Ll}{2,63}+(?::\d{2,5}+)?(?:[/?#]\S*)?$")
# spaCy's special cases (spacy/lang/en/tokenizer_exceptions.py): words it splits although they
# have no punctuation ("cannot" -> "can" "not", "don't" -> "do" "n't") and marks it keeps whole.
# Tried as a fullmatch of the part still to split, and only on parts with one of these endings:
# the first alternative reads the whole leading run of letters, which a long word losing its
# brackets one by one would otherwise have reread after each.
_CONTRACTION = regex.compile(
    r"(\p{L}+?)(n['’]t|['’](?:re|ll|ve|m|d|RE|LL|VE|M|D))"
    r"|([Cc]an)(not)|([Gg]on|[Gg]ot|[Ww]an)(na|ta)|([Ii])(m)"
    r"|([Dd]o|[Dd]oes|[Dd]id|[Ii]s|[Aa]re|[Ww]as|[Ww]ere|[Hh]as|[Hh]ave|[Hh]ad|[Cc]ould|[Ss]hould|[Ww]ould)(nt)"
)
_CONTRACTION_ENDINGS = ("n't", "n’t", "re", "ll", "ve", "m", "d", "RE", "LL", "VE", "M", "D", "not", "na", "ta", "nt")
_KEPT_WHOLE = frozenset(
    ":) :-) :)) (: (-: =) (= :] :-] [: =] :o) :} 8) 8-) ;) ;-) (; :( :-( ): )-: :/ :-/ :D :-D :P :p :-P "
    ":O :o :| :'( :') <3 </3 =( =/ =D =[ ^_^ -_- ._. o.O O.o XD xD '' C++ a.m. p.m. Ph.D. e.g. E.g. "
    "i.e. I.e. Mt. Ala. Apr. Ariz. Ark. Aug. Calif. Colo. Conn. Dec. Del. Feb. Fla. Ga. Ill. Ind. Jan. "
    "Jul. Jun. Kan. Ky. La. Mar. Mass. Mich. Minn. Miss. Neb. Nev. Nov. Oct. Okla. Ore. Pa. Sep. Sept. "
    "Tenn. Va. Wash. Wis. Adm. Bros. co. Co. Corp. Dr. Gen. Gov. Inc. Jr. Ltd. Md. Messrs. Mo. Mont. "
    "Mr. Mrs. Ms. Prof. Rep. Rev. Sen. St. vs. v.s. and/or".split()
    + [f"{c}." for c in "abcdefghijklmnopqrstuvwxyzäöü"]
)
_KEPT_WHOLE_MAX = max(map(len, _KEPT_WHOLE))
# Initials such as "U.S.A." are kept whole too. _split_chunk measures the run of them at the start
# of the part still to split, not once per suffix it strips but once per prefix; no prefix starts
# like "X.", so only one of those runs is ever longer than nothing.
_INITIALS = regex.compile(r"(?:\p{Lu}\.)*")
_UNSPACED_SCRIPTS = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}\p{Tibetan}"
_UNSPACED_CHAR = regex.compile(f"[{_UNSPACED_SCRIPTS}]")
_UNSPACED_PIECE = regex.compile(f"[{_UNSPACED_SCRIPTS}]|[^{_UNSPACED_SCRIPTS}]+")


def _kept_whole(chunk: str, start: int, end: int, initials_end: int) -> bool:
    """Whether chunk[start:end] is a special case kept whole; `initials_end` is where the run of
    initials ("U.S.") from `start` ends."""
    length = end - start
    return (length <= _KEPT_WHOLE_MAX and chunk[start:end] in _KEPT_WHOLE) or (
        length >= 4 and length % 2 == 0 and end <= initials_end)


def _suffix_start(chunk: str, start: int, end: int) -> int:
    """Where the suffix of chunk[start:end] starts, or `start` if it has none (spaCy strips no
    suffix that is the whole word). The search starts _SUFFIX_MAX from the end, or at the run of
    dots that ends the word: those are the leftmost places a suffix can start."""
    dots = end
    while dots > start and chunk[dots - 1] == ".":
        dots -= 1
    m = _SUFFIX.search(chunk, max(start, min(end - _SUFFIX_MAX, dots)), end)
    return m.start() if m else start


def _split_chunk(chunk: str, out: list[str]) -> None:
    """Split one whitespace-free chunk the way spaCy's tokenizer loop does: special cases,
    then prefixes off the front and suffixes off the back, then infixes in what remains.
    The loop narrows [start, end) instead of slicing the chunk after each affix."""
    suffixes: list[str] = []
    start, end = 0, len(chunk)
    initials_end = _INITIALS.match(chunk).end()
    while start < end and not _kept_whole(chunk, start, end, initials_end):
        m = _CONTRACTION.fullmatch(chunk, start, end) if chunk.endswith(_CONTRACTION_ENDINGS, start, end) else None
        if m:
            first, second = (g for g in m.groups() if g)
            out.append(first)
            suffixes.append(second)
            start = end
            break
        m = _PREFIX.match(chunk, start, end)
        if m:
            out.append(m.group())
            start = m.end()
            initials_end = _INITIALS.match(chunk, start).end()
            continue
        suffix_start = _suffix_start(chunk, start, end)
        if suffix_start > start:
            suffixes.append(chunk[suffix_start:end])
            end = suffix_start
            continue
        break
    rest = chunk[start:end]
    if rest and (_kept_whole(chunk, start, end, initials_end) or _URL.match(rest)):
        out.append(rest)
    elif rest:
        piece_start = 0
        for m in _INFIX.finditer(rest):
            if m.start() > piece_start:
                out.append(rest[piece_start:m.start()])
            out.append(m.group())
            piece_start = m.end()
        if piece_start < len(rest):
            out.append(rest[piece_start:])
    out.extend(reversed(suffixes))


# Languages written without spaces between words (lid.176 codes).
UNSPACED_LANGUAGES = frozenset({"zh", "ja", "th", "lo", "km", "my", "bo", "wuu", "yue"})


def _merge_special_spans(tokens: list[str]) -> list[str]:
    """spaCy's last pass: neighbouring tokens that together spell a special case become one
    token again (")" ":" -> "):", "a" "." -> "a.")."""
    merged: list[str] = []
    for token in tokens:
        if merged and len(merged[-1]) + len(token) <= _KEPT_WHOLE_MAX and merged[-1] + token in _KEPT_WHOLE:
            merged[-1] += token
        else:
            merged.append(token)
    return merged


# Words recur (Zipf): most chunks of a page were split before, on this page or an earlier one.
# A chunk's words depend on the chunk alone, so they are remembered; long chunks are rare and
# not worth the memory.
_CACHED_CHUNK_CHARS = 40


@lru_cache(maxsize=1 << 17)
def _cached_chunk_words(chunk: str) -> tuple[str, ...]:
    return _chunk_words(chunk)


# Punctuation that, alone at the end (or the start) of a run of letters, is split off as a word of
# its own and nothing more: it is a whole suffix (prefix), and no special case is letters and it
# ("a." is one: the full stop is not among them). Most chunks of prose are such a word or a bare
# run of letters, and take the short way below; the tests hold it to the long way.
_LONE_SUFFIXES = frozenset(c for c in _QUOTES + _PUNCT if _SUFFIX.fullmatch(c) and not any(
    case[-1] == c and case[:-1].isalpha() for case in _KEPT_WHOLE))
_LONE_PREFIXES = frozenset(c for c in _QUOTES + _PUNCT if _PREFIX.fullmatch(c) and not any(
    case[0] == c and case[1:].isalpha() for case in _KEPT_WHOLE))


def _chunk_words(chunk: str) -> tuple[str, ...]:
    if chunk.isalpha():
        return _letters_words(chunk)
    if len(chunk) > 1 and chunk[-1] in _LONE_SUFFIXES and chunk[:-1].isalpha():
        return (*_letters_words(chunk[:-1]), chunk[-1])
    if len(chunk) > 1 and chunk[0] in _LONE_PREFIXES and chunk[1:].isalpha():
        return (chunk[0], *_letters_words(chunk[1:]))
    tokens: list[str] = []
    _split_chunk(chunk, tokens)
    return tuple(_merge_special_spans(tokens))


def _letters_words(letters: str) -> tuple[str, ...]:
    """A run of letters is one word: no letter is an affix or infix. Only a contraction spelt
    without its apostrophe ("cannot", "gonna", "dont") splits it."""
    m = _CONTRACTION.fullmatch(letters) if letters.endswith(_CONTRACTION_ENDINGS) else None
    return tuple(g for g in m.groups() if g) if m else (letters,)


def split_words(text: str, lang: str = "en") -> list[str]:
    """The words of `text` as datatrove's word tokenizer returns them for English; for the
    languages written without spaces, each character of those scripts is a word."""
    words: list[str] = []
    unspaced = lang in UNSPACED_LANGUAGES
    for chunk in text.split():
        if unspaced and _UNSPACED_CHAR.search(chunk):
            tokens: list[str] = []
            for piece in _UNSPACED_PIECE.findall(chunk):
                if _UNSPACED_CHAR.match(piece):
                    tokens.append(piece)
                else:
                    _split_chunk(piece, tokens)
            words.extend(_merge_special_spans(tokens))
        elif len(chunk) <= _CACHED_CHUNK_CHARS:
            words.extend(_cached_chunk_words(chunk))
        else:
            words.extend(_chunk_words(chunk))
    return words


def document_words(doc) -> list[str]:
    """The words of `doc.text`, split once: the Gopher, C4 and FineWeb filters all count words,
    and splitting is their main cost. Kept on the document beside the text it was split from,
    so a step that rewrites the text (C4 drops lines) gets a fresh split."""
    lang = doc.lang or "en"
    cached = doc.meta.get("_words")
    if cached is not None and cached[1] == lang and cached[0] == doc.text:
        return cached[2]
    words = split_words(doc.text, lang)
    doc.meta["_words"] = (doc.text, lang, words)
    return words


def is_symbol_word(word: str) -> bool:
    """A word made only of punctuation (Gopher does not count those as words)."""
    return bool(_SYMBOL_WORD.match(word))


def ends_sentence(line: str) -> bool:
    """Whether the line ends with a sentence-ending mark of any script (. ! ? 。 ।  ...)."""
    return bool(_ENDS_SENTENCE.search(line))


def count_sentences(text: str, lang: str = "en") -> int:
    """Sentences in `text` as spaCy's rule-based sentencizer (datatrove's English sentence
    splitter) finds them: a sentence ends after a sentence-ending mark token, at the next token
    that is not punctuation."""
    words = split_words(text, lang)
    count, after_end = (1 if words else 0), False
    for word in words:
        is_end = len(word) == 1 and ends_sentence(word)
        if after_end and not is_end and not all(unicodedata.category(c).startswith("P") for c in word):
            count += 1
            after_end = False
        elif is_end:
            after_end = True
    return count


def duplicates(items: list[str]) -> tuple[int, int]:
    """How many items repeat an earlier one, and how many characters those repeats hold."""
    seen: set[str] = set()
    count = chars = 0
    for item in items:
        if item in seen:
            count += 1
            chars += len(item)
        else:
            seen.add(item)
    return count, chars


def duplicated_ngram_chars(words: list[str], ns) -> dict[int, int]:
    """For each n of `ns`: characters in word n-grams (joined without spaces, as datatrove joins
    them) that repeat an earlier n-gram, each word counted once: after a repeat the scan jumps
    past it, so overlapping repeats are not counted twice (Gopher).

    The scan has to visit the n-grams in order, but only those that occur more than once can
    change its course; the others are added to its set and never looked up again. So the
    repeated ones are found first, all at once (an n-gram is a slice of the words' concatenation;
    the slices' hashes are grouped by numpy), and the scan walks just those."""
    text = "".join(words)
    offsets = word_offsets(words, 0)
    substring_hashes = SubstringHashes(text)
    result = {}
    for n in ns:
        count = len(words) - n + 1
        if count <= 1:
            result[n] = 0
            continue
        starts, ends = offsets[:count], offsets[n:]
        hashes = substring_hashes(starts, ends)
        order = np.argsort(hashes)
        same = hashes[order[1:]] == hashes[order[:-1]]     # neighbours in hash order
        if not same.any():                                  # most often for the longer n-grams
            result[n] = 0
            continue
        repeated = np.zeros(count, dtype=bool)              # in hash order: shares its hash
        repeated[1:] |= same
        repeated[:-1] |= same
        candidates = np.sort(order[repeated])               # back in text order
        seen: set[str] = set()
        chars = skip_until = 0
        for p, start, end in zip(candidates.tolist(), starts[candidates].tolist(), ends[candidates].tolist()):
            if p < skip_until:
                continue
            gram = text[start:end]
            if gram in seen:
                chars += len(gram)
                skip_until = p + n
            else:
                seen.add(gram)
        result[n] = chars
    return result


def top_ngram_chars(words: list[str], ns) -> dict[int, int]:
    """For each n of `ns`: characters covered by the most frequent word n-gram (its length with
    spaces, times its count), as Gopher's "top n-gram character fraction" counts them; of
    n-grams equally frequent, the first to occur (as Counter.most_common picks it).

    Words hold no spaces, so n-grams joined by spaces are equal exactly when their words are:
    each word gets a number, and each n-gram the number of its (n-1)-gram and next word's pair."""
    numbers: dict[str, int] = {}
    word_ids = np.fromiter(map(numbers.setdefault, words, range(len(words))), dtype=np.int64, count=len(words))
    offsets = word_offsets(words, 1)
    gram_ids, width, result = word_ids, 1, {}
    for n in sorted(ns):
        count = len(words) - n + 1
        if count <= 0:
            result[n] = 0
            continue
        while width < n:
            pairs = gram_ids[:len(words) - width] * len(words) + word_ids[width:]
            _, gram_ids = np.unique(pairs, return_inverse=True)
            width += 1
        counts = np.bincount(gram_ids)
        top = counts.max()
        first = int(np.argmax(counts[gram_ids] == top))
        result[n] = int(offsets[first + n] - offsets[first] - 1) * int(top)
    return result
