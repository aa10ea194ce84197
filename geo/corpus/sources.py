"""What a build reads: one `ArticleSource` per article, a file of a corpus folder or a row
of an archive (geo.corpus.io.archive).

Sources are found and fingerprinted in the build's process, cheaply (bytes hashed, nothing
decoded or cleaned), so that an unchanged article is known by its cache key; they are small
and picklable, and are loaded into `Article`s wherever the work runs (geo.corpus.work: this
process, a local pool, a Dask worker).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from geo.corpus.articles import MAX_BYTES, SIDECAR_SUFFIX, article_ids, outside_link


@dataclass(frozen=True)
class ArticleSource:
    id: str  # the article's id: a file's stem (see `article_ids`), an archive row's `id`
    path: Path  # the article's file, or the archive it is a row of
    row: int | None = None  # the archive's row, counted from 1; None for a file
    at: int = 0  # where the row is: its byte offset (JSON Lines), its row group (Parquet)
    # sha256 of its text (a file's bytes); "" when it cannot be read cheaply (too big,
    # unreadable: loading it says why)
    digest: str = ""
    extra: str = ""  # sha256 of its metadata (a file's sidecar, a row's other fields)

    @property
    def name(self) -> str:
        """How messages name it: "report.txt", "feed.jsonl row 12"."""
        return self.path.name if self.row is None else f"{self.path.name} row {self.row}"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_source(path: Path, article_id: str) -> ArticleSource:
    """A file's source with the fingerprints of its bytes and its sidecar."""
    try:
        if outside_link(path) or path.stat().st_size > MAX_BYTES:
            return ArticleSource(article_id, path)
        data = path.read_bytes()
        sidecar = path.with_suffix(SIDECAR_SUFFIX)
        extra = _sha256(sidecar.read_bytes()) if sidecar.exists() else ""
    except OSError:
        return ArticleSource(article_id, path)
    return ArticleSource(article_id, path, digest=_sha256(data), extra=extra)


def file_sources(paths: list[Path], taken: frozenset[str] = frozenset()) -> list[ArticleSource]:
    """The sources of article files, each with a unique id that none of `taken` (an
    archive's ids) has."""
    ids = article_ids(paths, taken)
    return [file_source(path, ids[path]) for path in paths]


__all__ = ["ArticleSource", "file_source", "file_sources"]
