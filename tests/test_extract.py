import gzip
import json
import time

import pytest
import trafilatura

import pipeline.extract as extract
from pipeline import watchdog
from pipeline.charset import decode_html
from pipeline.cli import main
from pipeline.document import Document
from pipeline.errors import RefineryError
from pipeline.recipe import load_recipe
from tests.conftest import REPO, article
from tests.test_dataset import f1_4gram


def page_doc(html: str) -> Document:
    return Document(id="x", url="https://a.test/", warc="w", offset=0, html=html)


@pytest.mark.parametrize("engine", extract.ENGINES)
def test_extracts_the_article_without_navigation(engine):
    doc = page_doc(article("the harbour").decode())
    decision = extract.Extractor(engine=engine).check(doc)      # through the watchdog's child
    assert decision.kept
    assert "The committee met on Tuesday" in doc.text
    assert "Privacy policy" not in doc.text and "Home" not in doc.text.split()
    assert doc.html is None                      # the page is released once extracted


@pytest.mark.parametrize("engine", extract.ENGINES)
def test_page_without_text_is_dropped(engine):
    decision = extract.Extractor(engine=engine).check(page_doc(
        "<html><body><div class='menu'><ul><li><a href='/'>Home</a></li><li><a href='/b'>About</a></li></ul></div></body></html>"))
    assert decision.reason == "extract:no_text"


@pytest.mark.parametrize("engine", extract.ENGINES)
def test_oversized_page_is_dropped_before_parsing(engine):
    decision = extract.Extractor(engine=engine, max_html_chars=1000).check(page_doc(article("size").decode()))
    assert decision.reason == "extract:too_large" and decision.metrics["html_chars"] > 1000


def test_resiliparse_text_has_one_line_per_block_and_honours_include_tables():
    table = ("<table><tr><td>Harbour dues for large vessels</td><td>120 pounds a day</td></tr>"
             "<tr><td>Harbour dues for small boats</td><td>20 pounds a day</td></tr></table>")
    html = article("the harbour").decode().replace("</article>", table + "</article>")
    with_tables, without = page_doc(html), page_doc(html)
    assert extract.Extractor(engine="resiliparse").check(with_tables).kept
    assert extract.Extractor(engine="resiliparse", include_tables=False).check(without).kept
    assert "Harbour dues for large vessels" in with_tables.text and "Harbour dues" not in without.text
    lines = with_tables.text.split("\n")
    assert lines[0] == "News about the harbour" and len(lines) == 1 + 12 + 2   # heading, paragraphs, rows
    assert all(line and line == line.strip() for line in lines)      # no blank or indented lines


def test_an_unknown_engine_is_a_recipe_error_naming_the_choices(tmp_path):
    path = tmp_path / "r.toml"
    path.write_text('steps = ["extract"]\n[extract]\nengine = "readability"', encoding="utf-8")
    with pytest.raises(RefineryError) as e:
        load_recipe(path)
    assert str(e.value) == f"{path}: [extract] engine must be one of 'trafilatura', 'resiliparse', got 'readability'"


def test_the_resiliparse_recipe_passes_recipe_check(capsys):
    path = REPO / "recipes" / "fineweb-resiliparse.toml"
    assert main(["recipe", "check", str(path)]) == 0
    assert '  recipe   engine = "resiliparse"\n' in capsys.readouterr().out
    fineweb = load_recipe(REPO / "recipes" / "fineweb-exact.toml")
    recipe = load_recipe(path)             # FineWeb's chain, only the extraction engine differs
    assert recipe.steps == fineweb.steps
    assert {s: recipe.params_for(s) for s in recipe.steps if s != "extract"} == \
           {s: fineweb.params_for(s) for s in fineweb.steps if s != "extract"}


def test_resiliparse_finds_the_articles_of_real_pages(shared_data):
    """Quality, not speed: the first pages of the article benchmark, against its human-made bodies."""
    aeb = shared_data / "scrapinghub-aeb"
    truth = list(json.loads((aeb / "ground-truth.json").read_text(encoding="utf-8")).items())[:12]
    extractor, scores = extract.Extractor(engine="resiliparse"), []
    for key, entry in truth:
        html, _ = decode_html(gzip.decompress((aeb / "html" / f"{key}.html.gz").read_bytes()))
        doc = Document(id=key, url=entry["url"], warc="w", offset=0, html=html)
        scores.append(f1_4gram(doc.text, entry["articleBody"]) if extractor.check(doc).kept else 0.0)
    assert sum(scores) / len(scores) > 0.8, scores


