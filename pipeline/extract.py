"""Extract: the main text of a page with trafilatura, favouring precision as FineWeb does, or
with resiliparse's main-content heuristics, about ten times faster and somewhat less precise
(`engine`; bench/extract.py prints both engines' speed beside their quality).

Extraction is the costliest step and the one most exposed to hostile pages, so each page runs
under two limits. Inside, a CPU-time alarm (`timeout_s`) that trafilatura cannot swallow: it
catches `Exception` in its fallbacks, so the alarm raises a BaseException. Outside, a watchdog
(watchdog.py): extraction runs in a child process, which is killed when a page has used twice
the limit, for the pages that hang in C code (a backtracking regex, lxml), where no alarm is
heard. Either way the page is dropped as `extract:timeout` and the shard goes on with the next.
Both limits count CPU time, so the same pages are cut off on an idle and on a loaded machine.
Both engines run under both limits; resiliparse runs in C, where only the watchdog reaches it.
"""
from __future__ import annotations

import logging
import signal
import threading
from contextlib import contextmanager

from resiliparse.extract.html2text import extract_plain_text

from . import watchdog
from .decision import Decision, drop, keep
from .document import Document
from .errors import RefineryError

# datatrove runs trafilatura with a 0.1 s timeout on a dedicated core; a CPU shared with other
# work runs slower, and a timed-out page is lost, so the default is generous.
DEFAULT_TIMEOUT_S = 10.0
DEFAULT_MAX_HTML_CHARS = 2_000_000
EXTRACT_TEXT = "pipeline.extract:extract_text"
LOAD_ENGINE = "pipeline.extract:load_engine"
ENGINES = ("trafilatura", "resiliparse")

# resiliparse's settings, those with the best F1 on the article benchmark (bench/extract.py)
# short of one: image alt texts, comment sections (`include_comments`) and the post's byline
# and date are not the article; each off gains 0.01-0.02 F1. List bullets stay on, though off
# scores 0.006 higher: trafilatura marks list items too ("- "), and Gopher's bullet-line rule
# counts them. Formatting is kept: the filters after this step work line by line.
RESILIPARSE_OPTIONS = dict(main_content=True, preserve_formatting=True, alt_texts=False, post_meta=False,
                           list_bullets=True)

logging.getLogger("trafilatura").setLevel(logging.CRITICAL)  # it logs every odd page at WARNING


class ExtractionTimeout(BaseException):
    """Not an Exception: library code that catches Exception must not swallow the limit."""


@contextmanager
def cpu_time_limit(seconds: float | None):
    """Raise ExtractionTimeout in the block once this process has spent `seconds` of CPU in it
    (SIGPROF; main thread only: elsewhere the block runs without this limit)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum, frame):
        raise ExtractionTimeout()

    previous = signal.signal(signal.SIGPROF, on_alarm)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def load_engine(engine: str) -> None:
    """Import the engine's library. Not at the top of this module: trafilatura costs a process
    ~0.3 s of CPU to load, and only the process that extracts needs it (the watchdog's child, not
    the worker), which loads it as it starts, before its first page and any time limit."""
    if engine == "trafilatura":
        import trafilatura  # noqa: F401


def extract_text(html: str, url: str | None, engine: str, options: dict,
                 timeout_s: float) -> tuple[str, str | None]:
    """("ok", text or None) or ("timeout", None). Runs in the watchdog's child process."""
    if engine == "trafilatura":
        import trafilatura   # loaded as the child started (load_engine); before the limit, without one
    try:
        with cpu_time_limit(timeout_s):
            if engine == "resiliparse":
                return "ok", one_line_per_block(extract_plain_text(html, **options))
            return "ok", trafilatura.extract(html, url=url, **options)
    except ExtractionTimeout:
        return "timeout", None


def one_line_per_block(text: str) -> str:
    """resiliparse's text laid out as trafilatura's: no blank lines between blocks, no indented
    list items. The line-based filters' thresholds were set on trafilatura's output, and a
    blank line counts as a line there (it halves Gopher's share of bullet or ellipsis lines)."""
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


