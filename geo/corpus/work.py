"""The work of a build on one article: read and clean it, find and resolve its places, date
it, make its events, apply its corrections; its cache entry out.

The same `run_jobs` runs in the build's own process, in a local pool of processes
(`run_local`) and on the workers of a Dask cluster (geo.corpus.cluster), so that every way of
building makes the same bytes. A job is small (the article's source, its cache key, its
corrections) and so is what comes back (an `Outcome`: the entry, or why there is none).
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo.corpus.articles import Article, load_article
from geo.corpus.corrections import Correction, correct_events, correct_mentions
from geo.corpus.io.archive import load_rows
from geo.corpus.place_names import entry_names
from geo.corpus.records import EventProperties
from geo.corpus.sources import ArticleSource
from geo.corpus.tables import dumps_geojson, point_geometry
from geo.paths import GEO
from geo.pipeline.actions import DEFAULT_ACTORS, DEFAULT_EVENT_TYPES
from geo.pipeline.budget import NO_DEADLINE, BudgetExceeded, Deadline, deadline_after
from geo.pipeline.dates import (
    PublicationDate,
    TimeExpression,
    find_time_expressions,
    publication_date,
)
from geo.pipeline.events import ArticleRef, Event, extract_events
from geo.pipeline.places.gazetteer import DEFAULT_EXTRA, index_digest
from geo.pipeline.places.geocoder import ONLINE_ENV, URL_ENV
from geo.pipeline.places.wordlists import RECOGNITION_WORDS
from geo.pipeline.precision import geo_precision, time_precision
from geo.pipeline.text.decode import ArticleError

if TYPE_CHECKING:
    from geo.pipeline.geoparse import Geoparser, GeoparseResult

# What turns an article into the cached record and feature lines: every module of the
# pipeline and corpus packages (reading, cleaning, places, dates, events, the build and
# its GeoJSON writer) and the curated data they read. The map, app and export are not
# among them.
CACHED_PACKAGES = (GEO / "pipeline", GEO / "corpus")


def _cache_inputs() -> list[Path]:
    code = sorted(p for package in CACHED_PACKAGES for p in package.rglob("*.py"))
    return [*code, DEFAULT_ACTORS, DEFAULT_EVENT_TYPES, DEFAULT_EXTRA, RECOGNITION_WORDS]


@lru_cache(maxsize=1)
def pipeline_version() -> str:
    """A hash of the code and curated data that turn an article into events.

    Any change to recognition, resolution, dating or event rules, to how the result is
    written (or to the curated files) changes it, and every cache entry is recomputed on
    the next build; nobody has to keep a list of modules or bump a number.
    """
    digest = hashlib.sha256(f"gazetteer-{index_digest()}".encode())
    # Switching the online geocoder on, off or elsewhere changes what a place resolves to.
    digest.update(
        "online={}|{}".format(
            *(os.environ.get(name, "").strip() for name in (ONLINE_ENV, URL_ENV))
        ).encode()
    )
    for path in _cache_inputs():
        digest.update(str(path.relative_to(GEO.parent)).encode())
        digest.update(file_text(path).encode("utf-8"))
    return digest.hexdigest()[:16]


def file_text(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


def json_default(value: object) -> object:
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def times_in_article(
    article: Article, published: PublicationDate, deadline: Deadline = NO_DEADLINE
) -> list[TimeExpression]:
    """Time expressions of the cleaned text, with offsets into the original text.

    None reads across text the cleaner removed ("on Friday. <teaser> June 1" is no date).
    A text without a known publication day is read as a narrative (dates without a year
    take the story's year, see `find_time_expressions`).
    """
    narrative = published.basis in ("inferred", "unknown")
    found = []
    for expr in find_time_expressions(
        article.clean.text_broken_at_gaps(), published.date, narrative=narrative, deadline=deadline
    ):
        start, end = article.clean.span_to_original(expr.start, expr.end)
        found.append(dataclasses.replace(expr, start=start, end=end, text=article.raw[start:end]))
    return found


def article_events(
    article: Article, result: GeoparseResult, deadline: Deadline = NO_DEADLINE
) -> tuple[dict[str, Any], list[Event]]:
    """The article's record for articles.json and its events (BudgetExceeded when the
    deadline passes first)."""
    published = publication_date(article.published, article.clean.datelines(), article.clean.text)
    ref = ArticleRef(
        article.id, article.title, article.source, article.url, published.date, published.basis
    )
    times = times_in_article(article, published, deadline)
    events = extract_events(ref, article.raw, result.toponyms, times, deadline=deadline)
    record = {
        "id": article.id,
        "file": article.path.name if article.path else None,
        "title": article.title,
        "source": article.source,
        "url": article.url,
        "published": published.date,
        "published_basis": published.basis,
        "published_evidence": published.evidence,
        "events": len(events),
        "places": len({(t.name, t.lat, t.lon) for t in result.places}),
        "unresolved": [dataclasses.asdict(u) for u in result.unresolved],
        "warnings": list(article.warnings) + ([result.error] if result.error else []),
        "text": article.clean.text,
    }
    return record, events


def event_properties(event: Event) -> EventProperties:
    """The event's record (geo.corpus.records): strings, numbers, booleans and lists of
    them, which GIS tools read."""
    return {
        "id": event.id,
        "place": event.place,
        "gazetteer_name": event.gazetteer_name,
        "level": event.level,
        "geonameid": event.geonameid,
        "country": event.country,
        "place_confidence": event.place_confidence,
        "uncertainty_km": event.uncertainty_km,
        "geo_precision": geo_precision(event.level),
        "date_start": event.date_start.isoformat() if event.date_start else None,
        "date_end": event.date_end.isoformat() if event.date_end else None,
        "granularity": event.granularity,
        "time_basis": event.time_basis,
        "time_precision": time_precision(event.date_start, event.date_end, event.time_basis),
        "planned": event.planned,
        "event_type": event.event_type,
        "actors": list(event.actors),
        "figures": list(event.figures),
        "snippet": event.snippet,
        "marks": [{"start": m.start, "end": m.end, "kind": m.kind} for m in event.marks],
        "caption": event.caption,
        "confidence": event.confidence,
        "other_places": list(event.other_places),
        "article_id": event.article.id,
        "article_title": event.article.title,
        "article_source": event.article.source,
        "article_url": event.article.url,
        "published": event.article.published.isoformat() if event.article.published else None,
        "published_basis": event.article.published_basis,
        # Untouched by corrections (the build sets them from the corrections file).
        "verification": "unverified",
        "verified_at": None,
        "corrected": {},
        "incident_link": None,
        # The build's grouping across the corpus sets these (with_incidents).
        "incident_id": "",
        "incident_verification": "unverified",
        "incident_reports": 1,
        "incident_sources": 1 if event.article.source else 0,
        "disagreement": False,
    }


def feature_json(event: Event, extra: dict[str, Any] | None = None) -> str:
    """One GeoJSON Feature as a line of JSON (RFC 7946: longitude, latitude in WGS 84);
    `extra`: what the record gains from corrections (`CorrectedEvents.properties`).

    Always strict JSON that UTF-8 can hold (see `tables.json_safe`); an event without a
    valid point raises ValueError.
    """
    try:
        geometry = point_geometry(round(event.lon, 6), round(event.lat, 6))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"event {event.id}: {exc}") from None
    properties = {**event_properties(event), **(extra or {})}
    feature = {"type": "Feature", "properties": properties, "geometry": geometry}
    return dumps_geojson(feature)


def article_entry(
    article: Article,
    key: str | None,
    result: GeoparseResult,
    budget_s: float | None,
    fixes: list[Correction],
) -> dict[str, Any]:
    """The cache entry of a parsed article, or of one that ran out of time: dates and
    events get what the geoparse left of its budget. The article's corrections apply to
    its places before its events are made, then to its events; those that no longer apply
    are among its warnings."""
    skipped: dict[str, Any] = {
        "key": key,
        "skipped": result.skipped,
        "budget_s": budget_s,
        "features": [],
    }
    if result.skipped:
        return skipped
    left = None if budget_s is None else max(0.0, budget_s - result.seconds)
    mentions = correct_mentions(result, article.raw, fixes)
    try:
        record, events = article_events(article, mentions.result, deadline_after(left))
    except BudgetExceeded:
        return dict(skipped, skipped=str(BudgetExceeded(budget_s or 0.0)))
    corrected = correct_events(article.id, events, fixes, mentions)
    stale = mentions.problems + corrected.problems  # corrections that no longer apply
    record["warnings"] += stale
    events = corrected.events
    return {
        "key": key,
        "stale_corrections": stale,
        # Through JSON once, so a fresh record is the same as a cached one.
        "record": json.loads(json.dumps(record, default=json_default)),
        "places": sorted({(e.lat, e.lon) for e in events}),
        **entry_names(mentions.result.toponyms, events),
        "features": [feature_json(e, corrected.properties(e.id)) for e in events],
    }


# ---------------------------------------------------------------------------------------
# Jobs


class BuildError(Exception):
    """The build could not run its jobs (a cluster out of reach, workers that cannot
    start); ``str()`` says why in one line. Nothing was written: the last map stands."""


@dataclass(frozen=True)
class ArticleJob:
    """One article to parse: where it is, the key its cache entry is stored under (None:
    not cached) and the corrections that apply to it."""

    source: ArticleSource
    key: str | None
    fixes: tuple[Correction, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """What became of a job: its cache entry (parsed, or skipped for time: the entry says
    so), or why it has none (`error`: it could not be read, or it broke its worker)."""

    source: ArticleSource
    entry: dict[str, Any] | None = None
    error: str | None = None


def load_sources(sources: Sequence[ArticleSource]) -> dict[ArticleSource, Article | ArticleError]:
    """Each source read and cleaned, or why it cannot be: files one by one, the rows of an
    archive together (geo.corpus.io.archive)."""
    loaded = load_rows([s for s in sources if s.row is not None])
    for source in sources:
        if source.row is None:
            loaded[source] = _load_file(source)
    return loaded


def _load_file(source: ArticleSource) -> Article | ArticleError:
    try:
        article = load_article(source.path)
    except ArticleError as exc:
        return exc
    except Exception as exc:  # noqa: BLE001 - one bad file never stops the corpus
        return ArticleError(source.path, f"could not load: {exc!r}")
    article.id = source.id
    return article


def run_jobs(
    jobs: Sequence[ArticleJob], parser: Geoparser, budget_s: float | None
) -> list[Outcome]:
    """The outcome of each job, in order. One article that fails never stops the others."""
    loaded = load_sources([job.source for job in jobs])
    outcomes = []
    for job in jobs:
        article = loaded[job.source]
        if isinstance(article, ArticleError):
            outcomes.append(Outcome(job.source, error=article.reason))
            continue
        result = parser.parse_safely(article.id, article.clean, budget_s)
        try:
            entry = article_entry(article, job.key, result, budget_s, list(job.fixes))
        except Exception as exc:  # noqa: BLE001 - one bad article never stops the corpus
            outcomes.append(Outcome(job.source, error=f"could not be mapped: {exc!r}"))
            continue
        outcomes.append(Outcome(job.source, entry=entry))
    return outcomes


def chunked(jobs: Sequence[ArticleJob], workers: int, most: int = 16) -> list[list[ArticleJob]]:
    """The jobs in tasks of consecutive articles: about four tasks a worker, so that a
    slow task does not leave the others idle, and at most `most` articles each, so that a
    progress bar moves and a lost worker costs little."""
    size = max(1, min(most, len(jobs) // (max(1, workers) * 4)))
    return [list(jobs[i : i + size]) for i in range(0, len(jobs), size)]


_pool_parser: Geoparser | None = None  # the parser a forked pool's workers inherit


def run_local(
    jobs: Sequence[ArticleJob], processes: int | None, budget_s: float | None
) -> Iterator[list[Outcome]]:
    """The outcomes of the jobs, a task at a time, in this process or (many jobs, several
    cores) in a pool of forked processes that inherit the loaded model."""
    from geo.pipeline.geoparse import Geoparser

    global _pool_parser
    parser = Geoparser()
    processes = processes or min(os.cpu_count() or 1, 4)
    if processes <= 1 or len(jobs) < 8:
        for task in chunked(jobs, 1, most=1):
            yield run_jobs(task, parser, budget_s)
        return
    _pool_parser = parser
    context = multiprocessing.get_context("fork")
    try:
        with ProcessPoolExecutor(processes, context, initializer=_reopen_gazetteer) as pool:
            yield from pool.map(_run_in_pool, chunked(jobs, processes), repeat(budget_s))
    finally:
        _pool_parser = None


def _reopen_gazetteer() -> None:
    # An SQLite connection must not be shared across fork: each worker opens its own.
    assert _pool_parser is not None
    _pool_parser.gazetteer.reopen()


def _run_in_pool(jobs: list[ArticleJob], budget_s: float | None) -> list[Outcome]:
    assert _pool_parser is not None
    return run_jobs(jobs, _pool_parser, budget_s)
