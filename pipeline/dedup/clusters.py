"""Clusters: from per-shard signatures to "which documents are copies of which", in bounded memory.

Every document is a node, numbered by its position in input order (shard, then row: the
signature files hold their rows in document order, so a node is its file's offset plus its
position). Two nodes are joined when their exact hashes match or any MinHash band matches.

The work is split by fingerprint column (the exact hash, then each band): one task per column,
on any executor and any node, reads that column of the whole corpus (8 bytes a document, never
all signatures), sorts it so that equal values are neighbours, and gives each node an edge to
the smallest node of its group. The task writes its edges to RUN/dedup/edges/COLUMN.npy and
returns only that path. The driver then merges the edge files one at a time into connected
components (scipy's C traversal), so it never holds a fingerprint column, nor the edges of more
than one column: between files it holds one component number per document (4 bytes).

Each cluster keeps the document with the shortest URL, the earliest in input order among equal
lengths: the canonical address of a page is usually its plainest, while copies carry tracking
parameters, print or mirror paths. The choice depends on the documents alone, never on what
ran the tasks, nor on how the work was split.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ..errors import IncompleteRun, RefineryError
from ..layout import RunLayout

CLUSTER_SCHEMA = {"doc_id": pl.String, "shard": pl.Int32, "row": pl.Int64, "cluster": pl.String,
                  "cluster_size": pl.UInt32, "kept": pl.Boolean, "match": pl.String}
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
    src, dst = _edges(_column(signature_paths(run), column))
    edges = np.empty((2, len(src)), dtype=NODE)                 # the driver checked that nodes fit
    edges[0], edges[1] = src, dst
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        np.save(f, edges)
    os.replace(tmp, path)
    run.publish(path)
    return str(path)


def deduplicate(run, bands: int, pool) -> pl.DataFrame:
    """The global dedup step of a run: read RUN/minhash/, write RUN/dedup/clusters.parquet.
    The edges are made by one `band_edges` task per fingerprint column on `pool` (an executor);
    the components and the keepers are computed here."""
    paths = signature_paths(run)
    rows_per_file = _rows_per_file(paths)
    tasks = [dict(run_root=run.where, column=c) for c in fingerprint_columns(bands)] if paths else []
    edge_files = pool.run(band_edges, tasks, "dedup: edges per band") if tasks else []
    failed = [f"  {task['column']}: {result}" for task, result in zip(tasks, edge_files) if isinstance(result, Exception)]
    if failed:
        raise IncompleteRun("dedup could not finish; the edges of these fingerprint columns are missing:\n"
                            + "\n".join(failed) + "\nRerun the same command: the finished columns are kept.")
    clusters = _clusters(paths, rows_per_file, (np.load(run.fetch(Path(f))) for f in edge_files))
    run.clusters.parent.mkdir(parents=True, exist_ok=True)
    tmp = run.clusters.with_name(".clusters.parquet.tmp")
    clusters.write_parquet(tmp, compression="zstd")
    tmp.replace(run.clusters)
    run.publish(run.clusters)
    run.discard(edges_folder(run.root))      # clusters.parquet holds it all now
    return clusters


def find_clusters(signature_paths: list[str], bands: int) -> pl.DataFrame:
    """The clusters of these signature files, every column's edges computed in this process."""
    paths = sorted(signature_paths)
    rows_per_file = _rows_per_file(paths)
    return _clusters(paths, rows_per_file, (_edges(_column(paths, c)) for c in fingerprint_columns(bands)))


def _rows_per_file(paths: list[str]) -> np.ndarray:
    rows = np.array([pq.ParquetFile(p).metadata.num_rows for p in paths], dtype=np.int64)
    if rows.sum() > MAX_NODES:
        raise RefineryError(f"dedup clusters at most {MAX_NODES:,} documents in one run; this one has "
                            f"{rows.sum():,}: split the inputs over several runs")
    return rows


def _column(paths: list[str], name: str) -> np.ndarray:
    """One column of every signature file, concatenated in node order."""
    return np.concatenate([pq.read_table(p, columns=[name]).column(0).to_numpy() for p in paths])


def _edges(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Edges (smallest node with this value, node) for every node whose value another node shares."""
    order = np.argsort(values, kind="stable")         # stable: equal values stay in node order
    sorted_values = values[order]
    starts = np.ones(len(values), dtype=bool)
    starts[1:] = sorted_values[1:] != sorted_values[:-1]
    roots = order[np.flatnonzero(starts)][np.cumsum(starts) - 1]
    copies = order != roots
    return roots[copies], order[copies]


def _components(n: int, edge_batches: Iterable) -> np.ndarray:
    """The component number of every node, merging one batch of (sources, targets) at a time:
    each batch joins the components the previous ones made, as a graph whose nodes are those
    components. Edges inside one component are dropped first: after the first few columns most
    edges only confirm what is already joined."""
    labels = np.arange(n, dtype=NODE)
    for src, dst in edge_batches:
        a, b = labels[src], labels[dst]
        joins = a != b
        if not joins.any():
            continue
        graph = coo_matrix((np.ones(int(joins.sum()), dtype=np.int8), (a[joins], b[joins])), shape=(n, n))
        del a, b, joins                                 # the graph has its own copies
        _, merged = connected_components(graph, directed=False)
        labels = merged[labels]
    return labels


def _clusters(paths: list[str], rows_per_file: np.ndarray, edge_batches: Iterable) -> pl.DataFrame:
    """One row per document that has a copy: its cluster (the kept document's id), the cluster's
    size, whether it is the one kept, and how it matched the kept one ("exact" or "minhash")."""
    if not paths:
        return pl.DataFrame(schema=CLUSTER_SCHEMA)
    labels = _components(int(rows_per_file.sum()), edge_batches)
    sizes = np.bincount(labels)
    nodes = np.flatnonzero(sizes[labels] > 1)          # documents with at least one copy, in node order
    members = pl.DataFrame({"node": nodes, "component": labels[nodes], "size": sizes[labels[nodes]].astype(np.uint32),
                            **_locate(paths, rows_per_file, nodes)})
    keepers = (members.sort("url_length", "node")
               .group_by("component").agg(cluster=pl.col("doc_id").first(), keeper_exact=pl.col("exact").first()))
    return (members.join(keepers, on="component")
            .with_columns(kept=pl.col("doc_id") == pl.col("cluster"),
                          match=pl.when(pl.col("doc_id") == pl.col("cluster")).then(pl.lit(""))
                          .when(pl.col("exact") == pl.col("keeper_exact")).then(pl.lit("exact"))
                          .otherwise(pl.lit("minhash")))
            .sort("node")
            .select("doc_id", "shard", "row", "cluster", pl.col("size").alias("cluster_size"), "kept", "match"))


def _locate(paths: list[str], rows_per_file: np.ndarray, nodes: np.ndarray) -> dict:
    """doc_id, URL length, shard, row and exact hash of the given nodes, reading one file at a time."""
    offsets = np.concatenate([[0], np.cumsum(rows_per_file)])
    file_of = np.searchsorted(offsets, nodes, side="right") - 1
    parts = []
    for f, path in enumerate(paths):
        part = pq.read_table(path, columns=["doc_id", "url", "shard", "row", "exact"]).take(nodes[file_of == f] - offsets[f])
        # Only a URL's length decides the keeper: holding lengths, not URLs, keeps memory small.
        parts.append(part.set_column(1, "url_length", pc.utf8_length(part["url"])))
    located = pl.from_arrow(pa.concat_tables(parts))
    return {c: located[c] for c in located.columns}