class Extractor:
    name = "extract"
    needs_html = True     # not run on document inputs (read_documents.py): their text is extracted
    # Pages sent to the child at once. One at a time, every page cost two switches between the
    # worker and its child, which on busy cores wait for each other: ~0.15 ms of CPU and more of
    # wall a page, where resiliparse takes ~1 ms. 16 pages hold at most 32M characters.
    batch_documents = 16

    def __init__(self, engine: str = "trafilatura", favor_precision: bool = True, include_tables: bool = True,
                 include_comments: bool = False, timeout_s: float = DEFAULT_TIMEOUT_S,
                 max_html_chars: int = DEFAULT_MAX_HTML_CHARS):
        """`favor_precision` is trafilatura's alone; `include_tables` and `include_comments`
        hold for both engines (resiliparse: `include_tables = false` skips every <table>,
        `include_comments = true` keeps the sections it takes for comments)."""
        if engine not in ENGINES:
            raise RefineryError(f"[{self.name}] engine must be one of {', '.join(map(repr, ENGINES))}, got {engine!r}")
        if timeout_s < 0:   # the alarm timer refuses it, which would fail every page of a run
            raise RefineryError(f"[{self.name}] timeout_s must be 0 (no limit) or more, got {timeout_s}")
        self.engine = engine
        if engine == "resiliparse":
            self.options = dict(RESILIPARSE_OPTIONS, comments=include_comments,
                                skip_elements=None if include_tables else ["table"])
        else:
            self.options = dict(favor_precision=favor_precision, include_tables=include_tables,
                                include_comments=include_comments)
        self.timeout_s = timeout_s
        self.max_html_chars = max_html_chars

    def prepare(self) -> None:
        """Start the extraction child now rather than at the first page: a worker calls this as it
        prepares (pipeline/tasks.py), and the child loads its engine meanwhile."""
        if self.timeout_s:
            self._child().start()

    def _child(self) -> watchdog.IsolatedCall:
        return watchdog.shared(EXTRACT_TEXT, 2 * self.timeout_s, setup=(LOAD_ENGINE, (self.engine,)))

    def check(self, doc: Document) -> Decision:
        return self.check_batch([doc])[0]

    def check_batch(self, docs: list[Document]) -> list[Decision]:
        """The pages of `docs` extracted in one exchange with the child (watchdog.IsolatedCall.map),
        each under its own limits."""
        pages = [doc.html or "" for doc in docs]
        fits = [len(html) <= self.max_html_chars for html in pages]
        calls = [(html, doc.url or None, self.engine, self.options, self.timeout_s)
                 for html, doc, fit in zip(pages, docs, fits) if fit]
        outcomes = iter(self._child().map(calls) if self.timeout_s else [_outcome(*call) for call in calls])
        return [self._decide(doc, html, next(outcomes) if fit else None) for doc, html, fit in zip(docs, pages, fits)]

    def _decide(self, doc: Document, html: str, outcome) -> Decision:
        """`outcome`: extract_text's result or the exception of its call; None for a page too large to try."""
        doc.html = None                         # the page is not needed past this point
        if outcome is None:
            return drop("extract:too_large", html_chars=len(html))
        if isinstance(outcome, watchdog.CallTimedOut):
            return drop("extract:timeout", html_chars=len(html), killed=str(outcome))
        if isinstance(outcome, Exception):  # the parsers raise many kinds on broken markup; a crashed child
            return drop("extract:error", error=f"{type(outcome).__name__}: {outcome}"[:200])
        status, text = outcome
        if status == "timeout":
            return drop("extract:timeout", html_chars=len(html))
        if not text or not text.strip():
            return drop("extract:no_text", html_chars=len(html))
        doc.text = text.strip()
        return keep(chars=len(doc.text), html_chars=len(html))


def _outcome(*args):
    """extract_text's result, or the exception it raised (as the watchdog's map gives them)."""
    try:
        return extract_text(*args)
    except Exception as e:
        return e
