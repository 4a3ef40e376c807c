"""Language pre-check: before extraction, skip the pages the `language` step would surely drop.

Extraction (trafilatura, ~16 ms a page) is the costliest step, and in FineWeb the language step
then drops about half of what was extracted. This step strips the page's visible text from its
HTML in C (resiliparse, ~1 ms; script, style, noscript and form fields are not text) and drops
the page only when little of that text is in a target language. It is a shortcut, measured
against the exact path: recipes/fineweb-exact.toml runs without it, and
bench/language_precheck.py prints how many of the pages the exact path keeps it would lose, how
many pages it skips, and the extraction time saved; it also derives the default threshold.

The score is the share of the page's text in the target languages: fastText's probability of
those languages for each block (paragraph, heading, list item, cell) of at least
MIN_BLOCK_CHARS characters, averaged with the blocks' lengths as weights. Per block, not over
the whole page: an English article framed by a German site's menus, forms and footers is
mostly German as a whole page, yet its blocks of running text are plainly English, and those
are what the extractor keeps. Short blocks (menu entries, buttons, copyright lines) say little
about a page's language and are left out; a page without one long block is kept, for want of
evidence, and extraction decides.
"""
from __future__ import annotations


from resiliparse.extract.html2text import extract_plain_text
from resiliparse.parse.html import HTMLParserException

from .decision import Decision, drop, keep
from .document import Document
from .errors import RefineryError
from .language import check_model_path, default_model_path, load_model

# Measured by bench/language_precheck.py on make_corpus seed 5: the largest threshold that keeps
# 99.9% of the pages recipes/fineweb-exact.toml keeps is 0.104; halved and rounded down for a
# safety margin. The lowest share among those pages was 0.08.
FINEWEB_MIN_TARGET_PROB = 0.05
# Blocks shorter than this are not scored (the default threshold was measured with this value).
MIN_BLOCK_CHARS = 50
# Only the page's first long blocks, up to this many characters, are scored: enough to tell its
# language, and a bound on the cost of a huge page (this step runs outside extraction's limits).
# fastText's time grows with the text, and the pages a pre-check drops are scored to their end (no
# early stop can tell a page will fail), so this bound sets most of the step's cost. Measured on
# make_corpus seeds 5 and 9 (3,014 and 3,012 pages): at 10,000 rather than 100,000 characters
# scoring takes half the time (5.1 s -> 2.4 s on seed 9), every page the exact path keeps is still
# kept, and their lowest shares are unchanged (0.080, 0.104, 0.191); at 5,000 one would be lost.
MAX_SCORED_CHARS = 10_000
# fastText's best labels read per block; a target language outside them counts as 0 (its
# probability is below the fifth label's). Reading all 176 moved the measured figures by < 0.2%.
TOP_K = 5
# resiliparse's plain-text extraction of the whole page, one line per block.
STRIP_OPTIONS = {"main_content": False, "preserve_formatting": True, "alt_texts": False, "list_bullets": False}


def text_blocks(html: str) -> list[str]:
    """The page's visible text, one string per block, without markup, scripts or styles."""
    text = extract_plain_text(html, **STRIP_OPTIONS)
    return [block for block in (line.strip() for line in text.splitlines()) if block]


def scored_blocks(blocks: list[str]) -> list[str]:
    """The blocks that are scored: those of at least MIN_BLOCK_CHARS characters, the first
    MAX_SCORED_CHARS characters of them."""
    scored, chars = [], 0
    for block in blocks:
        if len(block) >= MIN_BLOCK_CHARS and chars < MAX_SCORED_CHARS:
            scored.append(block[: MAX_SCORED_CHARS - chars])
            chars += len(scored[-1])
    return scored


def target_share(blocks: list[str], languages: set[str], model_path: str | None = None,
                 enough: float | None = None) -> float | None:
    """The share of the text of `blocks` in one of `languages` (ISO codes), as fastText sees it,
    over the scored blocks; None where there is none.

    `enough`: scoring stops once the share is sure to reach it, since the blocks still to score
    can only add to it; what is returned then is a lower bound of at least `enough`. Most pages
    a pre-check keeps are in the target language from their first long block on, so this saves
    most of fastText's time on them, and decides every page as the full score would."""
    model = load_model(model_path or default_model_path())
    labels = {f"__label__{code}" for code in languages}
    k = max(TOP_K, len(labels))
    scored = scored_blocks(blocks)
    total = sum(map(len, scored))
    weighted = 0.0
    for block in scored:
        found, probs = model.predict(block, k=k)
        weighted += len(block) * min(sum(float(p) for label, p in zip(found, probs) if label in labels), 1.0)
        if enough is not None and weighted >= enough * total:
            break
    return weighted / total if total else None


class LanguagePrecheck:
    name = "language_precheck"
    needs_html = True     # not run on document inputs (read_documents.py): they have no page

    def __init__(self, languages: tuple[str, ...] = ("en",), min_target_prob: float = FINEWEB_MIN_TARGET_PROB,
                 model: str | None = None):
        """`languages`: the language step's ISO codes. `min_target_prob`: pages whose share of
        text in those languages is below it are dropped (0 drops none). `model`: a fastText
        language-ID file instead of the bundled lid.176.ftz, as the language step's `model`
        (set both alike: the threshold holds for the model it was measured with)."""
        if not languages:
            raise RefineryError(f"[{self.name}] languages: name the languages to keep; a pre-check "
                                f"for every language would drop nothing")
        if not 0 <= min_target_prob <= 1:
            raise RefineryError(f"[{self.name}] min_target_prob must be between 0 and 1, got {min_target_prob}")
        check_model_path(self.name, model)
        self.languages = set(languages)
        self.min_target_prob = min_target_prob
        self.model = model

    def check(self, doc: Document) -> Decision:
        if doc.html is None:   # the extract step hands the page on as text only
            raise RefineryError(f"[{self.name}] reads the page's HTML: list it before extract in the recipe's steps")
        try:
            blocks = text_blocks(doc.html)
        except HTMLParserException as e:   # the extractor meets the same page and reports it
            return keep(unparsed=str(e)[:200])
        share = target_share(blocks, self.languages, self.model, enough=self.min_target_prob or None)
        if share is None:
            return keep(blocks=len(blocks))
        if share < self.min_target_prob:
            return drop("language_precheck:unlikely", target_prob=round(share, 4))
        # Scored until sure: at least this much (the whole score with min_target_prob = 0).
        return keep(target_prob_at_least=round(share, 4))
