"""The language pre-check drops, before extraction, only pages the exact language step would
drop: on real pages, against recipes/fineweb-exact.toml's extract and language steps."""
import gzip
import json
import re
from pathlib import Path

import pytest
from resiliparse.parse.html import HTMLParserException

from pipeline import language_precheck
from pipeline.charset import decode_html
from pipeline.cli import main
from pipeline.document import Document
from pipeline.errors import RefineryError
from pipeline.language_precheck import LanguagePrecheck
from pipeline.recipe import load_recipe
from pipeline.steps import build_step
from tests.conftest import REPO

FAST = REPO / "recipes" / "fineweb.toml"
EXACT = REPO / "recipes" / "fineweb-exact.toml"
ENGLISH_ARTICLE = "06e5123e4ef7"    # scrapinghub-aeb: a VentureBeat news article
# trafilatura-eval pages kept by the exact path with the lowest pre-check scores on make_corpus:
# English articles framed by a German site's menus, forms and footers.
HARDEST = ("villacc.de.galaxy.html", "nextkabinett.wordpress.com.garden.html", "denkanstoos.com.2012.html")


def page(html: str, url: str = "") -> Document:
    return Document(id="x", url=url, warc="w", offset=0, html=html)


def decoded(raw: bytes) -> str:
    return decode_html(raw, "")[0]


def aeb_page(shared_data: Path, prefix: str) -> str:
    [path] = (shared_data / "scrapinghub-aeb" / "html").glob(f"{prefix}*.html.gz")
    return decoded(gzip.decompress(path.read_bytes()))


def german_sentences(shared_data: Path) -> list[str]:
    text = (shared_data / "lid-tatoeba" / "tatoeba_long.txt").read_text(encoding="utf-8")
    rows = [line.split("\t") for line in text.splitlines()]
    return [r[3] for r in rows if len(r) >= 4 and r[2] == "deu"]


def fast_precheck() -> LanguagePrecheck:
    return build_step("language_precheck", load_recipe(FAST).params_for("language_precheck"))


def test_an_english_article_passes(shared_data):
    decision = fast_precheck().check(page(aeb_page(shared_data, ENGLISH_ARTICLE)))
    assert decision.kept and decision.metrics["target_prob_at_least"] >= 0.05


@pytest.mark.parametrize("number, lang", [(1, "zh"), (3, "ru"), (5, "sv")])
def test_a_clearly_foreign_page_is_dropped(shared_data, number, lang):
    html = decoded((shared_data / "dclm" / "cc_html" / f"common_crawl_paragraph{number}.html").read_bytes())
    decision = fast_precheck().check(page(html))
    assert decision.reason == "language_precheck:unlikely"
    assert decision.metrics["target_prob"] < 0.05
    # Dropped for being unlikely English, not for being some other language: asked for `lang`, it passes.
    assert LanguagePrecheck(languages=[lang]).check(page(html)).kept


