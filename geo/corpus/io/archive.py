"""Archives of articles: one JSON Lines or Parquet file, an article a row.

A row has an `id` (text or a whole number, unique in the archive) and a `text`, and may have
`published` (a date, or an ISO date or timestamp), `title`, `source` and `url`; other fields
are passed over. The file is never read whole: `scan_archive` reads it in chunks once, in
the build's process, for each row's id and fingerprint; `load_rows` reads only the rows it
is given, wherever the work runs (JSON Lines: from each row's byte offset; Parquet: the
row group that holds it), so that a task of a cluster carries row numbers, not text.

    for found in scan_archive(Path("feed.jsonl")):
        ...  # an ArticleSource, or an ArticleError naming the row and what is wrong
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path

from geo.corpus.articles import Article, article_from_row
from geo.corpus.sources import ArticleSource
from geo.pipeline.text.decode import ArticleError

ARCHIVE_SUFFIXES = (".jsonl", ".parquet")
FIELDS = ("id", "text", "published", "title", "source", "url")
CHUNK_ROWS = 2_000  # Parquet rows decoded at a time by the scan
MAX_ID_CHARS = 200


def is_archive(path: Path) -> bool:
    return Path(path).suffix.lower() in ARCHIVE_SUFFIXES


def row_name(archive: Path, row: int) -> str:
    """How messages name a row: "feed.jsonl row 12" (rows count from 1; in JSON Lines a
    row is a line, blank ones included, so the number is the editor's line number)."""
    return f"{archive.name} row {row}"


def _digest(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _row_id(row: dict[str, object]) -> str:
    """The row's id as text; ValueError saying what is wrong with it."""
    value = row.get("id")
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("no id (a text or a whole number)")
    text = str(value).strip()
    if not text:
        raise ValueError("an empty id")
    if len(text) > MAX_ID_CHARS or any(c in text for c in "\n\r\t\0"):
        raise ValueError(f"id {text[:40]!r}… is not a name (at most {MAX_ID_CHARS} characters)")
    return text


def scan_archive(archive: Path) -> Iterator[ArticleSource | ArticleError]:
    """Each row's source (id, where it is, fingerprints of its text and metadata), or why
    the row cannot be an article (not JSON, no id, an id used before, no text). OSError
    or ArticleError (naming the file) when the archive itself cannot be read."""
    archive = Path(archive)
    first_row: dict[str, int] = {}
    rows = _parquet_rows(archive) if archive.suffix.lower() == ".parquet" else _jsonl_rows(archive)
    for number, at, row in rows:
        name = row_name(archive, number)
        if isinstance(row, str):
            yield ArticleError(name, row)
            continue
        try:
            article_id = _row_id(row)
        except ValueError as exc:
            yield ArticleError(name, str(exc))
            continue
        if article_id in first_row:
            yield ArticleError(name, f"id {article_id!r} is row {first_row[article_id]}'s too")
            continue
        first_row[article_id] = number
        text = row.get("text")
        if not isinstance(text, str) or not text.strip():
            yield ArticleError(name, "no text")
            continue
        meta = {key: row.get(key) for key in FIELDS[2:]}
        yield ArticleSource(article_id, archive, number, at, _digest(text), _digest(meta))


def _jsonl_rows(archive: Path) -> Iterator[tuple[int, int, dict[str, object] | str]]:
    """(row number, byte offset, the row or what is wrong with it) of each non-blank line."""
    offset = 0
    with archive.open("rb") as lines:
        for number, line in enumerate(lines, 1):
            at, offset = offset, offset + len(line)
            if line.strip():
                yield number, at, _json_row(line)


def _json_row(line: bytes) -> dict[str, object] | str:
    try:
        row = json.loads(line)
    except UnicodeDecodeError:
        return "not UTF-8"
    except ValueError as exc:
        return f"not JSON ({getattr(exc, 'msg', exc)})"
    except RecursionError:
        return "not JSON (nested too deeply)"
    return row if isinstance(row, dict) else "not a JSON object"


def _parquet_rows(archive: Path) -> Iterator[tuple[int, int, dict[str, object] | str]]:
    """(row number, row group, the row) of each row, a batch of rows decoded at a time."""
    import pyarrow.parquet as pq

    try:
        table = pq.ParquetFile(archive)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several kinds for a bad file
        raise ArticleError(archive, f"not a Parquet file ({exc})") from None
    columns = [name for name in FIELDS if name in table.schema_arrow.names]
    number = 0
    for group in range(table.num_row_groups):
        for batch in table.iter_batches(CHUNK_ROWS, row_groups=[group], columns=columns):
            for row in batch.to_pylist():
                number += 1
                yield number, group, row


def load_rows(sources: Sequence[ArticleSource]) -> dict[ArticleSource, Article | ArticleError]:
    """The articles of rows of one or more archives (sources from `scan_archive`); a row
    that cannot be read again, or has changed since the scan, becomes its ArticleError."""
    loaded: dict[ArticleSource, Article | ArticleError] = {}
    by_archive: dict[Path, list[ArticleSource]] = {}
    for source in sources:
        by_archive.setdefault(source.path, []).append(source)
    for archive, rows in by_archive.items():
        try:
            found = (
                _parquet_rows_at(archive, rows)
                if archive.suffix.lower() == ".parquet"
                else _jsonl_rows_at(archive, rows)
            )
        except OSError as exc:
            found = {s: f"cannot read {archive.name}: {exc.strerror or exc}" for s in rows}
        for source in rows:
            loaded[source] = _article(source, found[source])
    return loaded


def _article(source: ArticleSource, row: dict[str, object] | str) -> Article | ArticleError:
    name = row_name(source.path, source.row or 0)
    if isinstance(row, str):
        return ArticleError(name, row)
    text = row.get("text")
    if not isinstance(text, str) or _digest(text) != source.digest:
        return ArticleError(name, "changed since the build began; the next build reads it")
    try:
        return article_from_row(source.id, name, row)
    except ArticleError as exc:
        return exc


def _jsonl_rows_at(
    archive: Path, rows: list[ArticleSource]
) -> dict[ArticleSource, dict[str, object] | str]:
    found: dict[ArticleSource, dict[str, object] | str] = {}
    with archive.open("rb") as lines:
        for source in rows:
            lines.seek(source.at)
            found[source] = _json_row(lines.readline())
    return found


def _parquet_rows_at(
    archive: Path, rows: list[ArticleSource]
) -> dict[ArticleSource, dict[str, object] | str]:
    """Each row group read once for all of its rows that were asked for."""
    import pyarrow.parquet as pq

    table = pq.ParquetFile(archive)
    columns = [name for name in FIELDS if name in table.schema_arrow.names]
    sizes = [table.metadata.row_group(g).num_rows for g in range(table.num_row_groups)]
    found: dict[ArticleSource, dict[str, object] | str] = {}
    for group in sorted({s.at for s in rows}):
        first = sum(sizes[:group]) + 1
        group_rows = table.read_row_group(group, columns=columns).to_pylist()
        for source in rows:
            if source.at == group:
                index = (source.row or 0) - first
                inside = 0 <= index < len(group_rows)
                found[source] = group_rows[index] if inside else "not in the archive any more"
    return found


__all__ = ["ARCHIVE_SUFFIXES", "is_archive", "load_rows", "row_name", "scan_archive"]
