"""Where everything of a run lives. Every step reads and writes through these names.

    RUN/inputs.json             shard number -> input WARC, fixed at the first run
    RUN/recipe.toml             the recipe the run was made with
    RUN/docs/part-NNNNN.parquet    documents that passed the per-shard steps
    RUN/ledger/part-NNNNN.parquet  decisions of the per-shard steps
    RUN/ledger/final-NNNNN.parquet decisions of dedup and the steps after it
    RUN/minhash/part-NNNNN.parquet dedup signatures of docs/part-NNNNN (when the recipe dedups)
    RUN/dedup/clusters.parquet     every document that has a copy, its cluster, kept or not
    RUN/final/part-NNNNN.parquet   the output of the whole recipe (.jsonl.gz with --format jsonl)
    RUN/format.json                the format of final/, fixed at the first run
    RUN/.done/STEP-NNNNN           completion markers: a rerun skips what they name

RUN is a local folder (on a cluster, one every node mounts at the same path), or an fsspec URL
such as s3://bucket/runs/cc. A remote run is staged: a process writes its files in a local
mirror of the run (under the temp dir) and `publish`es them when whole, one object upload each,
and only then its completion marker, so a marker is never seen before its data on a store that
has no atomic rename. It reads what it needs through `fetch`, downloaded once into the mirror.
For a local run both are no-ops and the mirror is the run itself.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

FORMATS = {"parquet": ".parquet", "jsonl": ".jsonl.gz"}     # format of final/ -> its files' suffix


class RunLayout:
    def __init__(self, root: str | Path):
        root = str(root)
        self.url: str | None = None
        if "://" in root:
            import fsspec

            self.url = root.rstrip("/")
            self.fs, self._remote_root = fsspec.core.url_to_fs(self.url)
            mirror = hashlib.sha1(self.url.encode()).hexdigest()[:16]
            self.root = Path(tempfile.gettempdir()) / "refinery-runs" / mirror
        else:
            self.root = Path(root)

    @property
    def where(self) -> str:
        """The run as the user named it: what tasks on other processes or machines are given."""
        return self.url or str(self.root)

    def _remote(self, path: Path) -> str:
        return f"{self._remote_root}/{path.relative_to(self.root).as_posix()}"

    def publish(self, *paths: Path) -> None:
        """Upload finished files of a remote run (a no-op for a local one)."""
        if self.url:
            for path in paths:
                self.fs.put_file(str(path), self._remote(path))

    def fetch(self, path: Path, fresh: bool = False) -> Path:
        """The local copy of a file of the run, downloaded first if the run is remote (again
        with `fresh`, for the small files that say what the run is)."""
        if self.url and (fresh or not path.exists()):
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.download")
            self.fs.get_file(self._remote(path), str(tmp))
            os.replace(tmp, path)
        return path

    def discard(self, folder: Path) -> None:
        """Remove a folder of intermediate files, in the mirror and, for a remote run, the store."""
        shutil.rmtree(folder, ignore_errors=True)
        if self.url and self.fs.exists(self._remote(folder)):
            self.fs.rm(self._remote(folder), recursive=True)

    def exists(self, path: Path) -> bool:
        return self.fs.exists(self._remote(path)) if self.url else path.exists()

    def files(self, folder: str, pattern: str) -> list[Path]:
        """The run's files in `folder` that match `pattern`, sorted (not fetched)."""
        if self.url:
            found = self.fs.glob(f"{self._remote_root}/{folder}/{pattern}")
            return sorted(self.root / folder / name.rsplit("/", 1)[-1] for name in found)
        return sorted((self.root / folder).glob(pattern))

    @property
    def inputs(self) -> Path:
        return self.root / "inputs.json"

    @property
    def recipe(self) -> Path:
        return self.root / "recipe.toml"

    def docs(self, shard: int) -> Path:
        return self.root / "docs" / f"part-{shard:05d}.parquet"

    def ledger(self, shard: int) -> Path:
        return self.root / "ledger" / f"part-{shard:05d}.parquet"

    def final_ledger(self, shard: int) -> Path:
        return self.root / "ledger" / f"final-{shard:05d}.parquet"

    def minhash(self, shard: int) -> Path:
        return self.root / "minhash" / f"part-{shard:05d}.parquet"

    @property
    def clusters(self) -> Path:
        return self.root / "dedup" / "clusters.parquet"

    def final(self, shard: int, format: str = "parquet") -> Path:
        return self.root / "final" / f"part-{shard:05d}{FORMATS[format]}"

    @property
    def format(self) -> Path:
        return self.root / "format.json"

    def marker(self, step: str, shard: int | None = None) -> Path:
        return self.root / ".done" / (step if shard is None else f"{step}-{shard:05d}")

    def is_done(self, step: str, shard: int | None = None) -> bool:
        return self.exists(self.marker(step, shard))

    def mark_done(self, step: str, shard: int | None = None) -> None:
        path = self.marker(step, shard)
        if self.url:
            self.fs.pipe_file(self._remote(path), b"")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()

    @property
    def ledger_glob(self) -> str:
        return f"{self.where}/ledger/*.parquet"

    @property
    def final_glob(self) -> str:
        return self.final_glob_for("parquet")

    def final_glob_for(self, format: str) -> str:
        return f"{self.where}/final/part-*{FORMATS[format]}"
