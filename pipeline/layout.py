"""Where everything of a run lives. Every step reads and writes through these names.

    RUN/inputs.json             shard number -> input WARC, fixed at the first run
    RUN/recipe.toml             the recipe the run was made with
    RUN/docs/part-NNNNN.parquet    documents that passed the per-shard steps
    RUN/ledger/part-NNNNN.parquet  decisions of the per-shard steps
    RUN/ledger/final-NNNNN.parquet decisions of dedup and the steps after it
    RUN/minhash/part-NNNNN.parquet dedup signatures of docs/part-NNNNN (when the recipe dedups)
    RUN/dedup/clusters.parquet     every document that has a copy, its cluster, kept or not
    RUN/final/part-NNNNN.parquet   the output of the whole recipe
    RUN/.done/STEP-NNNNN           completion markers: a rerun skips what they name
"""
from __future__ import annotations

from pathlib import Path


class RunLayout:
    def __init__(self, root: str | Path):
        self.root = Path(root)

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

    def final(self, shard: int) -> Path:
        return self.root / "final" / f"part-{shard:05d}.parquet"

    def marker(self, step: str, shard: int | None = None) -> Path:
        return self.root / ".done" / (step if shard is None else f"{step}-{shard:05d}")

    def is_done(self, step: str, shard: int | None = None) -> bool:
        return self.marker(step, shard).exists()

    def mark_done(self, step: str, shard: int | None = None) -> None:
        path = self.marker(step, shard)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()

    @property
    def ledger_glob(self) -> str:
        return str(self.root / "ledger" / "*.parquet")

    @property
    def final_glob(self) -> str:
        return str(self.root / "final" / "part-*.parquet")
