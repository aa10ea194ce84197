"""Scoring against the benchmark corpora (not used at run time)."""
