"""The corpus: article files and sidecars, the incremental build and its cache, the
output tables."""
