"""`campaign-map build`: a corpus folder in, the map's data out.

Writes into the output folder (default `mapdata/`):
- `events.geojson`: an RFC 7946 FeatureCollection, one Point per event (geopandas/GDAL);
- `articles.json`: every article with its metadata, publication date and how it was known,
  counts, unresolved places, warnings; and every file that could not be read, with why.

Incremental: each article's result is cached under `<out>/cache/` by a key over its text,
its sidecar, the pipeline version and the curated data, so unchanged articles are not parsed
again. Deterministic: the same corpus gives byte-identical files. Old or new, never a mix:
the two outputs are put in place together (`geo.corpus.outputs`), so a build killed at any
moment leaves the last good build readable; damaged outputs and cache entries are found
(checksums) and written again, and the summary says so.
Each place gets one name across the corpus, the one its articles use most
(`geo.corpus.place_names`), decided when the cached articles are put together.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from geo.corpus.articles import (
    ARTICLE_SUFFIXES,
    MAX_BYTES,
    Article,
    ArticleError,
    article_ids,
    corpus_files,
    load_article,
    outside_link,
    unsupported_files,
)
from geo.corpus.corrections import (
    CORRECTIONS_FILE,
    Correction,
    correct_events,
    correct_mentions,
    corrections_by_article,
    corrections_digest,
    load_corrections,
    unknown_articles,
)
from geo.corpus.incident_lines import grouping_views as views
from geo.corpus.incident_lines import merges_without_target, with_incidents
from geo.corpus.incidents import DEFAULT_RULES
from geo.corpus.io.store import MONTHS_FILE, STORE_DIR, month_of, write_store
from geo.corpus.io.store import damaged as store_damage
from geo.corpus.outputs import (
    ARTICLES_FILE,
    EVENTS_FILE,
    damage,
    tidy,
    write_atomically,
    write_build,
)
from geo.corpus.place_names import corpus_names, entry_names, renamed_features
from geo.corpus.records import EventProperties
from geo.corpus.tables import dumps_geojson, point_geometry
from geo.paths import GEO
from geo.pipeline.actions import DEFAULT_ACTORS, DEFAULT_EVENT_TYPES
from geo.pipeline.budget import (
    DEFAULT_BUDGET_S,
    NO_DEADLINE,
    BudgetExceeded,
    Deadline,
    deadline_after,
)
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

if TYPE_CHECKING:
    from geo.pipeline.geoparse import GeoparseResult

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
        digest.update(_file_text(path).encode("utf-8"))
    return digest.hexdigest()[:16]


@dataclass
class BuildSummary:
    articles: int = 0
    parsed: int = 0  # articles geoparsed in this run (the rest came from the cache)
    events: int = 0
    places: int = 0
    unresolved: int = 0
    undated: int = 0
    skipped: list[str] = field(default_factory=list)  # "file: reason"
    repaired: list[str] = field(default_factory=list)  # "file: what was wrong; what was done"
    corrections: list[str] = field(default_factory=list)  # a bad line, one that no longer applies
    corpus: str = ""  # the corpus folder, for the empty-corpus line

    def __str__(self) -> str:
        lines = [
            f"{self.articles} articles ({self.parsed} parsed, "
            f"{self.articles - self.parsed} from cache), {self.events} events at "
            f"{self.places} places, {self.unresolved} unresolved place names, "
            f"{self.undated} undated articles, {len(self.skipped)} files skipped",
        ]
        if self.empty:
            lines.append(f"  {self.empty}")
        lines += [f"  skipped {item}" for item in self.skipped]
        lines += [f"  repaired {item}" for item in self.repaired]
        lines += [f"  correction problem: {item}" for item in self.corrections]
        return "\n".join(lines)

    @property
    def empty(self) -> str:
        """Why the map is empty when no article could be read, else ""."""
        if self.articles:
            return ""
        kinds = ", ".join(ARTICLE_SUFFIXES)
        return f"no articles to map in {self.corpus or 'the corpus'} (it reads {kinds} files)"


def _json_default(value: object) -> object:
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def file_key(path: Path, article_id: str, corrections: str = "") -> tuple[str, str] | None:
    """(cache key, content digest) of an article file, or None when it cannot be read
    cheaply (too big, unreadable: `load_article` then reports why).

    The key covers the file's bytes, its sidecar, its id, the digest of its corrections
    (`corrections_digest`) and the pipeline version, so an unchanged article is recognised
    without decoding or cleaning it, and one with a new or undone correction is not.
    """
    try:
        if outside_link(path) or path.stat().st_size > MAX_BYTES:
            return None
        data = path.read_bytes()
        sidecar = path.with_suffix(".toml")
        extra = sidecar.read_bytes() if sidecar.exists() else b""
    except OSError:
        return None
    content = hashlib.sha256(data).hexdigest()
    key = hashlib.sha256(
        b"\0".join(
            [
                pipeline_version().encode(),
                article_id.encode(),
                content.encode(),
                extra,
                corrections.encode(),
            ]
        )
    ).hexdigest()
    return key, content


def _file_text(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


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


def events_geojson(feature_lines: list[str]) -> bytes:
    """The FeatureCollection, one feature a line, no `crs` member (RFC 7946).

    Written directly rather than through geopandas/GDAL, from lines serialised once when
    each article was parsed: importing geopandas and a GDAL write would add ~1.3 s to every
    incremental build (the target is under 2 s). The tests read the file back with GDAL
    (pyogrio) and geopandas.
    """
    text = '{"type": "FeatureCollection", "features": [\n' + ",\n".join(feature_lines) + "\n]}\n"
    return text.encode("utf-8")


USER_CORPUS = "corpus"  # the data folder's folder of articles added in the app


def user_corpus(out: Path) -> Path:
    """Where the app writes the articles its users add: beside the map data they feed."""
    return Path(out) / USER_CORPUS


def _corpus_paths(corpus: Path, out: Path) -> tuple[list[Path], list[Path]]:
    """The corpus folder's articles, then those added in the app; and the files of either
    folder the build cannot read (a .docx, a .pdf). ArticleError for a missing or
    unreadable corpus folder."""
    paths, others = corpus_files(corpus), unsupported_files(corpus)
    added = user_corpus(out)
    if added.is_dir() and added.resolve() != Path(corpus).resolve():
        paths += corpus_files(added)
        others += unsupported_files(added)
    return paths, others


@dataclass
class _Gathered:
    """What the build found before parsing: cached entries, articles to parse, errors."""

    entries: dict[Path, dict[str, Any]] = field(default_factory=dict)
    todo: list[tuple[Article, str | None]] = field(default_factory=list)
    errors: list[ArticleError] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    too_slow: set[str] = field(default_factory=set)  # ids whose skip is cached (kept)


def _gather(
    paths: list[Path],
    ids: dict[Path, str],
    cache_dir: Path,
    budget_s: float | None,
    fixes: dict[str, list[Correction]],
) -> _Gathered:
    """Each file: its cache entry when its key matches, else the article to parse (or
    why it cannot be read). An article that ran out of time is not tried again with the
    same budget (it would cost that budget on every build), only with a larger one."""
    found = _Gathered()
    first_with: dict[str, Path] = {}
    for path in paths:
        keyed = file_key(path, ids[path], corrections_digest(fixes.get(ids[path], [])))
        if keyed is not None:
            if keyed[1] in first_with:
                found.errors.append(ArticleError(path, f"duplicate of {first_with[keyed[1]].name}"))
                continue
            first_with[keyed[1]] = path
            entry, broken = _read_cache(cache_dir / f"{ids[path]}.json", keyed[0])
            if entry is not None and _worth_retrying(entry, budget_s):
                pass
            elif entry is not None and entry.get("skipped"):
                found.errors.append(ArticleError(path, entry["skipped"]))
                found.too_slow.add(ids[path])
                continue
            elif entry is not None:
                found.entries[path] = entry
                continue
            if broken:
                found.repaired.append(f"cache/{ids[path]}.json: {broken}; {path.name} parsed again")
        try:
            article = load_article(path)
        except ArticleError as exc:
            found.errors.append(exc)
            continue
        except Exception as exc:  # noqa: BLE001 - one bad file never stops the corpus
            found.errors.append(ArticleError(path, f"could not load: {exc!r}"))
            continue
        article.id = ids[path]
        found.todo.append((article, keyed[0] if keyed else None))
    return found


def _worth_retrying(entry: dict[str, Any], budget_s: float | None) -> bool:
    """A cached skip, and now more time than it had."""
    if not entry.get("skipped"):
        return False
    had = entry.get("budget_s")
    return budget_s is None or not isinstance(had, int | float) or budget_s > had


def build(
    corpus: Path,
    out: Path,
    processes: int | None = None,
    progress: bool = True,
    budget_s: float | None = DEFAULT_BUDGET_S,
) -> BuildSummary:
    """Build the map data of a corpus folder into `out`.

    Each article has `budget_s` seconds (None: no limit); one that takes longer is
    stopped, reported as skipped and not tried again until it changes or has more time.

    The articles added in the app (`out/corpus/`, see `user_corpus`) are always part of it:
    the map shows the corpus and what its users added, and the corpus folder (tracked
    seeds, say) is never written to.
    """
    paths, unsupported = _corpus_paths(corpus, out)
    ids = article_ids(paths)
    out.mkdir(parents=True, exist_ok=True)
    cache_dir = out / "cache"
    cache_dir.mkdir(exist_ok=True)
    for stale in [*out.glob(".*.tmp"), *cache_dir.glob(".*.tmp")]:
        stale.unlink()  # left by a build that was killed while writing
    tidy(out)

    fixes, problems = _corrections([corpus, user_corpus(out)], ids.values())
    found = _gather(paths, ids, cache_dir, budget_s, fixes)
    entries, todo = found.entries, found.todo
    too_slow: list[ArticleError] = []
    if todo:
        parsed, too_slow = _process(todo, cache_dir, processes, progress, budget_s, fixes)
        entries.update(parsed)
    errors = (
        found.errors
        + too_slow
        + [
            ArticleError(
                path,
                f"not an article file ({path.suffix or 'no extension'}): "
                f"the build reads {', '.join(ARTICLE_SUFFIXES)}",
            )
            for path in unsupported
        ]
    )
    errors.sort(key=lambda e: str(e.path))

    records: list[dict[str, Any]] = []
    features: list[str] = []
    places: set[tuple[float, float]] = set()
    # One name per place across the corpus (geo.corpus.place_names).
    names = corpus_names(entries.values())
    for path in paths:
        if path in entries:
            records.append(entries[path]["record"])
            features.extend(renamed_features(entries[path], names))
            places.update(map(tuple, entries[path]["places"]))
    skipped = [{"file": e.path.name if e.path else None, "reason": e.reason} for e in errors]
    summary = BuildSummary(
        articles=len(records),
        parsed=len(todo),
        events=len(features),
        places=len(places),
        unresolved=sum(len(r["unresolved"]) for r in records),
        undated=sum(1 for r in records if r["published"] is None),
        skipped=[str(e) for e in errors],
        repaired=found.repaired,
        corpus=str(corpus),
        corrections=problems
        + [p for e in entries.values() for p in e.get("stale_corrections", ())]
        + merges_without_target(features),
    )
    # Nothing changed since the last build: leave the outputs (and their times) alone.
    build_key = hashlib.sha256(
        json.dumps(
            [
                pipeline_version(),
                [e["key"] for e in entries.values()],
                skipped,
                problems,
                _file_text(DEFAULT_RULES),  # incident rules: the grouping, not the parse
            ],
            sort_keys=True,
        ).encode()
    ).hexdigest()
    broken = damage(out)
    if broken:
        summary.repaired.append(f"{broken}; written again")
    # The columnar store of an earlier build: written when missing (a build before it had
    # one), said when damaged.
    store = store_damage(out) if (out / EVENTS_FILE).exists() else None
    if store and (out / STORE_DIR).exists():
        summary.repaired.append(f"{store}; written again")
    if (
        todo
        or broken
        or store
        or _previous_build_key(out) != build_key
        or not (out / EVENTS_FILE).exists()
    ):
        document = {
            "pipeline_version": pipeline_version(),
            "build_key": build_key,
            "articles": records,
            "skipped": skipped,
            "corrections": problems,  # of the file as a whole; an article's are its warnings
        }
        # Incidents across the corpus: grouped only when the outputs are written (the
        # grouping takes ~0.8 s at 10,000 events, more where thousands share a place).
        lines = with_incidents(features)
        write_build(out, events_geojson(lines), document)
        # The columnar store follows (geo.corpus.io.store): the months whose events changed.
        # The months from the lines before the grouping (the same events in the same
        # order): their views are the ones kept between builds (incident_lines).
        months = [month_of(v["properties"].get("date_start")) for v in views(features)]
        try:
            write_store(out, lines, months)
        except Exception as exc:  # noqa: BLE001 - the map is built; the store waits for the next
            # Without its list of months the store counts as damaged: the next build writes it.
            (out / STORE_DIR / MONTHS_FILE).unlink(missing_ok=True)
            summary.repaired.append(f"{STORE_DIR}: not written ({exc}); the next build tries again")
    _prune_cache(
        cache_dir,
        {ids[p] for p in entries}
        | found.too_slow
        | {ids[e.path] for e in too_slow if isinstance(e.path, Path)},
    )
    return summary


def _previous_build_key(out: Path) -> str | None:
    try:
        with (out / ARTICLES_FILE).open(encoding="utf-8") as fh:
            return json.load(fh).get("build_key")
    except (OSError, ValueError, AttributeError, RecursionError):
        return None


# A cache entry is a file of lines: first the article's key, record, event positions and
# the checksum of the lines that follow, as JSON; then its events as ready-to-write
# GeoJSON feature lines (never parsed again: the checksum vouches for them).


def _features_digest(features: list[str]) -> str:
    return hashlib.sha256("\n".join(features).encode("utf-8")).hexdigest()


def _read_cache(path: Path, key: str) -> tuple[dict[str, Any] | None, str]:
    """(the entry, "") when it is there for this key and whole; (None, "") when it is
    missing or for another key (the article changed); (None, what is wrong) when damaged."""
    try:
        head, *features = path.read_text(encoding="utf-8").split("\n")
    except FileNotFoundError:
        return None, ""
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"unreadable ({exc})"
    try:
        entry = json.loads(head)
    except (ValueError, RecursionError):
        return None, "damaged (its first line is not JSON)"
    if not isinstance(entry, dict) or entry.get("key") != key:
        return None, ""
    entry["features"] = [line for line in features if line]
    if features[-1:] != [""] or entry.get("features_sha256") != _features_digest(entry["features"]):
        return None, "damaged (cut short or changed)"
    return entry, ""


def _cache_text(entry: dict[str, Any]) -> str:
    head = {k: v for k, v in entry.items() if k != "features"}
    head["features_sha256"] = _features_digest(entry["features"])
    return (
        "\n".join(
            [
                json.dumps(head, default=_json_default, ensure_ascii=False, sort_keys=True),
                *entry["features"],
            ]
        )
        + "\n"
    )


def _process(
    todo: list[tuple[Article, str | None]],
    cache_dir: Path,
    processes: int | None,
    progress: bool,
    budget_s: float | None,
    fixes: dict[str, list[Correction]],
) -> tuple[dict[Path, dict[str, Any]], list[ArticleError]]:
    """Geoparse, date and extract the events of each article, caching each result; and
    the articles that ran out of time (their skip cached too)."""
    from geo.pipeline.geoparse import Geoparser

    parser = Geoparser()
    by_id = {article.id: (article, key) for article, key in todo}
    results: Iterable[GeoparseResult] = parser.parse_many(
        [(article.id, article.clean) for article, _ in todo],
        processes=processes,
        budget_s=budget_s,
    )
    done: dict[Path, dict[str, Any]] = {}
    too_slow: list[ArticleError] = []
    for result in tqdm(
        results,
        total=len(todo),
        desc="build",
        unit="article",
        disable=not progress,
        file=sys.stderr,
    ):
        article, key = by_id[result.id]
        entry = _article_entry(article, key, result, budget_s, fixes.get(article.id, []))
        if key is not None and article.path is not None:
            write_atomically(cache_dir / f"{article.id}.json", _cache_text(entry).encode())
        if entry.get("skipped"):
            too_slow.append(ArticleError(article.path or article.id, entry["skipped"]))
        else:
            done[article.path] = entry  # type: ignore[index]
    return done, too_slow


def _article_entry(
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
        "record": json.loads(json.dumps(record, default=_json_default)),
        "places": sorted({(e.lat, e.lon) for e in events}),
        **entry_names(mentions.result.toponyms, events),
        "features": [feature_json(e, corrected.properties(e.id)) for e in events],
    }


def _corrections(
    folders: list[Path], article_ids: Iterable[str]
) -> tuple[dict[str, list[Correction]], list[str]]:
    """The corrections that hold, by article, from the corpus folder's file (reviewed in
    version control, `campaign-map correct`) and the added articles' folder's (the app's);
    and what is wrong with them (a bad line, an article the corpus does not have)."""
    corrections: list[Correction] = []
    problems: list[str] = []
    for folder in dict.fromkeys(Path(f).resolve() for f in folders):
        found, said = load_corrections(folder / CORRECTIONS_FILE)
        corrections += found
        problems += said
    return corrections_by_article(corrections), problems + unknown_articles(
        corrections, article_ids
    )


def _prune_cache(cache_dir: Path, keep: set[str]) -> None:
    for path in cache_dir.glob("*.json"):
        if path.stem not in keep:  # "<article id>.json"
            path.unlink()


__all__ = ["BuildSummary", "build", "article_events", "event_properties"]
