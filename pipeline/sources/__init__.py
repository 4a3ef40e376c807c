"""Sources: what the user names as input, turned into one readable byte stream per shard.

    expand_inputs(patterns)  ->  the sorted list of shard sources (strings, kept in inputs.json)
    open_source(source)      ->  a binary file object over that source's bytes

An input is a local path, glob or folder (local.py); an `http(s)://`, `s3://` or other fsspec
URL, read through RemoteFile, which retries and resumes at the byte where a cut stream stopped
(remote.py, retry.py); `cc:CRAWL`, the WARC files of a Common Crawl crawl (commoncrawl.py);
`cc-index:CRAWL?url=PATTERN`, the captures Common Crawl's URL index finds, one shard per index
page (cc_index.py); or the lines of `--input-list FILE`. `limit` and `sample_seed` cut each
input's list: files of a crawl, a list or a glob, records of an index query.

Sources are sorted (numbers in them compared as numbers), so shard numbers do not depend on
the order the inputs were given in.
"""
from __future__ import annotations

import glob
import gzip
import os
import re

from .. import progress
from ..errors import RefineryError, SourceError
from . import cc_index, commoncrawl
from .local import expand_local
from .remote import RemoteFile, check_scheme
from .retry import RetryPolicy

CC_PREFIX = "cc:"


def is_url(pattern: str) -> bool:
    return "://" in pattern


def expand_inputs(patterns: list[str], input_list: str | None = None, limit: int | None = None,
                  sample_seed: int | None = None, policy: RetryPolicy | None = None) -> list[str]:
    found: list[str] = []
    for pattern in patterns:
        pattern = pattern.removeprefix("file://")
        if pattern.startswith(CC_PREFIX):
            found += commoncrawl.warc_urls(pattern[len(CC_PREFIX):], limit, sample_seed, policy)
        elif pattern.startswith(cc_index.PREFIX):
            if sample_seed is not None:
                raise RefineryError("--sample-seed applies to lists of files, not to cc-index: queries")
            found += [source for source, _ in cc_index.shard_sources(pattern, limit, policy)]
        else:
            found += commoncrawl.choose(sorted(_expand_url(check_scheme(pattern)) if is_url(pattern) else expand_local(pattern),
                                               key=natural_key), limit, sample_seed)
    if input_list:
        found += commoncrawl.choose(read_input_list(input_list, policy), limit, sample_seed)
    if not found:
        raise RefineryError("no inputs given")
    return sorted(set(found), key=natural_key)


def natural_key(source: str) -> list:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", source)]


def _expand_url(url: str) -> list[str]:
    if not glob.has_magic(url):
        return [url]
    import fsspec

    fs, _, _ = fsspec.get_fs_token_paths(url)
    matches = fs.glob(url)
    if not matches:
        raise RefineryError(f"no files match {url!r}")
    protocol = url.split("://", 1)[0]
    return [m if "://" in m else f"{protocol}://{m}" for m in matches]


def read_input_list(path: str, policy: RetryPolicy | None = None) -> list[str]:
    """One path or URL a line (plain or gzipped, local or a URL: a crawl's `warc.paths.gz`
    works as it is). Relative lines that start with `crawl-data/` are Common Crawl paths and
    resolve against its base; other relative lines against the list's own folder."""
    if is_url(path):
        data = commoncrawl.fetch_listing(check_scheme(path), policy)
    else:
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as e:
            raise RefineryError(f"cannot read the input list {path}: {e.strerror}") from None
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    folder = os.path.dirname(path) if not is_url(path) else ""
    sources = []
    for number, line in enumerate(data.decode("utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("file://")
        if is_url(line):
            sources.append(check_scheme(line))
        elif line.startswith((CC_PREFIX, cc_index.PREFIX)):
            sources.append(line)
        elif line.startswith("crawl-data/"):
            sources.append(f"{commoncrawl.data_base()}/{line}")
        else:
            local = os.path.abspath(os.path.join(folder, os.path.expanduser(line)))
            if not os.path.isfile(local):
                raise RefineryError(f"{path}, line {number}: no such file {local}")
            sources.append(local)
    return sources


def open_source(source: str, policy: RetryPolicy | None = None, start: int = 0):
    """A binary file object over one shard's bytes, from byte `start` on. Remote ones retry and
    resume by themselves (each retry is counted on the progress bar) and raise SourceError
    when they cannot."""
    def count_retry(error):
        progress.advance(retries=1)

    if source.startswith(cc_index.PREFIX):
        return cc_index.RecordStream(cc_index.rows_of(source, policy), policy, start=start, on_retry=count_retry)
    if is_url(source):
        return RemoteFile(source, policy, start=start, on_retry=count_retry)
    try:
        stream = open(source, "rb")
    except OSError as e:
        raise SourceError(f"cannot open {source}: {e.strerror}") from None
    stream.seek(start)
    return stream
