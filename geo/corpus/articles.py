"""Reading a corpus of news articles: files, metadata sidecars, ids and de-duplication.

An article is a ``.txt``/``.md`` file (read as text) or an ``.html``/``.htm`` page (its visible
text). Optional metadata sits next to it in ``<stem>.toml`` (keys ``title``, ``source``,
``url``, ``published``). A bad file is reported as an ``ArticleError`` and never stops the
rest of the corpus; a bad sidecar field only adds a warning to its article.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from geo.pipeline.text.clean import CleanText, clean_text
from geo.pipeline.text.decode import (
    ArticleError,
    decode_bytes,
    decode_html,
    html_to_text,
    is_html_document,
)

MAX_BYTES = 5_000_000  # bigger files are refused: no news article is this long
TITLE_MAX_CHARS = 200
ARTICLE_SUFFIXES = (".txt", ".md", ".html", ".htm")
HTML_SUFFIXES = (".html", ".htm")
SIDECAR_KEYS = ("title", "source", "url", "published")
EARLIEST_DATE = datetime.date(1900, 1, 1)


@dataclass
class Article:
    """One article: its text, the cleaned text for the geoparser, and its metadata."""

    id: str  # file stem
    path: Path | None
    raw: str  # decoded file text (for .html: the extracted text)
    clean: CleanText
    title: str  # sidecar title, else the title segment, else the first line (<= 200 chars)
    source: str | None  # sidecar source, else the text's "Source:" trailer
    url: str | None
    published: datetime.date | None  # sidecar only (text-based dates come later)
    published_basis: str  # "metadata" or "unknown"
    warnings: list[str] = field(default_factory=list)
    content_hash: str = ""  # sha256 of raw text


# ---------------------------------------------------------------------------------------
# Sidecar metadata


def _check_date(value: datetime.date, sidecar: str, warnings: list[str]) -> datetime.date | None:
    today = datetime.date.today()
    if value < EARLIEST_DATE or value > today:
        warnings.append(
            f"{sidecar}: published date {value.isoformat()} is outside 1900-01-01..{today}; ignored"
        )
        return None
    return value


def _iso_day(text: str) -> datetime.date:
    """The day of an ISO date or timestamp ("2024-05-03", "2024-05-03T10:00:00Z"): the
    day it names, not converted to another zone."""
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return datetime.datetime.fromisoformat(text).date()


def _parse_published(value: object, sidecar: str, warnings: list[str]) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        value = value.date()
    elif isinstance(value, str):
        try:
            value = _iso_day(value.strip())
        except ValueError:
            warnings.append(f"{sidecar}: published {value!r} is not a YYYY-MM-DD date; ignored")
            return None
    if not isinstance(value, datetime.date):
        warnings.append(f"{sidecar}: published must be a date, not {type(value).__name__}; ignored")
        return None
    return _check_date(value, sidecar, warnings)


def read_sidecar(path: Path) -> tuple[dict[str, object], list[str]]:
    """Metadata from ``<stem>.toml`` next to ``path``: (fields, warnings). Never raises."""
    sidecar = path.with_suffix(".toml")
    meta: dict[str, object] = {}
    warnings: list[str] = []
    if not sidecar.is_file():
        return meta, warnings
    try:
        data = tomllib.loads(sidecar.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        warnings.append(f"{sidecar.name}: unreadable metadata sidecar ({exc}); ignored")
        return meta, warnings
    unknown = sorted(set(data) - set(SIDECAR_KEYS))
    if unknown:
        warnings.append(f"{sidecar.name}: unknown key(s) {', '.join(unknown)} ignored")
    for key in ("title", "source", "url"):
        if key not in data:
            continue
        value = data[key]
        if isinstance(value, str) and value.strip():
            meta[key] = value.strip()
        else:
            warnings.append(f"{sidecar.name}: {key} must be a non-empty string; ignored")
    if "published" in data:
        published = _parse_published(data["published"], sidecar.name, warnings)
        if published is not None:
            meta["published"] = published
    return meta, warnings


# ---------------------------------------------------------------------------------------
# Articles


def _first_line_title(clean: CleanText) -> str:
    for seg in clean.segments:
        if seg.kind == "title":
            return clean.original[seg.start : seg.end].strip()
    for line in clean.text.splitlines():
        line = line.strip()
        if line:
            if len(line) <= TITLE_MAX_CHARS:
                return line
            cut = line[: TITLE_MAX_CHARS - 1]
            space = cut.rfind(" ")
            if space > TITLE_MAX_CHARS // 2:
                cut = cut[:space]
            return cut.rstrip(" ,;:-—–") + "…"
    return ""


def _build_article(
    id: str,
    path: Path | None,
    text: str,
    meta: dict[str, object],
    warnings: list[str],
) -> Article:
    clean = clean_text(text)
    title = meta.get("title")
    source = meta.get("source")
    url = meta.get("url")
    published = meta.get("published")
    return Article(
        id=id,
        path=path,
        raw=text,
        clean=clean,
        title=title if isinstance(title, str) else _first_line_title(clean),
        source=source if isinstance(source, str) else clean.source_hint,
        url=url if isinstance(url, str) else None,
        published=published if isinstance(published, datetime.date) else None,
        published_basis="metadata" if isinstance(published, datetime.date) else "unknown",
        warnings=warnings,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


def article_from_text(
    id: str,
    text: str,
    published: datetime.date | None = None,
    title: str | None = None,
    source: str | None = None,
    url: str | None = None,
) -> Article:
    """An article from text that did not come from a file (JSON input, pasted text)."""
    if not text.strip():
        raise ArticleError(id, "empty text")
    warnings: list[str] = []
    meta: dict[str, object] = {"title": title, "source": source, "url": url}
    if published is not None:
        if isinstance(published, datetime.datetime):
            published = published.date()
        meta["published"] = _check_date(published, "published", warnings)
    return _build_article(id, None, text, meta, warnings)


def article_from_row(id: str, name: str, row: dict[str, object]) -> Article:
    """An article from a row of an archive (geo.corpus.io.archive): its `text` and the
    metadata fields a sidecar would hold; `name` ("archive.jsonl row 12") names it in
    warnings. ArticleError for a row without text; a bad field only adds a warning."""
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ArticleError(name, "no text")
    warnings: list[str] = []
    meta: dict[str, object] = {}
    for key in ("title", "source", "url"):
        value = row.get(key)
        if isinstance(value, str) and value.strip():
            meta[key] = value.strip()
        elif value not in (None, ""):
            warnings.append(f"{name}: {key} must be a string; ignored")
    if row.get("published") not in (None, ""):
        published = _parse_published(row["published"], name, warnings)
        if published is not None:
            meta["published"] = published
    if is_html_document(text):
        text = html_to_text(text)
        if not text.strip():
            raise ArticleError(name, "an HTML page with no visible text")
        warnings.append("an HTML page, not text: its visible text was read")
    return _build_article(id, None, text, meta, warnings)


def outside_link(path: Path) -> bool:
    """A symbolic link to a file outside the article's folder (`passwd.txt -> /etc/passwd`):
    never read, so that a corpus shows only what was put in it."""
    try:
        return path.is_symlink() and not path.resolve().is_relative_to(path.parent.resolve())
    except (OSError, RuntimeError):  # a loop of links
        return True


def _read_bytes(path: Path) -> bytes:
    if outside_link(path):
        raise ArticleError(path, "a link to a file outside the corpus folder: not read")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ArticleError(path, f"cannot read file: {exc.strerror or exc}") from None
    if size > MAX_BYTES:
        raise ArticleError(path, f"file too big ({size:,} bytes; the limit is {MAX_BYTES:,})")
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ArticleError(path, f"cannot read file: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise ArticleError(path, f"file too big (over {MAX_BYTES:,} bytes)")
    return data


def load_article(path: Path) -> Article:
    """Read one article file (.txt, .md, .html, .htm) and its optional sidecar.

    Raises ``ArticleError`` for a missing, unreadable, empty, binary or too big file. A
    malformed sidecar or a bad sidecar field only adds a warning.
    """
    path = Path(path)
    if path.is_dir():
        raise ArticleError(path, "is a folder, not a file")
    data = _read_bytes(path)
    if not data.strip():
        raise ArticleError(path, "empty file")
    if path.suffix.lower() in HTML_SUFFIXES:
        text = html_to_text(decode_html(data, path.name))
        if not text.strip():
            raise ArticleError(path, "no visible text in the HTML page")
    else:
        text = decode_bytes(data, path.name)
        if not text.strip():
            raise ArticleError(path, "empty file")
    meta, warnings = read_sidecar(path)
    if path.suffix.lower() not in HTML_SUFFIXES and is_html_document(text):
        # A web page saved under a text name: its markup is not the article's text.
        text = html_to_text(text)
        if not text.strip():
            raise ArticleError(path, "an HTML page with no visible text")
        warnings.append("an HTML page, not text: its visible text was read")
    return _build_article(path.stem, path, text, meta, warnings)


def corpus_files(folder: Path) -> list[Path]:
    """The article files of a corpus folder (not recursive), sorted by name.

    A missing or unreadable folder raises ``ArticleError``.
    """
    folder = Path(folder)
    if not folder.exists():
        raise ArticleError(folder, f"folder not found: {folder}")
    if not folder.is_dir():
        raise ArticleError(folder, f"not a folder: {folder}")
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        raise ArticleError(folder, f"cannot read folder {folder}: {exc.strerror or exc}") from None
    return [
        path
        for path in entries
        if not path.name.startswith(".")
        and path.suffix.lower() in ARTICLE_SUFFIXES
        and not path.is_dir()
    ]


SIDECAR_SUFFIX = ".toml"
CORRECTIONS_FILE = "corrections.jsonl"  # the analysts' corrections (geo.corpus.corrections)


def unsupported_files(folder: Path) -> list[Path]:
    """Files of a corpus folder that are neither articles nor sidecars (a .docx, a .pdf):
    not read, but reported, so that nobody wonders where an article went. Hidden files
    and folders are passed over."""
    try:
        entries = sorted(Path(folder).iterdir(), key=lambda p: p.name)
    except OSError:
        return []  # `corpus_files` has said why already
    return [
        path
        for path in entries
        if not path.name.startswith(".")
        and path.suffix.lower() not in (*ARTICLE_SUFFIXES, SIDECAR_SUFFIX)
        and path.name != CORRECTIONS_FILE
        and path.is_file()
    ]


def article_ids(paths: list[Path], others: Iterable[str] = ()) -> dict[Path, str]:
    """Each file's article id, unique: its stem, or its full name when an earlier file has
    the stem, or its folder and name when an earlier file (in another folder) has both;
    never one of `others` (the ids of an archive's rows)."""
    ids: dict[Path, str] = {}
    taken: set[str] = set(others)
    for path in paths:
        choices = [path.stem, path.name, f"{path.parent.name}-{path.name}"]
        ids[path] = next((c for c in choices if c not in taken), None) or next(
            f"{path.parent.name}-{n}-{path.name}"
            for n in itertools.count(2)
            if f"{path.parent.name}-{n}-{path.name}" not in taken
        )
        taken.add(ids[path])
    return ids


def load_corpus(folder: Path) -> tuple[list[Article], list[ArticleError]]:
    """Every .txt/.md/.html/.htm file in ``folder`` (not recursive), sorted by name.

    One bad file never stops the others: it becomes an ``ArticleError``. A file with the
    same text as an earlier one is reported as a duplicate. A missing or unreadable folder
    raises ``ArticleError``.
    """
    paths = corpus_files(folder)
    ids = article_ids(paths)
    articles: list[Article] = []
    errors: list[ArticleError] = []
    seen_hashes: dict[str, Path] = {}
    for path in paths:
        try:
            article = load_article(path)
        except ArticleError as exc:
            errors.append(exc)
            continue
        except Exception as exc:  # one bad file never stops the corpus
            errors.append(ArticleError(path, f"could not load: {exc!r}"))
            continue
        first = seen_hashes.get(article.content_hash)
        if first is not None:
            errors.append(ArticleError(path, f"duplicate of {first.name}"))
            continue
        seen_hashes[article.content_hash] = path
        if ids[path] != article.id:
            article.warnings.append(f"id {article.id!r} already used; using {path.name!r}")
            article.id = ids[path]
        articles.append(article)
    return articles, errors
