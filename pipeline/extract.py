"""Extract: the main text of a page with trafilatura, favouring precision as FineWeb does.

Extraction is the costliest step and the one most exposed to hostile pages, so it runs under a
per-document time limit and a size limit: one pathological page must not stall a shard.
"""
from __future__ import annotations

import logging
import signal
import threading
from contextlib import contextmanager

import trafilatura

from .decision import Decision, drop, keep
from .document import Document

# datatrove runs trafilatura with a 0.1 s timeout on a dedicated core; a CPU shared with other
# work runs slower, and a timed-out page is lost, so the default is generous.
DEFAULT_TIMEOUT_S = 10.0
DEFAULT_MAX_HTML_CHARS = 2_000_000

logging.getLogger("trafilatura").setLevel(logging.CRITICAL)  # it logs every odd page at WARNING


class ExtractionTimeout(Exception):
    pass


@contextmanager
def time_limit(seconds: float | None):
    """Raise ExtractionTimeout in the block after `seconds`, using SIGALRM (main thread only;
    elsewhere, e.g. in a thread pool, the block runs without a limit)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum, frame):
        raise ExtractionTimeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class Extractor:
    name = "extract"

    def __init__(self, favor_precision: bool = True, include_tables: bool = True,
                 include_comments: bool = False, timeout_s: float = DEFAULT_TIMEOUT_S,
                 max_html_chars: int = DEFAULT_MAX_HTML_CHARS):
        self.options = dict(favor_precision=favor_precision, include_tables=include_tables,
                            include_comments=include_comments)
        self.timeout_s = timeout_s
        self.max_html_chars = max_html_chars

    def check(self, doc: Document) -> Decision:
        html, doc.html = doc.html or "", None   # the page is not needed past this point
        if len(html) > self.max_html_chars:
            return drop("extract:too_large", html_chars=len(html))
        try:
            with time_limit(self.timeout_s):
                text = trafilatura.extract(html, url=doc.url or None, **self.options)
        except ExtractionTimeout:
            return drop("extract:timeout", html_chars=len(html))
        except Exception as e:  # lxml and trafilatura raise many kinds on broken markup
            return drop("extract:error", error=f"{type(e).__name__}: {e}"[:200])
        if not text or not text.strip():
            return drop("extract:no_text", html_chars=len(html))
        doc.text = text.strip()
        return keep(chars=len(doc.text), html_chars=len(html))
