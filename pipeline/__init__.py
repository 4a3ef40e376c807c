"""Refinery's data pipeline: WARC records in, clean documents and a ledger of every decision out."""
