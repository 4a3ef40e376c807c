import pytest

from pipeline.document import Document
from pipeline.errors import RefineryError
from pipeline.filters.urls import URLFilter


def doc(url):
    return Document(id="d", url=url, warc="", offset=0)


@pytest.fixture
def blocklist(tmp_path):
    domains = tmp_path / "domains"
    domains.write_text("# user list\nblocked.co.uk\nonly.host.example.org\n")
    return URLFilter(domain_lists=[str(domains)])


@pytest.mark.parametrize("url, reason", [
    ("https://www.blocked.co.uk/page", "url:domain"),          # any host of a listed domain
    ("https://only.host.example.org/", "url:subdomain"),       # a listed host
    ("https://example.org/", ""),                              # but not its parent domain
    ("https://news.example.com/2024/story.html", ""),
    ("https://example.com/xxx/video", "url:banned_word"),        # bundled hard word
    ("https://example.com/brunette-babes-gallery", "url:soft_banned_words"),
    ("https://example.com/babes", ""),                         # one soft word is not enough
    ("https://pornhubvideos.example.net/", "url:banned_subword"),
])
def test_url_rules(blocklist, url, reason):
    assert blocklist.check(doc(url)).reason == reason


def test_soft_threshold_and_bundled_lists_are_settable():
    assert URLFilter(soft_word_threshold=1).check(doc("https://example.com/babes")).reason == "url:soft_banned_words"
    assert URLFilter(use_bundled_lists=False).check(doc("https://example.com/xxx/video")).kept


def test_missing_list_file_is_a_user_error(tmp_path):
    with pytest.raises(RefineryError, match="cannot read"):
        URLFilter(domain_lists=[str(tmp_path / "absent")])
