"""`campaign-map build`: a corpus folder in, the map's data out.

Writes into the output folder (default `mapdata/`):
- `events.geojson`: an RFC 7946 FeatureCollection, one Point per event (geopandas/GDAL);
- `articles.json`: every article with its metadata, publication date and how it was known,
  counts, unresolved places, warnings; and every file that could not be read, with why.

Incremental: each article's result is cached under `<out>/cache/` by a key over its text,
its sidecar, the pipeline version and the curated data, so unchanged articles are not parsed
again. Deterministic: the same corpus gives byte-identical files. Atomic: outputs are written
beside their targets and renamed into place, so a crash leaves the last good build intact.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from tqdm import tqdm

from geo.articles import Article, ArticleError, load_corpus
from geo.dates import TimeExpression, find_time_expressions, publication_date
from geo.events import DEFAULT_ACTORS, ArticleRef, Event, extract_events
from geo.gazetteer import DEFAULT_EXTRA, INDEX_VERSION
from geo.geoparse import GeoparseResult

GEO_PACKAGE = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def pipeline_version() -> str:
    """A hash of the code and curated data that turn an article into events.

    Any change to recognition, resolution, dating or event rules (or to the curated files)
    changes it, and every cache entry is recomputed on the next build; nobody has to
    remember to bump a number.
    """
    digest = hashlib.sha256(f"gazetteer-v{INDEX_VERSION}".encode())
    for path in sorted(GEO_PACKAGE.glob("*.py")) + [DEFAULT_ACTORS, DEFAULT_EXTRA]:
        digest.update(path.name.encode())
        digest.update(_file_text(path).encode("utf-8"))
    return digest.hexdigest()[:16]
EVENTS_FILE = "events.geojson"
ARTICLES_FILE = "articles.json"


@dataclass
class BuildSummary:
    articles: int = 0
    parsed: int = 0  # articles geoparsed in this run (the rest came from the cache)
    events: int = 0
    places: int = 0
    unresolved: int = 0
    undated: int = 0
    skipped: list[str] = field(default_factory=list)  # "file: reason"

    def __str__(self) -> str:
        lines = [
            f"{self.articles} articles ({self.parsed} parsed, "
            f"{self.articles - self.parsed} from cache), {self.events} events at "
            f"{self.places} places, {self.unresolved} unresolved place names, "
            f"{self.undated} undated articles, {len(self.skipped)} files skipped",
        ]
        lines += [f"  skipped {item}" for item in self.skipped]
        return "\n".join(lines)


def _json_default(value: object) -> object:
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def cache_key(article: Article) -> str:
    """Changes whenever anything that shapes this article's events changes."""
    digest = hashlib.sha256()
    for part in (
        pipeline_version(), article.raw, article.title, str(article.published),
        article.source or "", article.url or "",
    ):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


