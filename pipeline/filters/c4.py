"""C4's page rules (Raffel et al. 2020, section 2.2; tensorflow_datasets c4_utils), as datatrove's
C4QualityFilter codes them. FineWeb runs them with the terminal-punctuation rule off (in its
place FineWeb's own `line_punct_ratio` rule looks at the share of such lines).

Most C4 rules remove lines, not documents: a kept document's text becomes its kept lines, as in
C4 and FineWeb. Three rules drop the whole document: "lorem ipsum", a curly bracket (code), and
fewer than five sentences left. The metrics count the lines each line rule removed.
"""
from __future__ import annotations

import regex

from ..decision import Decision, drop, keep
from ..document import Document
from .rules import disabled_rules
from .text import count_sentences

# C4 defaults: Raffel et al. 2020 (T5), section 2.2, and datatrove C4QualityFilter.
C4_MIN_SENTENCES = 5
C4_MIN_WORDS_PER_LINE = 3
C4_MAX_WORD_LENGTH = 1000
# Lines C4's code drops for naming site policies (tensorflow_datasets c4_utils).
C4_POLICY_PHRASES = ("terms of use", "privacy policy", "cookie policy", "uses cookies",
                     "use of cookies", "use cookies")
# Wikipedia-style citation marks, removed from lines: [1], [edit], [citation needed].
_CITATION = regex.compile(r"\[\d*]|\[edit]|\[citation needed]")
_TERMINAL = (".", "?", "!", '"', "'")

LINE_RULES = ("too_long_word", "citations", "terminal_punct", "too_few_words", "javascript", "policy")
DOC_RULES = ("lorem_ipsum", "curly_bracket", "too_few_sentences")


class C4QualityFilter:
    name = "c4"

    def __init__(
        self,
        min_sentences: int = C4_MIN_SENTENCES,
        min_words_per_line: int = C4_MIN_WORDS_PER_LINE,
        max_word_length: int = C4_MAX_WORD_LENGTH,
        policy_phrases: tuple[str, ...] = C4_POLICY_PHRASES,
        disable: tuple[str, ...] = (),
    ):
        disabled = disabled_rules(self.name, disable, LINE_RULES + DOC_RULES)
        self.min_sentences = min_sentences
        self.min_words_per_line = min_words_per_line
        self.max_word_length = max_word_length
        self.policy_phrases = tuple(p.lower() for p in policy_phrases)
        self.on = {rule: rule not in disabled for rule in LINE_RULES + DOC_RULES}

    def check(self, doc: Document) -> Decision:
        removed = dict.fromkeys(LINE_RULES[:1] + LINE_RULES[2:], 0)
        kept_lines: list[str] = []
        sentences = 0
        lang = doc.lang or "en"
        for line in doc.text.splitlines():
            line = line.strip()
            words = line.split()
            if self.on["too_long_word"] and max(map(len, words), default=0) > self.max_word_length:
                removed["too_long_word"] += 1
                continue
            if self.on["citations"]:
                line = _CITATION.sub("", line)
            if self.on["terminal_punct"] and (not line.endswith(_TERMINAL) or line.endswith("...")):
                removed["terminal_punct"] += 1
                continue
            if self.on["too_few_words"] and len(words) < self.min_words_per_line:
                removed["too_few_words"] += 1
                continue
            lowered = line.lower()
            if self.on["lorem_ipsum"] and "lorem ipsum" in lowered:
                return drop("c4:lorem_ipsum", lines_kept=len(kept_lines))
            if self.on["javascript"] and "javascript" in lowered:
                removed["javascript"] += 1
                continue
            if self.on["curly_bracket"] and "{" in line:
                return drop("c4:curly_bracket", lines_kept=len(kept_lines))
            if self.on["policy"] and any(p in lowered for p in self.policy_phrases):
                removed["policy"] += 1
                continue
            sentences += count_sentences(line, lang)
            kept_lines.append(line)
        metrics = {"sentences": sentences, "lines_kept": len(kept_lines),
                   **{f"lines_removed_{rule}": n for rule, n in removed.items()}}
        if self.on["too_few_sentences"] and sentences < self.min_sentences:
            return drop("c4:too_few_sentences", **metrics)
        doc.text = "\n".join(kept_lines).strip()
        return keep(**metrics)
