"""Which events to show: loading a build's events, the analyst's filters, the time window.

Shared by the app (its sidebar and slider), the export's command line and the tests. The
page applies the same window in JavaScript (geo/map/static/filter.js) to markers it already
has; here the lists are made that tell it which.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from geo.corpus.outputs import EVENTS_FILE, read_build
from geo.corpus.records import EventFeature, EventProperties
from geo.pipeline.places.names import fold, name_key


def load_events(path: Path) -> list[EventFeature]:
    """The features of an events.geojson written by `campaign-map build`.

    Each feature gets `n`, its position: the app tells the page which events to show by
    these small numbers rather than by their ids.
    """
    if path.name != EVENTS_FILE:
        raise ValueError(f"{path}: a build's events are in {EVENTS_FILE}")
    # Checked against its build's manifest: MapDataError (a ValueError) when damaged.
    return numbered(read_build(path.parent).features)


def numbered(features: list[EventFeature]) -> list[EventFeature]:
    """The features, each given `n`, its position (see `load_events`)."""
    for n, feature in enumerate(features):
        feature["n"] = n
    return features


@dataclass(frozen=True)
class EventFilter:
    """What the analyst asked to see; empty sets mean 'all'."""

    start: datetime.date | None = None
    end: datetime.date | None = None
    types: frozenset[str] = frozenset()
    actors: frozenset[str] = frozenset()
    articles: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()
    place_query: str = ""
    include_undated: bool = False
    # ACLED-style precision codes to keep (geo/pipeline/precision.py); empty: all. An
    # undated event has no time precision: a time filter leaves it out.
    geo_precision: frozenset[int] = frozenset()
    time_precision: frozenset[int] = frozenset()
    # The analysts' word on incidents (geo.corpus.corrections, the latest verdict on any of
    # an incident's reports): "verified", "unverified", "rejected" to keep; empty: all.
    verification: frozenset[str] = frozenset()
    disagreeing_only: bool = False  # only events whose incident's reports disagree


def overlaps(
    props: EventProperties, start: datetime.date | None, end: datetime.date | None
) -> bool:
    """An event is visible when its interval overlaps the selected range."""
    first, last = props.get("date_start"), props.get("date_end")
    if not first or not last:
        return False
    if start and last < start.isoformat():
        return False
    return not (end and first > end.isoformat())


@lru_cache(maxsize=1 << 16)
def _keys(name: str) -> tuple[str, str]:
    """A place name's spelling-insensitive key and its plain folded form (ASCII, lower
    case), cached: names repeat over thousands of events."""
    return name_key(name), fold(name)


def place_matcher(query: str) -> Callable[[EventProperties], bool] | None:
    """Whether an event's places match the analyst's place search; None for no search.

    Spelling-insensitive: the query and the names are compared by their name keys
    (`geo.pipeline.places.names`), a substring of a key matching, so "Menaka" finds
    "Ménaka", "mykolaiv" finds "Mykolayiv" and "kram" finds "Kramatorsk". The names are the place
    readers know, the gazetteer's name and the sentence's other places; their plain folded
    forms match too ("Al" alone has no key). A query with no Latin letters folds to nothing
    and is matched as lower-case text instead.
    """
    text = " ".join(query.split()).lower()
    if not text:
        return None
    key, folded = _keys(text)

    def names(p: EventProperties) -> Iterable[str]:
        yield p.get("place") or ""
        yield p.get("gazetteer_name") or ""
        yield from p.get("other_places") or ()

    def found(name: str) -> bool:
        name_key_, name_folded = _keys(name)
        # The folded form too: a query that is only an article ("Al") has no key of its own.
        return bool(key and key in name_key_) or bool(folded and folded in name_folded)

    if not key and not folded:
        return lambda p: any(text in name.lower() for name in names(p))
    return lambda p: any(found(name) for name in names(p) if name)


def filter_events(features: Iterable[EventFeature], flt: EventFilter) -> list[EventFeature]:
    matches_place = place_matcher(flt.place_query)
    out = []
    for feature in features:
        p = feature["properties"]
        if p.get("date_start"):
            if not overlaps(p, flt.start, flt.end):
                continue
        elif not flt.include_undated:
            continue
        if flt.types and p["event_type"] not in flt.types:
            continue
        if flt.actors and not flt.actors & set(p.get("actors") or ()):
            continue
        if flt.articles and p["article_id"] not in flt.articles:
            continue
        if flt.sources and (p.get("article_source") or "") not in flt.sources:
            continue
        if matches_place is not None and not matches_place(p):
            continue
        if not keeps_record(p, flt):
            continue
        out.append(feature)
    return out


def incident_status(props: EventProperties) -> str:
    """The verification status of the event's incident (map data built before incidents
    had one: the event's own)."""
    return props.get("incident_verification") or props.get("verification") or "unverified"