def test_the_time_limit_cannot_be_swallowed_by_the_library(monkeypatch):
    def stubborn_extract(*args, **kwargs):       # as trafilatura's fallbacks do: catch Exception, go on
        deadline = time.process_time() + 5
        while time.process_time() < deadline:
            try:
                sum(range(10_000))
            except Exception:
                pass
        return "never"

    monkeypatch.setattr(trafilatura, "extract", stubborn_extract)
    started = time.process_time()
    assert extract.extract_text("<html></html>", None, "trafilatura", {}, 0.2) == ("timeout", None)
    assert time.process_time() - started < 2


def test_a_page_over_the_limit_is_dropped_and_the_next_one_extracted():
    big = article("slow pages", 400).decode()
    assert extract.Extractor(timeout_s=0.001).check(page_doc(big)).reason == "extract:timeout"
    assert extract.Extractor().check(page_doc(article("fast pages").decode())).kept


@pytest.mark.parametrize("engine", extract.ENGINES)
def test_a_batch_of_pages_is_decided_page_by_page_in_order(engine):
    fine = article("the harbour").decode()
    docs = [page_doc(fine), page_doc(fine + " " * 100), page_doc("<html><body></body></html>"), page_doc(fine)]
    decisions = extract.Extractor(engine=engine, max_html_chars=len(fine)).check_batch(docs)
    assert [d.reason or "kept" for d in decisions] == ["kept", "extract:too_large", "extract:no_text", "kept"]
    assert docs[0].text == docs[3].text and "harbour" in docs[0].text and not docs[1].text
    assert all(doc.html is None for doc in docs)


def test_the_watchdog_kills_a_call_stuck_in_c_code_and_carries_on():
    call = watchdog.IsolatedCall("tests.child_targets:stuck_in_c", cpu_seconds=1.0)
    try:
        assert call(3) is False                  # small: answers
        started = time.monotonic()
        with pytest.raises(watchdog.CallTimedOut, match="s of CPU"):
            call(60)                             # 2**60 steps in the regex engine
        assert time.monotonic() - started < 30
        assert call(4) is False                  # a fresh child takes the next call
    finally:
        call.close()


def test_calls_sent_together_have_the_limits_each_and_a_fatal_one_costs_only_itself():
    """map: the calls before a stuck (or crashing) one keep their answers, it gets the exception
    a lone call would raise, and a new child answers the calls after it."""
    stuck = watchdog.IsolatedCall("tests.child_targets:stuck_in_c", cpu_seconds=1.0)
    mixed = watchdog.IsolatedCall("tests.child_targets:behave", cpu_seconds=5)
    try:
        first = stuck.start()
        results = stuck.map([(3,), (4,), (60,), (5,)])
        assert results[:2] == [False, False] and results[3] is False
        assert isinstance(results[2], watchdog.CallTimedOut) and stuck.start() is not first
        results = mixed.map([("square",), ("crash",), ("fail",), ("square",)])
        assert results[0] == results[3] == 49
        assert isinstance(results[1], watchdog.ChildCrashed)
        assert isinstance(results[2], RuntimeError) and "ValueError: a broken page" in str(results[2])
        assert mixed.map([]) == []
    finally:
        stuck.close()
        mixed.close()


def test_a_child_runs_its_setup_once_as_it_starts_and_again_when_replaced():
    call = watchdog.IsolatedCall("tests.child_targets:loaded", cpu_seconds=5, setup=("tests.child_targets:load", ("engine",)))
    try:
        first = call.start()
        assert call() == ["engine"] and call() == ["engine"] and call.start() is first
        first.kill()
        first.join()
        assert call() == ["engine"] and call.start() is not first
    finally:
        call.close()


def test_a_worker_starts_its_extraction_child_as_it_prepares():
    """The child starts, and loads its engine, while the worker builds its steps, not at the
    first page."""
    extractor = extract.Extractor(engine="trafilatura")
    extractor.prepare()
    child = extractor._child()
    assert child._child is not None and child._child.is_alive()
    started = child._child
    assert extractor.check(page_doc(article("prepared").decode())).kept and child._child is started


def test_a_crash_or_an_error_in_the_child_costs_one_call():
    crash = watchdog.IsolatedCall("tests.child_targets:crash", cpu_seconds=5)
    fail = watchdog.IsolatedCall("tests.child_targets:fail", cpu_seconds=5)
    square = watchdog.IsolatedCall("tests.child_targets:square", cpu_seconds=5)
    try:
        with pytest.raises(watchdog.ChildCrashed):
            crash()
        with pytest.raises(RuntimeError, match="ValueError: a broken page"):
            fail()
        assert square(7) == 49
    finally:
        for call in (crash, fail, square):
            call.close()
