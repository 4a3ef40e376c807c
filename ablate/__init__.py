"""`refinery ablate`: equal-budget models trained on several recipes' corpora, compared."""
