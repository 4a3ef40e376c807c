from pipeline.document import Document
from pipeline.filters.pii import PIIFormatter


def test_emails_and_public_ips_replaced_private_ips_kept():
    d = Document(id="d", url="", warc="", offset=0,
                 text="Write to jane.doe@corp.com or bob@x.org; server 8.8.8.8, router 192.168.0.1.")
    decision = PIIFormatter().check(d)
    assert decision.kept and decision.metrics == {"emails": 2, "ips": 1}
    assert d.text == ("Write to email@example.com or firstname.lastname@example.org; server 22.214.171.124, "
                      "router 192.168.0.1.")


def test_replacement_cycle_restarts_per_document():
    f = PIIFormatter()
    texts = []
    for _ in range(2):
        d = Document(id="d", url="", warc="", offset=0, text="a@b.com")
        f.check(d)
        texts.append(d.text)
    assert texts == ["email@example.com", "email@example.com"]
