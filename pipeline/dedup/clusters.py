"""Clusters: from per-shard signatures to "which documents are copies of which", in bounded memory.

Every document is a node, numbered by its position in input order (shard, then row). Two
nodes are joined when their exact hashes match or any one MinHash band matches. The join is
computed one fingerprint column at a time with Polars, as edges from each node to the
smallest node sharing its value, so memory holds one column of the corpus, never all
signatures. Connected components of those edges (scipy's C union-find) are the clusters; the
first document of each cluster in input order is kept, which makes the choice deterministic.
"""
from __future__ import annotations

import glob

import numpy as np
import polars as pl
import pyarrow.parquet as pq
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

CLUSTER_COLUMNS = ["doc_id", "shard", "row", "cluster", "cluster_size", "kept", "match"]


def _node_numbers(paths: list[str]) -> tuple[pl.LazyFrame, int]:
    """All signatures, lazily, with a `node` column numbering documents in input order."""
    counts = {int(p.rsplit("part-", 1)[1].split(".")[0]): pq.ParquetFile(p).metadata.num_rows for p in paths}
    offsets, total = {}, 0
    for shard in sorted(counts):
        offsets[shard], total = total, total + counts[shard]
    offset = pl.col("shard").replace_strict(offsets, return_dtype=pl.Int64)
    return pl.scan_parquet(paths).with_columns(node=offset + pl.col("row")), total


def _edges(signatures: pl.LazyFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Edges from every node to the smallest node that shares its value in `column`."""
    edges = (signatures.select("node", column)
             .with_columns(root=pl.col("node").min().over(column))
             .filter(pl.col("node") != pl.col("root"))
             .select("root", "node").collect())
    return edges["root"].to_numpy(), edges["node"].to_numpy()


def find_clusters(signature_paths: list[str], bands: int) -> pl.DataFrame:
    """One row per document that has a copy: its cluster (the kept document's id), the cluster's
    size, whether it is the one kept, and how it matched the kept one ("exact" or "minhash")."""
    paths = sorted(signature_paths)
    if not paths:
        return pl.DataFrame(schema={c: t for c, t in zip(CLUSTER_COLUMNS, [pl.String, pl.Int32, pl.Int64, pl.String,
                                                                             pl.UInt32, pl.Boolean, pl.String])})
    signatures, n = _node_numbers(paths)
    sources, targets = zip(*[_edges(signatures, c) for c in ["exact"] + [f"band_{b:02d}" for b in range(bands)]])
    src, dst = np.concatenate(sources), np.concatenate(targets)
    graph = coo_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n, n)).tocsr()
    _, labels = connected_components(graph, directed=False)
    components = pl.DataFrame({"node": np.arange(n, dtype=np.int64), "component": labels})
    clustered = (components.with_columns(size=pl.len().over("component").cast(pl.UInt32))
                 .filter(pl.col("size") > 1))
    members = (signatures.select("node", "doc_id", "shard", "row", "exact")
               .join(clustered.lazy(), on="node").collect().sort("node"))  # only documents with copies
    keepers = (members.group_by("component").agg(pl.all().sort_by("node").first())
               .select("component", cluster=pl.col("doc_id"), keeper_exact=pl.col("exact")))
    return (members.join(keepers, on="component")
            .with_columns(kept=pl.col("doc_id") == pl.col("cluster"),
                          match=pl.when(pl.col("doc_id") == pl.col("cluster")).then(pl.lit(""))
                          .when(pl.col("exact") == pl.col("keeper_exact")).then(pl.lit("exact"))
                          .otherwise(pl.lit("minhash")))
            .select("doc_id", "shard", "row", "cluster", pl.col("size").alias("cluster_size"), "kept", "match")
            .sort("shard", "row"))


def deduplicate(run, bands: int) -> pl.DataFrame:
    """The global dedup step of a run: read RUN/minhash/, write RUN/dedup/clusters.parquet."""
    clusters = find_clusters(glob.glob(str(run.root / "minhash" / "part-*.parquet")), bands)
    run.clusters.parent.mkdir(parents=True, exist_ok=True)
    tmp = run.clusters.with_name(".clusters.parquet.tmp")
    clusters.write_parquet(tmp, compression="zstd")
    tmp.replace(run.clusters)
    return clusters
