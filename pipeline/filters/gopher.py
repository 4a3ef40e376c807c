"""Gopher's rules (Rae et al. 2021, "Scaling Language Models", appendix A1.1 and table A1), as
datatrove codes them and FineWeb runs them: a repetition filter, then a quality filter.

Every measure is computed for every document and returned in the decision's metrics, so the
ledger shows how far each kept document sits from each threshold. The first rule that fails,
in datatrove's order, names the drop. A recipe switches a rule off by listing its name in
`disable`, e.g. `disable = ["stop_words"]`.
"""
from __future__ import annotations

from collections import Counter

import regex

from ..decision import Decision
from ..document import Document
from ..errors import RefineryError
from .rules import disabled_rules, first_failure
from .stop_words import stop_words_for
from .text import document_words, duplicated_ngram_chars, duplicates, is_symbol_word, top_ngram_chars

# Gopher repetition thresholds: Gopher table A1, datatrove GopherRepetitionFilter defaults.
GOPHER_MAX_DUP_LINE_FRAC = 0.30
GOPHER_MAX_DUP_PARA_FRAC = 0.30
GOPHER_MAX_DUP_LINE_CHAR_FRAC = 0.20
GOPHER_MAX_DUP_PARA_CHAR_FRAC = 0.20
GOPHER_MAX_TOP_NGRAM_CHAR_FRAC = {2: 0.20, 3: 0.18, 4: 0.16}
GOPHER_MAX_DUP_NGRAM_CHAR_FRAC = {5: 0.15, 6: 0.14, 7: 0.13, 8: 0.12, 9: 0.11, 10: 0.10}

# Gopher quality thresholds: Gopher appendix A1.1, datatrove GopherQualityFilter defaults.
GOPHER_MIN_WORDS = 50
GOPHER_MAX_WORDS = 100_000
GOPHER_MIN_MEAN_WORD_LENGTH = 3
GOPHER_MAX_MEAN_WORD_LENGTH = 10
GOPHER_MAX_SYMBOL_WORD_RATIO = 0.1
GOPHER_MAX_BULLET_LINES_FRAC = 0.9
GOPHER_MAX_ELLIPSIS_LINES_FRAC = 0.3
GOPHER_MIN_ALPHA_WORDS_FRAC = 0.8
GOPHER_MIN_STOP_WORDS = 2

_PARAGRAPH_BREAK = regex.compile(r"\n{2,}")
_LINE_BREAKS = regex.compile(r"\n+")


def _ngram_table(name: str, table: dict) -> dict[int, float]:
    """A recipe writes n-gram thresholds as an inline table, `{ 2 = 0.20, 3 = 0.18 }`; TOML keys
    are strings, so turn them back into n."""
    try:
        return {int(n): float(frac) for n, frac in table.items()}
    except (TypeError, ValueError, AttributeError):
        raise RefineryError(f"[{name}] n-gram thresholds must be a table like {{ 2 = 0.2 }}, got {table!r}") from None


class GopherRepetitionFilter:
    """Drops documents that repeat themselves: duplicated paragraphs and lines, one n-gram
    covering too much of the text, or too much text inside repeated n-grams."""

    name = "gopher_repetition"

    def __init__(
        self,
        max_dup_line_frac: float = GOPHER_MAX_DUP_LINE_FRAC,
        max_dup_para_frac: float = GOPHER_MAX_DUP_PARA_FRAC,
        max_dup_line_char_frac: float = GOPHER_MAX_DUP_LINE_CHAR_FRAC,
        max_dup_para_char_frac: float = GOPHER_MAX_DUP_PARA_CHAR_FRAC,
        max_top_ngram_char_frac: dict[int, float] = GOPHER_MAX_TOP_NGRAM_CHAR_FRAC,
        max_dup_ngram_char_frac: dict[int, float] = GOPHER_MAX_DUP_NGRAM_CHAR_FRAC,
        disable: tuple[str, ...] = (),
    ):
        self.max_dup_line_frac = max_dup_line_frac
        self.max_dup_para_frac = max_dup_para_frac
        self.max_dup_line_char_frac = max_dup_line_char_frac
        self.max_dup_para_char_frac = max_dup_para_char_frac
        self.max_top_ngram = _ngram_table(self.name, max_top_ngram_char_frac or GOPHER_MAX_TOP_NGRAM_CHAR_FRAC)
        self.max_dup_ngram = _ngram_table(self.name, max_dup_ngram_char_frac or GOPHER_MAX_DUP_NGRAM_CHAR_FRAC)
        rules = ("empty", "dup_para_frac", "dup_para_char_frac", "dup_line_frac", "dup_line_char_frac",
                 *(f"top_{n}_gram" for n in self.max_top_ngram), *(f"dup_{n}_gram" for n in self.max_dup_ngram))
        self.disabled = disabled_rules(self.name, disable, rules)

    def check(self, doc: Document) -> Decision:
        text = doc.text
        if not text:
            return first_failure(self.name, [("empty", True)], self.disabled, {})
        chars = len(text)
        paragraphs = _PARAGRAPH_BREAK.split(text.strip())
        dup_paras, dup_para_chars = duplicates(paragraphs)
        lines = _LINE_BREAKS.split(text)
        dup_lines, dup_line_chars = duplicates(lines)
        words = document_words(doc)
        m = {
            "dup_para_frac": dup_paras / len(paragraphs),
            "dup_para_char_frac": dup_para_chars / chars,
            "dup_line_frac": dup_lines / len(lines),
            "dup_line_char_frac": dup_line_chars / chars,
        }
        m.update({f"top_{n}_gram": c / chars for n, c in top_ngram_chars(words, self.max_top_ngram).items()})
        m.update({f"dup_{n}_gram": c / chars for n, c in duplicated_ngram_chars(words, self.max_dup_ngram).items()})
        return first_failure(self.name, [
            ("dup_para_frac", m["dup_para_frac"] > self.max_dup_para_frac),
            ("dup_para_char_frac", m["dup_para_char_frac"] > self.max_dup_para_char_frac),
            ("dup_line_frac", m["dup_line_frac"] > self.max_dup_line_frac),
            ("dup_line_char_frac", m["dup_line_char_frac"] > self.max_dup_line_char_frac),
            *((f"top_{n}_gram", m[f"top_{n}_gram"] > frac) for n, frac in self.max_top_ngram.items()),
            *((f"dup_{n}_gram", m[f"dup_{n}_gram"] > frac) for n, frac in self.max_dup_ngram.items()),
        ], self.disabled, m)


