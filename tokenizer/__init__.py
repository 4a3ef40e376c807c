"""Refinery's tokenizer: BPE trained on the curated corpus, and llm.c-format token shards."""