def test_script_and_style_are_not_text(shared_data):
    """An English article carrying forty times its text in German inside <script> and <style>
    scores as the article alone and passes; the same German as visible paragraphs before it is
    dropped."""
    html = aeb_page(shared_data, ENGLISH_ARTICLE)
    assert html.count("</head>") == html.count("</body>") == 1
    article_chars = sum(map(len, language_precheck.text_blocks(html)))
    sentences = german_sentences(shared_data)
    german = sentences * (40 * article_chars // sum(map(len, sentences)) + 1)
    hidden = ("<script>var t = " + json.dumps(" ".join(german), ensure_ascii=False) + ";</script>"
              + "<style>/* " + " ".join(german) + " */ p { margin: 0 }</style>")
    visible = "".join(f"<p>{sentence}</p>" for sentence in german)
    precheck = fast_precheck()
    alone = precheck.check(page(html))
    with_hidden = precheck.check(page(html.replace("</head>", hidden + "</head>", 1)))
    assert with_hidden.kept and with_hidden.metrics == alone.metrics
    # Visible, the German comes first in the body (only a page's first MAX_SCORED_CHARS are scored).
    body = re.search(r"<body[^>]*>", html)
    visible_first = html[:body.end()] + visible + html[body.end():]
    assert precheck.check(page(visible_first)).reason == "language_precheck:unlikely"


def test_never_drops_a_page_the_exact_path_keeps(shared_data):
    """About a hundred real pages, most not English, and the hardest known ones, through the
    exact path's extraction and language identification and through the pre-check at
    fineweb.toml's threshold."""
    exact = load_recipe(EXACT)
    extract, language = (build_step(s, exact.params_for(s)) for s in ("extract", "language"))
    precheck = fast_precheck()
    folder = shared_data / "trafilatura-eval"
    files = sorted(entry["file"] for entry in json.loads((folder / "evaldata.json").read_text(encoding="utf-8")).values())
    exact_kept = dropped = 0
    for name in sorted({*files[::9], *HARDEST}):
        path = next(p for p in (folder / "eval" / f"{name}.gz", folder / "cache" / f"{name}.gz") if p.exists())
        html = decoded(gzip.decompress(path.read_bytes()))
        decision = precheck.check(page(html))
        share = language_precheck.target_share(language_precheck.text_blocks(html), {"en"})   # scored to the end
        assert decision.kept == (share is None or share >= precheck.min_target_prob), name   # stopping early decides alike
        doc = page(html)
        kept = extract.check(doc).kept and language.check(doc).kept
        assert decision.kept or not kept, f"{name}: dropped by the pre-check ({decision.metrics}), kept by the exact path"
        exact_kept += kept
        dropped += not decision.kept
    assert exact_kept >= 10 and dropped >= 40      # both outcomes are exercised


def test_the_fast_recipe_is_the_exact_one_plus_the_precheck_before_extraction(capsys):
    assert main(["recipe", "check", str(FAST)]) == 0
    assert "  recipe   min_target_prob = " in capsys.readouterr().out
    fast, exact = load_recipe(FAST), load_recipe(EXACT)
    assert fast.steps.index("language_precheck") == fast.steps.index("extract") - 1
    assert tuple(s for s in fast.steps if s != "language_precheck") == exact.steps
    assert {s: fast.params_for(s) for s in ("read", *exact.steps)} == {s: exact.params_for(s) for s in ("read", *exact.steps)}
    assert fast.params_for("language_precheck")["languages"] == exact.params_for("language")["languages"]


@pytest.mark.parametrize("params, message", [
    ({"languages": []}, "languages: name the languages to keep"),
    ({"min_target_prob": 1.5}, "min_target_prob must be between 0 and 1, got 1.5"),
    ({"model": "no/such/lid.ftz"}, "model: no/such/lid.ftz is not a file"),
])
def test_a_bad_table_is_refused(params, message):
    with pytest.raises(RefineryError, match=message):
        build_step("language_precheck", params)


def test_after_extraction_it_is_a_clear_error():
    with pytest.raises(RefineryError, match="list it before extract"):
        LanguagePrecheck().check(Document(id="x", url="", warc="w", offset=0, text="Some extracted text."))


def test_a_page_without_a_long_block_or_unparsable_is_left_to_extraction(monkeypatch):
    assert LanguagePrecheck().check(page("<html><body><p>Ja.</p><p>Nein.</p></body></html>")).metrics == {"blocks": 2}

    def refuse(html, **options):
        raise HTMLParserException("cannot parse")

    monkeypatch.setattr(language_precheck, "extract_plain_text", refuse)
    decision = LanguagePrecheck().check(page("<html>" + "Schlecht geformt. " * 20))
    assert decision.kept and decision.metrics == {"unparsed": "cannot parse"}


def test_only_the_first_long_blocks_up_to_the_bound_are_scored():
    cap, short = language_precheck.MAX_SCORED_CHARS, "Menu"
    blocks = [short, "e" * (cap // 2), short, "f" * cap, "g" * 100]
    scored = language_precheck.scored_blocks(blocks)
    assert scored == ["e" * (cap // 2), "f" * (cap - cap // 2)]     # short ones skipped, the last cut
    assert sum(map(len, scored)) == cap