class GopherQualityFilter:
    """Drops documents that do not read like prose: too short or too long, words too short or
    too long, many '#' or ellipses, mostly bullet points, few alphabetic words, no stop words."""

    name = "gopher_quality"
    RULES = ("min_words", "max_words", "mean_word_length", "hash_ratio", "ellipsis_ratio",
             "bullet_lines", "ellipsis_lines", "alpha_words", "stop_words")

    def __init__(
        self,
        min_words: int = GOPHER_MIN_WORDS,
        max_words: int = GOPHER_MAX_WORDS,
        min_mean_word_length: float = GOPHER_MIN_MEAN_WORD_LENGTH,
        max_mean_word_length: float = GOPHER_MAX_MEAN_WORD_LENGTH,
        max_symbol_word_ratio: float = GOPHER_MAX_SYMBOL_WORD_RATIO,
        max_bullet_lines_frac: float = GOPHER_MAX_BULLET_LINES_FRAC,
        max_ellipsis_lines_frac: float = GOPHER_MAX_ELLIPSIS_LINES_FRAC,
        min_alpha_words_frac: float = GOPHER_MIN_ALPHA_WORDS_FRAC,
        min_stop_words: int = GOPHER_MIN_STOP_WORDS,
        stop_words: tuple[str, ...] | str = "en",
        disable: tuple[str, ...] = (),
    ):
        """`stop_words` is a list of words, or a language code ("en": Gopher's eight English
        stop words), or "by_language": the list for each document's identified language, the
        rule skipped for a language we hold no list for."""
        self.min_words = min_words
        self.max_words = max_words
        self.min_mean_word_length = min_mean_word_length
        self.max_mean_word_length = max_mean_word_length
        self.max_symbol_word_ratio = max_symbol_word_ratio
        self.max_bullet_lines_frac = max_bullet_lines_frac
        self.max_ellipsis_lines_frac = max_ellipsis_lines_frac
        self.min_alpha_words_frac = min_alpha_words_frac
        self.min_stop_words = min_stop_words
        self.by_language = stop_words == "by_language"
        if isinstance(stop_words, str) and not self.by_language:
            fixed = stop_words_for(stop_words)
            if fixed is None:
                raise RefineryError(f"[{self.name}] stop_words: no stop-word list for language {stop_words!r}")
            self.stop_words = fixed
        else:
            self.stop_words = frozenset(stop_words) if not self.by_language else None
        self.disabled = disabled_rules(self.name, disable, self.RULES)

    def check(self, doc: Document) -> Decision:
        text = doc.text
        words = document_words(doc)
        n_words = max(len(words), 1)   # datatrove divides by the word count; an empty text is "short"
        real_words, real_chars, alpha_words = _word_counts(words)
        lines = text.splitlines() or [""]
        stop_words = stop_words_for(doc.lang) if self.by_language else self.stop_words
        m = {
            "words": real_words,
            "mean_word_length": real_chars / real_words if real_words else 0.0,
            "hash_ratio": text.count("#") / n_words,
            "ellipsis_ratio": (text.count("...") + text.count("…")) / n_words,
            "bullet_lines": sum(ln.lstrip().startswith(("•", "-")) for ln in lines) / len(lines),
            "ellipsis_lines": sum(ln.rstrip().endswith(("...", "…")) for ln in lines) / len(lines),
            "alpha_words": alpha_words / n_words,
            "stop_words": len(stop_words.intersection(words)) if stop_words is not None else -1,
        }
        return first_failure(self.name, [
            ("min_words", m["words"] < self.min_words),
            ("max_words", m["words"] > self.max_words),
            ("mean_word_length", not self.min_mean_word_length <= m["mean_word_length"] <= self.max_mean_word_length),
            ("hash_ratio", m["hash_ratio"] > self.max_symbol_word_ratio),
            ("ellipsis_ratio", m["ellipsis_ratio"] > self.max_symbol_word_ratio),
            ("bullet_lines", m["bullet_lines"] > self.max_bullet_lines_frac),
            ("ellipsis_lines", m["ellipsis_lines"] > self.max_ellipsis_lines_frac),
            ("alpha_words", m["alpha_words"] < self.min_alpha_words_frac),
            ("stop_words", stop_words is not None and m["stop_words"] < self.min_stop_words),
        ], self.disabled, m)


def _word_counts(words: list[str]) -> tuple[int, int, int]:
    """(words that are not symbol words, their characters, words with a letter), each distinct
    word looked at once (words recur), and a word of letters alone decided without a look at
    its characters: no letter is a symbol character, and most words are letters."""
    real = real_chars = alpha = 0
    for word, count in Counter(words).items():
        letters = word.isalpha()
        if letters or not is_symbol_word(word):
            real += count
            real_chars += len(word) * count
        if letters or any(c.isalpha() for c in word):
            alpha += count
    return real, real_chars, alpha
