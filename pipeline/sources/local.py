"""Local inputs: WARC paths, globs, and folders (searched recursively, as `refinery fetch` lays
out a crawl's tree)."""
from __future__ import annotations

import glob
import os

from ..errors import RefineryError

WARC_SUFFIXES = (".warc", ".warc.gz")


def expand_local(pattern: str) -> list[str]:
    if os.path.isdir(pattern):
        matches = [os.path.join(d, n) for d, _, names in os.walk(pattern) for n in names if n.endswith(WARC_SUFFIXES)]
    else:
        matches = [m for m in glob.glob(os.path.expanduser(pattern), recursive=True) if os.path.isfile(m)]
    if not matches:
        hint = " (a folder is searched for WARC files; name document files by a glob: 'DIR/*.parquet')"
        raise RefineryError(f"no WARC files match {pattern!r}{hint if os.path.isdir(pattern) else ''}")
    return [os.path.abspath(m) for m in matches]      # absolute: tasks may run in other folders
