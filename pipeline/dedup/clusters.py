"""Clusters: from per-shard signatures to "which documents are copies of which", in bounded memory.

Two documents are joined when their exact hashes match or any MinHash band matches. The edges
of each fingerprint column come from one task each (edges.py: a column of the whole corpus,
sorted, never all signatures). The driver then merges the edge files one at a time into
connected components (scipy's C traversal), so it never holds a fingerprint column, nor the
edges of more than one column: between files it holds one component number per document (4 bytes).

Each cluster keeps the document with the shortest URL, the earliest in input order among equal
lengths: the canonical address of a page is usually its plainest, while copies carry tracking
parameters, print or mirror paths. The choice depends on the documents alone, never on what
ran the tasks, nor on how the work was split.
"""
from __future__ import annotations

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
from .edges import (MAX_NODES, NODE, band_edges, column_edges, edges_folder, fingerprint_columns, read_column,
                    signature_paths)

CLUSTER_SCHEMA = {"doc_id": pl.String, "shard": pl.Int32, "row": pl.Int64, "cluster": pl.String,
                  "cluster_size": pl.UInt32, "kept": pl.Boolean, "match": pl.String}


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
    return _clusters(paths, rows_per_file, (column_edges(read_column(paths, c)) for c in fingerprint_columns(bands)))


def _rows_per_file(paths: list[str]) -> np.ndarray:
    rows = np.array([pq.ParquetFile(p).metadata.num_rows for p in paths], dtype=np.int64)
    if rows.sum() > MAX_NODES:
        raise RefineryError(f"dedup clusters at most {MAX_NODES:,} documents in one run; this one has "
                            f"{rows.sum():,}: split the inputs over several runs")
    return rows


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
