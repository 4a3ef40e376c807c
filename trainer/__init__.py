"""Refinery's trainer: a small GPT trained on the run's token shards, to prove the corpus."""
