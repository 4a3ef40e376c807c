"""Clusters: from per-shard signatures to "which documents are copies of which", in bounded memory.

Every document is a node, numbered by its position in input order (shard, then row: the
signature files hold their rows in document order, so a node is its file's offset plus its
position). Two nodes are joined when their exact hashes match or any MinHash band matches.

Memory holds one fingerprint column of the corpus at a time (8 bytes a document), never all
signatures: for each column, sorting the values groups equal ones, and each node gets an edge
to the smallest node of its group. Connected components of all those edges (scipy's C
union-find) are the clusters.

Each cluster keeps the document with the shortest URL, the earliest in input order among equal
lengths: the canonical address of a page is usually its plainest, while copies carry tracking
parameters, print or mirror paths. The choice depends on the documents alone, never on what
ran the shards.
"""
from __future__ import annotations

import glob
import itertools

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

CLUSTER_SCHEMA = {"doc_id": pl.String, "shard": pl.Int32, "row": pl.Int64, "cluster": pl.String,
                  "cluster_size": pl.UInt32, "kept": pl.Boolean, "match": pl.String}


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


def find_clusters(signature_paths: list[str], bands: int) -> pl.DataFrame:
    """One row per document that has a copy: its cluster (the kept document's id), the cluster's
    size, whether it is the one kept, and how it matched the kept one ("exact" or "minhash")."""
    paths = sorted(signature_paths)
    if not paths:
        return pl.DataFrame(schema=CLUSTER_SCHEMA)
    rows_per_file = np.array([pq.ParquetFile(p).metadata.num_rows for p in paths])
    n = int(rows_per_file.sum())
    exact = _column(paths, "exact")
    sources, targets = [], []
    columns = (_column(paths, f"band_{b:02d}") for b in range(bands))   # one band in memory at a time
    for values in itertools.chain([exact], columns):
        src, dst = _edges(values)
        sources.append(src)
        targets.append(dst)
    src, dst = np.concatenate(sources), np.concatenate(targets)
    graph = coo_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n, n)).tocsr()
    _, labels = connected_components(graph, directed=False)
    sizes = np.bincount(labels)
    nodes = np.flatnonzero(sizes[labels] > 1)          # documents with at least one copy, in node order
    members = pl.DataFrame({"node": nodes, "component": labels[nodes], "size": sizes[labels[nodes]].astype(np.uint32),
                            "exact": exact[nodes], **_locate(paths, rows_per_file, nodes)})
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
    """doc_id, URL length, shard and row of the given nodes, reading one file at a time."""
    offsets = np.concatenate([[0], np.cumsum(rows_per_file)])
    file_of = np.searchsorted(offsets, nodes, side="right") - 1
    parts = []
    for f, path in enumerate(paths):
        part = pq.read_table(path, columns=["doc_id", "url", "shard", "row"]).take(nodes[file_of == f] - offsets[f])
        # Only a URL's length decides the keeper: holding lengths, not URLs, keeps memory small.
        parts.append(part.set_column(1, "url_length", pc.utf8_length(part["url"])))
    located = pl.from_arrow(pa.concat_tables(parts))
    return {c: located[c] for c in located.columns}


def deduplicate(run, bands: int) -> pl.DataFrame:
    """The global dedup step of a run: read RUN/minhash/, write RUN/dedup/clusters.parquet."""
    clusters = find_clusters(glob.glob(str(run.root / "minhash" / "part-*.parquet")), bands)
    run.clusters.parent.mkdir(parents=True, exist_ok=True)
    tmp = run.clusters.with_name(".clusters.parquet.tmp")
    clusters.write_parquet(tmp, compression="zstd")
    tmp.replace(run.clusters)
    return clusters
