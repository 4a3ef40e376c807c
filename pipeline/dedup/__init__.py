"""Deduplication across the whole corpus: exact copies and MinHash near-copies.

    signatures.py  per shard, while reading: text -> exact hash + MinHash band hashes
    edges.py       once, a task per fingerprint column: documents that share a value -> edges
    clusters.py    once, across shards: the edges -> connected components -> who stays
    filter.py      per shard, afterwards: the `dedup` step drops all but one of each cluster
"""
