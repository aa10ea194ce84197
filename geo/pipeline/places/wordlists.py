"""The word lists of place recognition and resolution, from `mapdata/recognition.toml`.

They are data, not code: each list in the file says what it does and where its words come
from, and users may extend them without touching the rules that use them.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from geo.paths import MAPDATA

RECOGNITION_WORDS = MAPDATA / "recognition.toml"


@lru_cache(maxsize=4)
def _load(path: Path) -> dict[str, dict[str, list[str]]]:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def words(name: str, path: Path = RECOGNITION_WORDS) -> frozenset[str]:
    """One list of the file, as a set of lower-case words."""
    return frozenset(str(w).lower() for w in _load(path)[name]["words"])


def word_pairs(name: str, path: Path = RECOGNITION_WORDS) -> dict[str, frozenset[str]]:
    """A table of first word -> second words (every key but `why` and `source`)."""
    table = _load(path)[name]
    return {
        k: frozenset(str(w).lower() for w in v)
        for k, v in table.items()
        if k not in ("why", "source")
    }
