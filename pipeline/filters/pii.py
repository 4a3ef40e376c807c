"""PII formatting, FineWeb's last step (datatrove PIIFormatter): email addresses and public IP
addresses in the text are replaced by harmless stand-ins. It never drops a document; its
metrics count the replacements.

One difference on purpose: datatrove cycles through the stand-ins with a counter that runs
across all the documents a worker sees, so a document's output depends on how the corpus was
split between workers. We restart the cycle in each document, so the same input gives the
same output with any number of workers.
"""
from __future__ import annotations

import ipaddress
import itertools
from collections.abc import Iterator

import regex

from ..decision import Decision, keep
from ..document import Document

# datatrove PIIFormatter's patterns and stand-ins. example.com/org are reserved for examples;
# the IPs did not answer pings when datatrove chose them.
PII_EMAIL_REPLACEMENTS = ("email@example.com", "firstname.lastname@example.org")
PII_IP_REPLACEMENTS = ("22.214.171.124", "126.96.36.199", "188.8.131.52", "184.108.40.206",
                       "220.127.116.11", "18.104.22.168")
_LOCAL_PART = r"\b[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_EMAIL = regex.compile(
    _LOCAL_PART + r"@(?:(?:[A-Za-z0-9](?:["
    r"A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?|\[(?:(?:25[0-5]|2[0-4][0-9]|["
    r"01]?[0-9][0-9]?)\.){3}(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?|[A-Za-z0-9-]*[A-Za-z0-9]:)])"
)
# The local part that ends at a given "@", matched right to left (a REVERSE match ends at endpos):
# it reaches as far left as a local part can, which is where a left-to-right search meets it first.
_LOCAL_PART_BEFORE = regex.compile(_LOCAL_PART, regex.REVERSE)
_IPV4 = regex.compile(r"(?:(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.){3}(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)")


def _emails(text: str) -> Iterator[regex.Match]:
    """The matches _EMAIL.sub replaces, in linear time. A search with _EMAIL tries every position
    and reads on from each to the next "@": O(n²) on a long run of address characters before an
    "@" that ends no address ("a-a-a-...@": 4 KB 0.5 s, 8 KB 2.3 s). Every address holds an "@",
    and the one using a given "@" can only start where the longest local part before it starts:
    each "@" is tried once, from there."""
    pos, at = 0, text.find("@")
    while at != -1:
        local = _LOCAL_PART_BEFORE.match(text, pos, at)
        email = local and _EMAIL.match(text, local.start())
        if email:
            yield email
            pos, at = email.end(), text.find("@", email.end())
        else:
            at = text.find("@", at + 1)


class PIIFormatter:
    name = "pii"

    def __init__(
        self,
        emails: bool = True,
        ips: bool = True,
        public_ips_only: bool = True,
        email_replacements: tuple[str, ...] = PII_EMAIL_REPLACEMENTS,
        ip_replacements: tuple[str, ...] = PII_IP_REPLACEMENTS,
    ):
        """`public_ips_only`: private, loopback and reserved addresses (192.168.x.x, 127.0.0.1)
        identify no one and stay, as in FineWeb."""
        self.emails = emails
        self.ips = ips
        self.public_ips_only = public_ips_only
        self.email_replacements = tuple(email_replacements)
        self.ip_replacements = tuple(ip_replacements)

    def _is_pii_ip(self, address: str) -> bool:
        try:
            return not self.public_ips_only or ipaddress.ip_address(address).is_global
        except ValueError:
            return False

    def check(self, doc: Document) -> Decision:
        counts = {"emails": 0, "ips": 0}
        text = doc.text
        if self.emails:
            stand_ins = itertools.cycle(self.email_replacements)
            pieces, end = [], 0
            for email in _emails(text):
                pieces += [text[end:email.start()], next(stand_ins)]
                end = email.end()
                counts["emails"] += 1
            text = "".join(pieces) + text[end:]
        if self.ips:
            stand_ins = itertools.cycle(self.ip_replacements)

            def ip(m: regex.Match) -> str:
                if not self._is_pii_ip(m.group()):
                    return m.group()
                counts["ips"] += 1
                return next(stand_ins)

            text = _IPV4.sub(ip, text)
        doc.text = text
        return keep(**counts)
