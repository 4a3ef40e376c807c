"""A document's size, as the ledger records it after every step."""
from pipeline.document import Document


def test_size_is_that_of_the_content_each_step_hands_on():
    doc = Document(id="a", url="", warc="w.warc.gz", offset=0, payload="été".encode())
    assert doc.size() == 5                                   # the HTTP body, before decoding
    doc.html = "<p>été</p>"
    assert doc.size() == 12 and doc.size() == 12             # the page, measured once
    doc.html, doc.text = None, "été et hiver"
    assert doc.size() == 14                                  # the text once extracted
    doc.text = doc.text[:3]                                  # a step rewrites the text
    assert doc.size() == 5
    doc.text = ""
    assert doc.size() == 5                                   # nothing left: the body again
