"""Adding an article to the corpus (from the app): checked, written with its sidecar."""

from __future__ import annotations

import datetime
import math
import re
import tomllib
from pathlib import Path

from geo.corpus.articles import ARTICLE_SUFFIXES, MAX_BYTES
from geo.pipeline.text.decode import ArticleError, decode_bytes

UPLOAD_TYPES = tuple(s.lstrip(".") for s in ARTICLE_SUFFIXES)
# The uploader's limit in Streamlit's megabytes: its browser side counts 1,000,000 bytes a
# megabyte, so this is the article limit exactly, and bigger files are refused before they
# are sent; the server refuses bodies over as many MiB (`server.maxUploadSize` in
# .streamlit/config.toml, the same figure), so a 150 MB file is never read into memory.
UPLOAD_LIMIT_MB = math.ceil(MAX_BYTES / 1_000_000)


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]
    return slug or "article"


# Control characters (a pasted NUL, ESC or line break) mean nothing in a title or a source,
# and TOML would refuse most of them: they become spaces.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")


def _toml_string(value: str) -> str:
    value = " ".join(_CONTROLS.sub(" ", value).split())
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _free_stem(corpus: Path, stem: str) -> str:
    """`stem`, or `stem-2`, `stem-3`...: the first that no article and no sidecar of the
    folder uses. A sidecar belongs to every article of its stem, so "report.md" beside
    "report.txt" would give the old article the new one's title, source and date."""
    taken = {p.stem.lower() for p in corpus.iterdir()}
    candidate, n = stem, 2
    while candidate in taken:
        candidate, n = f"{stem}-{n}", n + 1
    return candidate


def add_article(
    corpus: Path,
    data: bytes,
    name: str,
    published: datetime.date | None = None,
    source: str | None = None,
    title: str | None = None,
) -> Path:
    """Write an uploaded or pasted article into the corpus; returns its path.

    Raises ArticleError (naming the file) for a wrong type, an oversize, empty or binary
    file; nothing is written then. A name already taken gets a numbered suffix.
    """
    suffix = Path(name).suffix.lower() or ".txt"
    if suffix not in ARTICLE_SUFFIXES:
        raise ArticleError(name, f"type {suffix} not accepted (allowed: {', '.join(UPLOAD_TYPES)})")
    if len(data) > MAX_BYTES:
        raise ArticleError(name, f"{len(data):,} bytes, over the {MAX_BYTES:,}-byte limit")
    text = decode_bytes(data, name)  # refuses empty and binary data with a clear reason
    if not text.strip():
        raise ArticleError(name, "empty file")
    corpus.mkdir(parents=True, exist_ok=True)
    target = corpus / f"{_free_stem(corpus, _slug(Path(name).stem))}{suffix}"
    lines = []
    if title:
        lines.append(f"title = {_toml_string(title)}")
    if source:
        lines.append(f"source = {_toml_string(source)}")
    if published:
        lines.append(f"published = {published.isoformat()}")
    if lines:
        sidecar = "\n".join(lines) + "\n"
        tomllib.loads(sidecar)  # what we write must read back
        target.with_suffix(".toml").write_text(sidecar, encoding="utf-8")
    target.write_bytes(data)
    return target
