"""Sources: turn the user's input patterns into the ordered list of WARC files, one per shard.

Local paths, globs and folders are expanded here; `http(s)://` and `s3://` URLs are opened
through fsspec (an s3 glob is listed through it too). The order is sorted, so shard numbers
do not depend on the order the patterns were given in.
"""
from __future__ import annotations

import glob
import os

import fsspec

from .errors import RefineryError

WARC_SUFFIXES = (".warc", ".warc.gz")


def _is_url(pattern: str) -> bool:
    return "://" in pattern


def expand_inputs(patterns: list[str]) -> list[str]:
    found: set[str] = set()
    for pattern in patterns:
        if _is_url(pattern):
            found.update(_expand_url(pattern))
            continue
        if os.path.isdir(pattern):
            matches = [os.path.join(pattern, n) for n in os.listdir(pattern) if n.endswith(WARC_SUFFIXES)]
        else:
            matches = [m for m in glob.glob(os.path.expanduser(pattern), recursive=True) if os.path.isfile(m)]
        if not matches:
            raise RefineryError(f"no WARC files match {pattern!r}")
        found.update(os.path.normpath(m) for m in matches)
    if not found:
        raise RefineryError("no inputs given")
    return sorted(found)


def _expand_url(url: str) -> list[str]:
    if not glob.has_magic(url):
        return [url]
    fs, _, _ = fsspec.get_fs_token_paths(url)
    matches = fs.glob(url)
    if not matches:
        raise RefineryError(f"no files match {url!r}")
    protocol = url.split("://", 1)[0]
    return [m if "://" in m else f"{protocol}://{m}" for m in matches]
