"""Published domain blocklists, named in the URL filter's `domain_lists` as "ut1:<category>".

FineWeb blocks the ~4.6M domains of the UT1 blocklist's "adult" category (Université Toulouse
Capitole). Such a list is downloaded once, verified and cached as a sorted array of 64-bit
hashes (blake2b of the lower-cased domain): 37 MB for 4.6M domains, where a Python set of the
strings would take ~400 MB in every worker. The array is saved as .npy and opened with
mmap_mode="r", so all the workers of a machine share one copy in the OS page cache. A lookup
is a binary search; two different domains share a hash with probability ~4.6M / 2**64.

Where it comes from: REFINERY_UT1_BASE_URL (default: the UT1 site) + "/<category>.tar.gz", a
tarball holding <category>/domains, one domain a line. The base may be a local folder, for
machines without a network: put adult.tar.gz there, or a plain `adult` file of domains.
Downloads follow the crawl's retry rules (sources/remote.py). The cache lives in
REFINERY_CACHE (default ~/.cache/refinery), one .npy and one .json per list and source: the
.json records the source, the download's sha256, the number of domains and the .npy's sha256,
which a process checks when it first loads the list (a run builds its URL filter for every shard:
the list is read and checked once a process, not each time), so a corrupt or foreign cache is
replaced, never used. Files
are written under a temporary name and renamed, so a killed download leaves nothing usable.
Delete the cache files to fetch a newer version of a list.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tarfile
import tempfile
from pathlib import Path

import numpy as np

from ..errors import RefineryError, SourceError
from ..hashing import hash64_strings
from ..sources.remote import RemoteFile, is_http
from ..sources.retry import GaveUp, RetryPolicy

PREFIX = "ut1:"
UT1_BASE_URL = "https://dsi.ut-capitole.fr/blacklists/download"
BASE_URL_VARIABLE = "REFINERY_UT1_BASE_URL"
CACHE_VARIABLE = "REFINERY_CACHE"
# A download is a list only when nearly every line is a host name or an IP address: an HTML
# error page or a truncated binary served with status 200 is refused. UT1's lists have a few
# odd entries (underscores, a trailing dot), hence the tolerance.
_HOST = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?")
MAX_MALFORMED_SHARE = 0.01
_LOADED: dict[Path, np.ndarray] = {}    # cache stem -> its array, as this process loaded it


def hash_domains(domains: list[str]) -> np.ndarray:
    """64-bit hashes of lower-cased domains, as uint64."""
    return hash64_strings([d.lower() for d in domains])


class DomainHashes:
    """A set of domains as a sorted array of their hashes: `name in hashes`."""

    def __init__(self, sorted_hashes: np.ndarray, source: str):
        self.hashes, self.source = sorted_hashes, source

    def __contains__(self, domain: str) -> bool:
        if not domain or not len(self.hashes):
            return False
        wanted = hash_domains([domain])[0]
        i = np.searchsorted(self.hashes, wanted)
        return bool(i < len(self.hashes) and self.hashes[i] == wanted)

    def __len__(self) -> int:
        return len(self.hashes)


def load(name: str, policy: RetryPolicy | None = None) -> DomainHashes:
    """The list `name` ("ut1:adult"), from the cache, or downloaded and cached first."""
    category = name.removeprefix(PREFIX)
    if not re.fullmatch(r"[a-z0-9_-]+", category):
        raise RefineryError(f"[url] domain_lists: {name!r} is no UT1 category (e.g. 'ut1:adult')")
    source = f"{os.environ.get(BASE_URL_VARIABLE, UT1_BASE_URL).rstrip('/')}/{category}"
    cache = Path(os.environ.get(CACHE_VARIABLE) or Path.home() / ".cache" / "refinery")
    stem = cache / f"ut1-{category}-{hashlib.sha256(source.encode()).hexdigest()[:12]}"
    hashes = _LOADED.get(stem)
    if hashes is None:
        hashes = _cached(stem)
        if hashes is None:
            hashes = _build(stem, category, source, policy or RetryPolicy())
        _LOADED[stem] = hashes
    return DomainHashes(hashes, source)


def _cached(stem: Path) -> np.ndarray | None:
    """The cached array when its record vouches for it, else None (absent, partial or corrupt)."""
    array, record = stem.with_suffix(".npy"), stem.with_suffix(".json")
    try:
        meta = json.loads(record.read_text())
        if _sha256(array.read_bytes()) != meta["npy_sha256"]:
            return None
        hashes = np.load(array, mmap_mode="r")
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return hashes if hashes.dtype == np.uint64 and hashes.ndim == 1 and len(hashes) == meta["domains"] else None


def _build(stem: Path, category: str, source: str, policy: RetryPolicy) -> np.ndarray:
    raw = _download(source, policy)
    domains = _domains(raw, category, source)
    hashes = np.unique(hash_domains(domains))          # sorted, each once
    stem.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    np.save(buffer, hashes)
    data = buffer.getvalue()
    # The array first, then the record that vouches for it: a kill between the two leaves an
    # array without a record, which is rebuilt.
    _write_atomically(stem.with_suffix(".npy"), data)
    _write_atomically(stem.with_suffix(".json"), json.dumps(
        {"source": source, "download_sha256": _sha256(raw), "domains": len(hashes),
         "npy_sha256": _sha256(data)}, indent=1).encode())
    return np.load(stem.with_suffix(".npy"), mmap_mode="r")


def _download(source: str, policy: RetryPolicy) -> bytes:
    """The list's bytes: <source>.tar.gz, or for a local folder also a plain file <source>."""
    if not is_http(source) and not source.startswith("s3://"):
        for path in (Path(f"{source}.tar.gz"), Path(source)):
            if path.is_file():
                return path.read_bytes()
        raise RefineryError(f"[url] UT1 list: neither {source}.tar.gz nor {source} exists "
                            f"(set by {BASE_URL_VARIABLE})")
    url = f"{source}.tar.gz"
    try:
        with RemoteFile(url, policy) as f:
            return f.read()
    except SourceError as e:
        advice = (f" No network? Fetch {Path(url).name} on a machine that has one, put it in a folder "
                  f"here and set {BASE_URL_VARIABLE} to that folder (or to a reachable mirror), or "
                  f"name a local file of domains in [url] domain_lists instead"
                  if isinstance(e, GaveUp) and e.unreachable else "")
        raise RefineryError(f"[url] cannot download the UT1 list {url}: {e}.{advice}") from None


