"""Fuzz target for the WARC reader (atheris), and the invariants it checks, which the
property test in test_fuzz_reader.py checks too.

    .venv/bin/python tests/fuzz_reader.py -max_total_time=600 CORPUS_DIR

Seed CORPUS_DIR with real WARC files (../shared/data has some); libFuzzer mutates them.
The invariants, whatever the bytes: the reader never raises, never hangs, every record it
yields as readable starts with a `WARC/1.x` line where it says (plain, or a gzip member), its URL
is in the file (nothing is made up), offsets only grow, and the read step gives every record a
decision. (In a file that mixes gzip members and plain records, which only a fuzzer makes,
warcio's offsets can point at a neighbouring record: so the URL is looked for in the whole file.)
"""
from __future__ import annotations

import os
import sys
import tempfile
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
if __name__ == "__main__":                     # fuzzing: instrument the reader and warcio for coverage
    import atheris

    with atheris.instrument_imports(include=["pipeline", "warcio"]):
        from pipeline.read import RecordFilter, read_warc
else:
    from pipeline.read import RecordFilter, read_warc

MAX_PAYLOAD = 200_000
_STEP = RecordFilter(max_payload_bytes=MAX_PAYLOAD)


def check_reader(data: bytes) -> list:
    with tempfile.NamedTemporaryFile(suffix=".warc.gz", dir=_scratch()) as fh:
        fh.write(data)
        fh.flush()
        docs = list(read_warc(fh.name, MAX_PAYLOAD))
    offsets = [d.offset for d in docs]
    assert offsets == sorted(offsets), offsets
    contents = _all_contents(data)
    for doc in docs:
        _STEP.check(doc)                                  # a decision for every record, no exception
        if doc.error:
            continue
        assert _record_bytes(data, doc.offset).startswith(b"WARC/1."), doc.offset     # a record starts there
        if doc.url:       # its URL is in the file (warcio decodes header bytes as UTF-8, else Latin-1)
            forms = [_encoded(doc.url[:100], codec) for codec in ("utf-8", "latin-1")]
            assert any(form is not None and form in contents for form in forms), doc.url
    return docs


def _all_contents(data: bytes) -> bytes:
    """The file's bytes and, after them, what every gzip member in it decompresses to."""
    parts, at = [data], data.find(b"\x1f\x8b\x08")
    while at >= 0:
        parts.append(_record_bytes(data, at, size=len(data) * 4))
        at = data.find(b"\x1f\x8b\x08", at + 1)
    return b"\n".join(parts)


def _encoded(text: str, codec: str) -> bytes | None:
    try:
        return text.encode(codec, "surrogateescape")
    except UnicodeEncodeError:
        return None


def _record_bytes(data: bytes, offset: int, size: int = 8192) -> bytes:
    """The first bytes of the record at `offset`: decompressed when a gzip member starts there,
    as far as the member decompresses (fed in small pieces: zlib drops the output of a call
    that ends in a bad checksum, and a mutation further on must not hide the member's start)."""
    if not data.startswith(b"\x1f\x8b", offset):
        return data[offset:offset + size]
    member, out = zlib.decompressobj(16 + zlib.MAX_WBITS), b""
    for at in range(offset, min(len(data), offset + 16 * size), 16):
        try:
            out += member.decompress(data[at:at + 16])
        except zlib.error:
            break
        if len(out) >= size or member.eof:
            break
    return out


def _scratch() -> str | None:
    return "/dev/shm" if os.path.isdir("/dev/shm") else None


def main() -> None:
    def one_input(data: bytes) -> None:
        check_reader(data)

    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
