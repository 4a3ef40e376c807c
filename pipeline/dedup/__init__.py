"""Deduplication across the whole corpus: exact copies and MinHash near-copies.

    signatures.py  per shard, while reading: text -> exact hash + MinHash band hashes
    clusters.py    once, across shards: band collisions -> connected components -> who stays
    filter.py      per shard, afterwards: the `dedup` step drops all but one of each cluster
"""