def status_label(flt: EventFilter) -> str:
    """What the verification filter keeps, in words ("verified incidents only"), or "" when
    it keeps all: a briefing screen limited to verified incidents says so."""
    if not flt.verification or flt.verification >= {"verified", "unverified", "rejected"}:
        return ""
    return " or ".join(sorted(flt.verification, reverse=True)) + " incidents only"


def keeps_record(props: EventProperties, flt: EventFilter) -> bool:
    """The event's precision codes, verification status and incident are as the filter
    asks."""
    if flt.geo_precision and props.get("geo_precision") not in flt.geo_precision:
        return False
    if flt.verification and incident_status(props) not in flt.verification:
        return False
    if flt.disagreeing_only and not props.get("disagreement"):
        return False
    return not flt.time_precision or props.get("time_precision") in flt.time_precision


def in_window(
    features: Iterable[EventFeature], start: datetime.date | None, end: datetime.date | None
) -> list[EventFeature]:
    """The dated events whose interval overlaps the window (the time slider's filter).

    `overlaps` for every event, inlined: it runs on every slider step over up to the whole
    corpus, and ISO date strings compare in date order."""
    low = start.isoformat() if start else ""
    high = end.isoformat() if end else "\uffff"
    return [
        f
        for f in features
        if (first := f["properties"]["date_start"])
        and (last := f["properties"]["date_end"])
        and last >= low
        and first <= high
    ]


def date_range(features: Iterable[EventFeature]) -> tuple[datetime.date, datetime.date] | None:
    """The corpus's time span for the slider.

    Year-long intervals ("over the past year") do not stretch it: they still show in any
    window they overlap, but the slider starts where the dated reporting starts.
    """
    dated = [
        (first, last, p.get("granularity"))
        for f in features
        if (first := (p := f["properties"]).get("date_start")) and (last := p.get("date_end"))
    ]
    precise = [d for d in dated if d[2] != "year"] or dated
    if not dated:
        return None
    return (
        datetime.date.fromisoformat(min(d[0] for d in precise)),
        datetime.date.fromisoformat(max(d[1] for d in dated)),
    )


# Where the reporting is, in time (the app's first window) and in space (the first view):
# the shortest span holding this share of the events, when there are enough to tell.
BUSY_SHARE = 0.9
BUSY_MIN_EVENTS = 10

Ordered = TypeVar("Ordered", float, datetime.date)


def densest(values: Iterable[Ordered]) -> tuple[Ordered, Ordered]:
    """The shortest interval holding BUSY_SHARE of the values (at least one value)."""
    ordered = sorted(values)
    k = math.ceil(BUSY_SHARE * len(ordered))
    at = min(range(len(ordered) - k + 1), key=lambda i: ordered[i + k - 1] - ordered[i])
    return ordered[at], ordered[at + k - 1]


def busy_range(features: Iterable[EventFeature]) -> tuple[datetime.date, datetime.date] | None:
    """The busy period of the dated events (by start date; see `densest`).

    Old events reported in passing ("captured in 1992") stretch the corpus's span over
    decades; the app opens on the period the reporting is about. None when there are too
    few events to tell.
    """
    starts = [
        datetime.date.fromisoformat(first)
        for f in features
        if (first := f["properties"].get("date_start"))
        and f["properties"].get("granularity") != "year"
    ]
    return densest(starts) if len(starts) >= BUSY_MIN_EVENTS else None


def events_at(
    features: Iterable[EventFeature], clicked: dict[str, Any] | None, tolerance: float = 1e-4
) -> list[EventFeature]:
    """The events drawn at a clicked point (the map returns only its coordinates)."""
    if not clicked or clicked.get("lat") is None:
        return []
    lat, lng = float(clicked["lat"]), float(clicked["lng"])
    return [
        f
        for f in features
        if abs(f["geometry"]["coordinates"][1] - lat) < tolerance
        and abs(f["geometry"]["coordinates"][0] - lng) < tolerance
    ]


def same_place(features: Iterable[EventFeature], event: EventFeature) -> list[EventFeature]:
    """Every event at `event`'s point, oldest first (the details panel's list)."""
    coords = event["geometry"]["coordinates"]
    return sorted(
        (f for f in features if f["geometry"]["coordinates"] == coords),
        key=lambda f: f["properties"].get("date_start") or "",
    )
