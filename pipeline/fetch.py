"""`refinery fetch`: a crawl's WARC files, or an index slice of it, onto disk, whole or not at all.

A file is written as NAME.part and takes its name only once it is whole: its length is the one
the server announced, and a .gz file's gzip stream decompresses to its end with every member's
CRC right. A rerun skips the files that have their name and resumes the .part ones where they
stopped. Transfers retry and resume by themselves (sources/remote.py); at most `parallel` run
at once per host, fewer while the host throttles (sources/throttle.py).
"""
from __future__ import annotations

import gzip
import json
import re
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

from tqdm import tqdm

from .errors import SourceError
from .sources import cc_index
from .sources.commoncrawl import choose, data_base, warc_paths
from .sources.remote import CHUNK, RemoteFile
from .sources.retry import RetryPolicy
from .sources.throttle import HostLimits


class WholeFile:
    """One file of the crawl, resumable at any byte."""

    def __init__(self, url: str, dest: Path):
        self.url, self.dest = url, dest

    def resume_point(self, have: int, ctx: "Downloads") -> int:
        return have

    def open(self, start: int, ctx: "Downloads"):
        return RemoteFile(self.url, ctx.policy, start, limits=ctx.limits, on_retry=ctx.retried)

    def expected_size(self, stream, start: int) -> int | None:
        return stream.end                     # the announced length, or the confirmed end

    def finish(self) -> None:
        pass


class IndexPage:
    """The records of one index page, by byte range, as a WARC file of their own; resumable
    at any whole record (each record is a gzip member, and the index gives their lengths)."""

    def __init__(self, source: str, dest: Path, index: str | None, base: str):
        self.source, self.dest, self.index, self.base = source, dest, index, base
        self.rows: list[dict] | None = None

    def resume_point(self, have: int, ctx: "Downloads") -> int:
        if self.rows is None:
            self.rows = cc_index.rows_of(self.source, ctx.policy, self.index)
        self._skip, end = 0, 0
        for row in self.rows:
            if end + int(row["length"]) > have:
                break
            end += int(row["length"])
            self._skip += 1
        return end

    def open(self, start: int, ctx: "Downloads"):
        return cc_index.RecordStream(self.rows[self._skip:], ctx.policy, self.base, ahead=ctx.parallel,
                                     limits=ctx.limits, on_retry=ctx.retried)

    def expected_size(self, stream, start: int) -> int:
        return start + stream.size

    def finish(self) -> None:
        """The index lines the file was made from, beside it: which capture is where."""
        lines = "".join(json.dumps(row, sort_keys=True) + "\n" for row in self.rows)
        cdx = self.dest.with_name(self.dest.name.replace(".warc.gz", ".cdx.jsonl"))
        cdx.with_suffix(".tmp").write_text(lines)
        cdx.with_suffix(".tmp").replace(cdx)