def _domains(raw: bytes, category: str, source: str) -> list[str]:
    """The domains in a UT1 tarball (member <category>/domains) or a plain list, checked."""
    text = raw
    if raw[:2] == b"\x1f\x8b" or tarfile.is_tarfile(io.BytesIO(raw)):
        try:
            with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
                member = next((m for m in tar.getmembers() if m.isfile() and m.name.lstrip("./") == f"{category}/domains"), None)
                if member is None:
                    raise RefineryError(f"[url] UT1 list {source}: the tarball holds no {category}/domains")
                text = tar.extractfile(member).read()
        except (tarfile.TarError, OSError, EOFError) as e:
            raise RefineryError(f"[url] UT1 list {source}: not a readable tarball ({e})") from None
    lines = [line.strip().lower() for line in text.decode("utf-8", "replace").splitlines()]
    domains = [line for line in lines if line and not line.startswith("#")]
    malformed = sum(not _HOST.fullmatch(d) for d in domains)
    if not domains or malformed > MAX_MALFORMED_SHARE * len(domains):
        raise RefineryError(f"[url] UT1 list {source}: not a list of domains ({len(domains):,} entries, "
                            f"{malformed:,} of them no host name)")
    return domains


def _write_atomically(path: Path, data: bytes) -> None:
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=path.name, suffix=".tmp", delete=False) as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(f.name, path)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
