"""The text pipeline: an article's text in, its places, times and events out."""
