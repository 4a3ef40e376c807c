"""Edges: which documents share a fingerprint, one fingerprint column at a time.

Every document is a node, numbered by its position in input order (shard, then row: the
signature files hold their rows in document order, so a node is its file's offset plus its
position). The work of finding copies is split by fingerprint column (the exact hash, then each
MinHash band): one `band_edges` task per column, on any executor and any node, reads that
column of the whole corpus (8 bytes a document, never all signatures), sorts it so that equal
values are neighbours, and gives each node an edge to the smallest node of its group. It writes
its edges to RUN/dedup/edges/COLUMN.npy and returns only that path; clusters.py merges them.

A worker runs these tasks, so this module loads numpy and pyarrow only: the driver's clustering
needs scipy and Polars, ~0.3 s of CPU to import, which every worker would pay at once.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from ..layout import RunLayout

NODE = np.int32                 # node numbers in edge files and labels: scipy's graph routines use int32
MAX_NODES = np.iinfo(NODE).max


def signature_paths(run) -> list[str]:
    """A run's signature files, in node order (fetched, for a remote run)."""
    return [str(run.fetch(path)) for path in run.files("minhash", "part-*.parquet")]


def fingerprint_columns(bands: int) -> list[str]:
    return ["exact"] + [f"band_{b:02d}" for b in range(bands)]


def edges_folder(run_root: str | Path) -> Path:
    return Path(run_root) / "dedup" / "edges"


def edges_path(run_root: str | Path, column: str) -> Path:
    return edges_folder(run_root) / f"{column}.npy"


def band_edges(run_root: str, column: str) -> str:
    """Task: the edges that one fingerprint column makes, as a (2, edges) array of node numbers in
    RUN/dedup/edges/COLUMN.npy; returns its path. A file already there is complete (it is renamed
    into place whole), so a rerun after a kill computes only the columns that are missing."""
    run = RunLayout(run_root)
    path = edges_path(run.root, column)
    if run.exists(path):
        return str(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in path.parent.glob(f".{path.name}.*.tmp"):      # left by a killed attempt
        stale.unlink(missing_ok=True)
    src, dst = column_edges(read_column(signature_paths(run), column))
    edges = np.empty((2, len(src)), dtype=NODE)                 # the driver checked that nodes fit
    edges[0], edges[1] = src, dst
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        np.save(f, edges)
    os.replace(tmp, path)
    run.publish(path)
    return str(path)


def read_column(paths: list[str], name: str) -> np.ndarray:
    """One column of every signature file, concatenated in node order."""
    return np.concatenate([pq.read_table(p, columns=[name]).column(0).to_numpy() for p in paths])


def column_edges(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Edges (smallest node with this value, node) for every node whose value another node shares."""
    order = np.argsort(values, kind="stable")         # stable: equal values stay in node order
    sorted_values = values[order]
    starts = np.ones(len(values), dtype=bool)
    starts[1:] = sorted_values[1:] != sorted_values[:-1]
    roots = order[np.flatnonzero(starts)][np.cumsum(starts) - 1]
    copies = order != roots
    return roots[copies], order[copies]
