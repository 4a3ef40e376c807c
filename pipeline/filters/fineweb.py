"""FineWeb's own rules (Penedo et al. 2024, "The FineWeb Datasets", section 3.3.4), as datatrove's
FineWebQualityFilter codes them. They target what survived Gopher and C4 in the crawl: lists
and menus (few lines ending a sentence, many short lines, one word per line) and boilerplate
lines repeated inside a page.
"""
from __future__ import annotations

from ..decision import Decision
from ..document import Document
from .rules import disabled_rules, first_failure
from .text import document_words, duplicates, ends_sentence

# FineWeb paper, section 3.3.4, and datatrove FineWebQualityFilter defaults.
FINEWEB_MIN_LINE_PUNCT_FRAC = 0.12      # lines ending in a sentence mark: fewer drops the page
FINEWEB_MAX_SHORT_LINE_FRAC = 0.67      # lines of at most SHORT_LINE_LENGTH chars: more drops it
FINEWEB_SHORT_LINE_LENGTH = 30
FINEWEB_MAX_DUP_LINE_CHAR_FRAC = 0.01   # chars in repeated lines / all chars but newlines
FINEWEB_MAX_NEWLINES_PER_WORD = 0.3

RULES = ("empty", "line_punct_ratio", "short_line_ratio", "char_dup_ratio", "list_ratio")


class FineWebQualityFilter:
    name = "fineweb"

    def __init__(
        self,
        min_line_punct_frac: float = FINEWEB_MIN_LINE_PUNCT_FRAC,
        max_short_line_frac: float = FINEWEB_MAX_SHORT_LINE_FRAC,
        short_line_length: int = FINEWEB_SHORT_LINE_LENGTH,
        max_dup_line_char_frac: float = FINEWEB_MAX_DUP_LINE_CHAR_FRAC,
        max_newlines_per_word: float = FINEWEB_MAX_NEWLINES_PER_WORD,
        disable: tuple[str, ...] = (),
    ):
        self.min_line_punct_frac = min_line_punct_frac
        self.max_short_line_frac = max_short_line_frac
        self.short_line_length = short_line_length
        self.max_dup_line_char_frac = max_dup_line_char_frac
        self.max_newlines_per_word = max_newlines_per_word
        self.disabled = disabled_rules(self.name, disable, RULES)

    def check(self, doc: Document) -> Decision:
        text = doc.text
        lines = [line for line in text.split("\n") if line.strip()]
        if not lines:
            return first_failure(self.name, [("empty", True)], self.disabled, {})
        chars = len(text.replace("\n", ""))
        m = {
            "line_punct_ratio": sum(ends_sentence(line) for line in lines) / len(lines),
            "short_line_ratio": sum(len(line) <= self.short_line_length for line in lines) / len(lines),
            "char_dup_ratio": duplicates(lines)[1] / chars,
            "list_ratio": text.count("\n") / max(len(document_words(doc)), 1),
        }
        return first_failure(self.name, [
            ("line_punct_ratio", m["line_punct_ratio"] < self.min_line_punct_frac),
            ("short_line_ratio", m["short_line_ratio"] > self.max_short_line_frac),
            ("char_dup_ratio", m["char_dup_ratio"] > self.max_dup_line_char_frac),
            ("list_ratio", m["list_ratio"] > self.max_newlines_per_word),
        ], self.disabled, m)
