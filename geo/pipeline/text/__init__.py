"""Text: cleaning page debris off an article, with an exact offset map."""
