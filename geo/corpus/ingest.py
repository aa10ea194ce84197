"""Adding an article to the corpus (from the app): checked, written with its sidecar."""

from __future__ import annotations

import datetime
import re
import tomllib
from pathlib import Path

from geo.corpus.articles import ARTICLE_SUFFIXES, MAX_BYTES
from geo.pipeline.text.decode import ArticleError, decode_bytes

UPLOAD_TYPES = tuple(s.lstrip(".") for s in ARTICLE_SUFFIXES)


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]
    return slug or "article"


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


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
    stem = _slug(Path(name).stem)
    target = corpus / f"{stem}{suffix}"
    n = 2
    while target.exists() or target.with_suffix(".toml").exists():
        target = corpus / f"{stem}-{n}{suffix}"
        n += 1
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