class Downloads:
    """The shared state of one fetch: retry policy, per-host limits, the progress bar."""

    def __init__(self, jobs: list, parallel: int, policy: RetryPolicy, label: str):
        self.jobs, self.parallel, self.policy = jobs, max(1, parallel), policy
        self.limits = HostLimits(self.parallel)
        self.bar = tqdm(total=0, desc=label, unit="B", unit_scale=True, dynamic_ncols=True, mininterval=0.5)
        self.lock = threading.Lock()
        self.retries = self.done = 0
        self.failed: list[tuple[Path, str]] = []
        self.fetched = 0

    def retried(self, error) -> None:
        with self.lock:
            self.retries += 1
            self._show()

    def _show(self) -> None:
        self.bar.set_postfix_str(f"files {self.done}/{len(self.jobs)}"
                                 + (f", failed {len(self.failed)}" if self.failed else "")
                                 + f", retries {self.retries}, connections ≤{self.limits.current()}",
                                 refresh=False)

    def _grow(self, size: int = 0, done: int = 0) -> None:
        with self.lock:
            self.bar.total += size
            self.bar.update(done)
            self._show()

    def run(self) -> list[tuple[Path, str]]:
        with ThreadPoolExecutor(self.parallel, thread_name_prefix="fetch") as pool:
            list(pool.map(self._one, self.jobs))
        self.bar.close()
        return self.failed

    def _one(self, job) -> None:
        try:
            if job.dest.exists():                # whole from an earlier run: just count it
                self._grow(job.dest.stat().st_size, job.dest.stat().st_size)
            else:
                self._download(job)
        except (SourceError, OSError, EOFError, zlib.error) as e:
            with self.lock:
                self.failed.append((job.dest, str(e) if isinstance(e, SourceError) else f"{type(e).__name__}: {e}"))
        with self.lock:
            self.done += 1
            self._show()

    def _download(self, job) -> None:
        part = job.dest.with_name(job.dest.name + ".part")
        part.parent.mkdir(parents=True, exist_ok=True)
        have = part.stat().st_size if part.exists() else 0
        start = job.resume_point(have, self)
        with open(part, "r+b" if part.exists() else "wb") as out:
            out.truncate(start)
            out.seek(start)
            self._grow(done=start)
            with job.open(start, self) as stream:
                sized = False
                while chunk := stream.read(CHUNK):
                    if not sized and job.expected_size(stream, start) is not None:
                        self._grow(job.expected_size(stream, start))   # known once the server answered
                        sized = True
                    out.write(chunk)
                    self.fetched += len(chunk)
                    self._grow(done=len(chunk))
                expected = job.expected_size(stream, start)
            written = out.tell()
        if written != expected:
            raise SourceError(f"{job.dest.name}: {written:,} bytes received, {expected:,} announced")
        if job.dest.name.endswith(".gz"):
            try:
                verify_gzip(part)
            except (OSError, EOFError, zlib.error) as e:
                part.unlink()
                raise SourceError(f"{job.dest.name}: the gzip stream does not verify ({e}); "
                                  f"the partial file was removed, a rerun fetches it anew") from None
        job.finish()
        part.replace(job.dest)


def verify_gzip(path: Path) -> None:
    """Decompress every member to its end: a truncated or corrupted stream raises (CRC and
    length are checked per member by the gzip module)."""
    with gzip.open(path, "rb") as f:
        while f.read(CHUNK):
            pass


def fetch_crawl(crawl: str, out: str, limit: int | None = None, sample_seed: int | None = None,
                base: str | None = None, parallel: int = 4, policy: RetryPolicy | None = None) -> int:
    policy = policy or RetryPolicy()
    base = data_base(base)
    paths = choose(warc_paths(crawl, base, policy), limit, sample_seed)
    jobs = [WholeFile(f"{base}/{path}", Path(out) / path) for path in paths]
    return _report(Downloads(jobs, parallel, policy, f"fetch {crawl}"), out)


def fetch_slice(crawl: str, pattern: str, out: str, limit: int | None = None, base: str | None = None,
                index: str | None = None, parallel: int = 4, policy: RetryPolicy | None = None) -> int:
    policy = policy or RetryPolicy()
    spec = f"{cc_index.PREFIX}{crawl}?{urlencode([('url', pattern)])}"
    folder = Path(out) / "cc-index" / crawl / re.sub(r"[^\w.-]+", "_", pattern)
    jobs = []
    for number, (source, rows) in enumerate(cc_index.shard_sources(spec, limit, policy, index)):
        job = IndexPage(source, folder / f"page-{number:05d}.warc.gz", index, data_base(base))
        job.rows = rows
        jobs.append(job)
    return _report(Downloads(jobs, parallel, policy, f"fetch {crawl} {pattern}"), out)


def _report(downloads: Downloads, out: str) -> int:
    started = time.monotonic()
    failed = downloads.run()
    seconds = time.monotonic() - started
    whole = len(downloads.jobs) - len(failed)
    print(f"{whole} of {len(downloads.jobs)} file(s) complete in {out}; {downloads.fetched / 1e6:,.1f} MB "
          f"fetched in {seconds:,.1f} s ({downloads.fetched / 1e6 / max(seconds, 1e-9):,.1f} MB/s), "
          f"{downloads.retries} retries")
    if not failed:
        return 0
    print(f"{len(failed)} file(s) failed (rerun the same command to resume them):")
    for dest, reason in failed:
        print(f"  {dest}: {reason}")
    return 1