def _file_text(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


def times_in_article(article: Article, published: datetime.date | None) -> list[TimeExpression]:
    """Time expressions of the cleaned text, with offsets into the original text."""
    found = []
    for expr in find_time_expressions(article.clean.text, published):
        start, end = article.clean.span_to_original(expr.start, expr.end)
        found.append(dataclasses.replace(expr, start=start, end=end,
                                         text=article.raw[start:end]))
    return found


def article_events(article: Article, result: GeoparseResult) -> tuple[dict[str, Any], list[Event]]:
    """The article's record for articles.json and its events."""
    published = publication_date(article.published, article.clean.datelines(), article.clean.text)
    ref = ArticleRef(article.id, article.title, article.source, article.url, published.date,
                     published.basis)
    events = extract_events(ref, article.raw, result.toponyms,
                            times_in_article(article, published.date))
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


def event_properties(event: Event) -> dict[str, Any]:
    """Flat properties (strings, numbers, booleans) that every GIS tool reads."""
    return {
        "id": event.id,
        "place": event.place,
        "level": event.level,
        "geonameid": event.geonameid,
        "country": event.country,
        "place_confidence": event.place_confidence,
        "uncertainty_km": event.uncertainty_km,
        "date_start": event.date_start.isoformat() if event.date_start else None,
        "date_end": event.date_end.isoformat() if event.date_end else None,
        "granularity": event.granularity,
        "time_basis": event.time_basis,
        "planned": event.planned,
        "event_type": event.event_type,
        "actors": "; ".join(event.actors),
        "figures": "; ".join(event.figures),
        "snippet": event.snippet,
        "marks": json.dumps([dataclasses.asdict(m) for m in event.marks]),
        "caption": event.caption,
        "confidence": event.confidence,
        "other_places": "; ".join(event.other_places),
        "article_id": event.article.id,
        "article_title": event.article.title,
        "article_source": event.article.source,
        "article_url": event.article.url,
        "published": event.article.published.isoformat() if event.article.published else None,
        "published_basis": event.article.published_basis,
    }


def _write_atomically(target: Path, write: Any) -> None:
    """Write through a temporary file in the same folder, then rename over the target."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_events_geojson(features: list[dict[str, Any]], target: Path) -> None:
    """RFC 7946 GeoJSON through geopandas/GDAL, so the file is what GIS tools expect."""
    import geopandas as gpd
    from shapely.geometry import Point

    frame = gpd.GeoDataFrame(
        [f["properties"] for f in features],
        geometry=[Point(f["lon"], f["lat"]) for f in features],
        crs="EPSG:4326",
    )
    if not frame.empty:  # ids are integers or null, never floats
        frame["geonameid"] = frame["geonameid"].astype("Int64")

    def write(path: Path) -> None:
        if frame.empty:  # GDAL refuses to infer a schema from nothing
            path.write_text(json.dumps({"type": "FeatureCollection", "features": []}) + "\n",
                            encoding="utf-8")
            return
        frame.to_file(path, driver="GeoJSON", engine="pyogrio", RFC7946="YES",
                      WRITE_NAME="NO")

    _write_atomically(target, write)


def build(
    corpus: Path, out: Path, processes: int | None = None, progress: bool = True,
) -> BuildSummary:
    """Build the map data of a corpus folder into `out`."""
    articles, errors = load_corpus(corpus)  # raises ArticleError for a missing folder
    out.mkdir(parents=True, exist_ok=True)
    cache_dir = out / "cache"
    cache_dir.mkdir(exist_ok=True)
    for stale in [*out.glob(".*.tmp"), *cache_dir.glob(".*.tmp")]:
        stale.unlink()  # left by a build that was killed while writing
    summary = BuildSummary(articles=len(articles), skipped=[str(e) for e in errors])

    cached: dict[str, dict[str, Any]] = {}
    todo: list[Article] = []
    for article in articles:
        key = cache_key(article)
        entry = _read_cache(cache_dir / f"{article.id}.json", key)
        if entry is None:
            todo.append(article)
        else:
            cached[article.id] = entry
    if todo:
        cached.update(_process(todo, cache_dir, processes, progress))
    summary.parsed = len(todo)

    records, features = [], []
    for article in articles:
        entry = cached[article.id]
        records.append(entry["record"])
        features.extend(entry["features"])
    summary.events = len(features)
    summary.places = len({(f["lat"], f["lon"]) for f in features})
    summary.unresolved = sum(len(r["unresolved"]) for r in records)
    summary.undated = sum(1 for r in records if r["published"] is None)

    document = {
        "pipeline_version": pipeline_version(),
        "articles": records,
        "skipped": [{"file": e.path.name if e.path else None, "reason": e.reason}
                    for e in errors],
    }
    write_events_geojson(features, out / EVENTS_FILE)
    _write_atomically(out / ARTICLES_FILE, lambda p: p.write_text(
        json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
        encoding="utf-8"))
    _prune_cache(cache_dir, {a.id for a in articles})
    return summary


def _read_cache(path: Path, key: str) -> dict[str, Any] | None:
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return entry if entry.get("key") == key else None


def _process(
    articles: list[Article], cache_dir: Path, processes: int | None, progress: bool,
) -> dict[str, dict[str, Any]]:
    from geo.geoparse import Geoparser

    parser = Geoparser()
    by_id = {a.id: a for a in articles}
    results: Iterable[GeoparseResult] = parser.parse_many(
        [(a.id, a.raw) for a in articles], processes=processes
    )
    done: dict[str, dict[str, Any]] = {}
    for result in tqdm(results, total=len(articles), desc="build", unit="article",
                       disable=not progress, file=sys.stderr):
        article = by_id[result.id]
        record, events = article_events(article, result)
        entry = {
            "key": cache_key(article),
            "record": record,
            "features": [
                {"lat": e.lat, "lon": e.lon, "properties": event_properties(e)} for e in events
            ],
        }
        text = json.dumps(entry, default=_json_default, ensure_ascii=False, sort_keys=True)
        _write_atomically(cache_dir / f"{article.id}.json",
                          lambda p, text=text: p.write_text(text, encoding="utf-8"))
        done[article.id] = json.loads(text)
    return done


def _prune_cache(cache_dir: Path, keep: set[str]) -> None:
    for path in cache_dir.glob("*.json"):
        if path.stem not in keep:
            path.unlink()


__all__ = ["ArticleError", "BuildSummary", "build", "article_events", "event_properties"]
