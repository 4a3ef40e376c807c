"""The `dedup` step of the final phase: drops every document of a cluster but the kept one."""
from __future__ import annotations

import pyarrow.parquet as pq

from ..decision import Decision, drop, keep
from ..document import Document


class DedupFilter:
    name = "dedup"

    def __init__(self, clusters_path, shard: int):
        rows = pq.read_table(clusters_path, filters=[("shard", "==", shard)]).to_pylist()
        self.clusters = {r["doc_id"]: r for r in rows}

    def check(self, doc: Document) -> Decision:
        c = self.clusters.get(doc.id)
        if c is None:
            return keep()
        if c["kept"]:
            return keep(cluster=c["cluster"], cluster_size=c["cluster_size"])
        return drop(f"dedup:{c['match']}", cluster=c["cluster"], cluster_size=c["cluster_size"])
