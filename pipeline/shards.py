"""Shards: the units of work of `refinery dataset`, planned at a run's first start and kept in
RUN/inputs.json, so that a resumed run finds the same shards whatever its --workers.

An input file is a shard. A run over fewer files than its workers would leave workers idle,
though (the demo is one file), so then each gzipped WARC file is cut into byte ranges, a shard
each. The reader takes the records whose first byte lies in its range (`read_warc`'s
`byte_range`): every record is read by exactly one range, and a range's first record is found as
after a damaged record (resync.py), by a gzip member that opens with a `WARC/1.` line. Plain
.warc files are not cut: a `WARC/1.0` line inside a page's text could pass for a record's start,
which inside a compressed member it cannot.

Cutting into four times as many parts as workers, not as many: parts differ in work (one holds
more HTML than another), a worker that finishes early takes the next part, and the run waits at
the end for the last part still running, so smaller parts leave the others idle for less. On the
held-out make_corpus corpus (4 files, 2 workers) the workers' last parts ended 0.55-2.0 s apart
with 4 shards and 0.16-0.64 s apart with 8; a part costs ~0.01 s of its own (its steps, outputs).
"""
from __future__ import annotations

MIN_PART_BYTES = 256 * 1024   # below this a part's fixed cost (outputs, a task) outweighs the split
PARTS_PER_WORKER = 4


def plan_shards(sources: list[str], sizes: dict[str, int | None], workers: int) -> list[dict]:
    """[{"shard": i, "source": s}, or with "range": [start, end] for a part of a file].
    `sizes`: each source's size in bytes, None where unknown (such a file is not cut)."""
    wanted = PARTS_PER_WORKER * workers
    parts = -(-wanted // len(sources)) if 1 < workers and len(sources) < wanted else 1
    shards: list[dict] = []
    for source in sources:
        size = sizes.get(source) if source.endswith(".warc.gz") else None
        n = max(1, min(parts, (size or 0) // MIN_PART_BYTES))
        if n == 1:
            shards.append({"source": source})
            continue
        cuts = [size * k // n for k in range(n + 1)]
        shards += [{"source": source, "range": [start, end]} for start, end in zip(cuts, cuts[1:])]
    return [{"shard": i, **shard} for i, shard in enumerate(shards)]


def shard_bytes(shard: dict, sizes: dict[str, int | None]) -> int | None:
    """The bytes a shard reads, for the progress bar."""
    if "range" in shard:
        start, end = shard["range"]
        return end - start
    return sizes.get(shard["source"])


def describe(shard: dict) -> str:
    """The shard's input as a person would name it: the file, and the part of it."""
    if "range" in shard:
        start, end = shard["range"]
        return f"{shard['source']} (bytes {start:,}-{end:,})"
    return shard["source"]
