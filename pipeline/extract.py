"""Extract: the main text of a page with trafilatura, favouring precision as FineWeb does.

Extraction is the costliest step and the one most exposed to hostile pages, so each page runs
under two limits. Inside, a CPU-time alarm (`timeout_s`) that trafilatura cannot swallow: it
catches `Exception` in its fallbacks, so the alarm raises a BaseException. Outside, a watchdog
(watchdog.py): extraction runs in a child process, which is killed when a page has used twice
the limit, for the pages that hang in C code (a backtracking regex, lxml), where no alarm is
heard. Either way the page is dropped as `extract:timeout` and the shard goes on with the next.
Both limits count CPU time, so the same pages are cut off on an idle and on a loaded machine.
"""
from __future__ import annotations

import logging
import signal
import threading
from contextlib import contextmanager

import trafilatura

from . import watchdog
from .decision import Decision, drop, keep
from .document import Document
from .errors import RefineryError

# datatrove runs trafilatura with a 0.1 s timeout on a dedicated core; a CPU shared with other
# work runs slower, and a timed-out page is lost, so the default is generous.
DEFAULT_TIMEOUT_S = 10.0
DEFAULT_MAX_HTML_CHARS = 2_000_000
EXTRACT_TEXT = "pipeline.extract:extract_text"

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


def extract_text(html: str, url: str | None, options: dict, timeout_s: float) -> tuple[str, str | None]:
    """("ok", text or None) or ("timeout", None). Runs in the watchdog's child process."""
    try:
        with cpu_time_limit(timeout_s):
            return "ok", trafilatura.extract(html, url=url, **options)
    except ExtractionTimeout:
        return "timeout", None


class Extractor:
    name = "extract"

    def __init__(self, favor_precision: bool = True, include_tables: bool = True,
                 include_comments: bool = False, timeout_s: float = DEFAULT_TIMEOUT_S,
                 max_html_chars: int = DEFAULT_MAX_HTML_CHARS):
        if timeout_s < 0:   # the alarm timer refuses it, which would fail every page of a run
            raise RefineryError(f"[{self.name}] timeout_s must be 0 (no limit) or more, got {timeout_s}")
        self.options = dict(favor_precision=favor_precision, include_tables=include_tables,
                            include_comments=include_comments)
        self.timeout_s = timeout_s
        self.max_html_chars = max_html_chars

    def check(self, doc: Document) -> Decision:
        html, doc.html = doc.html or "", None   # the page is not needed past this point
        if len(html) > self.max_html_chars:
            return drop("extract:too_large", html_chars=len(html))
        try:
            if self.timeout_s:
                status, text = watchdog.shared(EXTRACT_TEXT, 2 * self.timeout_s)(
                    html, doc.url or None, self.options, self.timeout_s)
            else:
                status, text = extract_text(html, doc.url or None, self.options, 0)
        except watchdog.CallTimedOut as e:
            return drop("extract:timeout", html_chars=len(html), killed=str(e))
        except Exception as e:  # lxml and trafilatura raise many kinds on broken markup; a crashed child
            return drop("extract:error", error=f"{type(e).__name__}: {e}"[:200])
        if status == "timeout":
            return drop("extract:timeout", html_chars=len(html))
        if not text or not text.strip():
            return drop("extract:no_text", html_chars=len(html))
        doc.text = text.strip()
        return keep(chars=len(doc.text), html_chars=len(html))
